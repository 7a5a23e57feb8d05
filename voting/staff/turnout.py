"""The turnout dashboard's reads: ballots over time, completion per category, invalidations, recompute, e-mails.

A fixed handful of aggregate queries whatever the number of ballots; the chart is laid out
by the shared SVG chart code (voting/results/charts.py), so the template only draws it (no
script, no inline style: the CSP forbids both).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from awards.models import Edition
from voting.models import Ballot, BallotAudit, BallotStatus, MailStatus, OutgoingMail, ResultsState, Vote
from voting.results.charts import Chart, bar_chart

MAX_BARS = 24 * 7  # beyond a week of hours, the chart counts per day


@dataclass(frozen=True)
class Bucket:
    start: datetime
    ballots: int


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
    buckets: list[Bucket]
    peak: int
    chart: Chart | None
    categories: list[CategoryCompletion]
    state: ResultsState | None
    mails: dict[str, int]  # the edition's outgoing mails (or batches) per status, every status present


def _buckets(edition: Edition) -> tuple[str, list[Bucket], int]:
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
    return step, [Bucket(start, counts.get(start, 0)) for start in buckets], max(counts.values())


def _chart(step: str, buckets: list[Bucket]) -> Chart | None:
    if not buckets:
        return None
    return bar_chart(
        f"Ballots first submitted per {step}",
        [(timezone.localtime(b.start), b.ballots) for b in buckets],
        timedelta(hours=1) if step == "hour" else timedelta(days=1),
        y_label=f"Ballots per {step}",
        x_label=f"Times in {timezone.get_current_timezone_name()}",
        what="ballot",
    )


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
    step, buckets, peak = _buckets(edition)
    return Turnout(
        edition=edition,
        ballots=totals["ballots"],
        counted=counted,
        invalidated=totals["invalidated"],
        audits=BallotAudit.objects.filter(edition=edition).count(),
        step=step,
        buckets=buckets,
        peak=peak,
        chart=_chart(step, buckets),
        categories=categories,
        state=ResultsState.objects.select_related("current_release").filter(edition=edition).first(),
        mails=_mails(edition),
    )


def _mails(edition: Edition) -> dict[str, int]:
    rows = OutgoingMail.objects.filter(edition=edition).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return {status: counts.get(status, 0) for status in MailStatus.values}
