"""The results article's words: a sentence per position, in the style of the reference results.

"BlackRock secured the top position with 49.7% of the total votes."

Every sentence names the figure its method ranks by, with its denominator, and is worded
for the moment of the results (`awards.models.ResultsStage`): while voting is open nobody
is a winner ("is leading so far"); after the close and before the announcement the count
"tops"; only published results "secured" a position. Tied nominees share one sentence.
Numbers carry thousands separators ("1,000 ballots").
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString

from awards.models import Edition, ResultsStage
from awards.templatetags.local_time import Phrase, as_html, as_text

METHOD_NOTES = {
    "plurality": (
        "Plurality: each voter chose one nominee; the most votes wins. Shares are of the ballots "
        "that voted in this category. Equal votes share a position."
    ),
    "approval": (
        "Approval: each voter approved up to the allowed number of nominees; the most approvals wins. "
        "A share is the percentage of this category's voters who approved the nominee, so shares add up "
        "to more than 100%. Equal approvals share a position."
    ),
    "irv": (
        "Instant-runoff: voters ranked nominees. In each round the nominee with the fewest votes is "
        "eliminated and its ballots move to each voter's next choice still standing; a ballot with no "
        "choice left is exhausted and leaves the count. The count stops when one nominee holds a majority "
        "of the ballots still in it. A share is of the ballots still in the count in the last round the "
        "nominee reached. A tie for last place is broken by the earlier rounds' counts, then by first "
        "preferences, then by the published nominee order."
    ),
    "schulze": (
        "Schulze (Condorcet): voters ranked nominees, and every pair of nominees is compared head to head. "
        "A nominee beats a rival when its strongest chain of head-to-head wins against the rival is "
        "stronger than the rival's chain back. The nominees nobody beats share the top position; set them "
        "aside and repeat for the next position, so nominees in one position beat none of each other. A "
        "nominee that no one beats takes the top position even when it beats no one either, so two nominees "
        "that each beat nobody can stand at different positions. The sentences give each nominee's direct "
        "head-to-head record, as in the table below; the share is of first "
        "preferences."
    ),
    "borda": (
        "Borda count: with n nominees, a first place earns n-1 points, a second n-2, and so on; unranked "
        "nominees earn nothing. The share is of all points awarded. Equal points share a position."
    ),
}

# What a share is a percentage of, per method (the exports state it beside every share).
SHARE_BASIS = {
    "plurality": "ballots that voted in this category",
    "approval": "ballots that voted in this category (a voter may approve several nominees)",
    "irv": "ballots still in the count (not exhausted) in the last round the nominee reached",
    "schulze": "ballots that voted in this category, counting each ballot's first preference",
    "borda": "all Borda points awarded in this category",
}


@dataclass(frozen=True)
class Placed:
    """One nominee's place, as the write-up needs it."""

    nominee_id: int
    name: str
    position: int
    tied: bool
    count: int
    share: Decimal


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def position_label(position: int, tied: bool) -> str:
    return f"={position}" if tied else str(position)


