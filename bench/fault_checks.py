"""The fault run's promises, checked from the database after the burst."""

import time
from collections import Counter
from dataclasses import dataclass, field

from awards.models import Edition
from bench.fault_burst import Attempt
from voting.models import Ballot, Receipt, ResultsState, Vote

VoteRow = tuple[int, int, int | None]


@dataclass
class StoreCheck:
    acknowledged: int = 0
    stored_exactly: int = 0
    broken: list[str] = field(default_factory=list)  # an acknowledged ballot missing or not as posted
    try_again: int = 0
    try_again_stored: list[str] = field(default_factory=list)  # "nothing was changed" was not true
    unanswered_stored: int = 0  # no acknowledgement, yet stored (allowed: the answer was lost)


def _stored(user_ids: list[int], edition: Edition) -> tuple[dict[int, Ballot], dict[int, set[VoteRow]], set[int]]:
    ballots = {b.voter_id: b for b in Ballot.objects.filter(edition=edition, voter_id__in=user_ids)}
    votes: dict[int, set[VoteRow]] = {}
    for ballot_id, category, nominee, rank in Vote.objects.filter(ballot__in=ballots.values()).values_list(
        "ballot_id", "category_id", "nominee_id", "rank"
    ):
        votes.setdefault(ballot_id, set()).add((category, nominee, rank))
    receipts = set(Receipt.objects.filter(ballot__in=ballots.values()).values_list("ballot_id", flat=True))
    return ballots, votes, receipts


def check_stored(attempts: list[Attempt], edition: Edition, expected: set[VoteRow]) -> StoreCheck:
    """Member by member: every acknowledged ballot stored, version 1, with exactly the votes posted
    and a receipt; every "try again" answer left nothing stored."""
    result = StoreCheck()
    ballots, votes, receipts = _stored([a.member.user_id for a in attempts], edition)
    for attempt in attempts:
        ballot = ballots.get(attempt.member.user_id)
        who = f"{attempt.member.kind} member {attempt.member.user_id} (at {attempt.started:.1f} s)"
        if attempt.acknowledged:
            result.acknowledged += 1
            if ballot is None:
                result.broken.append(f"{who}: acknowledged, not stored")
            elif ballot.version != 1 or votes.get(ballot.pk) != expected or ballot.pk not in receipts:
                result.broken.append(f"{who}: stored as version {ballot.version}, votes or receipt differ")
            else:
                result.stored_exactly += 1
        elif attempt.try_again:
            result.try_again += 1
            if ballot is not None:
                result.try_again_stored.append(f"{who}: answered 'try again' but a ballot is stored")
        elif ballot is not None:
            result.unanswered_stored += 1
    return result


def statuses(attempts: list[Attempt]) -> Counter[str]:
    """How many answers of each kind: status codes, 'try again' 503s apart, and no answer."""
    counts: Counter[str] = Counter()
    for attempt in attempts:
        if attempt.status is None:
            counts[f"no answer ({attempt.detail})"] += 1
        elif attempt.try_again:
            counts["503 try again"] += 1
        else:
            counts[str(attempt.status)] += 1
    return counts


def leaderboard_lag(edition: Edition) -> tuple[int, int | None]:
    """(counted ballots, ballots counted by the current snapshot)."""
    counted = Ballot.objects.counted().filter(edition=edition).count()
    state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
    release = state.current_release if state else None
    return counted, release.ballots_counted if release else None


def wait_caught_up(edition: Edition, timeout: float) -> float | None:
    """Seconds until the stored snapshot counts every counted ballot; None past `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        counted, in_snapshot = leaderboard_lag(edition)
        if in_snapshot == counted:
            return time.monotonic() - started
        time.sleep(0.5)
    return None
