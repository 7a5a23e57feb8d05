"""In a real browser, on the open demo edition: no page, embed or card tag calls anyone a winner yet."""

import re

import pytest
from django.core.management import call_command

from awards.models import Edition

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OPEN = "moon-awards-2025"
FINAL_WORDS = re.compile(r"\b(winners?|won|secured)\b", re.IGNORECASE)
CARD_TAGS = """() => [...document.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')]
  .map((tag) => tag.getAttribute('content') || '')"""


@pytest.fixture
def demo() -> None:
    call_command("load_demo", verbosity=0)


def _open_edition_pages() -> list[str]:
    edition = Edition.objects.get(slug=OPEN)
    slugs = list(edition.categories.values_list("slug", flat=True))
    return [
        f"/editions/{OPEN}/",
        f"/editions/{OPEN}/results/",
        *(f"/editions/{OPEN}/results/{slug}/" for slug in slugs),
        *(f"/editions/{OPEN}/categories/{slug}/" for slug in slugs),
        *(f"/embed/editions/{OPEN}/{slug}/" for slug in slugs),
    ]


def test_nothing_on_the_open_edition_says_winner_won_or_secured(page, live_server, demo) -> None:
    pages = _open_edition_pages()
    assert len(pages) > 5
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        text = page.inner_text("body")
        assert not FINAL_WORDS.search(text), (path, FINAL_WORDS.findall(text))
        tags = page.evaluate(CARD_TAGS)
        assert not any(FINAL_WORDS.search(content) for content in tags), (path, tags)
    overview = page.goto(f"{live_server.url}/editions/{OPEN}/results/")
    assert overview is not None
    assert "current standings" in page.inner_text("body").lower()
