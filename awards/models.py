"""Editions, their categories and nominees: what staff curate and visitors browse."""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from awards.images import make_thumbnail, monogram, validate_nominee_image
from awards.templatetags.local_time import as_text
from config.text import refuse_invisible_characters, strip_invisible_characters


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    NOMINATIONS = "nominations", "Nominations open"
    VOTING = "voting", "Voting open"
    CLOSED = "closed", "Voting closed"
    PUBLISHED = "published", "Results published"


class ResultsVisibility(models.TextChoices):
    LIVE = "live", "Live, while voting is open"
    AFTER_CLOSE = "after_close", "Once voting closes"
    PUBLISHED = "published", "Only once staff publish"


class ResultsStage(models.TextChoices):
    """Which moment results are read at: it decides whether anyone may be called a winner."""

    LIVE = "live", "Current standings"  # voting has not closed: nobody has won yet
    CLOSED = "closed", "Voting closed"  # every ballot is in, the results are not announced yet
    FINAL = "final", "Final results"  # published: the winners


class VotingMethod(models.TextChoices):
    PLURALITY = "plurality", "Plurality (choose one)"
    APPROVAL = "approval", "Approval (choose up to N)"
    IRV = "irv", "Ranked: instant-runoff"
    SCHULZE = "schulze", "Ranked: Schulze (Condorcet)"
    BORDA = "borda", "Ranked: Borda count"


class NomineeOrder(models.TextChoices):
    CURATED = "curated", "As curated (the nominees' order)"
    SHUFFLED = "shuffled", "Shuffled per member (same order for the same member)"


RANKED_METHODS = frozenset({VotingMethod.IRV, VotingMethod.SCHULZE, VotingMethod.BORDA})


@dataclass(frozen=True)
class PhaseWindow:
    """The phase an edition is in at a moment, and when that phase ends (None: never)."""

    phase: Phase
    ends_at: datetime | None


class EditionQuerySet(models.QuerySet["Edition"]):
    def public(self) -> "EditionQuerySet":
        return self.filter(is_public=True)


MESSAGE_HELP = "Your words at the top of the {email} e-mail (plain text). Empty: the standard text only."

# The dates staff may type into the edition form (or write in an edition file); `published_at`
# is never one of them: only the audited publish operation sets it.
FORM_DATE_FIELDS = (
    "nominations_open_at",
    "nominations_close_at",
    "voting_opens_at",
    "voting_closes_at",
    "publication_scheduled_at",
)

# What to use instead of typing a time in the past.
_USE_INSTEAD = {
    "nominations_open_at": "use the “Open nominations now” action to open them at once",
    "nominations_close_at": "use the “Close nominations now” action to close them at once",
    "voting_opens_at": "use the “Open voting now” action to open it at once",
    "voting_closes_at": "use the “Close voting now” action to close it at once",
    "publication_scheduled_at": "use the “Publish results now” action to publish at once",
}


