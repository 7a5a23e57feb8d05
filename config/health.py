"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators.

Both are answered by a middleware placed first, before host validation, HTTPS redirects,
sessions and authentication: a probe sends whatever Host header it likes (a container
IP), speaks plain HTTP, and must cost next to nothing. `/healthz` touches no dependency,
so a database outage never makes an orchestrator restart healthy web processes;
`/readyz` checks the database, the cache and the broker, each with a short timeout, and
answers 503 naming the failing check so the load balancer stops sending traffic.
"""

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from config.celery import app, ping

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key, token = "readyz:probe", uuid.uuid4().hex
    cache.set(key, token, 10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return what was just stored")
    return "ok"


def check_broker() -> str:
    """A round trip through a worker (`podium.ping`) when results can come back, else a connection.

    Without a broker tasks run inline: nothing to check.
    """
    url = settings.CELERY_BROKER_URL
    if not url:
        return "inline"
    if settings.CELERY_RESULT_BACKEND and not app.conf.task_always_eager:
        reply = ping.apply_async(expires=CHECK_TIMEOUT_SECONDS, retry=False).get(timeout=CHECK_TIMEOUT_SECONDS)
        if reply != "pong":
            raise RuntimeError(f"unexpected ping reply {reply!r}")
        return "ok"
    with app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {"database": check_database, "cache": check_cache, "broker": check_broker}


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check; return (all ok, per-check status, latency and error type)."""
    report: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            entry: dict[str, Any] = {"status": check()}
        except Exception as exc:  # any failure makes the process not ready; the log keeps the detail
            logger.warning("readiness check %s failed", name, exc_info=True)
            entry = {"status": "error", "error": type(exc).__name__}
        entry["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
        report[name] = entry
    return all(entry["status"] != "error" for entry in report.values()), report


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    ready, checks = readiness()
    return JsonResponse({"status": "ok" if ready else "error", "checks": checks}, status=200 if ready else 503)


class HealthCheckMiddleware:
    """Answer the probes before any other middleware runs (first in MIDDLEWARE)."""

    PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info.rstrip("/"))
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = probe(request)
        add_never_cache_headers(response)
        return response
