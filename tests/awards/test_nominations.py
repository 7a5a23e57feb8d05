"""Community nominations: window, limits, duplicate folding, support, approve/merge/reject/undo."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from awards.models import Nomination, NominationStatus, NominationSupport, Nominee, fold_name
from awards.nominations import (
    NominationRefused,
    approve_nomination,
    merge_nomination,
    reject_nomination,
    suggest_nominee,
    support_nomination,
    undo_review,
)
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _suggest(category, name: str, member=None) -> Nomination:
    return suggest_nominee(member=member or UserFactory(), category=category, name=name, why="Great product")


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  Black   Rock ", "black rock"),
        ("TREZOR", "trezor"),
        ("Straße", "strasse"),
        ("ＢｌａｃｋＲｏｃｋ", "blackrock"),
        ("Black\u200bRock", "blackrock"),
        ("Black\u00adRock", "blackrock"),
        ("Black\u3000Rock", "black rock"),
        ("ﬁdelity", "fidelity"),
    ],
)
def test_fold_name(raw: str, folded: str) -> None:
    assert fold_name(raw) == folded


def test_member_suggests_within_the_window(nominating_category) -> None:
    member = UserFactory()
    nomination = suggest_nominee(
        member=member,
        category=nominating_category,
        name="  Trezor   Safe ",
        product_name="Safe 5",
        link="https://trezor.io/",
        why="Open source",
    )
    assert (nomination.name, nomination.name_key, nomination.status, nomination.suggested_by) == (
        "Trezor Safe",
        "trezor safe",
        NominationStatus.PENDING,
        member,
    )
    assert list(NominationSupport.objects.values_list("member", flat=True)) == [member.pk]


@pytest.mark.parametrize("offset", [timedelta(days=-3), timedelta(days=3)])
def test_outside_the_window_is_refused(nominating_category, offset: timedelta) -> None:
    edition = nominating_category.edition
    now = timezone.now() + offset
    edition.nominations_open_at, edition.nominations_close_at = now - timedelta(days=10), now - timedelta(days=5)
    if offset > timedelta(0):
        edition.nominations_open_at, edition.nominations_close_at = now, now + timedelta(hours=1)
        edition.voting_opens_at, edition.voting_closes_at = now + timedelta(days=1), now + timedelta(days=2)
    edition.save()
    with pytest.raises(NominationRefused, match=r"Nominations for Moon Awards 2026 are not open\."):
        _suggest(nominating_category, "Trezor")
    assert not Nomination.objects.exists()


def test_unverified_member_is_refused(nominating_category) -> None:
    with pytest.raises(NominationRefused, match="Verify your e-mail address"):
        _suggest(nominating_category, "Trezor", member=UserFactory(verified=False))


def test_limit_per_member_per_category(nominating_category, settings) -> None:
    settings.PODIUM_NOMINATIONS_PER_CATEGORY = 2
    member = UserFactory()
    _suggest(nominating_category, "A", member)
    _suggest(nominating_category, "B", member)
    with pytest.raises(NominationRefused, match=r"You have made your 2 suggestions in Best Wallet\."):
        _suggest(nominating_category, "C", member)
    _suggest(nominating_category, "C")  # another member still can
    assert Nomination.objects.count() == 3


def test_existing_nominee_is_refused_case_and_spacing_folded(nominating_category) -> None:
    ledger = Nominee.objects.get(name="Ledger")
    with pytest.raises(NominationRefused) as refused:
        _suggest(nominating_category, "  LEDGER ")
    assert refused.value.message == "Ledger is already a nominee in Best Wallet."
    assert refused.value.existing == ledger


def test_duplicate_suggestion_points_at_the_existing_one(nominating_category) -> None:
    first = _suggest(nominating_category, "Bit Box")
    with pytest.raises(NominationRefused) as refused:
        _suggest(nominating_category, "bit   BOX")
    assert refused.value.existing == first
    assert refused.value.message == (
        "Bit Box has already been suggested in Best Wallet. You can support that suggestion instead."
    )
    assert Nomination.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "spelling"),
    [("BlackRock", "ＢｌａｃｋＲｏｃｋ"), ("BlackRock", "blackrock"), ("Black Rock", "BLACK\u3000ROCK")],
)
def test_a_compatibility_spelling_of_a_suggestion_is_the_same_suggestion(
    nominating_category, first: str, spelling: str
) -> None:
    existing = _suggest(nominating_category, first)
    with pytest.raises(NominationRefused) as refused:
        _suggest(nominating_category, spelling)
    assert refused.value.existing == existing
    assert Nomination.objects.count() == 1


@pytest.mark.parametrize(
    ("spelling", "named"),
    [
        ("Black\u200bRock", "U+200B ZERO WIDTH SPACE"),
        ("Black\u00adRock", "U+00AD SOFT HYPHEN"),
        ("Black\u202eRock", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Led\u200dger", "U+200D ZERO WIDTH JOINER"),
    ],
)
def test_a_name_with_invisible_characters_is_refused(nominating_category, spelling: str, named: str) -> None:
    _suggest(nominating_category, "BlackRock")
    with pytest.raises(NominationRefused) as refused:
        _suggest(nominating_category, spelling)
    assert refused.value.message == f"The name contains an invisible character ({named}). Type it again without it."
    assert list(Nomination.objects.values_list("name", flat=True)) == ["BlackRock"]


def test_staff_cannot_store_a_nominee_name_with_invisible_characters(nominating_category) -> None:
    nominee = Nominee(category=nominating_category, name="Tre\u200bzor")
    with pytest.raises(ValidationError) as refused:
        nominee.full_clean()
    assert refused.value.message_dict["name"] == [
        "The name contains an invisible character (U+200B ZERO WIDTH SPACE). Type it again without it."
    ]


def test_database_refuses_a_folded_duplicate(nominating_category) -> None:
    _suggest(nominating_category, "Bit Box")
    with pytest.raises(IntegrityError):
        Nomination(category=nominating_category, name="BIT  box", why="x", created_at=timezone.now()).save()


def test_support_counts_each_member_once(nominating_category) -> None:
    nomination = _suggest(nominating_category, "Bit Box")
    supporter = UserFactory()
    assert support_nomination(member=supporter, nomination=nomination) is True
    assert support_nomination(member=supporter, nomination=nomination) is False
    assert nomination.supports.count() == 2


def test_approve_creates_an_active_nominee_at_the_end(nominating_category) -> None:
    nomination = suggest_nominee(
        member=UserFactory(), category=nominating_category, name="Bit Box", link="https://bitbox.swiss/", why="x"
    )
    staff = StaffFactory()
    nominee = approve_nomination(nomination=nomination, by=staff)
    nomination.refresh_from_db()
    assert (nominee.name, nominee.website, nominee.active, nominee.category) == (
        "Bit Box",
        "https://bitbox.swiss/",
        True,
        nominating_category,
    )
    assert nominee.order > Nominee.objects.get(name="Ledger").order
    assert (nomination.status, nomination.nominee, nomination.created_nominee, nomination.reviewed_by) == (
        NominationStatus.APPROVED,
        nominee,
        True,
        staff,
    )
    with pytest.raises(NominationRefused, match="already been reviewed"):
        reject_nomination(nomination=nomination, reason="late", by=staff)


def test_merge_into_an_existing_nominee(nominating_category) -> None:
    nomination = _suggest(nominating_category, "Ledger Nano X")
    ledger = Nominee.objects.get(name="Ledger")
    merge_nomination(nomination=nomination, into=ledger, by=StaffFactory())
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee, nomination.created_nominee) == (
        NominationStatus.APPROVED,
        ledger,
        False,
    )
    assert Nominee.objects.count() == 1


def test_reject_needs_a_reason_and_keeps_it(nominating_category) -> None:
    nomination = _suggest(nominating_category, "Scam Wallet")
    with pytest.raises(NominationRefused, match="Give a reason"):
        reject_nomination(nomination=nomination, reason=" ", by=StaffFactory())
    reject_nomination(nomination=nomination, reason="Not a wallet", by=StaffFactory())
    nomination.refresh_from_db()
    assert (nomination.status, nomination.review_reason) == (NominationStatus.REJECTED, "Not a wallet")


def test_undo_removes_a_created_nominee_and_returns_to_pending(nominating_category) -> None:
    nomination = _suggest(nominating_category, "Bit Box")
    staff = StaffFactory()
    nominee = approve_nomination(nomination=nomination, by=staff)
    undo_review(nomination=nomination, by=staff)
    nomination.refresh_from_db()
    assert (nomination.status, nomination.nominee, nomination.created_nominee) == (
        NominationStatus.PENDING,
        None,
        False,
    )
    assert not Nominee.objects.filter(pk=nominee.pk).exists()
    approve_nomination(nomination=nomination, by=staff)  # can be reviewed again


def test_undo_of_a_merge_or_rejection_keeps_nominees(nominating_category) -> None:
    ledger = Nominee.objects.get(name="Ledger")
    merged, rejected = _suggest(nominating_category, "Ledger Nano"), _suggest(nominating_category, "Spam")
    staff = StaffFactory()
    merge_nomination(nomination=merged, into=ledger, by=staff)
    reject_nomination(nomination=rejected, reason="spam", by=staff)
    undo_review(nomination=merged, by=staff)
    undo_review(nomination=rejected, by=staff)
    assert set(Nomination.objects.values_list("status", "review_reason")) == {(NominationStatus.PENDING, "")}
    assert Nominee.objects.filter(pk=ledger.pk).exists()


def test_undo_refused_once_the_created_nominee_has_votes(nominating_category) -> None:
    from voting.models import Ballot, BallotSource, Vote

    nomination = _suggest(nominating_category, "Bit Box")
    staff = StaffFactory()
    nominee = approve_nomination(nomination=nomination, by=staff)
    now = timezone.now()
    ballot = Ballot.objects.create(
        edition=nominating_category.edition,
        voter=UserFactory(),
        source=BallotSource.WEB,
        submitted_at=now,
        updated_at=now,
    )
    Vote.objects.create(ballot=ballot, category=nominating_category, nominee=nominee)
    with pytest.raises(NominationRefused, match="already has votes"):
        undo_review(nomination=nomination, by=staff)
    assert Nominee.objects.filter(pk=nominee.pk).exists()
