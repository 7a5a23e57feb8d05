"""The fast counting (bitset ``Positions``, IRV's ``Piles``) against straightforward references.

Random profiles mix the shapes the fast paths treat differently: rankings cast once and
rankings cast many times (counts past one and two bytes), truncated ballots, ids that are
not among the candidates (struck), negative ids, ids past 16 and 64 bits.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.voting.tally.reference import naive_first_choices, naive_pairwise, reference_irv, reference_schulze
from voting.tally import RankedProfile, irv, schulze
from voting.tally.piles import Piles
from voting.tally.positions import Positions

pytestmark = pytest.mark.property

irv_module = import_module("voting.tally.irv")
FAST = settings(max_examples=200, deadline=None)
IDS = st.sampled_from([1, 2, 3, 4, 5, 6, 255, 256, 257, 65_535, 65_536, -7, 2**40, 2**63 - 1, 2**70])
COUNTS = st.sampled_from([1, 1, 1, 2, 3, 7, 255, 256, 70_000])


@st.composite
def profiles(draw: st.DrawFn) -> tuple[list[int], RankedProfile]:
    """Candidates (display order) and a profile that may also name ids that are not candidates."""
    ids = draw(st.lists(IDS, min_size=1, max_size=7, unique=True))
    candidates = draw(st.permutations(ids))[: draw(st.integers(1, len(ids)))]
    counts: dict[tuple[int, ...], int] = {}
    for _ in range(draw(st.integers(0, 12))):
        order = draw(st.permutations(ids))
        counts[tuple(order[: draw(st.integers(0, len(order)))])] = draw(COUNTS)
    return list(candidates), RankedProfile(counts)


@contextmanager
def irv_recount(kind: str) -> Iterator[None]:
    """Force IRV onto ``Piles`` or onto ``Positions`` whatever the profile looks like."""
    threshold = 0 if kind == "piles" else 10**30
    with mock.patch.object(irv_module, "PILES_FROM_BALLOTS_PER_RANKING", threshold):
        yield


@FAST
@given(profiles(), st.randoms(use_true_random=False))
def test_first_choices_match_a_ballot_by_ballot_count(
    election: tuple[list[int], RankedProfile], rnd: random.Random
) -> None:
    candidates, profile = election
    positions = Positions(profile, candidates)
    counted = profile.restricted_to(candidates)
    assert positions.ballots == counted.ballots
    assert positions.first_preferences == naive_first_choices(profile, candidates)
    continuing = list(candidates)
    piles = Piles(profile, candidates)
    while continuing:  # eliminate one by one, as a count does
        assert positions.first_choices(continuing) == naive_first_choices(profile, continuing)
        assert piles.first_choices(continuing) == naive_first_choices(profile, continuing)
        continuing.remove(rnd.choice(continuing))


@FAST
@given(profiles())
def test_pairwise_matches_a_ballot_by_ballot_count(election: tuple[list[int], RankedProfile]) -> None:
    candidates, profile = election
    assert Positions(profile, candidates).pairwise() == naive_pairwise(profile.restricted_to(candidates), candidates)


@FAST
@given(profiles())
def test_engines_equal_the_reference_engines_exactly(election: tuple[list[int], RankedProfile]) -> None:
    candidates, profile = election
    assert schulze(profile, candidates) == reference_schulze(profile, candidates)
    expected = reference_irv(profile, candidates)
    for kind in ("piles", "positions"):
        with irv_recount(kind):
            assert irv(profile, candidates) == expected


def _truncated_profile(ballots: int, nominees: int, seed: int) -> RankedProfile:
    """Uniformly random orders, half of them cut short: most rankings distinct, many exhausted."""
    rng = random.Random(seed)
    ids = list(range(1001, 1001 + nominees))
    rankings = []
    for _ in range(ballots):
        order = rng.sample(ids, nominees)
        rankings.append(order if rng.random() < 0.5 else order[: rng.randint(1, nominees - 1)])
    return RankedProfile.from_rankings(rankings)


@pytest.mark.parametrize("kind", ["piles", "positions"])
def test_many_truncated_ballots_count_exactly_as_the_reference(kind: str) -> None:
    profile = _truncated_profile(3000, 10, seed=16)
    candidates = list(range(1001, 1011))
    assert len(profile) > 2000  # nearly every ranking distinct
    expected = reference_irv(profile, candidates)
    with irv_recount(kind):
        result = irv(profile, candidates)
    assert result == expected
    rounds = result.detail["rounds"]
    assert len(rounds) >= 5
    assert rounds[-1]["exhausted"] > 0  # truncated ballots ran out of choices
    assert [r["exhausted"] + r["continuing"] for r in rounds] == [3000] * len(rounds)
    assert schulze(profile, candidates) == reference_schulze(profile, candidates)


def test_the_recount_is_chosen_by_how_often_rankings_repeat() -> None:
    repeated = RankedProfile({(1, 2): 50, (2, 1): 30})
    assert isinstance(irv_module.recount_for(repeated, (1, 2)), Piles)
    assert isinstance(irv_module.recount_for(_truncated_profile(200, 6, seed=1), tuple(range(1001, 1007))), Positions)


def test_a_count_of_two_to_the_64_is_refused() -> None:
    with pytest.raises(ValueError, match="2\\*\\*64"):
        Positions(RankedProfile({(1, 2): 2**64, (2,): 3}), [1, 2])
