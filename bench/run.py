"""`python -m bench.run [recompute] [ranked] [http] [visitors] [ballot] [freshness] [imports] [recycling] [faults] [--large] [--quick]`: run benchmarks, print figures and ratios.

Uses PostgreSQL (DATABASE_URL, default the `podium_bench` database, created if missing),
Redis (REDIS_URL, default redis://127.0.0.1:6379/3) and a Redis broker for the Celery worker
(BENCH_BROKER_URL, default redis://127.0.0.1:6379/4). Never part of the test suite.

`faults` (bench/faults.py) breaks its own stack, so it runs alone, on its own database
(default `podium_fault`) and a redis-server it starts on REDIS_URL's port (default 6391);
it exits with status 1 when a promise is broken.
"""

import argparse
import os
import platform
import subprocess
import sys
import urllib.parse


def machine_facts() -> None:
    import django

    def sh(command: str) -> str:
        return subprocess.run(command, shell=True, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S602

    print("== machine ==")
    print(f"  date: {sh('date -u +%Y-%m-%dT%H:%M:%SZ')}; nproc: {os.cpu_count()}; {sh('free -h | sed -n 2p')}")
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
    redis = sh("redis-server --version | cut -d' ' -f1-3")
    wrk = sh("wrk --version 2>&1 | head -1")
    print(f"  CPU: {cpu}")
    print(
        f"  Python {platform.python_version()}, Django {django.get_version()}, {sh('psql --version')}, {redis}, {wrk}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("suites", nargs="*", default=["recompute", "http"])
    parser.add_argument("--large", action="store_true", help="also 5M plurality votes")
    parser.add_argument("--quick", action="store_true", help="shorter HTTP runs")
    args = parser.parse_args()
    if "faults" in args.suites:
        if args.suites != ["faults"]:
            parser.error("faults stops its Redis and kills its processes: run it alone")
        os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/podium_fault")
        os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6391/0")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/podium_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # One key for this process and the servers it starts: it signs the members' sessions.
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
    database = urllib.parse.urlparse(os.environ["DATABASE_URL"]).path.lstrip("/")
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], capture_output=True, check=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--run-syncdb", verbosity=0)
    machine_facts()
    if "recompute" in args.suites:
        from bench import recompute

        recompute.main(large=args.large)
    if "ranked" in args.suites:
        from bench import recompute

        recompute.main(ranked_only=True)
    if "http" in args.suites:
        from bench import http

        http.main(quick=args.quick)
    if "visitors" in args.suites:  # the http suite's visitor pages only, beside the same bare hello
        from bench import http

        http.main(quick=args.quick, visitors_only=True)
    if "ballot" in args.suites:
        from bench import ballots

        ballots.ballot_main(quick=args.quick)
    if "imports" in args.suites:
        from bench import imports

        imports.main()
    if "freshness" in args.suites:
        from bench import http

        http.freshness_main()
    if "recycling" in args.suites:
        from bench import recycling

        recycling.main()
    if "faults" in args.suites:
        from bench import faults

        held = faults.main()
        sys.stdout.flush()
        sys.exit(0 if held else 1)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
