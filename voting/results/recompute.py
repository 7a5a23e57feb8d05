"""Recomputing an edition's leaderboards: coalesced requests, a consistent read, an atomic switch.

Flow: once a ballot change commits, `voting.tasks.request_ballot_followups` calls `mark_stale`,
which sets the edition's `stale_since` only if it was unset; only then does the change's one
message (its receipt e-mail) also carry the edition, and the worker enqueues the recompute, so
a burst of ballots queues one recompute (other changes: `voting.tasks.request_recompute`).
`recompute_edition` claims the request (clears the flag)
before reading, tallies every category from one consistent snapshot of the ballots, and
switches the edition's current release in one short transaction. Equal standings make no
new history row, so running it twice (or after a killed worker) changes nothing.
"""

import hashlib
import json
import logging
import time
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from awards.models import Category, Edition, VotingMethod
from config.metrics import RECOMPUTE_SECONDS, observe_queue_lag
from voting.models import Ballot, CategoryResult, ResultsRelease, ResultsState, Vote
from voting.results.cache import forget_release
from voting.tally import (
    RANKED_METHODS,
    RankedProfile,
    TallyResult,
    approval,
    first_preferences,
    plurality,
    tally_ranked,
)

logger = logging.getLogger(__name__)


STALE_HINT_SECONDS = 30


def stale_hint(edition_id: int) -> str:
    return f"podium:results:stale-hint:{edition_id}"


def mark_stale(edition_id: int) -> bool:
    """Flag the edition's results as stale. True if this call flagged it (a recompute is due).

    A conditional update: of a burst of ballot changes, only the first flags the edition,
    so only the first asks for a recompute. In front of it, a cache hint (SET NX) that the
    edition was flagged a moment ago makes the rest of the burst cost no query at all.
    `recompute_edition` drops the hint before and after it claims the request, so a hint
    never outlives the flag it stands for by more than that claim; if it ever did, the
    periodic sweep (voting open, or ballots newer than the release) still recomputes.
    An unreachable cache answers "not known" (None), never "already flagged".
    """
    return flag_stale(edition_id, hint_added=cache.add(stale_hint(edition_id), 1, timeout=STALE_HINT_SECONDS))


def flag_stale(edition_id: int, *, hint_added: bool | None) -> bool:
    """`mark_stale` once the caller added the stale hint itself (`config.cache_hints.add_hints`, with other
    hints in one round trip): False, the hint was there (flagged a moment ago); True or None, flag it."""
    if hint_added is False:
        return False
    unflagged = ResultsState.objects.filter(edition_id=edition_id, stale_since__isnull=True)
    flagged = unflagged.update(stale_since=timezone.now())  # one statement when the state row exists
    if not flagged and ResultsState.objects.get_or_create(edition_id=edition_id)[1]:
        flagged = unflagged.update(stale_since=timezone.now())  # the edition's first ballot
    return bool(flagged)


RECOMPUTE_DUTY = 4  # a burst's window is at least this many times the edition's last recompute


def seconds_until_due(edition_id: int, now: datetime) -> float:
    """How long a recompute should still wait so that the burst which flagged the edition is
    counted in one pass; 0 when the edition is not flagged (a sweep, a repeat) or the window is over.

    The window is `PODIUM_RECOMPUTE_DELAY_SECONDS` after the flag was set, or RECOMPUTE_DUTY
    times the edition's last recompute if that is longer: during a long burst on a large
    edition (60,000 ballots took 1.5 s to count in the bench) recomputing then takes at most a
    fifth of its worker and database, instead of most of them, and the leaderboard still
    follows the burst within a few recomputes' time.
    """
    stale_since, last_ms = ResultsState.objects.filter(edition_id=edition_id).values_list(
        "stale_since", "last_duration_ms"
    ).first() or (None, None)
    if stale_since is None:
        return 0.0
    delay = max(float(settings.PODIUM_RECOMPUTE_DELAY_SECONDS), RECOMPUTE_DUTY * (last_ms or 0) / 1000)
    return min(delay, max(0.0, delay - (now - stale_since).total_seconds()))


