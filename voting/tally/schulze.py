"""The Schulze method, a Condorcet method ranking by strongest beatpaths."""

from collections.abc import Sequence
from typing import Any

from voting.tally.positions import Positions
from voting.tally.profile import RankedProfile
from voting.tally.shares import percent
from voting.tally.standings import checked_candidates, rank
from voting.tally.types import TallyResult

# matrix[a][b] for candidate ids a != b.
Matrix = dict[int, dict[int, int]]


def schulze(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Rank candidates by the Schulze method with winning votes as link strength.

    d[a][b] counts ballots preferring a to b. A ballot prefers every candidate it ranks to
    every candidate it leaves unranked; two candidates both unranked on a ballot get no
    preference from it. Ranked candidates not in ``candidates`` are struck first. The link
    a->b has strength d[a][b] when d[a][b] > d[b][a], else 0; p[a][b] is the strength of
    the strongest path (widest path, Floyd-Warshall, O(n^3)). a beats b when
    p[a][b] > p[b][a]; this relation is transitive (Schulze 2011, section 4.1).

    Positions: the candidates beaten by nobody share the first position (the Schulze
    winners); remove them and repeat for the next position. Candidates in one layer beat
    none of each other and are listed in ``candidates`` order; no tie is broken by order.
    A Condorcet winner always wins alone. The beat relation is a partial order, not always
    a ranking: a candidate that neither beats nor is beaten by anyone joins the first layer
    even when it does not tie with the candidates others rank below the winners.

    score: the number of other candidates the candidate beats on strongest paths.
    share: FIRST-PREFERENCE share (ballots ranking the candidate first / ballots), exact,
    ROUND_HALF_UP to one decimal: Schulze itself yields no vote share, so the figure shown
    for a ranked Condorcet category is first preferences. ballots: rankings naming at least
    one given candidate. detail: ``pairwise`` d, ``strongest_paths`` p (str keys) and
    ``order``, the candidate ids best first. No ballots: everyone ties at position 1.
    """
    order = checked_candidates(candidates)
    positions = Positions(profile, order)
    pairwise = positions.pairwise()
    paths = strongest_paths(pairwise, order)
    wins = {a: sum(1 for b in order if b != a and paths[a][b] > paths[b][a]) for a in order}
    layers = _layers(paths, order)
    firsts = positions.first_preferences
    standings = rank(
        order,
        keys={candidate: (-layers[candidate],) for candidate in order},
        scores=wins,
        shares={candidate: percent(firsts[candidate], positions.ballots) for candidate in order},
    )
    detail: dict[str, Any] = {
        "pairwise": _str_matrix(pairwise),
        "strongest_paths": _str_matrix(paths),
        "order": [standing.candidate for standing in standings],
    }
    return TallyResult("schulze", positions.ballots, standings, detail)


def strongest_paths(pairwise: Matrix, order: Sequence[int]) -> Matrix:
    """p[a][b]: the strength of the strongest path from a to b (winning votes links)."""
    paths: Matrix = {
        a: {b: pairwise[a][b] if pairwise[a][b] > pairwise[b][a] else 0 for b in order if b != a} for a in order
    }
    for via in order:
        from_via = paths[via]
        for a in order:
            if a == via or not paths[a][via]:
                continue
            to_via, row = paths[a][via], paths[a]
            for b in order:
                if b != a and b != via:
                    through = min(to_via, from_via[b])
                    if through > row[b]:
                        row[b] = through
    return paths


def _layers(paths: Matrix, order: Sequence[int]) -> dict[int, int]:
    """Layer 0: beaten by nobody; layer 1: beaten only from layer 0; and so on."""
    layers: dict[int, int] = {}
    remaining = list(order)
    while remaining:
        top = [c for c in remaining if not any(paths[o][c] > paths[c][o] for o in remaining if o != c)]
        if not top:  # impossible for a transitive relation; never loop forever
            raise RuntimeError("Schulze beat relation has a cycle")
        depth = len(set(layers.values()))
        layers.update(dict.fromkeys(top, depth))
        remaining = [c for c in remaining if c not in layers]
    return layers


def _str_matrix(matrix: Matrix) -> dict[str, dict[str, int]]:
    return {str(a): {str(b): value for b, value in row.items()} for a, row in matrix.items()}
