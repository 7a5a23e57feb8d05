"""Announcements by e-mail: enqueued after commit, batched, resumable, opt-out; address retention."""

from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, Phase
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.models import Announcement, AnnouncementDelivery, Ballot, MailStatus, NotificationOptOut, OutgoingMail
from voting.notifications import announcements as notifications
from voting.notifications.announcements import opt_out_token, plan_announcement, send_batch
from voting.staff.operations import open_voting_now, publish_results
from voting.tasks import (
    plan_announcement_task,
    request_announcement,
    sweep_announcements_task,
)

pytestmark = pytest.mark.django_db


def _edition_with_voters(n: int, **fields: object) -> tuple[Edition, list]:
    edition = EditionFactory(**fields)
    voters = [UserFactory() for _ in range(n)]
    for voter in voters:
        # Bypass the window check: store ballots for past editions directly.
        now = timezone.now()
        Ballot.objects.create(edition=edition, voter=voter, submitted_at=now, updated_at=now)
    return edition, voters


def _upcoming() -> Edition:
    now = timezone.now()
    return EditionFactory(voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=8))


def test_opening_voting_enqueues_the_announcement_only_after_commit(django_capture_on_commit_callbacks) -> None:
    edition = _upcoming()
    with mock.patch.object(plan_announcement_task, "apply_async") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            open_voting_now(edition=edition, by=StaffFactory())
            assert not enqueue.called
        assert not enqueue.called  # still nothing: the transaction's callbacks have not run
        for callback in callbacks:
            callback()
    enqueue.assert_called_once_with(args=[edition.pk, "voting_opened"], retry=False, ignore_result=True)


def test_publishing_enqueues_the_results_announcement_after_commit(django_capture_on_commit_callbacks) -> None:
    now = timezone.now()
    edition = EditionFactory(voting_opens_at=now - timedelta(days=8), voting_closes_at=now - timedelta(days=1))
    with (
        mock.patch.object(plan_announcement_task, "apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        publish_results(edition=edition, by=StaffFactory())
        assert not enqueue.called
    enqueue.assert_called_once_with(args=[edition.pk, "results_published"], retry=False, ignore_result=True)


def test_voting_opened_goes_to_voters_of_earlier_editions_except_opted_out(
    django_capture_on_commit_callbacks, settings
) -> None:
    settings.PODIUM_NOTIFY_BATCH_SIZE = 2
    now = timezone.now()
    _, earlier = _edition_with_voters(
        5, voting_opens_at=now - timedelta(days=400), voting_closes_at=now - timedelta(days=390)
    )
    edition = _upcoming()
    notifications.opt_out(member=earlier[0])
    UserFactory()  # never voted: not told
    with django_capture_on_commit_callbacks(execute=True):
        open_voting_now(edition=edition, by=StaffFactory())
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in earlier[1:])
    message = mail.outbox[0]
    assert message.subject == f"Voting is open: {edition.name}"
    assert f"{settings.SITE_URL}/notifications/opt-out/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<")
    assert AnnouncementDelivery.objects.count() == 4

    assert plan_announcement_task.delay(edition.pk, "voting_opened").get() == 0  # again: nothing left to send
    assert len(mail.outbox) == 4
    assert Announcement.objects.count() == 1


def test_recipients_are_split_into_batches(settings) -> None:
    settings.PODIUM_NOTIFY_BATCH_SIZE = 2
    edition, voters = _edition_with_voters(5)
    assert [mail.object_ids for mail in plan_announcement(edition.pk, "results_published")] == [
        [voters[0].pk, voters[1].pk],
        [voters[2].pk, voters[3].pk],
        [voters[4].pk],
    ]
    assert plan_announcement(edition.pk, "results_published") == []  # planned once


def test_a_failing_send_is_retried_without_resending_what_went_out(settings) -> None:
    edition, voters = _edition_with_voters(3)
    plan_announcement(edition.pk, "results_published")
    real_send = mail.EmailMessage.send
    calls = {"n": 0}

    def flaky(message, fail_silently=False):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SMTPException("421 try again later")
        return real_send(message, fail_silently)

    with mock.patch.object(mail.EmailMessage, "send", flaky), pytest.raises(SMTPException):
        send_batch(edition.pk, "results_published", [v.pk for v in voters])
    assert [m.to[0] for m in mail.outbox] == [voters[0].email]
    assert send_batch(edition.pk, "results_published", [v.pk for v in voters]) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in voters)


