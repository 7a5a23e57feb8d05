"""The fault run's summary: answers per phase of the burst, what each fault did, the promises."""

import json
import statistics
from typing import Any

from bench.fault_actions import Fault
from bench.fault_burst import API, WEB, Attempt
from bench.fault_checks import statuses


def _phases(faults: list[Fault], burst_seconds: float) -> list[tuple[float, str]]:
    """(start, label) of each stretch of the burst: before the faults, from each fault on."""
    phases = [(0.0, "before any fault")]
    for fault in sorted(faults, key=lambda f: f.at):
        if phases[-1][1] != fault.name:
            phases.append((fault.done_at if fault.done_at is not None else fault.at, fault.name))
    last = max((f.done_at or f.at for f in faults), default=0.0)
    if last + 3 < burst_seconds:
        phases.append((last + 3, "after the faults"))
    return phases


def _phase_rows(attempts: list[Attempt], phases: list[tuple[float, str]]) -> list[list[str]]:
    rows = []
    for index, (start, label) in enumerate(phases):
        end = phases[index + 1][0] if index + 1 < len(phases) else float("inf")
        inside = [a for a in attempts if start <= a.started < end]
        counts = statuses(inside)
        took = [a.seconds for a in inside]
        rows.append(
            [
                f"{start:5.1f} s  {label}",
                str(len(inside)),
                str(sum(a.acknowledged for a in inside if a.member.kind == WEB)),
                str(sum(a.acknowledged for a in inside if a.member.kind == API)),
                str(counts["503 try again"]),
                str(counts["429"]),
                str(sum(n for s, n in counts.items() if s[0] == "5" and s != "503 try again")),
                str(sum(n for s, n in counts.items() if s.startswith("no answer"))),
                f"{statistics.median(took):.2f} / {max(took):.2f}" if took else "-",
            ]
        )
    return rows


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  "
            + "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def _promises(report: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str, bool]]:
    attempts: list[Attempt] = report["attempts"]
    stored, counts, worker = report["stored"], statuses(attempts), report["worker"]
    five = sum(n for s, n in counts.items() if s[0] == "5" and s != "503 try again")
    unanswered = sum(n for s, n in counts.items() if s.startswith("no answer"))
    other = sum(n for s, n in counts.items() if s not in ("302", "200", "429", "503 try again") and s[0] in "1234")
    limit = config["sweep"] + config["delay"] + 10
    caught = report["caught_up_after"]
    counted, in_snapshot = report["leaderboard"]
    failed = [f for f in report["faults"] if f.done_at is None or f.outcome.startswith(("FAILED", "no worker"))]
    return [
        (
            "every fault happened on schedule",
            f"{len(report['faults']) - len(failed)} of {len(report['faults'])}",
            not failed,
        ),
        (
            "every acknowledged ballot is stored with exactly the votes posted",
            f"{stored.stored_exactly} of {stored.acknowledged}",
            not stored.broken and stored.acknowledged > 0,
        ),
        ("zero 5xx (the 503 'try again' apart)", str(five), five == 0),
        ("zero 429", str(counts["429"]), counts["429"] == 0),
        ("every request answered", f"{unanswered} unanswered", unanswered == 0),
        ("no other refusal of a valid first ballot", str(other), other == 0),
        (
            "a 503 'try again' stored nothing",
            f"{stored.try_again} answers, {len(stored.try_again_stored)} stored",
            not stored.try_again_stored,
        ),
        (
            "the worker exits only when killed (it rides out the Redis outage)",
            ", ".join(f"pid {pid} at {at:.1f} s" for at, pid in worker.exits) or "no other exit",
            not worker.exits,
        ),
        (
            "the supervisor restarted the killed worker",
            _seconds(worker.restarted_after),
            worker.restarted_after is not None,
        ),
        (
            "web, worker and beat still running",
            ", ".join(k for k, v in report["running"].items() if not v) or "all",
            all(report["running"].values()),
        ),
        (
            f"leaderboard caught up within the sweep period ({limit} s)",
            f"{_seconds(caught)} ({in_snapshot} of {counted} counted ballots)",
            caught is not None,
        ),
    ]


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "never"


def summary(report: dict[str, Any], config: dict[str, Any]) -> bool:
    """Print the run's figures; True when every promise held."""
    attempts: list[Attempt] = report["attempts"]
    print(f"  warm-up ballot counted by the worker after {_seconds(report['warm_up'])}")
    print(f"  burst: {report['burst_seconds']:.1f} s, load average after {report['load_after_burst']}")
    print("  faults:")
    for fault in report["faults"]:
        print(f"    {fault.at:5.1f} s (done {_seconds(fault.done_at)})  {fault.name}: {fault.outcome}")
    header = [
        "phase (burst time)",
        "sent",
        "web ack",
        "API ack",
        "503 try again",
        "429",
        "5xx",
        "no answer",
        "p50 / max s",
    ]
    _table(header, _phase_rows(attempts, _phases(report["faults"], report["burst_seconds"])))
    for kind in (WEB, API):
        counts = statuses([a for a in attempts if a.member.kind == kind])
        print(f"  {kind} answers: " + ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
    stored = report["stored"]
    for line in [*stored.broken, *stored.try_again_stored][:20]:
        print(f"    BROKEN {line}")
    print(f"  not acknowledged but stored (answer lost or refused after commit): {stored.unanswered_stored}")
    odd = [a for a in attempts if not a.acknowledged and not a.try_again][:10]
    for attempt in odd:
        print(f"    {attempt.member.kind} at {attempt.started:.1f} s: {attempt.status} {attempt.detail[:120]!r}")
    print(f"  server, worker and beat log: {report['log']}")
    promises = _promises(report, config)
    _table(["promise", "figure", "held"], [[name, figure, "yes" if held else "NO"] for name, figure, held in promises])
    figures = {
        "sent": len(attempts),
        "acknowledged": stored.acknowledged,
        "stored_exactly": stored.stored_exactly,
        "try_again": stored.try_again,
        "statuses": dict(statuses(attempts)),
        "worker_restarted_after": report["worker"].restarted_after,
        "caught_up_after": report["caught_up_after"],
    }
    print(json.dumps(figures, default=str))
    return all(held for _, _, held in promises)
