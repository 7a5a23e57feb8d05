import json

import pytest
from django.conf import settings
from django.test import Client

from tests.api.conftest import error
from tests.factories import UserFactory
from tests.voting.conftest import nominee_ids

pytestmark = pytest.mark.django_db


def _assert_429(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert error(response)["code"] == "rate_limited"


def test_per_address_limit(api: Client, settings) -> None:
    settings.PODIUM_API_RATE_LIMIT_ADDRESS = "3/m"
    for _ in range(3):
        assert api.get("/api/v1/editions").status_code == 200
    _assert_429(api.get("/api/v1/editions"))
    assert api.get("/api/v1/editions", REMOTE_ADDR="10.0.0.9").status_code == 200  # another address


def test_per_token_limit(api: Client, bearer, settings) -> None:
    settings.PODIUM_API_RATE_LIMIT_TOKEN = "2/m"
    first, second = bearer(UserFactory()), bearer(UserFactory())
    for _ in range(2):
        assert api.get("/api/v1/editions", **first).status_code == 200
    _assert_429(api.get("/api/v1/editions", **first))
    assert api.get("/api/v1/editions", **second).status_code == 200
    assert api.get("/api/v1/editions").status_code == 200  # anonymous, same address


def test_ballot_submissions_share_the_web_forms_limit(api: Client, bearer, edition, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "1/m/user"}
    auth = bearer(UserFactory())
    body = json.dumps({"version": 0, "selections": {"fund": nominee_ids(edition, "fund")[:1]}})
    path = "/api/v1/editions/open-awards/ballot"
    assert api.put(path, data=body, content_type="application/json", **auth).status_code == 200
    _assert_429(api.put(path, data=body, content_type="application/json", **auth))


def test_receipt_checks_are_limited_per_address(api: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "check_receipt": "2/m/ip"}
    for _ in range(2):
        assert (
            api.post("/api/v1/receipts/check", data='{"code": "PDM-X"}', content_type="application/json").status_code
            == 404
        )
    _assert_429(api.post("/api/v1/receipts/check", data='{"code": "PDM-X"}', content_type="application/json"))


def test_defaults_are_configured() -> None:
    assert settings.PODIUM_API_RATE_LIMIT_ADDRESS == "300/m"
    assert settings.PODIUM_API_RATE_LIMIT_TOKEN == "120/m"


def test_guessing_tokens_is_limited_per_address(api: Client, edition, settings) -> None:
    settings.PODIUM_API_RATE_LIMIT_ADDRESS = "3/m"
    for n in range(3):
        response = api.get("/api/v1/editions/open-awards/ballot", HTTP_AUTHORIZATION=f"Bearer pdm_guess{n}")
        assert response.status_code == 401
    _assert_429(api.get("/api/v1/editions/open-awards/ballot", HTTP_AUTHORIZATION="Bearer pdm_guess9"))
