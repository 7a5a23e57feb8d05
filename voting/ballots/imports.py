"""Ballots collected outside Podium (a survey tool, paper), imported by staff from CSV.

Format (README.md, "Importing ballots"): a header `voter,<category-slug>,...`; one row per
voter; a cell names nominees (case-insensitive): one for plurality, `;`-separated for
approval, `>`-separated in preference order for ranked; an empty cell abstains.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from awards.models import Edition, VotingMethod
from awards.services import ImportProblem, ImportRejected
from voting import tasks
from voting.ballots.rules import BallotRules, CategoryRule, check_category, rules_for
from voting.models import Ballot, BallotSource, Vote

SEPARATORS: dict[str, str | None] = {VotingMethod.PLURALITY: None, VotingMethod.APPROVAL: ";"}
RANKED_SEPARATOR = ">"
BATCH = 5_000


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    skipped: list[ImportProblem]


@dataclass(frozen=True)
class _Row:
    line: int
    voter: str
    selections: dict[int, list[int]]


class _Header:
    def __init__(self, rules: BallotRules, edition: Edition, cells: Sequence[str]) -> None:
        slugs = {c.slug: c.pk for c in edition.categories.all()}
        self.problems: list[ImportProblem] = []
        self.columns: list[CategoryRule] = []
        if not cells or cells[0].strip().lower() != "voter":
            self.problems.append(ImportProblem("line 1", "the first column must be “voter”"))
        seen: set[str] = set()
        for cell in cells[1:]:
            slug = cell.strip()
            if slug in seen:
                self.problems.append(ImportProblem("line 1", f"category “{slug}” appears twice"))
            elif slug not in slugs:
                self.problems.append(ImportProblem("line 1", f"“{slug}” is not a category of {edition.name}"))
            else:
                self.columns.append(rules.category(slugs[slug]))  # type: ignore[arg-type]
            seen.add(slug)


def _names_to_ids(rule: CategoryRule, cell: str) -> tuple[list[int], list[str]]:
    if not cell.strip():
        return [], []
    separator = RANKED_SEPARATOR if rule.is_ranked else SEPARATORS.get(rule.method)
    names = [part.strip() for part in (cell.split(separator) if separator else [cell])]
    by_name = {name.casefold(): nominee_id for nominee_id, name in rule.names.items()}
    chosen, problems = [], []
    for name in names:
        if name.casefold() not in by_name:
            problems.append(f"{rule.title}: “{name}” is not a nominee")
        else:
            chosen.append(by_name[name.casefold()])
    return chosen, problems


def _parse_row(
    line: int, cells: Sequence[str], header: _Header, seen: dict[str, int], existing: set[str]
) -> _Row | list[str]:
    if len(cells) != len(header.columns) + 1:
        return [f"expected {len(header.columns) + 1} cells, found {len(cells)}"]
    voter = cells[0].strip()
    problems = []
    if not voter:
        problems.append("the voter cell is empty")
    elif voter in seen:
        problems.append(f"voter “{voter}” already appears on line {seen[voter]}")
    elif voter in existing:
        problems.append(f"voter “{voter}” already has an imported ballot in this edition")
    selections: dict[int, list[int]] = {}
    for rule, cell in zip(header.columns, cells[1:], strict=True):
        chosen, unknown = _names_to_ids(rule, cell)
        problems += unknown or [f"{rule.title}: {p}" for p in check_category(rule, chosen)]
        if chosen:
            selections[rule.id] = chosen
    return problems or _Row(line, voter, selections)


def import_ballots(*, edition: Edition, lines: Iterable[str], skip_invalid: bool = False) -> ImportOutcome:
    """Validate every row with the ballot rules, then store all ballots in one transaction.

    The voting window does not apply (an import is a staff action, typically after an
    offline survey closed). With problems and without `skip_invalid`, raises ImportRejected
    and stores nothing; with it, stores the good rows and returns the skipped ones.
    """
    rules = rules_for(edition)
    reader = csv.reader(lines)
    header = _Header(rules, edition, next(reader, []))
    if header.problems:
        raise ImportRejected(header.problems)
    existing = set(
        Ballot.objects.filter(edition=edition, source=BallotSource.IMPORT).values_list("external_voter", flat=True)
    )
    rows: list[_Row] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for cells in reader:
        parsed = _parse_row(reader.line_num, cells, header, seen, existing)
        if isinstance(parsed, _Row):
            rows.append(parsed)
            seen[parsed.voter] = parsed.line
        else:
            problems += [ImportProblem(f"line {reader.line_num}", message) for message in parsed]
    if problems and not skip_invalid:
        raise ImportRejected(problems)
    _store(edition, rules, rows)
    return ImportOutcome(len(rows), problems)


def _store(edition: Edition, rules: BallotRules, rows: list[_Row]) -> None:
    ranked = {rule.id for rule in rules.categories if rule.is_ranked}
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            ballots = Ballot.objects.bulk_create(
                Ballot(
                    edition=edition,
                    source=BallotSource.IMPORT,
                    external_voter=row.voter,
                    submitted_at=now,
                    updated_at=now,
                )
                for row in batch
            )
            Vote.objects.bulk_create(
                Vote(
                    ballot=ballot,
                    category_id=category_id,
                    nominee_id=nominee_id,
                    rank=rank if category_id in ranked else None,
                )
                for ballot, row in zip(ballots, batch, strict=True)
                for category_id, chosen in row.selections.items()
                for rank, nominee_id in enumerate(chosen, start=1)
            )
        if rows:
            tasks.request_recompute(edition.pk)
