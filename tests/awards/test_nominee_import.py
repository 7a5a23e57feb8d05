"""Nominee CSV import in the admin: forgiving headers, separators and links; preview, then confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import Category, Nominee
from awards.services import ImportRejected, import_nominees_csv, plan_nominees_csv
from tests.factories import CategoryFactory, NomineeFactory, StaffFactory

pytestmark = pytest.mark.django_db

EXPECTED = "name, product_name, ticker, description, website, order, active"


@pytest.fixture
def category(client: Client) -> Category:
    client.force_login(StaffFactory())
    category = CategoryFactory(title="Best Fund")
    NomineeFactory(category=category, name="Existing", order=1)
    return category


def _upload(client: Client, category: Category, text: str) -> object:
    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    return client.post(url, {"file": SimpleUploadedFile("nominees.csv", text.encode(), content_type="text/csv")})


def _problems(response: object) -> list[str]:
    return [str(p) for p in response.context["problems"]]  # type: ignore[attr-defined]


def test_a_semicolon_file_with_any_case_headers_is_previewed_then_imported(client: Client, category: Category) -> None:
    text = "Name;Product Name;TICKER;Website;Active\nZed;Zed editor;ZED;zed.dev;yes\nexisting;Renamed product;EX;;no\n"
    preview = _upload(client, category, text)
    content = preview.content.decode()
    assert "This file will create 1 nominee and update 1 in “Best Fund”." in content
    assert "<td>create</td><td>Zed</td><td>Zed editor</td><td>ZED</td><td>https://zed.dev</td>" in content
    assert "<td>update</td><td>Existing</td><td>Renamed product</td><td>EX</td>" in content
    assert list(Nominee.objects.values_list("name", flat=True)) == ["Existing"]  # nothing saved yet

    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    done = client.post(url, {"text": preview.context["text"], "confirm": "Confirm the import"})
    assert done.status_code == 302
    rows = list(category.nominees.order_by("order").values_list("name", "product_name", "website", "active", "order"))
    assert rows == [("Existing", "Renamed product", "", False, 1), ("Zed", "Zed editor", "https://zed.dev", True, 2)]
    assert "Imported into “Best Fund”: 1 created, 1 updated." in client.get(done["Location"]).content.decode()


def test_a_bad_row_imports_nothing_and_names_each_problem(client: Client, category: Category) -> None:
    text = "name,ticker,website,order,active\nGood One,G1,,,\n,NONAME,,,\nBad Site,BS,not a url,,\nBad Order,BO,,first,\nGood One,G2,,,\nX,,,,maybe\n"
    response = _upload(client, category, text)
    assert _problems(response) == [
        "line 3: name: This field cannot be blank.",
        "line 4: website: Enter a valid URL.",
        "line 5: order: “first” is not a whole number",
        "line 6: “Good One” repeats line 2",
        "line 7: active: “maybe” is not yes/no",
    ]
    assert "Nothing was imported: 5 problem(s) in the file." in response.content.decode()
    assert list(Nominee.objects.values_list("name", flat=True)) == ["Existing"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "ticker\nX\n",
            f"line 1: expected a header with columns {EXPECTED} (name required), separated by commas or semicolons",
        ),
        (
            "name,colour\nX,red\n",
            f"line 1: unknown column(s) colour; expected a header with columns {EXPECTED} (name required), "
            "separated by commas or semicolons",
        ),
        ("name\n", "line 2: the file has no nominee rows"),
        ("name,ticker\nA,B,C\n", "line 2: more cells than header columns"),
    ],
)
def test_bad_structure_is_named(client: Client, category: Category, content: str, message: str) -> None:
    assert _problems(_upload(client, category, content)) == [message]
    assert Nominee.objects.count() == 1


def test_blank_lines_are_skipped(client: Client, category: Category) -> None:
    preview = _upload(client, category, "name;ticker\n\nAlpha;A\n;\n\nBeta;B\n")
    assert [n.name for n in preview.context["plan"].created] == ["Alpha", "Beta"]


def test_an_oversized_cell_is_a_clear_error_not_a_500(client: Client, category: Category) -> None:
    response = _upload(client, category, 'name,description\nBig,"' + "x" * 200_000 + '"\n')
    assert response.status_code == 200
    assert _problems(response) == ["line 2: this line cannot be read (field larger than field limit (131072))"]
    long_name = _upload(client, category, "name\n" + "n" * 500 + "\n")
    assert _problems(long_name) == ["line 2: name: Ensure this value has at most 120 characters (it has 500)."]


def test_non_utf8_and_nul_bytes_are_refused(client: Client, category: Category) -> None:
    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    latin = client.post(url, {"file": SimpleUploadedFile("n.csv", "name\nCafé\n".encode("latin-1"))})
    assert latin.context["form"].errors == {
        "file": ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
    }
    nul = client.post(url, {"file": SimpleUploadedFile("n.csv", b"name\nA\x00B\n")})
    assert nul.context["form"].errors == {"file": ["Line 2 contains a NUL character; no cell can hold one."]}
    confirmed = client.post(url, {"text": "name\nA\x00B\n", "confirm": "yes"})
    assert confirmed.context["form"].errors == {"text": ["Null characters are not allowed."]}
    assert Nominee.objects.count() == 1


def test_the_template_downloads(client: Client, category: Category) -> None:
    response = client.get(reverse("admin:awards_category_nominee_template"))
    assert response["Content-Disposition"] == 'attachment; filename="nominees-template.csv"'
    assert response.content.decode().splitlines()[0] == "name,product_name,ticker,description,website,order,active"
    link = client.get(reverse("admin:awards_category_import_nominees", args=[category.pk])).content.decode()
    assert f'<a href="{reverse("admin:awards_category_nominee_template")}" download>Download a template CSV</a>' in link


def _rows(count: int) -> str:
    return "name;ticker;website\n" + "".join(f"Nominee {n};N{n % 1000};example.com/{n}\n" for n in range(count))


def test_checking_a_file_costs_the_same_queries_for_2_rows_or_3_000(category: Category) -> None:
    with CaptureQueriesContext(connection) as two:
        assert len(plan_nominees_csv(category=category, text=_rows(2)).created) == 2
    with CaptureQueriesContext(connection) as many:
        assert len(plan_nominees_csv(category=category, text=_rows(3_000)).created) == 3_000
    assert len(many) == len(two) == 1  # one read of the category's nominees, then all in memory


def test_an_import_writes_in_batches_not_row_by_row(category: Category) -> None:
    """The statements grow with batches of 1,000 rows, never per row (the cap's 20,000 rows is timed in bench/)."""
    with CaptureQueriesContext(connection) as two:
        import_nominees_csv(category=category, text=_rows(2))
    Nominee.objects.exclude(name="Existing").delete()
    with CaptureQueriesContext(connection) as many:
        done = import_nominees_csv(category=category, text=_rows(3_000))
    assert (len(done.created), Nominee.objects.count()) == (3_000, 3_001)
    # Row by row would be over 3,000 statements; batches are as large as the driver's parameters allow.
    assert len(two) < len(many) < 60, len(many)


def test_a_name_already_taken_by_the_database_rejects_the_whole_file(category: Category) -> None:
    with pytest.raises(ImportRejected, match="repeats line 2"):
        import_nominees_csv(category=category, text="name\nAlpha\nALPHA\n")
    assert Nominee.objects.count() == 1
