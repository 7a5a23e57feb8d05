import pytest
from django.test import Client

from tests.api.conftest import error

pytestmark = pytest.mark.django_db


def test_wrong_method_is_405_in_the_error_shape(api: Client) -> None:
    response = api.delete("/api/v1/editions")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert error(response) == {"code": "method_not_allowed", "message": "DELETE is not allowed here.", "fields": {}}


def test_unknown_api_path_is_json_404(api: Client) -> None:
    response = api.get("/api/v1/no/such/thing")
    assert response.status_code == 404 and response["Content-Type"] == "application/json; charset=utf-8"
    assert error(response)["code"] == "not_found"


def test_invalid_query_names_the_field(api: Client) -> None:
    response = api.get("/api/v1/editions?limit=500&offset=-1")
    assert response.status_code == 422
    assert error(response)["fields"] == {
        "limit": ["Input should be less than or equal to 100"],
        "offset": ["Input should be greater than or equal to 0"],
    }


def test_malformed_json_body_is_a_4xx_in_the_shape(api: Client) -> None:
    response = api.post("/api/v1/receipts/check", data="{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert error(response)["code"]


def test_docs_page_uses_vendored_assets_only(api: Client) -> None:
    response = api.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "/static/ninja/swagger-ui-init.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    schema = api.get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1" and schema["openapi"].startswith("3.")


def test_other_sites_may_read_but_not_with_cookies(api: Client) -> None:
    response = api.get("/api/v1/editions", HTTP_ORIGIN="https://community.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert response["Access-Control-Expose-Headers"] == "ETag, Last-Modified, Retry-After"
    refused = api.post("/api/v1/receipts/check", data="{}", content_type="application/json")
    assert "Access-Control-Allow-Origin" not in refused
    preflight = api.options(
        "/api/v1/editions/open-awards/ballot",
        HTTP_ORIGIN="https://community.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
    )
    assert "PUT" not in preflight["Access-Control-Allow-Methods"]  # no writes from other sites' pages
    assert "Access-Control-Allow-Origin" not in api.get("/", HTTP_ORIGIN="https://community.example")  # pages


def test_docs_page_carries_the_csrf_token_for_session_calls(api: Client) -> None:
    page = api.get("/api/v1/docs").content.decode()
    assert 'data-api-csrf="true"' in page and 'data-csrf-token=""' not in page
