"""The fault run (issue 13): a production-like stack keeps every promise while its parts fail.

    make bench BENCH_ARGS=faults        # python -m bench.run faults

Starts its own stack: a private redis-server (the cache and the Celery broker, on the port of
REDIS_URL, default 6391; refused if anything already listens there), gunicorn from
gunicorn.conf.py with DEBUG=0 on PostgreSQL (DATABASE_URL, default `podium_fault`), and the
Procfile's worker and beat, each under `python -m config.supervise`. Verified members then post
their ballot for BENCH_FAULT_SECONDS (45) through the web form and the API, while on a schedule
Redis is killed for 10 s and started again (empty), the worker is killed with SIGKILL (the
supervisor must start another) and the web's PostgreSQL connections are terminated three times.

Checked afterwards, member by member: every acknowledged ballot is stored with exactly the votes
posted; no 5xx except the 503 "try again" answer, which must have stored nothing; no 429; no
request without an answer; the leaderboard counts every counted ballot within the sweep period;
web, the worker and beat are still running. Exit status 1 when any promise is broken.
"""

import os
import socket
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from django.db import connections

from accounts.services import create_api_token
from awards.models import Edition
from bench import fault_report
from bench.fault_actions import Fault, Schedule, WorkerWatch, start_redis, stop_redis, terminate_connections
from bench.fault_burst import API, TIMEOUT_SECONDS, WEB, Burst, Member
from bench.fault_checks import check_stored, leaderboard_lag, wait_caught_up
from bench.stack import OPEN_EDITION, Stack, ballot_body, expected_votes, prepare_data, session_cookies, verified_users
from tests.workers import PrivateRedis

WEB_APP, WORKER_APP = "podium-fault-web", "podium-fault-worker"


def _settings() -> dict[str, Any]:
    return {
        "seconds": float(os.environ.get("BENCH_FAULT_SECONDS", "45")),
        "members": int(os.environ.get("BENCH_FAULT_MEMBERS", "300")),  # per kind
        "clients": int(os.environ.get("BENCH_FAULT_CLIENTS", "4")),  # per kind
        "workers": int(os.environ.get("WEB_CONCURRENCY", "4")),
        "sweep": int(os.environ.get("PODIUM_SWEEP_SECONDS", "30")),
        "delay": int(os.environ.get("PODIUM_RECOMPUTE_DELAY_SECONDS", "2")),
    }


def _private_redis(directory: Path) -> PrivateRedis:
    url = urllib.parse.urlparse(os.environ["REDIS_URL"])
    port = url.port or 6379
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"something already listens on {port}: the fault run kills its Redis, so it needs its own")
    return PrivateRedis(directory, port=port)


def _with_application(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def _members(count: int) -> dict[str, list[Member]]:
    web = verified_users(count)
    api = verified_users(count)
    return {
        WEB: [Member(WEB, user.pk, cookie) for user, cookie in zip(web, session_cookies(web), strict=True)],
        API: [Member(API, user.pk, create_api_token(user=user, name="fault run")[1]) for user in api],
    }


def _schedule(redis: PrivateRedis, worker: WorkerWatch, seconds: float) -> list[Fault]:
    scale = seconds / 45

    def kill_web_connections() -> str:
        return terminate_connections(WEB_APP)

    return [
        Fault(5 * scale, "stop Redis (cache and broker)", lambda: stop_redis(redis)),
        Fault(15 * scale, "start Redis again", lambda: start_redis(redis)),
        Fault(22 * scale, "kill -9 the Celery worker", worker.kill),
        *(Fault(at * scale, "terminate web's PostgreSQL connections", kill_web_connections) for at in (30, 31.5, 33)),
    ]


def _warm_up(stack: Stack, body: Path, edition: Edition, timeout: float) -> float | None:
    """One ballot before the burst, counted by the worker: the stack works before anything breaks."""
    warm = _members(1)
    burst = Burst(stack.port, {WEB: warm[WEB]}, body, 1, 1)
    burst.started = time.monotonic()
    attempt = burst.post(warm[WEB][0])
    if not attempt.acknowledged:
        raise SystemExit(f"the warm-up ballot was not acknowledged: {attempt.status} {attempt.detail}")
    return wait_caught_up(edition, timeout)


def _run(stack: Stack, redis: PrivateRedis, config: dict[str, Any], directory: Path) -> dict[str, Any]:
    database_url = os.environ["DATABASE_URL"]
    supervisor = stack.start_procfile("worker", {"DATABASE_URL": _with_application(database_url, WORKER_APP)})
    beat = stack.start_procfile("beat", {"CELERY_BEAT_SCHEDULE_FILE": str(directory / "beat-schedule")})
    edition = Edition.objects.get(slug=OPEN_EDITION)
    body = ballot_body(directory)
    report: dict[str, Any] = {"warm_up": _warm_up(stack, body, edition, config["sweep"] + 30)}
    members = _members(config["members"])
    connections.close_all()  # the burst's checks open fresh ones; nothing idles through the faults
    worker = WorkerWatch(supervisor.pid)
    burst = Burst(stack.port, members, body, config["seconds"], config["clients"])
    faults = _schedule(redis, worker, config["seconds"])
    print(f"  load average before the burst: {os.getloadavg()}", flush=True)
    threads = burst.start()
    schedule = Schedule(burst.started, faults)
    schedule.start()
    worker.watch(burst.started)
    for thread in [*threads, schedule]:
        thread.join(timeout=config["seconds"] + TIMEOUT_SECONDS + 10)
    report["burst_seconds"] = time.monotonic() - burst.started
    report["load_after_burst"] = os.getloadavg()
    report["caught_up_after"] = wait_caught_up(edition, config["sweep"] + config["delay"] + 10)
    worker.stop.set()
    report["leaderboard"] = leaderboard_lag(edition)
    report["running"] = {
        "gunicorn": stack.processes[0].poll() is None,
        "worker supervisor": supervisor.poll() is None,
        "worker": worker.current() is not None,
        "beat supervisor": beat.poll() is None,
    }
    report.update(worker=worker, faults=faults, attempts=burst.attempts)
    report["stored"] = check_stored(burst.attempts, edition, expected_votes(body))
    report["log"] = stack.log.name
    return report


def main() -> bool:
    """Run the fault run; True when every promise held."""
    config = _settings()
    with tempfile.TemporaryDirectory(prefix="podium-faults-") as tmp:
        directory = Path(tmp)
        redis = _private_redis(directory)
        redis.start()
        try:
            prepare_data()
            print(
                f"== faults: {config['seconds']:.0f} s of ballots, {config['clients']} web and {config['clients']} API"
                f" clients, {config['members']} members each; gunicorn {config['workers']} sync workers, DEBUG=0,"
                f" Redis {redis.url} (cache and broker), worker and beat under config.supervise,"
                f" sweep every {config['sweep']} s ==",
                flush=True,
            )
            stack = Stack(
                config["workers"],
                env={
                    "REDIS_URL": redis.url,
                    "CELERY_BROKER_URL": redis.url.rsplit("/", 1)[0] + "/1",
                    "DATABASE_URL": _with_application(os.environ["DATABASE_URL"], WEB_APP),
                    "PODIUM_SWEEP_SECONDS": str(config["sweep"]),
                    "PODIUM_API_RATE_LIMIT_ADDRESS": "1000000/m",  # every client shares 127.0.0.1
                    "LOG_LEVEL": "WARNING",
                },
            )
            try:
                report = _run(stack, redis, config, directory)
            finally:
                stack.stop()
        finally:
            redis.stop()
            connections.close_all()
    return fault_report.summary(report, config)
