"""Hypothesis properties every engine must keep, over small random ranked profiles."""

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzzing import examples
from voting.tally import (
    RankedProfile,
    TallyResult,
    approval,
    borda,
    first_preferences,
    irv,
    plurality,
    schulze,
)

pytestmark = pytest.mark.property

RankedEngine = Callable[[RankedProfile, Sequence[int]], TallyResult]
ENGINES: list[RankedEngine] = [irv, schulze, borda, first_preferences]
FAST = settings(max_examples=examples(150), deadline=None)


@st.composite
def ranking_of(draw: st.DrawFn, candidates: Sequence[int]) -> list[int]:
    order = draw(st.permutations(candidates))
    return list(order[: draw(st.integers(0, len(order)))])


@st.composite
def elections(draw: st.DrawFn, min_candidates: int = 1, max_candidates: int = 5) -> tuple[list[int], list[list[int]]]:
    """Candidates in display order and a list of (possibly partial, possibly empty) rankings."""
    count = draw(st.integers(min_candidates, max_candidates))
    candidates = draw(st.permutations(range(1, count + 1)))
    rankings = draw(st.lists(ranking_of(candidates), max_size=25))
    return list(candidates), rankings


def _pairwise(rankings: list[list[int]], candidates: list[int]) -> dict[tuple[int, int], int]:
    """Naive: per ballot, a ranked candidate beats everything after it or unranked."""
    wins = {(a, b): 0 for a in candidates for b in candidates if a != b}
    for ranking in rankings:
        for a, b in wins:
            if a in ranking and (b not in ranking or ranking.index(a) < ranking.index(b)):
                wins[a, b] += 1
    return wins


def _assert_well_formed(result: TallyResult, candidates: list[int]) -> None:
    assert sorted(s.candidate for s in result.standings) == sorted(candidates)
    for index, standing in enumerate(result.standings):
        if index and result.standings[index - 1].position == standing.position:
            continue  # shares the previous candidate's position
        assert standing.position == index + 1
    for standing in result.standings:
        same = sum(1 for other in result.standings if other.position == standing.position)
        assert standing.tied == (same > 1)
        assert standing.share.as_tuple().exponent == -1
        assert Decimal(0) <= standing.share <= Decimal(100)


@FAST
@given(elections(), st.randoms(use_true_random=False))
def test_ballot_order_does_not_change_any_result(election: tuple[list[int], list[list[int]]], rnd: Random) -> None:
    candidates, rankings = election
    shuffled = list(rankings)
    rnd.shuffle(shuffled)
    for engine in ENGINES:
        one = engine(RankedProfile.from_rankings(rankings), candidates)
        other = engine(RankedProfile.from_rankings(shuffled), candidates)
        assert one == other
        assert json.dumps(one.detail) == json.dumps(other.detail)


@FAST
@given(elections())
def test_every_engine_is_well_formed_and_json_serialisable(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, rankings = election
    profile = RankedProfile.from_rankings(rankings)
    firsts = first_preferences(profile, candidates)
    counts = {s.candidate: s.score for s in firsts.standings}
    results = [engine(profile, candidates) for engine in ENGINES]
    results += [plurality(counts, candidates), approval(counts, candidates, profile.ballots)]
    for result in results:
        _assert_well_formed(result, candidates)
        assert json.loads(json.dumps(result.detail)) == result.detail  # no tuples, no int keys, no Decimal


@FAST
@given(elections(min_candidates=2, max_candidates=2))
def test_two_candidates_irv_schulze_and_plurality_agree(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, rankings = election
    profile = RankedProfile.from_rankings(rankings)
    firsts = first_preferences(profile, candidates)
    if firsts.standings[0].tied:
        return
    winner = firsts.standings[0].candidate
    assert irv(profile, candidates).detail["winner"] == winner
    assert schulze(profile, candidates).standings[0].candidate == winner
    assert not schulze(profile, candidates).standings[0].tied


@FAST
@given(elections(min_candidates=2))
def test_a_condorcet_winner_wins_schulze(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, rankings = election
    wins = _pairwise(rankings, candidates)
    beats_all = [a for a in candidates if all(wins[a, b] > wins[b, a] for b in candidates if b != a)]
    if not beats_all:
        return
    result = schulze(RankedProfile.from_rankings(rankings), candidates)
    assert result.standings[0].candidate == beats_all[0]
    assert result.standings[0].position == 1
    assert not result.standings[0].tied
    assert result.standings[0].score == len(candidates) - 1


@FAST
@given(elections())
def test_plurality_and_borda_shares_sum_to_100_within_rounding(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, rankings = election
    profile = RankedProfile.from_rankings(rankings)
    for result in (first_preferences(profile, candidates), borda(profile, candidates)):
        total = sum((s.share for s in result.standings), Decimal(0))
        if any(s.score for s in result.standings):
            assert abs(total - 100) <= Decimal("0.05") * len(candidates)
        else:
            assert total == 0


@FAST
@given(elections())
def test_irv_rounds_balance_and_the_winner_holds_a_majority(election: tuple[list[int], list[list[int]]]) -> None:
    candidates, rankings = election
    result = irv(RankedProfile.from_rankings(rankings), candidates)
    rounds = result.detail["rounds"]
    for number, record in enumerate(rounds, start=1):
        assert record["round"] == number
        assert sum(record["tallies"].values()) == record["continuing"]
        assert record["continuing"] + record["exhausted"] == result.ballots
    if result.ballots == 0:
        assert rounds == []
        return
    final = rounds[-1]["tallies"]
    winner = result.detail["winner"]
    assert 2 * final[str(winner)] > rounds[-1]["continuing"] or len(final) == 1
    assert result.standings[0].candidate == winner
    assert not result.standings[0].tied
