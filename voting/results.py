"""Reads of published standings, with the edition's visibility rule applied in one place."""

import csv
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from accounts.models import User
from awards.models import Category, Edition, Nominee
from voting.models import CategoryResult, ResultsRelease, ResultsState
from voting.writeup import METHOD_NOTES, position_label, sentence

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultRow:
    nominee_id: int
    label: str
    sublabel: str
    position: int
    tied: bool
    count: int
    share: Decimal
    sentence: str

    @property
    def position_label(self) -> str:
        return position_label(self.position, self.tied)


@dataclass(frozen=True)
class CategoryStandings:
    category: Category
    method: str
    ballots: int
    rows: list[ResultRow]
    detail: dict[str, Any]
    first_preferences: list[ResultRow] | None
    names: dict[int, str] = field(repr=False, default_factory=dict)

    @property
    def method_note(self) -> str:
        return METHOD_NOTES[self.method]

    @property
    def irv_rounds(self) -> list[dict[str, Any]]:
        """Rows of the round-by-round table: votes per nominee (standings order), who went out."""
        order = [row.nominee_id for row in self.rows]
        table = []
        for entry in self.detail.get("rounds", []):
            tallies = entry["tallies"]
            table.append(
                {
                    "number": entry["round"],
                    "cells": [tallies.get(str(nominee), "") for nominee in order],
                    "eliminated": [self.names.get(n, "?") for n in entry["eliminated"]],
                    "exhausted": entry["exhausted"],
                }
            )
        return table

    @property
    def schulze_matrix(self) -> list[dict[str, Any]]:
        """Pairwise preferences in standings order: how many voters prefer the row to the column."""
        pairwise = self.detail.get("pairwise", {})
        order = [row.nominee_id for row in self.rows]
        return [
            {
                "label": self.names.get(a, "?"),
                "cells": [
                    None
                    if a == b
                    else {
                        "votes": pairwise[str(a)][str(b)],
                        "wins": pairwise[str(a)][str(b)] > pairwise[str(b)][str(a)],
                    }
                    for b in order
                ],
            }
            for a in order
            if str(a) in pairwise
        ]

    @property
    def winners(self) -> list[ResultRow]:
        return [row for row in self.rows if row.position == 1 and row.count > 0]


@dataclass(frozen=True)
class EditionResults:
    edition: Edition
    release: ResultsRelease | None
    is_preview: bool
    categories: list[CategoryStandings]


def can_see_results(edition: Edition, viewer: User | AnonymousUser, now: datetime) -> tuple[bool, bool]:
    """(may see, is a staff preview): visitors follow the edition's rule; staff always see."""
    if edition.results_public_at(now):
        return True, False
    staff = bool(viewer.is_authenticated and viewer.is_staff)
    return staff, staff


def _rows(standings: list[dict[str, Any]], nominees: dict[int, Nominee], method: str) -> list[ResultRow]:
    rows = []
    for item in standings:
        nominee = nominees[item["nominee"]]
        share = Decimal(item["share"])
        sublabel = " · ".join(part for part in (nominee.product_name, nominee.ticker) if part)
        rows.append(
            ResultRow(
                nominee.pk,
                nominee.name,
                sublabel,
                item["position"],
                item["tied"],
                item["score"],
                share,
                sentence(nominee.name, item["position"], item["tied"], share, method),
            )
        )
    return rows


def edition_results(edition: Edition, *, is_preview: bool) -> EditionResults:
    """The current release's standings for every category, in three queries."""
    state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
    release = state.current_release if state else None
    results = (
        CategoryResult.objects.filter(release=release)
        .select_related("category")
        .order_by("category__order", "category_id")
        if release
        else []
    )
    nominees = {n.pk: n for n in Nominee.objects.filter(category__edition=edition)}
    categories = []
    for result in results:
        names = {pk: n.name for pk, n in nominees.items() if n.category_id == result.category_id}
        firsts = _rows(result.first_preferences, nominees, "plurality") if result.first_preferences else None
        categories.append(
            CategoryStandings(
                result.category,
                result.method,
                result.ballots,
                _rows(result.standings, nominees, result.method),
                result.detail,
                firsts,
                names,
            )
        )
    return EditionResults(edition, release, is_preview, categories)


