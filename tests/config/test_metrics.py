"""/metrics: requests by view and the recompute backlog, served only to allowed addresses."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from config.workers import record_worker_heartbeat
from tests.factories import EditionFactory
from voting.models import ResultsState

pytestmark = pytest.mark.django_db


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_served_to_loopback(client: Client) -> None:
    client.get("/healthz")
    client.get("/no-such-page/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    for name in (
        "podium_http_requests_total",
        "podium_http_request_duration_seconds_bucket",
        "podium_ballots_accepted_total",
        "podium_recompute_duration_seconds_count",
        "podium_recompute_queue_lag_seconds_count",
        "podium_recompute_backlog_seconds",
    ):
        assert name in body
    assert 'view="unmatched"' in body
    assert "healthz" not in body  # probes are not counted


def test_metrics_are_hidden_from_other_addresses(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert (response.status_code, response.content) == (404, b"Not found\n")


def test_requests_are_counted_by_url_name(client: Client) -> None:
    labels = {"method": "GET", "view": "voting:receipt_check", "status": "200"}
    before = _value("podium_http_requests_total", **labels)
    client.get("/receipts/")
    assert _value("podium_http_requests_total", **labels) == before + 1


def test_backlog_is_the_oldest_waiting_request(client: Client) -> None:
    ResultsState.objects.create(edition=EditionFactory(), stale_since=timezone.now() - timedelta(seconds=90))
    ResultsState.objects.create(edition=EditionFactory(), stale_since=timezone.now() - timedelta(seconds=5))
    body = client.get("/metrics").content.decode()
    line = next(line for line in body.splitlines() if line.startswith("podium_recompute_backlog_seconds "))
    assert 90 <= float(line.split()[1]) < 150


def test_worker_heartbeat_age_is_a_metric_once_a_worker_beat(client: Client) -> None:
    assert "podium_worker_heartbeat_age_seconds" not in client.get("/metrics").content.decode()
    record_worker_heartbeat("podium@worker-1")
    body = client.get("/metrics").content.decode()
    line = next(line for line in body.splitlines() if line.startswith("podium_worker_heartbeat_age_seconds "))
    assert 0 <= float(line.split()[1]) < 5
