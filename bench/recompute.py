"""Recompute benchmarks: Podium's tallies against a raw SQL GROUP BY and against votelib.

Every comparison runs both sides on the same stored ballots in the same process,
alternating A, B, A, B, and reports medians and their ratio (absolute times on a shared
machine are noise; ratios measured side by side are not).

    python -m bench.run recompute [--large]     # --large adds 5M plurality votes
"""

import logging
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import votelib.convert
from django.db import connection
from votelib.evaluate.condorcet import Schulze
from votelib.evaluate.sequential import TransferableVoteSelector

from awards.models import Category, Edition, VotingMethod
from bench import data
from voting.results.recompute import _ranked_profiles, recompute_edition, tally_edition
from voting.tally import RankedProfile, irv, schulze

REPEATS = 5
logging.getLogger("votelib").setLevel(logging.WARNING)  # it logs every round at INFO


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def side_by_side(a: Callable[[], Any], b: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, float, Any, Any]:
    """Median wall times of a and b, run alternately after one warm-up each."""
    ra, rb = a(), b()
    ta, tb = [], []
    for _ in range(repeats):
        t, ra = timed(a)
        ta.append(t)
        t, rb = timed(b)
        tb.append(t)
    return statistics.median(ta), statistics.median(tb), ra, rb


def per_round_ratios(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int = REPEATS
) -> tuple[dict[str, float], Any, Any]:
    """Median of per-round theirs/ours ratios, wall and CPU, Podium and votelib alternating each round.

    A ratio taken within one round compares two runs made under the same load, so a loaded
    machine moves both sides together instead of faking (or hiding) a speedup; CPU time
    (process_time) is immune to time stolen by other processes altogether.
    """
    ra, rb = ours(), theirs()
    wall, cpu, ours_wall, ours_cpu, lib_wall, lib_cpu = [], [], [], [], [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        ra = ours()
        w1, c1 = time.perf_counter(), time.process_time()
        rb = theirs()
        w2, c2 = time.perf_counter(), time.process_time()
        ours_wall.append(w1 - w0)
        ours_cpu.append(c1 - c0)
        lib_wall.append(w2 - w1)
        lib_cpu.append(c2 - c1)
        wall.append((w2 - w1) / (w1 - w0))
        cpu.append((c2 - c1) / max(c1 - c0, 1e-9))
    medians = {
        "engine_s": statistics.median(ours_wall),
        "votelib_s": statistics.median(lib_wall),
        "engine_cpu_s": statistics.median(ours_cpu),
        "votelib_cpu_s": statistics.median(lib_cpu),
        "speedup": statistics.median(wall),
        "speedup_cpu": statistics.median(cpu),
    }
    return medians, ra, rb


def peak_memory(fn: Callable[[], Any]) -> tuple[float, float]:
    """(tracemalloc peak MiB of Python allocations during fn, process max RSS MiB after it)."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_group_by(edition: Edition, category: Category) -> dict[int, int]:
    """What a team would write by hand: counted ballots' votes per nominee, one GROUP BY."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.nominee_id, count(*) FROM voting_vote v JOIN voting_ballot b ON b.id = v.ballot_id
            WHERE b.edition_id = %s AND b.status = 'counted' AND v.category_id = %s GROUP BY v.nominee_id
            """,
            [edition.pk, category.pk],
        )
        return dict(cursor.fetchall())


def raw_group_by_no_join(category: Category) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nominee_id, count(*) FROM voting_vote WHERE category_id = %s GROUP BY 1", [category.pk])
        return dict(cursor.fetchall())


def _scores(results: list[dict[str, Any]]) -> dict[int, int]:
    return {s["nominee"]: s["score"] for s in results[0]["standings"] if s["score"]}


def counted_tally(method: str, ballots: int, label: str, report: list[dict[str, Any]]) -> None:
    edition, category, ids = data.make_edition(f"bench-{method}-{ballots}", method)
    started = time.perf_counter()
    votes = data.fill(edition, category, ids, ballots)
    print(f"  data: {ballots:,} ballots, {votes:,} votes ready in {time.perf_counter() - started:.1f} s", flush=True)
    podium_t, sql_t, (results, _), sql_counts = side_by_side(
        lambda: tally_edition(edition), lambda: raw_group_by(edition, category)
    )
    assert _scores(results) == sql_counts, "Podium and the GROUP BY disagree"
    bare_t = side_by_side(lambda: raw_group_by_no_join(category), lambda: None)[0]
    full_t = statistics.median(timed(lambda: recompute_edition(edition.pk))[0] for _ in range(3))
    traced, rss = peak_memory(lambda: tally_edition(edition))
    per_million = podium_t / (votes / 1e6)
    print(
        f"  {label}: tally_edition {podium_t * 1000:.0f} ms ({per_million:.3f} s per million votes), "
        f"raw GROUP BY with ballot join {sql_t * 1000:.0f} ms -> ratio {podium_t / sql_t:.2f}x; "
        f"GROUP BY without join {bare_t * 1000:.0f} ms; full recompute_edition {full_t * 1000:.0f} ms; "
        f"peak Python memory {traced:.2f} MiB, max RSS {rss:.0f} MiB",
        flush=True,
    )
    report.append(
        {
            "case": label,
            "votes": votes,
            "podium_s": podium_t,
            "sql_s": sql_t,
            "ratio": podium_t / sql_t,
            "s_per_million": per_million,
            "peak_mib": traced,
            "recompute_s": full_t,
        }
    )


def _votelib_irv(profile: RankedProfile) -> int:
    return TransferableVoteSelector().evaluate(dict(profile.counts))[0]


def _votelib_schulze(profile: RankedProfile) -> int:
    pairs = votelib.convert.RankedToCondorcetVotes(unranked_at_bottom=True).convert(dict(profile.counts))
    return Schulze().evaluate(pairs)[0]


def ranked_tally(method: str, ballots: int, report: list[dict[str, Any]], shape: str = "realistic") -> None:
    suffix = "" if shape == "realistic" else f"-{shape}"
    edition, category, ids = data.make_edition(f"bench-{method}-{ballots}{suffix}", method)
    started = time.perf_counter()
    votes = data.fill(edition, category, ids, ballots, seed=11, profile=shape)
    print(
        f"  data: {ballots:,} ranked ballots, {votes:,} rank rows ready in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    categories = list(Category.objects.filter(edition=edition))
    stream_t, profiles = timed(lambda: _ranked_profiles(edition, categories))
    profile = profiles[category.pk]
    engine = irv if method == VotingMethod.IRV else schulze
    theirs = _votelib_irv if method == VotingMethod.IRV else _votelib_schulze
    timing, ours, their_winner = per_round_ratios(lambda: engine(profile, ids), lambda: theirs(profile), repeats=5)
    ours_t, lib_t = timing["engine_s"], timing["votelib_s"]
    winner = ours.standings[0].candidate
    assert winner == their_winner, f"{method}: Podium elected {winner}, votelib {their_winner}"
    e2e_t = statistics.median(timed(lambda: tally_edition(edition))[0] for _ in range(3))
    traced, rss = peak_memory(lambda: tally_edition(edition))
    label = f"{method.upper()} {ballots:,} ballots, {shape} profile"
    print(
        f"  {label} ({len(profile):,} distinct rankings): Podium engine {ours_t * 1000:.1f} ms vs votelib "
        f"{lib_t * 1000:.1f} ms on the same profile -> votelib/Podium per-round median {timing['speedup']:.1f}x wall, "
        f"{timing['speedup_cpu']:.1f}x CPU, same winner {winner}; "
        f"end to end from PostgreSQL (stream + tally) {e2e_t * 1000:.0f} ms, of which streaming {stream_t * 1000:.0f} ms; "
        f"end to end with votelib instead {(stream_t + lib_t) * 1000:.0f} ms -> {(stream_t + lib_t) / e2e_t:.1f}x; "
        f"peak Python memory {traced:.1f} MiB, max RSS {rss:.0f} MiB",
        flush=True,
    )
    report.append(
        {
            "case": label,
            **timing,
            "e2e_s": e2e_t,
            "stream_s": stream_t,
            "distinct": len(profile),
            "peak_mib": traced,
        }
    )


def main(large: bool = False, ranked_only: bool = False) -> list[dict[str, Any]]:
    report: list[dict[str, Any]] = []
    if ranked_only:
        print("== recompute: IRV and Schulze against votelib, 100k ballots, 10 nominees ==", flush=True)
        for shape in ("realistic", "uniform"):
            ranked_tally(VotingMethod.IRV, 100_000, report, shape)
            ranked_tally(VotingMethod.SCHULZE, 100_000, report, shape)
        return report
    print("== recompute: plurality and approval against a raw SQL GROUP BY ==", flush=True)
    counted_tally(VotingMethod.PLURALITY, 1_000_000, "plurality 1M votes", report)
    counted_tally(VotingMethod.APPROVAL, 500_000, "approval ~1M votes", report)
    if large:
        counted_tally(VotingMethod.PLURALITY, 5_000_000, "plurality 5M votes", report)
    print("== recompute: IRV and Schulze against votelib (10 nominees) ==", flush=True)
    for ballots in (100_000, 1_000_000):
        ranked_tally(VotingMethod.IRV, ballots, report)
        ranked_tally(VotingMethod.SCHULZE, ballots, report)
    ranked_tally(VotingMethod.IRV, 100_000, report, "uniform")
    ranked_tally(VotingMethod.SCHULZE, 100_000, report, "uniform")
    return report
