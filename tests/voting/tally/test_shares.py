from decimal import Decimal

import pytest

from voting.tally import percent

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (497, 1000, "49.7"),
        (9, 1000, "0.9"),
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 16, "6.3"),  # 6.25 rounds half up
        (1, 8, "12.5"),
        (1, 2000, "0.1"),  # 0.05 rounds half up
        (1, 2001, "0.0"),  # 0.04997... rounds down
        (5, 5, "100.0"),
        (0, 5, "0.0"),
        (0, 0, "0.0"),
        (3, 0, "0.0"),
    ],
)
def test_percent_rounds_half_up_to_one_decimal(part: int, whole: int, expected: str) -> None:
    share = percent(part, whole)

    assert share == Decimal(expected)
    assert str(share) == expected
    assert share.as_tuple().exponent == -1


def test_percent_rejects_negative_figures() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        percent(-1, 10)
