"""Instant-runoff voting (IRV), as the Hugo Awards and the Oscars' Best Picture use it."""

from collections.abc import Collection, Sequence
from typing import Any, Protocol

from voting.tally.piles import Piles
from voting.tally.positions import Positions
from voting.tally.profile import RankedProfile
from voting.tally.shares import percent
from voting.tally.standings import Key, checked_candidates, rank
from voting.tally.types import TallyResult

# Piles when ballots repeat their ranking this often on average, bitset Positions otherwise.
PILES_FROM_BALLOTS_PER_RANKING = 8


class Recount(Protocol):
    """What a count needs: ballots, and each round's first continuing choices (``Piles`` or ``Positions``)."""

    ballots: int
    first_preferences: dict[int, int]

    def first_choices(self, continuing: Collection[int]) -> dict[int, int]: ...


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
    count = _Count(recount_for(profile, order), order)
    winner = count.run() if count.ballots else None
    keys, scores = count.position_keys(winner)
    continuing = count.continuing_in_last_round()
    standings = rank(
        order,
        keys=keys,
        scores=scores,
        shares={candidate: percent(score, continuing[candidate]) for candidate, score in scores.items()},
    )
    return TallyResult("irv", count.ballots, standings, {"rounds": count.rounds, "winner": winner})


def recount_for(profile: RankedProfile, order: tuple[int, ...]) -> Recount:
    """``Piles`` when few distinct rankings carry many ballots each, else ``Positions`` (same counts)."""
    if profile.ballots >= PILES_FROM_BALLOTS_PER_RANKING * len(profile):
        return Piles(profile, order)
    return Positions(profile, order)


class _Count:
    """The state of one count: continuing candidates and their votes, recounted each round."""

    def __init__(self, recount: Recount, order: tuple[int, ...]) -> None:
        self.recount = recount
        self.ballots = recount.ballots
        self.continuing = list(order)
        self.votes = dict(recount.first_preferences)
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
        """Eliminate, recount every ballot for its highest continuing choice; return each one's gain."""
        for candidate in eliminated:
            self.eliminated_in[candidate] = len(self.rounds) + 1
        self.continuing = [candidate for candidate in self.continuing if candidate not in self.eliminated_in]
        votes = self.recount.first_choices(self.continuing)
        gains = {candidate: votes[candidate] - self.votes[candidate] for candidate in self.continuing}
        self.votes = votes
        self.exhausted = self.ballots - sum(votes.values())
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
