"""NUL in a path, query string or cookie is refused before any view, read from the raw request."""

import pytest
from django.test import Client

from config.input_guard import NUL_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["q=%00", "%00=1", "a=1&b=x%00y", "a=%00%00"],
)
def test_an_escaped_nul_anywhere_in_the_query_string_is_a_400(client: Client, query: str) -> None:
    response = client.get("/", QUERY_STRING=query)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_raw_nul_in_the_query_string_is_a_400(client: Client) -> None:
    assert client.get("/", QUERY_STRING="q=a\x00b").status_code == 400


@pytest.mark.parametrize("cookie", ["theme=a\x00b", 'theme="a\\000b"', 'theme="\\000"; other=1'])
def test_nul_in_a_cookie_raw_or_escaped_is_a_400(client: Client, cookie: str) -> None:
    response = client.get("/", HTTP_COOKIE=cookie)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    ("query", "cookie"),
    [("q=%2500", ""), ("q=100%25", 'theme="a\\"b"'), ("q=%C0%80", 'theme="\\101"')],
)
def test_what_only_looks_like_nul_passes(client: Client, query: str, cookie: str) -> None:
    """`%2500` is the text "%00", an escaped backslash or letter in a quoted cookie is no NUL."""
    assert client.get("/", QUERY_STRING=query, HTTP_COOKIE=cookie).status_code == 200


def test_api_paths_answer_in_the_api_error_shape(client: Client) -> None:
    response = client.get("/api/v1/editions", QUERY_STRING="limit=1", HTTP_COOKIE='x="\\000"')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
