"""Instant-runoff voting (IRV), as the Hugo Awards and the Oscars' Best Picture use it."""

from collections.abc import Sequence
from typing import Any

from voting.tally.profile import RankedProfile, Ranking
from voting.tally.shares import percent
from voting.tally.standings import Key, checked_candidates, rank
from voting.tally.types import TallyResult

# Ballots sitting with a candidate: (ranking, how many ballots cast it, index of that candidate).
Pile = list[tuple[Ranking, int, int]]


def irv(profile: RankedProfile, candidates: Sequence[int]) -> TallyResult:
    """Count rounds of instant runoff until one candidate holds a strict majority.

    Each round every continuing ballot counts for its highest-ranked continuing candidate.
    A candidate with more than half of the continuing (non-exhausted) ballots wins, as does
    the last candidate left; otherwise the candidate with fewest votes is eliminated and
    its ballots move to their next continuing choice, or become exhausted when there is
    none. Ranked candidates not in ``candidates`` are struck from the rankings first.

    Elimination tie rule: among candidates tied for fewest votes, eliminate the one with
    fewer votes in the previous round, going back round by round to round 1 (the first
    preferences); if still tied, eliminate the one LATEST in ``candidates`` order.
    Candidates with 0 votes cannot gain or pass on anything and are indistinguishable, so
    they are eliminated together in one round (the outcome equals eliminating them one by
    one).

    Positions: the winner is 1st; candidates still in the final round come next, by
    final-round votes, then votes in earlier rounds going back, then first preferences;
    then eliminated candidates in reverse order of elimination. Candidates share a position
    only when truly indistinguishable: eliminated together (0 votes), or still in the final
    round with equal votes in every round. A tie decided by ``candidates`` order still
    gives distinct positions, since one candidate stayed in the count longer.

    score: votes in the last round the candidate took part in. share: score / the ballots
    still in the count (continuing, not exhausted) in that round, exact, ROUND_HALF_UP to one
    decimal: the winner's share is of the final round's continuing ballots, so it is the
    majority the count stopped at. ballots: rankings naming at least one given
    candidate. detail: ``rounds`` (tallies, eliminated, transfers gained from this round's
    elimination, cumulative exhausted ballots at this round's tallies, continuing ballots,
    and ``tie_break``: None, "previous_rounds", "first_preferences" or "candidate_order")
    and ``winner`` (None only with no ballots). No ballots: everyone ties at position 1.
    """
    order = checked_candidates(candidates)
    counted = profile.restricted_to(order)
    count = _Count(counted, order)
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


class _Count:
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
