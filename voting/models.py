"""Ballots and their votes: the stored truth from which every tally is recomputed.

A vote is a row (ballot, category, nominee, rank), never a counter, so standings can always
be recomputed from the ballots and a single ballot can be invalidated.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from awards.models import Category, Edition, Nominee

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed safely


def new_receipt_code() -> str:
    """An unguessable receipt code like "PDM-7KQ2-X9TF-4HWA-M3CE" (80 bits of randomness)."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "PDM-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_receipt_code(typed: str) -> str:
    """A receipt code as stored, from what a person typed: spaces, missing dashes and lower case forgiven.

    "pdm 7kq2 x9tf 4hwa m3ce" and "PDM7KQ2X9TF4HWAM3CE" both become "PDM-7KQ2-X9TF-4HWA-M3CE".
    Text that is not shaped like a code is returned upper-cased, to match nothing.
    """
    chars = "".join(c for c in typed.upper() if c.isalnum())
    if len(chars) == 19 and chars.startswith("PDM"):
        body = chars[3:]
        return "PDM-" + "-".join(body[i : i + 4] for i in range(0, 16, 4))
    return typed.strip().upper()


class BallotStatus(models.TextChoices):
    COUNTED = "counted", "Counted"
    INVALIDATED = "invalidated", "Invalidated by staff"


class BallotSource(models.TextChoices):
    WEB = "web", "Cast on Podium"
    IMPORT = "import", "Imported"


def counted_ballot(via: str = "") -> Q:
    """The condition "the ballot counts", on a ballot (`via=""`) or through a relation (`via="ballot__"`).

    The one spelling of "counted": querysets filter with it, annotations count with it.
    """
    return Q(**{f"{via}status": BallotStatus.COUNTED})


class BallotQuerySet(models.QuerySet["Ballot"]):
    def counted(self) -> "BallotQuerySet":
        return self.filter(counted_ballot())

    def uncounted(self) -> "BallotQuerySet":
        return self.exclude(counted_ballot())

    def erase_expired_addresses(self, now: datetime) -> int:
        """Clear addresses and user agents of ballots in editions published PODIUM_IP_RETENTION_DAYS ago or more."""
        cutoff = now - timedelta(days=settings.PODIUM_IP_RETENTION_DAYS)
        has_data = Q(client_ip__isnull=False) | ~Q(user_agent="") | ~Q(client_network="")
        return self.filter(has_data, edition__published_at__lte=cutoff).update(
            client_ip=None, user_agent="", client_network=""
        )


class Ballot(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    source = models.CharField(max_length=8, choices=BallotSource, default=BallotSource.WEB)
    external_voter = models.CharField(
        max_length=200, blank=True, help_text="Imported ballots: the voter identifier from the source file."
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by one each time the voter changes it.")
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=BallotStatus, default=BallotStatus.COUNTED)
    status_reason = models.TextField(blank=True)
    status_public_reason = models.TextField(
        blank=True, help_text="What the voter is told about the status change (optional; the reason stays internal)."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    client_network = models.CharField(
        max_length=50, blank=True, help_text="The sender's /24 (IPv4) or /48 (IPv6) block, for fraud signals."
    )
    content_digest = models.CharField(max_length=64, blank=True, help_text="Hash of the choices, for fraud signals.")

    objects: ClassVar[BallotQuerySet] = BallotQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-updated_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("voter", "edition"),
                condition=Q(voter__isnull=False),
                name="ballot_one_per_voter_and_edition",
                violation_error_message="This member already has a ballot in this edition.",
            ),
            models.UniqueConstraint(
                fields=("edition", "external_voter"),
                condition=Q(source=BallotSource.IMPORT),
                name="ballot_one_per_imported_voter_and_edition",
                violation_error_message="This edition already has an imported ballot for that voter.",
            ),
            models.CheckConstraint(
                condition=Q(source=BallotSource.WEB, voter__isnull=False)
                | (Q(source=BallotSource.IMPORT) & ~Q(external_voter="")),
                name="ballot_has_a_voter",
                violation_error_message="A ballot needs a member, or for an import the voter's identifier.",
            ),
        ]
        indexes = [
            models.Index(fields=("edition", "status"), name="ballot_edition_status"),
            models.Index(fields=("edition", "client_network", "updated_at"), name="ballot_edition_network"),
            models.Index(fields=("edition", "content_digest", "updated_at"), name="ballot_edition_digest"),
        ]
        permissions = [("moderate_ballot", "Can invalidate and restore ballots")]

    def __str__(self) -> str:
        return f"Ballot {self.pk} ({self.edition_id})"

    @property
    def is_counted(self) -> bool:
        return self.status == BallotStatus.COUNTED


_OfBallot = TypeVar("_OfBallot", bound=models.Model)


