"""The Celery application. Tasks live in each app's tasks.py and are autodiscovered."""

import logging.config
import os
from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging, task_postrun, task_prerun, worker_init
from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

from config.logs import bind_request_id, unbind_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("podium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="podium.ping")
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the broker (used by readiness)."""
    return "pong"


def _use_django_logging(**kwargs: Any) -> None:
    """Workers log like the web processes (LOG_FORMAT plain or json, with an id per task)."""
    logging.config.dictConfig(settings.LOGGING)


_bound_ids: dict[str, Any] = {}  # task id -> context token: log lines in a task carry its id


def _bind_task_id(task_id: str, task: Task, **kwargs: Any) -> None:  # noqa: ARG001 - the signal's arguments
    _bound_ids[task_id] = bind_request_id(task_id)


def _unbind_task_id(task_id: str, task: Task, **kwargs: Any) -> None:  # noqa: ARG001 - the signal's arguments
    token = _bound_ids.pop(task_id, None)
    if token is not None:
        unbind_request_id(token)


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


setup_logging.connect(_use_django_logging)
task_prerun.connect(_bind_task_id)
task_postrun.connect(_unbind_task_id)
worker_init.connect(_serve_worker_metrics)
