from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_home_lists_current_and_past_editions(client: Client) -> None:
    now = timezone.now()
    EditionFactory(name="Open Awards")
    EditionFactory(
        name="Old Awards", voting_opens_at=now - timedelta(days=30), voting_closes_at=now - timedelta(days=20)
    )
    response = client.get(reverse("awards:home"))
    assert response.status_code == 200
    assert [s.edition.name for s in response.context["current_editions"]] == ["Open Awards"]
    assert [s.edition.name for s in response.context["past_editions"]] == ["Old Awards"]
    assert b"Open Awards" in response.content and b"Old Awards" in response.content


def test_draft_edition_is_hidden_from_visitors_and_members_but_shown_to_staff(client: Client) -> None:
    draft = EditionFactory(name="Secret Awards", slug="secret", is_public=False)
    url = reverse("awards:edition", kwargs={"edition_slug": draft.slug})
    assert client.get(url).status_code == 404
    assert b"Secret Awards" not in client.get(reverse("awards:home")).content
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(StaffFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["edition"] == draft


def test_edition_page_shows_phase_time_left_and_categories(client: Client) -> None:
    edition = EditionFactory(name="Open Awards")
    CategoryFactory(edition=edition, title="Best Fund", order=2)
    CategoryFactory(edition=edition, title="Best Chain", order=1)
    response = client.get(edition.get_absolute_url())
    assert response.status_code == 200
    assert response.context["phase"] == "voting"
    assert response.context["phase_ends_at"] == edition.voting_closes_at
    assert [c.title for c in response.context["categories"]] == ["Best Chain", "Best Fund"]


def test_category_page_lists_active_nominees_in_order(client: Client) -> None:
    category = CategoryFactory(title="Best Fund")
    NomineeFactory(category=category, name="Second", order=2)
    NomineeFactory(category=category, name="First", order=1, ticker="FST")
    NomineeFactory(category=category, name="Withdrawn", order=0, active=False)
    response = client.get(category.get_absolute_url())
    assert response.status_code == 200
    assert [n.name for n in response.context["nominees"]] == ["First", "Second"]
    assert b"Withdrawn" not in response.content


def test_unknown_category_or_category_of_another_edition_is_404(client: Client) -> None:
    category = CategoryFactory()
    other = EditionFactory()
    assert client.get(reverse("awards:category", args=[other.slug, category.slug])).status_code == 404
    assert client.get(reverse("awards:category", args=[category.edition.slug, "nope"])).status_code == 404


def test_markup_in_names_is_escaped(client: Client) -> None:
    category = CategoryFactory(title="<script>alert(1)</script>", intro="<img src=x onerror=alert(2)>")
    NomineeFactory(category=category, name="<b>bold</b>")
    body = client.get(category.get_absolute_url()).content
    assert b"<script>alert(1)</script>" not in body and b"&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert b"<img src=x" not in body
    assert b"<b>bold</b>" not in body


def test_home_query_count_does_not_grow_with_editions(client: Client, django_capture_on_commit_callbacks) -> None:
    EditionFactory()
    one = _queries(client, reverse("awards:home"))
    with django_capture_on_commit_callbacks(execute=True):  # committed: the visitor copy is left behind
        EditionFactory.create_batch(2)
    assert _queries(client, reverse("awards:home")) == one


def test_edition_and_category_query_counts_do_not_grow(client: Client, django_capture_on_commit_callbacks) -> None:
    edition = EditionFactory()
    category = CategoryFactory(edition=edition)
    NomineeFactory(category=category)
    edition_queries, category_queries = (
        _queries(client, edition.get_absolute_url()),
        _queries(client, category.get_absolute_url()),
    )
    with django_capture_on_commit_callbacks(execute=True):  # committed: the visitor copies are left behind
        CategoryFactory.create_batch(2, edition=edition)
        NomineeFactory.create_batch(2, category=category)
    assert _queries(client, edition.get_absolute_url()) == edition_queries
    assert _queries(client, category.get_absolute_url()) == category_queries


def test_pages_send_security_headers(client: Client) -> None:
    response = client.get(reverse("awards:home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
