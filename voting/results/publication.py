"""When results show: an edition's dates and publication, the rules for changing them, and the one locked, audited way.

Every change of an edition's windows or publication (the admin actions in `operations`, the
edition form, the scheduled publication) goes through `change_edition`: it locks the
edition's row, applies the change, validates the named window constraints, saves, and writes
an `EditionAudit` row in the same transaction; cached results are forgotten only after commit.

This module asks for no background work (it does not import `voting.tasks`), so the
scheduler's task can call `publish_due` without an import cycle; announcements are the
caller's job. It lives with the results (below `voting.tasks` and `voting.staff` in the
layering) because the dates and the publication decide who may see them.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from awards.models import Edition
from awards.templatetags.local_time import as_text
from voting.models import EditionAction, EditionAudit
from voting.results.cache import forget_visibility


class OperationRefused(ValueError):
    """The edition is not in a state where this action makes sense; nothing changed."""


WINDOW_FIELDS = (
    "nominations_open_at",
    "nominations_close_at",
    "voting_opens_at",
    "voting_closes_at",
    "published_at",
    "publication_scheduled_at",
)

# The dates staff may type into the edition form; `published_at` is never one of them.
FORM_DATE_FIELDS = (
    "nominations_open_at",
    "nominations_close_at",
    "voting_opens_at",
    "voting_closes_at",
    "publication_scheduled_at",
)

# What to use instead of typing a time in the past.
_USE_INSTEAD = {
    "nominations_open_at": "use the “Open nominations now” action to open them at once",
    "nominations_close_at": "use the “Close nominations now” action to close them at once",
    "voting_opens_at": "use the “Open voting now” action to open it at once",
    "voting_closes_at": "use the “Close voting now” action to close it at once",
    "publication_scheduled_at": "use the “Publish results now” action to publish at once",
}


def _label(field: str) -> str:
    model_field = Edition._meta.get_field(field)
    return str(getattr(model_field, "verbose_name", field)).capitalize()


def date_change_problems(edition: Edition, values: Mapping[str, datetime | None], now: datetime) -> dict[str, str]:
    """Why these new dates may not replace the edition's stored ones (empty: they may).

    A time that has passed is history: it cannot be moved, since ballots or suggestions may
    already rest on it (so a running edition cannot be reopened, shortened into the past, or
    un-published from the form). A new time cannot be in the past either: changing the phase
    at once is what the audited actions are for. A publication can only be scheduled while
    results are unpublished; the model's constraints add "never before voting closes".
    """
    problems: dict[str, str] = {}
    for field in FORM_DATE_FIELDS:
        old: datetime | None = getattr(edition, field)
        new = values.get(field, old)
        if new == old:
            continue
        if old is not None and old <= now and field != "publication_scheduled_at":
            problems[field] = f"{_label(field)} was {as_text([(old, '')])}; a past time cannot be changed."
        elif new is not None and new < now:
            problems[field] = f"{_label(field)} cannot be in the past; {_USE_INSTEAD[field]}."
    scheduled = values.get("publication_scheduled_at", edition.publication_scheduled_at)
    if scheduled is not None and edition.published_at is not None and "publication_scheduled_at" not in problems:
        problems["publication_scheduled_at"] = "Results are already published; unpublish them before scheduling."
    return problems


def state(edition: Edition) -> dict[str, Any]:
    """The edition's dates as the audit trail stores them."""
    values: dict[str, Any] = {}
    for field in WINDOW_FIELDS:
        value: datetime | None = getattr(edition, field)
        values[field] = value.isoformat() if value else None
    return values


def audit(edition: Edition, action: EditionAction, by: User | None, before: dict[str, Any], at: datetime) -> None:
    """One audit row; `by` None is the scheduler (the row of whoever scheduled it names them)."""
    EditionAudit.objects.create(
        edition=edition,
        action=action,
        actor=by,
        actor_email=by.email if by else "",
        at=at,
        before=before,
        after=state(edition),
    )


def change_edition(
    edition_id: int, action: EditionAction, by: User | None, change: Callable[[Edition, datetime], None]
) -> Edition:
    """Lock the edition, apply `change` (which raises OperationRefused or edits fields), save, audit."""
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition_id)
        now = timezone.now()
        before = state(edition)
        change(edition, now)
        edition.full_clean(exclude=["slug"])  # the named window constraints, as a message
        edition.save(update_fields=list(WINDOW_FIELDS))
        audit(edition, action, by, before, now)
        slug = edition.slug
        transaction.on_commit(lambda: forget_visibility(slug))  # every window moves the stage
    return edition


def change_dates(*, edition: Edition, by: User, values: Mapping[str, datetime | None]) -> Edition:
    """Apply the edition form's new dates under `date_change_problems`' rules; audited.

    Raises ValidationError (per field) and changes nothing when a rule is broken. The form
    runs the same check first for its messages; this one, under the row lock, is the guard.
    """
    unknown = set(values) - set(FORM_DATE_FIELDS)
    if unknown:
        raise ValueError(f"not a form date: {sorted(unknown)}")

    def apply(locked: Edition, now: datetime) -> None:
        problems = date_change_problems(locked, values, now)
        if problems:
            raise ValidationError(problems)
        for field, value in values.items():
            setattr(locked, field, value)

    return change_edition(edition.pk, EditionAction.CHANGE_DATES, by, apply)


def publish(edition: Edition, now: datetime) -> None:
    """The publish rule: only once voting has closed, only once; any schedule is used up."""
    if now < edition.voting_closes_at:
        raise OperationRefused(f"Voting in {edition.name} is still open; results can be published once it closes.")
    if edition.published_at is not None and edition.published_at <= now:
        raise OperationRefused(f"Results of {edition.name} are already published.")
    edition.published_at = now
    edition.publication_scheduled_at = None


def _publish_if_due(edition: Edition, now: datetime) -> None:
    if edition.publication_scheduled_at is None or edition.publication_scheduled_at > now:
        raise OperationRefused(f"No publication of {edition.name} is due.")
    publish(edition, now)


def publish_due(now: datetime) -> list[int]:
    """Publish every edition whose scheduled publication has come; returns their ids.

    Each edition is published in its own transaction through `change_edition` (locked,
    audited as the scheduler). One that another run (or a member of staff) published first
    is skipped, so overlapping runs publish each edition once. The caller announces them.
    """
    due = Edition.objects.filter(publication_scheduled_at__lte=now, published_at__isnull=True)
    published = []
    for edition_id in due.order_by("pk").values_list("pk", flat=True):
        try:
            change_edition(edition_id, EditionAction.PUBLISH_SCHEDULED, None, _publish_if_due)
        except OperationRefused:
            continue
        published.append(edition_id)
    return published
