from decimal import Decimal

import pytest

from tests.voting.tally.examples import ETF_CANDIDATES, ETF_COUNTS
from voting.tally import Standing, TallyResult, plurality

pytestmark = pytest.mark.unit


def test_reference_case_reproduces_published_shares() -> None:
    result = plurality(ETF_COUNTS, ETF_CANDIDATES)

    assert result.method == "plurality"
    assert result.ballots == 1000
    assert [(s.candidate, s.position, s.tied, s.score, str(s.share)) for s in result.standings] == [
        (1, 1, False, 497, "49.7"),
        (2, 2, False, 306, "30.6"),
        (3, 3, False, 70, "7.0"),
        (4, 4, False, 37, "3.7"),
        (5, 5, False, 36, "3.6"),
        (6, 6, False, 32, "3.2"),
        (8, 7, False, 13, "1.3"),
        (7, 8, False, 9, "0.9"),
    ]
    assert result.detail == {"votes": 1000}


def test_tie_shares_position_and_skips_the_next() -> None:
    result = plurality({1: 5, 2: 3, 3: 3, 4: 1}, [1, 3, 2, 4])

    assert result.standings == (
        Standing(1, 1, False, 5, Decimal("41.7")),
        Standing(3, 2, True, 3, Decimal("25.0")),
        Standing(2, 2, True, 3, Decimal("25.0")),
        Standing(4, 4, False, 1, Decimal("8.3")),
    )


def test_missing_candidates_score_zero_and_unknown_ids_are_ignored() -> None:
    result = plurality({1: 3, 99: 7}, [1, 2])

    assert result == TallyResult(
        "plurality",
        3,
        (Standing(1, 1, False, 3, Decimal("100.0")), Standing(2, 2, False, 0, Decimal("0.0"))),
        {"votes": 3},
    )


def test_explicit_ballots_count_abstaining_ballots() -> None:
    result = plurality({1: 1, 2: 2}, [1, 2], ballots=4)

    assert [(s.candidate, s.share) for s in result.standings] == [(2, Decimal("50.0")), (1, Decimal("25.0"))]
    assert result.ballots == 4


def test_zero_ballots_ties_everyone_first() -> None:
    result = plurality({}, [3, 1, 2])

    assert result.ballots == 0
    assert result.standings == (
        Standing(3, 1, True, 0, Decimal("0.0")),
        Standing(1, 1, True, 0, Decimal("0.0")),
        Standing(2, 1, True, 0, Decimal("0.0")),
    )


def test_single_candidate() -> None:
    result = plurality({7: 4}, [7])

    assert result.standings == (Standing(7, 1, False, 4, Decimal("100.0")),)


def test_no_candidates() -> None:
    assert plurality({1: 2}, []) == TallyResult("plurality", 0, (), {"votes": 0})


@pytest.mark.parametrize(
    ("counts", "candidates", "ballots", "message"),
    [
        ({1: 3}, [1, 1], None, "distinct"),
        ({1: -1}, [1], None, "non-negative"),
        ({1: 3, 2: 2}, [1, 2], 4, "cannot come from 4 ballots"),
    ],
)
def test_rejects_inconsistent_input(
    counts: dict[int, int], candidates: list[int], ballots: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plurality(counts, candidates, ballots)
