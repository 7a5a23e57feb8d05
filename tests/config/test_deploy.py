"""The production process set: the Procfile's web (gunicorn, DEBUG off), worker and beat under honcho.

A smoke test, bounded in time: start them on a free loopback port against the test
database, Redis and the broker; probe /healthz and /readyz (a real worker answers the
ping); read a results page; stop them. The deployment files are checked for the pieces
the README promises (health checks, the migration step).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"honcho exited with {process.returncode}")
        try:
            if _get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer /healthz within {seconds} s")


@dataclass
class Stack:
    base: str
    worker_name: str


def _worker_pids(worker_name: str) -> list[int]:
    """The stack's Celery worker main process (its pool children share its command line, but
    only the main process is the supervisor's child)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = stat.read_bytes().split(b"\0")
            parent = int((stat.parent / "stat").read_text().rsplit(")", 1)[1].split()[1])
            parent_command = Path(f"/proc/{parent}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        own = b" ".join(command)
        if worker_name.encode() in own and b"config.supervise" not in own and b"config.supervise" in parent_command:
            pids.append(int(stat.parent.name))
    return pids


@pytest.fixture
def procfile_stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    db = settings.DATABASES["default"]
    port, run = _free_port(), uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "DEBUG": "0",
        "SECRET_KEY": "smoke-test-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}",
        "CELERY_TASK_DEFAULT_QUEUE": f"podium-smoke-{run}",
        "CELERY_WORKER_NAME": f"smoke-{run}@%h",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
        "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_FORMAT": "json",
    }
    (tmp_path / "metrics").mkdir()
    # DEBUG off serves hashed static files from the manifest, as the Dockerfile builds it.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    honcho = shutil.which("honcho", path=str(BIN)) or "honcho"
    process = subprocess.Popen(
        [honcho, "start", "--no-colour", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)],
        env=env,
        start_new_session=True,
        stdout=open(tmp_path / "honcho.log", "w"),  # noqa: SIM115 - read it when this test fails
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process, 60)
        yield Stack(f"http://127.0.0.1:{port}", env["CELERY_WORKER_NAME"].split("@")[0])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.postgres
@pytest.mark.broker
def test_procfile_serves_probes_and_results(procfile_stack: Stack) -> None:
    base = procfile_stack.base
    status, body, headers = _get(f"{base}/healthz")
    assert (status, body) == (200, b"ok\n")
    assert len(headers["X-Request-ID"]) == 32
    deadline = time.monotonic() + 45  # the worker may still be starting
    while True:
        status, body, _ = _get(f"{base}/readyz")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    checks = json.loads(body)["checks"]
    assert status == 200, checks
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    status, body, _ = _get(f"{base}/editions/moon-awards-2024/results/top-bitcoin-etfs-2024/")
    assert status == 200
    assert "BlackRock secured the top position with 49.7% of the total votes." in body.decode()
    status, body, _ = _get(f"{base}/metrics")
    assert status == 200
    counted = [line for line in body.decode().splitlines() if line.startswith("podium_http_requests_total{")]
    assert any('view="voting:category_results"' in line and 'status="200"' in line for line in counted), counted


@pytest.mark.postgres
@pytest.mark.broker
def test_a_worker_that_dies_is_restarted_and_web_never_stops(procfile_stack: Stack) -> None:
    """honcho stops every process when one exits: the worker runs under config.supervise."""
    deadline = time.monotonic() + 60
    while not (pids := _worker_pids(procfile_stack.worker_name)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGKILL)
    web_answers = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        web_answers.append(_get(f"{procfile_stack.base}/healthz")[0])
        restarted = [pid for pid in _worker_pids(procfile_stack.worker_name) if pid != pids[0]]
        if restarted:
            break
        time.sleep(0.5)
    assert restarted, "the worker was not started again"
    assert set(web_answers) == {200}


@pytest.mark.unit
def test_procfile_runs_web_worker_and_beat() -> None:
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(lines) == {"web", "worker", "beat"}
    assert "gunicorn config.wsgi --config gunicorn.conf.py" in lines["web"]
    assert lines["worker"].strip().startswith("python -m config.supervise celery -A config worker")
    assert lines["beat"].strip().startswith("python -m config.supervise celery -A config beat")


@pytest.mark.unit
def test_compose_has_every_service_with_health_checks_and_a_migration_step() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "test" in services[name]["healthcheck"], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER podium" in dockerfile
    assert "collectstatic" in dockerfile


def _gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    import runpy

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.unit
def test_gunicorn_preloads_and_does_not_recycle_workers_in_step(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    conf = _gunicorn_conf(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert conf["preload_app"] is True
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (0, 0)  # no recycling
    conf = _gunicorn_conf(monkeypatch, GUNICORN_MAX_REQUESTS="5000", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (5000, 2500)  # restarts spread widely


@pytest.mark.django_db
def test_gunicorn_closes_the_masters_database_connections_before_forking(monkeypatch, tmp_path) -> None:
    from django.db import connection

    conf = _gunicorn_conf(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    connection.ensure_connection()
    closed = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(True))
    conf["pre_fork"](None, None)
    assert closed == [True]
