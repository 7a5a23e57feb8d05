"""The admin's landing page: each edition's phase, turnout and the next thing staff should do.

One query whatever the number of editions: the counts are correlated subqueries, so a big
edition's ballots are counted from the (edition, status) index, never joined to its nominations.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, Nomination, NominationStatus, Phase, ResultsVisibility
from awards.templatetags.local_time import as_html
from voting.models import Ballot, BallotStatus


@dataclass(frozen=True)
class DashboardRow:
    edition: Edition
    phase: str
    counted: int
    set_aside: int
    pending_nominations: int
    next_action: str  # safe HTML when it names a time (a <time data-local> element)
    next_url: str


def _next_action(edition: Edition, phase: Phase, pending: int) -> tuple[str, str]:
    change = reverse("admin:awards_edition_change", args=[edition.pk])
    listing = reverse("admin:awards_edition_changelist")
    if not edition.is_public:
        return "Draft: finish curating, then tick “public”", change
    if phase == Phase.NOMINATIONS or (pending and phase == Phase.UPCOMING):
        nominations = reverse("admin:awards_nomination_changelist")
        return f"Review {pending} pending nomination(s)", f"{nominations}?status__exact=pending"
    if phase == Phase.UPCOMING:
        return as_html(["Voting opens ", (edition.voting_opens_at, "")]), change
    if phase == Phase.VOTING:
        clusters = reverse("admin:voting_ballot_clusters")
        closes = as_html(["Voting closes ", (edition.voting_closes_at, ""), ": review suspicious clusters"])
        return closes, f"{clusters}?edition={edition.pk}"
    if phase == Phase.CLOSED and edition.publication_scheduled_at is not None:
        return as_html(["Publication scheduled for ", (edition.publication_scheduled_at, "")]), change
    if phase == Phase.CLOSED and edition.results_visibility == ResultsVisibility.PUBLISHED:
        return "Publish the results (“Publish results now…” in the edition list)", listing
    if phase == Phase.CLOSED:
        return "Results are public; publish them to e-mail the voters", listing
    return "Done: results published", reverse("voting:results", args=[edition.slug])


def _count(rows: QuerySet[Ballot] | QuerySet[Nomination], by: str) -> Coalesce:
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_rows(now: datetime | None = None) -> list[DashboardRow]:
    """Every edition, newest first, with what the landing page shows for it."""
    moment = now or timezone.now()
    ballots = Ballot.objects.filter(edition=OuterRef("pk"))
    suggestions = Nomination.objects.filter(category__edition=OuterRef("pk"), status=NominationStatus.PENDING)
    editions = Edition.objects.order_by("-voting_opens_at", "name").annotate(
        counted=_count(ballots.filter(status=BallotStatus.COUNTED), "edition"),
        set_aside=_count(ballots.filter(status=BallotStatus.INVALIDATED), "edition"),
        pending=_count(suggestions, "category__edition"),
    )
    rows = []
    for edition in editions:
        phase = edition.phase_at(moment)
        pending: int = edition.pending  # type: ignore[attr-defined]
        action, url = _next_action(edition, phase, pending)
        rows.append(
            DashboardRow(
                edition=edition,
                phase=str(phase.label),
                counted=edition.counted,  # type: ignore[attr-defined]
                set_aside=edition.set_aside,  # type: ignore[attr-defined]
                pending_nominations=pending,
                next_action=action,
                next_url=url,
            )
        )
    return rows
