"""The "Send it again" button of the verify-your-address page: one more e-mail, to the sign-up's address only."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.verification import Resend
from accounts.views import RESEND_REFUSED
from tests.accounts.test_ratelimit import DEAD_REDIS
from tests.factories import PASSWORD, EditionFactory, UserFactory

pytestmark = pytest.mark.django_db

# Literal paths: reversing at import time would load the URLconf before the test settings apply.
RESEND = "/accounts/confirm-email-again/"
SENT_PAGE = "/accounts/confirm-email/"


def _confirmation_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def _messages(response) -> list[str]:
    """The messages the page after `response`'s redirect shows (each is shown once)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _resend(client: Client, data: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """POST "Send it again": where it redirects, and the messages the member reads there."""
    response = client.post(RESEND, data or {})
    assert response.status_code == 302
    return response["Location"], _messages(client.get(response["Location"]))


def _sign_up(client: Client, email: str, next_url: str = "") -> None:
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == SENT_PAGE
    assert _messages(client.get(SENT_PAGE)) == [f"Confirmation email sent to {email}."]  # read: not shown again


@pytest.fixture
def two_per_address(settings) -> None:
    """allauth's confirm_email limit allows one e-mail per address every 3 minutes; two here, so one resend passes."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "confirm_email": "2/3m/key"}


def test_the_page_offers_a_resend_button_that_posts_with_csrf(client: Client) -> None:
    _sign_up(client, "voter@example.com")
    page = client.get(SENT_PAGE).content.decode()
    assert "Follow it to confirm your address and finish signing up." in page
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*id="resend-confirmation">(.*?)</form>', page, re.S)
    assert form, page
    assert (reverse("accounts:resend_confirmation"), reverse("account_email_verification_sent")) == (RESEND, SENT_PAGE)
    assert form.group(1) == RESEND and 'method="post"' in page
    assert 'name="csrfmiddlewaretoken"' in form.group(2) and "Send it again" in form.group(2)
    assert client.get(RESEND).status_code == 405  # a GET never sends anything
    assert len(mail.outbox) == 1


def test_resend_sends_exactly_one_more_email_to_the_signup_address_and_keeps_next(
    client: Client, two_per_address
) -> None:
    edition = EditionFactory(slug="open-awards")
    ballot_url = reverse("voting:ballot", kwargs={"edition_slug": edition.slug})
    UserFactory(email="someone-else@example.com")
    _sign_up(client, "voter@example.com", next_url=ballot_url)
    [first] = mail.outbox

    # An address in the post is ignored: only the pending sign-up's address is mailed.
    assert _resend(client, {"email": "someone-else@example.com"}) == (
        SENT_PAGE,
        ["Confirmation email sent to voter@example.com."],
    )
    assert len(mail.outbox) == 2
    again = mail.outbox[1]
    assert (again.to, again.subject) == (["voter@example.com"], first.subject)

    confirmed = client.post(_confirmation_path(again.body))  # the new link confirms and lands on the ballot
    assert confirmed["Location"] == ballot_url
    assert EmailAddress.objects.get(email="voter@example.com").verified is True


def test_resend_right_after_sign_up_is_refused_with_a_clear_message(client: Client) -> None:
    _sign_up(client, "voter@example.com")
    assert _resend(client) == (
        SENT_PAGE,
        [
            "A confirmation e-mail was sent a moment ago, and its link still works. "
            "Check your spam folder, or ask again in a few minutes."
        ],
    )
    assert len(mail.outbox) == 1


def test_resends_from_one_network_are_limited_through_podiums_check(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "confirm_email": "10/3m/key",
        "resend_confirmation": "1/10m/ip",
    }
    _sign_up(client, "voter@example.com")
    assert _resend(client) == (SENT_PAGE, ["Confirmation email sent to voter@example.com."])
    assert _resend(client) == (SENT_PAGE, [RESEND_REFUSED[Resend.TOO_SOON]])
    assert [m.to for m in mail.outbox] == [["voter@example.com"]] * 2


def test_with_the_cache_down_resend_still_sends(client: Client, settings, caplog) -> None:
    """Both limits are counted by accounts.ratelimit, which fails open: a cache outage costs no e-mail."""
    settings.CACHES = DEAD_REDIS
    _sign_up(client, "voter@example.com")
    assert _resend(client) == (SENT_PAGE, ["Confirmation email sent to voter@example.com."])
    assert [m.to for m in mail.outbox] == [["voter@example.com"]] * 2
    assert "rate limit resend_confirmation skipped: the cache is unreachable" in caplog.text
    assert "rate limit confirm_email skipped: the cache is unreachable" in caplog.text


def test_without_a_pending_sign_up_nobody_is_mailed(client: Client) -> None:
    location, shown = _resend(client, {"email": "victim@example.com"})
    assert location == reverse("account_login")
    assert shown == [
        "No sign-up is waiting for confirmation in this browser any more. "
        "Log in with your e-mail address and password, and we will send you a new link."
    ]
    assert mail.outbox == []


def test_a_member_is_sent_to_their_addresses_page_and_nobody_is_mailed(client: Client) -> None:
    member = UserFactory(email="member@example.com")
    EmailAddress.objects.create(user=member, email="second@example.com", verified=False)
    client.force_login(member)
    location, shown = _resend(client, {"email": "victim@example.com"})
    assert location == reverse("account_email")
    assert shown == [RESEND_REFUSED[Resend.SIGNED_IN]]
    assert mail.outbox == []


def test_a_forged_cross_site_post_is_refused(two_per_address) -> None:
    client = Client(enforce_csrf_checks=True)
    _sign_up_csrf = client.get(reverse("account_signup"))  # a CSRF cookie for the sign-up form
    token = _sign_up_csrf.cookies["csrftoken"].value
    client.post(
        reverse("account_signup"),
        {"email": "voter@example.com", "password1": PASSWORD, "password2": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert len(mail.outbox) == 1
    assert client.post(RESEND).status_code == 403
    assert len(mail.outbox) == 1


def test_an_address_confirmed_meanwhile_gets_no_email(client: Client, two_per_address) -> None:
    _sign_up(client, "voter@example.com")
    EmailAddress.objects.filter(email="voter@example.com").update(verified=True)
    assert _resend(client) == (
        reverse("account_login"),
        ["Your e-mail address is confirmed already: log in to continue."],
    )
    assert len(mail.outbox) == 1


def test_a_sign_up_with_a_taken_address_answers_like_a_new_one(client: Client, two_per_address) -> None:
    """Enumeration protection holds: the owner gets allauth's "account already exists" e-mail again."""
    UserFactory(email="taken@example.com")
    _sign_up(client, "taken@example.com")
    assert _resend(client) == (SENT_PAGE, ["Confirmation email sent to taken@example.com."])
    assert [(m.to, m.subject) for m in mail.outbox] == [(["taken@example.com"], "[Podium] Account Already Exists")] * 2