def _uncounted_ballots(edition: Edition) -> "QuerySet[Ballot, int]":
    """Ids of the edition's invalidated ballots (few): excluding them avoids joining every ballot."""
    return Ballot.objects.uncounted().filter(edition=edition).values_list("pk", flat=True)


def _category_votes(edition: Edition, categories: list[Category], methods: Collection[str]) -> "QuerySet[Vote]":
    """Counted votes in the edition's categories of these methods.

    Filtered by category (the `vote_category_ballot` index) rather than by joining each
    vote to its ballot: a category's votes all belong to ballots of its edition. No
    category of these methods: no query at all.
    """
    ids = [category.pk for category in categories if category.method in methods]
    return Vote.objects.filter(category_id__in=ids).exclude(ballot_id__in=_uncounted_ballots(edition))


def _approval_ballot_counts(edition: Edition, categories: list[Category]) -> dict[int, int]:
    """Ballots approving at least one active nominee, per approval category.

    Plurality needs no such query (one vote per ballot: the engine sums the counts) and
    ranked categories count their ballots from the profile.
    """
    rows = (
        _category_votes(edition, categories, [VotingMethod.APPROVAL])
        .filter(nominee__active=True)
        .values("category_id")
        .annotate(ballots=Count("ballot_id", distinct=True))
        .order_by()
    )
    return {row["category_id"]: row["ballots"] for row in rows}


