"""The turnout dashboard's reads: ballots over time, completion per category, invalidations, recompute.

A fixed handful of aggregate queries whatever the number of ballots; the chart geometry is
computed here so the template only draws rectangles (no script, no inline style: the CSP
forbids both).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour

from awards.models import Edition
from voting.models import Ballot, BallotAudit, BallotStatus, ResultsState, Vote

CHART_WIDTH, CHART_HEIGHT = 720, 160
MAX_BARS = 24 * 7  # beyond a week of hours, the chart counts per day


@dataclass(frozen=True)
class Bar:
    start: datetime
    ballots: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class CategoryCompletion:
    title: str
    ballots: int
    percent: int


@dataclass(frozen=True)
class Turnout:
    edition: Edition
    ballots: int
    counted: int
    invalidated: int
    audits: int
    step: str  # "hour" or "day"
    bars: list[Bar]
    peak: int
    categories: list[CategoryCompletion]
    state: ResultsState | None

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_height(self) -> int:
        return CHART_HEIGHT


def _bars(edition: Edition) -> tuple[str, list[Bar], int]:
    span = Ballot.objects.filter(edition=edition).order_by("submitted_at").values_list("submitted_at", flat=True)
    first, last = span.first(), span.last()
    if first is None or last is None:
        return "hour", [], 0
    step, trunc = ("hour", TruncHour) if last - first <= timedelta(hours=MAX_BARS) else ("day", TruncDay)
    rows = (
        Ballot.objects.filter(edition=edition)
        .annotate(bucket=trunc("submitted_at"))
        .values("bucket")
        .annotate(n=Count("pk"))
        .order_by("bucket")
    )
    counts = {row["bucket"]: row["n"] for row in rows}
    delta = timedelta(hours=1) if step == "hour" else timedelta(days=1)
    buckets, cursor = [], min(counts)
    while cursor <= max(counts):
        buckets.append(cursor)
        cursor += delta
    peak = max(counts.values())
    width = CHART_WIDTH / len(buckets)
    bars = []
    for index, start in enumerate(buckets):
        n = counts.get(start, 0)
        height = round(CHART_HEIGHT * n / peak, 1)
        bars.append(
            Bar(start, n, round(index * width, 1), round(CHART_HEIGHT - height, 1), round(width * 0.9, 1), height)
        )
    return step, bars, peak


def edition_turnout(edition: Edition) -> Turnout:
    """Everything the turnout dashboard shows for one edition."""
    totals = Ballot.objects.filter(edition=edition).aggregate(
        ballots=Count("pk"), invalidated=Count("pk", filter=Q(status=BallotStatus.INVALIDATED))
    )
    counted = totals["ballots"] - totals["invalidated"]
    answered = dict(
        Vote.objects.of_counted_ballots()
        .filter(ballot__edition=edition)
        .values("category")
        .annotate(n=Count("ballot", distinct=True))
        .values_list("category", "n")
    )
    categories = [
        CategoryCompletion(
            c.title, answered.get(c.pk, 0), round(100 * answered.get(c.pk, 0) / counted) if counted else 0
        )
        for c in edition.categories.all()
    ]
    step, bars, peak = _bars(edition)
    return Turnout(
        edition=edition,
        ballots=totals["ballots"],
        counted=counted,
        invalidated=totals["invalidated"],
        audits=BallotAudit.objects.filter(edition=edition).count(),
        step=step,
        bars=bars,
        peak=peak,
        categories=categories,
        state=ResultsState.objects.select_related("current_release").filter(edition=edition).first(),
    )
