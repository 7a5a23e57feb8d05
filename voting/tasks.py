"""Celery tasks, and the only module that knows Celery.

Tasks are thin and named, take ids and call one service. Services ask for background work
through the `request_*` functions, which enqueue once the current transaction commits (never
before); the e-mail ones first write the mail's row in that transaction. A broker that is down
is logged, never raised into the request: the database keeps the state (the stale flag, the
unclaimed announcement, the pending mail) and the periodic sweeps do the work once the broker
is back. No task is ever queued with a countdown or an ETA, and none retries through Celery:
a worker holding such a message when the broker drops dies in kombu's `restore_unacked`.
The same holds for anything else that fails after the commit (the database connection lost
while flagging the edition): the change is stored, so the request must not fail for it.
"""

import logging
import time
from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from awards.models import Nomination
from config.cache_hints import add_hints
from voting.models import AnnouncementKind, Ballot, BallotAudit, MailKind, OutgoingMail, Receipt
from voting.notifications import announcements, outbox
from voting.results.publication import publish_due
from voting.results.recompute import (
    editions_needing_recompute,
    flag_stale,
    mark_stale,
    recompute_edition,
    seconds_until_due,
    stale_hint,
)

logger = logging.getLogger(__name__)


def _after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction commits. With a worker, an error in it is logged
    and the request goes on (what committed is stored; the sweeps catch up); inline (tests, the
    embedded default) it propagates, so that it is seen."""
    transaction.on_commit(callback, robust=not settings.CELERY_TASK_ALWAYS_EAGER)


def request_recompute(edition_id: int) -> None:
    """Ask for the edition's leaderboards to be recomputed once the current transaction commits."""
    _after_commit(lambda: _mark_stale_and_enqueue(edition_id))


def request_announcement(edition_id: int, kind: str) -> None:
    """Plan the announcement once the current transaction commits (never before)."""
    _after_commit(lambda: _enqueue(plan_announcement_task, edition_id, kind))


def request_ballot_followups(receipt: Receipt, *, queued_mail_id: int | None = None) -> None:
    """What a stored ballot change asks for: its receipt e-mail and a leaderboard recompute, coalesced per burst.

    The mail's row is written in the current transaction (unless the caller's ballot write already
    did: `queued_mail_id`). Once it commits, one Redis round trip adds two hints
    (`config.cache_hints`): the stale hint (`flag_stale`: the edition is flagged only when no
    change flagged it a moment ago) and the receipts hint (`outbox.send_receipts`). Only a change
    that added one of them publishes, one `voting.send_receipts` message for the edition, carrying
    the recompute when this change flagged it: a burst of ballots costs one message per batch of
    receipts, not one per ballot. A lost message loses neither: the mails stay pending for the
    mail sweep, the flag for the editions' sweep.
    """
    edition_id = receipt.ballot.edition_id
    if queued_mail_id is None:
        OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition_id, object_ids=[receipt.pk])

    def follow_up() -> None:
        stale_hinted, receipts_hinted = add_hints(
            [stale_hint(edition_id), outbox.receipts_hint(edition_id)], timeout=outbox.HINT_SECONDS
        )
        flagged = False
        try:
            flagged = flag_stale(edition_id, hint_added=stale_hinted)
        except Exception:  # the database lost after the commit: the ballot is stored, the sweep recomputes
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            logger.exception("could not flag edition %s stale; the sweep will recompute it", edition_id)
        if flagged or receipts_hinted is not False:
            _enqueue(send_receipts_task, edition_id, flagged, time.time())

    _after_commit(follow_up)


def request_status_notices(audits: list[BallotAudit]) -> None:
    """Queue the e-mails telling voters their ballot was set aside or restored, in the current
    transaction: one mail per PODIUM_NOTIFY_BATCH_SIZE changes of one edition, sent after commit."""
    size = settings.PODIUM_NOTIFY_BATCH_SIZE
    mails = []
    for edition_id in sorted({audit.edition_id for audit in audits}):
        ids = [audit.pk for audit in audits if audit.edition_id == edition_id]
        for start in range(0, len(ids), size):
            mails.append(
                OutgoingMail.objects.queue(
                    MailKind.BALLOT_STATUS, edition_id=edition_id, object_ids=ids[start : start + size]
                )
            )
    _send_after_commit([mail.pk for mail in mails])


def request_nomination_outcome(nomination: Nomination) -> None:
    """Queue the e-mail telling the suggester the outcome of its review, in the review's
    transaction; it is sent after commit."""
    mail = OutgoingMail.objects.queue(
        MailKind.NOMINATION_OUTCOME, edition_id=nomination.category.edition_id, object_ids=[nomination.pk]
    )
    _send_after_commit([mail.pk])


def _send_after_commit(ids: list[int]) -> None:
    """Enqueue each mail's first attempt once the transaction commits; a lost message is the sweep's."""

    def enqueue() -> None:
        for mail_id in ids:
            _enqueue(send_mail_task, mail_id)

    if ids:
        _after_commit(enqueue)


