"""Outgoing mail whose delivery state lives in the database, not in the broker.

Celery's own retries are countdown messages a worker holds unacknowledged: a worker holding
one when the broker went away died in kombu's `restore_unacked`, and a retry lost with the
broker was a mail never sent. Here:

- The change that causes a mail writes its `OutgoingMail` row in its own transaction
  (`voting.tasks.request_*`), and enqueues a send task after commit.
- The send task makes the first attempt; every later one is the periodic sweep's
  (`voting.sweep_mail`), which also sends what a lost task message never did. Nothing is
  scheduled with a countdown.
- An attempt claims its row first: `select_for_update(skip_locked=True)` picks it (on
  PostgreSQL, concurrent sweeps take different rows without waiting), and a conditional
  UPDATE on the attempt count the pick saw makes it ours (the guard on SQLite, which has no
  row locks). Two workers never send one row at once.
- A send that raises puts the row back to pending, due after 30 s, doubling up to an hour;
  after MAX_ATTEMPTS it is marked failed, with its last error, for staff (the admin's list).
- A claim lapses after CLAIM_LEASE (its worker died mid-send) and the sweep takes the row up
  again; what had gone out is recorded per recipient (`Receipt.emailed_at`, `BallotNotice`,
  `AnnouncementDelivery`), so only the e-mail in flight at the crash can go out twice.
- Opt-outs and batches are the senders' (`announcements`, `ballot_notices`, `outcomes`),
  checked when each attempt runs.
"""

import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from voting.models import MailKind, MailStatus, OutgoingMail, OutgoingMailQuerySet
from voting.notifications import announcements, ballot_notices, outcomes

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 9  # the first and eight retries, over about two hours
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
CLAIM_LEASE = timedelta(minutes=30)  # far longer than a batch takes (EMAIL_TIMEOUT bounds each call)
SWEEP_LIMIT = 50  # rows one sweep attempts; the next sweep goes on
RECEIPT_BATCH = 200  # receipt mails one claim of `send_receipts` takes
RECEIPT_BATCHES = 20  # claims one `send_receipts` makes at most; a later ballot's message takes the rest
HINT_SECONDS = 30  # the receipts hint's life, if no `send_receipts` drops it first (its message was lost)
LAPSED_ERROR = "The last attempt never finished (its worker stopped)."


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its `attempts`-th attempt failed: 30 s, 1 min, 2 min, … 1 h."""
    return min(RETRY_FIRST * int(2 ** (attempts - 1)), RETRY_LONGEST)


def _claim(candidates: OutgoingMailQuerySet, now: datetime) -> OutgoingMail | None:
    """Make the first of `candidates` ours for one attempt (until `now + CLAIM_LEASE`), or None.

    None also when another claimant won the row between our read and our update (SQLite);
    the caller then leaves the rest to the next sweep.
    """
    with transaction.atomic():
        mail = candidates.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk").first()
        if mail is None:
            return None
        claimed = OutgoingMail.objects.filter(pk=mail.pk, status=mail.status, attempts=mail.attempts).update(
            status=MailStatus.SENDING, attempts=mail.attempts + 1, next_attempt_at=now + CLAIM_LEASE
        )
    if not claimed:  # another claimant updated it between our read and our update
        return None
    mail.status, mail.attempts, mail.next_attempt_at = MailStatus.SENDING, mail.attempts + 1, now + CLAIM_LEASE
    return mail


def _send(mail: OutgoingMail) -> None:
    """Hand the mail to its kind's sender, which skips what was sent already or is no longer due."""
    ids = [int(pk) for pk in mail.object_ids]
    if mail.kind == MailKind.RECEIPT:
        ballot_notices.send_receipt(ids[0])
    elif mail.kind == MailKind.BALLOT_STATUS:
        ballot_notices.send_status_notices(ids)
    elif mail.kind == MailKind.NOMINATION_OUTCOME:
        outcomes.send_nomination_outcome(ids[0])
    elif mail.announcement is not None:  # the database's check constraint pairs the two
        announcements.send_batch(mail.announcement.edition_id, mail.announcement.kind, ids)
    else:
        raise ValueError(f"announcement mail {mail.pk} has no announcement")


def attempt(mail: OutgoingMail) -> str:
    """Send a claimed mail once and record the outcome; returns the status it was left in.

    Any error of the send is caught and recorded (never raised, never retried by Celery).
    The record is conditional on our claim, so a claim that lapsed and was taken over is
    left to its new owner.
    """
    try:
        _send(mail)
    except Exception as error:
        return _record_failure(mail, error)
    _mine(mail).update(status=MailStatus.SENT, sent_at=timezone.now(), last_error="")
    return MailStatus.SENT


def _mine(mail: OutgoingMail) -> OutgoingMailQuerySet:
    """The row while our claim holds (a claim that lapsed and was taken over is its new owner's)."""
    return OutgoingMail.objects.filter(pk=mail.pk, status=MailStatus.SENDING, attempts=mail.attempts)


