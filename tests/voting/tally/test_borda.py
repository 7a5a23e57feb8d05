from decimal import Decimal

import pytest

from tests.voting.tally.examples import CHATTANOOGA, KNOXVILLE, MEMPHIS, NASHVILLE, TENNESSEE, TENNESSEE_CANDIDATES
from voting.tally import RankedProfile, Standing, borda

pytestmark = pytest.mark.unit


def test_tennessee_nashville_wins() -> None:
    result = borda(TENNESSEE, TENNESSEE_CANDIDATES)

    assert result.method == "borda"
    assert result.ballots == 100
    assert result.standings == (
        Standing(NASHVILLE, 1, False, 194, Decimal("32.3")),
        Standing(CHATTANOOGA, 2, False, 173, Decimal("28.8")),
        Standing(MEMPHIS, 3, False, 126, Decimal("21.0")),
        Standing(KNOXVILLE, 4, False, 107, Decimal("17.8")),
    )
    assert result.detail == {"points_per_rank": [3, 2, 1, 0], "total_points": 600}


def test_truncated_ballot_unranked_get_nothing() -> None:
    result = borda(RankedProfile({(1,): 2, (2, 3): 1}), [1, 2, 3, 4])

    assert {s.candidate: s.score for s in result.standings} == {1: 6, 2: 3, 3: 2, 4: 0}


def test_ties_share_a_position() -> None:
    result = borda(RankedProfile({(1, 2, 3): 1, (2, 1, 3): 1}), [1, 2, 3])

    assert result.standings == (
        Standing(1, 1, True, 3, Decimal("50.0")),
        Standing(2, 1, True, 3, Decimal("50.0")),
        Standing(3, 3, False, 0, Decimal("0.0")),
    )


def test_single_candidate_awards_no_points() -> None:
    result = borda(RankedProfile({(1,): 4}), [1])

    assert result.standings == (Standing(1, 1, False, 0, Decimal("0.0")),)
    assert result.ballots == 4


def test_zero_ballots_ties_everyone_first() -> None:
    result = borda(RankedProfile({}), [2, 1])

    assert result.standings == (Standing(2, 1, True, 0, Decimal("0.0")), Standing(1, 1, True, 0, Decimal("0.0")))
