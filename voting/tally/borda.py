"""The Borda count: points by rank position."""

from collections.abc import Sequence

from voting.tally.profile import RankedProfile
from voting.tally.shares import percent
from voting.tally.standings import checked_candidates, rank
from voting.tally.types import TallyResult


def borda(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Rank candidates by Borda points.

    With n candidates, a ballot's first choice gets n-1 points, its second n-2, and so
    on down to 0. Truncated ballot: a partial ranking still gives n-1, n-2, ... to the
    candidates it ranks, and the unranked get nothing. Ranked candidates not in
    ``candidates`` are struck from the rankings first (n counts the given candidates).

    score: points. share: points / all points awarded, exact, ROUND_HALF_UP to one
    decimal, so the shares sum to 100 up to rounding; with no points awarded (no
    ballots, or a single candidate) every share is 0.0.
    Tie rule: equal points share a position and the next position is skipped (1, 2, 2,
    4); tied candidates are listed in ``candidates`` order. ballots: rankings naming at
    least one given candidate. detail: ``points_per_rank`` and ``total_points``.
    """
    order = checked_candidates(candidates)
    counted = profile.restricted_to(order)
    top = len(order) - 1
    points = dict.fromkeys(order, 0)
    for ranking, weight in counted.items():
        for index, candidate in enumerate(ranking):
            points[candidate] += (top - index) * weight
    total = sum(points.values())
    standings = rank(
        order,
        keys={candidate: (score,) for candidate, score in points.items()},
        scores=points,
        shares={candidate: percent(score, total) for candidate, score in points.items()},
    )
    detail = {"points_per_rank": list(range(top, -1, -1)), "total_points": total}
    return TallyResult("borda", counted.ballots, standings, detail)
