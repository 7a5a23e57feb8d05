from collections.abc import Callable

import pytest

from voting.tally import RankedProfile

pytestmark = pytest.mark.unit


def test_from_rankings_counts_identical_rankings_and_skips_empty_ones() -> None:
    profile = RankedProfile.from_rankings([[1, 2], (1, 2), [2], [], [1, 2, 3]])

    assert dict(profile.counts) == {(1, 2): 2, (2,): 1, (1, 2, 3): 1}
    assert profile.ballots == 4
    assert len(profile) == 3
    assert profile.candidates == frozenset({1, 2, 3})


def test_from_rankings_accepts_a_generator() -> None:
    profile = RankedProfile.from_rankings([1, 2] for _ in range(5))

    assert dict(profile.counts) == {(1, 2): 5}


def test_mapping_constructor_merges_and_drops_empty_rankings() -> None:
    profile = RankedProfile({(1,): 2, (): 4, (2, 1): 0})

    assert dict(profile.counts) == {(1,): 2}
    assert profile.ballots == 2
    assert profile == RankedProfile.from_rankings([[1], [1]])


@pytest.mark.parametrize(
    "build", [lambda: RankedProfile.from_rankings([[1, 2, 1]]), lambda: RankedProfile({(3, 3): 1})]
)
def test_rejects_a_candidate_ranked_twice(build: Callable[[], RankedProfile]) -> None:
    with pytest.raises(ValueError, match="lists a candidate twice"):
        build()


def test_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative count"):
        RankedProfile({(1,): -1})


def test_restricted_to_strikes_other_candidates_and_merges() -> None:
    profile = RankedProfile({(9, 1, 2): 2, (1, 9, 2): 1, (9,): 4, (2,): 1})

    restricted = profile.restricted_to([1, 2])

    assert dict(restricted.counts) == {(1, 2): 3, (2,): 1}
    assert restricted.ballots == 4
    assert profile.restricted_to([1, 2, 9]) is profile


def test_counts_are_read_only() -> None:
    profile = RankedProfile({(1,): 1})

    with pytest.raises(TypeError):
        profile.counts[(2,)] = 1  # type: ignore[index]