def _record_failure(mail: OutgoingMail, error: Exception) -> str:
    """Back to pending, due after the backoff, or failed for good after MAX_ATTEMPTS; returns the status."""
    now = timezone.now()
    given_up = mail.attempts >= MAX_ATTEMPTS
    status = MailStatus.FAILED if given_up else MailStatus.PENDING
    next_at = now if given_up else now + retry_delay(mail.attempts)
    _mine(mail).update(status=status, next_attempt_at=next_at, last_error=f"{type(error).__name__}: {error}"[:2000])
    logger.warning("mail %s (%s) attempt %s failed: %s", mail.pk, mail.kind, mail.attempts, error)
    return status


def send_first_attempt(mail_id: int) -> str | None:
    """The send task's one attempt at a new mail; None if it was claimed already (by a sweep)."""
    mail = _claim(OutgoingMail.objects.filter(pk=mail_id, status=MailStatus.PENDING, attempts=0), timezone.now())
    return attempt(mail) if mail else None


def receipts_hint(edition_id: int) -> str:
    """The cache key saying that a message to send the edition's receipts is on its way (`send_receipts`)."""
    return f"podium:mail:receipts-hint:{edition_id}"


def send_receipts(edition_id: int) -> int:
    """First attempts at the edition's pending receipt e-mails, in batches over one connection; returns how many.

    A burst of ballot changes publishes one message for this (`voting.tasks.request_ballot_followups`):
    the first change adds the receipts hint, the rest find it and publish nothing. This drops the
    hint before claiming, so a change that found it had committed its mail row before the drop
    and is claimed here; a change after the drop adds the hint again and publishes its own
    message. Retries stay the sweep's (only first attempts are taken), as does a mail whose
    message was lost with the broker (the hint expires after HINT_SECONDS).
    """
    cache.delete(receipts_hint(edition_id))
    sent = 0
    for _ in range(RECEIPT_BATCHES):
        mails = _claim_receipts(edition_id, timezone.now())
        receipt_of = {mail.pk: int(mail.object_ids[0]) for mail in mails}
        failures = ballot_notices.send_receipts(list(receipt_of.values())) if mails else {}
        done = [mail.pk for mail in mails if receipt_of[mail.pk] not in failures]
        OutgoingMail.objects.filter(pk__in=done, status=MailStatus.SENDING, attempts=1).update(
            status=MailStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        for mail in mails:
            if receipt_of[mail.pk] in failures:
                _record_failure(mail, failures[receipt_of[mail.pk]])
        sent += len(done)
        if len(mails) < RECEIPT_BATCH:
            break
    return sent


def _claim_receipts(edition_id: int, now: datetime) -> list[OutgoingMail]:
    """Make up to RECEIPT_BATCH of the edition's new receipt mails ours, like `_claim` does one mail."""
    lease = now + CLAIM_LEASE
    # Never attempted: due from the moment they were queued.
    new_receipts = OutgoingMail.objects.filter(
        kind=MailKind.RECEIPT, edition_id=edition_id, status=MailStatus.PENDING, attempts=0
    )
    with transaction.atomic():
        picked = list(
            new_receipts.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:RECEIPT_BATCH]
        )
        if not picked:
            return []
        new_receipts.filter(pk__in=picked).update(status=MailStatus.SENDING, attempts=1, next_attempt_at=lease)
    # Ours: the rows this claim moved (on SQLite, with no row locks, a concurrent claimant may have
    # moved some of them first, with a lease of its own).
    return list(
        OutgoingMail.objects.filter(pk__in=picked, status=MailStatus.SENDING, attempts=1, next_attempt_at=lease)
    )


def send_again(mail_ids: list[int]) -> int:
    """Give failed mails a fresh set of attempts, due now (staff fixed the mail server); returns how many.

    Only failed rows change; e-mails of a batch that had gone out stay recorded and are skipped.
    """
    failed = OutgoingMail.objects.filter(pk__in=mail_ids, status=MailStatus.FAILED)
    return failed.update(status=MailStatus.PENDING, attempts=0, next_attempt_at=timezone.now())


def sweep(limit: int = SWEEP_LIMIT) -> list[int]:
    """Attempt each due mail once (up to `limit`), oldest due first; returns the ids attempted.

    Claims that lapsed at their last allowed attempt are marked failed first.
    """
    now = timezone.now()
    lapsed = OutgoingMail.objects.filter(status=MailStatus.SENDING, next_attempt_at__lte=now)
    lapsed.filter(attempts__gte=MAX_ATTEMPTS).update(status=MailStatus.FAILED, last_error=LAPSED_ERROR)
    attempted = []
    for _ in range(limit):
        mail = _claim(OutgoingMail.objects.due(timezone.now()).filter(attempts__lt=MAX_ATTEMPTS), timezone.now())
        if mail is None:
            break
        attempt(mail)
        attempted.append(mail.pk)
    return attempted
