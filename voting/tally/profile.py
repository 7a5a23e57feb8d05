"""A compact multiset of ranked ballots, counted by distinct ranking."""

from collections.abc import Collection, ItemsView, Iterable, Mapping, Sequence
from types import MappingProxyType

Ranking = tuple[int, ...]


def _check_ranking(ranking: Ranking) -> None:
    if len(set(ranking)) != len(ranking):
        raise ValueError(f"a ranking lists a candidate twice: {list(ranking)}")


class RankedProfile:
    """Identical rankings counted once: ``{(first, second, ...): ballots}``.

    Rankings may be partial (a truncated ballot ranks only its first choices). Empty
    rankings are skipped (the ballot did not vote in the category); a ranking listing a
    candidate twice is a ValueError. Memory holds only the distinct rankings, so a profile
    can be built by streaming ballots from the database.

    Engines ignore candidates in a ranking that are not among the candidates they are
    given (a nominee deactivated after voting): the rest of the ranking closes up, and a
    ranking left empty no longer counts as a ballot for that tally.
    """

    __slots__ = ("_ballots", "_counts")

    def __init__(self, counts: Mapping[Ranking, int]) -> None:
        merged: dict[Ranking, int] = {}
        for key, weight in counts.items():
            ranking = tuple(key)
            if weight < 0:
                raise ValueError(f"ranking {list(ranking)} has a negative count {weight}")
            if ranking and weight:
                _check_ranking(ranking)
                merged[ranking] = merged.get(ranking, 0) + weight
        self._counts = merged
        self._ballots = sum(merged.values())

    @classmethod
    def from_rankings(cls, rankings: Iterable[Sequence[int]]) -> "RankedProfile":
        """Count rankings one by one (each a sequence of candidate ids, best first)."""
        counts: dict[Ranking, int] = {}
        for sequence in rankings:
            ranking = tuple(sequence)
            seen = counts.get(ranking)
            if seen is not None:
                counts[ranking] = seen + 1
            elif ranking:
                _check_ranking(ranking)
                counts[ranking] = 1
        return cls._trusted(counts)

    @classmethod
    def _trusted(cls, counts: dict[Ranking, int]) -> "RankedProfile":
        # Counts already validated by the caller: skip the second pass over them.
        profile = cls.__new__(cls)
        profile._counts = counts
        profile._ballots = sum(counts.values())
        return profile

    @property
    def counts(self) -> Mapping[Ranking, int]:
        """Read-only view of the distinct rankings and how many ballots cast each."""
        return MappingProxyType(self._counts)

    @property
    def ballots(self) -> int:
        """Number of (non-empty) ballots."""
        return self._ballots

    @property
    def candidates(self) -> frozenset[int]:
        """Every candidate ranked on at least one ballot."""
        return frozenset().union(*self._counts)

    def items(self) -> ItemsView[Ranking, int]:
        """The distinct rankings with their ballot counts."""
        return self._counts.items()

    def restricted_to(self, candidates: Collection[int]) -> "RankedProfile":
        """The profile with every candidate outside ``candidates`` struck from the rankings."""
        keep = frozenset(candidates)
        if self.candidates <= keep:
            return self
        counts: dict[Ranking, int] = {}
        for ranking, weight in self._counts.items():
            kept = tuple(candidate for candidate in ranking if candidate in keep)
            if kept:
                counts[kept] = counts.get(kept, 0) + weight
        return RankedProfile._trusted(counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RankedProfile) and self._counts == other._counts

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RankedProfile({self._ballots} ballots, {len(self._counts)} distinct rankings)"