def release_history(category: Category, limit: int = 50) -> list[tuple[datetime, dict[int, Decimal]]]:
    """Shares per nominee in the last `limit` releases, oldest first: the trend."""
    rows = (
        CategoryResult.objects.filter(category=category)
        .order_by("-release__computed_at")
        .values_list("release__computed_at", "standings")[:limit]
    )
    return [(at, {s["nominee"]: Decimal(s["share"]) for s in standings}) for at, standings in reversed(rows)]


def cached_page_key(edition_slug: str, page: str) -> str | None:
    """The cache key of a public results page, or None when the cache cannot be reached."""
    try:
        generation = int(cache.get(f"results-generation:{edition_slug}", 0))
    except Exception:  # an unreachable cache degrades to rendering every time
        logger.warning("results cache unreachable; rendering without it", exc_info=True)
        return None
    return f"results-page:{edition_slug}:{page}:{generation}"


def forget_cached_results(edition_slug: str) -> None:
    """Make every cached results page of the edition stale by moving its generation."""
    key = f"results-generation:{edition_slug}"
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # entries expire on their own (PODIUM_RESULTS_CACHE_SECONDS)
        logger.warning("could not invalidate cached results of %s", edition_slug, exc_info=True)


def as_document(results: EditionResults) -> dict[str, Any]:
    """The JSON download and `export_results --format json`."""
    release = results.release
    return {
        "edition": {"name": results.edition.name, "slug": results.edition.slug},
        "computed_at": release.computed_at.isoformat() if release else None,
        "ballots_counted": release.ballots_counted if release else 0,
        "categories": [
            {
                "title": c.category.title,
                "slug": c.category.slug,
                "method": c.method,
                "ballots": c.ballots,
                "standings": [
                    {
                        "position": r.position,
                        "tied": r.tied,
                        "nominee": r.label,
                        "count": r.count,
                        "share": str(r.share),
                    }
                    for r in c.rows
                ],
                "detail": c.detail,
            }
            for c in results.categories
        ],
    }


CSV_HEADER = ("category", "method", "position", "tied", "nominee", "count", "share", "ballots")


def as_csv_rows(results: EditionResults) -> list[tuple[object, ...]]:
    return [
        (
            c.category.slug,
            c.method,
            r.position,
            "yes" if r.tied else "no",
            r.label,
            r.count,
            f"{r.share:.1f}",
            c.ballots,
        )
        for c in results.categories
        for r in c.rows
    ]


def write_csv(out: Any, results: EditionResults) -> None:
    """The CSV download and `export_results --format csv`: a header, then one row per nominee."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(as_csv_rows(results))


@dataclass(frozen=True)
class TrendLine:
    label: str
    points: str  # SVG polyline points, in a 0-100 by 0-100 viewBox (y grows downwards)
    last_share: Decimal


@dataclass(frozen=True)
class TrendChart:
    lines: list[TrendLine]
    first_at: datetime
    last_at: datetime
    releases: int


def trend_chart(category: Category, names: dict[int, str], top: int = 5) -> TrendChart | None:
    """Share over time of the nominees leading now, drawn by the server (None: too few releases)."""
    history = release_history(category)
    if len(history) < 2:
        return None
    latest = history[-1][1]
    leaders = sorted(latest, key=lambda nominee: -latest[nominee])[:top]
    ceiling = max((share for _, shares in history for share in shares.values()), default=Decimal(1)) or Decimal(1)
    step = 100 / (len(history) - 1)
    lines = []
    for nominee in leaders:
        points = " ".join(
            f"{index * step:.2f},{100 - float(shares.get(nominee, Decimal(0)) / ceiling) * 100:.2f}"
            for index, (_, shares) in enumerate(history)
        )
        lines.append(TrendLine(names.get(nominee, "?"), points, latest[nominee]))
    return TrendChart(lines, history[0][0], history[-1][0], len(history))
