"""/healthz answers without touching anything; /readyz names each dependency and fails with 503."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import Client, override_settings

from config import health

BAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def _checks(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


@pytest.mark.django_db
def test_healthz_is_alive_without_any_query(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["podium.example.org"], SECURE_SSL_REDIRECT=True)
def test_probes_ignore_host_and_https_rules(client: Client) -> None:
    """A load balancer probes a container by IP over plain HTTP."""
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz/", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_reports_each_check(client: Client) -> None:
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert all(isinstance(c["latency_ms"], float) for c in body["checks"].values())


@pytest.mark.django_db
@override_settings(CACHES=BAD_REDIS)
def test_readyz_fails_when_the_cache_is_unreachable(client: Client) -> None:
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["cache"] == {
        "status": "error",
        "error": "ConnectionError",
        "latency_ms": pytest.approx(0, abs=2000),
    }
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:1//", CELERY_RESULT_BACKEND="")
def test_readyz_fails_when_the_broker_is_unreachable(client: Client) -> None:
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 503
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz_fails_when_the_database_is_down(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 503
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["database"]["error"] == "OperationalError"


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="")
def test_inline_tasks_need_no_broker(client: Client) -> None:
    assert _checks(client.get("/readyz"))["checks"]["broker"]["status"] == "inline"


def test_post_is_not_a_probe() -> None:
    called = []
    middleware = health.HealthCheckMiddleware(lambda request: called.append(request) or "passed")  # type: ignore[arg-type,func-returns-value]
    request = type("R", (), {"path_info": "/readyz", "method": "POST"})()
    assert middleware(request) == "passed"  # type: ignore[arg-type]
    assert called == [request]


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_readyz_on_the_services_tier(client: Client, celery_worker_process: str) -> None:
    """PostgreSQL, Redis and a real worker answering podium.ping through the broker."""
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 200, body
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