class Edition(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    winners_intro = models.TextField(
        "introduction to the winners",
        blank=True,
        help_text="Opens the “All winners” page once results are published. Plain text: blank lines "
        "separate paragraphs; no HTML or Markdown.",
    )
    nominations_open_at = models.DateTimeField(null=True, blank=True)
    nominations_close_at = models.DateTimeField(null=True, blank=True)
    voting_opens_at = models.DateTimeField()
    voting_closes_at = models.DateTimeField()
    results_visibility = models.CharField(
        max_length=16, choices=ResultsVisibility, default=ResultsVisibility.AFTER_CLOSE
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When staff published the results. Set only by the audited publish operation, never by a form.",
    )
    publication_scheduled_at = models.DateTimeField(
        "scheduled publication",
        null=True,
        blank=True,
        help_text="Publish the results at this time (no earlier than voting closes). "
        "Applied by the scheduler through the same audited operation as “Publish results now”.",
    )
    is_public = models.BooleanField(
        "public", default=False, help_text="Listed for visitors. Keep unticked while the edition is being curated."
    )
    min_account_age_days = models.PositiveSmallIntegerField(
        "minimum account age (days)",
        default=0,
        help_text="Members whose account is younger than this when they vote are refused (0: no minimum).",
    )
    allowed_email_domains = models.TextField(
        blank=True,
        help_text="Only members with an e-mail address at one of these domains may vote (one per line or "
        "comma-separated; subdomains included). Empty: any domain. A verified address is always required.",
    )
    voting_opened_message = models.TextField(
        "message when voting opens", blank=True, help_text=MESSAGE_HELP.format(email="“voting is open”")
    )
    closing_reminder_message = models.TextField(
        "message 24 hours before voting closes",
        blank=True,
        help_text=MESSAGE_HELP.format(email="reminder to eligible members who have not voted yet"),
    )
    results_message = models.TextField(
        "message when results are out", blank=True, help_text=MESSAGE_HELP.format(email="“results are out”")
    )
    curation_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Moved by every write to the edition, its categories or its nominees (awards.curation): "
        "copies of what they say are cached under it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[EditionQuerySet] = EditionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-voting_opens_at", "name")
        # Running an edition (the admin's actions, registered from voting's side) is guarded here,
        # with the model it changes.
        permissions = [
            ("run_edition", "Can open and close an edition's nominations and voting early"),
            ("publish_results", "Can recompute, publish and unpublish results"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(voting_closes_at__gt=models.F("voting_opens_at")),
                name="edition_voting_closes_after_it_opens",
                violation_error_message="Voting must close after it opens.",
            ),
            models.CheckConstraint(
                condition=Q(nominations_open_at__isnull=True, nominations_close_at__isnull=True)
                | Q(
                    nominations_open_at__isnull=False,
                    nominations_close_at__isnull=False,
                    nominations_close_at__gt=models.F("nominations_open_at"),
                    nominations_close_at__lte=models.F("voting_opens_at"),
                ),
                name="edition_nominations_window_valid",
                violation_error_message=(
                    "Nominations need both an opening and a closing time, must close after they open, "
                    "and must close no later than voting opens."
                ),
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(published_at__gte=models.F("voting_closes_at")),
                name="edition_published_after_voting_closes",
                violation_error_message="Results cannot be published before voting closes.",
            ),
            models.CheckConstraint(
                condition=Q(publication_scheduled_at__isnull=True)
                | Q(publication_scheduled_at__gte=models.F("voting_closes_at")),
                name="edition_publication_scheduled_after_voting_closes",
                violation_error_message="The scheduled publication cannot be before voting closes.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("awards:edition", kwargs={"edition_slug": self.slug})

    @property
    def has_nominations_window(self) -> bool:
        return self.nominations_open_at is not None and self.nominations_close_at is not None

    def phase_window_at(self, now: datetime) -> PhaseWindow:
        """The phase at `now` and when it ends. Windows are half-open: [opens, closes)."""
        if self.published_at is not None and self.published_at <= now:
            return PhaseWindow(Phase.PUBLISHED, None)
        if now >= self.voting_closes_at:
            return PhaseWindow(Phase.CLOSED, None)
        if now >= self.voting_opens_at:
            return PhaseWindow(Phase.VOTING, self.voting_closes_at)
        if self.nominations_open_at is not None and self.nominations_close_at is not None:
            if self.nominations_open_at <= now < self.nominations_close_at:
                return PhaseWindow(Phase.NOMINATIONS, self.nominations_close_at)
            if now < self.nominations_open_at:
                return PhaseWindow(Phase.UPCOMING, self.nominations_open_at)
        return PhaseWindow(Phase.UPCOMING, self.voting_opens_at)

    def phase_at(self, now: datetime) -> Phase:
        return self.phase_window_at(now).phase

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    def date_change_problems(self, values: Mapping[str, datetime | None], now: datetime) -> dict[str, str]:
        """Why these new dates may not replace the stored ones (empty: they may), by field.

        A time that has passed is history: it cannot be moved, since ballots or suggestions may
        already rest on it (so a running edition cannot be reopened, shortened into the past, or
        un-published from the form). A new time cannot be in the past either: changing the phase
        at once is what the audited actions are for. A publication can only be scheduled while
        results are unpublished; the constraints add "never before voting closes". The edition
        form, `change_dates` (under the row lock) and the edition file all apply this rule.
        """
        problems: dict[str, str] = {}
        for field in FORM_DATE_FIELDS:
            old: datetime | None = getattr(self, field)
            new = values.get(field, old)
            if new == old:
                continue
            label = str(getattr(self._meta.get_field(field), "verbose_name", field)).capitalize()
            if old is not None and old <= now and field != "publication_scheduled_at":
                problems[field] = f"{label} was {as_text([(old, '')])}; a past time cannot be changed."
            elif new is not None and new < now:
                problems[field] = f"{label} cannot be in the past; {_USE_INSTEAD[field]}."
        scheduled = values.get("publication_scheduled_at", self.publication_scheduled_at)
        if scheduled is not None and self.published_at is not None and "publication_scheduled_at" not in problems:
            problems["publication_scheduled_at"] = "Results are already published; unpublish them before scheduling."
        return problems

    @property
    def email_domains(self) -> list[str]:
        """The allow-list of e-mail domains, normalised (empty: any domain)."""
        raw = self.allowed_email_domains.replace(",", "\n").splitlines()
        return sorted({d.strip().lower().lstrip("@").rstrip(".") for d in raw if d.strip()})

    def allows_email(self, email: str) -> bool:
        """Whether the allow-list admits this address (its domain, or a subdomain of a listed one)."""
        domains = self.email_domains
        if not domains:
            return True
        domain = email.rpartition("@")[2].lower().rstrip(".")
        return any(domain == d or domain.endswith("." + d) for d in domains)

    def account_old_enough_at(self, joined_at: datetime, now: datetime) -> bool:
        return now - joined_at >= timedelta(days=self.min_account_age_days)

    def is_voting_open_at(self, now: datetime) -> bool:
        return self.voting_opens_at <= now < self.voting_closes_at

    def is_nominating_at(self, now: datetime) -> bool:
        return self.phase_at(now) == Phase.NOMINATIONS

    def results_stage_at(self, now: datetime) -> ResultsStage:
        """The moment of the results at `now`: the one rule every page, image and document words itself by.

        Final only once published; before voting closes the count is interim whatever the
        visibility rule shows.
        """
        if self.published_at is not None and self.published_at <= now:
            return ResultsStage.FINAL
        if now >= self.voting_closes_at:
            return ResultsStage.CLOSED
        return ResultsStage.LIVE

    def results_stage_ends_at(self, now: datetime) -> datetime | None:
        """When the stage at `now` gives way to the next on its own (None: only a staff action moves it)."""
        stage = self.results_stage_at(now)
        if stage == ResultsStage.LIVE:
            return self.voting_closes_at
        if stage == ResultsStage.CLOSED:
            return self.published_at  # a scheduled publication, or None
        return None

    def pages_change_at(self, now: datetime) -> datetime | None:
        """When the edition's public pages change wording on their own (a phase or results stage
        ending by time); None when only a staff action changes them. Cached copies expire there."""
        ends = [at for at in (self.phase_window_at(now).ends_at, self.results_stage_ends_at(now)) if at is not None]
        return min(ends, default=None)

    @property
    def announcement_scheduled_at(self) -> datetime | None:
        """A publication time still to come, or None."""
        if self.published_at is not None and self.published_at > timezone.now():
            return self.published_at
        return None

    def results_public_at(self, now: datetime) -> bool:
        """Whether a visitor may see results at `now` under the edition's visibility rule."""
        if self.published_at is not None and self.published_at <= now:
            return True
        if self.results_visibility == ResultsVisibility.LIVE:
            return now >= self.voting_opens_at
        if self.results_visibility == ResultsVisibility.AFTER_CLOSE:
            return now >= self.voting_closes_at
        return False


class Category(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="categories")
    title = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80)
    intro = models.TextField(blank=True, help_text="Shown above the nominees and the results.")
    order = models.PositiveSmallIntegerField(default=0)
    method = models.CharField(max_length=16, choices=VotingMethod, default=VotingMethod.PLURALITY)
    max_choices = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Approval only: how many nominees a voter may approve."
    )
    ballot_order = models.CharField(
        "order on the ballot",
        max_length=8,
        choices=NomineeOrder,
        default=NomineeOrder.CURATED,
        help_text="Shuffling counters ballot-order bias: each member always sees their own stable order. "
        "The category and results pages keep the curated order.",
    )

    class Meta:
        ordering = ("edition", "order", "id")
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=("edition", "slug"),
                name="category_slug_unique_in_edition",
                violation_error_message="This edition already has a category with that slug.",
            ),
            models.CheckConstraint(
                condition=~Q(method=VotingMethod.APPROVAL) | Q(max_choices__isnull=False, max_choices__gte=1),
                name="category_approval_max_choices_at_least_one",
                violation_error_message="An approval category needs a maximum number of choices of at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(method=VotingMethod.APPROVAL) | Q(max_choices__isnull=True),
                name="category_max_choices_only_for_approval",
                violation_error_message="Only approval categories have a maximum number of choices.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("awards:category", kwargs={"edition_slug": self.edition.slug, "category_slug": self.slug})

    @property
    def is_ranked(self) -> bool:
        return self.method in RANKED_METHODS


class NomineeQuerySet(models.QuerySet["Nominee"]):
    def active(self) -> "NomineeQuerySet":
        return self.filter(active=True)


def validate_visible_name(name: str) -> None:
    """Refuse zero-width, soft-hyphen, bidi and control characters: two names that look alike must be alike."""
    refuse_invisible_characters(name, what="The name")


BALLOT_FILE_SEPARATORS = (";", ">")


class Nominee(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="nominees")
    name = models.CharField(max_length=120, validators=[validate_visible_name])
    product_name = models.CharField(max_length=160, blank=True)
    ticker = models.CharField(max_length=16, blank=True)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    image = models.ImageField(
        "logo or image",
        upload_to="nominees/",
        blank=True,
        validators=[validate_nominee_image],
        help_text="PNG, JPEG or WebP, at most 2 MB, 64 to 4096 pixels a side. Shown square; a monogram "
        "stands in when there is none.",
    )
    thumbnail = models.ImageField(upload_to="nominees/thumbnails/", blank=True, editable=False)

    objects: ClassVar[NomineeQuerySet] = NomineeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("category", "order", "id")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "category",
                name="nominee_name_unique_in_category",
                violation_error_message="This category already has a nominee with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Make the thumbnail once, when a new image arrives (and drop it with the image)."""
        if not self.image:
            self.thumbnail = None
        elif not getattr(self.image, "_committed", True):  # a fresh upload, not yet stored: Django's own test
            name = self.image.name or "image"
            self.thumbnail.save(name, make_thumbnail(self.image, name), save=False)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # A ballot file names nominees with ";" between approvals and ">" between ranks
        # (README, "Importing ballots"): a name holding either could never be named there.
        found = sorted({mark for mark in BALLOT_FILE_SEPARATORS if mark in self.name})
        if found:
            marks = " or ".join(f"“{mark}”" for mark in found)
            raise ValidationError(
                {"name": f"A nominee's name cannot contain {marks}: ballot files use it between names."}
            )

    @property
    def monogram(self) -> str:
        return monogram(self.name)

    @property
    def image_url(self) -> str:
        """The thumbnail's URL ("" without an image): pages never load the full upload."""
        return self.thumbnail.url if self.thumbnail else ""

    @property
    def tone(self) -> int:
        """One of six monogram colours, stable for the nominee."""
        return (self.pk or 0) % 6


def fold_name(name: str) -> str:
    """A name as duplicates are compared: compatibility forms unified (NFKC: fullwidth letters are
    letters), invisible characters dropped, case folded, spacing collapsed ("  Black  Rock" → "black rock").
    """
    text = strip_invisible_characters(unicodedata.normalize("NFKC", name))
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())


class NominationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Nomination(models.Model):
    """A member's suggestion of a nominee for a category, awaiting or after staff review.

    One row per distinct (folded) name in a category: a second member suggesting the same
    thing supports the existing suggestion instead (`NominationSupport`), which is how staff
    see how many members asked for it.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="nominations")
    name = models.CharField(max_length=120, validators=[validate_visible_name])
    name_key = models.CharField(max_length=120, editable=False, help_text="The name folded for duplicate checks.")
    product_name = models.CharField(max_length=160, blank=True)
    link = models.URLField(blank=True)
    why = models.TextField("why", max_length=2000)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="nominations"
    )
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=NominationStatus, default=NominationStatus.PENDING)
    nominee = models.ForeignKey(
        Nominee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations",
        help_text="Approved: the nominee this suggestion became or was merged into.",
    )
    created_nominee = models.BooleanField(default=False, help_text="Approval created the nominee (undo removes it).")
    review_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("category", "-created_at")
        permissions = [("review_nomination", "Can approve, merge and reject nominations")]
        constraints = [
            models.UniqueConstraint(
                fields=("category", "name_key"),
                name="nomination_name_unique_in_category",
                violation_error_message="This name has already been suggested in this category.",
            ),
            models.CheckConstraint(condition=~Q(name_key=""), name="nomination_name_not_blank"),
            models.CheckConstraint(
                condition=~Q(status=NominationStatus.REJECTED) | ~Q(review_reason=""),
                name="nomination_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = fold_name(self.name)
        super().save(*args, **kwargs)


class NominationSupport(models.Model):
    """A member asking for a suggested nominee (the suggester included)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="supports")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("nomination", "member"), name="nomination_support_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} supports {self.nomination_id}"
