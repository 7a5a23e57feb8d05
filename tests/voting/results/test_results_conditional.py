"""Visitors' results pages and downloads: cached with an ETag, 304 on a matching conditional GET."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/editions/moon-awards-2024/results/"
JSON = "/editions/moon-awards-2024/results.json"
CSV = "/editions/moon-awards-2024/results.csv"


@pytest.mark.parametrize("url", [PAGE, JSON, CSV])
def test_second_visit_is_served_from_the_cache_without_a_query(client: Client, demo, url: str) -> None:
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(url)
    assert len(queries) == 0
    assert (hit.status_code, hit.content, hit["Content-Type"]) == (200, first.content, first["Content-Type"])
    assert hit["ETag"] == first["ETag"]
    assert hit.get("Content-Disposition") == first.get("Content-Disposition")


def test_json_download_keeps_its_document(client: Client, demo) -> None:
    client.get(JSON)
    document = json.loads(client.get(JSON).content)
    assert document["edition"]["slug"] == "moon-awards-2024"
    assert document["ballots_counted"] == 1000


@pytest.mark.parametrize("url", [PAGE, JSON])
def test_matching_conditional_get_is_a_304_without_a_query(client: Client, demo, url: str) -> None:
    etag = client.get(url)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert len(queries) == 0
    assert (response.status_code, response.content, response["ETag"]) == (304, b"", etag)
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_members_are_not_served_the_visitors_copy(client: Client, demo) -> None:
    client.get(JSON)
    client.force_login(UserFactory())
    response = client.get(JSON)
    assert response.status_code == 200
    assert "ETag" not in response


def test_while_a_new_release_renders_visitors_get_the_previous_copy(client: Client, demo) -> None:
    from django.core.cache import cache

    from voting.results.cache import cached_page_key, forget_release

    before = client.get(PAGE).content
    forget_release("moon-awards-2024")  # a new release moves the generation
    cache.add(f"{cached_page_key('moon-awards-2024', 'overview')}:rendering", 1, timeout=10)  # another worker
    with CaptureQueriesContext(connection) as queries:
        meanwhile = client.get(PAGE)
    assert len(queries) == 0
    assert meanwhile.content == before
    cache.delete(f"{cached_page_key('moon-awards-2024', 'overview')}:rendering")
    with CaptureQueriesContext(connection) as queries:
        rendered = client.get(PAGE)
    assert len(queries) > 0
    assert rendered.status_code == 200
    assert cache.get(f"{cached_page_key('moon-awards-2024', 'overview')}:rendering") is None
