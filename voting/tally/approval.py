"""Approval voting: each ballot approves any number of candidates, most approvals wins."""

from collections.abc import Mapping, Sequence

from voting.tally.shares import percent
from voting.tally.standings import checked_candidates, rank
from voting.tally.types import TallyResult


def approval(counts: Mapping[int, int], candidates: Sequence[int], ballots: int) -> TallyResult:
    """Rank candidates by their number of approvals.

    ``counts`` maps nominee id to approvals; ids not in ``candidates`` are ignored, and a
    candidate missing from ``counts`` has 0. A ballot approves a candidate at most once, so
    a count above ``ballots`` is a ValueError.

    score: approvals. share: approvals / ballots, the share of voters approving, exact,
    ROUND_HALF_UP to one decimal. These shares do NOT sum to 100: a ballot approving three
    candidates counts towards three shares.
    Tie rule: equal approvals share a position and the next position is skipped (1, 2, 2,
    4); tied candidates are listed in the given candidate order. No ballots: every
    candidate ties at position 1 with score 0 and share 0.0.
    """
    order = checked_candidates(candidates)
    approvals = {candidate: counts.get(candidate, 0) for candidate in order}
    if ballots < 0 or any(not 0 <= count <= ballots for count in approvals.values()):
        raise ValueError(f"approvals must lie between 0 and {ballots} ballots, got {approvals}")
    standings = rank(
        order,
        keys={candidate: (count,) for candidate, count in approvals.items()},
        scores=approvals,
        shares={candidate: percent(count, ballots) for candidate, count in approvals.items()},
    )
    return TallyResult("approval", ballots, standings, {"approvals": sum(approvals.values())})