def _choice_counts(edition: Edition, categories: list[Category]) -> dict[int, dict[int, int]]:
    """Votes per nominee for every plurality and approval category, in one aggregate query."""
    rows = (
        _category_votes(edition, categories, [VotingMethod.PLURALITY, VotingMethod.APPROVAL])
        .values("category_id", "nominee_id")
        .annotate(votes=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = {}
    for row in rows:
        counts.setdefault(row["category_id"], {})[row["nominee_id"]] = row["votes"]
    return counts


def _ranked_rows(edition: Edition, categories: list[Category]) -> Iterator[tuple[int, int, int]]:
    return (
        _category_votes(edition, categories, RANKED_METHODS)
        .filter(rank__isnull=False)
        .order_by("category_id", "ballot_id", "rank")  # the index's order: no sort
        .values_list("category_id", "ballot_id", "nominee_id")
        .iterator(chunk_size=20_000)
    )


def _ranked_profiles(edition: Edition, categories: list[Category]) -> dict[int, RankedProfile]:
    """Stream ranked votes (never loading ballots as objects) into compact profiles."""
    rankings: dict[int, dict[tuple[int, ...], int]] = {}
    current_key: tuple[int, int] | None = None
    ranking: list[int] = []
    for category_id, ballot_id, nominee_id in _ranked_rows(edition, categories):
        if (category_id, ballot_id) != current_key:
            if current_key is not None:
                bucket = rankings.setdefault(current_key[0], {})
                bucket[tuple(ranking)] = bucket.get(tuple(ranking), 0) + 1
            current_key, ranking = (category_id, ballot_id), []
        ranking.append(nominee_id)
    if current_key is not None:
        bucket = rankings.setdefault(current_key[0], {})
        bucket[tuple(ranking)] = bucket.get(tuple(ranking), 0) + 1
    return {category_id: RankedProfile(counts) for category_id, counts in rankings.items()}


def _as_json(result: TallyResult) -> list[dict[str, Any]]:
    return [
        {"nominee": s.candidate, "position": s.position, "tied": s.tied, "score": s.score, "share": str(s.share)}
        for s in result.standings
    ]


def tally_edition(edition: Edition) -> tuple[list[dict[str, Any]], int]:
    """Every category's standings from one consistent read of the counted ballots."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every query below, so no category sees a later ballot than another.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        categories = list(Category.objects.filter(edition=edition).prefetch_related("nominees"))
        approval_ballots = _approval_ballot_counts(edition, categories)
        counts = _choice_counts(edition, categories)
        profiles = _ranked_profiles(edition, categories)
        ballots_counted = Ballot.objects.counted().filter(edition=edition).count()
    results = []
    for category in categories:
        candidates = [n.pk for n in category.nominees.all() if n.active]
        first: TallyResult | None = None
        if category.method == VotingMethod.PLURALITY:
            result = plurality(counts.get(category.pk, {}), candidates)
        elif category.method == VotingMethod.APPROVAL:
            result = approval(counts.get(category.pk, {}), candidates, approval_ballots.get(category.pk, 0))
        else:
            profile = profiles.get(category.pk, RankedProfile({}))
            result = tally_ranked(category.method, profile, candidates)
            first = first_preferences(profile, candidates)
        results.append(
            {
                "category": category.pk,
                "method": result.method,
                "ballots": result.ballots,
                "standings": _as_json(result),
                "detail": result.detail,
                "first_preferences": _as_json(first) if first else None,
            }
        )
    return results, ballots_counted


def _fingerprint(results: list[dict[str, Any]], ballots_counted: int) -> str:
    canonical = json.dumps({"ballots": ballots_counted, "results": results}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def recompute_edition(edition_id: int) -> ResultsRelease | None:
    """Recompute and publish the edition's standings; return the current release.

    Idempotent: identical standings keep the current release (no new history row). Two
    concurrent runs serialise on the edition's ResultsState row for the switch only.
    """
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return None
    state, _ = ResultsState.objects.get_or_create(edition=edition)
    cache.delete(stale_hint(edition_id))
    ResultsState.objects.filter(edition=edition).update(stale_since=None)  # claim before reading
    cache.delete(stale_hint(edition_id))  # a hint set while claiming must not outlive the claim
    observe_queue_lag(state.stale_since)
    with RECOMPUTE_SECONDS.time():
        return _recompute(edition)


def _recompute(edition: Edition) -> ResultsRelease:
    """Read, tally and switch, once `recompute_edition` has claimed the request."""
    started = time.monotonic()
    results, ballots_counted = tally_edition(edition)
    fingerprint = _fingerprint(results, ballots_counted)
    duration_ms = int((time.monotonic() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        state = ResultsState.objects.select_for_update().get(edition=edition)
        # Read the current release in its own statement: under READ COMMITTED it then sees a
        # release committed by a concurrent run we waited for (a join in the locking query
        # would still see the old snapshot of the release table).
        current_id = state.current_release_id
        state.current_release = ResultsRelease.objects.filter(pk=current_id).first() if current_id else None
        state.last_checked_at, state.last_duration_ms = now, duration_ms
        if state.current_release is not None and state.current_release.fingerprint == fingerprint:
            state.save(update_fields=["last_checked_at", "last_duration_ms"])
            return state.current_release
        release = ResultsRelease.objects.create(
            edition=edition,
            computed_at=now,
            ballots_counted=ballots_counted,
            fingerprint=fingerprint,
            duration_ms=duration_ms,
        )
        CategoryResult.objects.bulk_create(
            CategoryResult(release=release, **{k if k != "category" else "category_id": v for k, v in r.items()})
            for r in results
        )
        state.current_release = release
        state.save(update_fields=["current_release", "last_checked_at", "last_duration_ms"])
    transaction.on_commit(lambda: forget_release(edition.slug))
    return release


def editions_needing_recompute(now: datetime) -> list[int]:
    """Editions whose standings may lag their ballots, for the periodic sweep.

    Those with voting open; those flagged stale for longer than a queued recompute needs
    (its message was lost or the broker was down); those whose newest ballot change is
    newer than their current release (a recompute died after claiming its request).
    """
    grace = now - timedelta(seconds=settings.PODIUM_RECOMPUTE_DELAY_SECONDS + 60)
    released = F("results_state__current_release__computed_at")
    editions = Edition.objects.annotate(
        latest_vote=Max("ballots__updated_at"), latest_status=Max("ballots__status_changed_at")
    ).filter(
        Q(voting_opens_at__lte=now, voting_closes_at__gt=now)
        | Q(results_state__stale_since__lt=grace)
        | Q(latest_vote__isnull=False, results_state__current_release__isnull=True)
        | Q(latest_vote__gt=released)
        | Q(latest_status__gt=released)
    )
    return sorted(editions.values_list("pk", flat=True).distinct())
