import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from awards.models import Edition
from tests.api.conftest import error
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_list_is_paginated_newest_first_with_phase(api: Client, demo) -> None:
    response = api.get("/api/v1/editions?limit=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [e["slug"] for e in body["items"]] == ["moon-awards-2025"]
    assert body["items"][0]["phase"] == "voting"
    second = api.get("/api/v1/editions?limit=1&offset=1").json()
    assert [(e["slug"], e["phase"], e["results_public"]) for e in second["items"]] == [
        ("moon-awards-2024", "published", True)
    ]


def test_drafts_are_listed_and_shown_to_staff_only(api: Client, bearer) -> None:
    EditionFactory(slug="public-one")
    EditionFactory(slug="draft-one", is_public=False)
    anonymous = api.get("/api/v1/editions").json()
    assert [e["slug"] for e in anonymous["items"]] == ["public-one"] and anonymous["count"] == 1
    member = api.get("/api/v1/editions", **bearer(UserFactory())).json()
    assert member["count"] == 1
    staff = api.get("/api/v1/editions", **bearer(StaffFactory())).json()
    assert {e["slug"] for e in staff["items"]} == {"public-one", "draft-one"}
    for path in ("/api/v1/editions/draft-one", "/api/v1/editions/draft-one/categories"):
        hidden = api.get(path)
        assert hidden.status_code == 404
        assert error(hidden)["code"] == "not_found"
    assert api.get("/api/v1/editions/draft-one", **bearer(StaffFactory())).status_code == 200
    api.force_login(StaffFactory())
    assert api.get("/api/v1/editions/draft-one").status_code == 200


def test_detail_has_windows_and_categories(api: Client, demo) -> None:
    body = api.get("/api/v1/editions/moon-awards-2024").json()
    assert body["voting_opens_at"] == "2024-12-01T00:00:00Z"
    assert body["voting_closes_at"] == "2024-12-31T23:59:59Z"
    assert body["results_visibility"] == "published"
    assert body["url"] == "http://testserver/editions/moon-awards-2024/"
    assert body["categories"][0] == {
        "slug": "top-bitcoin-etfs-2024",
        "title": "Top Bitcoin ETFs in 2024",
        "intro": body["categories"][0]["intro"],
        "method": "plurality",
        "max_choices": None,
        "order": 1,
        "nominee_count": 10,
    }
    assert body["category_count"] == len(body["categories"]) == 7


def test_category_lists_active_nominees_only(api: Client) -> None:
    category = CategoryFactory(slug="funds")
    NomineeFactory(category=category, name="Active", order=1)
    NomineeFactory(category=category, name="Withdrawn", order=2, active=False)
    path = f"/api/v1/editions/{category.edition.slug}/categories/funds"
    body = api.get(path).json()
    assert [n["name"] for n in body["nominees"]] == ["Active"]
    assert "votes" not in str(body) and "count" not in body
    missing = api.get(f"/api/v1/editions/{category.edition.slug}/categories/nope")
    assert missing.status_code == 404 and error(missing)["message"] == "No such category."


def _queries(api: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_items(api: Client) -> None:
    edition = EditionFactory()
    for _ in range(1):
        NomineeFactory(category=CategoryFactory(edition=edition))
    one_list, one_categories = (
        _queries(api, "/api/v1/editions"),
        _queries(api, f"/api/v1/editions/{edition.slug}/categories"),
    )
    for _ in range(2):
        EditionFactory()
        NomineeFactory(category=CategoryFactory(edition=edition))
    assert _queries(api, "/api/v1/editions") == one_list
    assert _queries(api, f"/api/v1/editions/{edition.slug}/categories") == one_categories
    assert Edition.objects.count() == 3
