"""Reads of published standings, with the edition's visibility rule applied in one place."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from awards.models import Category, Edition, Nominee, ResultsStage
from awards.selectors import get_edition_for
from voting.models import CategoryResult, ResultsRelease, ResultsState
from voting.results.writeup import (
    METHOD_NOTES,
    SHARE_BASIS,
    Framing,
    Placed,
    category_sentences,
    framing,
    plural,
    position_label,
)


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
    image_url: str = ""  # the nominee's thumbnail; pages draw `monogram` when there is none
    monogram: str = ""

    @property
    def position_label(self) -> str:
        return position_label(self.position, self.tied)

    @property
    def tone(self) -> int:
        """One of six monogram colours, stable for the nominee."""
        return self.nominee_id % 6


@dataclass(frozen=True)
class CategoryStandings:
    category: Category
    method: str
    ballots: int
    rows: list[ResultRow]
    detail: dict[str, Any]
    first_preferences: list[ResultRow] | None
    names: dict[int, str] = field(repr=False, default_factory=dict)
    sentences: list[str] = field(default_factory=list)  # the write-up, one per position, best first

    @property
    def method_note(self) -> str:
        return METHOD_NOTES[self.method]

    @property
    def headline(self) -> str:
        """The sentence about the top position (naming every nominee tied there)."""
        return self.sentences[0] if self.sentences else ""

    @property
    def share_basis(self) -> str:
        """What every share of this category is a percentage of, in words."""
        return SHARE_BASIS[self.method]

    def share_denominator(self, nominee_id: int) -> int:
        """The number a nominee's share is a percentage of (the same rule as the engine's)."""
        if self.method == "borda":
            return int(self.detail.get("total_points", 0))
        if self.method == "irv":
            reached = [r for r in self.detail.get("rounds", []) if str(nominee_id) in r["tallies"]]
            return int(reached[-1]["continuing"]) if reached else self.ballots
        return self.ballots

    @property
    def ballots_line(self) -> str:
        return f"{plural(self.ballots, 'ballot')} voted in this category"

    @property
    def shows_comparison(self) -> bool:
        """First preferences differ from the method's own table (a one-round IRV repeats it)."""
        if not self.first_preferences:
            return False
        return not (self.method == "irv" and len(self.detail.get("rounds", [])) <= 1)

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
                    "cells": [f"{tallies[str(n)]:,}" if str(n) in tallies else "" for n in order],
                    "eliminated": [self.names.get(int(n), "?") for n in entry["eliminated"]],
                    "exhausted": f"{entry['exhausted']:,}",
                    "continuing": f"{entry['continuing']:,}",
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
                        "votes": f"{pairwise[str(a)][str(b)]:,}",
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

    @property
    def podium(self) -> list[ResultRow]:
        """The nominees placed first to third (ties included) that received anything."""
        return [row for row in self.rows if row.position <= 3 and row.count > 0]


@dataclass(frozen=True)
class EditionResults:
    edition: Edition
    release: ResultsRelease | None
    is_preview: bool
    categories: list[CategoryStandings]
    framing: Framing

    @property
    def stage(self) -> ResultsStage:
        return self.framing.stage

    def standings_for(self, category_slug: str) -> CategoryStandings:
        """The category's standings; 404 when the category has none (or is not in the edition)."""
        standings = next((c for c in self.categories if c.category.slug == category_slug), None)
        if standings is None:
            raise Http404("No results for this category.")
        return standings

    def only(self, category_slug: str | None) -> "EditionResults":
        """These results narrowed to one category (all of them for None)."""
        if category_slug is None:
            return self
        narrowed = [self.standings_for(category_slug)]
        return EditionResults(self.edition, self.release, self.is_preview, narrowed, self.framing)


@dataclass(frozen=True)
class ResultsAccess:
    """What a viewer may see of an edition's results."""

    edition: Edition
    visible: bool
    is_preview: bool  # staff seeing results that visitors may not see yet


def results_access(viewer: User | AnonymousUser, edition_slug: str) -> ResultsAccess:
    """The edition (404 for a draft the viewer may not see) and whether its results show to them.

    The one visibility rule for results: pages, downloads, embeds, share images and the API.
    """
    edition = get_edition_for(viewer, edition_slug)
    visible, preview = can_see_results(edition, viewer, timezone.now())
    return ResultsAccess(edition, visible, preview)


