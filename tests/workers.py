"""Real Celery worker processes for the broker tier."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str | None:
    """The URL of the test database, so a worker process sees what a test committed."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_worker(queue: str) -> "subprocess.Popen[bytes]":
    """`celery worker` consuming `queue` only, under a node name of its own (several test
    runs may share one broker)."""
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue}
    database_url = test_database_url()
    if database_url:
        env["DATABASE_URL"] = database_url
    celery = str(Path(sys.executable).parent / "celery")
    command = [celery, "-A", "config", "worker", "-P", "solo", "-Q", queue, "-n", f"{queue}-{os.getpid()}@%h"]
    command += ["--without-gossip", "--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env)
