import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import ApiToken, hash_api_token
from accounts.services import MAX_ACTIVE_API_TOKENS, create_api_token, revoke_api_token, user_for_api_token
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"


def test_only_a_hash_is_stored_and_the_key_authenticates() -> None:
    member = UserFactory()
    token, key = create_api_token(user=member, name="dashboard")
    assert key.startswith("pdm_") and len(key) > 40
    stored = ApiToken.objects.get()
    assert stored.key_hash == hash_api_token(key) and key not in (stored.key_hash, stored.hint, stored.name)
    assert stored.hint == key[:8]
    assert user_for_api_token(key) == member
    assert user_for_api_token(key + "x") is None
    assert revoke_api_token(user=member, token_id=token.pk) is True
    assert user_for_api_token(key) is None
    assert revoke_api_token(user=member, token_id=token.pk) is False


def test_a_member_cannot_revoke_another_members_token() -> None:
    token, key = create_api_token(user=UserFactory(), name="theirs")
    assert revoke_api_token(user=UserFactory(), token_id=token.pk) is False
    assert user_for_api_token(key) is not None


def test_inactive_members_tokens_stop_working() -> None:
    member = UserFactory()
    _, key = create_api_token(user=member, name="x")
    member.is_active = False
    member.save()
    assert user_for_api_token(key) is None


def test_page_requires_login(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_create_shows_the_key_once_then_lists_the_hint(client: Client) -> None:
    member = UserFactory()
    client.force_login(member)
    created = client.post(PAGE, {"name": "my script"})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    key = re.search(r'value="(pdm_[^"]+)"', created.content.decode()).group(1)
    assert user_for_api_token(key) == member
    again = client.get(PAGE).content.decode()
    assert key not in again and key[:8] in again and "my script" in again
    assert client.get("/api/v1/editions", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_revoke_from_the_page(client: Client) -> None:
    member = UserFactory()
    token, key = create_api_token(user=member, name="old")
    client.force_login(member)
    assert client.get(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 405  # a GET changes nothing
    response = client.post(f"/accounts/api-tokens/{token.pk}/revoke/", follow=True)
    assert "The token is revoked" in response.content.decode()
    assert client.get("/api/v1/editions", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_other_members_token_cannot_be_revoked_from_the_page(client: Client) -> None:
    token, key = create_api_token(user=UserFactory(), name="theirs")
    client.force_login(UserFactory())
    response = client.post(f"/accounts/api-tokens/{token.pk}/revoke/", follow=True)
    assert "not found or is already revoked" in response.content.decode()
    assert user_for_api_token(key) is not None


def test_token_limit_and_blank_name(client: Client) -> None:
    member = UserFactory()
    for n in range(MAX_ACTIVE_API_TOKENS):
        create_api_token(user=member, name=f"t{n}")
    client.force_login(member)
    assert client.post(PAGE, {"name": "one more"}).status_code == 409
    assert client.post(PAGE, {"name": ""}).status_code == 400
    assert ApiToken.objects.filter(user=member).count() == MAX_ACTIVE_API_TOKENS


def test_account_navigation_links_to_the_tokens_page(client: Client) -> None:
    client.force_login(UserFactory())
    assert f'href="{PAGE}"' in client.get("/accounts/email/").content.decode()


def test_staff_see_and_revoke_tokens_in_the_admin(client: Client) -> None:
    from tests.factories import StaffFactory

    token, key = create_api_token(user=UserFactory(), name="leaky")
    client.force_login(StaffFactory())
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert "leaky" in listing and token.key_hash not in listing
    assert token.key_hash not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert user_for_api_token(key) is None


NEW_PASSWORD = "An0ther-long-passphrase"


def _tokens_of(member) -> tuple[str, str]:
    _, first = create_api_token(user=member, name="dashboard")
    _, second = create_api_token(user=member, name="phone")
    return first, second


def test_changing_the_password_revokes_every_token(client: Client) -> None:
    member, bystander = UserFactory(), UserFactory()
    keys = _tokens_of(member)
    _, kept = create_api_token(user=bystander, name="theirs")
    client.force_login(member)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert [user_for_api_token(key) for key in keys] == [None, None]
    assert ApiToken.objects.filter(user=member, revoked_at__isnull=True).count() == 0
    assert user_for_api_token(kept) == bystander
    api = client.get("/api/v1/editions", HTTP_AUTHORIZATION=f"Bearer {keys[0]}")
    assert api.status_code == 401


def test_resetting_the_password_revokes_every_token(client: Client) -> None:
    member = UserFactory()
    keys = _tokens_of(member)
    client.post("/accounts/password/reset/", {"email": member.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body)
    assert link
    form_page = client.get(link.group(1), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert [user_for_api_token(key) for key in keys] == [None, None]


def test_staff_setting_a_members_password_revokes_the_members_tokens(client: Client) -> None:
    member = UserFactory()
    keys = _tokens_of(member)
    client.force_login(StaffFactory())
    response = client.post(
        f"/admin/accounts/user/{member.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert [user_for_api_token(key) for key in keys] == [None, None]


def test_the_tokens_page_says_a_password_change_revokes_them(client: Client) -> None:
    client.force_login(UserFactory())
    page = client.get(PAGE).content.decode()
    assert "Changing or resetting your password revokes all your tokens at once" in page
