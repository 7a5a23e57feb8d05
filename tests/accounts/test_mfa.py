"""Staff reach the admin only with two-factor authentication (allauth.mfa), when PODIUM_STAFF_MFA_REQUIRED is on."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.test import Client
from django.urls import reverse

from accounts.mfa import STAFF_MFA_MESSAGE
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def mfa_required(settings) -> None:
    settings.PODIUM_STAFF_MFA_REQUIRED = True


def _code(secret: str) -> str:
    """The authenticator app's current code for `secret`."""
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _log_in(client: Client, email: str) -> None:
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_staff_without_mfa_are_sent_to_set_it_up_and_never_see_the_admin(client: Client, mfa_required) -> None:
    staff = StaffFactory()
    _log_in(client, staff.email)
    for path in ("/admin/", "/admin/awards/edition/", "/admin/voting/ballot/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, f"{ACTIVATE}?next={path.replace('/', '%2F')}")
    page = client.get("/admin/", follow=True)  # allauth asks for the password again before any MFA change
    assert [url.split("?")[0] for url, _ in page.redirect_chain] == [ACTIVATE, "/accounts/reauthenticate/"]
    assert STAFF_MFA_MESSAGE in page.content.decode()
    assert "Podium administration" not in page.content.decode()


def _reauthenticate(client: Client) -> None:
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content


def test_staff_who_enrol_an_authenticator_app_reach_the_admin(client: Client, mfa_required) -> None:
    staff = StaffFactory()
    _log_in(client, staff.email)
    _reauthenticate(client)
    setup = client.get(ACTIVATE)
    assert setup.status_code == 200
    secret = setup.context["form"].secret
    enrolled = client.post(ACTIVATE, {"code": _code(secret)})
    assert enrolled.status_code == 302
    assert set(Authenticator.objects.filter(user=staff).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    admin = client.get("/admin/")
    assert admin.status_code == 200
    assert "Podium administration" in admin.content.decode()


def test_staff_with_totp_log_in_with_the_code_then_reach_the_admin(client: Client, mfa_required) -> None:
    staff = StaffFactory()
    _log_in(client, staff.email)
    _reauthenticate(client)
    secret = client.get(ACTIVATE).context["form"].secret
    client.post(ACTIVATE, {"code": _code(secret)})
    client.post(reverse("account_logout"))

    fresh = Client()
    login = fresh.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert login["Location"] == reverse("mfa_authenticate")
    assert fresh.get("/admin/")["Location"].startswith("/admin/login/")  # the password alone is not a log-in
    wrong = fresh.post(reverse("mfa_authenticate"), {"code": "000000" if _code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert fresh.post(reverse("mfa_authenticate"), {"code": _code(secret)}).status_code == 302
    assert fresh.get("/admin/").status_code == 200


def test_members_and_visitors_are_not_sent_to_mfa_set_up(client: Client, mfa_required) -> None:
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    member = UserFactory()
    _log_in(client, member.email)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert client.get("/")["Content-Type"].startswith("text/html")


def test_with_the_setting_off_staff_reach_the_admin_with_a_password(client: Client, settings) -> None:
    settings.PODIUM_STAFF_MFA_REQUIRED = False
    _log_in(client, StaffFactory().email)
    assert client.get("/admin/").status_code == 200


def test_the_account_pages_link_to_two_factor_authentication(client: Client) -> None:
    client.force_login(UserFactory())
    page = client.get(reverse("account_email")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in page
    assert client.get(reverse("mfa_index")).status_code == 200