def visible_results_or_404(viewer: User | AnonymousUser, edition_slug: str) -> ResultsAccess:
    """As `results_access`, answering 404 when the results are hidden from the viewer (nothing leaks)."""
    access = results_access(viewer, edition_slug)
    if not access.visible:
        raise Http404("No such results.")
    return access


def visible_results(viewer: User | AnonymousUser, edition_slug: str) -> tuple[Edition, "EditionResults | None"]:
    """The edition and its current standings, or None when the viewer may not see them."""
    access = results_access(viewer, edition_slug)
    found = edition_results(access.edition, is_preview=access.is_preview) if access.visible else None
    return access.edition, found


def can_see_results(edition: Edition, viewer: User | AnonymousUser, now: datetime) -> tuple[bool, bool]:
    """(may see, is a staff preview): visitors follow the edition's rule; staff always see."""
    if edition.results_public_at(now):
        return True, False
    staff = bool(viewer.is_authenticated and viewer.is_staff)
    return staff, staff


def _rows(standings: list[dict[str, Any]], nominees: dict[int, Nominee], sentences: dict[int, str]) -> list[ResultRow]:
    rows = []
    for item in standings:
        nominee = nominees[item["nominee"]]
        sublabel = " · ".join(part for part in (nominee.product_name, nominee.ticker) if part)
        rows.append(
            ResultRow(
                nominee.pk,
                nominee.name,
                sublabel,
                item["position"],
                item["tied"],
                item["score"],
                Decimal(item["share"]),
                sentences.get(nominee.pk, ""),
                nominee.image_url,
                nominee.monogram,
            )
        )
    return rows


def _placed(items: list[dict[str, Any]], nominees: dict[int, Nominee]) -> list[Placed]:
    return [
        Placed(
            item["nominee"],
            nominees[item["nominee"]].name,
            item["position"],
            item["tied"],
            item["score"],
            Decimal(item["share"]),
        )
        for item in items
    ]


def _standings(result: CategoryResult, nominees: dict[int, Nominee], stage: ResultsStage) -> CategoryStandings:
    """One category's rows and write-up, in the words of the moment."""
    placed = _placed(result.standings, nominees)
    written = category_sentences(result.method, stage, placed, result.ballots, result.detail)
    about = {nominee: text for named, text in written for nominee in named}
    firsts = None
    if result.first_preferences:
        first_placed = _placed(result.first_preferences, nominees)
        first_written = category_sentences("plurality", stage, first_placed, result.ballots, {})
        firsts = _rows(result.first_preferences, nominees, {n: t for named, t in first_written for n in named})
    names = {pk: n.name for pk, n in nominees.items() if n.category_id == result.category_id}
    return CategoryStandings(
        result.category,
        result.method,
        result.ballots,
        _rows(result.standings, nominees, about),
        result.detail,
        firsts,
        names,
        [text for _, text in written],
    )


def edition_results(edition: Edition, *, is_preview: bool, now: datetime | None = None) -> EditionResults:
    """The current release's standings for every category, in three queries, worded for `now`."""
    state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
    release = state.current_release if state else None
    results = CategoryResult.objects.filter(release=release).select_related("category") if release else []
    nominees = {n.pk: n for n in Nominee.objects.filter(category__edition=edition)}
    stage = edition.results_stage_at(now or timezone.now())
    categories = [_standings(result, nominees, stage) for result in results]
    framed = framing(
        edition, stage, release.computed_at if release else None, release.ballots_counted if release else 0
    )
    return EditionResults(edition, release, is_preview, categories, framed)


def release_history(category: Category, limit: int = 50) -> list[tuple[datetime, dict[int, Decimal]]]:
    """Shares per nominee in the last `limit` releases, oldest first: the trend."""
    rows = (
        CategoryResult.objects.filter(category=category)
        .order_by("-release__computed_at")
        .values_list("release__computed_at", "standings")[:limit]
    )
    return [(at, {s["nominee"]: Decimal(s["share"]) for s in standings}) for at, standings in reversed(rows)]
