"""No input reaches the database unvalidated: NUL bytes and oversized bodies get the API's error shape.

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), which surfaced as a 500;
SQLite stores it. Run on both: the answers must be the same.
"""

import json

import pytest
from django.test import Client

from tests.api.conftest import error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NUL_PATHS = [
    "/api/v1/editions/%00",
    "/api/v1/editions/open-awards%00",
    "/api/v1/editions/open-awards/categories/%00",
    "/api/v1/editions/open-awards/results/%00",
    "/api/v1/editions/%00/export/results.csv",
]


def _nul_paths_are_404_in_the_error_shape(api: Client) -> None:
    for path in NUL_PATHS:
        response = api.get(path)
        assert (path, response.status_code) == (path, 400)
        assert error(response) == {
            "code": "bad_request",
            "message": "The request contains a NUL character, which no Podium value can hold.",
            "fields": {},
        }


def test_nul_in_an_api_path_is_a_400_in_the_error_shape(api: Client, edition) -> None:
    _nul_paths_are_404_in_the_error_shape(api)


@pytest.mark.postgres
def test_nul_in_an_api_path_is_a_400_on_postgresql(api: Client, edition) -> None:
    _nul_paths_are_404_in_the_error_shape(api)


def _nul_in_json_fields_is_refused(api: Client, member_headers: dict) -> None:
    response = api.post("/api/v1/receipts/check", data={"code": "PDM-\u0000"}, content_type="application/json")
    assert response.status_code == 422
    assert error(response) == {
        "code": "invalid_request",
        "message": "The request is not valid.",
        "fields": {"code": ["Null characters are not allowed."]},
    }
    ballot = api.put(
        "/api/v1/editions/open-awards/ballot",
        data=json.dumps({"version": 0, "selections": {"fund\u0000": [1]}}),
        content_type="application/json",
        **member_headers,
    )
    assert 400 <= ballot.status_code < 500
    assert error(ballot)["code"]


def test_nul_in_json_fields_is_refused(api: Client, edition, bearer) -> None:
    _nul_in_json_fields_is_refused(api, bearer(UserFactory()))


@pytest.mark.postgres
def test_nul_in_json_fields_is_refused_on_postgresql(api: Client, edition, bearer) -> None:
    _nul_in_json_fields_is_refused(api, bearer(UserFactory()))


def _nul_in_a_query_string_is_refused(api: Client) -> None:
    response = api.get("/api/v1/editions?limit=1%00")
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request"


def test_nul_in_a_query_string_is_refused(api: Client) -> None:
    _nul_in_a_query_string_is_refused(api)


@pytest.mark.postgres
def test_nul_in_a_query_string_is_refused_on_postgresql(api: Client) -> None:
    _nul_in_a_query_string_is_refused(api)


def _nul_on_pages(client: Client) -> None:
    page = client.get("/editions/open-awards%00/")
    assert page.status_code == 400
    assert b"NUL character" in page.content
    receipt = client.post("/receipts/", {"code": "PDM-\x00"})
    assert receipt.status_code == 200  # the page's answer to any invalid code
    assert receipt.context["form"].errors["code"] == ["Null characters are not allowed."]


def test_nul_on_pages_is_a_400_page_and_a_form_error(client: Client, edition) -> None:
    _nul_on_pages(client)


@pytest.mark.postgres
def test_nul_on_pages_is_a_400_page_and_a_form_error_on_postgresql(client: Client, edition) -> None:
    _nul_on_pages(client)


def test_an_api_body_over_the_size_limit_answers_in_the_error_shape(api: Client, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(
        "/api/v1/receipts/check", data=json.dumps({"code": "x" * 2000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert error(response) == {
        "code": "too_large",
        "message": "The request body is larger than 1000 bytes.",
        "fields": {},
    }
