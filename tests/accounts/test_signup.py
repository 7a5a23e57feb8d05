import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, EditionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _confirmation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_signup_sends_verification_email_and_confirming_logs_in(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "Newcomer@Example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email__iexact="newcomer@example.com")
    assert EmailAddress.objects.get(user=user).verified is False
    assert "_auth_user_id" not in client.session  # mandatory verification: not logged in yet

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert mail.outbox[0].subject == "[Podium] Please Confirm Your Email Address"
    confirm = _confirmation_path(mail.outbox[0].body)

    page = client.get(confirm, follow=True)  # GET shows a confirm button, changes nothing
    assert page.status_code == 200
    assert EmailAddress.objects.get(user=user).verified is False
    response = client.post(page.redirect_chain[-1][0] if page.redirect_chain else confirm)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.session["_auth_user_id"] == str(user.pk)


def test_unverified_member_cannot_log_in_and_gets_a_new_link(client: Client) -> None:
    user = UserFactory(verified=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == [user.email]


def test_verified_member_logs_in_by_email(client: Client) -> None:
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_is_refused_with_a_message(client: Client) -> None:
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]


def test_signup_with_a_taken_email_does_not_reveal_the_account(client: Client) -> None:
    """Enumeration protection: the page looks like success; the owner is told by e-mail."""
    UserFactory(email="taken@example.com")
    response = client.post(
        reverse("account_signup"), {"email": "TAKEN@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert mail.outbox[-1].to == ["taken@example.com"]
    assert mail.outbox[-1].subject == "[Podium] Account Already Exists"


def test_password_reset_sends_a_link_that_sets_a_new_password(client: Client) -> None:
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body)
    assert link
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0], {"password1": "N3w-passw0rd-xyz", "password2": "N3w-passw0rd-xyz"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("N3w-passw0rd-xyz")


def test_logout_requires_post(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("account_logout"))
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited_per_account(client: Client) -> None:
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Too many failed login attempts. Try again later."]
    assert "_auth_user_id" not in client.session


def test_login_page_is_rate_limited_per_address(client: Client) -> None:
    statuses = [
        client.post(reverse("account_login"), {"login": "x@example.com", "password": "x"}).status_code
        for _ in range(31)
    ]
    assert statuses[:30].count(429) == 0
    assert statuses[30] == 429


def test_signup_is_rate_limited_per_address(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [
        client.post(
            reverse("account_signup"), {"email": f"n{i}@example.com", "password1": PASSWORD, "password2": PASSWORD}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert User.objects.filter(email__startswith="n").count() == 3


def test_password_reset_is_rate_limited_per_address(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/m/ip"}
    user = UserFactory()
    statuses = [client.post(reverse("account_reset_password"), {"email": user.email}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_admin_login_uses_the_rate_limited_allauth_form(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"].startswith(reverse("account_login"))
    statuses = [
        client.post(response["Location"], {"login": "x@example.com", "password": "x"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429


def _sign_up(client: Client, email: str):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


@pytest.mark.parametrize("spelling", ["alice@ｓｅｃ.test", "ＡＬＩＣＥ@sec.test", "alice@SEC。test"])
def test_one_mailbox_one_account_a_second_spelling_reaches_the_owner(client: Client, spelling: str) -> None:
    """The same mailbox typed differently is the taken address: no second account, the owner is told."""
    UserFactory(email="alice@sec.test")
    response = _sign_up(client, spelling)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert list(User.objects.values_list("email", flat=True)) == ["alice@sec.test"]
    assert [(m.to, m.subject) for m in mail.outbox] == [(["alice@sec.test"], "[Podium] Account Already Exists")]


@pytest.mark.parametrize(
    ("spelling", "named"),
    [
        ("alice@sec.test\u200b", "U+200B ZERO WIDTH SPACE"),
        ("alice@se\u200cc.test", "U+200C ZERO WIDTH NON-JOINER"),
        ("ali\u200bce@sec.test", "U+200B ZERO WIDTH SPACE"),
        ("alice@se\u00adc.test", "U+00AD SOFT HYPHEN"),
        ("\u202ealice@sec.test", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_one_mailbox_one_account_invisible_characters_are_refused(client: Client, spelling: str, named: str) -> None:
    UserFactory(email="alice@sec.test")
    response = _sign_up(client, spelling)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        f"The e-mail address contains an invisible character ({named}). Type it again without it."
    ]
    assert list(User.objects.values_list("email", flat=True)) == ["alice@sec.test"]
    assert EmailAddress.objects.count() == 1


def test_one_mailbox_one_account_adding_another_spelling_never_verifies(client: Client) -> None:
    owner = UserFactory(email="alice@sec.test")
    other = UserFactory(email="mallory@sec.test")
    client.force_login(other)
    client.post(reverse("account_email"), {"action_add": "", "email": "alice@ｓｅｃ.test"})
    invisible = client.post(reverse("account_email"), {"action_add": "", "email": "alice@sec.test\u200b"})
    assert invisible.context["form"].errors["email"] == [
        "The e-mail address contains an invisible character (U+200B ZERO WIDTH SPACE). Type it again without it."
    ]
    # Enumeration protection: allauth files the address unverified, in its one stored form, and it
    # can never be verified while the owner holds it.
    added = EmailAddress.objects.get(user=other, email__startswith="alice")
    assert (added.email, added.verified, added.can_set_verified()) == ("alice@sec.test", False, False)
    assert EmailAddress.objects.filter(user=other).count() == 2
    assert EmailAddress.objects.get(user=owner).verified is True


def test_log_in_to_vote_then_sign_up_and_verify_lands_on_the_ballot(client: Client, settings) -> None:
    edition = EditionFactory(slug="open-awards")
    ballot_url = reverse("voting:ballot", kwargs={"edition_slug": edition.slug})
    login = client.get(client.get(ballot_url)["Location"])  # "Log in to vote" → the login page, next kept
    signup_link = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', login.content.decode())
    assert signup_link, "the login page's sign-up link carries next"
    signup_url = signup_link.group(1).replace("&amp;", "&")
    client.post(signup_url, {"email": "voter@example.com", "password1": PASSWORD, "password2": PASSWORD})
    [message] = mail.outbox
    assert "127.0.0.1" not in message.subject and message.subject.startswith("[Podium]")
    assert "Hello from Podium!" in message.body
    confirmed = client.post(_confirmation_path(message.body))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == ballot_url
