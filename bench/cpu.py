"""CPU time per request, by process, over one wrk run: where a ballot's cost goes, beside the tutorial vote's.

Read from /proc (user + system time of each process) before a run and after it has settled, so
work a run leaves behind (the worker's receipt e-mails and recompute after a ballot burst) is
counted with it. The web servers and the Celery worker are told apart by their session (each
is started in a session of its own); PostgreSQL and Redis by their command name. wrk has exited
by the second reading, so the load generator's own share is not in them. On a 2-core machine
throughput is CPU bound, so these figures say what a faster ballot must shed.
"""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")
BY_COMMAND = {"postgres": "PostgreSQL", "redis-server": "Redis"}


def _cpu_seconds(sessions: dict[int, str]) -> dict[tuple[str, int], float]:
    """(label, pid) -> CPU seconds so far, for the processes of `sessions` and BY_COMMAND."""
    found: dict[tuple[str, int], float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on: see proc(5)
        label = sessions.get(int(fields[3])) or BY_COMMAND.get(command)
        if label:
            found[(label, int(entry))] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def cpu_per_request(
    sessions: dict[int, str], run: Callable[[], dict[str, Any]], settled: Callable[[], bool] = lambda: True
) -> dict[str, Any]:
    """`run` (a wrk result) and the CPU milliseconds per request of each process group until `settled`."""
    before = _cpu_seconds(sessions)
    result = run()
    deadline = time.monotonic() + 30
    while not settled() and time.monotonic() < deadline:
        time.sleep(0.25)
    after = _cpu_seconds(sessions)
    spent: dict[str, float] = {}
    for key, seconds in after.items():
        spent[key[0]] = spent.get(key[0], 0.0) + seconds - before.get(key, 0.0)
    requests = max(1, result["requests"])
    per_request = {label: 1000 * seconds / requests for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1])}
    return {"rps": result["rps"], "requests": result["requests"], "ms": per_request, "total": sum(per_request.values())}


def describe(name: str, measured: dict[str, Any]) -> str:
    parts = ", ".join(f"{label} {ms:.2f}" for label, ms in measured["ms"].items() if ms >= 0.005)
    return f"    {name} ({measured['rps']:.0f} req/s): {parts}; total {measured['total']:.2f} ms"
