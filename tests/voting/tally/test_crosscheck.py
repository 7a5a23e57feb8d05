"""Cross-check the engines against votelib, an independent open-source implementation.

votelib (https://github.com/simberaj/votelib, MIT, pinned in requirements-dev.txt) is a
test-only dependency. Over 4,000 seeded random profiles (a third of them in the quick pass,
tests/fuzzing.py; 2 to 6 candidates, partial rankings) we compare IRV and Schulze winners, and exactly the Schulze pairwise and strongest-path
matrices and the Borda points. Profiles where tie rules could legitimately differ are
left out: an IRV count that needed a tie-break (or eliminated 0-vote candidates
together), or one where votelib, which stops at a majority of all ballots rather than of
continuing ones and so may count on past our winner, refuses a tie; a Schulze count
without a unique winner. votelib only knows candidates that
appear on some ballot, so profiles where a candidate is never ranked are left out too.
"""

import random

import pytest
import votelib.convert
from votelib.component.rankscore import Borda
from votelib.evaluate.condorcet import Schulze
from votelib.evaluate.core import Tie
from votelib.evaluate.sequential import TransferableVoteSelector

from tests.fuzzing import examples
from voting.tally import RankedProfile, borda, irv, schulze

pytestmark = pytest.mark.unit

PROFILES = examples(4000)  # every one under PODIUM_FUZZ=thorough (CI), a third in the quick pass
REQUIRED = PROFILES // 2  # compared, after the profiles whose tie rules may differ are left out


def _random_profiles(seed: int) -> list[tuple[list[int], RankedProfile]]:
    rng = random.Random(seed)
    profiles: list[tuple[list[int], RankedProfile]] = []
    while len(profiles) < PROFILES:
        candidates = rng.sample(range(1, 50), rng.randint(2, 6))
        rankings = [rng.sample(candidates, rng.randint(1, len(candidates))) for _ in range(rng.randint(10, 80))]
        profile = RankedProfile.from_rankings(rankings)
        if profile.candidates == frozenset(candidates):
            profiles.append((candidates, profile))
    return profiles


def test_irv_winner_matches_votelib() -> None:
    selector = TransferableVoteSelector()  # single seat, Droop quota: instant runoff
    compared = 0
    for candidates, profile in _random_profiles(seed=2024):
        result = irv(profile, candidates)
        if any(r["tie_break"] or len(r["eliminated"]) > 1 for r in result.detail["rounds"]):
            continue
        try:
            theirs = selector.evaluate(dict(profile.counts))
        except NotImplementedError:  # votelib counts on past a majority and met a tie there
            continue
        assert theirs == [result.detail["winner"]], dict(profile.counts)
        compared += 1
    assert compared >= REQUIRED


def test_schulze_matrices_and_winner_match_votelib() -> None:
    to_pairs = votelib.convert.RankedToCondorcetVotes(unranked_at_bottom=True)
    compared = 0
    for candidates, profile in _random_profiles(seed=2025):
        result = schulze(profile, candidates)
        pairs = to_pairs.convert(dict(profile.counts))
        paths = Schulze.widest_paths(pairs)
        for a in candidates:
            for b in candidates:
                if a != b:
                    assert result.detail["pairwise"][str(a)][str(b)] == pairs.get((a, b), 0)
                    assert result.detail["strongest_paths"][str(a)][str(b)] == paths.get((a, b), 0)
        theirs = Schulze().evaluate(pairs)
        if result.standings[0].tied or isinstance(theirs[0], Tie):
            continue
        assert theirs == [result.standings[0].candidate], dict(profile.counts)
        compared += 1
    assert compared >= REQUIRED


def test_borda_points_match_votelib() -> None:
    to_points = votelib.convert.RankedToPositionalVotes(Borda(base=0))  # n-1 down to 0, unranked 0
    for candidates, profile in _random_profiles(seed=2026):
        result = borda(profile, candidates)
        assert {s.candidate: s.score for s in result.standings} == to_points.convert(dict(profile.counts))
