"""Straightforward reference implementations the fast engines are compared with.

``reference_irv`` and ``reference_schulze`` are the engines as they were before
``voting.tally.positions`` (piles moved ranking by ranking; the pairwise matrix built
ranking by ranking over every pair), kept verbatim but for names. ``naive_first_choices``
and ``naive_pairwise`` read one ballot at a time with no cleverness at all.
"""

from collections.abc import Collection, Sequence
from typing import Any

from voting.tally.profile import RankedProfile, Ranking
from voting.tally.shares import percent
from voting.tally.standings import Key, checked_candidates, rank
from voting.tally.types import TallyResult

Pile = list[tuple[Ranking, int, int]]
Matrix = dict[int, dict[int, int]]


def naive_first_choices(profile: RankedProfile, continuing: Collection[int]) -> dict[int, int]:
    """Ballots whose first choice among ``continuing`` is each candidate."""
    votes = dict.fromkeys(continuing, 0)
    for ranking, weight in profile.items():
        for candidate in ranking:
            if candidate in votes:
                votes[candidate] += weight
                break
    return votes


def naive_pairwise(profile: RankedProfile, candidates: Sequence[int]) -> Matrix:
    """d[a][b]: ballots ranking a, and b lower or not at all."""
    matrix = {a: {b: 0 for b in candidates if b != a} for a in candidates}
    for ranking, weight in profile.items():
        for a, row in matrix.items():
            for b in row:
                if a in ranking and (b not in ranking or ranking.index(a) < ranking.index(b)):
                    row[b] += weight
    return matrix


