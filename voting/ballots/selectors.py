"""Reads for ballots and receipts, with who-may-see-what applied here."""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import salted_hmac

from accounts.models import User
from awards.models import Category, Edition, Nominee, NomineeOrder
from awards.selectors import get_edition_for, visible_editions
from voting.ballots.rules import BallotRules, curated, rules_for
from voting.models import Ballot, Receipt, normalise_receipt_code


def ballot_of(voter: User, edition: Edition) -> Ballot | None:
    return Ballot.objects.filter(voter=voter, edition=edition).first()


def selections_of(ballot: Ballot | None) -> dict[int, list[int]]:
    """The ballot's choices per category (ranked: in preference order)."""
    if ballot is None:
        return {}
    chosen: dict[int, list[int]] = {}
    for category_id, nominee_id in ballot.votes.order_by("category_id", "rank", "id").values_list(
        "category_id", "nominee_id"
    ):
        chosen.setdefault(category_id, []).append(nominee_id)
    return chosen


@dataclass(frozen=True)
class BallotPage:
    """What the ballot page needs about one member's ballot in one edition."""

    rules: BallotRules
    ballot: Ballot | None
    selections: dict[int, list[int]]
    receipt: Receipt | None
    nominees: dict[int, list[Nominee]] = field(default_factory=dict)  # active ones, per category, in ballot order

    @property
    def version(self) -> int:
        return self.ballot.version if self.ballot else 0


def ballot_page(voter: User, edition: Edition) -> BallotPage:
    """The member's ballot with the edition's rules and nominees (categories and nominees: `rules.curated`)."""
    ballot = ballot_of(voter, edition)
    receipt = latest_receipt(ballot) if ballot else None
    categories, rules = curated(edition)
    nominees = {c.pk: ballot_order(voter, c, [n for n in c.nominees.all() if n.active]) for c in categories}
    return BallotPage(rules, ballot, selections_of(ballot), receipt, nominees)


EDITION_COPY_SECONDS = 10.0
_edition_copies: dict[str, tuple[float, Edition]] = {}


def edition_to_submit_to(viewer: User, slug: str) -> Edition:
    """The edition a ballot is being submitted to: `get_edition_for`, or this process's copy of a public edition.

    The copy (at most EDITION_COPY_SECONDS old) saves a query per submission, and is safe
    because nothing is decided on it alone: the write reads the window and the curation
    version (which every save of the edition moves) in its own statement and stores nothing
    when either disagrees, and the views read the edition again before showing a refusal.
    Drafts are never copied, so what staff alone may see is always read.
    """
    copy = _edition_copies.get(slug)
    if copy is not None and time.monotonic() - copy[0] < EDITION_COPY_SECONDS:
        return copy[1]
    return remember_edition(get_edition_for(viewer, slug))


def remember_edition(edition: Edition) -> Edition:
    """Keep this edition, just read from the database, as the process's copy (a public one only)."""
    if edition.is_public:
        _edition_copies[edition.slug] = (time.monotonic(), edition)
    return edition


def forget_edition_copies() -> None:
    """Drop this process's copies (tests)."""
    _edition_copies.clear()


def ballot_order(voter: User, category: Category, nominees: Sequence[Nominee]) -> list[Nominee]:
    """The nominees in the order this member's ballot lists them.

    Curated categories keep the staff's order. Shuffled ones are sorted by a keyed hash of
    (member, category, nominee): each member gets their own order, the same on every visit
    and every device, which nobody can predict without the site's secret key; ballot-order
    bias then spreads evenly over the nominees instead of favouring the first one listed.
    """
    if category.ballot_order != NomineeOrder.SHUFFLED:
        return list(nominees)

    def key(nominee: Nominee) -> str:
        return salted_hmac("podium.ballot-order", f"{voter.pk}:{category.pk}:{nominee.pk}").hexdigest()

    return sorted(nominees, key=key)


@dataclass(frozen=True)
class ChoiceSummary:
    category_id: int
    title: str
    method: str
    nominees: list[str]  # names, in preference order for ranked categories


def summarise(rules: BallotRules, selections: dict[int, list[int]]) -> list[ChoiceSummary]:
    """Each category with the names chosen in it (empty: abstained), in ballot order."""
    return [
        ChoiceSummary(rule.id, rule.title, rule.method, [rule.names[n] for n in selections.get(rule.id, [])])
        for rule in rules.categories
    ]


