"""Celery tasks, and the only module that knows Celery.

Tasks are thin and named, take ids and call one service. Services ask for background work
through `request_recompute` and `request_announcement`, which enqueue once the current
transaction commits (never before). A broker that is down is logged, never raised into the
request: the database keeps the state (the stale flag, the unclaimed announcement) and the
periodic sweeps enqueue the work once the broker is back.
"""

import logging
import time
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from voting.models import AnnouncementKind, Ballot
from voting.notifications import announcements, ballot_notices, outcomes
from voting.results.publication import publish_due
from voting.results.recompute import editions_needing_recompute, mark_stale, recompute_edition, seconds_until_due

logger = logging.getLogger(__name__)


def request_recompute(edition_id: int) -> None:
    """Ask for the edition's leaderboards to be recomputed once the current transaction commits."""
    transaction.on_commit(lambda: _mark_stale_and_enqueue(edition_id))


def request_announcement(edition_id: int, kind: str) -> None:
    """Plan the announcement once the current transaction commits (never before)."""
    transaction.on_commit(lambda: _enqueue(plan_announcement_task, edition_id, kind))


def request_receipt_email(receipt_id: int) -> None:
    """E-mail the voter their new receipt once the current transaction commits."""
    transaction.on_commit(lambda: _enqueue(send_receipt_task, receipt_id))


def request_status_notices(audit_ids: list[int]) -> None:
    """Tell voters their ballot was set aside or restored, in batches, once the transaction commits."""
    size = settings.PODIUM_NOTIFY_BATCH_SIZE
    batches = [audit_ids[start : start + size] for start in range(0, len(audit_ids), size)]

    def enqueue_batches() -> None:
        for batch in batches:
            _enqueue(send_status_notices_task, batch)

    transaction.on_commit(enqueue_batches)


def request_nomination_outcome(nomination_id: int) -> None:
    """E-mail the suggester the outcome of their nomination's review once the current transaction commits."""
    transaction.on_commit(lambda: _enqueue(send_nomination_outcome_task, nomination_id))


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


# E-mail tasks retry an SMTP or network error with a growing delay; what was sent is recorded,
# so a retry sends only what is still unsent.
EMAIL_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "max_retries": 8,
}


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
    """Claim an announcement and enqueue one send task per batch of recipients."""
    batches = announcements.plan_announcement(edition_id, kind)
    for member_ids in batches:
        send_announcement_batch_task.delay(edition_id, kind, member_ids)
    return len(batches)


@shared_task(name="voting.send_announcement_batch", **EMAIL_RETRIES)
def send_announcement_batch_task(edition_id: int, kind: str, member_ids: list[int]) -> int:
    return announcements.send_batch(edition_id, kind, member_ids)


@shared_task(name="voting.send_receipt", **EMAIL_RETRIES)
def send_receipt_task(receipt_id: int) -> bool:
    return ballot_notices.send_receipt(receipt_id)


@shared_task(name="voting.send_status_notices", **EMAIL_RETRIES)
def send_status_notices_task(audit_ids: list[int]) -> int:
    return ballot_notices.send_status_notices(audit_ids)


@shared_task(
    name="voting.send_nomination_outcome",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=8,
)
def send_nomination_outcome_task(nomination_id: int) -> bool:
    return outcomes.send_nomination_outcome(nomination_id)


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
