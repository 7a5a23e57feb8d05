"""Result types shared by every tally engine."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Standing:
    """One candidate's place in a tally.

    ``position`` is 1-based competition ranking: tied candidates share a position and the
    next position skips (1, 2, 2, 4). ``score`` is the figure the engine ranks by (votes,
    approvals, final-round votes, points, or Schulze's count of strongest-path wins);
    ``share`` is a percentage with exactly one decimal place (see ``shares.percent``).
    """

    candidate: int
    position: int
    tied: bool
    score: int
    share: Decimal


@dataclass(frozen=True, slots=True)
class TallyResult:
    """The outcome of one engine over one category.

    ``standings`` lists every candidate given, best first; tied candidates keep the given
    candidate order. ``detail`` is JSON-serialisable (str keys, ints, strs, lists, dicts).
    """

    method: str
    ballots: int
    standings: tuple[Standing, ...]
    detail: dict[str, Any]
