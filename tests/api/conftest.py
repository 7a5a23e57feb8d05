from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import create_api_token
from tests.voting.conftest import edition  # noqa: F401 - the open edition fixture, shared


@pytest.fixture
def bearer() -> Callable[[User], dict[str, Any]]:
    """Client headers carrying a fresh personal API token of the given member."""

    def headers(user: User) -> dict[str, Any]:
        _, key = create_api_token(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return headers


@pytest.fixture
def api(client: Client) -> Client:
    return client


def error(response: Any) -> dict[str, Any]:
    """The error object of an API answer, after checking the shape every 4xx shares."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]
