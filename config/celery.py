"""The Celery application. Tasks live in each app's tasks.py and are autodiscovered."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("podium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="podium.ping")  # type: ignore[untyped-decorator]
def ping() -> str:
    """Answer "pong": proves a worker is consuming from the broker (used by readiness)."""
    return "pong"
