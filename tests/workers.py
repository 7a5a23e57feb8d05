"""Real Celery worker processes, and a private Redis to break, for the broker tier."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str | None:
    """The URL of the test database, so a worker process sees what a test committed."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "config.postgresql":
        return None
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def node_name(queue: str) -> str:
    """The worker's node name for `queue` (as started by `start_worker` from this process)."""
    return f"{queue}-{os.getpid()}@{socket.gethostname()}"


def wait_until_idle(queue: str, timeout: float = 60) -> None:
    """Return once the worker of `queue` has run everything queued so far, countdowns included.

    A ping through the queue first (a solo worker runs in order, so every message sent
    before it has reached the worker); then the worker is asked, until it answers so,
    whether it still holds tasks waiting for their countdown, reserved or running.
    """
    from celery.result import allow_join_result

    from config.celery import app, ping

    deadline = time.monotonic() + timeout
    with allow_join_result():
        ping.apply_async(queue=queue).get(timeout=timeout)
    node = node_name(queue)
    inspect = app.control.inspect([node], timeout=1.0)
    while time.monotonic() < deadline:
        held = [inspect.scheduled(), inspect.reserved(), inspect.active()]
        if all(answer and not answer.get(node) for answer in held):
            return
        time.sleep(0.1)
    raise TimeoutError(f"worker {node} still busy after {timeout} s")


def start_worker(
    queue: str,
    broker_url: str | None = None,
    *,
    node: str | None = None,
    env: dict[str, str] | None = None,
    pool: str = "solo",
) -> "subprocess.Popen[bytes]":
    """`celery worker` consuming `queue` only, under a node name of its own (several test
    runs may share one broker; `node` names a second worker of one queue); on `broker_url`
    when given, else the configured broker; `env` adds to its environment.
    `pool="prefork"` runs two child processes, as the Procfile's worker does."""
    env = {**os.environ, **(env or {}), "CELERY_TASK_DEFAULT_QUEUE": queue}
    if broker_url:
        env["CELERY_BROKER_URL"] = broker_url
    database_url = test_database_url()
    if database_url:
        env["DATABASE_URL"] = database_url
    celery = str(Path(sys.executable).parent / "celery")
    command = [celery, "-A", "config", "worker", "-P", pool, "-Q", queue, "-n", node or node_name(queue)]
    if pool == "prefork":
        command += ["--concurrency", "2"]
    command += ["--without-gossip", "--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


class LoggedMailBackend(BaseEmailBackend):
    """Appends "recipient<TAB>subject" per message to the file $PODIUM_TEST_MAIL_LOG, so a test
    counts what every process sent; each send first pauses $PODIUM_TEST_MAIL_DELAY seconds, so
    concurrent senders overlap."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        delay = float(os.environ.get("PODIUM_TEST_MAIL_DELAY", "0"))
        with Path(os.environ["PODIUM_TEST_MAIL_LOG"]).open("a", encoding="utf-8") as log:
            for message in email_messages:
                time.sleep(delay)
                log.write(f"{','.join(message.to)}\t{message.subject}\n")
                log.flush()  # one small append per line: lines from several processes never mix
        return len(email_messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A `redis-server` of the test's own on a free loopback port, to stop and start at will
    (never the shared one: other test runs depend on it)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, cwd=self.workdir, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # an outage, not a clean shutdown
            self.process.wait(timeout=10)
        self.process = None
