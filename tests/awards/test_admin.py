import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from awards.models import Nominee
from tests.factories import PASSWORD, CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    ("admin:awards_edition_changelist", False),
    ("admin:awards_edition_add", False),
    ("admin:awards_edition_change", True),
    ("admin:awards_category_changelist", False),
    ("admin:awards_category_change", True),
    ("admin:awards_category_import_nominees", True),
    ("admin:awards_nominee_changelist", False),
]


def _url(name: str, needs_object: bool, category_id: int, edition_id: int) -> str:
    if not needs_object:
        return reverse(name)
    return reverse(name, args=[edition_id if "edition" in name else category_id])


@pytest.fixture
def category() -> object:
    category = CategoryFactory(title="Best Fund")
    NomineeFactory(category=category, name="Existing")
    return category


@pytest.mark.parametrize(("name", "needs_object"), ADMIN_PAGES)
def test_admin_pages_load_for_staff(client: Client, category: object, name: str, needs_object: bool) -> None:
    client.force_login(StaffFactory())
    response = client.get(_url(name, needs_object, category.pk, category.edition_id))
    assert response.status_code == 200
    assert b"Podium administration" in response.content


@pytest.mark.parametrize(("name", "needs_object"), ADMIN_PAGES)
def test_admin_pages_refused_to_members_and_visitors(
    client: Client, category: object, name: str, needs_object: bool
) -> None:
    url = _url(name, needs_object, category.pk, category.edition_id)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    client.force_login(UserFactory())
    member = client.get(url)
    assert member.status_code == 302
    assert member["Location"].startswith(reverse("admin:login"))


def test_admin_login_goes_through_allauth(client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_can_log_in_with_allauth_and_reach_admin(client: Client) -> None:
    staff = StaffFactory()
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_edition_changelist_shows_computed_phase(client: Client) -> None:
    EditionFactory(name="Open Awards")
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:awards_edition_changelist"))
    assert b"Voting open" in response.content


def _upload(client: Client, category: object, text: str) -> object:
    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    upload = SimpleUploadedFile("nominees.csv", text.encode(), content_type="text/csv")
    return client.post(url, {"file": upload})


def test_csv_import_adds_every_row(client: Client, category: object) -> None:
    client.force_login(StaffFactory())
    response = _upload(
        client,
        category,
        "name,product_name,ticker,website,active\n"
        "BlackRock,iShares Bitcoin Trust,IBIT,https://www.ishares.com/,yes\n"
        "Valkyrie,Valkyrie Bitcoin Trust,BRRR,,no\n",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:awards_category_change", args=[category.pk])
    rows = list(category.nominees.order_by("order").values_list("name", "ticker", "active", "order"))
    assert rows == [
        ("Existing", "", True, rows[0][3]),
        ("BlackRock", "IBIT", True, rows[0][3] + 1),
        ("Valkyrie", "BRRR", False, rows[0][3] + 2),
    ]


def test_csv_import_with_a_bad_row_imports_nothing_and_names_each_problem(client: Client, category: object) -> None:
    client.force_login(StaffFactory())
    response = _upload(
        client,
        category,
        "name,ticker,website,order,active\n"
        "Good One,G1,,,\n"
        ",NONAME,,,\n"
        "existing,DUP,,,\n"
        "Bad Site,BS,not-a-url,,\n"
        "Bad Order,BO,,first,\n"
        "Good One,G2,,,\n",
    )
    assert response.status_code == 200
    problems = [str(p) for p in response.context["problems"]]
    assert problems == [
        "line 3: name: This field cannot be blank.",
        "line 4: This category already has a nominee with that name.",
        "line 5: website: Enter a valid URL.",
        "line 6: order: “first” is not a whole number",
        "line 7: “Good One” repeats line 2",
    ]
    assert b"Nothing was imported: 5 problem(s) in the file." in response.content
    assert list(Nominee.objects.values_list("name", flat=True)) == ["Existing"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"ticker\nX\n",
            "line 1: expected a header with columns name, product_name, ticker, description, website, order, active (name required)",
        ),
        (
            b"name,colour\nX,red\n",
            "line 1: unknown column(s) colour; expected a header with columns name, product_name, ticker, description, website, order, active (name required)",
        ),
        (b"name\n", "line 2: the file has no nominee rows"),
    ],
)
def test_csv_import_rejects_bad_structure(client: Client, category: object, content: bytes, message: str) -> None:
    client.force_login(StaffFactory())
    response = _upload(client, category, content.decode())
    assert [str(p) for p in response.context["problems"]] == [message]
    assert Nominee.objects.count() == 1


def test_csv_import_rejects_non_utf8(client: Client, category: object) -> None:
    client.force_login(StaffFactory())
    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    response = client.post(url, {"file": SimpleUploadedFile("n.csv", "name\nCafé\n".encode("latin-1"))})
    assert response.context["form"].errors == {
        "file": ["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."]
    }
    assert Nominee.objects.count() == 1


def _nul_in_a_csv_cell_is_a_form_error(client: Client, category: object) -> None:
    client.force_login(StaffFactory())
    url = reverse("admin:awards_category_import_nominees", args=[category.pk])
    upload = SimpleUploadedFile("n.csv", b"name,description\nGood,fine\nBad,with \x00 inside\n")
    response = client.post(url, {"file": upload})
    assert response.context["form"].errors == {"file": ["Line 3 contains a NUL character; no cell can hold one."]}
    assert Nominee.objects.count() == 1


def test_nul_in_a_csv_cell_is_a_form_error(client: Client, category: object) -> None:
    _nul_in_a_csv_cell_is_a_form_error(client, category)


@pytest.mark.postgres
def test_nul_in_a_csv_cell_is_a_form_error_on_postgresql(client: Client, category: object) -> None:
    _nul_in_a_csv_cell_is_a_form_error(client, category)
