"""Ballot submission under load: real first ballots of logged-in members (one member per
request) beside the bare hello and the bare tutorial vote, every acknowledged ballot checked
member by member, the statements on PostgreSQL's wire, and a py-spy profile by call site.

    python -m bench.run ballot [--quick]   (also part of `python -m bench.run http`)
"""

import json
import os
import shutil
import statistics
import subprocess
import tempfile
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
from bench.cpu import cpu_per_request, describe
from bench.load import BareStack, print_case, wrk, wrk_case
from bench.stack import (
    BIN,
    CSRF,
    OPEN_EDITION,
    Stack,
    ballot_body,
    expected_votes,
    make_members,
    prepare_data,
)
from voting.models import Ballot, MailKind, MailStatus, OutgoingMail, Receipt, ResultsState, Vote


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
        votes.append(wrk_case(vote_case, conns, seconds))
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


def cpu_split(
    stack: "Stack", bare: BareStack, vote_case: dict[str, Any], ballot_url: str, body: Path, member_file: Path
) -> dict[str, Any]:
    """CPU per request of each process: the bare tutorial vote, then a ballot burst and what it leaves the
    worker (its receipt e-mails sent, its edition recomputed), 10 s at 16 clients each."""
    sessions = {
        bare.process.pid: "bare web",
        stack.processes[0].pid: "Podium web",
        stack.processes[1].pid: "Celery worker",
    }
    edition = Edition.objects.get(slug=OPEN_EDITION)
    unsent = OutgoingMail.objects.filter(
        edition=edition, kind=MailKind.RECEIPT, status__in=[MailStatus.PENDING, MailStatus.SENDING]
    )

    def settled() -> bool:
        stale = ResultsState.objects.filter(edition=edition, stale_since__isnull=False).exists()
        return not stale and not unsent.exists()

    tutorial = cpu_per_request(sessions, lambda: wrk_case(vote_case, 16, 10))
    ballot = cpu_per_request(
        sessions,
        lambda: wrk(ballot_url, connections=16, seconds=10, script="ballot.lua", args=[str(member_file), str(body)]),
        settled,
    )
    print("  CPU per request by process, ms (the ballot's until its receipts are sent and its edition recomputed):")
    print(describe("bare tutorial vote", tutorial), flush=True)
    print(describe("ballot", ballot), flush=True)
    return {"tutorial": tutorial, "ballot": ballot}


def ballot_cases(
    stack: "Stack",
    bare: BareStack,
    hello_url: str,
    vote_case: dict[str, Any],
    directory: Path,
    seconds: int,
    report: dict[str, Any],
) -> None:
    """Ballot submission at 16 and 64 clients (fresh members each round, a Celery worker), the CPU each
    process spends per ballot, then a py-spy profile."""
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
        print_case(name, report[name])
        print(
            f"    stored and checked member by member: {report[name]['stored']} "
            f"(acknowledged {report[name]['acknowledged']}); {report[name]['vote_ratio']:.2f}x the bare tutorial vote "
            f"({report[name]['vote_rps']:.0f} req/s); worst round p99 {report[name]['p99_max']:.0f} ms",
            flush=True,
        )
    cpu_members = make_members(per_run, directory)  # used up before the profile's members replace the file
    report["cpu per request"] = cpu_split(stack, bare, vote_case, ballot_url, body_path, cpu_members)
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
            ballot_cases(stack, bare, hello_url, vote_case, directory, seconds, report)
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
        result["first ballot"] = _logged(database, lambda: post_ballot(probe.base, cookie, body.encode()))
        _get(probe.base, page, cookie)
        change = _changed_body(body)
        result["change"] = _logged(database, lambda: post_ballot(probe.base, cookie, change.encode()))
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


def post_ballot(base: str, cookie: str, body: bytes) -> int:
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
