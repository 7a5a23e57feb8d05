"""What the fault run breaks, on a schedule: its private Redis, the supervised Celery worker, the
web's PostgreSQL connections. Each action returns a line saying what it did."""

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connection

from tests.workers import PrivateRedis


@dataclass
class Fault:
    at: float  # seconds into the burst
    name: str
    action: Callable[[], str]
    done_at: float | None = None
    outcome: str = ""


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux' /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@dataclass
class WorkerWatch:
    """The Celery worker under `python -m config.supervise`: kill it, see the supervisor start
    another, and notice every exit it was not asked for (`watch`, polled every 0.1 s)."""

    supervisor_pid: int
    killed: list[int] = field(default_factory=list)
    restarted_after: float | None = None
    exits: list[tuple[float, int]] = field(default_factory=list)  # (seconds into the watch, pid) not killed
    stop: threading.Event = field(default_factory=threading.Event)

    def current(self) -> int | None:
        found = children(self.supervisor_pid)
        return found[0] if found else None

    def watch(self, started: float) -> None:
        def poll() -> None:
            seen = self.current()
            while not self.stop.wait(0.1):
                pid = self.current()
                if seen is not None and pid != seen and seen not in self.killed:
                    self.exits.append((time.monotonic() - started, seen))
                seen = pid if pid is not None else seen

        threading.Thread(target=poll, daemon=True).start()

    def kill(self) -> str:
        pid = self.current()
        if pid is None:
            return "no worker running under the supervisor"
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)
        threading.Thread(target=self._wait_for_restart, args=(pid, time.monotonic()), daemon=True).start()
        return f"SIGKILL to the worker's main process {pid}"

    def _wait_for_restart(self, old: int, since: float) -> None:
        while time.monotonic() - since < 60:
            pid = self.current()
            if pid is not None and pid != old:
                self.restarted_after = time.monotonic() - since
                return
            time.sleep(0.1)


def stop_redis(redis: PrivateRedis) -> str:
    redis.stop()  # SIGKILL: an outage, not a clean shutdown (and it comes back empty)
    return f"redis-server on port {redis.port} killed"


def start_redis(redis: PrivateRedis) -> str:
    redis.start()
    return f"redis-server on port {redis.port} started again (empty)"


def terminate_connections(application_name: str) -> str:
    """pg_terminate_backend on this run's database only, for the connections of one application."""
    database = connection.settings_dict["NAME"]
    db = connection.settings_dict
    with psycopg.connect(
        dbname=database,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
            " AND pid <> pg_backend_pid()",
            [database, application_name],
        ).fetchall()
        for pid, _ in rows:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    busy = sum(1 for _, state in rows if state != "idle")
    return f"terminated {len(rows)} {application_name} connections on {database} ({busy} not idle)"


class Schedule(threading.Thread):
    """Runs each fault at its time into the burst (seconds from `started`, a monotonic clock)."""

    def __init__(self, started: float, faults: list[Fault]) -> None:
        super().__init__(daemon=True)
        self.started, self.faults = started, faults

    def run(self) -> None:
        for fault in sorted(self.faults, key=lambda f: f.at):
            time.sleep(max(0.0, self.started + fault.at - time.monotonic()))
            try:
                fault.outcome = fault.action()
            except Exception as error:  # report it: a fault that did not happen proves nothing
                fault.outcome = f"FAILED: {error!r}"
            fault.done_at = time.monotonic() - self.started
