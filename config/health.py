"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators.

Both are answered by a middleware placed first, before host validation, HTTPS redirects,
sessions and authentication: a probe sends whatever Host header it likes (a container
IP), speaks plain HTTP, and must cost next to nothing. `/healthz` touches no dependency,
so a database outage never makes an orchestrator restart healthy web processes.

`/readyz` says whether this web process can serve: the database (`SELECT 1`), the cache (a
write and a read) and a broker connection, run side by side as django-health-check checks
(its `Database`, and two of Podium's on its base class). Each is abandoned after
`CHECK_TIMEOUT` (django-health-check adds a second of grace for the client's own timeout to
report first), so the whole probe answers within about 2 s in any outage, 503 naming the
failing check. Whether a Celery worker is alive is not this process's readiness (pulling
every web process because no worker is free would take the site down): workers report
their own heartbeat (`config.workers`), shown to staff on the turnout page
and as a metric.
"""

import asyncio
import dataclasses
import datetime
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Database
from health_check.exceptions import ServiceUnavailable

from config.celery import app

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = datetime.timedelta(seconds=1)
# Checks run on threads of their own, shared by the probes of this process, so that a check
# stuck past its budget never holds a probe (a default executor would be waited for).
_EXECUTOR = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")
_LOOP_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz-loop")


@dataclasses.dataclass
class BrokerConnection(HealthCheck):
    """A connection to the Celery broker (no worker involved), refused at the first failure."""

    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        seconds = self.timeout.total_seconds()
        try:
            with app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=seconds) as connection:
                connection.ensure_connection(max_retries=0, timeout=seconds)
        except Exception as exc:  # kombu wraps each transport's own errors differently
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class CacheWriteRead(HealthCheck):
    """A write and a read of the default cache.

    Not django-health-check's `Cache`: it is async, so Django runs its calls on asgiref's one
    shared thread, and a single hung call would then hold every later probe's cache check.
    """

    timeout = CHECK_TIMEOUT

    def run(self) -> None:
        key, token = f"podium:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            cache.set(key, token, 10)
            returned = cache.get(key)
            cache.delete(key)
        except Exception as exc:  # each backend's own connection error
            raise ServiceUnavailable("cache unreachable") from exc
        if returned != token:  # django-redis ignoring its errors reads None
            raise ServiceUnavailable("the cache did not return what was just stored")


def _checks() -> dict[str, HealthCheck]:
    checks: dict[str, HealthCheck] = {"database": Database(), "cache": CacheWriteRead()}
    if settings.CELERY_BROKER_URL:  # without a broker tasks run inline: nothing to connect to
        checks["broker"] = BrokerConnection()
    for check in checks.values():
        check.timeout = CHECK_TIMEOUT
    return checks


async def _run(checks: dict[str, HealthCheck]) -> list[HealthCheckResult]:
    return list(await asyncio.gather(*(check.get_result(_EXECUTOR) for check in checks.values())))


def _results(checks: dict[str, HealthCheck]) -> list[HealthCheckResult]:
    """The checks' results, run side by side on their own event loop.

    A thread that already runs a loop (an ASGI worker's, a test driving a browser) cannot
    start another, so the checks then run on a loop of their own in a helper thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_run(checks))
    return _LOOP_THREAD.submit(asyncio.run, _run(checks)).result()


def _entry(result: HealthCheckResult) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": "ok"}
    if result.error is not None:
        cause = result.error.__cause__
        entry = {"status": "error", "error": type(cause or result.error).__name__, "message": str(result.error)}
    entry["latency_ms"] = round(result.time_taken * 1000, 2)
    return entry


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check at once; return (all ok, per-check status, latency and error type)."""
    checks = _checks()
    report = {name: _entry(result) for name, result in zip(checks, _results(checks), strict=True)}
    if "broker" not in checks:
        report["broker"] = {"status": "inline", "latency_ms": 0.0}
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
