"""E-mails about one member's own ballot: its receipt after each change, and its status when
the organisers set it aside or restore it.

Queued with the change (`voting.tasks.request_ballot_followups`, `request_status_notices` write
an `OutgoingMail` row in its transaction) and sent by Celery after it commits, never inside
it (`outbox` retries). Each sent e-mail is recorded (`Receipt.emailed_at`, `BallotNotice`), so
a retried attempt sends only what is still unsent. Receipts are a confirmation of what the
member just did and are always sent; status notices respect the member's opt-out like every
announcement.
"""

from collections.abc import Collection, Iterable
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connections
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from config.postgresql.base import prepared_cursor
from voting.models import AuditAction, BallotAudit, BallotNotice, NotificationOptOut, Receipt
from voting.notifications.announcements import opt_out_token


def _url(path: str) -> str:
    return settings.SITE_URL + path


def _receipt_message(receipt: Receipt, links: dict[str, dict[str, str]]) -> EmailMessage | None:
    """The e-mail of a receipt (its ballot, edition and voter read with it), or None: nothing to send.

    `links`: the pages the e-mail links to, by edition slug, filled in here (a batch reverses them once).
    """
    voter = receipt.ballot.voter
    if voter is None or receipt.emailed_at is not None:
        return None
    ballot = receipt.ballot
    if receipt.ballot_version != ballot.version:
        return None  # changed again since: the newer receipt has its own e-mail
    slug = ballot.edition.slug
    if slug not in links:
        links[slug] = {
            "ballot_url": _url(reverse("voting:ballot", args=[slug])),
            "check_url": _url(reverse("voting:receipt_check")),
        }
    context = {
        "site_name": settings.PODIUM_SITE_NAME,
        "edition": ballot.edition,
        "receipt": receipt,
        "counted": ballot.is_counted,
        **links[slug],
    }
    body = render_to_string("voting/email/receipt.txt", context)
    subject = f"Your ballot receipt for {ballot.edition.name}: {receipt.code}"
    return EmailMessage(subject, body, to=[voter.email])


def _receipts() -> "QuerySet[Receipt]":
    return Receipt.objects.select_related("ballot__edition", "ballot__voter")


@cache
def _record_emailed_statement(alias: str) -> str:
    db = connections[alias]
    table, column, key = (
        db.ops.quote_name(str(name))
        for name in (Receipt._meta.db_table, Receipt._meta.get_field("emailed_at").column, "id")
    )
    return f"UPDATE {table} SET {column} = %s WHERE {key} = %s"  # noqa: S608  # nosec B608 - names from the model


def _record_emailed(receipt_id: int) -> None:
    """`Receipt.emailed_at` of one receipt, now: once per e-mail sent, so the statement is built (and on
    PostgreSQL prepared) once."""
    alias = Receipt._default_manager.db
    db = connections[alias]
    with prepared_cursor(db) as cursor:
        cursor.execute(_record_emailed_statement(alias), [db.ops.adapt_datetimefield_value(timezone.now()), receipt_id])


def send_receipt(receipt_id: int) -> bool:
    """E-mail the voter the receipt of their ballot's current version. False: nothing to send."""
    receipt = _receipts().filter(pk=receipt_id).first()
    message = _receipt_message(receipt, {}) if receipt else None
    if receipt is None or message is None:
        return False
    message.send()
    _record_emailed(receipt.pk)
    return True


def send_receipts(receipt_ids: Collection[int]) -> dict[int, Exception]:
    """`send_receipt` for many receipts, read in one query and sent over one connection; the errors, by receipt.

    Each e-mail sent is recorded at once (`emailed_at`), so a worker stopping half-way sends
    again only the one in flight. A mail server that cannot be reached fails every receipt.
    """
    links: dict[str, dict[str, str]] = {}
    try:
        with get_connection() as connection:
            failures: dict[int, Exception] = {}
            for receipt in _receipts().filter(pk__in=list(receipt_ids)).order_by("pk"):
                message = _receipt_message(receipt, links)
                if message is None:
                    continue
                message.connection = connection
                try:
                    message.send()
                except Exception as error:  # this one is retried; the rest go on
                    failures[receipt.pk] = error
                    continue
                _record_emailed(receipt.pk)
            return failures
    except Exception as error:  # opening (or closing) the connection
        return dict.fromkeys(receipt_ids, error)


def _notice(audit: BallotAudit, voter: User) -> EmailMessage:
    ballot = audit.ballot
    opt_out_url = _url(reverse("voting:opt_out", args=[opt_out_token(voter)]))
    context = {
        "site_name": settings.PODIUM_SITE_NAME,
        "edition": ballot.edition,
        "set_aside": audit.action == AuditAction.INVALIDATE,
        "public_reason": ballot.status_public_reason,
        "ballot_url": _url(reverse("voting:ballot", args=[ballot.edition.slug])),
        "opt_out_url": opt_out_url,
    }
    subject = (
        f"Your ballot in {ballot.edition.name} was set aside"
        if context["set_aside"]
        else f"Your ballot in {ballot.edition.name} counts again"
    )
    message = EmailMessage(subject, render_to_string("voting/email/ballot_status.txt", context), to=[voter.email])
    message.extra_headers["List-Unsubscribe"] = f"<{opt_out_url}>"
    return message


def send_status_notices(audit_ids: Iterable[int]) -> int:
    """Tell each voter about the status change of their ballot; one connection per batch.

    Skips changes already notified, imported ballots (no member), opted-out or inactive
    members, and changes overtaken by a later one (the ballot's status is no longer what
    this change made it). An SMTP error propagates (the outbox retries the batch later).
    """
    opted_out = NotificationOptOut.objects.values("member")
    audits = list(
        BallotAudit.objects.filter(pk__in=list(audit_ids), notice__isnull=True, ballot__voter__is_active=True)
        .exclude(ballot__voter__in=opted_out)
        .select_related("ballot__edition", "ballot__voter")
        .order_by("pk")
    )
    count = 0
    with get_connection() as connection:
        for audit in audits:
            voter = audit.ballot.voter
            if voter is None or audit.after.get("status") != audit.ballot.status:
                continue
            message = _notice(audit, voter)
            message.connection = connection
            message.send()
            BallotNotice.objects.create(audit=audit, sent_at=timezone.now())
            count += 1
    return count
