"""Writes for ballots: `submit_ballot` and `store_imported_ballots` are the only code that stores a ballot.

Both build votes and fingerprints the same way; the rules they apply are `voting.ballots.rules`.
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from awards.models import Edition
from config.metrics import BALLOTS_ACCEPTED
from config.postgresql.base import prepared_cursor
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
from voting.ballots.selectors import remember_edition, selections_of
from voting.models import Ballot, BallotSource, BallotStatus, MailKind, MailStatus, Receipt, Vote, new_receipt_code


@dataclass(frozen=True)
class StoredBallot:
    ballot: Ballot
    receipt: Receipt
    changed: bool  # False when the submission repeated what was already stored
    receipt_mail_id: int | None = None  # the receipt e-mail's row, when the write itself queued it


def _digest(rules: BallotRules, clean: Mapping[int, Sequence[int]]) -> str:
    return content_digest(clean, ranked={rule.id for rule in rules.categories if rule.is_ranked})


def _choices(rules: BallotRules, selections: Mapping[int, Sequence[int]]) -> list[tuple[int, int, int | None]]:
    """The ballot's votes as (category, nominee, rank): one per chosen nominee, ranked 1, 2, 3… where the
    category ranks."""
    ranked = {rule.id for rule in rules.categories if rule.is_ranked}
    return [
        (category_id, nominee_id, rank if category_id in ranked else None)
        for category_id, chosen in selections.items()
        for rank, nominee_id in enumerate(chosen, start=1)
    ]


def _vote_rows(ballot: Ballot, rules: BallotRules, selections: Mapping[int, Sequence[int]]) -> list[Vote]:
    return [
        Vote(ballot=ballot, category_id=category_id, nominee_id=nominee_id, rank=rank)
        for category_id, nominee_id, rank in _choices(rules, selections)
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
    `rules` are the edition's rules when the caller loaded them for this request (to build
    its form); else they are loaded here (`rules_for`: this process's copy for the edition's
    curation version). Rules older than the stored edition are caught: a refusal is checked
    again with the current rules, and the write stores nothing unless the edition is still at
    the curation version the ballot was checked with (else it checks again and retries).
    On PostgreSQL the write is one statement (`_WRITE_BALLOT`), atomic by itself: no BEGIN and
    COMMIT around it (inside a caller's transaction, a savepoint as usual); elsewhere, the same
    steps through the ORM in a transaction.
    """
    if rules is None or rules.edition_id != edition.pk:
        rules = rules_for(edition)
    problems = check_selections(rules, selections)
    if problems:  # perhaps by rules older than the edition (a caller's edition read before a curation write)
        current = Edition.objects.get(pk=edition.pk)
        if current.curation_version != rules.curation_version:
            rules = rules_for(current)
            problems = check_selections(rules, selections)
    if problems:
        raise BallotRejected(BallotRejected.INVALID, problems)
    clean = normalise(selections.items())
    rejected = eligibility_problem(voter, edition, timezone.now())
    if rejected:
        raise rejected
    try:
        with _atomic_write():
            stored = _store(voter, edition, rules, clean, expected_version, client_ip, user_agent[:300])
            if stored.changed:
                # The receipt e-mail's row in this transaction (PostgreSQL: written by the ballot's own
                # statement); after commit, one message sends it and asks for the recompute.
                tasks.request_ballot_followups(stored.receipt, queued_mail_id=stored.receipt_mail_id)
    except IntegrityError:
        # Another request created this voter's first ballot a moment ago: the same content
        # (a double click) is a success, anything else a stale form.
        existing = Ballot.objects.filter(voter=voter, edition=edition).first()
        if existing is None or selections_of(existing) != clean:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE) from None
        return StoredBallot(existing, existing.receipts.get(ballot_version=existing.version), changed=False)
    if stored.changed:
        BALLOTS_ACCEPTED.inc()
    return stored


def _atomic_write() -> AbstractContextManager[object]:
    """A transaction for the write, unless it is PostgreSQL's one statement in autocommit (atomic by itself:
    BEGIN and COMMIT would be two more round trips). Inside a caller's transaction: a savepoint, as usual."""
    if connection.vendor == "postgresql" and connection.get_autocommit() and not connection.in_atomic_block:
        return nullcontext()
    return transaction.atomic()


CURATION_ATTEMPTS = 3  # a curation write moving the edition under a submission, again and again: STALE


def _store(
    voter: User,
    edition: Edition,
    rules: BallotRules,
    clean: dict[int, list[int]],
    expected_version: int,
    client_ip: str | None,
    user_agent: str,
) -> StoredBallot:
    """Store the ballot inside the caller's transaction, checked against the edition as it is under the lock.

    `rules` were read at some curation version of the edition (perhaps from this process's
    copy); the write compares it with the stored one and stores nothing when it moved, and
    the ballot is then checked again with the current rules and eligibility before retrying.
    """
    write = _write_in_one_statement if connection.vendor == "postgresql" else _write_with_the_orm
    for _ in range(CURATION_ATTEMPTS):
        draft = _Draft(voter, edition, rules, clean, expected_version, client_ip, user_agent)
        stored = write(draft)
        if stored is not None:
            return stored
        edition = remember_edition(Edition.objects.get(pk=edition.pk))
        rules = rules_for(edition)
        problems = check_selections(rules, clean)
        if problems:
            raise BallotRejected(BallotRejected.INVALID, problems)
        rejected = eligibility_problem(voter, edition, timezone.now())
        if rejected:
            raise rejected
    raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)


