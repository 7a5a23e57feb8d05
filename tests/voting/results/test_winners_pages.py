"""A published edition reads like an awards announcement: winners first, then an article of podiums."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awards.models import Edition, Nominee
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PUBLISHED = "/editions/moon-awards-2024"
ETF = f"{PUBLISHED}/results/top-bitcoin-etfs-2024/"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_category_page_leads_with_the_winner_then_the_standings(client: Client, demo) -> None:
    page = client.get(ETF).content.decode()
    lead, rest = page.split('class="winner-lead"', 1)[1].split('class="split results-layout"', 1)
    assert "Winner" in _text(lead) and "BlackRock won Top Bitcoin ETFs in 2024" in _text(lead)
    assert "49.7% of the votes" in _text(lead)
    assert 'src="/media/nominees/thumbnails/blackrock-' in lead  # the demo's own logo
    assert "Grayscale" not in _text(lead) and "Grayscale" in rest


def test_a_nominee_without_an_image_gets_its_monogram(client: Client, demo) -> None:
    page = client.get(f"{PUBLISHED}/results/defi-protocol-of-the-year/").content.decode()
    lead = page.split('class="winner-lead"', 1)[1].split('class="split results-layout"', 1)[0]
    assert "mark--monogram" in lead and ">P</span>" in lead and "<img" not in lead  # Pendle, no logo


def test_overview_leads_with_every_winner_and_links_the_article(client: Client, demo) -> None:
    page = client.get(f"{PUBLISHED}/results/").content.decode()
    text = _text(page)
    assert "Read about all the winners" in text and f'href="{PUBLISHED}/winners/"' in page
    for headline in ("BlackRock won Top Bitcoin ETFs in 2024", "Solana won Best Layer-1 Blockchain"):
        assert headline in text
    assert "5 of 5 rivals beaten head to head" in text and "3,083 Borda points" in text


def test_winners_article_has_the_intro_each_category_podium_and_sentences(client: Client, demo) -> None:
    page = client.get(f"{PUBLISHED}/winners/").content.decode()
    text = _text(page)
    assert "Moon Awards 2024: the winners" in text and "announced 10 January 2025" in text
    assert "<p>A thousand members of the crypto-research community" in page  # paragraphs from blank lines
    etf = text.split("Top Bitcoin ETFs in 2024", 1)[1].split("Crypto Exchange of the Year", 1)[0]
    assert "The podium 1 BlackRock 49.7% of the votes 2 Grayscale 30.6% of the votes 3 Fidelity 7.0%" in etf
    assert "BlackRock secured the top position with 49.7% of the total votes." in etf
    assert page.count('class="article__section"') == 7


def test_the_intro_is_escaped_plain_text(client: Client, demo) -> None:
    Edition.objects.filter(slug="moon-awards-2024").update(winners_intro="<b>Bold</b> & **not markdown**\n\nTwo")
    page = client.get(f"{PUBLISHED}/winners/").content.decode()
    assert "<p>&lt;b&gt;Bold&lt;/b&gt; &amp; **not markdown**</p>\n\n<p>Two</p>" in page


def test_no_winners_page_until_published_even_for_staff(client: Client, demo) -> None:
    assert client.get("/editions/moon-awards-2025/winners/").status_code == 404
    Edition.objects.filter(slug="moon-awards-2024").update(published_at=timezone.now() + timedelta(days=1))
    client.force_login(StaffFactory())
    assert client.get(f"{PUBLISHED}/winners/").status_code == 404


def test_live_results_lead_with_the_leader_not_a_winner(client: Client, demo) -> None:
    page = client.get("/editions/moon-awards-2025/results/").content.decode()
    text = _text(page)
    assert "Leading so far" in text and " leads " in text
    assert "Read about all the winners" not in text


def test_results_pages_offer_share_links_and_an_embed_snippet_without_inline_script(client: Client, demo) -> None:
    page = client.get(ETF).content.decode()
    assert 'href="https://twitter.com/intent/tweet?text=Top%20Bitcoin%20ETFs%20in%202024' in page
    assert "mailto:?subject=Top%20Bitcoin%20ETFs%20in%202024" in page
    assert f'value="http://testserver{ETF}"' in page
    assert (
        '&lt;iframe src="http://testserver/embed/editions/moon-awards-2024/top-bitcoin-etfs-2024/" '
        'title="Top Bitcoin ETFs in 2024 · Moon Awards 2024 results" width="100%" height="420" loading="lazy"'
        "&gt;&lt;/iframe&gt;</textarea>"
    ) in page
    assert '<script src="/static/voting/js/copy.js" defer></script>' in page
    assert "<script>" not in page and "style=" not in page


def test_the_demo_ships_logos_for_a_few_nominees(demo) -> None:
    with_logo = Nominee.objects.exclude(thumbnail="").filter(category__edition__slug="moon-awards-2024")
    assert sorted(with_logo.values_list("name", flat=True)) == [
        "Binance",
        "BlackRock",
        "Ethereum",
        "Fidelity",
        "Grayscale",
        "OKX",
        "Solana",
    ]


def test_a_published_edition_page_opens_with_its_winners(client: Client, demo) -> None:
    text = _text(client.get(f"{PUBLISHED}/").content.decode())
    assert text.index("The winners") < text.index("Categories")
    assert "BlackRock won Top Bitcoin ETFs in 2024" in text and "Read about all the winners" in text
    open_page = _text(client.get("/editions/moon-awards-2025/").content.decode())
    assert "The winners" not in open_page and " won " not in open_page


def test_a_published_category_page_opens_with_its_winner_and_marks_every_nominee(client: Client, demo) -> None:
    page = client.get(f"{PUBLISHED}/categories/top-bitcoin-etfs-2024/").content.decode()
    lead = page.split('class="winner-lead category-winner"', 1)[1].split('class="split', 1)[0]
    assert "BlackRock won Top Bitcoin ETFs in 2024" in _text(lead) and "49.7% of the votes" in _text(lead)
    assert page.count('class="mark mark--sm') == 10  # a logo or a monogram for each nominee card
    open_page = client.get("/editions/moon-awards-2025/categories/top-ethereum-etfs-2025/").content.decode()
    assert "winner-lead" not in open_page


def test_winners_page_costs_what_the_overview_costs_whatever_the_categories(demo) -> None:
    staff = Client()
    staff.force_login(StaffFactory())  # staff bypass the cache, so every request renders
    with CaptureQueriesContext(connection) as overview:
        staff.get(f"{PUBLISHED}/results/")
    with CaptureQueriesContext(connection) as winners:
        staff.get(f"{PUBLISHED}/winners/")
    assert len(winners) == len(overview)  # the overview's count is guarded against growth
