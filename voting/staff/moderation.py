"""Staff moderation of ballots: invalidate or restore, always with a reason and an audit row.

The only code that changes a ballot's status. Invalidated ballots stay stored (with their
votes and receipts) and are left out of every tally; each change asks for a recompute.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from voting import tasks
from voting.models import AuditAction, Ballot, BallotAudit, BallotStatus


class ModerationRefused(ValueError):
    """The request was not carried out (say, no reason given)."""


@dataclass(frozen=True)
class ModerationOutcome:
    changed: list[int]  # ballot ids whose status changed
    skipped: list[int]  # ballot ids already in the target status (or gone)


def _snapshot(ballot: Ballot) -> dict[str, Any]:
    return {
        "status": ballot.status,
        "status_reason": ballot.status_reason,
        "status_changed_at": ballot.status_changed_at.isoformat() if ballot.status_changed_at else None,
        "status_changed_by": ballot.status_changed_by_id,
    }


def _change_status(
    *, ballot_ids: Iterable[int], reason: str, public_reason: str, by: User, target: BallotStatus, action: AuditAction
) -> ModerationOutcome:
    reason = reason.strip()
    if not reason:
        raise ModerationRefused("Give a reason: it is kept in the audit trail.")
    wanted = sorted(set(ballot_ids))
    source = BallotStatus.INVALIDATED if target == BallotStatus.COUNTED else BallotStatus.COUNTED
    now = timezone.now()
    with transaction.atomic():
        # Lock the ballots being changed (only those), so a concurrent moderation of the same
        # ballot waits and then finds it already changed.
        locked = list(Ballot.objects.select_for_update().filter(pk__in=wanted, status=source).order_by("pk"))
        audits = []
        for ballot in locked:
            before = _snapshot(ballot)
            updated = Ballot.objects.filter(pk=ballot.pk, status=source).update(
                status=target,
                status_reason=reason,
                status_public_reason=public_reason.strip(),
                status_changed_at=now,
                status_changed_by=by,
            )
            if not updated:  # changed since we read it (databases without row locks)
                continue
            ballot.status, ballot.status_reason, ballot.status_changed_at = target, reason, now
            ballot.status_changed_by = by
            audits.append(
                BallotAudit(
                    ballot=ballot,
                    edition_id=ballot.edition_id,
                    action=action,
                    reason=reason,
                    actor=by,
                    actor_email=by.email,
                    at=now,
                    before=before,
                    after=_snapshot(ballot),
                )
            )
        BallotAudit.objects.bulk_create(audits)
        for edition_id in sorted({audit.edition_id for audit in audits}):
            tasks.request_recompute(edition_id)
        tasks.request_status_notices([audit for audit in audits if audit.ballot.voter_id is not None])
    changed = [audit.ballot_id for audit in audits]
    return ModerationOutcome(changed=changed, skipped=[pk for pk in wanted if pk not in set(changed)])


def invalidate_ballots(
    *, ballot_ids: Iterable[int], reason: str, by: User, public_reason: str = ""
) -> ModerationOutcome:
    """Invalidate the counted ballots among `ballot_ids`, with an audit row each.

    Ballots already invalidated are skipped (reported in `skipped`). Locks only those
    ballots' rows; the recompute of each affected edition, and an e-mail to each voter
    (quoting `public_reason` when given; `reason` stays internal), are requested after commit.
    Raises ModerationRefused without a reason.
    """
    return _change_status(
        ballot_ids=ballot_ids,
        reason=reason,
        public_reason=public_reason,
        by=by,
        target=BallotStatus.INVALIDATED,
        action=AuditAction.INVALIDATE,
    )


def restore_ballots(*, ballot_ids: Iterable[int], reason: str, by: User, public_reason: str = "") -> ModerationOutcome:
    """Count the invalidated ballots among `ballot_ids` again; the mirror of `invalidate_ballots`."""
    return _change_status(
        ballot_ids=ballot_ids,
        reason=reason,
        public_reason=public_reason,
        by=by,
        target=BallotStatus.COUNTED,
        action=AuditAction.RESTORE,
    )
