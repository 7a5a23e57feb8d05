"""The Celery application. Tasks live in each app's tasks.py and are autodiscovered.

Workers log through Django's LOGGING, and a task's log lines carry the id of the request
that queued it: django-guid's Celery integration (settings.DJANGO_GUID).
"""

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from celery.signals import worker_init
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from config.workers import HEARTBEAT_SECONDS, record_worker_heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("podium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


@app.task(name="podium.ping", ignore_result=False)
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the broker (tests and operators use it; its
    result is kept, unlike every other task's)."""
    return "pong"


def _serve_worker_metrics(**kwargs: Any) -> None:
    """With PODIUM_WORKER_METRICS_PORT, the worker serves its own /metrics (recompute, queue lag).

    Not needed when the worker shares PROMETHEUS_MULTIPROC_DIR with gunicorn on one host:
    the web's /metrics already adds the worker's files up.
    """
    port = os.environ.get("PODIUM_WORKER_METRICS_PORT")
    if not port:
        return

    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(int(port), addr=os.environ.get("PODIUM_WORKER_METRICS_ADDR", "127.0.0.1"), registry=registry)


worker_init.connect(_serve_worker_metrics)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Every HEARTBEAT_SECONDS the worker notes in the cache that it is alive (config.health)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry: Any = None

    def start(self, worker: Any) -> None:
        self._beat(worker)
        self.timer_entry = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, self._beat, (worker,), priority=10)

    def stop(self, worker: Any) -> None:  # noqa: ARG002 - celery's bootstep signature
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def _beat(self, worker: Any) -> None:
        try:
            record_worker_heartbeat(worker.hostname)
        except Exception:  # the cache is down: the staff page and the metric say "no heartbeat"
            logger.warning("could not record the worker heartbeat", exc_info=True)


app.steps["worker"].add(WorkerHeartbeat)
