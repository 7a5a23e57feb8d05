"""One figure, one rule, everywhere: an IRV share is of the ballots still in the count in that round.

96 ballots: A 47, B 44 and C 5 first preferences; C's transfer 1 to A, 1 to B and 3 run out,
so the final round holds 93 ballots and A's 48 are 51.6% of them (not 50.0% of 96). Each
place that shows the figure gets its own test.
"""

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awards.models import Edition, ResultsVisibility, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory
from voting.ballots.imports import import_ballots
from voting.results import sharing
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

SENTENCE = (
    "Arbitrum secured the top position with 48 votes (51.6% of the 93 ballots still in the count in the final round)."
)
EXHAUSTED = (
    "3 of the 96 ballots were exhausted by the final round (no nominee they ranked was left), leaving 93 in the count."
)


@pytest.fixture
def runoff() -> Edition:
    now = timezone.now()
    edition = EditionFactory(
        slug="runoff",
        name="Runoff Awards",
        voting_opens_at=now - timedelta(days=10),
        voting_closes_at=now - timedelta(days=3),
        published_at=now - timedelta(days=1),
        results_visibility=ResultsVisibility.PUBLISHED,
    )
    category = CategoryFactory(edition=edition, slug="l2", title="Best L2", method=VotingMethod.IRV)
    for order, name in enumerate(["Arbitrum", "Base", "Celo"]):
        NomineeFactory(category=category, name=name, order=order)
    cells = ["Arbitrum"] * 47 + ["Base"] * 44 + ["Celo>Arbitrum", "Celo>Base"] + ["Celo"] * 3
    lines = ["voter,l2", *(f"v{n},{cell}" for n, cell in enumerate(cells))]
    import_ballots(edition=edition, lines=io.StringIO("\n".join(lines) + "\n"))
    recompute_edition(edition.pk)
    return edition


def test_the_category_page_says_51_6_of_the_continuing_ballots(client: Client, runoff) -> None:
    body = client.get("/editions/runoff/results/l2/").content.decode()
    assert f"<p>{SENTENCE}</p>" in body
    assert f"<p>{EXHAUSTED}</p>" in body
    assert 'width="51.6%"' in body and "50.0%" not in body


def test_the_embed_shows_51_6(client: Client, runoff) -> None:
    body = client.get("/embed/editions/runoff/l2/").content.decode()
    assert 'aria-label="51.6%"' in body and "50.0%" not in body


def test_the_share_image_draws_51_6(client: Client, runoff, monkeypatch) -> None:
    drawn: list[tuple[Any, ...]] = []

    def capture(title: str, subtitle: str, rows: list[Any], footer: str, **options: Any) -> bytes:
        drawn.append((title, subtitle, [(row.heading, row.label, row.figure) for row in rows], footer))
        return b"\x89PNG"

    monkeypatch.setattr(sharing, "render_share_image", capture)
    client.get("/editions/runoff/results/l2/share.png")
    client.get("/editions/runoff/share.png")
    [(_, _, category_rows, _), (_, _, edition_rows, _)] = drawn
    assert category_rows[0] == ("", "Arbitrum", "51.6%")
    assert edition_rows == [("Best L2", "Arbitrum", "51.6%")]


def test_the_csv_states_the_share_and_its_denominator(client: Client, runoff) -> None:
    rows = list(csv.reader(io.StringIO(client.get("/editions/runoff/results.csv").content.decode())))
    assert [row[4:] for row in rows[1:]] == [
        ["Arbitrum", "48", "51.6", "93", "96"],
        ["Base", "45", "48.4", "93", "96"],
        ["Celo", "5", "5.2", "96", "96"],
    ]


def test_the_json_states_the_share_its_denominator_and_the_first_preferences(client: Client, runoff) -> None:
    [category] = json.loads(client.get("/editions/runoff/results.json").content)["categories"]
    assert [(s["name"], s["share"], s["share_of"]) for s in category["standings"]] == [
        ("Arbitrum", "51.6", 93),
        ("Base", "48.4", 93),
        ("Celo", "5.2", 96),
    ]
    assert category["share_basis"] == "ballots still in the count (not exhausted) in the last round the nominee reached"
    assert [(s["name"], s["share"], s["share_of"]) for s in category["first_preferences"]] == [
        ("Arbitrum", "49.0", 96),
        ("Base", "45.8", 96),
        ("Celo", "5.2", 96),
    ]
    assert category["sentences"][0] == SENTENCE
    final = category["detail"]["rounds"][-1]
    assert (final["continuing"], final["exhausted"]) == (93, 3)


def test_the_api_says_51_6(client: Client, runoff) -> None:
    body = client.get("/api/v1/editions/runoff/results/l2").json()
    assert body["standings"][0]["share"] == "51.6"
    assert body["standings"][0]["sentence"] == SENTENCE
    assert body["sentences"][-1] == EXHAUSTED
    assert body["stage"] == "final"
    eliminated = body["detail"]["rounds"][0]["eliminated"]
    assert eliminated == [str(body["standings"][2]["nominee_id"])]  # keys are strings throughout the detail