class OfBallotQuerySet(models.QuerySet[_OfBallot]):
    """Rows that belong to a ballot: its votes, its receipts."""

    def of_counted_ballots(self) -> "OfBallotQuerySet[_OfBallot]":
        return self.filter(counted_ballot("ballot__"))


class Receipt(models.Model):
    """One receipt per submission: an old receipt shows its ballot was changed later."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="receipts")
    code = models.CharField(max_length=32, unique=True, default=new_receipt_code)
    ballot_version = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the voter was sent this receipt.")

    objects: ClassVar[OfBallotQuerySet["Receipt"]] = OfBallotQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-issued_at",)
        constraints = [
            models.UniqueConstraint(fields=("ballot", "ballot_version"), name="receipt_one_per_ballot_version"),
        ]

    def __str__(self) -> str:
        return self.code


class Vote(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    nominee = models.ForeignKey(Nominee, on_delete=models.PROTECT, related_name="votes")
    rank = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Ranked categories only: 1 is first.")

    objects: ClassVar[OfBallotQuerySet["Vote"]] = OfBallotQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("ballot", "category", "rank", "id")
        constraints = [
            models.UniqueConstraint(fields=("ballot", "nominee"), name="vote_nominee_once_per_ballot"),
            models.UniqueConstraint(
                fields=("ballot", "category", "rank"),
                condition=Q(rank__isnull=False),
                name="vote_rank_once_per_category",
            ),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1), name="vote_rank_at_least_one"),
        ]
        indexes = [
            models.Index(fields=("category", "nominee"), name="vote_category_nominee"),
            # Recompute reads a category's votes in (ballot, rank) order from the index alone:
            # counts, distinct ballots and ranked ballots without a sort or a heap visit.
            models.Index(fields=("category", "ballot", "rank"), include=("nominee",), name="vote_category_ballot"),
        ]

    def __str__(self) -> str:
        return f"{self.nominee_id}@{self.category_id} rank {self.rank}"


class ResultsState(models.Model):
    """Per edition: the current results release, and whether a recompute is wanted.

    `stale_since` is set (only when unset) after a ballot change commits, which is how a
    burst of ballots coalesces into one queued recompute; a recompute claims the request
    by clearing it before it reads the ballots, so nothing committed later is missed.
    """

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, primary_key=True, related_name="results_state")
    stale_since = models.DateTimeField(null=True, blank=True)
    current_release = models.ForeignKey(
        "ResultsRelease", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Results state of {self.edition_id}"


class ResultsRelease(models.Model):
    """One computed set of standings for every category of an edition; kept as history."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="results_releases")
    computed_at = models.DateTimeField()
    ballots_counted = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64, help_text="Hash of the standings: equal content, equal hash.")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-computed_at", "-id")
        indexes = [models.Index(fields=("edition", "computed_at"), name="release_edition_time")]

    def __str__(self) -> str:
        return f"Results of {self.edition_id} at {self.computed_at:%Y-%m-%d %H:%M:%S}"


class CategoryResult(models.Model):
    release = models.ForeignKey(ResultsRelease, on_delete=models.CASCADE, related_name="category_results")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="results")
    method = models.CharField(max_length=16)
    ballots = models.PositiveIntegerField()
    standings = models.JSONField(help_text="[{nominee, position, tied, score, share}], best first.")
    detail = models.JSONField(default=dict)
    first_preferences = models.JSONField(null=True, blank=True, help_text="Ranked only: plurality of first choices.")

    class Meta:
        ordering = ("release", "category__order", "category_id")
        constraints = [
            models.UniqueConstraint(fields=("release", "category"), name="category_result_once_per_release"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} in release {self.release_id}"


class AuditAction(models.TextChoices):
    INVALIDATE = "invalidate", "Invalidated"
    RESTORE = "restore", "Restored"


class AuditRecord(models.Model):
    """A staff change written in the same transaction as the change itself, and never changed afterwards.

    The admin shows these rows read-only, and `save` refuses to update a stored row.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_email = models.EmailField()
    at = models.DateTimeField()
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        abstract = True
        ordering = ("-at", "-id")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Audit records are immutable.")
        super().save(*args, **kwargs)


class BallotAudit(AuditRecord):
    """One staff change of a ballot's status: who, when, what, why, before and after."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="audits")
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=12, choices=AuditAction)
    reason = models.TextField()
    actor_email = models.EmailField(help_text="Kept even if the staff account is deleted later.")

    class Meta(AuditRecord.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="ballot_audit_reason_required"),
        ]
        indexes = [models.Index(fields=("edition", "at"), name="ballot_audit_edition_time")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ballot {self.ballot_id} by {self.actor_email}"


class BallotNotice(models.Model):
    """The voter was told about one status change of their ballot: a retried batch skips it."""

    audit = models.OneToOneField(BallotAudit, on_delete=models.CASCADE, primary_key=True, related_name="notice")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Notice of {self.audit_id}"


class EditionAction(models.TextChoices):
    OPEN_NOMINATIONS = "open_nominations", "Opened nominations"
    CLOSE_NOMINATIONS = "close_nominations", "Closed nominations"
    OPEN_VOTING = "open_voting", "Opened voting"
    CLOSE_VOTING = "close_voting", "Closed voting"
    RECOMPUTE = "recompute", "Recomputed results"
    PUBLISH = "publish", "Published results"
    UNPUBLISH = "unpublish", "Unpublished results"
    PUBLISH_SCHEDULED = "publish_scheduled", "Published results on schedule"
    CHANGE_DATES = "change_dates", "Changed dates in the edition form"
    DUPLICATE = "duplicate", "Created as a copy of another edition"


class EditionAudit(AuditRecord):
    """One staff action on an edition's dates, with the edition's windows before and after.

    `actor` is empty for a publication the scheduler applied (the `change_dates` row that
    scheduled it names who did).
    """

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="audits")
    action = models.CharField(max_length=20, choices=EditionAction)
    actor_email = models.EmailField(blank=True, help_text="Empty for the scheduler.")

    class Meta(AuditRecord.Meta):
        indexes = [models.Index(fields=("edition", "at"), name="edition_audit_edition_time")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.edition_id} by {self.actor_email or 'the scheduler'}"


