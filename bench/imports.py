"""Imports at size, timed: 100,000 offline-survey rows through `import_ballots`, and the nominee
CSV's cap (20,000 rows, about 1 MB) through `import_nominees_csv`, which must finish well inside
gunicorn's 30 s request timeout.

Moved here from the test suite (timings do not belong in tests, and these took over a minute of
the default tier): the tests keep the imports' rules and statement counts on small files; these
cases show they still complete at size and print the figures.

    make bench BENCH_ARGS=imports
"""

import time
from datetime import timedelta

from django.utils import timezone

from awards.models import Category, Edition, Nominee, VotingMethod
from awards.services import import_nominees_csv
from voting.ballots.imports import import_ballots
from voting.models import Ballot, Vote

ROWS = 100_000
NOMINEE_ROWS = 20_000  # about the nominee CSV's 1 MB cap
HEADER = "voter,fund,wallet,chain\n"
SLUG = "bench-import"


def _drop() -> None:
    """Remove the bench edition of an earlier run (ballots and categories protect it, so leaves first)."""
    Vote.objects.filter(ballot__edition__slug=SLUG).delete()
    Ballot.objects.filter(edition__slug=SLUG).delete()
    Nominee.objects.filter(category__edition__slug=SLUG).delete()
    Category.objects.filter(edition__slug=SLUG).delete()
    Edition.objects.filter(slug=SLUG).delete()


def _edition() -> Edition:
    """A fresh edition with a plurality, an approval (max 2) and an IRV category, 3 nominees each."""
    _drop()
    now = timezone.now()
    edition = Edition.objects.create(
        name=SLUG,
        slug=SLUG,
        is_public=True,
        voting_opens_at=now - timedelta(days=1),
        voting_closes_at=now + timedelta(days=30),
    )
    specs = [
        ("fund", VotingMethod.PLURALITY, None),
        ("wallet", VotingMethod.APPROVAL, 2),
        ("chain", VotingMethod.IRV, None),
    ]
    for order, (slug, method, max_choices) in enumerate(specs):
        category = Category.objects.create(
            edition=edition, slug=slug, title=f"Best {slug}", method=method, max_choices=max_choices, order=order
        )
        for n in range(3):
            Nominee.objects.create(category=category, name=f"{slug}-{n}", order=n)
    return edition


def nominee_csv(rows: int = NOMINEE_ROWS) -> float:
    """Seconds to import the nominee CSV's cap into one category (the admin's request does this)."""
    category = _edition().categories.get(slug="fund")
    text = "name;ticker;website\n" + "".join(f"Nominee {n};N{n % 1000};example.com/{n}\n" for n in range(rows))
    started = time.monotonic()
    done = import_nominees_csv(category=category, text=text)
    seconds = time.monotonic() - started
    assert (len(done.created), category.nominees.count()) == (rows, rows + 3), len(done.created)
    print(f"  nominee CSV: {rows:,} rows ({len(text) / 1e6:.1f} MB) in {seconds:.1f} s (gunicorn's timeout: 30 s)")
    _drop()
    return seconds


def main(rows: int = ROWS) -> dict[str, float]:
    print(f"== imports: {rows:,} CSV rows through import_ballots ==", flush=True)
    edition = _edition()
    lines = [HEADER] + [f"v{i},fund-{i % 3},wallet-{i % 3},chain-{i % 3}>chain-{(i + 1) % 3}\n" for i in range(rows)]
    started = time.monotonic()
    outcome = import_ballots(edition=edition, lines=iter(lines))
    seconds = time.monotonic() - started
    ballots = Ballot.objects.filter(edition=edition).count()
    votes = Vote.objects.filter(ballot__edition=edition).count()
    assert (outcome.imported, ballots, votes) == (rows, rows, 4 * rows), (outcome.imported, ballots, votes)
    print(f"  imported {rows:,} ballots ({votes:,} votes) in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    _drop()
    return {"rows": rows, "seconds": seconds, "nominee_csv_seconds": nominee_csv()}
