from decimal import Decimal

import pytest

from tests.voting.tally.examples import KNOXVILLE, MEMPHIS, NASHVILLE, TENNESSEE, TENNESSEE_CANDIDATES
from voting.tally import RANKED_METHODS, RankedProfile, Standing, first_preferences, tally_ranked

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("method", "winner"),
    [("irv", KNOXVILLE), ("schulze", NASHVILLE), ("borda", NASHVILLE)],
)
def test_tennessee_winner_by_method(method: str, winner: int) -> None:
    result = tally_ranked(method, TENNESSEE, TENNESSEE_CANDIDATES)

    assert result.method == method
    assert result.standings[0].candidate == winner
    assert result.standings[0].position == 1
    assert not result.standings[0].tied


def test_tennessee_first_preferences_give_memphis() -> None:
    result = first_preferences(TENNESSEE, TENNESSEE_CANDIDATES)

    assert result.method == "plurality"
    assert [(s.candidate, s.score, s.share) for s in result.standings] == [
        (MEMPHIS, 42, Decimal("42.0")),
        (NASHVILLE, 26, Decimal("26.0")),
        (KNOXVILLE, 17, Decimal("17.0")),
        (3, 15, Decimal("15.0")),
    ]


def test_first_preferences_skip_struck_candidates() -> None:
    result = first_preferences(RankedProfile({(9, 2): 3, (1,): 1, (9,): 5}), [1, 2])

    assert result.ballots == 4
    assert result.standings == (Standing(2, 1, False, 3, Decimal("75.0")), Standing(1, 2, False, 1, Decimal("25.0")))


def test_dispatcher_lists_ranked_methods_and_rejects_others() -> None:
    assert sorted(RANKED_METHODS) == ["borda", "irv", "schulze"]
    with pytest.raises(ValueError, match="unknown ranked method 'plurality'"):
        tally_ranked("plurality", TENNESSEE, TENNESSEE_CANDIDATES)
