"""/healthz answers without touching anything; /readyz names each dependency and fails with 503."""

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connections
from django.test import Client, override_settings

from config import health
from config.health import readiness
from config.workers import record_worker_heartbeat, worker_heartbeat

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
        "message": "Unavailable: cache unreachable",
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

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)  # checks run on threads of their own
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


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung dependency, not a refused one."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.django_db
def test_readyz_answers_within_3_seconds_when_every_dependency_hangs(
    client: Client, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache and the broker accept connections and never answer; the database hangs too."""
    hung_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_port}/0",
            "OPTIONS": {"socket_connect_timeout": 30, "socket_timeout": 30},
        }
    }
    hung_broker = f"amqp://guest:guest@127.0.0.1:{silent_port}//"
    real_cursor = type(connections["default"]).cursor

    def hang(self, *args):
        if threading.current_thread() is not threading.main_thread():
            time.sleep(30)
        return real_cursor(self, *args)

    monkeypatch.setattr(type(connections["default"]), "cursor", hang)
    with override_settings(CACHES=hung_cache, CELERY_BROKER_URL=hung_broker):
        started = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - started
    print(f"/readyz with every dependency hanging took {took:.2f} s")
    body = _checks(response)
    assert response.status_code == 503
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "error",
        "cache": "error",
        "broker": "error",
    }
    assert body["checks"]["database"]["message"] == "Unavailable: Timed out after 1 seconds"
    assert took < 3


@pytest.mark.django_db
def test_a_missing_worker_does_not_make_web_unready(client: Client, settings) -> None:
    """A broker with no worker consuming: readiness is about this web process only."""
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")
    assert response.status_code == 200, _checks(response)
    assert _checks(response)["checks"]["broker"]["status"] == "ok"


def test_workers_report_their_heartbeat() -> None:
    assert worker_heartbeat() is None
    record_worker_heartbeat("podium@worker-1")
    hostname, age = worker_heartbeat()
    assert hostname == "podium@worker-1"
    assert 0 <= age < 1


@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_readyz_on_the_services_tier(client: Client, celery_worker_process: str) -> None:
    """PostgreSQL, Redis and a broker connection; the real worker beats its heartbeat."""
    response = client.get("/readyz")
    body = _checks(response)
    assert response.status_code == 200, body
    assert {name: c["status"] for name, c in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    deadline = time.monotonic() + 20  # every test starts with an empty cache: the next beat
    while worker_heartbeat() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    hostname, age = worker_heartbeat()
    assert hostname.startswith(celery_worker_process)
    assert age < 20


@pytest.mark.django_db
def test_readiness_also_runs_from_a_thread_that_already_runs_an_event_loop() -> None:
    """An ASGI worker's thread (or a test driving a browser) has a running loop of its own."""

    async def probe() -> tuple[bool, dict[str, dict[str, object]]]:
        return readiness()

    ready, report = asyncio.run(probe())
    assert ready, report
    assert report["database"]["status"] == "ok"