class AnnouncementKind(models.TextChoices):
    VOTING_OPENED = "voting_opened", "Voting opened"
    VOTING_CLOSING = "voting_closing", "Voting closes in 24 hours"
    RESULTS_PUBLISHED = "results_published", "Results published"


class Announcement(models.Model):
    """An e-mail announcement about an edition, planned once (the constraint makes it once)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="announcements")
    kind = models.CharField(max_length=20, choices=AnnouncementKind)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("edition", "kind"), name="announcement_once_per_edition")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.edition_id}"


class AnnouncementDelivery(models.Model):
    """One member sent one announcement: a retried batch skips those already sent."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("announcement", "member"), name="announcement_delivery_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} to {self.member_id}"


class NotificationOptOut(models.Model):
    """A member who asked (through the signed link in any announcement) to get no more of them."""

    member = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.member_id} opted out"


class MailKind(models.TextChoices):
    RECEIPT = "receipt", "Ballot receipt"
    BALLOT_STATUS = "ballot_status", "Ballot set aside or restored"
    ANNOUNCEMENT = "announcement", "Announcement"
    NOMINATION_OUTCOME = "nomination_outcome", "Nomination outcome"


class MailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: given up"


class OutgoingMailQuerySet(models.QuerySet["OutgoingMail"]):
    def queue(
        self, kind: str, *, edition_id: int, object_ids: list[int], announcement: Announcement | None = None
    ) -> "OutgoingMail":
        """A new mail, due now: call it inside the transaction of the change that causes it."""
        now = timezone.now()
        return self.create(
            kind=kind,
            edition_id=edition_id,
            announcement=announcement,
            object_ids=object_ids,
            next_attempt_at=now,
            created_at=now,
        )

    def due(self, now: datetime) -> "OutgoingMailQuerySet":
        """Mails an attempt may take now: pending ones whose time has come, and claims that lapsed
        (their worker stopped mid-send)."""
        return self.filter(status__in=(MailStatus.PENDING, MailStatus.SENDING), next_attempt_at__lte=now)


class OutgoingMail(models.Model):
    """One e-mail, or one batch of them sent over one connection, and its delivery state.

    Written in the transaction of what causes it (a new receipt, a ballot set aside or restored,
    an announcement planned, a nomination reviewed), so the broker never holds the only trace of
    a mail to send (voting.notifications.outbox). `attempts` counts the attempts begun;
    `next_attempt_at` is when a pending mail is due, or when the claim of a mail being sent lapses.
    """

    kind = models.CharField(max_length=20, choices=MailKind)
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.CASCADE, related_name="mails"
    )
    object_ids = models.JSONField(
        help_text="The ids its sender reads: a receipt, ballot audits, announced members or a nomination."
    )
    status = models.CharField(max_length=8, choices=MailStatus, default=MailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[OutgoingMailQuerySet] = OutgoingMailQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MailKind.ANNOUNCEMENT, announcement__isnull=False)
                | (~Q(kind=MailKind.ANNOUNCEMENT) & Q(announcement__isnull=True)),
                name="outgoing_mail_announcement_with_its_kind",
            ),
        ]
        indexes = [models.Index(fields=("status", "next_attempt_at"), name="outgoing_mail_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"
