"""gunicorn worker recycling: the hello's p99 with `max_requests` on, beside the same stack with it off.

The issue's load run found `max_requests = 5000` with a jitter of 500 restarting all five
workers within a second of each other at 2,000 req/s, each re-import costing about 1.3 s of
CPU: the server stalled and p99 went from 16 ms to 1.5-2 s. `gunicorn.conf.py` now preloads
the app (a restart forks a ready process) and recycles only when GUNICORN_MAX_REQUESTS is set,
with a jitter of half of it, so restarts spread out. This case starts two Podium stacks of 5
sync workers, one recycling every `MAX_REQUESTS` requests (several restarts per worker per
run), alternates wrk runs of the stack hello on each, and prints both p99s, the median of
per-round p99 ratios and the restarts counted in gunicorn's log.

    make bench BENCH_ARGS=recycling
"""

import os
import statistics
from pathlib import Path
from typing import Any

from bench.load import ROUNDS, wrk
from bench.stack import Stack

WORKERS = 5
MAX_REQUESTS = 2_000  # with the jitter, each worker restarts after 2,000 to 3,000 requests
SECONDS = 8


def _boots(stack: Stack) -> int:
    stack.log.flush()
    return Path(stack.log.name).read_text().count("Booting worker with pid")


def main(seconds: int = SECONDS) -> dict[str, Any]:
    print(
        f"== recycling: two stacks of {WORKERS} sync workers (GUNICORN_MAX_REQUESTS={MAX_REQUESTS} with jitter, and "
        f"off); wrk 16 connections on the stack hello, alternated {ROUNDS} times, {seconds} s per run ==",
        flush=True,
    )
    print(f"  load average before: {os.getloadavg()}", flush=True)
    logged = {"LOG_LEVEL": "INFO"}  # gunicorn's "Booting worker" lines count the restarts
    steady = Stack(WORKERS, env={**logged, "GUNICORN_MAX_REQUESTS": "0"})
    recycling = Stack(WORKERS, env={**logged, "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS)})
    try:
        for stack in (steady, recycling):
            wrk(f"{stack.base}/bench/hello/", connections=16, seconds=3)  # every worker warm
        booted = {name: _boots(stack) for name, stack in (("off", steady), ("on", recycling))}
        runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        for _ in range(ROUNDS):
            for name, stack in (("off", steady), ("on", recycling)):
                runs[name].append(wrk(f"{stack.base}/bench/hello/", connections=16, seconds=seconds))
        restarts = {name: _boots(stack) - booted[name] for name, stack in (("off", steady), ("on", recycling))}
    finally:
        steady.stop()
        recycling.stop()
    ratios = [on["p99"] / off["p99"] for on, off in zip(runs["on"], runs["off"], strict=True)]
    report: dict[str, Any] = {
        name: {
            "rps": statistics.median(r["rps"] for r in rounds),
            "p50": statistics.median(r["p50"] for r in rounds),
            "p99": statistics.median(r["p99"] for r in rounds),
            "p99_max": max(r["p99"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds),
            "requests": sum(r["requests"] for r in rounds),
            "restarts": restarts[name],
        }
        for name, rounds in runs.items()
    }
    report["p99_ratio"] = statistics.median(ratios)
    for name, label in (("off", "recycling off"), ("on", f"recycling every {MAX_REQUESTS:,}+jitter")):
        r = report[name]
        print(
            f"  {label:<34} {r['rps']:>7.0f} req/s  p50 {r['p50']:>6.2f} ms  p99 {r['p99']:>7.2f} ms "
            f"(worst round {r['p99_max']:.2f})  errors {r['errors']}/{r['requests']}  worker restarts {r['restarts']}",
            flush=True,
        )
    print(f"  p99 on / off: {report['p99_ratio']:.2f} (median of per-round ratios)", flush=True)
    report["load_after"] = os.getloadavg()
    print(f"  load average after: {report['load_after']}", flush=True)
    return report
