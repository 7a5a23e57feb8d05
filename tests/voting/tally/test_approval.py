from decimal import Decimal

import pytest

from voting.tally import Standing, approval

pytestmark = pytest.mark.unit


def test_shares_are_of_voters_and_do_not_sum_to_100() -> None:
    result = approval({1: 8, 2: 5, 3: 5}, [1, 2, 3], ballots=10)

    assert result.method == "approval"
    assert result.ballots == 10
    assert result.standings == (
        Standing(1, 1, False, 8, Decimal("80.0")),
        Standing(2, 2, True, 5, Decimal("50.0")),
        Standing(3, 2, True, 5, Decimal("50.0")),
    )
    assert result.detail == {"approvals": 18}


def test_zero_ballots_ties_everyone_first() -> None:
    result = approval({}, [2, 1], ballots=0)

    assert result.standings == (Standing(2, 1, True, 0, Decimal("0.0")), Standing(1, 1, True, 0, Decimal("0.0")))


def test_unknown_ids_are_ignored() -> None:
    result = approval({1: 1, 42: 3}, [1], ballots=3)

    assert result.standings == (Standing(1, 1, False, 1, Decimal("33.3")),)


@pytest.mark.parametrize(("counts", "ballots"), [({1: 4}, 3), ({1: -1}, 3), ({}, -1)])
def test_rejects_counts_outside_zero_to_ballots(counts: dict[int, int], ballots: int) -> None:
    with pytest.raises(ValueError, match="between 0 and"):
        approval(counts, [1], ballots)
