"""Embeds may be framed by anyone; nothing else may be framed. Share images follow the visibility rule."""

import io

import pytest
from django.test import Client
from PIL import Image

from awards.models import ResultsVisibility
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

EMBED = "/embed/editions/moon-awards-2024/top-bitcoin-etfs-2024/"


def _frame_ancestors(response) -> str:
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if " " in part.strip()
    )
    return directives["frame-ancestors"]


def test_embed_card_may_be_framed_anywhere(client: Client, demo) -> None:
    response = client.get(EMBED)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert _frame_ancestors(response) == "*"
    assert "script-src 'self'" in response["Content-Security-Policy"]  # the rest of the policy stays
    page = response.content.decode()
    assert "BlackRock" in page and "49.7%" in page and "Valkyrie" not in page  # top five only
    assert 'href="http://testserver/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/"' in page
    assert "/static/voting/embed.css" in page and "<script" not in page and "style=" not in page


def test_cached_embed_keeps_its_framing_headers_and_costs_no_query(client: Client, demo) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(EMBED)
    with CaptureQueriesContext(connection) as captured:
        again = client.get(EMBED)
    assert len(captured) == 0
    assert again.content == first.content
    assert "X-Frame-Options" not in again and _frame_ancestors(again) == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/editions/moon-awards-2024/",
        "/editions/moon-awards-2024/results/",
        "/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/",
        "/accounts/login/",
        "/api/v1/docs",
        "/api/v1/editions",
    ],
)
def test_every_other_page_refuses_framing(client: Client, demo, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert _frame_ancestors(response) == "'none'"


@pytest.fixture
def hidden() -> None:
    edition = EditionFactory(slug="hidden", results_visibility=ResultsVisibility.AFTER_CLOSE)
    category = CategoryFactory(edition=edition, slug="funds", title="Best fund")
    nominee = NomineeFactory(category=category, name="Secret Leader")
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    recompute_edition(edition.pk)


def test_hidden_results_are_not_embedded_or_drawn(client: Client, hidden) -> None:
    assert client.get("/embed/editions/hidden/funds/").status_code == 404
    assert client.get("/editions/hidden/results/funds/share.png").status_code == 404
    edition_image = client.get("/editions/hidden/share.png")
    assert edition_image.status_code == 200  # the edition's card, without any result
    client.force_login(StaffFactory())
    assert client.get("/embed/editions/hidden/funds/").status_code == 200


def test_draft_edition_has_no_embed_or_image(client: Client) -> None:
    category = CategoryFactory(edition=EditionFactory(slug="draft", is_public=False), slug="funds")
    NomineeFactory(category=category)
    for path in (
        "/embed/editions/draft/funds/",
        "/editions/draft/share.png",
        "/editions/draft/results/funds/share.png",
    ):
        assert client.get(path).status_code == 404


def test_share_images_are_pngs_of_the_right_size(client: Client, demo) -> None:
    for path in (
        "/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/share.png",
        "/editions/moon-awards-2024/share.png",
    ):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
        assert client.get(path).content == response.content  # cached until the next snapshot


def test_hostile_names_are_drawn_not_interpreted(client: Client) -> None:
    edition = EditionFactory(slug="odd")
    category = CategoryFactory(edition=edition, slug="c", title="<script>alert(1)</script>" + "x" * 120)
    nominee = NomineeFactory(category=category, name="Robert'); DROP TABLE--\x07\u202e\n" + "名" * 50)
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    response = client.get("/editions/odd/results/c/share.png")
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
    embed = client.get("/embed/editions/odd/c/").content.decode()
    assert "<script>alert" not in embed and "&lt;script&gt;alert(1)&lt;/script&gt;" in embed


def _meta(page: str, attribute: str, name: str) -> str:
    import re

    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    assert match, name
    return match.group(1)


def test_results_page_has_open_graph_and_twitter_tags(client: Client, demo) -> None:
    page = client.get("/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/").content.decode()
    assert _meta(page, "property", "og:title") == "Top Bitcoin ETFs in 2024 · Moon Awards 2024: the winners"
    assert _meta(page, "property", "og:description").startswith(
        "BlackRock secured the top position with 49.7% of the total votes."
    )
    image = "http://testserver/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/share.png"
    assert _meta(page, "property", "og:image") == image == _meta(page, "name", "twitter:image")
    assert _meta(page, "name", "twitter:card") == "summary_large_image"
    assert (
        _meta(page, "property", "og:url")
        == "http://testserver/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/"
    )
    overview = client.get("/editions/moon-awards-2024/results/").content.decode()
    assert _meta(overview, "property", "og:image") == "http://testserver/editions/moon-awards-2024/share.png"
    assert _meta(overview, "property", "og:description").startswith("Winners: Top Bitcoin ETFs in 2024: BlackRock;")
    edition = client.get("/editions/moon-awards-2025/").content.decode()
    assert _meta(edition, "property", "og:title") == "Moon Awards 2025"
    assert _meta(edition, "name", "twitter:image") == "http://testserver/editions/moon-awards-2025/share.png"
    assert page.count('<meta name="description"') == 1


def test_meta_tags_escape_hostile_text(client: Client) -> None:
    EditionFactory(slug="odd", name='Odd "Awards" <b>', description='Say "hi" <script>')
    page = client.get("/editions/odd/").content.decode()
    assert _meta(page, "property", "og:title") == "Odd &quot;Awards&quot; &lt;b&gt;"
    assert "<script>" not in page.split("</head>")[0]


def test_sitemap_lists_public_pages_only(client: Client, demo, hidden) -> None:
    EditionFactory(slug="draft", is_public=False, results_visibility=ResultsVisibility.LIVE)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    body = response.content.decode()
    for expected in (
        "http://testserver/editions/moon-awards-2024/",
        "http://testserver/editions/moon-awards-2024/results/",
        "http://testserver/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/",
        "http://testserver/editions/moon-awards-2025/results/",  # live results
        "http://testserver/editions/moon-awards-2024/categories/top-bitcoin-etfs-2024/",
        "http://testserver/editions/hidden/",
        "http://testserver/editions/moon-awards-2024/winners/",
    ):
        assert f"<loc>{expected}</loc>" in body
    assert "/editions/moon-awards-2025/winners/" not in body  # live results are not winners yet
    assert "/editions/draft/" not in body
    assert "/editions/hidden/results/" not in body
