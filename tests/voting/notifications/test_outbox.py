"""E-mail retries live in the database: one attempt per task, a sweep for the rest, never a countdown."""

import ast
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from smtplib import SMTPException
from typing import Any
from unittest import mock

import pytest
from celery import Task
from celery.exceptions import Ignore
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition
from awards.nominations import suggest_nominee
from config.celery import app
from tests.factories import CategoryFactory, EditionFactory, StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import (
    AnnouncementDelivery,
    Ballot,
    BallotNotice,
    MailKind,
    MailStatus,
    NotificationOptOut,
    OutgoingMail,
    Receipt,
)
from voting.notifications import outbox
from voting.staff.moderation import invalidate_ballots
from voting.staff.operations import open_voting_now
from voting.tasks import plan_announcement_task, send_receipts_task, sweep_mail_task

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


class BrokenBackend:
    """A mail server that cannot be reached."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise OSError("mail server unreachable")


BROKEN = "tests.voting.notifications.test_outbox.BrokenBackend"
WORKING = "django.core.mail.backends.locmem.EmailBackend"


class Clock:
    """The outbox's clock, moved by hand: `due` and the backoff read it."""

    def __init__(self) -> None:
        self.moment = timezone.now()

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock()
    with mock.patch.object(outbox, "timezone", fake):
        yield fake


@pytest.fixture
def celery_retries() -> Iterator[list[dict[str, Any]]]:
    """Every retry a task asks Celery for, and every message queued with a countdown or an ETA."""
    asked: list[dict[str, Any]] = []
    apply_async = Task.apply_async

    def record_retry(task: Task, *args: object, **kwargs: Any) -> Exception:
        asked.append({"task": task.name, "retry": kwargs})
        return Ignore()

    def record_apply_async(task: Task, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("countdown") is not None or kwargs.get("eta") is not None:
            asked.append({"task": task.name, "apply_async": kwargs})
        return apply_async(task, *args, **kwargs)

    with (
        mock.patch.object(Task, "retry", autospec=True, side_effect=record_retry),
        mock.patch.object(Task, "apply_async", autospec=True, side_effect=record_apply_async),
    ):
        yield asked


def _vote(edition: Edition, voter: Any = None) -> Ballot:
    fund = category(edition, "fund").pk
    return submit_ballot(
        voter=voter or UserFactory(),
        edition=edition,
        selections={fund: [nominee_ids(edition, "fund")[0]]},
        expected_version=0,
    ).ballot


# --- reproduction: a failing send used to ask Celery for a countdown retry -------------------------


def test_a_failing_send_schedules_no_countdown_and_leaves_the_mail_pending(
    edition, settings, clock: Clock, celery_retries: list[dict[str, Any]], django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        ballot = _vote(edition)
    # Before: [{'task': 'voting.send_receipt', 'retry': {'exc': OSError(...), 'countdown': 12}}]
    assert celery_retries == []
    [row] = OutgoingMail.objects.all()
    assert (row.kind, row.object_ids, row.edition_id) == (MailKind.RECEIPT, [ballot.receipts.get().pk], edition.pk)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        MailStatus.PENDING,
        1,
        clock.moment + timedelta(seconds=30),
    )
    assert row.last_error == "OSError: mail server unreachable"
    assert Receipt.objects.get().emailed_at is None


# --- every kind of mail: queued with its cause, retried by the sweep, sent once -----------------------


def _receipt(edition: Edition, client: Client) -> str:
    voter = UserFactory()
    _vote(edition, voter)
    return voter.email


def _status_notice(edition: Edition, client: Client) -> str:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    mail.outbox.clear()
    OutgoingMail.objects.all().delete()
    invalidate_ballots(ballot_ids=[ballot.pk], reason="burst", by=StaffFactory())
    return voter.email


def _announcement(edition: Edition, client: Client) -> str:
    now = timezone.now()
    earlier = EditionFactory(voting_opens_at=now - timedelta(days=400), voting_closes_at=now - timedelta(days=390))
    voter = UserFactory()
    Ballot.objects.create(edition=earlier, voter=voter, submitted_at=now, updated_at=now)
    upcoming = EditionFactory(voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=8))
    open_voting_now(edition=upcoming, by=StaffFactory())
    return voter.email


