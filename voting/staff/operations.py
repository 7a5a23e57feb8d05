"""Running an edition: staff open and close its windows early, recompute now, publish, unpublish.

Each action goes through `windows.change_edition`: it locks the edition's row, changes it, and
writes an `EditionAudit` row in the same transaction; caches are forgotten and follow-up tasks
(announcements) enqueued only after commit.
Refusals (say, closing voting that is not open) raise `OperationRefused` and change nothing.
"""

import time
from copy import copy
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from awards.curation import bump_curation
from awards.models import Category, Edition, Nominee
from voting import tasks
from voting.models import AnnouncementDelivery, AnnouncementKind, Ballot, BallotStatus, EditionAction
from voting.notifications import announcements
from voting.results.publication import OperationRefused, audit, change_edition, publish, state
from voting.results.recompute import recompute_edition


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
    return change_edition(edition.pk, EditionAction.OPEN_NOMINATIONS, by, _open_nominations)


def close_nominations_now(*, edition: Edition, by: User) -> Edition:
    return change_edition(edition.pk, EditionAction.CLOSE_NOMINATIONS, by, _close_nominations)


def open_voting_now(*, edition: Edition, by: User) -> Edition:
    """Open voting now, ending any nominations still running; past voters are told after commit."""
    with transaction.atomic():
        opened = change_edition(edition.pk, EditionAction.OPEN_VOTING, by, _open_voting)
        tasks.request_announcement(opened.pk, AnnouncementKind.VOTING_OPENED)
    return opened


def close_voting_now(*, edition: Edition, by: User) -> Edition:
    return change_edition(edition.pk, EditionAction.CLOSE_VOTING, by, _close_voting)


def _unpublish(edition: Edition, now: datetime) -> None:  # noqa: ARG001 - the signature _change calls
    if edition.published_at is None:
        raise OperationRefused(f"Results of {edition.name} are not published.")
    edition.published_at = None


def publish_results(*, edition: Edition, by: User) -> Edition:
    """Publish the edition's results now (once voting has closed); its voters are told after commit."""
    with transaction.atomic():
        published = change_edition(edition.pk, EditionAction.PUBLISH, by, publish)
        tasks.request_announcement(published.pk, AnnouncementKind.RESULTS_PUBLISHED)
    return published


def record_past_publication(*, edition: Edition, at: datetime, by: User) -> Edition:
    """Record results announced at `at`, before the edition came into Podium (the demo's 2024 edition).

    Audited as a publication by `by`, like "Publish results now"; nobody is e-mailed, since the
    announcement went out when it happened. Refused (OperationRefused) once results are
    published or for a time to come (that is a scheduled publication); never before voting
    closes (the constraint, a ValidationError).
    """

    def record(locked: Edition, now: datetime) -> None:
        if locked.published_at is not None:
            raise OperationRefused(f"Results of {locked.name} are already published.")
        if at > now:
            raise OperationRefused(f"{at:%Y-%m-%d %H:%M} is still to come: schedule the publication instead.")
        locked.published_at = at
        locked.publication_scheduled_at = None

    return change_edition(edition.pk, EditionAction.PUBLISH, by, record)


def unpublish_results(*, edition: Edition, by: User) -> Edition:
    return change_edition(edition.pk, EditionAction.UNPUBLISH, by, _unpublish)


def recompute_now(*, edition: Edition, by: User) -> int:
    """Recompute the edition's standings in this request and audit it; returns the duration in ms."""
    started = time.monotonic()
    recompute_edition(edition.pk)
    duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        audit(edition, EditionAction.RECOMPUTE, by, state(edition), timezone.now())
    return duration_ms


@dataclass(frozen=True)
class PublicationPreview:
    """What "Publish results now" would do to an edition, shown before staff confirm it."""

    edition: Edition
    refusal: str  # why it cannot be published now ("" when it can)
    counted: int
    set_aside: int  # ballots invalidated by staff, left out of the standings
    categories: list[str]
    recipients: int  # members the "results are out" e-mail goes to (opted-out and already told left out)


def publication_preview(edition: Edition) -> PublicationPreview:
    """Apply the publish rule to a copy (nothing is saved) and count what the e-mail would reach."""
    try:
        publish(copy(edition), timezone.now())
    except OperationRefused as refused:
        refusal = str(refused)
    else:
        refusal = ""
    ballots = Ballot.objects.filter(edition=edition).aggregate(
        counted=Count("pk", filter=Q(status=BallotStatus.COUNTED)),
        set_aside=Count("pk", filter=Q(status=BallotStatus.INVALIDATED)),
    )
    kind = AnnouncementKind.RESULTS_PUBLISHED
    told = AnnouncementDelivery.objects.filter(announcement__edition=edition, announcement__kind=kind)
    reach = announcements.recipients(edition, kind).exclude(pk__in=told.values("member")).count()
    return PublicationPreview(
        edition=edition,
        refusal=refusal,
        counted=ballots["counted"],
        set_aside=ballots["set_aside"],
        categories=list(edition.categories.order_by("order", "id").values_list("title", flat=True)),
        recipients=reach if edition.is_public else 0,
    )


COPIED_EDITION_FIELDS = ("description", "results_visibility", "min_account_age_days", "allowed_email_domains")
COPIED_CATEGORY_FIELDS = ("title", "slug", "intro", "order", "method", "max_choices")
COPIED_NOMINEE_FIELDS = ("name", "product_name", "ticker", "description", "website", "order", "active")


@dataclass(frozen=True)
class NewDates:
    voting_opens_at: datetime
    voting_closes_at: datetime
    nominations_open_at: datetime | None = None
    nominations_close_at: datetime | None = None


def duplicate_edition(
    *, source: Edition, name: str, slug: str, dates: NewDates, with_nominees: bool, by: User
) -> Edition:
    """Copy an edition ("last year's") as a new draft with new dates; audited on the new edition.

    Copied: the description, results visibility and who may vote; every category with its
    method and settings; the nominees too if asked. Not copied: ballots, nominations,
    publication. The copy is a draft (not public) until staff tick "public". The slug and
    the windows are validated like any edition's (ValidationError, nothing stored).
    """
    copy_ = Edition(name=name, slug=slug, is_public=False, **{f: getattr(source, f) for f in COPIED_EDITION_FIELDS})
    for field in ("voting_opens_at", "voting_closes_at", "nominations_open_at", "nominations_close_at"):
        setattr(copy_, field, getattr(dates, field))
    copy_.full_clean()
    with transaction.atomic():
        copy_.save()
        for category in source.categories.order_by("order", "id").prefetch_related("nominees"):
            new = Category.objects.create(edition=copy_, **{f: getattr(category, f) for f in COPIED_CATEGORY_FIELDS})
            if with_nominees:
                Nominee.objects.bulk_create(
                    Nominee(category=new, **{f: getattr(n, f) for f in COPIED_NOMINEE_FIELDS})
                    for n in category.nominees.all()
                )
        bump_curation(copy_.pk)  # the nominees' bulk insert sends no signals
        before = {"copied_from": source.pk, "copied_from_name": source.name, "with_nominees": with_nominees}
        audit(copy_, EditionAction.DUPLICATE, by, before, timezone.now())
    return copy_
