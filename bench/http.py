"""HTTP benchmarks: gunicorn (sync workers, DEBUG off, PostgreSQL, Redis cache) under wrk on loopback.

Baselines and Podium's pages run against the same server in one run, one after the
other, so their ratios hold although absolute figures on a shared machine do not.
Ballot submissions are real first ballots of logged-in members (one member per
request), with a Celery worker consuming the recompute requests; freshness is measured
during that load as the time from a committed ballot to a release counting it.

    python -m bench.run http [--quick]
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from awards.models import Edition, VotingMethod
from bench.models import Choice, Question
from voting.models import Ballot, ResultsState

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
BIN = Path(sys.executable).parent
CSRF = "benchcsrfsecret0123456789abcdefg"
OPEN_EDITION = "moon-awards-2025"
RESULTS = "/editions/moon-awards-2024/results/"


def _free_port() -> int:
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

    def __init__(self, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metrics_dir = tempfile.mkdtemp(prefix="podium-bench-metrics-")
        env = {**server_env(self.port), "WEB_CONCURRENCY": str(workers), "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir}
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


def wrk(
    url: str, *, connections: int, seconds: int, script: str | None = None, args: list[str] | None = None
) -> dict[str, Any]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(WRK_DIR / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    latency = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency["50"],
        "p99": latency["99"],
        "requests": requests,
        "errors": errors,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def prepare_data() -> None:
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    question, _ = Question.objects.get_or_create(pk=1, defaults={"question_text": "What's up?"})
    for n in range(1, 4):
        Choice.objects.get_or_create(pk=n, defaults={"question": question, "choice_text": f"choice {n}"})


def make_members(count: int, directory: Path) -> Path:
    """Members with a verified address and a logged-in session each; their cookies, one per line."""
    prefix = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(email=f"bench-{prefix}-{n}@bench.example", password="!unusable") for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    store = SessionStore()
    sessions, cookies = [], []
    expires = timezone.now() + timedelta(days=1)
    for user in users:
        key = uuid.uuid4().hex
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        cookies.append(f"sessionid={key}")
    Session.objects.bulk_create(sessions)
    path = directory / "cookies.txt"
    path.write_text("\n".join(cookies) + "\n")
    return path


def ballot_body(directory: Path) -> Path:
    """The full demo ballot: a choice in every category, as the ballot page's form posts it."""
    edition = Edition.objects.get(slug=OPEN_EDITION)
    fields: list[tuple[str, str]] = [("csrfmiddlewaretoken", CSRF), ("version", "0"), ("step", "submit")]
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


