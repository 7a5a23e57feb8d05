"""Worker liveness, apart from web readiness: each Celery worker notes in the cache, every
`HEARTBEAT_SECONDS`, that it is alive (`config.celery.WorkerHeartbeat`); staff see the last
heartbeat on the turnout page, Prometheus as `podium_worker_heartbeat_age_seconds`.

One key, the last worker to beat wins: it answers "is any worker alive, and since when not",
which is what an operator needs to act on. No Celery import here, so pages and metrics can
read it without loading Celery.
"""

import time

from django.conf import settings
from django.core.cache import cache

HEARTBEAT_KEY = "podium:worker-heartbeat"
HEARTBEAT_SECONDS = 15


def record_worker_heartbeat(hostname: str) -> None:
    cache.set(HEARTBEAT_KEY, {"hostname": hostname, "at": time.time()}, HEARTBEAT_SECONDS * 20)


def worker_heartbeat() -> tuple[str, float] | None:
    """The worker that beat last and how many seconds ago; None if none did (or no cache)."""
    beat = cache.get(HEARTBEAT_KEY)
    if not isinstance(beat, dict):
        return None
    return str(beat["hostname"]), max(0.0, time.time() - float(beat["at"]))


def worker_status() -> str:
    """What staff read about the workers (the turnout page)."""
    if not settings.CELERY_BROKER_URL:
        return "tasks run inline (no broker configured)"
    beat = worker_heartbeat()
    if beat is None:
        return f"no heartbeat in the last {HEARTBEAT_SECONDS * 20 // 60} minutes: is a worker running?"
    hostname, age = beat
    late = " (late: is the worker stuck?)" if age > 4 * HEARTBEAT_SECONDS else ""
    return f"last heartbeat {age:.0f} s ago from {hostname}{late}"
