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
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection

from awards.models import Edition, VotingMethod
from bench.stack import (
    BIN,
    CSRF,
    OPEN_EDITION,
    ROOT,
    Stack,
    ballot_body,
    expected_votes,
    free_port,
    make_members,
    prepare_data,
)
from voting.models import Ballot, Receipt, ResultsState, Vote

WRK_DIR = Path(__file__).resolve().parent / "wrk"
RESULTS = "/editions/moon-awards-2024/results/"
JSON = "/editions/moon-awards-2024/results.json"


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    script: str | None = None,
    args: list[str] | None = None,
    header: str | None = None,
) -> dict[str, Any]:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if header:
        command += ["-H", header]
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
    acknowledged = re.search(r"^acknowledged (\d+) refused (\d+)$", out, re.M)
    if acknowledged:
        errors += int(acknowledged.group(2))
    return {
        "acknowledged": int(acknowledged.group(1)) if acknowledged else None,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency["50"],
        "p99": latency["99"],
        "requests": requests,
        "errors": errors,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _post_ballot(base: str, cookie: str, body: bytes) -> int:
    request = urllib.request.Request(
        f"{base}/editions/{OPEN_EDITION}/ballot/submit/",
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
        if error.code == 302 and not error.headers["Location"].endswith("/ballot/done/"):
            return 401
        return int(error.code)


class Freshness(threading.Thread):
    """Every second: submit one ballot, then time until a release counts it (polled every 50 ms)."""

    def __init__(self, base: str, cookies: list[str], body: bytes, pause: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies, self.body, self.pause = base, cookies, body, pause
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
            self.stop.wait(self.pause)
        connections.close_all()


def expiring_entries(base: str, seconds: int, hello: dict[str, Any] | None) -> dict[str, Any]:
    """The results page while its cache entry is dropped every second (as a new release does)."""
    from voting.results.cache import forget_release

    stop = threading.Event()

    def invalidate() -> None:
        while not stop.wait(1.0):
            forget_release("moon-awards-2024")

    thread = threading.Thread(target=invalidate, daemon=True)
    thread.start()
    try:
        result = wrk(f"{base}{RESULTS}", connections=16, seconds=seconds)
    finally:
        stop.set()
        thread.join()
    _print("results page, entry dropped each second", result)
    print(f"  p99/p50 while entries expire: {result['p99'] / result['p50']:.1f}x", flush=True)
    return result


ROUNDS = 3


def side_by_side(hello_url: str, case: dict[str, Any], seconds: int) -> dict[str, Any]:
    """Alternate hello and the case ROUNDS times; medians, and the median of per-round ratios."""
    hellos, runs, ratios = [], [], []
    for _ in range(ROUNDS):
        hello = wrk(hello_url, connections=16, seconds=seconds)
        run = wrk(
            case["url"],
            connections=16,
            seconds=seconds,
            script=case.get("script"),
            args=case.get("args"),
            header=case.get("header"),
        )
        hellos.append(hello)
        runs.append(run)
        ratios.append(run["rps"] / hello["rps"])
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "hello_rps": statistics.median(h["rps"] for h in hellos),
        "ratio": statistics.median(ratios),
    }


def _print(name: str, result: dict[str, Any]) -> None:
    ratio = f"{result['ratio']:.0%} of hello" if "ratio" in result else "baseline"
    print(
        f"  {name:<40} {result['rps']:>7.0f} req/s  p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>8.2f} ms  "
        f"errors {result['errors']}/{result['requests']}  ({ratio}; hello {result.get('hello_rps', result['rps']):.0f})",
        flush=True,
    )


def profile_ballots(stack: "Stack", url: str, members: Path, body: Path, seconds: int) -> None:
    """py-spy over every gunicorn worker while 16 clients submit ballots: where the time goes."""
    if not shutil.which("py-spy", path=str(BIN)):
        print("  (py-spy not installed: no profile)")
        return
    out = Path(stack.metrics_dir).with_suffix(".pyspy.txt")
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(stack.processes[0].pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "200",
            "--duration",
            str(seconds),
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wrk(url, connections=16, seconds=seconds, script="ballot.lua", args=[str(members), str(body)])
    spy.wait(timeout=60)
    if not out.exists():
        print("  (py-spy could not attach: no profile)")
        return
    buckets: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        buckets[_bucket(stack_text)] = buckets.get(_bucket(stack_text), 0) + samples
    print(f"  py-spy, ballot submission at 16 clients ({total} samples over the workers, idle included):")
    for name, samples in sorted(buckets.items(), key=lambda item: -item[1])[:10]:
        print(f"    {samples / total:6.1%}  {name}")


BUCKETS = (
    (
        "waiting for a request (idle worker)",
        ("select (selectors.py", "wait (gunicorn/arbiter", "sleep (gunicorn", "accept ("),
    ),
    ("PostgreSQL round trips (psycopg wait)", ("psycopg/connection.py", "psycopg/_cursor", "psycopg/cursor")),
    ("Redis (cache, rate limit, broker)", ("redis/", "kombu/", "celery/")),
    ("session and authentication", ("sessions/", "contrib/auth/", "allauth/")),
    ("ballot rules, form and validation", ("voting/ballots/forms.py", "voting/ballots/rules.py", "django/forms/")),
    ("submit_ballot (service, models)", ("voting/ballots/services.py",)),
    ("ballot page reads (selectors)", ("voting/ballots/selectors.py", "awards/selectors.py")),
    ("Django ORM (building queries)", ("django/db/models/",)),
    ("middleware and request handling", ("django/core/handlers", "django/middleware", "csp/", "whitenoise", "config/")),
)


def _bucket(stack_text: str) -> str:
    frames = stack_text.split(";")
    for name, needles in BUCKETS:
        if any(needle in frames[-1] for needle in needles):
            return name
    for name, needles in BUCKETS[1:]:
        if any(needle in frame for frame in reversed(frames) for needle in needles):
            return name
    return "other: " + frames[-1][:80]


ROUNDS_BALLOT = 3


class BareStack:
    """The bare baseline app (bench/bare: no Podium code) under its own gunicorn, same worker count."""

    def __init__(self, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
        subprocess.run([sys.executable, "-m", "bench.bare.prepare"], cwd=ROOT, env=env, check=True)
        self.log = open(tempfile.mkstemp(prefix="podium-bench-bare-", suffix=".log")[1], "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "bench.bare.wsgi",
                "--config",  # never Podium's ./gunicorn.conf.py (gunicorn's default)
                str(ROOT / "bench" / "bare" / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--keep-alive",
                "5",  # as gunicorn.conf.py
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/hello/", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the bare gunicorn did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def _wrk_case(case: dict[str, Any], connections: int, seconds: int) -> dict[str, Any]:
    return wrk(
        case["url"],
        connections=connections,
        seconds=seconds,
        script=case.get("script"),
        args=case.get("args"),
        header=case.get("header"),
    )


def ballot_rounds(
    hello_url: str,
    vote_case: dict[str, Any],
    ballot_url: str,
    members: list[Path],
    body: Path,
    conns: int,
    seconds: int,
) -> dict[str, Any]:
    """Rounds of bare hello, bare tutorial vote, full ballot (fresh members each round); per-round ratios."""
    hellos, votes, runs = [], [], []
    for member_file in members:
        hellos.append(wrk(hello_url, connections=conns, seconds=seconds))
        votes.append(_wrk_case(vote_case, conns, seconds))
        run = wrk(
            ballot_url, connections=conns, seconds=seconds, script="ballot.lua", args=[str(member_file), str(body)]
        )
        run["stored"] = check_ballots(member_file, body)
        runs.append(run)
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "p99_max": max(r["p99"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        # Refused or failed responses, and any acknowledged ballot missing from the database.
        "errors": sum(r["errors"] + max(0, r["acknowledged"] - r["stored"]) for r in runs),
        "acknowledged": sum(r["acknowledged"] for r in runs),
        "stored": sum(r["stored"] for r in runs),
        "hello_rps": statistics.median(h["rps"] for h in hellos),
        "vote_rps": statistics.median(v["rps"] for v in votes),
        "ratio": statistics.median(r["rps"] / h["rps"] for r, h in zip(runs, hellos, strict=True)),
        "vote_ratio": statistics.median(r["rps"] / v["rps"] for r, v in zip(runs, votes, strict=True)),
    }


def check_ballots(member_file: Path, body: Path) -> int:
    """Every member of the file: either no ballot (not reached) or exactly the posted ballot with its receipt.

    Returns how many are stored; the caller compares that with the acknowledged requests
    (wrk counts every response that is not a redirect to the receipt page as an error).
    """
    edition = Edition.objects.get(slug=OPEN_EDITION)
    expected = expected_votes(body)
    keys = [line.split("=", 1)[1] for line in member_file.read_text().split()]
    voter_ids = {int(s.get_decoded()[SESSION_KEY]) for s in Session.objects.filter(session_key__in=keys)}
    assert len(voter_ids) == len(keys), "a bench member lost their session"
    ballots = {b.voter_id: b for b in Ballot.objects.filter(edition=edition, voter_id__in=voter_ids)}
    votes: dict[int, set[tuple[int, int, int | None]]] = {}
    for ballot_id, category, nominee, rank in Vote.objects.filter(ballot__in=ballots.values()).values_list(
        "ballot_id", "category_id", "nominee_id", "rank"
    ):
        votes.setdefault(ballot_id, set()).add((category, nominee, rank))
    receipts = set(
        Receipt.objects.filter(ballot__in=ballots.values(), ballot_version=1).values_list("ballot_id", flat=True)
    )
    for voter, ballot in ballots.items():
        assert ballot.version == 1, f"member {voter}: version {ballot.version}"
        assert votes.get(ballot.pk) == expected, f"member {voter}: stored votes differ from the posted ballot"
        assert ballot.pk in receipts, f"member {voter}: no receipt"
    return len(ballots)


def main(quick: bool = False) -> dict[str, Any]:
    seconds = 3 if quick else 5
    workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
    prepare_data()
    print(
        f"== HTTP: gunicorn {workers} sync workers, DEBUG off, PostgreSQL, Redis cache; wrk 2 threads, 16 connections;"
        f" each case alternated with the bare hello {ROUNDS} times, {seconds} s per run ==",
        flush=True,
    )
    print(f"  load average before: {os.getloadavg()}", flush=True)
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        directory = Path(tmp)
        bare = BareStack(workers)
        stack = Stack(workers)
        try:
            report["statements"] = wire_statements(workers, directory)
            base = stack.base
            etags = {}
            for path in (RESULTS, JSON, "/", f"/editions/{OPEN_EDITION}/"):
                with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:  # warm the cache
                    etags[path] = response.headers["ETag"]
            hello_url = f"{bare.base}/hello/"
            wrk(hello_url, connections=16, seconds=3)  # warm every worker (imports, connections) first
            wrk(f"{base}/bench/hello/", connections=16, seconds=3)
            vote_case = {"url": f"{bare.base}/polls/1/vote/", "script": "post.lua", "args": ["choice=1"]}
            cases: dict[str, dict[str, Any]] = {
                "bare: one INSERT": {"url": f"{bare.base}/insert/", "script": "post.lua"},
                "bare: tutorial vote, F('votes')+1": vote_case,
                "Podium's stack: hello": {"url": f"{base}/bench/hello/"},
                "/healthz": {"url": f"{base}/healthz"},
                "home page, anonymous": {"url": f"{base}/"},
                "edition page, anonymous": {"url": f"{base}/editions/{OPEN_EDITION}/"},
                "results page, cache hit": {"url": f"{base}{RESULTS}"},
                "results.json, cache hit": {"url": f"{base}{JSON}"},
                "results page, conditional GET (304)": {
                    "url": f"{base}{RESULTS}",
                    "header": f"If-None-Match: {etags[RESULTS]}",
                },
            }
            for path, name in (("/", "home page"), (f"/editions/{OPEN_EDITION}/", "edition page")):
                if etags.get(path):
                    cases[f"{name}, conditional GET (304)"] = {
                        "url": f"{base}{path}",
                        "header": f"If-None-Match: {etags[path]}",
                    }
            for name, case in cases.items():
                report[name] = side_by_side(hello_url, case, seconds)
                _print(name, report[name])
            ballot_cases(stack, hello_url, vote_case, directory, seconds, report)
        finally:
            stack.stop()
            bare.stop()
    report["load_after"] = os.getloadavg()
    print(f"  load average after: {report['load_after']}", flush=True)
    connection.close()
    print(json.dumps(report, default=str))
    return report


def ballot_cases(
    stack: "Stack", hello_url: str, vote_case: dict[str, Any], directory: Path, seconds: int, report: dict[str, Any]
) -> None:
    """Ballot submission at 16 and 64 clients (fresh members each round, a Celery worker), then a py-spy profile."""
    stack.start_worker()
    body_path = ballot_body(directory)
    ballot_url = f"{stack.base}/editions/{OPEN_EDITION}/ballot/submit/"
    per_run = int(os.environ.get("BENCH_MEMBERS_PER_RUN", "4000"))
    for conns in (16, 64):
        files = []
        for n in range(ROUNDS_BALLOT):
            cookies = make_members(per_run, directory).read_text()
            member_file = directory / f"members-{conns}-{n}.txt"
            member_file.write_text(cookies)
            files.append(member_file)
        name = f"ballot submission, {conns} clients"
        report[name] = ballot_rounds(hello_url, vote_case, ballot_url, files, body_path, conns, seconds)
        _print(name, report[name])
        print(
            f"    stored and checked member by member: {report[name]['stored']} "
            f"(acknowledged {report[name]['acknowledged']}); {report[name]['vote_ratio']:.2f}x the bare tutorial vote "
            f"({report[name]['vote_rps']:.0f} req/s); worst round p99 {report[name]['p99_max']:.0f} ms",
            flush=True,
        )
    profile_file = make_members(per_run, directory)
    profile_ballots(stack, ballot_url, profile_file, body_path, 2 * seconds)


def ballot_main(quick: bool = False) -> dict[str, Any]:
    """Only the ballot cases: statements on the wire, submissions at 16 and 64 clients beside the bare
    hello and tutorial vote, and the py-spy profile (`python -m bench.run ballot`)."""
    seconds = 3 if quick else 5
    workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
    prepare_data()
    print(f"== ballot: gunicorn {workers} sync workers, DEBUG off, PostgreSQL, Redis cache, a Celery worker ==")
    print(f"  load average before: {os.getloadavg()}", flush=True)
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        directory = Path(tmp)
        bare = BareStack(workers)
        stack = Stack(workers)
        try:
            report["statements"] = wire_statements(workers, directory)
            hello_url = f"{bare.base}/hello/"
            wrk(hello_url, connections=16, seconds=3)  # warm every worker first
            vote_case = {"url": f"{bare.base}/polls/1/vote/", "script": "post.lua", "args": ["choice=1"]}
            ballot_cases(stack, hello_url, vote_case, directory, seconds, report)
        finally:
            stack.stop()
            bare.stop()
    report["load_after"] = os.getloadavg()
    print(f"  load average after: {report['load_after']}", flush=True)
    connection.close()
    print(json.dumps(report, default=str))
    return report


PG_LOG = Path(os.environ.get("BENCH_PG_LOG", "/var/log/postgresql/postgresql-15-main.log"))


def wire_statements(workers: int, directory: Path) -> dict[str, list[str]]:
    """The statements PostgreSQL itself receives for a first ballot and for a change (its statement log).

    `ALTER DATABASE ... SET log_statement = 'all'` applies to sessions opened afterwards, so a
    one-worker gunicorn is started for the measurement and stopped before the load runs; no
    server restart or reload. Each statement line of that worker's backend between two
    marks is one statement on the wire (the health check, BEGIN and COMMIT included).
    """
    if not PG_LOG.exists():
        print(f"  (no PostgreSQL log at {PG_LOG}: statements on the wire not counted)")
        return {}
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE \"{database}\" SET log_statement = 'all'")
    probe = Stack(1)
    result: dict[str, list[str]] = {}
    try:
        cookie = make_members(1, directory).read_text().strip()
        body = ballot_body(directory).read_text()
        page = f"/editions/{OPEN_EDITION}/ballot/"
        _get(probe.base, page, cookie)  # the member opens the ballot page first (session now cached)
        result["first ballot"] = _logged(database, lambda: _post_ballot(probe.base, cookie, body.encode()))
        _get(probe.base, page, cookie)
        change = _changed_body(body)
        result["change"] = _logged(database, lambda: _post_ballot(probe.base, cookie, change.encode()))
    finally:
        probe.stop()
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{database}" RESET log_statement')
    for name, statements in result.items():
        print(f"  statements on the wire (PostgreSQL log), {name}: {len(statements)}", flush=True)
        for statement in statements:
            print(f"    {statement[:160]}", flush=True)
    return result


def _get(base: str, path: str, cookie: str) -> None:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": f"{cookie}; csrftoken={CSRF}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _changed_body(body: str) -> str:
    """The same ballot at version 1 with the first plurality choice moved to another nominee."""
    edition = Edition.objects.get(slug=OPEN_EDITION)
    category = edition.categories.filter(method=VotingMethod.PLURALITY).order_by("order").first()
    assert category is not None
    nominees = list(category.nominees.filter(active=True).order_by("order").values_list("pk", flat=True))
    fields = urllib.parse.parse_qsl(body)
    changed = [
        (k, str(nominees[1]) if k == f"category-{category.pk}" else ("1" if k == "version" else v)) for k, v in fields
    ]
    return urllib.parse.urlencode(changed)


def _logged(database: str, action: Any) -> list[str]:
    time.sleep(0.5)
    start = PG_LOG.stat().st_size
    status = action()
    assert status == 302, f"the probe ballot was not stored ({status})"
    time.sleep(1.0)  # the log is written by the backend as it goes; give it a moment
    with PG_LOG.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    statements: list[str] = []
    marker = f"@{database} LOG:  "
    for line in text.splitlines():
        if marker in line:
            message = line.split(marker, 1)[1]
            if message.startswith(("statement: ", "execute ")):
                statements.append(message.split(": ", 1)[1])
                continue
        elif line.startswith("\t") and statements:
            statements[-1] += " " + line.strip()
    return statements


def _freshness(fresh: "Freshness", stack: "Stack") -> dict[str, Any]:
    if not fresh.samples:
        print(f"  freshness: no sample ({fresh.failures} failures)", flush=True)
        return {}
    samples = sorted(fresh.samples)
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(
        f"  freshness under that load: {len(samples)} ballots, p50 {statistics.median(samples):.2f} s, "
        f"p95 {p95:.2f} s, max {samples[-1]:.2f} s, failures {fresh.failures} "
        f"(PODIUM_RECOMPUTE_DELAY_SECONDS={stack.env['PODIUM_RECOMPUTE_DELAY_SECONDS']})",
        flush=True,
    )
    return {"n": len(samples), "p50": statistics.median(samples), "p95": p95, "max": samples[-1]}


def freshness_main(seconds: int = 40) -> dict[str, Any]:
    """Freshness alone, for enough samples: 16 clients submit for `seconds` with a worker and beat."""
    workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
    prepare_data()
    print(f"== freshness: {seconds} s of ballot submissions at 16 clients, a worker and beat ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as tmp:
        directory = Path(tmp)
        cookies = make_members(6000, directory).read_text().split()
        body_path = ballot_body(directory)
        stack = Stack(workers)
        try:
            stack.start_worker()
            stack.start_beat(directory / "beat-schedule")
            members = directory / "members.txt"
            members.write_text("\n".join(cookies[200:]) + "\n")
            fresh = Freshness(stack.base, cookies[:200], body_path.read_bytes(), pause=0.25)
            fresh.start()
            result = wrk(
                f"{stack.base}/editions/{OPEN_EDITION}/ballot/submit/",
                connections=16,
                seconds=seconds,
                script="ballot.lua",
                args=[str(members), str(body_path)],
            )
            fresh.stop.set()
            fresh.join(timeout=40)
            _print("ballot submission, 16 clients (background load)", result)
            return _freshness(fresh, stack)
        finally:
            stack.stop()
