"""Turning per-candidate sort keys into competition-ranked standings."""

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal

from voting.tally.types import Standing

# A sort key: a tuple of ints compared lexicographically, larger is better.
Key = tuple[int, ...]


def checked_candidates(candidates: Sequence[int]) -> tuple[int, ...]:
    """Return the candidates as a tuple, rejecting an id listed twice (ValueError)."""
    ordered = tuple(candidates)
    if len(set(ordered)) != len(ordered):
        raise ValueError(f"candidates must be distinct, got {list(ordered)}")
    return ordered


def rank(
    candidates: Sequence[int],
    keys: Mapping[int, Key],
    scores: Mapping[int, int],
    shares: Mapping[int, Decimal],
) -> tuple[Standing, ...]:
    """Rank candidates best key first, competition style (1, 2, 2, 4).

    Candidates with equal keys share a position and are listed in the given candidate
    order (``sorted`` is stable), which orders a tie for display but never breaks it.
    """
    ranked = sorted(candidates, key=lambda candidate: keys[candidate], reverse=True)
    sizes = Counter(keys[candidate] for candidate in ranked)
    standings: list[Standing] = []
    for index, candidate in enumerate(ranked):
        key = keys[candidate]
        same_as_previous = index > 0 and keys[ranked[index - 1]] == key
        position = standings[-1].position if same_as_previous else index + 1
        standings.append(Standing(candidate, position, sizes[key] > 1, scores[candidate], shares[candidate]))
    return tuple(standings)
