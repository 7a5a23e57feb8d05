"""Running an edition: staff open and close its windows early, recompute now, publish, unpublish.

Each action locks the edition's row, changes it, and writes an `EditionAudit` row in the
same transaction; caches are forgotten and follow-up tasks enqueued only after commit.
Refusals (say, closing voting that is not open) raise `OperationRefused` and change nothing.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from awards.models import Edition
from voting import tasks
from voting.models import AnnouncementKind, EditionAction, EditionAudit
from voting.results.cache import forget_visibility
from voting.results.recompute import recompute_edition


class OperationRefused(ValueError):
    """The edition is not in a state where this action makes sense; nothing changed."""


WINDOW_FIELDS = (
    "nominations_open_at",
    "nominations_close_at",
    "voting_opens_at",
    "voting_closes_at",
    "published_at",
)


def _state(edition: Edition) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in WINDOW_FIELDS:
        value: datetime | None = getattr(edition, field)
        values[field] = value.isoformat() if value else None
    return values


def _audit(edition: Edition, action: EditionAction, by: User, before: dict[str, Any], at: datetime) -> None:
    EditionAudit.objects.create(
        edition=edition, action=action, actor=by, actor_email=by.email, at=at, before=before, after=_state(edition)
    )


def _change(edition_id: int, action: EditionAction, by: User, change: Callable[[Edition, datetime], None]) -> Edition:
    """Lock the edition, apply `change` (which raises OperationRefused or edits fields), save, audit."""
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition_id)
        now = timezone.now()
        before = _state(edition)
        change(edition, now)
        edition.full_clean(exclude=["slug"])  # the named window constraints, as a message
        edition.save(update_fields=list(WINDOW_FIELDS))
        _audit(edition, action, by, before, now)
        transaction.on_commit(lambda: forget_visibility(edition.slug))  # every window moves the stage
    return edition


def _open_nominations(edition: Edition, now: datetime) -> None:
    if edition.is_nominating_at(now):
        raise OperationRefused(f"Nominations for {edition.name} are already open.")
    if now >= edition.voting_opens_at:
        raise OperationRefused(f"Voting in {edition.name} has already opened; nominations can no longer open.")
    edition.nominations_open_at = now
    if edition.nominations_close_at is None or edition.nominations_close_at <= now:
        edition.nominations_close_at = edition.voting_opens_at


def _close_nominations(edition: Edition, now: datetime) -> None:
    if not edition.is_nominating_at(now):
        raise OperationRefused(f"Nominations for {edition.name} are not open.")
    edition.nominations_close_at = now


def _open_voting(edition: Edition, now: datetime) -> None:
    if now >= edition.voting_opens_at:
        raise OperationRefused(f"Voting in {edition.name} has already opened.")
    if edition.nominations_open_at is not None and edition.nominations_open_at >= now:
        edition.nominations_open_at = edition.nominations_close_at = None  # they never ran
    elif edition.nominations_close_at is not None and edition.nominations_close_at > now:
        edition.nominations_close_at = now
    edition.voting_opens_at = now


def _close_voting(edition: Edition, now: datetime) -> None:
    if not edition.is_voting_open_at(now):
        raise OperationRefused(f"Voting in {edition.name} is not open.")
    edition.voting_closes_at = now


def open_nominations_now(*, edition: Edition, by: User) -> Edition:
    """Open the nominations window now (it closes when voting opens, unless set to close earlier)."""
    return _change(edition.pk, EditionAction.OPEN_NOMINATIONS, by, _open_nominations)


def close_nominations_now(*, edition: Edition, by: User) -> Edition:
    return _change(edition.pk, EditionAction.CLOSE_NOMINATIONS, by, _close_nominations)


def open_voting_now(*, edition: Edition, by: User) -> Edition:
    """Open voting now, ending any nominations still running; past voters are told after commit."""
    with transaction.atomic():
        opened = _change(edition.pk, EditionAction.OPEN_VOTING, by, _open_voting)
        tasks.request_announcement(opened.pk, AnnouncementKind.VOTING_OPENED)
    return opened


def close_voting_now(*, edition: Edition, by: User) -> Edition:
    return _change(edition.pk, EditionAction.CLOSE_VOTING, by, _close_voting)


def _publish(edition: Edition, now: datetime) -> None:
    if now < edition.voting_closes_at:
        raise OperationRefused(f"Voting in {edition.name} is still open; results can be published once it closes.")
    if edition.published_at is not None and edition.published_at <= now:
        raise OperationRefused(f"Results of {edition.name} are already published.")
    edition.published_at = now


def _unpublish(edition: Edition, now: datetime) -> None:  # noqa: ARG001 - the signature _change calls
    if edition.published_at is None:
        raise OperationRefused(f"Results of {edition.name} are not published.")
    edition.published_at = None


def publish_results(*, edition: Edition, by: User) -> Edition:
    """Publish the edition's results now (once voting has closed); its voters are told after commit."""
    with transaction.atomic():
        published = _change(edition.pk, EditionAction.PUBLISH, by, _publish)
        tasks.request_announcement(published.pk, AnnouncementKind.RESULTS_PUBLISHED)
    return published


def unpublish_results(*, edition: Edition, by: User) -> Edition:
    return _change(edition.pk, EditionAction.UNPUBLISH, by, _unpublish)


def recompute_now(*, edition: Edition, by: User) -> int:
    """Recompute the edition's standings in this request and audit it; returns the duration in ms."""
    started = time.monotonic()
    recompute_edition(edition.pk)
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        state = _state(edition)
        _audit(edition, EditionAction.RECOMPUTE, by, state, timezone.now())
    return duration_ms