def test_a_broken_mail_server_never_blocks_opening_voting_or_a_vote(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "tests.voting.notifications.test_notifications.BrokenBackend"
    now = timezone.now()
    _edition_with_voters(2, voting_opens_at=now - timedelta(days=400), voting_closes_at=now - timedelta(days=390))
    edition = _upcoming()
    category = CategoryFactory(edition=edition)
    nominee = NomineeFactory(category=category)
    with django_capture_on_commit_callbacks(execute=True):
        open_voting_now(edition=edition, by=StaffFactory())  # the announcement's send fails behind it
    edition.refresh_from_db()
    assert edition.phase_at(timezone.now()) == Phase.VOTING
    assert Announcement.objects.filter(edition=edition, kind="voting_opened").exists()
    assert not AnnouncementDelivery.objects.exists()  # nothing counted as sent
    assert list(OutgoingMail.objects.values_list("status", "attempts", "last_error")) == [
        (MailStatus.PENDING, 1, "OSError: mail server unreachable")  # the sweep tries again later
    ]
    stored = submit_ballot(
        voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0
    )
    assert stored.changed
    assert Ballot.objects.filter(edition=edition).count() == 1


def test_broker_down_at_enqueue_is_logged_not_raised(settings, caplog, django_capture_on_commit_callbacks) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with (
        mock.patch.object(plan_announcement_task, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        request_announcement(1, "voting_opened")
    assert "could not enqueue voting.plan_announcement [1, 'voting_opened']" in caplog.text


def test_sweep_plans_recent_unannounced_events_only() -> None:
    now = timezone.now()
    opened = EditionFactory(voting_opens_at=now - timedelta(days=1))
    EditionFactory(voting_opens_at=now - timedelta(days=30))  # too old to announce now
    published = EditionFactory(
        voting_opens_at=now - timedelta(days=9), voting_closes_at=now - timedelta(days=3), published_at=now
    )
    Announcement.objects.create(edition=opened, kind="voting_opened", created_at=now)
    assert sweep_announcements_task.delay().get() == [[published.pk, "results_published"]]


def test_drafts_are_not_announced() -> None:
    edition, _ = _edition_with_voters(2, is_public=False)
    assert plan_announcement(edition.pk, "results_published") == []
    assert not Announcement.objects.exists()


# --- opt-out link -------------------------------------------------------------------------------


def test_opt_out_link_works_without_logging_in(client: Client) -> None:
    member = UserFactory()
    url = reverse("voting:opt_out", args=[opt_out_token(member)])
    page = client.get(url)
    assert page.status_code == 200
    assert member.email.encode() in page.content
    assert not NotificationOptOut.objects.exists()  # a GET changes nothing
    done = client.post(url)
    assert done.status_code == 200
    assert b"will get no more announcements" in done.content
    assert NotificationOptOut.objects.filter(member=member).exists()
    assert client.post(url).status_code == 200  # twice is fine


def test_tampered_opt_out_link_is_404(client: Client) -> None:
    token = opt_out_token(UserFactory())
    assert client.get(reverse("voting:opt_out", args=[token[:-2] + "xx"])).status_code == 404


# --- address retention -------------------------------------------------------------------------


@pytest.mark.parametrize(("published_days_ago", "erased"), [(31, True), (29, False), (None, False)])
def test_address_data_is_erased_after_the_retention_period(
    settings, published_days_ago: int | None, erased: bool
) -> None:
    settings.PODIUM_IP_RETENTION_DAYS = 30
    now = timezone.now()
    edition = EditionFactory(
        voting_opens_at=now - timedelta(days=60),
        voting_closes_at=now - timedelta(days=40),
        published_at=now - timedelta(days=published_days_ago) if published_days_ago else None,
    )
    ballot = Ballot.objects.create(
        edition=edition,
        voter=UserFactory(),
        submitted_at=now,
        updated_at=now,
        client_ip="203.0.113.7",
        client_network="203.0.113.0/24",
        user_agent="Firefox",
    )
    assert Ballot.objects.erase_expired_addresses(now) == (1 if erased else 0)
    ballot.refresh_from_db()
    assert (ballot.client_ip, ballot.client_network, ballot.user_agent) == (
        (None, "", "") if erased else ("203.0.113.7", "203.0.113.0/24", "Firefox")
    )


@pytest.fixture
def edition_with_category():
    edition = EditionFactory()
    category = CategoryFactory(edition=edition)
    return edition, category, NomineeFactory(category=category)


class BrokenBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise OSError("mail server unreachable")
