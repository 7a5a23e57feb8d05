"""In a real browser: a published edition leads with its winners, and results tables fit a phone."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PUBLISHED = "/editions/moon-awards-2024"

# Tables whose columns run past the screen, and whether each such table has a visible cue
# before it and keeps its first column in place while it scrolls.
HIDDEN_COLUMNS = """() => [...document.querySelectorAll('main .table-wrap')]
  .filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1)
  .map((wrap) => {
    const cue = wrap.previousElementSibling;
    const first = wrap.querySelector('tbody tr > :first-child');
    return {
      label: wrap.getAttribute('aria-labelledby') || wrap.getAttribute('aria-label'),
      cue: !!cue && cue.classList.contains('scroll-cue') && cue.offsetParent !== null
        && cue.getBoundingClientRect().width > 0,
      sticky: !!first && getComputedStyle(first).position === 'sticky',
    };
  })"""


@pytest.fixture
def demo() -> None:
    call_command("load_demo", verbosity=0)


def test_published_category_page_leads_with_the_winner(page, live_server, demo) -> None:
    page.goto(f"{live_server.url}{PUBLISHED}/results/top-bitcoin-etfs-2024/")
    lead = page.locator(".winner-lead")
    assert "BlackRock won Top Bitcoin ETFs in 2024" in lead.inner_text()
    assert "49.7%" in lead.inner_text()
    standings = page.locator(".results-main table")
    assert lead.bounding_box()["y"] < standings.bounding_box()["y"]
    assert page.locator(".winner-lead .mark").first.is_visible()


def test_published_edition_page_and_overview_open_with_the_winners(page, live_server, demo) -> None:
    page.goto(f"{live_server.url}{PUBLISHED}/")
    winners = page.locator(".edition-winners")
    assert winners.bounding_box()["y"] < page.get_by_role("heading", name="Categories").bounding_box()["y"]
    assert winners.locator(".winner").count() == 7
    page.goto(f"{live_server.url}{PUBLISHED}/results/")
    first = page.locator(".winners .winner").first.inner_text()
    assert "WINNER" in first.upper() and "BlackRock won Top Bitcoin ETFs in 2024" in first


def test_the_winners_page_reads_like_the_article(page, live_server, demo) -> None:
    page.goto(f"{live_server.url}{PUBLISHED}/results/")
    page.get_by_role("link", name="Read about all the winners").click()
    page.wait_for_url(f"**{PUBLISHED}/winners/")
    assert page.get_by_role("heading", level=1).inner_text() == "Moon Awards 2024: the winners"
    assert "A thousand members of the crypto-research community" in page.locator(".article__intro").inner_text()
    sections = page.locator(".article__section")
    assert sections.count() == 7
    etf = sections.first
    assert [step.inner_text().split("\n")[1] for step in etf.locator(".podium__step").all()] == [
        "BlackRock",
        "Grayscale",
        "Fidelity",
    ]
    assert "BlackRock secured the top position with 49.7% of the total votes." in etf.inner_text()
    screenshot(page, "winners")


@pytest.mark.parametrize(
    "path",
    [
        f"{PUBLISHED}/results/crypto-exchange-of-the-year/",
        f"{PUBLISHED}/results/best-layer-1-blockchain/",
        f"{PUBLISHED}/results/top-bitcoin-etfs-2024/",
        f"{PUBLISHED}/winners/",
    ],
)
def test_phone_hides_no_column_without_a_cue(phone, live_server, demo, path: str) -> None:
    phone.goto(f"{live_server.url}{path}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    for table in phone.evaluate(HIDDEN_COLUMNS):
        assert table["cue"] and table["sticky"], table
    if "exchange" in path:  # six nominees do not fit: the rounds table scrolls, with its cue
        assert [t["label"] for t in phone.evaluate(HIDDEN_COLUMNS)] == ["rounds-heading"]
        screenshot(phone, "results-irv-phone")
