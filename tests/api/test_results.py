import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awards.models import ResultsVisibility
from tests.api.conftest import error
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

ETF = "/api/v1/editions/moon-awards-2024/results/top-bitcoin-etfs-2024"
REFERENCE = [
    ("BlackRock", 497, "49.7"),
    ("Grayscale", 306, "30.6"),
    ("Fidelity", 70, "7.0"),
    ("ARK 21Shares", 37, "3.7"),
    ("Bitwise", 36, "3.6"),
    ("VanEck", 32, "3.2"),
    ("Valkyrie", 9, "0.9"),
    ("Franklin Templeton", 5, "0.5"),
    ("Invesco Galaxy", 4, "0.4"),
    ("WisdomTree", 4, "0.4"),
]


def test_category_results_reproduce_the_reference_table(api: Client, demo) -> None:
    body = api.get(ETF).json()
    assert [(s["nominee"], s["count"], s["share"]) for s in body["standings"]] == REFERENCE
    assert body["standings"][0]["sentence"] == "BlackRock secured the top position with 49.7% of the total votes."
    assert (body["method"], body["ballots"], body["is_preview"]) == ("plurality", 1000, False)
    assert body["computed_at"]


def test_edition_results_carry_method_detail(api: Client, demo) -> None:
    body = api.get("/api/v1/editions/moon-awards-2024/results").json()
    assert body["ballots_counted"] == 1000
    by_slug = {c["slug"]: c for c in body["categories"]}
    assert by_slug["crypto-exchange-of-the-year"]["method"] == "irv"
    assert len(by_slug["crypto-exchange-of-the-year"]["detail"]["rounds"]) >= 2
    assert by_slug["crypto-exchange-of-the-year"]["first_preferences"]
    assert "pairwise" in by_slug["best-layer-1-blockchain"]["detail"]


@pytest.fixture
def hidden():
    """An open edition whose results show only after voting closes, with one ballot counted."""
    edition = EditionFactory(slug="hidden", results_visibility=ResultsVisibility.AFTER_CLOSE)
    category = CategoryFactory(edition=edition, slug="funds")
    nominee = NomineeFactory(category=category)
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    return edition


HIDDEN_PATHS = [
    "/api/v1/editions/hidden/results",
    "/api/v1/editions/hidden/results/funds",
    "/api/v1/editions/hidden/export/results.csv",
    "/api/v1/editions/hidden/export/results.json",
    "/api/v1/editions/hidden/categories/funds/export/results.csv",
    "/api/v1/editions/hidden/categories/funds/export/results.json",
]


@pytest.mark.parametrize("path", HIDDEN_PATHS)
def test_hidden_results_are_404_for_visitors_and_members(api: Client, bearer, hidden, path: str) -> None:
    for headers in ({}, bearer(UserFactory())):
        response = api.get(path, **headers)
        assert response.status_code == 404
        assert error(response) == {"code": "not_found", "message": "No such results.", "fields": {}}
        assert "ETag" not in response and b"ballots" not in response.content


@pytest.mark.parametrize("path", HIDDEN_PATHS)
def test_staff_preview_hidden_results(api: Client, bearer, hidden, path: str) -> None:
    response = api.get(path, **bearer(StaffFactory()))
    assert response.status_code == 200
    if path.endswith("/results") or path.endswith("/funds"):
        assert response.json()["is_preview"] is True
        assert response["Cache-Control"] == "private, no-cache"


def test_results_of_draft_edition_are_404_even_when_live(api: Client) -> None:
    EditionFactory(slug="draft", is_public=False, results_visibility=ResultsVisibility.LIVE)
    response = api.get("/api/v1/editions/draft/results")
    assert response.status_code == 404 and error(response)["message"] == "No such edition"


def test_exports_per_edition_and_category(api: Client, demo) -> None:
    edition_csv = api.get("/api/v1/editions/moon-awards-2024/export/results.csv")
    assert edition_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert edition_csv["Content-Disposition"] == 'attachment; filename="moon-awards-2024-results.csv"'
    rows = list(csv.reader(io.StringIO(edition_csv.content.decode())))
    assert rows[0] == ["category", "method", "position", "tied", "nominee", "count", "share", "share_of", "ballots"]
    assert rows[1] == ["top-bitcoin-etfs-2024", "plurality", "1", "no", "BlackRock", "497", "49.7", "1000", "1000"]
    assert len({r[0] for r in rows[1:]}) == 7
    one = api.get("/api/v1/editions/moon-awards-2024/categories/top-bitcoin-etfs-2024/export/results.csv")
    one_rows = list(csv.reader(io.StringIO(one.content.decode())))[1:]
    assert [(r[4], int(r[5]), r[6]) for r in one_rows] == REFERENCE
    document = api.get("/api/v1/editions/moon-awards-2024/categories/top-bitcoin-etfs-2024/export/results.json")
    assert (
        document["Content-Disposition"] == 'attachment; filename="moon-awards-2024-top-bitcoin-etfs-2024-results.json"'
    )
    [category] = document.json()["categories"]
    assert [(s["name"], s["count"], s["share"]) for s in category["standings"]] == REFERENCE
    assert len(api.get("/api/v1/editions/moon-awards-2024/export/results.json").json()["categories"]) == 7


def test_etag_and_last_modified_answer_304_without_reading_standings(api: Client, demo) -> None:
    first = api.get(ETF)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"r') and first["Cache-Control"] == "public, no-cache"
    with CaptureQueriesContext(connection) as captured:
        again = api.get(ETF, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Last-Modified"] == modified
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "voting_ballot" not in sql and "voting_vote" not in sql and "voting_categoryresult" not in sql
    assert len(captured) == 3  # the edition, the category's existence, the current release's id and fingerprint
    assert api.get(ETF, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert api.get(ETF, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_etag_changes_with_a_new_snapshot(api: Client) -> None:
    edition = EditionFactory(slug="live")
    category = CategoryFactory(edition=edition, slug="funds")
    a, b = NomineeFactory(category=category), NomineeFactory(category=category)
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [a.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    before = api.get("/api/v1/editions/live/results")["ETag"]
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [b.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    response = api.get("/api/v1/editions/live/results", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200 and response["ETag"] != before
    assert [s["count"] for s in response.json()["categories"][0]["standings"]] == [1, 1]


def test_results_of_a_future_edition_are_hidden(api: Client) -> None:
    soon = timezone.now() + timedelta(days=3)
    EditionFactory(slug="future", voting_opens_at=soon, voting_closes_at=soon + timedelta(days=1))
    assert api.get("/api/v1/editions/future/results").status_code == 404


def _results_queries(api: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_results_query_count_does_not_grow_with_categories(api: Client) -> None:
    edition = EditionFactory(slug="grow")

    def add_category() -> None:
        category = CategoryFactory(edition=edition)
        nominee = NomineeFactory(category=category)
        submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
        recompute_edition(edition.pk)

    add_category()
    one = _results_queries(api, "/api/v1/editions/grow/results")
    add_category()
    add_category()
    assert _results_queries(api, "/api/v1/editions/grow/results") == one


def test_unknown_category_is_404_even_with_a_matching_etag(api: Client, demo) -> None:
    etag = api.get(ETF)["ETag"]
    response = api.get("/api/v1/editions/moon-awards-2024/results/no-such-category", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 404 and error(response)["message"] == "No results for this category."
