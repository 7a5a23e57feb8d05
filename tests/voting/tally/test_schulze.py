from decimal import Decimal

import pytest

from tests.voting.tally.examples import (
    MEMPHIS,
    NASHVILLE,
    SCHULZE_CANDIDATES,
    SCHULZE_WIKIPEDIA,
    TENNESSEE,
    TENNESSEE_CANDIDATES,
    A,
    B,
    C,
    D,
    E,
)
from voting.tally import RankedProfile, Standing, TallyResult, schulze

pytestmark = pytest.mark.unit


def _matrix(rows: dict[int, list[int]]) -> dict[str, dict[str, int]]:
    """Published tables list each row over A..E with the diagonal left out."""
    return {
        str(a): {str(b): value for b, value in zip([x for x in SCHULZE_CANDIDATES if x != a], row, strict=True)}
        for a, row in rows.items()
    }


def test_wikipedia_worked_example() -> None:
    result = schulze(SCHULZE_WIKIPEDIA, SCHULZE_CANDIDATES)

    assert result.method == "schulze"
    assert result.ballots == 45
    assert result.detail["pairwise"] == _matrix(
        {A: [20, 26, 30, 22], B: [25, 16, 33, 18], C: [19, 29, 17, 24], D: [15, 12, 28, 14], E: [23, 27, 21, 31]}
    )
    assert result.detail["strongest_paths"] == _matrix(
        {A: [28, 28, 30, 24], B: [25, 28, 33, 24], C: [25, 29, 29, 24], D: [25, 28, 28, 24], E: [25, 28, 28, 31]}
    )
    assert result.detail["order"] == [E, A, C, B, D]
    # Scores count strongest-path wins; shares are first preferences (8, 10, 12, 8, 7 of 45).
    assert result.standings == (
        Standing(E, 1, False, 4, Decimal("17.8")),
        Standing(A, 2, False, 3, Decimal("22.2")),
        Standing(C, 3, False, 2, Decimal("26.7")),
        Standing(B, 4, False, 1, Decimal("17.8")),
        Standing(D, 5, False, 0, Decimal("15.6")),
    )


def test_tennessee_condorcet_winner_nashville() -> None:
    result = schulze(TENNESSEE, TENNESSEE_CANDIDATES)

    assert result.standings[0] == Standing(NASHVILLE, 1, False, 3, Decimal("26.0"))
    assert result.standings[-1] == Standing(MEMPHIS, 4, False, 0, Decimal("42.0"))
    assert result.detail["pairwise"][str(NASHVILLE)][str(MEMPHIS)] == 58


def test_unranked_count_below_ranked_and_both_unranked_give_nothing() -> None:
    profile = RankedProfile({(1,): 3, (2, 3): 2})

    result = schulze(profile, [1, 2, 3])

    assert result.detail["pairwise"] == {
        "1": {"2": 3, "3": 3},
        "2": {"1": 2, "3": 2},
        "3": {"1": 2, "2": 0},
    }


def test_cycle_of_equal_strength_is_a_three_way_tie() -> None:
    profile = RankedProfile({(1, 2, 3): 1, (2, 3, 1): 1, (3, 1, 2): 1})

    result = schulze(profile, [3, 1, 2])

    assert [(s.candidate, s.position, s.tied, s.score) for s in result.standings] == [
        (3, 1, True, 0),
        (1, 1, True, 0),
        (2, 1, True, 0),
    ]


def test_positions_are_layers_of_unbeaten_candidates() -> None:
    # 4 beats 1 and 2 on strongest paths; 3 neither beats nor is beaten by anyone, so 3
    # is a Schulze winner alongside 4, and 1 and 2 share the next layer.
    profile = RankedProfile.from_rankings([[4, 2, 1], [4, 3, 1], [2, 3], [1, 3]])

    result = schulze(profile, [1, 2, 3, 4])

    assert [(s.candidate, s.position, s.tied, s.score) for s in result.standings] == [
        (3, 1, True, 0),
        (4, 1, True, 2),
        (1, 3, True, 0),
        (2, 3, True, 0),
    ]
    assert result.detail["order"] == [3, 4, 1, 2]


def test_zero_ballots_and_single_candidate() -> None:
    assert schulze(RankedProfile({}), [1, 2]).standings == (
        Standing(1, 1, True, 0, Decimal("0.0")),
        Standing(2, 1, True, 0, Decimal("0.0")),
    )
    assert schulze(RankedProfile({(5,): 2}), [5]) == TallyResult(
        "schulze",
        2,
        (Standing(5, 1, False, 0, Decimal("100.0")),),
        {"pairwise": {"5": {}}, "strongest_paths": {"5": {}}, "order": [5]},
    )
