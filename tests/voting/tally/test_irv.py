from decimal import Decimal

import pytest

from tests.voting.tally.examples import (
    CHATTANOOGA,
    KNOXVILLE,
    MEMPHIS,
    NASHVILLE,
    TENNESSEE,
    TENNESSEE_CANDIDATES,
)
from voting.tally import RankedProfile, Standing, TallyResult, irv

pytestmark = pytest.mark.unit

A, B, C, D, E = 1, 2, 3, 4, 5


def _round(
    number: int, tallies: dict[int, int], eliminated: list[int], transfers: dict[int, int], **rest: object
) -> dict[str, object]:
    return {
        "round": number,
        "tallies": {str(c): v for c, v in tallies.items()},
        "eliminated": eliminated,
        "transfers": {str(c): v for c, v in transfers.items()},
        "exhausted": rest.get("exhausted", 0),
        "continuing": rest["continuing"],
        "tie_break": rest.get("tie_break"),
    }


def _table(result: TallyResult) -> list[tuple[int, int, bool, int]]:
    return [(s.candidate, s.position, s.tied, s.score) for s in result.standings]


def test_tennessee_knoxville_wins_in_three_rounds() -> None:
    result = irv(TENNESSEE, TENNESSEE_CANDIDATES)

    assert result.method == "irv"
    assert result.ballots == 100
    assert result.detail == {
        "rounds": [
            _round(
                1,
                {MEMPHIS: 42, NASHVILLE: 26, CHATTANOOGA: 15, KNOXVILLE: 17},
                [CHATTANOOGA],
                {MEMPHIS: 0, NASHVILLE: 0, KNOXVILLE: 15},
                continuing=100,
            ),
            _round(
                2, {MEMPHIS: 42, NASHVILLE: 26, KNOXVILLE: 32}, [NASHVILLE], {MEMPHIS: 0, KNOXVILLE: 26}, continuing=100
            ),
            _round(3, {MEMPHIS: 42, KNOXVILLE: 58}, [], {}, continuing=100),
        ],
        "winner": KNOXVILLE,
    }
    assert result.standings == (
        Standing(KNOXVILLE, 1, False, 58, Decimal("58.0")),
        Standing(MEMPHIS, 2, False, 42, Decimal("42.0")),
        Standing(NASHVILLE, 3, False, 26, Decimal("26.0")),
        Standing(CHATTANOOGA, 4, False, 15, Decimal("15.0")),
    )


def test_deactivated_candidate_is_struck_from_rankings() -> None:
    result = irv(TENNESSEE, [MEMPHIS, NASHVILLE, KNOXVILLE])

    # Chattanooga's 15 voters now start with Knoxville; Nashville goes out and transfers to Knoxville.
    assert result.detail["rounds"][0]["tallies"] == {"1": 42, "2": 26, "4": 32}
    assert result.detail["winner"] == KNOXVILLE
    assert result.ballots == 100


def test_tie_for_fewest_goes_back_to_the_previous_round() -> None:
    # Round 3: B and C tie on 9; in round 2 B had 7 and C 8, so B goes, although B had
    # more first preferences (7 against 6).
    profile = RankedProfile({(A,): 10, (B,): 7, (C,): 6, (D, B): 2, (D, C): 1, (D,): 1, (E, C): 2})

    result = irv(profile, [A, B, C, D, E])

    rounds = result.detail["rounds"]
    assert rounds[2] == _round(
        3, {A: 10, B: 9, C: 9}, [B], {A: 0, C: 0}, exhausted=1, continuing=28, tie_break="previous_rounds"
    )
    assert rounds[3] == _round(4, {A: 10, C: 9}, [], {}, exhausted=10, continuing=19)
    assert [r["eliminated"] for r in rounds] == [[E], [D], [B], []]
    assert _table(result) == [(A, 1, False, 10), (C, 2, False, 9), (B, 3, False, 9), (D, 4, False, 4), (E, 5, False, 2)]


def test_tie_equal_in_every_earlier_round_goes_to_first_preferences() -> None:
    profile = RankedProfile({(A,): 10, (B,): 5, (C,): 6, (D, B): 1})

    result = irv(profile, [A, B, C, D])

    rounds = result.detail["rounds"]
    assert rounds[1] == _round(2, {A: 10, B: 6, C: 6}, [B], {A: 0, C: 0}, continuing=22, tie_break="first_preferences")
    assert rounds[2] == _round(3, {A: 10, C: 6}, [], {}, exhausted=6, continuing=16)
    assert result.detail["winner"] == A


