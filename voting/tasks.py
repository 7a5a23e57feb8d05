"""Celery tasks: thin, named, taking ids, each calling one service."""

from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from voting import notifications
from voting.recompute import editions_needing_recompute, enqueue_recompute, recompute_edition


@shared_task(name="voting.recompute_edition", acks_late=True, reject_on_worker_lost=True)
def recompute_edition_task(edition_id: int) -> int | None:
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
    batches = notifications.plan_announcement(edition_id, kind)
    for member_ids in batches:
        send_announcement_batch_task.delay(edition_id, kind, member_ids)
    return len(batches)


@shared_task(
    name="voting.send_announcement_batch",
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_announcement_batch_task(edition_id: int, kind: str, member_ids: list[int]) -> int:
    return notifications.send_batch(edition_id, kind, member_ids)


@shared_task(name="voting.sweep_announcements")
def sweep_announcements_task() -> list[list[object]]:
    """Periodic: plan announcements of recent events whose message was lost (or that just happened)."""
    due = notifications.due_announcements(timezone.now())
    for edition_id, kind in due:
        plan_announcement_task.delay(edition_id, kind)
    return [[edition_id, kind] for edition_id, kind in due]


@shared_task(name="voting.erase_address_data")
def erase_address_data_task() -> int:
    """Periodic: clear ballots' addresses once their edition's retention period is over."""
    return notifications.erase_address_data(timezone.now())
