"""E-mail announcements to members, sent by Celery after commit, in batches, retried from the database.

- When voting opens in an edition, members who voted in an earlier edition hear about it;
  24 hours before it closes, eligible members who have not voted yet get a reminder; when
  results are published, the edition's own voters do. Each e-mail starts with the words the
  organisers wrote for it on the edition (if any); staff preview them in the admin.
- `voting.tasks.request_announcement` enqueues `plan_announcement` once the transaction commits. Planning
  claims the (edition, kind) row (a unique constraint: twice is once) and, in the same
  transaction, queues one `OutgoingMail` per PODIUM_NOTIFY_BATCH_SIZE recipients (see
  `outbox` for how each is sent and retried). Each sent e-mail is recorded, so a retried
  batch sends only what is still unsent. A periodic task plans announcements whose message
  was lost. Nothing here runs in the request that casts a ballot, so a failing mail server
  never blocks a vote.
- Every e-mail carries a signed opt-out link that works without logging in.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from awards.models import Edition
from voting.models import (
    Announcement,
    AnnouncementDelivery,
    AnnouncementKind,
    Ballot,
    MailKind,
    NotificationOptOut,
    OutgoingMail,
)

logger = logging.getLogger(__name__)

OPT_OUT_SALT = "podium.notifications.opt-out"
CATCH_UP_DAYS = 7  # the sweep announces events at most this old (never years-old editions)
REMINDER_BEFORE = timedelta(hours=24)
SUBJECTS = {
    AnnouncementKind.VOTING_OPENED: "Voting is open: {name}",
    AnnouncementKind.VOTING_CLOSING: "24 hours left to vote: {name}",
    AnnouncementKind.RESULTS_PUBLISHED: "The results are out: {name}",
}
ORGANISER_MESSAGES = {
    AnnouncementKind.VOTING_OPENED: "voting_opened_message",
    AnnouncementKind.VOTING_CLOSING: "closing_reminder_message",
    AnnouncementKind.RESULTS_PUBLISHED: "results_message",
}


def opt_out_token(member: User) -> str:
    return signing.dumps(member.pk, salt=OPT_OUT_SALT)


def member_for_token(token: str) -> User | None:
    """The member an opt-out link was made for, or None if the link was tampered with."""
    try:
        member_id = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=member_id).first()


def opt_out(*, member: User) -> bool:
    """Stop announcements to this member. False if they had already opted out."""
    try:
        with transaction.atomic():
            NotificationOptOut.objects.create(member=member, created_at=timezone.now())
    except IntegrityError:
        return False
    return True


def _eligible_non_voters(edition: Edition, now: datetime) -> "QuerySet[User]":
    """Members who may vote in the edition (the ballot's eligibility rules, in SQL) and have not."""
    members = User.objects.filter(
        is_active=True,
        pk__in=EmailAddress.objects.filter(verified=True).values("user"),
        date_joined__lte=now - timedelta(days=edition.min_account_age_days),
    ).exclude(pk__in=Ballot.objects.filter(edition=edition, voter__isnull=False).values("voter"))
    domains = edition.email_domains
    if domains:
        at_domain = Q()
        for domain in domains:
            at_domain |= Q(email__iendswith=f"@{domain}") | Q(email__iendswith=f".{domain}")
        members = members.filter(at_domain)
    return members


def recipients(edition: Edition, kind: str) -> "QuerySet[User]":
    """Active members to tell, opted-out ones excluded, in a stable order."""
    if kind == AnnouncementKind.VOTING_CLOSING:
        members = _eligible_non_voters(edition, timezone.now())
    else:
        if kind == AnnouncementKind.VOTING_OPENED:
            took_part = Ballot.objects.filter(voter__isnull=False, edition__voting_opens_at__lt=edition.voting_opens_at)
        else:
            took_part = Ballot.objects.filter(voter__isnull=False, edition=edition)
        members = User.objects.filter(is_active=True, pk__in=took_part.values("voter"))
    return members.exclude(pk__in=NotificationOptOut.objects.values("member")).order_by("pk")


def plan_announcement(edition_id: int, kind: str) -> list[OutgoingMail]:
    """Claim the announcement and queue one mail per batch of its recipients, in one transaction.

    The (edition, kind) row is the claim: planning it again (the sweep, a second publication,
    a redelivered message) finds it and queues nothing, so twice is once. Returns the batches
    queued; their send tasks are the caller's to enqueue after commit.
    """
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None or not edition.is_public or kind not in AnnouncementKind.values:
        return []  # a draft is announced (by the sweep) once it is made public
    with transaction.atomic():
        announcement, created = Announcement.objects.get_or_create(
            edition=edition, kind=kind, defaults={"created_at": timezone.now()}
        )
        if not created:
            return []
        ids = list(recipients(edition, kind).values_list("pk", flat=True))
        size = settings.PODIUM_NOTIFY_BATCH_SIZE
        return [
            OutgoingMail.objects.queue(
                MailKind.ANNOUNCEMENT,
                edition_id=edition.pk,
                object_ids=ids[start : start + size],
                announcement=announcement,
            )
            for start in range(0, len(ids), size)
        ]


def _message(edition: Edition, kind: str, member: User) -> EmailMessage:
    """The e-mail as `member` gets it: subject, the organisers' words, the standard text, opt-out link."""
    opt_out_url = settings.SITE_URL + reverse("voting:opt_out", args=[opt_out_token(member)])
    context = {
        "site_name": settings.PODIUM_SITE_NAME,
        "edition": edition,
        "member": member,
        "organiser_message": getattr(edition, ORGANISER_MESSAGES[AnnouncementKind(kind)]).strip(),
        "edition_url": settings.SITE_URL + edition.get_absolute_url(),
        "results_url": settings.SITE_URL + reverse("voting:results", args=[edition.slug]),
        "opt_out_url": opt_out_url,
    }
    body = render_to_string(f"voting/email/{kind}.txt", context)
    message = EmailMessage(SUBJECTS[AnnouncementKind(kind)].format(name=edition.name), body, to=[member.email])
    message.extra_headers["List-Unsubscribe"] = f"<{opt_out_url}>"
    return message


@dataclass(frozen=True)
class MessagePreview:
    kind: str
    label: str
    subject: str
    body: str
    recipients: int  # who would get it if it were sent now (those already sent it left out)
    sent: int  # how many already got it


def preview_messages(edition: Edition, sample: User) -> list[MessagePreview]:
    """Each announcement of the edition as it reads (addressed to `sample`), and whom it reaches; nothing sent."""
    previews = []
    for kind in AnnouncementKind:
        delivered = AnnouncementDelivery.objects.filter(announcement__edition=edition, announcement__kind=kind)
        message = _message(edition, kind, sample)
        reach = recipients(edition, kind).exclude(pk__in=delivered.values("member")).count()
        previews.append(
            MessagePreview(
                kind=str(kind),
                label=str(kind.label),
                subject=str(message.subject),
                body=str(message.body),
                recipients=reach if edition.is_public else 0,
                sent=delivered.count(),
            )
        )
    return previews


def send_batch(edition_id: int, kind: str, member_ids: Iterable[int]) -> int:
    """Send one batch over one connection; record each e-mail as it goes. Returns how many were sent.

    An SMTP error propagates (the outbox records it and retries the batch later); what was
    sent before it is recorded and skipped on the retry, as are members who opted out since.
    """
    announcement = Announcement.objects.select_related("edition").get(edition_id=edition_id, kind=kind)
    sent = AnnouncementDelivery.objects.filter(announcement=announcement).values("member")
    members = list(recipients(announcement.edition, kind).filter(pk__in=list(member_ids)).exclude(pk__in=sent))
    count = 0
    with get_connection() as connection:
        for member in members:
            message = _message(announcement.edition, kind, member)
            message.connection = connection
            message.send()
            AnnouncementDelivery.objects.create(announcement=announcement, member=member, sent_at=timezone.now())
            count += 1
    return count


def due_announcements(now: datetime) -> list[tuple[int, str]]:
    """Recent events with no announcement yet: their message was lost, voting opened on schedule,
    or voting closes within REMINDER_BEFORE (the reminder is only ever planned here)."""
    since = now - timedelta(days=CATCH_UP_DAYS)
    public = Edition.objects.filter(is_public=True)
    opened = public.filter(voting_opens_at__range=(since, now), voting_closes_at__gt=now)
    closing = public.filter(
        voting_opens_at__lte=now, voting_closes_at__gt=now, voting_closes_at__lte=now + REMINDER_BEFORE
    )
    published = public.filter(published_at__range=(since, now))
    due = []
    kinds = (
        (AnnouncementKind.VOTING_OPENED, opened),
        (AnnouncementKind.VOTING_CLOSING, closing),
        (AnnouncementKind.RESULTS_PUBLISHED, published),
    )
    for kind, editions in kinds:
        missing = editions.exclude(announcements__kind=kind).order_by("pk").values_list("pk", flat=True)
        due += [(edition_id, str(kind)) for edition_id in missing]
    return due