def _nomination_outcome(edition: Edition, client: Client) -> str:
    now = timezone.now()
    open_for_nominations = EditionFactory(
        nominations_open_at=now - timedelta(days=1),
        nominations_close_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=9),
    )
    member = UserFactory()
    nomination = suggest_nominee(
        member=member, category=CategoryFactory(edition=open_for_nominations), name="Trezor", why="Open.", link=""
    )
    client.force_login(StaffFactory())
    client.post(reverse("admin:awards_nomination_approve", args=[nomination.pk]))
    return member.email


CAUSES: dict[str, Callable[[Edition, Client], str]] = {
    MailKind.RECEIPT: _receipt,
    MailKind.BALLOT_STATUS: _status_notice,
    MailKind.ANNOUNCEMENT: _announcement,
    MailKind.NOMINATION_OUTCOME: _nomination_outcome,
}


@pytest.mark.parametrize("kind", list(CAUSES))
def test_each_kind_failing_at_first_is_pending_then_sent_once_by_the_sweep_when_due(
    kind: str, edition, client: Client, settings, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        recipient = CAUSES[kind](edition, client)
    rows = OutgoingMail.objects.filter(kind=kind)
    assert [(r.status, r.attempts, r.next_attempt_at) for r in rows.all()] == [
        (MailStatus.PENDING, 1, clock.moment + timedelta(seconds=30))
    ]
    settings.EMAIL_BACKEND = WORKING  # the mail server is back
    clock.advance(timedelta(seconds=29))
    assert sweep_mail_task.delay().get() == []  # not due yet
    assert mail.outbox == []
    clock.advance(timedelta(seconds=1))
    assert sweep_mail_task.delay().get() == [rows.get().pk]
    assert sweep_mail_task.delay().get() == []  # a second sweep finds nothing to do
    assert [m.to for m in mail.outbox] == [[recipient]]
    assert [(r.status, r.attempts, r.sent_at, r.last_error) for r in rows.all()] == [
        (MailStatus.SENT, 2, clock.moment, "")
    ]


def test_the_mail_row_is_written_in_the_transaction_of_its_cause(edition, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ballot = _vote(edition)
        assert OutgoingMail.objects.get().status == MailStatus.PENDING  # stored with the ballot
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[ballot.voter.email]]
    assert OutgoingMail.objects.get().status == MailStatus.SENT


def test_a_mail_whose_task_message_was_lost_is_sent_by_the_sweep(
    edition, settings, caplog, django_capture_on_commit_callbacks
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with (
        mock.patch.object(send_receipts_task, "apply_async", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ballot = _vote(edition)
    row = OutgoingMail.objects.get()
    # The one message of the ballot's follow-ups: its edition's receipts, and the recompute of the edition
    # it flagged stale (then the editions' sweep's).
    assert f"could not enqueue voting.send_receipts [{edition.pk}, True, " in caplog.text
    assert (row.status, row.attempts, mail.outbox) == (MailStatus.PENDING, 0, [])
    assert sweep_mail_task() == [row.pk]
    assert [m.to for m in mail.outbox] == [[ballot.voter.email]]


def test_a_batch_that_failed_half_way_sends_only_the_rest_when_due(settings, clock: Clock) -> None:
    now = timezone.now()
    edition = EditionFactory(voting_opens_at=now - timedelta(days=9), voting_closes_at=now - timedelta(days=2))
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        Ballot.objects.create(edition=edition, voter=voter, submitted_at=now, updated_at=now)
    real_send = mail.EmailMessage.send
    sends: list[str] = []

    def second_fails(message: mail.EmailMessage, fail_silently: bool = False) -> int:
        sends.append(message.to[0])
        if len(sends) == 2:
            raise SMTPException("421 try again later")
        return real_send(message, fail_silently)

    with mock.patch.object(mail.EmailMessage, "send", second_fails):
        assert plan_announcement_task.delay(edition.pk, "results_published").get() == 1
        row = OutgoingMail.objects.get()
        assert (row.status, row.attempts, row.last_error) == (
            MailStatus.PENDING,
            1,
            "SMTPException: 421 try again later",
        )
        clock.advance(timedelta(seconds=30))
        assert outbox.sweep() == [row.pk]
    assert sends == [voters[0].email, voters[1].email, voters[1].email, voters[2].email]  # each one delivered once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in voters)
    assert AnnouncementDelivery.objects.count() == 3
    assert OutgoingMail.objects.get().status == MailStatus.SENT


def test_a_mail_that_keeps_failing_backs_off_and_is_failed_after_the_maximum(
    edition, settings, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition)
    row = OutgoingMail.objects.get()
    waits = []
    while row.status == MailStatus.PENDING:
        waits.append(row.next_attempt_at - clock.moment)
        clock.advance(row.next_attempt_at - clock.moment)
        assert outbox.sweep() == [row.pk]
        row.refresh_from_db()
    assert [int(wait.total_seconds()) for wait in waits] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert (row.status, row.attempts, row.last_error) == (MailStatus.FAILED, 9, "OSError: mail server unreachable")
    clock.advance(timedelta(days=1))
    assert outbox.sweep() == []  # given up for good
    assert Receipt.objects.get().emailed_at is None


def test_a_claim_whose_worker_died_is_taken_up_again_after_its_lease(
    edition, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    # No send task runs: the first attempt is made by hand below.
    with mock.patch.object(send_receipts_task, "apply_async"), django_capture_on_commit_callbacks(execute=True):
        ballot = _vote(edition)
    row = OutgoingMail.objects.get()
    claimed = outbox._claim(OutgoingMail.objects.filter(pk=row.pk), clock.moment)  # then the worker dies
    assert claimed is not None
    assert outbox.sweep() == []  # the claim holds
    clock.advance(outbox.CLAIM_LEASE)
    assert outbox.sweep() == [row.pk]
    assert [m.to for m in mail.outbox] == [[ballot.voter.email]]
    assert OutgoingMail.objects.values_list("status", "attempts").get() == (MailStatus.SENT, 2)


def test_a_lapsed_claim_at_the_last_attempt_is_failed_for_staff(edition, clock: Clock) -> None:
    row = OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[1])
    OutgoingMail.objects.filter(pk=row.pk).update(
        status=MailStatus.SENDING, attempts=outbox.MAX_ATTEMPTS, next_attempt_at=clock.moment
    )
    assert outbox.sweep() == []
    row.refresh_from_db()
    assert (row.status, row.last_error) == (MailStatus.FAILED, outbox.LAPSED_ERROR)


def test_a_mail_is_attempted_by_one_claimant_only(edition, django_capture_on_commit_callbacks) -> None:
    with mock.patch.object(send_receipts_task, "apply_async"), django_capture_on_commit_callbacks(execute=True):
        _vote(edition)
    row = OutgoingMail.objects.get()
    assert outbox.send_first_attempt(row.pk) == MailStatus.SENT
    assert outbox.send_first_attempt(row.pk) is None  # a redelivered task message
    assert outbox.sweep() == []
    assert len(mail.outbox) == 1


def test_the_sweep_respects_an_opt_out_made_while_the_notice_waited(
    edition, settings, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    voter = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ballot = _vote(voter=voter, edition=edition)  # its receipt goes out
    mail.outbox.clear()
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        invalidate_ballots(ballot_ids=[ballot.pk], reason="burst", by=StaffFactory())
    NotificationOptOut.objects.create(member=voter, created_at=timezone.now())
    settings.EMAIL_BACKEND = WORKING
    clock.advance(timedelta(minutes=1))
    notice = OutgoingMail.objects.get(kind=MailKind.BALLOT_STATUS)
    assert outbox.sweep() == [notice.pk]
    assert mail.outbox == []
    assert not BallotNotice.objects.exists()
    assert OutgoingMail.objects.get(pk=notice.pk).status == MailStatus.SENT  # nothing left to send


def test_staff_see_failed_mails_in_the_admin_list(client: Client, edition) -> None:
    failed = OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[7])
    OutgoingMail.objects.filter(pk=failed.pk).update(
        status=MailStatus.FAILED, attempts=9, last_error="SMTPAuthenticationError: 535 bad credentials"
    )
    OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[8])
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:voting_outgoingmail_changelist") + "?status__exact=failed")
    assert page.status_code == 200
    assert [m.pk for m in page.context["cl"].result_list] == [failed.pk]
    body = page.content.decode()
    assert "SMTPAuthenticationError: 535 bad credentials" in body
    assert "Failed: given up" in body


def test_staff_send_failed_mails_again_once_the_mail_server_is_fixed(
    client: Client, edition, settings, clock: Clock, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        ballot = _vote(edition)
    row = OutgoingMail.objects.get()
    OutgoingMail.objects.filter(pk=row.pk).update(status=MailStatus.FAILED, attempts=9)
    sent = OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[ballot.receipts.get().pk])
    OutgoingMail.objects.filter(pk=sent.pk).update(status=MailStatus.SENT)
    settings.EMAIL_BACKEND = WORKING
    client.force_login(StaffFactory())
    changelist = reverse("admin:voting_outgoingmail_changelist")
    response = client.post(
        changelist, {"action": "send_again_selected", ACTION_CHECKBOX_NAME: [row.pk, sent.pk]}, follow=True
    )
    assert "1 failed e-mail(s) will be sent again within a minute." in response.content.decode()
    assert list(OutgoingMail.objects.order_by("pk").values_list("status", "attempts")) == [
        (MailStatus.PENDING, 0),
        (MailStatus.SENT, 0),  # only failed rows are touched
    ]
    assert outbox.sweep() == [row.pk]
    assert [m.to for m in mail.outbox] == [[ballot.voter.email]]


def test_only_staff_who_may_change_mails_may_send_them_again(client: Client, edition) -> None:
    moderator = StaffFactory(is_superuser=False)
    moderator.groups.add(Group.objects.get(name="moderator"))
    client.force_login(moderator)
    page = client.get(reverse("admin:voting_outgoingmail_changelist"))
    assert page.status_code == 200  # may look
    assert "send_again_selected" not in page.content.decode()  # may not act


# --- the guard: nothing in the project asks Celery for a countdown, an ETA or a retry ------------------

APPLICATION = ("accounts", "awards", "voting", "config")
CELERY_RETRY_WORDS = {"countdown", "eta", "autoretry_for", "retry_backoff", "retry()"}


def test_no_project_task_retries_through_celery() -> None:
    ours = {name: task for name, task in app.tasks.items() if name.split(".")[0] in ("voting", "podium", "accounts")}
    assert "voting.send_mail" in ours and "voting.sweep_mail" in ours
    retrying = {
        name
        for name, task in ours.items()
        if getattr(task, "autoretry_for", ()) or getattr(task, "retry_backoff", False)
    }
    assert retrying == set()


def test_no_application_code_queues_a_countdown_eta_or_retry() -> None:
    found = []
    for package in APPLICATION:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call):
                    named = {k.arg for k in node.keywords}
                    if isinstance(node.func, ast.Attribute) and node.func.attr == "retry":
                        named.add("retry()")
                elif isinstance(node, ast.Dict):  # options spread into a decorator: **{"countdown": ...}
                    named = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                else:
                    continue
                if named & CELERY_RETRY_WORDS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(named & CELERY_RETRY_WORDS)}")
    assert found == []
