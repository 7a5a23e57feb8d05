"""What makes a ballot valid: the one set of rules for the web form, the API, the service and CSV imports.

A ballot's content is a mapping of category id to the nominee ids chosen there (for a
ranked category, in order of preference). An absent or empty category is an abstention.
Who may vote (`eligibility_problem`), when (`voting_window_problem`) and what each category
accepts (`check_category`, `check_selections`) are decided here, with the messages a voter
reads; nothing else re-checks them with words of its own.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.safestring import SafeString

from accounts.access import has_verified_email
from accounts.models import User
from awards.models import RANKED_METHODS, Category, Edition, VotingMethod
from awards.templatetags.local_time import Phrase, as_html, as_text

Selections = Mapping[int, Sequence[int]]
ProblemsByCategory = dict[int | None, list[str]]  # None: about the ballot as a whole


class BallotRejected(Exception):
    """The ballot was not stored. `code` says why; `problems` holds the messages."""

    NOT_OPEN = "not_open"
    CLOSED = "closed"
    INVALID = "invalid"
    STALE = "stale"
    NOT_ELIGIBLE = "not_eligible"

    def __init__(self, code: str, problems: ProblemsByCategory, phrase: Phrase | None = None) -> None:
        super().__init__(code, problems)
        self.code = code
        self.problems = problems
        self.phrase = phrase  # the general message with its times, for a page

    @classmethod
    def general(cls, code: str, message: str | Phrase) -> "BallotRejected":
        """One message for the whole ballot; a Phrase when it names a time (shown in the reader's zone on pages)."""
        if isinstance(message, str):
            return cls(code, {None: [message]})
        return cls(code, {None: [as_text(message)]}, message)

    @property
    def message_html(self) -> SafeString:
        """The general message for a page, its times as `<time data-local>` elements."""
        return as_html(self.phrase or [self.problems[None][0]])


STALE_MESSAGE = (
    "Your ballot was changed after this page was loaded (perhaps in another tab). "
    "These are your current choices: review them and submit again."
)


def voting_window_problem(edition: Edition, now: datetime) -> BallotRejected | None:
    """Why no ballot may be stored in this edition at `now` (None: voting is open).

    A draft takes no ballots from anyone, staff included: its count would be published with
    the edition. Staff try a draft's ballot in the admin's preview, which stores nothing.
    """
    if not edition.is_public:
        return BallotRejected.general(
            BallotRejected.NOT_OPEN, f"{edition.name} is still being prepared: voting has not opened."
        )
    if now < edition.voting_opens_at:
        opens: Phrase = [f"Voting in {edition.name} opens on ", (edition.voting_opens_at, ""), "."]
        return BallotRejected.general(BallotRejected.NOT_OPEN, opens)
    if now >= edition.voting_closes_at:
        closed: Phrase = [f"Voting in {edition.name} closed on ", (edition.voting_closes_at, ""), "."]
        return BallotRejected.general(BallotRejected.CLOSED, closed)
    return None


def eligibility_problem(voter: User, edition: Edition, now: datetime) -> BallotRejected | None:
    """Why this member may not vote in this edition at `now` (None: eligible).

    A verified e-mail address is always required; the edition may also ask for a minimum
    account age at voting time and an e-mail domain from its allow-list.
    """
    if not has_verified_email(voter):
        return BallotRejected.general(BallotRejected.NOT_ELIGIBLE, "Verify your e-mail address before you vote.")
    if not edition.account_old_enough_at(voter.date_joined, now):
        eligible_on = voter.date_joined + timedelta(days=edition.min_account_age_days)
        days = edition.min_account_age_days
        return BallotRejected.general(
            BallotRejected.NOT_ELIGIBLE,
            [
                f"Voting in {edition.name} is open to accounts at least {days} {'day' if days == 1 else 'days'} old "
                "when they vote. Yours can vote from ",
                (eligible_on, ""),
                ".",
            ],
        )
    if not edition.allows_email(voter.email):
        domains = ", ".join(edition.email_domains)
        return BallotRejected.general(
            BallotRejected.NOT_ELIGIBLE,
            f"Voting in {edition.name} is open to members with an e-mail address at {domains}. "
            "Add and verify such an address in your account, make it your primary one, then come back.",
        )
    return None


@dataclass(frozen=True)
class CategoryRule:
    id: int
    title: str
    method: str
    max_choices: int | None
    active_nominees: tuple[int, ...]
    names: Mapping[int, str] = field(default_factory=dict)  # every nominee, active or withdrawn

    @property
    def is_ranked(self) -> bool:
        return self.method in RANKED_METHODS

    @property
    def limit(self) -> int:
        if self.method == VotingMethod.PLURALITY:
            return 1
        if self.method == VotingMethod.APPROVAL:
            return self.max_choices or 1
        return len(self.active_nominees)


@dataclass(frozen=True)
class BallotRules:
    edition_id: int
    edition_name: str
    categories: tuple[CategoryRule, ...]
    curation_version: int = 0  # the edition's `curation_version` these rules were read at

    def category(self, category_id: int) -> CategoryRule | None:
        return next((c for c in self.categories if c.id == category_id), None)


def rules_for(edition: Edition) -> BallotRules:
    """An edition's ballot rules: from this process's copy for its curation version, else two queries."""
    return curated(edition)[1]


def rules_from(edition: Edition, categories: Sequence[Category]) -> BallotRules:
    """An edition's ballot rules from categories already loaded with their nominees prefetched."""
    return BallotRules(edition.pk, edition.name, tuple(_category_rule(c) for c in categories), edition.curation_version)


CURATED_COPIES = 64  # editions (at one curation version each) a process keeps
_curated: OrderedDict[tuple[int, int], tuple[tuple[Category, ...], BallotRules]] = OrderedDict()
_curated_lock = threading.Lock()


def curated(edition: Edition) -> tuple[tuple[Category, ...], BallotRules]:
    """The edition's categories (nominees prefetched, withdrawn ones included) and its rules.

    Kept in this process under `(edition.pk, edition.curation_version)`, which every write to
    the edition, its categories or nominees moves in the write's own transaction
    (`awards.curation`): an edition read at a version never gets rules older than it, and
    nothing needs invalidating. A miss (or a new version) reads two queries. The copies are
    shared by every request of the process: read them, never change them.
    """
    key = (edition.pk, edition.curation_version)
    with _curated_lock:
        found = _curated.get(key)
        if found is not None:
            _curated.move_to_end(key)
            return found
    categories = tuple(edition.categories.prefetch_related("nominees"))
    loaded = (categories, rules_from(edition, categories))
    with _curated_lock:
        _curated[key] = loaded
        while len(_curated) > CURATED_COPIES:
            _curated.popitem(last=False)
    return loaded


def forget_curated() -> None:
    """Drop this process's copies (tests, whose rolled-back rows give ids and versions again)."""
    with _curated_lock:
        _curated.clear()


def _category_rule(category: Category) -> CategoryRule:
    nominees = category.nominees.all()
    return CategoryRule(
        id=category.pk,
        title=category.title,
        method=category.method,
        max_choices=category.max_choices,
        active_nominees=tuple(n.pk for n in nominees if n.active),
        names={n.pk: n.name for n in nominees},
    )


def check_category(rule: CategoryRule, chosen: Sequence[int]) -> list[str]:
    """Problems with the nominees chosen in one category (empty list: valid)."""
    problems = []
    for nominee_id in chosen:
        if nominee_id not in rule.names:
            problems.append(f"“{nominee_id}” is not a nominee in {rule.title}.")
        elif nominee_id not in rule.active_nominees:
            problems.append(f"{rule.names[nominee_id]} has been withdrawn from {rule.title}.")
    if len(set(chosen)) != len(chosen):
        problems.append("The same nominee is chosen more than once.")
    if rule.method == VotingMethod.PLURALITY and len(chosen) > 1:
        problems.append("Choose one nominee at most.")
    elif rule.method == VotingMethod.APPROVAL and len(chosen) > rule.limit:
        problems.append(f"Approve at most {rule.limit} nominees.")
    return problems


def check_selections(rules: BallotRules, selections: Selections) -> ProblemsByCategory:
    """Every problem with a whole ballot, keyed by category id (None: not tied to one)."""
    problems: ProblemsByCategory = {}
    for category_id, chosen in selections.items():
        rule = rules.category(category_id)
        if rule is None:
            problems.setdefault(None, []).append(
                f"This ballot names a category that is not part of {rules.edition_name}."
            )
            continue
        found = check_category(rule, list(chosen))
        if found:
            problems[category_id] = found
    return problems


@dataclass(frozen=True)
class RankedChoice:
    """A ranked category read from its rank boxes: the order to store, or what stands in the way."""

    ordered: list[int]  # nominee ids in preference order (empty when there are problems)
    problems: list[str]
    conflicting: frozenset[int] = frozenset()  # nominees that share a rank with another
    gaps_closed: bool = False  # the ranks had gaps ("2nd, 3rd") and were closed up ("1st, 2nd")


def ordinal(rank: int) -> str:
    """1st, 2nd, 3rd, 4th … 11th, 12th, 13th, 21st: how a rank box labels a rank."""
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def order_by_ranks(rule: CategoryRule, ranks: Mapping[int, int]) -> RankedChoice:
    """Turn {nominee id: rank} into nominee ids in preference order, or explain what is wrong.

    Ranks are whole numbers from 1 to the number of nominees. Where the voter's intent is
    clear the ranks are read forgivingly: gaps are closed up ("2nd, 3rd" is stored as
    "1st, 2nd"). Two nominees given the same rank are refused, naming both, because no
    order between them can be guessed.
    """
    rankable = rule.limit
    out_of_range = sorted({r for r in ranks.values() if r < 1 or r > rankable})
    if out_of_range:
        shown = ", ".join(map(str, out_of_range))
        return RankedChoice([], [f"Ranks go from 1 to {rankable}; {shown} is not allowed."])
    by_rank: dict[int, list[int]] = {}
    for nominee_id, rank in ranks.items():
        by_rank.setdefault(rank, []).append(nominee_id)
    shared = {rank: ids for rank, ids in sorted(by_rank.items()) if len(ids) > 1}
    if shared:
        problems = [
            f"{_joined([rule.names.get(n, str(n)) for n in ids])} are {'both' if len(ids) == 2 else 'all'} "
            f"{ordinal(rank)}: give each nominee its own rank."
            for rank, ids in shared.items()
        ]
        return RankedChoice([], problems, frozenset(n for ids in shared.values() for n in ids))
    ordered = [ids[0] for _, ids in sorted(by_rank.items())]
    return RankedChoice(ordered, [], gaps_closed=sorted(by_rank) != list(range(1, len(by_rank) + 1)))


def answered_categories(selections: Selections) -> int:
    return sum(1 for chosen in selections.values() if chosen)


def normalise(selections: Iterable[tuple[int, Sequence[int]]]) -> dict[int, list[int]]:
    """Drop abstentions so that stored and compared ballots have one canonical form."""
    return {category_id: list(chosen) for category_id, chosen in selections if chosen}
