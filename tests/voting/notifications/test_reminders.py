"""Organiser-written e-mails: the 24-hour reminder to eligible non-voters, previews that send nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition
from tests.factories import EditionFactory, StaffFactory, UserFactory
from voting.models import Announcement, Ballot, NotificationOptOut
from voting.tasks import sweep_announcements_task

pytestmark = pytest.mark.django_db


def _closing_soon(**fields: object) -> Edition:
    now = timezone.now()
    return EditionFactory(
        name="Closing Awards",
        voting_opens_at=now - timedelta(days=10),  # announced long ago: only the reminder is due
        voting_closes_at=now + timedelta(hours=20),
        min_account_age_days=7,
        allowed_email_domains="example.com",
        **fields,
    )


def _member(email: str, *, days_old: int = 30, **fields: object):
    member = UserFactory(email=email, **fields)
    member.date_joined = timezone.now() - timedelta(days=days_old)
    member.save(update_fields=["date_joined"])
    return member


def test_the_reminder_reaches_exactly_the_eligible_non_voters_who_did_not_opt_out(
    django_capture_on_commit_callbacks,
) -> None:
    edition = _closing_soon(closing_reminder_message="Last call from the jury!")
    now = timezone.now()
    _member("eligible@example.com")
    _member("sub@lab.example.com")
    voted = _member("voted@example.com")
    Ballot.objects.create(edition=edition, voter=voted, submitted_at=now, updated_at=now)
    opted = _member("opted@example.com")
    NotificationOptOut.objects.create(member=opted, created_at=now)
    _member("young@example.com", days_old=2)
    _member("other@elsewhere.org")
    _member("unverified@example.com", verified=False)
    _member("gone@example.com", is_active=False)
    _member("notexample.com@elsewhere.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_announcements_task() == [[edition.pk, "voting_closing"]]
        assert sweep_announcements_task() == []  # planned once
    assert sorted(m.to[0] for m in mail.outbox) == ["eligible@example.com", "sub@lab.example.com"]
    message = mail.outbox[0]
    assert message.subject == "24 hours left to vote: Closing Awards"
    assert message.body.startswith("Hello,\n\nLast call from the jury!\n\nVoting in Closing Awards closes on ")
    assert "you have not voted yet" in message.body
    assert Announcement.objects.filter(edition=edition, kind="voting_closing").count() == 1


def test_no_reminder_while_more_than_a_day_is_left_or_for_drafts() -> None:
    now = timezone.now()
    EditionFactory(voting_opens_at=now - timedelta(days=10), voting_closes_at=now + timedelta(hours=25))
    _closing_soon(is_public=False)
    _member("eligible@example.com")
    assert sweep_announcements_task() == []
    assert mail.outbox == []


def test_the_previews_show_each_email_and_its_reach_and_send_nothing(client: Client) -> None:
    edition = _closing_soon(results_message="Thank you, all 1,240 of you.", voting_opened_message="")
    _member("eligible@example.com")
    client.force_login(StaffFactory(email="organiser@example.com"))
    page = client.get(reverse("admin:awards_edition_emails", args=[edition.pk]))
    previews = {p.kind: p for p in page.context["previews"]}
    assert previews["voting_closing"].subject == "24 hours left to vote: Closing Awards"
    assert previews["voting_closing"].recipients == 1
    assert previews["results_published"].body.startswith(
        "Hello,\n\nThank you, all 1,240 of you.\n\nThe results of Closing Awards are out."
    )
    assert previews["voting_opened"].body.startswith("Hello,\n\nVoting is open in Closing Awards.")
    assert "Thank you, all 1,240 of you." in page.content.decode()
    assert mail.outbox == []
    assert not Announcement.objects.exists()
