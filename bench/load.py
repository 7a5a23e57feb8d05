"""wrk on loopback, and the bare Django baseline it is compared with, for the HTTP benchmarks.

Every case runs right after the bare hello (`side_by_side`), so each ratio holds although
absolute figures on a shared machine do not.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.stack import (
    BIN,
    ROOT,
    free_port,
)

WRK_DIR = Path(__file__).resolve().parent / "wrk"


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


def print_case(name: str, result: dict[str, Any]) -> None:
    ratio = f"{result['ratio']:.0%} of hello" if "ratio" in result else "baseline"
    print(
        f"  {name:<40} {result['rps']:>7.0f} req/s  p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>8.2f} ms  "
        f"errors {result['errors']}/{result['requests']}  ({ratio}; hello {result.get('hello_rps', result['rps']):.0f})",
        flush=True,
    )


def wrk_case(case: dict[str, Any], connections: int, seconds: int) -> dict[str, Any]:
    return wrk(
        case["url"],
        connections=connections,
        seconds=seconds,
        script=case.get("script"),
        args=case.get("args"),
        header=case.get("header"),
    )


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
