"""Writes for community nominations: members suggest and support, staff approve, merge or reject.

Every status change is a conditional update (only from the state the caller saw), so two
staff members reviewing the same suggestion cannot both apply.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.access import has_verified_email
from accounts.models import User
from awards.models import (
    Category,
    Nomination,
    NominationStatus,
    NominationSupport,
    Nominee,
    fold_name,
    validate_visible_name,
)


class NominationRefused(Exception):
    """Nothing was stored. `existing` is the nominee or suggestion a duplicate points at."""

    def __init__(self, message: str, existing: Nominee | Nomination | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.existing = existing


def _check_member_may_nominate(member: User, category: Category, now: datetime) -> None:
    edition = category.edition
    if not edition.is_nominating_at(now):
        raise NominationRefused(f"Nominations for {edition.name} are not open.")
    if not has_verified_email(member):
        raise NominationRefused("Verify your e-mail address before you suggest nominees.")


def existing_nominee(category: Category, name: str) -> Nominee | None:
    """The category's nominee whose name folds to the same as `name`, if any."""
    key = fold_name(name)
    return next((n for n in category.nominees.all() if fold_name(n.name) == key), None)


def suggest_nominee(
    *, member: User, category: Category, name: str, product_name: str = "", link: str = "", why: str
) -> Nomination:
    """Store a member's suggestion while the edition's nominations window is open.

    Refused (NominationRefused) outside the window, without a verified address, beyond
    PODIUM_NOMINATIONS_PER_CATEGORY suggestions by this member in this category, for a
    name with invisible characters, or when the name (compatibility forms, case and spacing
    folded) is already a nominee or a suggestion there; then `existing` points at it. Locks
    the member's row so two tabs cannot pass the limit.
    """
    now = timezone.now()
    _check_member_may_nominate(member, category, now)
    try:
        validate_visible_name(name)
    except ValidationError as invisible:
        raise NominationRefused(invisible.messages[0]) from None
    if not fold_name(name):
        raise NominationRefused("Give the nominee's name.")
    nominee = existing_nominee(category, name)
    if nominee is not None:
        raise NominationRefused(f"{nominee.name} is already a nominee in {category.title}.", existing=nominee)
    limit = settings.PODIUM_NOMINATIONS_PER_CATEGORY
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=member.pk).first()
            if Nomination.objects.filter(category=category, suggested_by=member).count() >= limit:
                raise NominationRefused(f"You have made your {limit} suggestions in {category.title}.")
            nomination = Nomination(
                category=category,
                name=" ".join(name.split()),
                product_name=product_name.strip(),
                link=link,
                why=why.strip(),
                suggested_by=member,
                created_at=now,
            )
            nomination.save()
            NominationSupport.objects.create(nomination=nomination, member=member, created_at=now)
    except IntegrityError:
        existing = Nomination.objects.filter(category=category, name_key=fold_name(name)).first()
        raise NominationRefused(
            f"{existing.name if existing else name} has already been suggested in {category.title}. "
            "You can support that suggestion instead.",
            existing=existing,
        ) from None
    return nomination


def support_nomination(*, member: User, nomination: Nomination) -> bool:
    """Count the member as asking for a pending suggestion. False if they already did."""
    _check_member_may_nominate(member, nomination.category, timezone.now())
    if nomination.status != NominationStatus.PENDING:
        raise NominationRefused("Staff have already reviewed this suggestion.")
    try:
        with transaction.atomic():
            NominationSupport.objects.create(nomination=nomination, member=member, created_at=timezone.now())
    except IntegrityError:
        return False
    return True


def _review(nomination: Nomination, by: User, **changes: object) -> None:
    """Move a pending suggestion to its reviewed state, or refuse if someone got there first."""
    updated = Nomination.objects.filter(pk=nomination.pk, status=NominationStatus.PENDING).update(
        reviewed_by=by, reviewed_at=timezone.now(), **changes
    )
    if not updated:
        raise NominationRefused(f"“{nomination.name}” has already been reviewed.")


def approve_nomination(*, nomination: Nomination, by: User) -> Nominee:
    """Make a pending suggestion a new (active) nominee at the end of its category."""
    category = nomination.category
    if existing_nominee(category, nomination.name) is not None:
        raise NominationRefused(f"“{nomination.name}” is already a nominee: merge the suggestion into it.")
    with transaction.atomic():
        last = category.nominees.aggregate(last=Max("order"))["last"]
        nominee = Nominee.objects.create(
            category=category,
            name=nomination.name,
            product_name=nomination.product_name,
            website=nomination.link,
            order=(last or 0) + 1,
        )
        _review(nomination, by, status=NominationStatus.APPROVED, nominee=nominee, created_nominee=True)
    return nominee


def merge_nomination(*, nomination: Nomination, into: Nominee, by: User) -> None:
    """Approve a pending suggestion as an existing nominee of the same category."""
    if into.category_id != nomination.category_id:
        raise NominationRefused("A suggestion can only be merged into a nominee of its own category.")
    with transaction.atomic():
        _review(nomination, by, status=NominationStatus.APPROVED, nominee=into, created_nominee=False)


def reject_nomination(*, nomination: Nomination, reason: str, by: User) -> None:
    """Reject a pending suggestion; the member sees the reason on their nominations page."""
    if not reason.strip():
        raise NominationRefused("Give a reason: the member will see it.")
    with transaction.atomic():
        _review(nomination, by, status=NominationStatus.REJECTED, review_reason=reason.strip())


def undo_review(*, nomination: Nomination, by: User) -> None:
    """Put a reviewed suggestion back to pending.

    An approval that created a nominee removes that nominee again, unless ballots already
    chose it (then withdraw the nominee instead: votes are never deleted by a review).
    """
    with transaction.atomic():
        locked = Nomination.objects.select_for_update(of=("self",)).select_related("nominee").get(pk=nomination.pk)
        if locked.status == NominationStatus.PENDING:
            raise NominationRefused(f"“{locked.name}” has not been reviewed.")
        created = locked.nominee if locked.created_nominee else None
        if created is not None and created.nominations.exclude(pk=locked.pk).exists():
            raise NominationRefused(f"Other suggestions were merged into {created.name}: undo those first.")
        if created is not None and created.votes.exists():
            raise NominationRefused(
                f"{created.name} already has votes: untick “active” on the nominee to withdraw it instead."
            )
        Nomination.objects.filter(pk=locked.pk).update(
            status=NominationStatus.PENDING,
            nominee=None,
            created_nominee=False,
            review_reason="",
            reviewed_by=by,
            reviewed_at=timezone.now(),
        )
        if created is not None:
            created.delete()
