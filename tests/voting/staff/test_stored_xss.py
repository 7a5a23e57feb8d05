"""Markup typed by staff or members is shown as text everywhere, never run."""

import json

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from awards.models import Category, Edition, Nominee
from tests.factories import StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert('pwn')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def hostile(edition) -> Edition:
    Edition.objects.filter(pk=edition.pk).update(description=PAYLOAD)
    Category.objects.filter(edition=edition).update(intro=PAYLOAD)
    Category.objects.filter(pk=edition.categories.get(slug="fund").pk).update(title=f"Fund {PAYLOAD}")
    Nominee.objects.filter(category__edition=edition, name="fund-0").update(name=f"N {PAYLOAD}", description=PAYLOAD)
    edition.refresh_from_db()
    fund = edition.categories.get(slug="fund")
    submit_ballot(
        voter=UserFactory(), edition=edition, selections={fund.pk: [fund.nominees.get(order=0).pk]}, expected_version=0
    )
    recompute_edition(edition.pk)
    return edition


ESCAPED = "&lt;script&gt;alert(&#x27;pwn&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _assert_escaped(body: str) -> None:
    assert "<script>alert('pwn')</script>" not in body
    assert "<img src=x onerror" not in body


def _assert_shown_as_text(response: HttpResponse, url: str) -> None:
    """The page rendered (not a redirect or an error) and shows the markup as escaped text."""
    assert response.status_code == 200, url
    body = response.content.decode()
    _assert_escaped(body)
    assert ESCAPED in body, url


def test_public_pages_escape_markup(client: Client, hostile: Edition) -> None:
    fund = hostile.categories.get(slug="fund")
    urls = [
        "/",
        hostile.get_absolute_url(),
        fund.get_absolute_url(),
        reverse("voting:results", args=[hostile.slug]),
        reverse("voting:category_results", args=[hostile.slug, fund.slug]),
    ]
    for url in urls:
        _assert_shown_as_text(client.get(url), url)


def test_ballot_review_and_receipt_pages_escape_markup(client: Client, hostile: Edition) -> None:
    voter = UserFactory()
    client.force_login(voter)
    url = reverse("voting:ballot", args=[hostile.slug])
    _assert_escaped(client.get(url).content.decode())
    fund = hostile.categories.get(slug="fund")
    data = {"version": "0", f"category-{fund.pk}": str(fund.nominees.get(order=0).pk)}
    _assert_escaped(client.post(url, data).content.decode())  # the review
    client.post(reverse("voting:ballot_submit", args=[hostile.slug]), data)
    _assert_escaped(client.get(reverse("voting:ballot_done", args=[hostile.slug])).content.decode())
    code = voter.ballots.get().receipts.get().code
    _assert_escaped(client.post(reverse("voting:receipt_check"), {"code": code}).content.decode())


def test_admin_pages_escape_markup(client: Client, hostile: Edition) -> None:
    client.force_login(StaffFactory())
    for url in (
        reverse("admin:awards_nominee_changelist"),
        reverse("admin:awards_category_changelist"),
        reverse("admin:awards_edition_change", args=[hostile.pk]),
    ):
        _assert_shown_as_text(client.get(url), url)


def test_json_export_keeps_the_text_as_data(client: Client, hostile: Edition) -> None:
    document = json.loads(client.get(reverse("voting:results_json", args=[hostile.slug])).content)
    names = [row["name"] for c in document["categories"] for row in c["standings"]]
    assert f"N {PAYLOAD}" in names


def test_embed_card_and_share_image_handle_markup(client: Client, hostile: Edition) -> None:
    fund = hostile.categories.get(slug="fund")
    embed = client.get(reverse("voting:embed_category", args=[hostile.slug, fund.slug]))
    assert embed.status_code == 200
    _assert_escaped(embed.content.decode())
    image = client.get(reverse("voting:category_share_image", args=[hostile.slug, fund.slug]))
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content if image.streaming else [image.content])[:8] == b"\x89PNG\r\n\x1a\n"
