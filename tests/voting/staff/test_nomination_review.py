"""Nomination review in the admin: reason and link in the list, approve and reject on the page, outcome e-mailed."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Category, Nomination, NominationStatus
from awards.nominations import suggest_nominee
from tests.factories import CategoryFactory, EditionFactory, StaffFactory, UserFactory
from voting.models import NotificationOptOut

pytestmark = pytest.mark.django_db


@pytest.fixture
def category() -> Category:
    now = timezone.now()
    edition = EditionFactory(
        name="Moon Awards 2026",
        nominations_open_at=now - timedelta(days=1),
        nominations_close_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=9),
    )
    return CategoryFactory(edition=edition, title="Best Wallet")


def _suggest(category: Category, name: str = "Trezor", email: str = "alice@example.com") -> Nomination:
    return suggest_nominee(
        member=UserFactory(email=email), category=category, name=name, why="Open source.", link="https://trezor.io"
    )


@pytest.fixture
def staff(client: Client) -> Any:
    member = StaffFactory()
    client.force_login(member)
    return member


def test_the_list_shows_the_reason_and_the_link(client: Client, staff: Any, category: Category) -> None:
    _suggest(category)
    page = client.get(reverse("admin:awards_nomination_changelist")).content.decode()
    assert '<td class="field-why_given">Open source.</td>' in page
    assert '<a href="https://trezor.io" rel="nofollow noopener" target="_blank">https://trezor.io</a>' in page


def test_approve_on_the_nominations_page_emails_the_member_after_commit(
    client: Client, staff: Any, category: Category, django_capture_on_commit_callbacks: Any
) -> None:
    nomination = _suggest(category)
    page = client.get(reverse("admin:awards_nomination_change", args=[nomination.pk])).content.decode()
    approve_url = reverse("admin:awards_nomination_approve", args=[nomination.pk])
    assert f'action="{approve_url}"' in page
    assert client.get(approve_url).status_code == 405  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(approve_url)
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert Nomination.objects.get(pk=nomination.pk).status == NominationStatus.APPROVED
    [message] = mail.outbox
    assert (message.to, message.subject) == (["alice@example.com"], "Your suggestion “Trezor” is a nominee")
    assert "for Best Wallet in Moon Awards 2026 was approved: it is a nominee now." in message.body


def test_reject_on_the_page_asks_for_the_reason_and_emails_it(
    client: Client, staff: Any, category: Category, django_capture_on_commit_callbacks: Any
) -> None:
    nomination = _suggest(category)
    url = reverse("admin:awards_nomination_reject", args=[nomination.pk])
    assert "Reject “Trezor”" in client.get(url).content.decode()
    assert "This field is required." in client.post(url, {"reason": "  "}).content.decode()
    assert Nomination.objects.get(pk=nomination.pk).status == NominationStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Not a wallet."})
    assert Nomination.objects.get(pk=nomination.pk).status == NominationStatus.REJECTED
    [message] = mail.outbox
    assert message.subject == "Your suggestion “Trezor” was not taken up"
    assert "The organisers wrote:\n\nNot a wallet." in message.body


def test_list_actions_email_each_member_but_not_those_who_opted_out(
    client: Client, staff: Any, category: Category, django_capture_on_commit_callbacks: Any
) -> None:
    told, quiet = _suggest(category, "Trezor", "a@example.com"), _suggest(category, "Keystone", "b@example.com")
    NotificationOptOut.objects.create(member=quiet.suggested_by, created_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:awards_nomination_changelist"),
            {"action": "approve_selected", ACTION_CHECKBOX_NAME: [told.pk, quiet.pk]},
        )
    assert set(Nomination.objects.values_list("status", flat=True)) == {NominationStatus.APPROVED}
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_a_member_without_review_permission_gets_403(client: Client, category: Category) -> None:
    nomination = _suggest(category)
    client.force_login(UserFactory(is_staff=True))
    assert client.post(reverse("admin:awards_nomination_approve", args=[nomination.pk])).status_code == 403
    assert Nomination.objects.get(pk=nomination.pk).status == NominationStatus.PENDING
