"""Celery tasks: thin, named, taking ids, each calling one service."""

from celery import shared_task
from django.utils import timezone

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