def latest_receipt(ballot: Ballot) -> Receipt | None:
    return ballot.receipts.filter(ballot_version=ballot.version).first()


@dataclass(frozen=True)
class ReceiptStatus:
    code: str
    edition: Edition
    counted: bool
    issued_at: datetime
    changed_at: datetime | None  # set when the ballot was changed after this receipt
    invalidated_at: datetime | None
    ballot: Ballot


def receipt_status(code: str, *, viewer: User | AnonymousUser) -> ReceiptStatus | None:
    """What a receipt code proves, or None for an unknown code. Reveals no identity.

    A receipt follows its edition's visibility: for a draft, anyone but staff gets None, the
    answer for an unknown code, so a receipt never reveals that a draft exists or its name.
    """
    receipts = Receipt.objects.select_related("ballot__edition").filter(ballot__edition__in=visible_editions(viewer))
    receipt = receipts.filter(code=normalise_receipt_code(code)).first() if code else None
    if receipt is None:
        return None
    ballot = receipt.ballot
    invalidated = not ballot.is_counted
    return ReceiptStatus(
        code=receipt.code,
        edition=ballot.edition,
        counted=not invalidated,
        issued_at=receipt.issued_at,
        changed_at=ballot.updated_at if receipt.ballot_version < ballot.version else None,
        invalidated_at=ballot.status_changed_at if invalidated else None,
        ballot=ballot,
    )


def receipt_summary_for(viewer: User | AnonymousUser, status: ReceiptStatus) -> list[ChoiceSummary] | None:
    """The ballot's choices, but only for the member who cast it; anyone else sees status only."""
    if not viewer.is_authenticated or status.ballot.voter_id != viewer.pk:
        return None
    return summarise(rules_for(status.edition), selections_of(status.ballot))


class Standing(StrEnum):
    """Where a member stands in an edition, as the site tells them on every page."""

    NOT_OPEN = "not_open"  # voting has not opened yet
    VOTE_NOW = "vote_now"  # voting is open and they have no ballot
    VOTED = "voted"  # voting is open and their ballot counts; they may change it
    COUNTED = "counted"  # voting has closed and their ballot counted
    SET_ASIDE = "set_aside"  # the organisers invalidated their ballot
    MISSED = "missed"  # voting has closed without a ballot from them


@dataclass(frozen=True)
class MemberStanding:
    state: Standing
    edition: Edition
    ballot: Ballot | None

    @property
    def public_reason(self) -> str:
        """What the organisers chose to tell the member about setting their ballot aside."""
        return self.ballot.status_public_reason if self.ballot and self.state == Standing.SET_ASIDE else ""

    @property
    def can_change(self) -> bool:
        return self.state in (Standing.VOTE_NOW, Standing.VOTED)


def standing_in(edition: Edition, ballot: Ballot | None, now: datetime) -> MemberStanding:
    """The member's standing given their ballot (None: they have none) in `edition` at `now`."""
    if ballot is not None and not ballot.is_counted:
        state = Standing.SET_ASIDE
    elif now < edition.voting_opens_at:
        state = Standing.NOT_OPEN
    elif edition.is_voting_open_at(now):
        state = Standing.VOTED if ballot else Standing.VOTE_NOW
    else:
        state = Standing.COUNTED if ballot else Standing.MISSED
    return MemberStanding(state, edition, ballot)


def ballots_by_edition(member: User) -> dict[int, Ballot]:
    """All of a member's ballots, keyed by edition id, in one query."""
    return {ballot.edition_id: ballot for ballot in Ballot.objects.filter(voter=member)}


@dataclass(frozen=True)
class MyBallot:
    standing: MemberStanding
    receipt: Receipt | None


def my_ballots(member: User, now: datetime) -> list[MyBallot]:
    """The member's ballots for their account page, newest change first, each with its current receipt."""
    ballots = Ballot.objects.filter(voter=member).select_related("edition").prefetch_related("receipts")
    return [
        MyBallot(
            standing_in(ballot.edition, ballot, now),
            next((r for r in ballot.receipts.all() if r.ballot_version == ballot.version), None),
        )
        for ballot in ballots.order_by("-updated_at")
    ]
