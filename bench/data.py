"""Synthetic stored ballots for the recompute benchmarks, written straight with SQL (fast, seeded).

Plurality: every ballot votes once, nominee drawn from the reference ETF shares.
Approval: every ballot approves 1 to 3 of 10 nominees. Ranked (IRV or Schulze): every
ballot ranks 1 to 5 of 10 nominees, drawn Plackett-Luce from skewed weights, so that the
profile looks like a real vote (many repeated top orders, a long tail); or, for the
"uniform" profile, a uniformly random order, half of them truncated (80k+ distinct
rankings in 100k ballots).
"""

import io
import random
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from awards.models import Category, Edition, Nominee, ResultsVisibility, VotingMethod
from voting.models import Ballot

WEIGHTS = [49.7, 30.6, 7.0, 3.7, 3.6, 3.2, 1.3, 0.9, 0.5, 0.3]  # the reference table, then a tail


def make_edition(slug: str, method: str, nominees: int = 10) -> tuple[Edition, Category, list[int]]:
    now = timezone.now()
    edition, _ = Edition.objects.update_or_create(
        slug=slug,
        defaults={
            "name": slug,
            "is_public": True,
            "results_visibility": ResultsVisibility.LIVE,
            "voting_opens_at": now - timedelta(days=1),
            "voting_closes_at": now + timedelta(days=30),
        },
    )
    category, _ = Category.objects.get_or_create(
        edition=edition,
        slug=f"{slug}-category",
        defaults={
            "title": slug,
            "method": method,
            "order": 0,
            "max_choices": 3 if method == VotingMethod.APPROVAL else None,
        },
    )
    for order in range(nominees):
        Nominee.objects.get_or_create(category=category, name=f"N{order}", defaults={"order": order})
    ids = list(category.nominees.order_by("order").values_list("pk", flat=True))
    return edition, category, ids


def stored_ballots(edition: Edition) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM voting_ballot WHERE edition_id = %s", [edition.pk])
        return int(cursor.fetchone()[0])


def _insert_ballots(edition: Edition, count: int) -> int:
    """Insert `count` imported ballots; return the first id (ids are consecutive: one writer).

    Columns come from the model, so fields added later get their Python default.
    """
    known = {
        "edition": ("%s", edition.pk),
        "source": ("'import'", None),
        "external_voter": ("'bench-' || g", None),
        "submitted_at": ("now()", None),
        "updated_at": ("now()", None),
        "status": ("'counted'", None),
    }
    columns, expressions, params = [], [], []
    for field in Ballot._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        expression, value = known.get(field.name, ("%s", field.get_default()))
        expressions.append(expression)
        if expression == "%s":
            params.append(value)
    sql = (
        f"INSERT INTO voting_ballot ({', '.join(columns)}) SELECT {', '.join(expressions)} "
        "FROM generate_series(1, %s) AS g RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count])
        ids = [row[0] for row in cursor.fetchall()]
    assert ids == list(range(ids[0], ids[0] + count)), "ballot ids are not consecutive"
    return int(ids[0])


def _copy_votes(rows: io.StringIO) -> None:
    rows.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY voting_vote (ballot_id, category_id, nominee_id, rank) FROM STDIN") as copy,
    ):
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def _plackett_luce(rng: random.Random, ids: list[int], weights: list[float], k: int) -> list[int]:
    pool, w, chosen = list(ids), list(weights), []
    for _ in range(k):
        pick = rng.choices(range(len(pool)), weights=w)[0]
        chosen.append(pool.pop(pick))
        w.pop(pick)
    return chosen


def _uniform_ranking(rng: random.Random, ids: list[int]) -> list[int]:
    """A uniformly random order of every nominee; half the ballots stop early (1 to n-1 ranked)."""
    order = rng.sample(ids, len(ids))
    return order if rng.random() < 0.5 else order[: rng.randint(1, len(ids) - 1)]


def fill(
    edition: Edition, category: Category, ids: list[int], ballots: int, seed: int = 8, profile: str = "realistic"
) -> int:
    """Store `ballots` ballots in the category (skipped when already there); return votes stored.

    `profile` for ranked categories: "realistic" (Plackett-Luce from skewed weights, few
    distinct rankings) or "uniform" (uniformly random orders, half truncated: most
    rankings distinct, the worst case for an engine that aggregates equal rankings).
    """
    if stored_ballots(edition) == ballots:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM voting_vote WHERE category_id = %s", [category.pk])
            return int(cursor.fetchone()[0])
    rng = random.Random(seed)
    votes = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM voting_vote WHERE category_id = %s", [category.pk])
            cursor.execute(
                "DELETE FROM voting_receipt WHERE ballot_id IN (SELECT id FROM voting_ballot WHERE edition_id = %s)",
                [edition.pk],
            )
            cursor.execute("DELETE FROM voting_ballot WHERE edition_id = %s", [edition.pk])
        first = _insert_ballots(edition, ballots)
        rows = io.StringIO()
        weights = WEIGHTS[: len(ids)]
        for n in range(ballots):
            ballot = first + n
            if category.method == VotingMethod.PLURALITY:
                picks, ranked = rng.choices(ids, weights=weights), False
            elif category.method == VotingMethod.APPROVAL:
                picks, ranked = _plackett_luce(rng, ids, weights, rng.randint(1, 3)), False
            elif profile == "uniform":
                picks, ranked = _uniform_ranking(rng, ids), True
            else:
                picks, ranked = _plackett_luce(rng, ids, weights, rng.randint(1, 5)), True
            for rank, nominee in enumerate(picks, start=1):
                rows.write(f"{ballot}\t{category.pk}\t{nominee}\t{rank if ranked else chr(92) + 'N'}\n")
            votes += len(picks)
        _copy_votes(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE voting_ballot")
        cursor.execute("ANALYZE voting_vote")
    return votes
