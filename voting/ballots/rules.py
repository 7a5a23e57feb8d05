"""What makes a ballot valid: one set of rules for the web form, the API and CSV imports.

A ballot's content is a mapping of category id to the nominee ids chosen there (for a
ranked category, in order of preference). An absent or empty category is an abstention.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from awards.models import RANKED_METHODS, Category, Edition, VotingMethod

Selections = Mapping[int, Sequence[int]]
ProblemsByCategory = dict[int | None, list[str]]  # None: about the ballot as a whole


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

    def category(self, category_id: int) -> CategoryRule | None:
        return next((c for c in self.categories if c.id == category_id), None)


def rules_for(edition: Edition) -> BallotRules:
    """Load an edition's ballot rules in two queries (categories, then all their nominees)."""
    categories = list(edition.categories.order_by("order", "id").prefetch_related("nominees"))
    return BallotRules(edition.pk, edition.name, tuple(_category_rule(c) for c in categories))


def _category_rule(category: Category) -> CategoryRule:
    nominees = sorted(category.nominees.all(), key=lambda n: (n.order, n.pk))
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


def order_by_ranks(ranks: Mapping[int, int], rankable: int) -> tuple[list[int], list[str]]:
    """Turn {nominee id: rank} into nominee ids in preference order, or explain what is wrong.

    Ranks must be whole numbers from 1 to `rankable`, each used once, with no gaps
    (1, 2, 3 … as far as the voter wants).
    """
    problems = []
    out_of_range = sorted({r for r in ranks.values() if r < 1 or r > rankable})
    if out_of_range:
        problems.append(f"Ranks go from 1 to {rankable}; {', '.join(map(str, out_of_range))} is not allowed.")
    used = sorted(r for r in ranks.values() if 1 <= r <= rankable)
    duplicated = sorted({r for r in used if used.count(r) > 1})
    for rank in duplicated:
        problems.append(f"Rank {rank} is given to more than one nominee.")
    missing = sorted(set(range(1, (max(used) if used else 0) + 1)) - set(used))
    if missing:
        problems.append(f"Ranks must run 1, 2, 3… without gaps: rank {missing[0]} is missing.")
    if problems:
        return [], problems
    return [nominee for nominee, _ in sorted(ranks.items(), key=lambda item: item[1])], []


def answered_categories(selections: Selections) -> int:
    return sum(1 for chosen in selections.values() if chosen)


def normalise(selections: Iterable[tuple[int, Sequence[int]]]) -> dict[int, list[int]]:
    """Drop abstentions so that stored and compared ballots have one canonical form."""
    return {category_id: list(chosen) for category_id, chosen in selections if chosen}