@dataclass(frozen=True)
class _Draft:
    """What one submission would store, with the time it is stored at: read after the lock (ORM) or in
    the same statement as the window check (PostgreSQL), so a stored ballot's time is inside the window."""

    voter: User
    edition: Edition
    rules: BallotRules
    clean: dict[int, list[int]]
    expected_version: int
    client_ip: str | None
    user_agent: str
    now: datetime = field(default_factory=timezone.now)

    @property
    def digest(self) -> str:
        return _digest(self.rules, self.clean)


def _write_with_the_orm(draft: _Draft) -> StoredBallot | None:
    """The portable write (SQLite): lock the voter's ballot row, check the window, then write. None: the
    edition's curation moved since `draft.rules` were read."""
    ballot = Ballot.objects.select_for_update().filter(voter=draft.voter, edition=draft.edition).first()
    now = timezone.now()  # after the lock
    edition = Edition.objects.get(pk=draft.edition.pk)
    closed = voting_window_problem(edition, now)
    if closed:
        raise closed
    if edition.curation_version != draft.rules.curation_version:
        return None
    if ballot is None:
        if draft.expected_version != 0:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
        ballot = Ballot.objects.create(
            edition=draft.edition,
            voter=draft.voter,
            source=BallotSource.WEB,
            submitted_at=now,
            updated_at=now,
            client_ip=draft.client_ip,
            user_agent=draft.user_agent,
            client_network=network_block(draft.client_ip),
            content_digest=draft.digest,
        )
    elif ballot.content_digest == draft.digest:
        # The stored ballot already says this (a double click, a replayed form, a resubmission
        # of the same choices): a quiet success, with no new version, receipt or recompute.
        return StoredBallot(ballot, ballot.receipts.get(ballot_version=ballot.version), changed=False)
    elif ballot.version != draft.expected_version:
        raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
    else:
        ballot.votes.all().delete()
        ballot.version += 1
        ballot.updated_at, ballot.client_ip, ballot.user_agent = now, draft.client_ip, draft.user_agent
        ballot.client_network, ballot.content_digest = network_block(draft.client_ip), draft.digest
        ballot.save(
            update_fields=["version", "updated_at", "client_ip", "user_agent", "client_network", "content_digest"]
        )
    Vote.objects.bulk_create(_vote_rows(ballot, draft.rules, draft.clean))
    receipt = Receipt.objects.create(ballot=ballot, ballot_version=ballot.version, issued_at=now)
    return StoredBallot(ballot, receipt, changed=True)


_BALLOT_COLUMNS = [str(f.column) for f in Ballot._meta.concrete_fields]