@pytest.mark.parametrize(("candidates", "eliminated"), [([A, B, C], C), ([A, C, B], B)])
def test_complete_tie_eliminates_the_latest_in_candidate_order(candidates: list[int], eliminated: int) -> None:
    profile = RankedProfile({(A,): 5, (B,): 3, (C,): 3})

    result = irv(profile, candidates)

    assert result.detail["rounds"][0]["eliminated"] == [eliminated]
    assert result.detail["rounds"][0]["tie_break"] == "candidate_order"
    survivor = candidates[1]
    # Distinct positions: the survivor stayed in the count one round longer.
    assert _table(result) == [(A, 1, False, 5), (survivor, 2, False, 3), (eliminated, 3, False, 3)]


def test_zero_vote_candidates_are_eliminated_together_and_share_a_position() -> None:
    profile = RankedProfile({(A,): 2, (B,): 2, (C, A): 1})

    result = irv(profile, [A, B, C, D, E])

    rounds = result.detail["rounds"]
    assert [(r["eliminated"], r["tie_break"]) for r in rounds] == [([D, E], None), ([C], None), ([], None)]
    assert rounds[0]["transfers"] == {"1": 0, "2": 0, "3": 0}
    assert _table(result) == [(A, 1, False, 3), (B, 2, False, 2), (C, 3, False, 1), (D, 4, True, 0), (E, 4, True, 0)]


def test_candidates_still_in_the_final_round_with_equal_history_share_a_position() -> None:
    profile = RankedProfile({(A,): 6, (B,): 2, (C,): 2})

    result = irv(profile, [A, B, C])

    assert len(result.detail["rounds"]) == 1
    assert _table(result) == [(A, 1, False, 6), (B, 2, True, 2), (C, 2, True, 2)]


def test_final_round_runners_up_are_separated_by_earlier_rounds() -> None:
    # Round 1: C and D tie on 2, D goes (later in candidate order). Round 2: A wins with 7
    # of 13; B and C both hold 3 there, but in round 1 B had 3 and C 2.
    profile = RankedProfile({(A,): 6, (B,): 3, (C,): 2, (D, C): 1, (D, A): 1})

    result = irv(profile, [A, C, B, D])

    assert [r["tallies"] for r in result.detail["rounds"]] == [
        {"1": 6, "3": 2, "2": 3, "4": 2},
        {"1": 7, "3": 3, "2": 3},
    ]
    assert _table(result) == [(A, 1, False, 7), (B, 2, False, 3), (C, 3, False, 3), (D, 4, False, 2)]


def test_majority_counts_continuing_ballots_only() -> None:
    # Round 2: 3 ballots exhausted; A's 4 of the 7 continuing is a majority (not of all 10).
    profile = RankedProfile({(A,): 4, (B,): 3, (C,): 2, (D,): 1})

    result = irv(profile, [A, B, C, D])

    assert [r["continuing"] for r in result.detail["rounds"]] == [10, 9, 7]
    assert [r["exhausted"] for r in result.detail["rounds"]] == [0, 1, 3]
    assert result.detail["winner"] == A


def test_single_candidate_wins_in_the_first_round() -> None:
    result = irv(RankedProfile({(A,): 3}), [A])

    assert result.standings == (Standing(A, 1, False, 3, Decimal("100.0")),)
    assert result.detail == {"rounds": [_round(1, {A: 3}, [], {}, continuing=3)], "winner": A}


@pytest.mark.parametrize("profile", [RankedProfile({}), RankedProfile({(9, 8): 5})])
def test_zero_ballots_ties_everyone_first(profile: RankedProfile) -> None:
    result = irv(profile, [B, A])

    assert result == TallyResult(
        "irv",
        0,
        (Standing(B, 1, True, 0, Decimal("0.0")), Standing(A, 1, True, 0, Decimal("0.0"))),
        {"rounds": [], "winner": None},
    )


def test_rejects_repeated_candidates() -> None:
    with pytest.raises(ValueError, match="distinct"):
        irv(TENNESSEE, [MEMPHIS, MEMPHIS])


def test_a_share_is_of_the_ballots_still_in_the_count_in_that_round() -> None:
    # 940 ballots; C's 30 transfer 7 to A, 8 to B, and 15 run out of choices: 477 of 925, not of 940.
    profile = RankedProfile({(A,): 470, (B,): 440, (C, A): 7, (C, B): 8, (C,): 15})
    result = irv(profile, [A, B, C])

    assert [(s.candidate, s.score, s.share) for s in result.standings] == [
        (A, 477, Decimal("51.6")),
        (B, 448, Decimal("48.4")),
        (C, 30, Decimal("3.2")),  # of the 940 ballots of round 1, the last C took part in
    ]
    final = result.detail["rounds"][-1]
    assert (final["continuing"], final["exhausted"]) == (925, 15)
