"""Interim is never final: the words of every results surface follow the moment of the count."""

import json
import re
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awards.models import Edition, ResultsStage, ResultsVisibility
from voting.results import sharing

pytestmark = pytest.mark.django_db

LIVE = "moon-awards-2025"
ETH = "top-ethereum-etfs-2025"
FINAL_WORDS = re.compile(r"\b(winners?|won|secured)\b", re.IGNORECASE)


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The text every share image is asked to draw."""
    texts: list[str] = []

    def capture(title: str, subtitle: str, rows: list[Any], footer: str, **options: Any) -> bytes:
        texts.extend([title, subtitle, footer, *(row.label for row in rows)])
        return b"\x89PNG"

    monkeypatch.setattr(sharing, "render_share_image", capture)
    return texts


def _text(html: str) -> str:
    """What a person reads, and the content of the meta tags (og:, twitter:)."""
    metas = " ".join(re.findall(r'<meta [^>]*content="([^"]*)"', html))
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S))
    return f"{visible} {metas}"


def test_edition_knows_its_stage() -> None:
    now = timezone.now()
    edition = Edition(voting_opens_at=now - timedelta(days=1), voting_closes_at=now + timedelta(days=1))
    assert edition.results_stage_at(now) == ResultsStage.LIVE
    assert edition.results_stage_ends_at(now) == edition.voting_closes_at
    assert edition.results_stage_at(now + timedelta(days=2)) == ResultsStage.CLOSED
    edition.published_at = now + timedelta(days=3)
    assert edition.results_stage_ends_at(now + timedelta(days=2)) == edition.published_at
    assert edition.results_stage_at(now + timedelta(days=3)) == ResultsStage.FINAL


def test_while_voting_is_open_nothing_calls_anyone_a_winner(client: Client, demo, drawn) -> None:
    pages = [
        f"/editions/{LIVE}/",
        f"/editions/{LIVE}/ballot/",
        f"/editions/{LIVE}/results/",
        *(f"/editions/{LIVE}/results/{c.slug}/" for c in Edition.objects.get(slug=LIVE).categories.all()),
        f"/embed/editions/{LIVE}/{ETH}/",
    ]
    for url in pages:
        text = _text(client.get(url).content.decode())
        assert not FINAL_WORDS.search(text), (url, FINAL_WORDS.findall(text))
    client.get(f"/editions/{LIVE}/share.png")
    client.get(f"/editions/{LIVE}/results/{ETH}/share.png")
    assert drawn and not any(FINAL_WORDS.search(text) for text in drawn), drawn
    api = client.get(f"/api/v1/editions/{LIVE}/results").json()
    export = json.loads(client.get(f"/editions/{LIVE}/results.json").content)
    for document in (api, export):
        words = " ".join(_strings(document))  # what a reader is told; keys are the documented schema
        assert not FINAL_WORDS.search(words), FINAL_WORDS.findall(words)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_live_pages_say_current_standings_when_counted_and_when_voting_closes(client: Client, demo) -> None:
    edition = Edition.objects.get(slug=LIVE)
    body = client.get(f"/editions/{LIVE}/results/").content.decode()
    assert '<h1 class="page-header__title">Moon Awards 2025: current standings</h1>' in body
    closes = edition.voting_closes_at.astimezone(UTC)
    shown = f"{closes.day} {closes:%b %Y, %H:%M} UTC"  # the <time> element's UTC text, before the script runs
    assert (
        f'240 ballots so far · voting closes on <time datetime="{closes.isoformat(timespec="seconds")}" data-local>{shown}</time>.'
        in body
    )
    assert "Interim results, counted " in body
    category = client.get(f"/editions/{LIVE}/results/{ETH}/").content.decode()
    assert re.search(r"<p>\w[\w ]* is leading so far with \d+\.\d% of the total votes\.</p>", category)
    embed = client.get(f"/embed/editions/{LIVE}/{ETH}/").content.decode()
    assert "Moon Awards 2025 · Current standings" in embed and "interim, counted " in embed


def test_between_close_and_publication_the_announcement_date_is_given(client: Client, demo, drawn) -> None:
    now = timezone.now()
    Edition.objects.filter(slug=LIVE).update(
        voting_closes_at=now - timedelta(hours=1),
        published_at=now.replace(year=now.year + 1, month=1, day=10, hour=12),
        results_visibility=ResultsVisibility.AFTER_CLOSE,
    )
    year = now.year + 1
    body = client.get(f"/editions/{LIVE}/results/").content.decode()
    assert f"Voting has closed; results will be announced on 10 January {year}. 240 ballots counted." in re.sub(
        r"<[^>]+>", "", body
    )
    assert "Moon Awards 2025: standings at the close of voting" in body
    category = client.get(f"/editions/{LIVE}/results/{ETH}/").content.decode()
    assert re.search(r"<p>\w[\w ]* tops the count with \d+\.\d% of the total votes\.</p>", category)
    assert not FINAL_WORDS.search(_text(category))
    client.get(f"/editions/{LIVE}/share.png")
    assert "Standings at the close of voting" in drawn
    Edition.objects.filter(slug=LIVE).update(results_visibility=ResultsVisibility.PUBLISHED)
    pending = client.get(f"/editions/{LIVE}/results/").content.decode()
    assert "Voting has closed; results will be announced on" in pending and f"10 January {year}" in pending


def test_published_results_name_the_winners_and_the_announcement_date(client: Client, demo, drawn) -> None:
    body = client.get("/editions/moon-awards-2024/results/").content.decode()
    assert "Moon Awards 2024: the winners" in body
    assert "Announced 10 January 2025 · 1,000 ballots counted." in re.sub(r"<[^>]+>", "", body)
    assert "BlackRock secured the top position with 49.7% of the total votes." in body
    client.get("/editions/moon-awards-2024/share.png")
    assert "The winners" in drawn
    assert "Podium · 1,000 ballots counted · announced 10 January 2025" in drawn


def test_a_one_round_runoff_shows_no_comparison_table(client: Client, demo) -> None:
    from voting.models import CategoryResult, ResultsState

    release = ResultsState.objects.get(edition__slug="moon-awards-2024").current_release
    result = CategoryResult.objects.get(release=release, category__slug="crypto-exchange-of-the-year")
    body = client.get("/editions/moon-awards-2024/results/crypto-exchange-of-the-year/").content.decode()
    assert "For comparison: first preferences only" in body  # several rounds: the comparison tells something
    result.detail = {**result.detail, "rounds": result.detail["rounds"][-1:]}
    result.save(update_fields=["detail"])
    from django.core.cache import cache

    cache.clear()
    one_round = client.get("/editions/moon-awards-2024/results/crypto-exchange-of-the-year/").content.decode()
    assert "For comparison: first preferences only" not in one_round
