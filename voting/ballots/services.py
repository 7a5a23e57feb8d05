"""Writes for ballots: `submit_ballot` and `store_imported_ballots` are the only code that stores a ballot.

Both build votes and fingerprints the same way; the rules they apply are `voting.ballots.rules`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from awards.models import Edition
from config.metrics import BALLOTS_ACCEPTED
from voting import tasks
from voting.ballots.fingerprints import content_digest, network_block
from voting.ballots.rules import (
    STALE_MESSAGE,
    BallotRejected,
    BallotRules,
    check_selections,
    eligibility_problem,
    normalise,
    rules_for,
    voting_window_problem,
)
from voting.ballots.selectors import selections_of
from voting.models import Ballot, BallotSource, Receipt, Vote


@dataclass(frozen=True)
class StoredBallot:
    ballot: Ballot
    receipt: Receipt
    changed: bool  # False when the submission repeated what was already stored


def _digest(rules: BallotRules, clean: Mapping[int, Sequence[int]]) -> str:
    return content_digest(clean, ranked={rule.id for rule in rules.categories if rule.is_ranked})


def _vote_rows(ballot: Ballot, rules: BallotRules, selections: Mapping[int, Sequence[int]]) -> list[Vote]:
    """The ballot's votes: one row per chosen nominee, ranked 1, 2, 3… where the category ranks."""
    ranked = {rule.id for rule in rules.categories if rule.is_ranked}
    return [
        Vote(
            ballot=ballot, category_id=category_id, nominee_id=nominee_id, rank=rank if category_id in ranked else None
        )
        for category_id, chosen in selections.items()
        for rank, nominee_id in enumerate(chosen, start=1)
    ]


def submit_ballot(
    *,
    voter: User,
    edition: Edition,
    selections: Mapping[int, Sequence[int]],
    expected_version: int,
    client_ip: str | None = None,
    user_agent: str = "",
    rules: BallotRules | None = None,
) -> StoredBallot:
    """Store a member's whole ballot for an edition, replacing their previous one.

    `selections` maps category id to nominee ids (ranked: in preference order); missing or
    empty categories are abstentions. `expected_version` is the ballot version the voter
    saw (0 for none): a different stored version means a stale or replayed form, refused
    with STALE unless it repeats exactly what is stored (a double click). Locks only the
    voter's own ballot row; the database's unique constraint settles two first submissions
    racing. When the ballot changed, requests a leaderboard recompute and the receipt
    e-mail after commit. Raises BallotRejected.
    `rules` are the edition's rules when the caller loaded them for this request (the
    ballot page has, to build its form), saving two queries; else they are loaded here.
    """
    if rules is None or rules.edition_id != edition.pk:
        rules = rules_for(edition)
    problems = check_selections(rules, selections)
    if problems:
        raise BallotRejected(BallotRejected.INVALID, problems)
    clean = normalise(selections.items())
    rejected = eligibility_problem(voter, edition, timezone.now())
    if rejected:
        raise rejected
    try:
        with transaction.atomic():
            stored = _store(voter, edition, rules, clean, expected_version, client_ip, user_agent[:300])
            if stored.changed:
                tasks.request_receipt_email(stored.receipt)  # its row in this transaction, sent after commit
    except IntegrityError:
        # Another request created this voter's first ballot a moment ago: the same content
        # (a double click) is a success, anything else a stale form.
        existing = Ballot.objects.filter(voter=voter, edition=edition).first()
        if existing is None or selections_of(existing) != clean:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE) from None
        return StoredBallot(existing, existing.receipts.get(ballot_version=existing.version), changed=False)
    if stored.changed:
        BALLOTS_ACCEPTED.inc()
        tasks.request_recompute(edition.pk)
    return stored


def _store(
    voter: User,
    edition: Edition,
    rules: BallotRules,
    clean: dict[int, list[int]],
    expected_version: int,
    client_ip: str | None,
    user_agent: str,
) -> StoredBallot:
    ballot = Ballot.objects.select_for_update().filter(voter=voter, edition=edition).first()
    # The clock is read after the lock so that a stored ballot's time is always inside the window.
    now = timezone.now()
    closed = voting_window_problem(Edition.objects.get(pk=edition.pk), now)
    if closed:
        raise closed
    if ballot is None:
        if expected_version != 0:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
        ballot = Ballot.objects.create(
            edition=edition,
            voter=voter,
            source=BallotSource.WEB,
            submitted_at=now,
            updated_at=now,
            client_ip=client_ip,
            user_agent=user_agent,
            client_network=network_block(client_ip),
            content_digest=_digest(rules, clean),
        )
    elif selections_of(ballot) == clean:
        # The stored ballot already says this (a double click, a replayed form, a resubmission
        # of the same choices): a quiet success, with no new version, receipt or recompute.
        return StoredBallot(ballot, ballot.receipts.get(ballot_version=ballot.version), changed=False)
    elif ballot.version != expected_version:
        raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
    else:
        ballot.votes.all().delete()
        ballot.version += 1
        ballot.updated_at, ballot.client_ip, ballot.user_agent = now, client_ip, user_agent
        ballot.client_network, ballot.content_digest = network_block(client_ip), _digest(rules, clean)
        ballot.save(
            update_fields=["version", "updated_at", "client_ip", "user_agent", "client_network", "content_digest"]
        )
    Vote.objects.bulk_create(_vote_rows(ballot, rules, clean))
    receipt = Receipt.objects.create(ballot=ballot, ballot_version=ballot.version, issued_at=now)
    return StoredBallot(ballot, receipt, changed=True)


@dataclass(frozen=True)
class ImportedBallot:
    voter: str  # the voter's identifier in the source file (unique per edition)
    selections: dict[int, list[int]]  # already checked with the edition's rules


IMPORT_BATCH = 5_000


def store_imported_ballots(*, edition: Edition, rules: BallotRules, ballots: Sequence[ImportedBallot]) -> int:
    """Store ballots collected outside Podium, all or none, in bulk; returns how many were stored.

    The caller (`import_ballots`) has checked every ballot with `rules`; the voting window
    does not apply (an import is a staff action, typically after an offline survey closed).
    Votes and content digests are built exactly as for `submit_ballot`. The database's
    unique constraint on (edition, external voter) refuses a voter imported twice.
    Requests a leaderboard recompute after commit.
    """
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(ballots), IMPORT_BATCH):
            batch = ballots[start : start + IMPORT_BATCH]
            stored = Ballot.objects.bulk_create(
                Ballot(
                    edition=edition,
                    source=BallotSource.IMPORT,
                    external_voter=imported.voter,
                    submitted_at=now,
                    updated_at=now,
                    content_digest=_digest(rules, normalise(imported.selections.items())),
                )
                for imported in batch
            )
            Vote.objects.bulk_create(
                vote
                for ballot, imported in zip(stored, batch, strict=True)
                for vote in _vote_rows(ballot, rules, normalise(imported.selections.items()))
            )
        if ballots:
            tasks.request_recompute(edition.pk)
    return len(ballots)
