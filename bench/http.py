"""HTTP benchmarks: gunicorn (sync workers, DEBUG off, PostgreSQL, Redis cache) under wrk on loopback.

Baselines and Podium's pages run against the same server in one run, one after the
other, so their ratios hold although absolute figures on a shared machine do not
(`bench.load`); the ballot cases are `bench.ballots`. Freshness is measured during a ballot
load as the time from a committed ballot to a release counting it.

    python -m bench.run http [--quick]
"""

import json
import os
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from django.db import connection

from awards.models import Edition
from bench.ballots import ballot_cases, post_ballot, wire_statements
from bench.load import ROUNDS, BareStack, print_case, side_by_side, wrk
from bench.stack import (
    OPEN_EDITION,
    Stack,
    ballot_body,
    make_members,
    prepare_data,
)
from voting.models import Ballot, ResultsState

RESULTS = "/editions/moon-awards-2024/results/"
JSON = "/editions/moon-awards-2024/results.json"


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
            if post_ballot(self.base, cookie, self.body) != 302:
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
    print_case("results page, entry dropped each second", result)
    print(f"  p99/p50 while entries expire: {result['p99'] / result['p50']:.1f}x", flush=True)
    return result


# The `visitors` suite (python -m bench.run visitors): the stack's hello and the visitors' pages only.
VISITOR_CASES = (
    "Podium's stack: hello",
    "home page, anonymous",
    "edition page, anonymous",
    "results page, cache hit",
    "results page, conditional GET (304)",
    "home page, conditional GET (304)",
    "edition page, conditional GET (304)",
)


def main(quick: bool = False, visitors_only: bool = False) -> dict[str, Any]:
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
            if not visitors_only:
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
                if visitors_only and name not in VISITOR_CASES:
                    continue
                report[name] = side_by_side(hello_url, case, seconds)
                print_case(name, report[name])
            if not visitors_only:
                ballot_cases(stack, bare, hello_url, vote_case, directory, seconds, report)
        finally:
            stack.stop()
            bare.stop()
    report["load_after"] = os.getloadavg()
    print(f"  load average after: {report['load_after']}", flush=True)
    connection.close()
    print(json.dumps(report, default=str))
    return report


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
            print_case("ballot submission, 16 clients (background load)", result)
            return _freshness(fresh, stack)
        finally:
            stack.stop()