def _mark_stale_and_enqueue(edition_id: int) -> None:
    # Only the change that flags the edition enqueues: a burst of ballots costs one recompute.
    if mark_stale(edition_id):
        enqueue_recompute(edition_id)


def enqueue_recompute(edition_id: int) -> None:
    # No countdown: a worker holding a countdown message unacknowledged when a Redis broker
    # drops exits for good (kombu's restore_unacked on a collected connection:
    # "'NoneType' object has no attribute 'hostname'"). The task waits out the window itself.
    _enqueue(recompute_edition_task, edition_id)


def _enqueue(task: Task, *args: object, **options: object) -> None:
    # No result is ever read from a request: without `ignore_result`, every publish would also
    # subscribe the web process to the task's result channel on the result backend.
    try:
        task.apply_async(args=list(args), retry=False, ignore_result=True, **options)
    except Exception:  # the broker is down or refused: a periodic sweep catches up
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.exception("could not enqueue %s %s; a periodic sweep will retry", task.name, list(args))


@shared_task(name="voting.recompute_edition", bind=True, acks_late=True, reject_on_worker_lost=True)
def recompute_edition_task(self: Task, edition_id: int) -> int | None:
    """Wait until the edition's coalescing window (from its stale flag) is over, then recompute.

    Ballots arriving meanwhile find the edition already flagged and queue nothing, so a burst
    costs one recompute. Inline (no broker) there is no burst to wait for.
    """
    if not self.request.is_eager:
        time.sleep(seconds_until_due(edition_id, timezone.now()))
    release = recompute_edition(edition_id)
    return release.pk if release else None


@shared_task(name="voting.sweep_editions")
def sweep_editions_task() -> list[int]:
    """Periodic safety net: a lost message delays a recompute, never loses it."""
    due = editions_needing_recompute(timezone.now())
    for edition_id in due:
        enqueue_recompute(edition_id)
    return due


@shared_task(name="voting.plan_announcement")
def plan_announcement_task(edition_id: int, kind: str) -> int:
    """Claim an announcement and queue its batches (one transaction); each is sent after commit."""
    mails = announcements.plan_announcement(edition_id, kind)
    for mail in mails:
        _enqueue(send_mail_task, mail.pk)
    return len(mails)


@shared_task(name="voting.send_mail")
def send_mail_task(mail_id: int, edition_id: int | None = None) -> str | None:
    """The first attempt at one outgoing mail; its outcome is recorded, never retried by Celery.

    Every later attempt is the sweep's (`sweep_mail_task`), from the row's `next_attempt_at`.
    `edition_id`: only in messages of earlier releases, a ballot change that flagged the edition
    stale; its recompute is enqueued first (receipts now go through `send_receipts_task`).
    """
    if edition_id is not None:
        enqueue_recompute(edition_id)
    return outbox.send_first_attempt(mail_id)


@shared_task(name="voting.send_receipts", bind=True)
def send_receipts_task(self: Task, edition_id: int, recompute: bool = False, hinted_at: float | None = None) -> int:
    """The first attempts at the edition's new receipt e-mails, all those pending, over one connection.

    Published by the change that added the receipts hint at `hinted_at` (`request_ballot_followups`);
    the rest of its burst publishes nothing. Waits until PODIUM_RECEIPT_DELAY_SECONDS after the
    hint, so that the burst goes out in batches, then sends (`outbox.send_receipts`). `recompute`:
    that change flagged the edition stale; its recompute is enqueued first, so that the mail
    server never delays the leaderboard. Inline (no broker) nothing waits.
    """
    if recompute:
        enqueue_recompute(edition_id)
    if not self.request.is_eager and hinted_at is not None:
        delay = float(settings.PODIUM_RECEIPT_DELAY_SECONDS)
        time.sleep(min(delay, max(0.0, hinted_at + delay - time.time())))
    return outbox.send_receipts(edition_id)


@shared_task(name="voting.sweep_mail")
def sweep_mail_task() -> list[int]:
    """Periodic: attempt the mails that are due (retries, and those whose send task was lost)."""
    return outbox.sweep()


@shared_task(name="voting.sweep_announcements")
def sweep_announcements_task() -> list[list[object]]:
    """Periodic: plan announcements of recent events whose message was lost (or that just happened)."""
    due = announcements.due_announcements(timezone.now())
    for edition_id, kind in due:
        plan_announcement_task.delay(edition_id, kind)
    return [[edition_id, kind] for edition_id, kind in due]


@shared_task(name="voting.publish_scheduled")
def publish_scheduled_task() -> list[int]:
    """Periodic: publish editions whose scheduled publication has come (audited), then announce them.

    Each publication has committed before its announcement is planned; the announcement's
    unique row makes a second planning (this task overlapping itself, or the sweep) a no-op.
    """
    published = publish_due(timezone.now())
    for edition_id in published:
        _enqueue(plan_announcement_task, edition_id, AnnouncementKind.RESULTS_PUBLISHED.value)
    return published


@shared_task(name="voting.erase_address_data")
def erase_address_data_task() -> int:
    """Periodic: clear ballots' addresses once their edition's retention period is over."""
    return Ballot.objects.erase_expired_addresses(timezone.now())