def _post_ballot(base: str, cookie: str, body: bytes) -> int:
    request = urllib.request.Request(
        f"{base}/editions/{OPEN_EDITION}/ballot/",
        data=body,
        headers={
            "Cookie": f"{cookie}; csrftoken={CSRF}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": "http://127.0.0.1/",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        # Stored: a redirect to the receipt page (a redirect to log in would be a failure).
        return 302 if error.code == 302 and error.headers["Location"].endswith("/ballot/done/") else error.code


class Freshness(threading.Thread):
    """Every second: submit one ballot, then time until a release counts it (polled every 50 ms)."""

    def __init__(self, base: str, cookies: list[str], body: bytes) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies, self.body = base, cookies, body
        self.samples: list[float] = []
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connections

        edition = Edition.objects.get(slug=OPEN_EDITION)
        for cookie in self.cookies:
            if self.stop.is_set():
                break
            if _post_ballot(self.base, cookie, self.body) != 302:
                self.failures += 1
                continue
            committed = time.monotonic()
            needed = Ballot.objects.filter(edition=edition).count()  # at least this many, ours included
            while time.monotonic() - committed < 30:
                release = (
                    ResultsState.objects.filter(edition=edition)
                    .values_list("current_release__ballots_counted", flat=True)
                    .first()
                )
                if release is not None and release >= needed:
                    self.samples.append(time.monotonic() - committed)
                    break
                time.sleep(0.05)
            else:
                self.failures += 1
            self.stop.wait(1.0)
        connections.close_all()


def _line(name: str, result: dict[str, Any], hello: dict[str, Any] | None) -> str:
    ratio = f"{result['rps'] / hello['rps']:.0%} of hello" if hello else "baseline"
    return (
        f"  {name:<42} {result['rps']:>8.0f} req/s  p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>7.2f} ms  "
        f"errors {result['errors']:>3}/{result['requests']}  ({ratio})"
    )


def main(quick: bool = False) -> dict[str, Any]:
    seconds = 5 if quick else 10
    workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
    prepare_data()
    print(
        f"== HTTP: gunicorn {workers} sync workers, DEBUG off, PostgreSQL, Redis cache; wrk 2 threads, {seconds} s each ==",
        flush=True,
    )
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        directory = Path(tmp)
        cookies_path = make_members(6000 if not quick else 2500, directory)
        body_path = ballot_body(directory)
        stack = Stack(workers)
        try:
            base = stack.base
            cookies = cookies_path.read_text().split()
            body = body_path.read_bytes()
            assert _post_ballot(base, cookies[0], body) == 302, "the demo ballot was not accepted"
            with urllib.request.urlopen(f"{base}{RESULTS}", timeout=10) as response:  # warm the cache
                response.read()
            cases = [
                ("hello (bare view)", f"{base}/bench/hello/", None, None, 16),
                ("one INSERT (bare view)", f"{base}/bench/insert/", "post.lua", None, 16),
                ("tutorial poll vote, F('votes')+1", f"{base}/bench/polls/1/vote/", "post.lua", ["choice=1"], 16),
                ("results page, cache hit", f"{base}{RESULTS}", None, None, 16),
                ("category results page, cache hit", f"{base}{RESULTS}top-bitcoin-etfs-2024/", None, None, 16),
                ("results.json", f"{base}/editions/moon-awards-2024/results.json", None, None, 16),
            ]
            wrk(cases[0][1], connections=16, seconds=3)  # warm every worker (imports, connections) first
            hello = None
            for name, url, script, args, conns in cases:
                result = wrk(url, connections=conns, seconds=seconds, script=script, args=args)
                hello = hello or result
                report[name] = result
                print(_line(name, result, hello if name != cases[0][0] else None), flush=True)
            stack.start_worker()
            used = 1
            for conns in (16, 64):
                share = cookies[used : used + (len(cookies) - 1) // 2]
                used += len(share)
                fresh = Freshness(base, share[-40:], body) if conns == 16 else None
                member_file = directory / f"members-{conns}.txt"
                member_file.write_text("\n".join(share[:-40]) + "\n")
                if fresh:
                    fresh.start()
                result = wrk(
                    f"{base}/editions/{OPEN_EDITION}/ballot/",
                    connections=conns,
                    seconds=seconds,
                    script="ballot.lua",
                    args=[str(member_file), str(body_path)],
                )
                name = f"ballot submission, {conns} clients"
                report[name] = result
                print(_line(name, result, hello), flush=True)
                if fresh:
                    fresh.stop.set()
                    fresh.join(timeout=40)
                    if fresh.samples:
                        samples = sorted(fresh.samples)
                        p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
                        report["freshness"] = {"n": len(samples), "p50": statistics.median(samples), "p95": p95}
                        print(
                            f"  freshness under that load: {len(samples)} ballots, p50 {statistics.median(samples):.2f} s, "
                            f"p95 {p95:.2f} s, max {samples[-1]:.2f} s, failures {fresh.failures} "
                            f"(PODIUM_RECOMPUTE_DELAY_SECONDS={stack.env['PODIUM_RECOMPUTE_DELAY_SECONDS']})",
                            flush=True,
                        )
        finally:
            stack.stop()
    connection.close()
    print(json.dumps(report, default=str))
    return report
