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