# One statement (PostgreSQL's data-modifying CTEs, executed together, all or nothing, so no
# BEGIN/COMMIT around it): the edition's window and curation version; the voter's ballot row,
# locked (FOR UPDATE waits for a change in flight and reads the row it left); then, only if the
# window is open, the curation version is the one the ballot was checked with and the version is
# the expected one, either the change (version + 1, the old votes deleted) or the first ballot
# (the unique constraint settles two first ballots racing), the votes of the version stored, its
# receipt and the receipt e-mail's row. A refused or raced write stores none of these: each reads
# `stored`, empty then. The votes' INSERT waits for the old votes' DELETE (it reads its row
# count), so a nominee chosen again never meets its old row in the unique index.
_WRITE_BALLOT = f"""
WITH edition AS MATERIALIZED (
    SELECT curation_version,
           is_public AND voting_opens_at <= %(now)s AND %(now)s < voting_closes_at AS open
    FROM awards_edition WHERE id = %(edition)s
),
current_ballot AS MATERIALIZED (
    SELECT id, version, content_digest = %(digest)s AS same
    FROM voting_ballot WHERE voter_id = %(voter)s AND edition_id = %(edition)s
    FOR UPDATE
),
allowed AS MATERIALIZED (
    SELECT 1 FROM edition WHERE open AND curation_version = %(curation)s
),
changed AS (
    UPDATE voting_ballot AS b
    SET version = b.version + 1, updated_at = %(now)s, client_ip = %(ip)s::inet, user_agent = %(agent)s,
        client_network = %(network)s, content_digest = %(digest)s
    FROM current_ballot AS c
    WHERE b.id = c.id AND NOT c.same AND c.version = %(expected)s AND EXISTS (SELECT 1 FROM allowed)
    RETURNING {", ".join(f"b.{c}" for c in _BALLOT_COLUMNS)}
),
created AS (
    INSERT INTO voting_ballot (edition_id, voter_id, source, external_voter, version, submitted_at, updated_at,
        status, status_reason, status_public_reason, client_ip, user_agent, client_network, content_digest)
    SELECT %(edition)s, %(voter)s, %(source)s, '', 1, %(now)s, %(now)s, %(status)s, '', '', %(ip)s::inet,
        %(agent)s, %(network)s, %(digest)s
    FROM allowed
    WHERE NOT EXISTS (SELECT 1 FROM current_ballot) AND %(expected)s = 0
    RETURNING {", ".join(_BALLOT_COLUMNS)}
),
stored AS (SELECT * FROM changed UNION ALL SELECT * FROM created),
dropped AS (DELETE FROM voting_vote WHERE ballot_id IN (SELECT id FROM changed) RETURNING 1),
votes AS (
    INSERT INTO voting_vote (ballot_id, category_id, nominee_id, rank)
    SELECT stored.id, chosen.category_id, chosen.nominee_id, chosen.rank
    FROM stored,
         unnest(%(categories)s::bigint[], %(nominees)s::bigint[], %(ranks)s::integer[])
             AS chosen (category_id, nominee_id, rank)
    WHERE (SELECT count(*) FROM dropped) >= 0
),
receipt AS (
    INSERT INTO voting_receipt (ballot_id, code, ballot_version, issued_at)
    SELECT id, %(code)s, version, %(now)s FROM stored
    RETURNING id
),
mail AS (
    INSERT INTO voting_outgoingmail (kind, edition_id, announcement_id, object_ids, status, attempts,
        next_attempt_at, last_error, created_at, sent_at)
    SELECT %(mail_kind)s, %(edition)s, NULL, jsonb_build_array(id), %(mail_status)s, 0, %(now)s, '', %(now)s, NULL
    FROM receipt
    RETURNING id
)
SELECT edition.open, edition.curation_version, current_ballot.id, current_ballot.version, current_ballot.same,
       receipt.id, mail.id, {", ".join(f"stored.{c}" for c in _BALLOT_COLUMNS)}
FROM (SELECT 1) AS one
LEFT JOIN edition ON true LEFT JOIN current_ballot ON true LEFT JOIN stored ON true LEFT JOIN receipt ON true
LEFT JOIN mail ON true
"""  # noqa: S608  # nosec B608 - the column names come from the model; every value is a parameter


def _write_in_one_statement(draft: _Draft) -> StoredBallot | None:
    """PostgreSQL: the lock, the window, the ballot, its votes, its receipt and the receipt e-mail's row in
    one statement (`_WRITE_BALLOT`). None: the curation moved since `draft.rules` were read."""
    code = new_receipt_code()
    votes = _choices(draft.rules, draft.clean)
    params: dict[str, int | str | datetime | list[int] | list[int | None] | None] = {
        "now": draft.now,
        "edition": draft.edition.pk,
        "voter": draft.voter.pk,
        "digest": draft.digest,
        "curation": draft.rules.curation_version,
        "expected": draft.expected_version,
        "ip": draft.client_ip or None,  # as the ORM stores a blank address
        "agent": draft.user_agent,
        "network": network_block(draft.client_ip),
        "source": BallotSource.WEB.value,
        "status": BallotStatus.COUNTED.value,
        "code": code,
        "mail_kind": MailKind.RECEIPT.value,
        "mail_status": MailStatus.PENDING.value,
        "categories": [category for category, _, _ in votes],
        "nominees": [nominee for _, nominee, _ in votes],
        "ranks": [rank for _, _, rank in votes],
    }
    with prepared_cursor(connection) as cursor:  # planning it cost three times running it (config.postgresql)
        cursor.execute(_WRITE_BALLOT, params)
        row = cursor.fetchone()
    is_open, curation, current_id, current_version, same, receipt_id, mail_id, *stored = row
    if not is_open:
        raise voting_window_problem(Edition.objects.get(pk=draft.edition.pk), draft.now) or BallotRejected.general(
            BallotRejected.CLOSED, f"Voting in {draft.edition.name} is closed."
        )
    if curation != draft.rules.curation_version:
        return None
    if receipt_id is None:
        if current_id is not None and same:
            # The stored ballot already says this (a double click, a replayed form, a resubmission
            # of the same choices): a quiet success, with no new version, receipt or recompute.
            ballot = Ballot.objects.get(pk=current_id)
            return StoredBallot(ballot, ballot.receipts.get(ballot_version=current_version), changed=False)
        raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
    ballot = Ballot.from_db(connection.alias, [f.attname for f in Ballot._meta.concrete_fields], stored)
    receipt = Receipt(pk=receipt_id, ballot=ballot, code=code, ballot_version=ballot.version, issued_at=draft.now)
    receipt._state.adding, receipt._state.db = False, connection.alias
    return StoredBallot(ballot, receipt, changed=True, receipt_mail_id=mail_id)


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
