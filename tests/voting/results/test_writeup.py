"""The write-up's sentences: true for their method and their moment, numbers formatted for people."""

import re
from decimal import Decimal

import pytest

from awards.models import ResultsStage
from voting.results.writeup import Placed, category_sentences, names_together, plural
from voting.tally import RankedProfile, TallyResult, irv, plurality, schulze

pytestmark = pytest.mark.unit

NAMES = {1: "BlackRock", 2: "Grayscale", 3: "Fidelity", 4: "Ethereum"}
FINAL, CLOSED, LIVE = ResultsStage.FINAL, ResultsStage.CLOSED, ResultsStage.LIVE


def _written(result: TallyResult, stage: ResultsStage = FINAL) -> list[str]:
    placed = [Placed(s.candidate, NAMES[s.candidate], s.position, s.tied, s.score, s.share) for s in result.standings]
    return [text for _, text in category_sentences(result.method, stage, placed, result.ballots, result.detail)]


def test_irv_final_share_is_of_continuing_ballots_and_exhausted_ballots_are_told() -> None:
    profile = RankedProfile({(1,): 470, (2,): 440, (3, 1): 7, (3, 2): 8, (3,): 15})
    assert _written(irv(profile, [1, 2, 3])) == [
        "BlackRock secured the top position with 477 votes (51.6% of the 925 ballots still in the count in the "
        "final round).",
        "Grayscale secured the 2nd position with 448 votes (48.4% of the 925 ballots still in the count in the "
        "final round).",
        "Fidelity secured the 3rd position with 30 votes when it went out in round 1 (3.2% of the 940 ballots in "
        "that round).",
        "15 of the 940 ballots were exhausted by the final round (no nominee they ranked was left), leaving 925 in "
        "the count.",
    ]


def test_a_schulze_nominee_that_beats_nobody_still_gets_its_sentence() -> None:
    # Ethereum is ranked last (or not at all) by everyone: it loses every pair.
    profile = RankedProfile({(1, 2, 3, 4): 5, (2, 1, 3): 3, (3, 1, 2, 4): 2})
    assert _written(schulze(profile, [1, 2, 3, 4])) == [
        "BlackRock secured the top position and won every head-to-head contest.",
        "Grayscale secured the 2nd position and won 2 of its 3 head-to-head contests.",
        "Fidelity secured the 3rd position and won 1 of its 3 head-to-head contests.",
        "Ethereum secured the 4th position and lost every head-to-head contest.",
    ]


def test_schulze_record_counts_draws_and_ties_name_both() -> None:
    profile = RankedProfile({(1, 2): 1, (2, 1): 1})
    assert _written(schulze(profile, [1, 2])) == [
        "BlackRock and Grayscale share the top position: BlackRock won 0 of its 1 head-to-head contest and drew 1, "
        "Grayscale won 0 of its 1 head-to-head contest and drew 1."
    ]


def test_ties_read_as_ties() -> None:
    result = plurality({1: 40, 2: 40, 3: 20}, [1, 2, 3])
    assert _written(result) == [
        "BlackRock and Grayscale share the top position with 40.0% of the total votes each.",
        "Fidelity secured the 3rd position with 20.0% of the total votes.",
    ]
    assert names_together(["A", "B", "C"]) == "A, B and C"


def test_nominees_with_no_votes_are_named_together() -> None:
    assert _written(plurality({1: 3}, [1, 2, 4]))[-1] == "Grayscale and Ethereum each received no votes."


def test_numbers_carry_thousands_separators() -> None:
    assert plural(1, "ballot") == "1 ballot"
    assert plural(1000, "ballot") == "1,000 ballots"
    result = plurality({1: 1234, 2: 766}, [1, 2])
    placed = [Placed(s.candidate, NAMES[s.candidate], s.position, s.tied, s.score, s.share) for s in result.standings]
    [(_, first), _] = category_sentences("approval", FINAL, placed, 2000, {})
    assert first == "BlackRock secured the top position with 1,234 approvals (61.7% of the 2,000 voters)."
    assert category_sentences("borda", FINAL, placed, 2000, {"total_points": 12000})[0][1] == (
        "BlackRock secured the top position with 1,234 Borda points (61.7% of the 12,000 points awarded)."
    )


@pytest.mark.parametrize("stage", [LIVE, CLOSED])
def test_before_publication_nobody_is_a_winner(stage: ResultsStage) -> None:
    results = [
        plurality({1: 40, 2: 40, 3: 20}, [1, 2, 3]),
        irv(RankedProfile({(1,): 470, (2,): 440, (3, 1): 7, (3,): 23}), [1, 2, 3]),
        schulze(RankedProfile({(1, 2, 3, 4): 5, (2, 1, 3): 3}), [1, 2, 3, 4]),
    ]
    for result in results:
        for text in _written(result, stage):
            assert not re.search(r"\b(winners?|won|secured)\b", text, re.IGNORECASE), text


def test_live_and_closed_wording() -> None:
    result = plurality({1: 60, 2: 40}, [1, 2])
    assert _written(result, LIVE) == [
        "BlackRock is leading so far with 60.0% of the total votes.",
        "Grayscale is 2nd so far with 40.0% of the total votes.",
    ]
    assert _written(result, CLOSED) == [
        "BlackRock tops the count with 60.0% of the total votes.",
        "Grayscale is 2nd in the count with 40.0% of the total votes.",
    ]
    schulze_live = _written(schulze(RankedProfile({(1, 2): 3}), [1, 2]), LIVE)
    assert schulze_live == [
        "BlackRock is leading so far, ahead in every head-to-head contest.",
        "Grayscale is 2nd so far, behind in every head-to-head contest.",
    ]


def test_no_ballots_says_so() -> None:
    result = plurality({}, [1, 2])
    assert _written(result) == ["No ballots have been counted in this category yet."]
    assert result.standings[0].share == Decimal("0.0")