def plural(count: int, word: str, words: str | None = None) -> str:
    """ "1 ballot", "1,000 ballots"."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def names_together(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _place(position: int) -> str:
    return "the top position" if position == 1 else f"the {ordinal(position)} position"


def _predicate(stage: ResultsStage, position: int, together: bool) -> str:
    """The verb phrase for a position at this moment: only final results secure anything."""
    if stage == ResultsStage.FINAL:
        return f"share {_place(position)}" if together else f"secured {_place(position)}"
    if stage == ResultsStage.CLOSED:
        if position == 1:
            return "share the top of the count" if together else "tops the count"
        return f"share {ordinal(position)} place in the count" if together else f"is {ordinal(position)} in the count"
    if position == 1:
        return "are level in the lead so far" if together else "is leading so far"
    return f"are level in {ordinal(position)} place so far" if together else f"is {ordinal(position)} so far"


class _Figures:
    """The figure each method ranks by, with its denominator, for one category."""

    def __init__(self, method: str, ballots: int, detail: Mapping[str, Any]) -> None:
        self.method, self.ballots, self.detail = method, ballots, detail
        self.rounds: list[dict[str, Any]] = list(detail.get("rounds", []))

    def figure(self, row: Placed) -> str:
        if self.method == "approval":
            return f"{plural(row.count, 'approval')} ({row.share:.1f}% of the {plural(self.ballots, 'voter')})"
        if self.method == "borda":
            total = int(self.detail.get("total_points", 0))
            return f"{plural(row.count, 'Borda point')} ({row.share:.1f}% of the {total:,} points awarded)"
        if self.method == "irv":
            return self._irv(row)
        return f"{row.share:.1f}% of the total votes"

    def _irv(self, row: Placed) -> str:
        reached = [entry for entry in self.rounds if str(row.nominee_id) in entry["tallies"]]
        if not reached:
            return f"{row.share:.1f}% of the votes"
        last = reached[-1]
        votes = plural(row.count, "vote")
        if last is self.rounds[-1]:
            in_play = plural(last["continuing"], "ballot")
            return f"{votes} ({row.share:.1f}% of the {in_play} still in the count in the final round)"
        in_play = plural(last["continuing"], "ballot")
        return f"{votes} when it went out in round {last['round']} ({row.share:.1f}% of the {in_play} in that round)"

    def schulze_record(self, row: Placed, stage: ResultsStage) -> str:
        """The nominee's head-to-head record, checkable against the pairwise matrix.

        Before publication nobody has "won" a contest: the record says ahead, level, behind.
        """
        pairwise: Mapping[str, Mapping[str, int]] = self.detail.get("pairwise", {})
        mine = pairwise.get(str(row.nominee_id), {})
        wins = sum(1 for rival, votes in mine.items() if votes > pairwise[rival][str(row.nominee_id)])
        draws = sum(1 for rival, votes in mine.items() if votes == pairwise[rival][str(row.nominee_id)])
        contests = plural(len(mine), "head-to-head contest")
        final = stage == ResultsStage.FINAL
        if mine and wins == len(mine):
            return "won every head-to-head contest" if final else "ahead in every head-to-head contest"
        if wins == 0 and draws == 0:
            return "lost every head-to-head contest" if final else "behind in every head-to-head contest"
        if final:
            return f"won {wins} of its {contests}" + (f" and drew {draws}" if draws else "")
        return f"ahead in {wins} of its {contests}" + (f" and level in {draws}" if draws else "")


def category_sentences(
    method: str, stage: ResultsStage, rows: Sequence[Placed], ballots: int, detail: Mapping[str, Any]
) -> list[tuple[tuple[int, ...], str]]:
    """One sentence per position (tied nominees together), each with the nominees it names.

    Nominees with nothing counted ("received no votes") come last, in one sentence.
    """
    if ballots == 0:
        return [(tuple(row.nominee_id for row in rows), "No ballots have been counted in this category yet.")]
    figures = _Figures(method, ballots, detail)
    counted = [row for row in rows if row.count or method == "schulze"]
    groups: list[list[Placed]] = []
    for row in counted:
        if groups and groups[-1][0].position == row.position:
            groups[-1].append(row)
        else:
            groups.append([row])
    written = [(tuple(row.nominee_id for row in group), _sentence(group, stage, figures)) for group in groups]
    nothing = [row for row in rows if row not in counted]
    if nothing:
        verb = "received" if len(nothing) == 1 else "each received"
        what = "approvals" if method == "approval" else "points" if method == "borda" else "votes"
        names = names_together([row.name for row in nothing])
        written.append((tuple(row.nominee_id for row in nothing), f"{names} {verb} no {what}."))
    if method == "irv" and figures.rounds:
        written.append(((), _exhausted(figures.rounds[-1], ballots)))
    return written


def _sentence(group: list[Placed], stage: ResultsStage, figures: _Figures) -> str:
    first = group[0]
    names = names_together([row.name for row in group])
    predicate = _predicate(stage, first.position, len(group) > 1)
    if figures.method == "schulze":
        if len(group) == 1:
            joiner = " and" if stage == ResultsStage.FINAL else ","
            return f"{names} {predicate}{joiner} {figures.schulze_record(first, stage)}."
        records = ", ".join(f"{row.name} {figures.schulze_record(row, stage)}" for row in group)
        return f"{names} {predicate}: {records}."
    each = " each" if len(group) > 1 else ""
    return f"{names} {predicate} with {figures.figure(first)}{each}."


def _exhausted(final: Mapping[str, Any], ballots: int) -> str:
    exhausted = int(final["exhausted"])
    if not exhausted:
        return f"No ballot was exhausted: all {plural(ballots, 'ballot')} still counted in the final round."
    were = "was" if exhausted == 1 else "were"
    return (
        f"{exhausted:,} of the {plural(ballots, 'ballot')} {were} exhausted by the final round (no nominee "
        f"they ranked was left), leaving {int(final['continuing']):,} in the count."
    )


@dataclass(frozen=True)
class Framing:
    """How the results of an edition present themselves at one moment (pages, images, tags, API)."""

    stage: ResultsStage
    heading: str  # "The winners", "Current standings", "Standings at the close of voting"
    title: str  # "Moon Awards 2024: the winners"
    status: str  # when counted, announced or closing, and how many ballots
    moment: str  # the status's "when", for an embed's or a share image's footer: "announced 10 January 2025"
    overview_link: str  # the link back to the overview, in the same words
    leaders_intro: str  # before a list of each category's top nominee: "Winners", "Leading so far"
    status_html: SafeString  # `status` for a page: its times as <time data-local> elements
    moment_html: SafeString  # `moment` for a page (the embed's footer)


def framing(edition: Edition, stage: ResultsStage, computed_at: datetime | None, ballots: int) -> Framing:
    """The headline and status line for the edition's results at this stage."""
    counted = plural(ballots, "ballot")
    status: Phrase
    moment: Phrase
    if stage == ResultsStage.FINAL:
        heading, intro = "The winners", "Winners"
        announced = edition.published_at
        status = (
            ["Announced ", (announced, "long_date"), f" · {counted} counted."] if announced else [f"{counted} counted."]
        )
        moment = ["announced ", (announced, "long_date")] if announced else ["final results"]
        link = f"All winners of {edition.name}"
    elif stage == ResultsStage.CLOSED:
        heading, intro = "Standings at the close of voting", "Top of the count at the close of voting"
        scheduled = edition.published_at
        when: Phrase = (
            ["results will be announced on ", (scheduled, "long_date")]
            if scheduled
            else ["the results are not announced yet"]
        )
        status = ["Voting has closed; ", *when, f". {counted} counted."]
        moment = ["voting has closed; ", *when]
        link = f"All standings of {edition.name}"
    else:
        heading, intro = "Current standings", "Leading so far"
        closes: Phrase = ["voting closes on ", (edition.voting_closes_at, "")]
        when = ["counted ", (computed_at, "")] if computed_at else ["nothing counted yet"]
        status = ["Interim results, ", *when, f" · {counted} so far · ", *closes, "."]
        moment = ["interim, ", *when, "; ", *closes]
        link = f"All current standings of {edition.name}"
    title = f"{edition.name}: {heading[0].lower()}{heading[1:]}"
    return Framing(
        stage=stage,
        heading=heading,
        title=title,
        status=as_text(status),
        moment=as_text(moment),
        overview_link=link,
        leaders_intro=intro,
        status_html=as_html(status),
        moment_html=as_html(moment),
    )