def reference_irv(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """IRV as shipped before the bitset counting: piles moved ranking by ranking."""
    order = checked_candidates(candidates)
    counted = profile.restricted_to(order)
    count = _PileCount(counted, order)
    winner = count.run() if counted.ballots else None
    keys, scores = count.position_keys(winner)
    continuing = count.continuing_in_last_round()
    standings = rank(
        order,
        keys=keys,
        scores=scores,
        shares={candidate: percent(score, continuing[candidate]) for candidate, score in scores.items()},
    )
    return TallyResult("irv", counted.ballots, standings, {"rounds": count.rounds, "winner": winner})


class _PileCount:
    """The mutable state of one count: piles of ballots per continuing candidate."""

    def __init__(self, profile: RankedProfile, order: tuple[int, ...]) -> None:
        self.ballots = profile.ballots
        self.continuing = list(order)
        self.piles: dict[int, Pile] = {candidate: [] for candidate in order}
        self.votes = dict.fromkeys(order, 0)
        for ranking, weight in profile.items():
            self.piles[ranking[0]].append((ranking, weight, 0))
            self.votes[ranking[0]] += weight
        self.history: dict[int, list[int]] = {candidate: [] for candidate in order}
        self.eliminated_in: dict[int, int] = {}
        self.exhausted = 0
        self.rounds: list[dict[str, Any]] = []

    def run(self) -> int:
        """Count rounds until someone wins; return the winner."""
        while True:
            tallies = {candidate: self.votes[candidate] for candidate in self.continuing}
            for candidate, votes in tallies.items():
                self.history[candidate].append(votes)
            exhausted, live = self.exhausted, self.ballots - self.exhausted
            leader = max(self.continuing, key=tallies.__getitem__)
            won = 2 * tallies[leader] > live or len(self.continuing) == 1
            eliminated, tie_break = ([], None) if won else self._pick(tallies)
            gains = self._transfer(eliminated) if eliminated else {}
            self.rounds.append(
                {
                    "round": len(self.rounds) + 1,
                    "tallies": _str_keys(tallies),
                    "eliminated": eliminated,
                    "transfers": _str_keys(gains),
                    "exhausted": exhausted,
                    "continuing": live,
                    "tie_break": tie_break,
                }
            )
            if won:
                return leader

    def _pick(self, tallies: dict[int, int]) -> tuple[list[int], str | None]:
        fewest = min(tallies.values())
        tied = [candidate for candidate in self.continuing if tallies[candidate] == fewest]
        if fewest == 0 or len(tied) == 1:
            return tied, None
        for index in range(len(self.rounds) - 1, -1, -1):
            least = min(self.history[candidate][index] for candidate in tied)
            tied = [candidate for candidate in tied if self.history[candidate][index] == least]
            if len(tied) == 1:
                return tied, "first_preferences" if index == 0 else "previous_rounds"
        return [tied[-1]], "candidate_order"

    def _transfer(self, eliminated: list[int]) -> dict[int, int]:
        for candidate in eliminated:
            self.eliminated_in[candidate] = len(self.rounds) + 1
        self.continuing = [candidate for candidate in self.continuing if candidate not in self.eliminated_in]
        alive = frozenset(self.continuing)
        gains = dict.fromkeys(self.continuing, 0)
        for loser in eliminated:
            for ranking, weight, index in self.piles.pop(loser):
                following = index + 1
                while following < len(ranking) and ranking[following] not in alive:
                    following += 1
                if following == len(ranking):
                    self.exhausted += weight
                else:
                    self.piles[ranking[following]].append((ranking, weight, following))
                    gains[ranking[following]] += weight
        for candidate, gained in gains.items():
            self.votes[candidate] += gained
        return gains

    def continuing_in_last_round(self) -> dict[int, int]:
        """Per candidate, the continuing ballots of the last round it took part in (its share's denominator)."""
        return {
            candidate: self.rounds[len(history) - 1]["continuing"] if history else self.ballots
            for candidate, history in self.history.items()
        }

    def position_keys(self, winner: int | None) -> tuple[dict[int, Key], dict[int, int]]:
        """Sort keys implementing the position rule, and each candidate's score."""
        final = len(self.rounds)
        keys: dict[int, Key] = {}
        for candidate, history in self.history.items():
            if candidate == winner:
                keys[candidate] = (final + 1,)
            elif candidate in self.eliminated_in:
                keys[candidate] = (self.eliminated_in[candidate],)
            else:
                keys[candidate] = (final, *reversed(history))
        scores = {candidate: history[-1] if history else 0 for candidate, history in self.history.items()}
        return keys, scores


def _str_keys(figures: dict[int, int]) -> dict[str, int]:
    return {str(candidate): figure for candidate, figure in figures.items()}


def reference_schulze(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Schulze as shipped before the bitset counting: pairwise matrix ranking by ranking."""
    order = checked_candidates(candidates)
    counted = profile.restricted_to(order)
    pairwise = _pairwise_preferences(counted, order)
    paths = _strongest_paths(pairwise, order)
    wins = {a: sum(1 for b in order if b != a and paths[a][b] > paths[b][a]) for a in order}
    layers = _layers(paths, order)
    firsts = dict.fromkeys(order, 0)
    for ranking, weight in counted.items():
        firsts[ranking[0]] += weight
    standings = rank(
        order,
        keys={candidate: (-layers[candidate],) for candidate in order},
        scores=wins,
        shares={candidate: percent(firsts[candidate], counted.ballots) for candidate in order},
    )
    detail: dict[str, Any] = {
        "pairwise": _str_matrix(pairwise),
        "strongest_paths": _str_matrix(paths),
        "order": [standing.candidate for standing in standings],
    }
    return TallyResult("schulze", counted.ballots, standings, detail)


def _pairwise_preferences(profile: RankedProfile, order: Sequence[int]) -> Matrix:
    """d[a][b]: ballots ranking a above b, an unranked b counting as below every ranked a.

    Works on the distinct rankings, weighted. Each ranked a first gains its weight over
    every other candidate (``ranked_weight``); then the candidates ranked above a are
    taken back, which costs O(k^2 / 2) per distinct ranking of length k.
    """
    above: Matrix = {a: dict.fromkeys(order, 0) for a in order}
    ranked_weight = dict.fromkeys(order, 0)
    for ranking, weight in profile.items():
        for index, a in enumerate(ranking):
            ranked_weight[a] += weight
            row = above[a]
            for b in ranking[:index]:
                row[b] += weight
    return {a: {b: ranked_weight[a] - above[a][b] for b in order if b != a} for a in order}


def _strongest_paths(pairwise: Matrix, order: Sequence[int]) -> Matrix:
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
