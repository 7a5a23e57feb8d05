"""The stack a benchmark runs against, and its members: gunicorn from gunicorn.conf.py (DEBUG off,
PostgreSQL, Redis), the Procfile's Celery processes, verified members signed in, the demo ballot.

Shared by the HTTP and ballot benchmarks (`bench.http`, `bench.ballots`) and the fault run (`bench.faults`).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_SESSION_PREFIX
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from awards.models import Edition, VotingMethod
from bench.models import Choice, Question

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = "benchcsrfsecret0123456789abcdefg"
OPEN_EDITION = "moon-awards-2025"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",  # the same for every endpoint; kept off so wrk measures Django
        "LOG_LEVEL": "WARNING",
        # Loopback clients share one address: lift the per-address ballot limit for the load test.
        "PODIUM_BALLOT_RATE_LIMIT": "100000/m/user,1000000/m/ip",
        "PODIUM_RECOMPUTE_DELAY_SECONDS": os.environ.get("PODIUM_RECOMPUTE_DELAY_SECONDS", "2"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/4"),
        "CELERY_TASK_DEFAULT_QUEUE": "podium-bench",
    }


class Stack:
    """gunicorn (and a Celery worker) started for the run, stopped at the end."""

    def __init__(self, workers: int, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = tempfile.mkdtemp(prefix="podium-bench-metrics-")
        env = {
            **server_env(self.port),
            "WEB_CONCURRENCY": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
            **(env or {}),
        }
        self.env = env
        self.log = open(Path(self.metrics_dir).with_suffix(".log"), "w")  # noqa: SIM115 - read it when a run fails
        print(f"  server and worker log: {self.log.name}", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        self.processes: list[subprocess.Popen[bytes]] = []
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "config.wsgi", "--config", "gunicorn.conf.py"],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=self.log,
                stderr=self.log,
            )
        )
        self._wait()

    def start_worker(self) -> None:
        self.processes.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-l",
                    "WARNING",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"bench-{uuid.uuid4().hex[:6]}@%h",
                    "-Q",
                    "podium-bench",
                ],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=self.log,
                stderr=self.log,
            )
        )

    def start_beat(self, schedule: Path) -> None:
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "celery"), "-A", "config", "beat", "-l", "WARNING", "--schedule", str(schedule)],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=self.log,
                stderr=self.log,
            )
        )

    def start_procfile(self, name: str, env: dict[str, str] | None = None) -> "subprocess.Popen[bytes]":
        """The Procfile's `name` line, as honcho runs it (a shell, this virtualenv first on PATH)."""
        lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line)
        process = subprocess.Popen(
            ["/bin/sh", "-c", f"exec {lines[name].strip()}"],
            cwd=ROOT,
            env={**self.env, "PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})},
            start_new_session=True,
            stdout=self.log,
            stderr=self.log,
        )
        self.processes.append(process)
        return process

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


def prepare_data() -> None:
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    question, _ = Question.objects.get_or_create(pk=1, defaults={"question_text": "What's up?"})
    for n in range(1, 4):
        Choice.objects.get_or_create(pk=n, defaults={"question": question, "choice_text": f"choice {n}"})


def verified_users(count: int) -> list[User]:
    """New members with a verified address each."""
    prefix = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"bench-{prefix}-{n}@bench.example", password="!unusable") for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    return users


def make_members(count: int, directory: Path) -> Path:
    """Members with a verified address and a logged-in session each; their cookies, one per line."""
    path = directory / "cookies.txt"
    path.write_text("\n".join(session_cookies(verified_users(count))) + "\n")
    return path


def session_cookies(users: list[User]) -> list[str]:
    """A logged-in session for each member, as a sign-in stores it; their cookies, in order."""
    store = SessionStore()
    sessions, cookies = [], []
    expires = timezone.now() + timedelta(days=1)
    for user in users:
        key = uuid.uuid4().hex
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],  # as a sign-in stores it
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        cookies.append(f"sessionid={key}")
    Session.objects.bulk_create(sessions)
    # A member submitting has just opened the ballot page and its review: their session is in the
    # cache, as `cached_db` left it on those requests.
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    for start in range(0, len(sessions), 500):
        session_cache.set_many(
            {
                CACHED_SESSION_PREFIX + s.session_key: store.decode(s.session_data)
                for s in sessions[start : start + 500]
            },
            timeout=24 * 3600,
        )
    return cookies


def ballot_body(directory: Path) -> Path:
    """The full demo ballot: a choice in every category, as the ballot page's form posts it."""
    edition = Edition.objects.get(slug=OPEN_EDITION)
    fields: list[tuple[str, str]] = [("csrfmiddlewaretoken", CSRF), ("version", "0")]
    for category in edition.categories.order_by("order"):
        nominees = list(category.nominees.filter(active=True).order_by("order").values_list("pk", flat=True))
        if category.method == VotingMethod.PLURALITY:
            fields.append((f"category-{category.pk}", str(nominees[0])))
        elif category.method == VotingMethod.APPROVAL:
            fields += [(f"category-{category.pk}", str(n)) for n in nominees[: category.max_choices or 1]]
        else:
            fields += [(f"category-{category.pk}-{n}", str(rank)) for rank, n in enumerate(nominees[:3], start=1)]
    path = directory / "ballot.txt"
    path.write_text(urllib.parse.urlencode(fields))
    return path


def expected_votes(body: Path) -> set[tuple[int, int, int | None]]:
    expected: set[tuple[int, int, int | None]] = set()
    for key, value in urllib.parse.parse_qsl(body.read_text()):
        parts = key.split("-")
        if parts[0] != "category":
            continue
        if len(parts) == 3:
            expected.add((int(parts[1]), int(parts[2]), int(value)))
        else:
            expected.add((int(parts[1]), int(value), None))
    return expected
