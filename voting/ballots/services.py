"""Writes for ballots. `submit_ballot` is the only code that stores a member's ballot."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from awards.models import Edition
from config.metrics import BALLOTS_ACCEPTED
from voting import tasks
from voting.ballots.fingerprints import content_digest, network_block
from voting.ballots.rules import BallotRules, ProblemsByCategory, check_selections, normalise, rules_for
from voting.ballots.selectors import selections_of
from voting.models import Ballot, BallotSource, Receipt, Vote


class BallotRejected(Exception):
    """The ballot was not stored. `code` says why; `problems` holds the messages."""

    NOT_OPEN = "not_open"
    CLOSED = "closed"
    INVALID = "invalid"
    STALE = "stale"
    NOT_ELIGIBLE = "not_eligible"

    def __init__(self, code: str, problems: ProblemsByCategory) -> None:
        super().__init__(code, problems)
        self.code = code
        self.problems = problems

    @classmethod
    def general(cls, code: str, message: str) -> "BallotRejected":
        return cls(code, {None: [message]})


@dataclass(frozen=True)
class StoredBallot:
    ballot: Ballot
    receipt: Receipt
    changed: bool  # False when the submission repeated what was already stored


STALE_MESSAGE = (
    "Your ballot was changed after this page was loaded (perhaps in another tab). "
    "These are your current choices: review them and submit again."
)


def voting_window_problem(edition: Edition, now: datetime) -> BallotRejected | None:
    if now < edition.voting_opens_at:
        when = date_format(timezone.localtime(edition.voting_opens_at), "j F Y, H:i T")
        return BallotRejected.general(BallotRejected.NOT_OPEN, f"Voting in {edition.name} opens on {when}.")
    if now >= edition.voting_closes_at:
        when = date_format(timezone.localtime(edition.voting_closes_at), "j F Y, H:i T")
        return BallotRejected.general(BallotRejected.CLOSED, f"Voting in {edition.name} closed on {when}.")
    return None


def eligibility_problem(voter: User, edition: Edition, now: datetime) -> BallotRejected | None:
    """Why this member may not vote in this edition at `now` (None: eligible).

    A verified e-mail address is always required; the edition may also ask for a minimum
    account age at voting time and an e-mail domain from its allow-list.
    """
    if not EmailAddress.objects.filter(user=voter, verified=True).exists():
        return BallotRejected.general(BallotRejected.NOT_ELIGIBLE, "Verify your e-mail address before you vote.")
    if not edition.account_old_enough_at(voter.date_joined, now):
        eligible_on = voter.date_joined + timedelta(days=edition.min_account_age_days)
        when = date_format(timezone.localtime(eligible_on), "j F Y, H:i T")
        days = edition.min_account_age_days
        return BallotRejected.general(
            BallotRejected.NOT_ELIGIBLE,
            f"Voting in {edition.name} is open to accounts at least {days} {'day' if days == 1 else 'days'} old "
            f"when they vote. Yours can vote from {when}.",
        )
    if not edition.allows_email(voter.email):
        domains = ", ".join(edition.email_domains)
        return BallotRejected.general(
            BallotRejected.NOT_ELIGIBLE,
            f"Voting in {edition.name} is open to members with an e-mail address at {domains}. "
            "Add and verify such an address in your account, make it your primary one, then come back.",
        )
    return None


def _digest(rules: BallotRules, clean: Mapping[int, Sequence[int]]) -> str:
    return content_digest(clean, ranked={rule.id for rule in rules.categories if rule.is_ranked})


def _write_votes(ballot: Ballot, rules: BallotRules, selections: Mapping[int, Sequence[int]]) -> None:
    votes = []
    for category_id, chosen in selections.items():
        ranked = rules.category(category_id).is_ranked  # type: ignore[union-attr]
        for position, nominee_id in enumerate(chosen, start=1):
            votes.append(
                Vote(ballot=ballot, category_id=category_id, nominee_id=nominee_id, rank=position if ranked else None)
            )
    Vote.objects.bulk_create(votes)


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
    racing. Requests a leaderboard recompute after commit. Raises BallotRejected.
    `rules` are the edition's rules when the caller loaded them for this request (the
    ballot page has, to build its form), saving two queries; else they are loaded here.
    """
    if rules is None or rules.edition_id != edition.pk:
        rules = rules_for(edition)
    problems = check_selections(rules, selections)
    if problems:
        raise BallotRejected(BallotRejected.INVALID, problems)
    clean = normalise(selections.items())
    rejected = eligibility_problem(voter, edition, timezone.now())
    if rejected:
        raise rejected
    try:
        with transaction.atomic():
            stored = _store(voter, edition, rules, clean, expected_version, client_ip, user_agent[:300])
    except IntegrityError:
        # Another request created this voter's first ballot a moment ago: the same content
        # (a double click) is a success, anything else a stale form.
        existing = Ballot.objects.filter(voter=voter, edition=edition).first()
        if existing is None or selections_of(existing) != clean:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE) from None
        return StoredBallot(existing, existing.receipts.get(ballot_version=existing.version), changed=False)
    if stored.changed:
        BALLOTS_ACCEPTED.inc()
        tasks.request_recompute(edition.pk)
    return stored


def _store(
    voter: User,
    edition: Edition,
    rules: BallotRules,
    clean: dict[int, list[int]],
    expected_version: int,
    client_ip: str | None,
    user_agent: str,
) -> StoredBallot:
    ballot = Ballot.objects.select_for_update().filter(voter=voter, edition=edition).first()
    # The clock is read after the lock so that a stored ballot's time is always inside the window.
    now = timezone.now()
    closed = voting_window_problem(Edition.objects.get(pk=edition.pk), now)
    if closed:
        raise closed
    if ballot is None:
        if expected_version != 0:
            raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
        ballot = Ballot.objects.create(
            edition=edition,
            voter=voter,
            source=BallotSource.WEB,
            submitted_at=now,
            updated_at=now,
            client_ip=client_ip,
            user_agent=user_agent,
            client_network=network_block(client_ip),
            content_digest=_digest(rules, clean),
        )
    elif ballot.version != expected_version:
        if selections_of(ballot) == clean:
            return StoredBallot(ballot, ballot.receipts.get(ballot_version=ballot.version), changed=False)
        raise BallotRejected.general(BallotRejected.STALE, STALE_MESSAGE)
    else:
        ballot.votes.all().delete()
        ballot.version += 1
        ballot.updated_at, ballot.client_ip, ballot.user_agent = now, client_ip, user_agent
        ballot.client_network, ballot.content_digest = network_block(client_ip), _digest(rules, clean)
        ballot.save(
            update_fields=["version", "updated_at", "client_ip", "user_agent", "client_network", "content_digest"]
        )
    _write_votes(ballot, rules, clean)
    receipt = Receipt.objects.create(ballot=ballot, ballot_version=ballot.version, issued_at=now)
    return StoredBallot(ballot, receipt, changed=True)
