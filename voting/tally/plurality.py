"""Plurality: one vote per ballot, most votes wins."""

from collections.abc import Mapping, Sequence

from voting.tally.shares import percent
from voting.tally.standings import checked_candidates, rank
from voting.tally.types import TallyResult


def plurality(counts: Mapping[int, int], candidates: Sequence[int], ballots: int | None = None) -> TallyResult:
    """Rank candidates by their number of votes.

    ``counts`` maps nominee id to votes (one SQL aggregate); ids not in ``candidates`` (a
    nominee deactivated later) are ignored, and a candidate missing from ``counts`` has 0.
    ``ballots`` defaults to the votes counted for the given candidates; a plurality ballot
    carries one vote, so fewer ballots than votes is a ValueError.

    score: votes. share: votes / ballots, exact, ROUND_HALF_UP to one decimal (the shares
    sum to 100 up to rounding when every ballot voted for a given candidate).
    Tie rule: equal votes share a position and the next position is skipped (1, 2, 2, 4);
    tied candidates are listed in the given candidate order. No ballots: every candidate
    ties at position 1 with score 0 and share 0.0.
    """
    order = checked_candidates(candidates)
    votes = {candidate: counts.get(candidate, 0) for candidate in order}
    if any(count < 0 for count in votes.values()):
        raise ValueError(f"vote counts must be non-negative, got {votes}")
    counted = sum(votes.values())
    total = counted if ballots is None else ballots
    if total < counted:
        raise ValueError(f"{counted} plurality votes cannot come from {total} ballots")
    standings = rank(
        order,
        keys={candidate: (count,) for candidate, count in votes.items()},
        scores=votes,
        shares={candidate: percent(count, total) for candidate, count in votes.items()},
    )
    return TallyResult("plurality", total, standings, {"votes": counted})
