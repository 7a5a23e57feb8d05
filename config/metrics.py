"""Prometheus metrics (prometheus-client): requests, ballots accepted, recompute duration, queue lag.

Counters live in each process; under gunicorn or a prefork Celery worker, set
`PROMETHEUS_MULTIPROC_DIR` to a directory shared by the processes of one host (the
Procfile and gunicorn.conf.py do) and `/metrics` adds them up. `/metrics` is answered by
`PrometheusMiddleware` before host validation and HTTPS redirects, like the probes, and
only to addresses in `PODIUM_METRICS_ALLOW` (loopback by default); anyone else gets 404.

Why not django-prometheus for the request metrics: its two middlewares record about a dozen
series per request (totals by method, transport, view and status, latency histograms before
and after the middleware stack, body sizes), and in multiprocess mode each is a write to a
memory-mapped file; issue 16 measured that per-request writing as a main cost of Podium's
stack. Podium records what operators use, two series per request (a counter and a latency
histogram by URL name), and serves `/metrics` before host validation, which
django-prometheus' URL-routed view cannot.
"""

import ipaddress
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from config.workers import worker_heartbeat

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ
if MULTIPROCESS:  # every process writes its samples there (manage.py and celery too): make sure it exists
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter("podium_http_requests", "HTTP requests answered, by view and status.", ["method", "view", "status"])
REQUEST_SECONDS = Histogram(
    "podium_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BALLOTS_ACCEPTED = Counter("podium_ballots_accepted", "Ballots stored by submit_ballot (first or changed).")
RECOMPUTE_SECONDS = Histogram(
    "podium_recompute_duration_seconds",
    "Wall time of one edition's recompute (read, tally, switch).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
QUEUE_LAG_SECONDS = Histogram(
    "podium_recompute_queue_lag_seconds",
    "From a ballot change flagging its edition stale to the recompute that counts it starting.",
    buckets=(0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300),
)


def observe_queue_lag(stale_since: datetime | None) -> None:
    if stale_since is not None:
        QUEUE_LAG_SECONDS.observe(max(0.0, (timezone.now() - stale_since).total_seconds()))


class RecomputeBacklogCollector(Collector):
    """At scrape time: how long the oldest outstanding recompute request has waited (0 when none)."""

    def collect(self) -> Iterable[Metric]:
        from voting.models import ResultsState  # noqa: PLC0415 - config.metrics loads before the app registry

        oldest = ResultsState.objects.filter(stale_since__isnull=False).order_by("stale_since").first()
        waited = (timezone.now() - oldest.stale_since).total_seconds() if oldest and oldest.stale_since else 0.0
        yield GaugeMetricFamily(
            "podium_recompute_backlog_seconds", "Age of the oldest edition waiting for a recompute.", value=waited
        )


class WorkerHeartbeatCollector(Collector):
    """At scrape time: seconds since a Celery worker last beat (absent when none ever did).

    Alert on it being absent or over a minute; the web's readiness never depends on it.
    """

    def collect(self) -> Iterable[Metric]:
        beat = worker_heartbeat()
        if beat is not None:
            yield GaugeMetricFamily(
                "podium_worker_heartbeat_age_seconds", "Seconds since a Celery worker last beat.", value=beat[1]
            )


def exposition() -> bytes:
    registry = CollectorRegistry()
    if MULTIPROCESS:
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(RecomputeBacklogCollector())
    registry.register(WorkerHeartbeatCollector())
    process_metrics = b"" if MULTIPROCESS else generate_latest(REGISTRY)
    return process_metrics + generate_latest(registry)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.PODIUM_METRICS_ALLOW]


def may_scrape(remote_addr: str | None) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks())


class PrometheusMiddleware:
    """Count and time every request by its URL name; serve `/metrics` to allowed scrapers.

    The labelled series of a view are looked up once per process and kept (`labels()` takes a
    lock and builds its key for every call): a request costs the three sample writes only.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._timers: dict[str, Any] = {}
        self._counters: dict[tuple[str, str, int], Any] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/metrics":
            if not may_scrape(request.META.get("REMOTE_ADDR")):
                return HttpResponse("Not found\n", status=404, content_type="text/plain")
            return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        view = match.view_name if match else "unmatched"  # bounded: URL names, never raw paths
        timer = self._timers.get(view)
        if timer is None:
            timer = self._timers[view] = REQUEST_SECONDS.labels(view)
        timer.observe(elapsed)
        method = request.method if request.method in KNOWN_METHODS else "other"
        key = (method, view, response.status_code)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = REQUESTS.labels(method, view, str(response.status_code))
        counter.inc()
        return response
