"""Reads for the public awards pages, with visibility applied in one place."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from accounts.models import User
from awards.models import (
    Category,
    Edition,
    EditionQuerySet,
    Nomination,
    NominationStatus,
    NominationSupport,
    Nominee,
    Phase,
)

Viewer = User | AnonymousUser

CURRENT_PHASES = frozenset({Phase.UPCOMING, Phase.NOMINATIONS, Phase.VOTING})


@dataclass(frozen=True)
class EditionSummary:
    edition: Edition
    phase: Phase
    phase_ends_at: datetime | None
    category_count: int

    @property
    def is_current(self) -> bool:
        return self.phase in CURRENT_PHASES


def _can_preview(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and viewer.is_staff)


def editions_visible_to(viewer: Viewer) -> "list[Edition]":
    """Editions a viewer may browse: public ones, and drafts for staff."""
    editions = Edition.objects.annotate(category_count=Count("categories")).order_by("-voting_opens_at", "name")
    if not _can_preview(viewer):
        editions = editions.public()
    return list(editions)


def edition_summaries(viewer: Viewer, now: datetime) -> list[EditionSummary]:
    summaries = []
    for edition in editions_visible_to(viewer):
        window = edition.phase_window_at(now)
        summaries.append(EditionSummary(edition, window.phase, window.ends_at, edition.category_count))  # type: ignore[attr-defined]
    return summaries


def visible_editions(viewer: Viewer) -> EditionQuerySet:
    """Editions a viewer may see, as a queryset to filter or page through: public ones, drafts for staff."""
    return Edition.objects.all() if _can_preview(viewer) else Edition.objects.public()


def get_edition_for(viewer: Viewer, slug: str) -> Edition:
    """The edition with this slug, or 404 when it does not exist or the viewer may not see it."""
    try:
        return visible_editions(viewer).get(slug=slug)
    except Edition.DoesNotExist:
        raise Http404("No such edition") from None


def categories_with_nominee_counts(edition: Edition) -> list[Category]:
    counted = edition.categories.annotate(nominee_count=Count("nominees", filter=Q(nominees__active=True)))
    # An aggregating query drops Meta.ordering (Django leaves GROUP BY queries unordered): ask again.
    return list(counted.order_by("order", "id"))


def get_category_for(edition: Edition, slug: str) -> Category:
    """A category of an edition already checked visible (`get_edition_for`), active nominees prefetched in order."""
    active_nominees = Prefetch("nominees", queryset=Nominee.objects.active(), to_attr="active_nominees")
    try:
        return edition.categories.prefetch_related(active_nominees).get(slug=slug)
    except Category.DoesNotExist:
        raise Http404("No such category") from None


def nominations_of(member: User) -> list[Nomination]:
    """The suggestions a member made or supported, newest first, with their outcome and support count."""
    return list(
        Nomination.objects.filter(pk__in=NominationSupport.objects.filter(member=member).values("nomination"))
        .select_related("category__edition", "nominee")
        .annotate(supporters=Count("supports"))
        .order_by("-created_at", "-id")
    )


def open_suggestions(edition: Edition) -> list[Nomination]:
    """Pending suggestions of an edition (for members to support), most supported first."""
    return list(
        Nomination.objects.filter(category__edition=edition, status=NominationStatus.PENDING)
        .select_related("category")
        .annotate(supporters=Count("supports"))
        .order_by("category__order", "-supporters", "name")
    )
