"""Ballots collected outside Podium (a survey tool, paper), imported by staff from CSV.

Format (README.md, "Importing ballots"): a header `voter,<category-slug>,...`; one row per
voter; a cell names nominees (case-insensitive): one for plurality, `;`-separated for
approval, `>`-separated in preference order for ranked; an empty cell abstains; blank lines
are skipped. Every row is checked with the ballot rules (`voting.ballots.rules`) and stored
through `store_imported_ballots`, the same vote rows and fingerprints as the web ballot.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from accounts.addresses import normalize_email
from awards.models import Edition, VotingMethod
from awards.services import ImportProblem, ImportRejected
from voting.ballots.rules import BallotRules, CategoryRule, check_category, rules_for
from voting.ballots.services import ImportedBallot, store_imported_ballots
from voting.models import Ballot, BallotSource

SEPARATORS: dict[str, str | None] = {VotingMethod.PLURALITY: None, VotingMethod.APPROVAL: ";"}
RANKED_SEPARATOR = ">"
VOTER_MAX_LENGTH = Ballot._meta.get_field("external_voter").max_length or 200
CELL_MAX_LENGTH = 10_000  # far beyond any real cell; keeps one bad cell from flooding memory


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    skipped: list[ImportProblem]


@dataclass(frozen=True)
class _Row:
    line: int
    ballot: ImportedBallot


def voter_key(voter: str) -> str:
    """The stored form of a voter identifier: ids that differ only in case or spacing are one voter.

    An identifier that is an e-mail address is normalised like every address Podium stores
    (one mailbox, one voter); raises ValidationError when it is not a valid address.
    """
    key = " ".join(voter.split()).casefold()
    return normalize_email(key) if "@" in key else key


def _delimiter_hint(header: str) -> str:
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs")):
        if delimiter in header and "," not in header:
            return f" (this file seems to be separated by {name}: save it as comma-separated CSV)"
    return ""


class _Header:
    def __init__(self, rules: BallotRules, edition: Edition, cells: Sequence[str]) -> None:
        slugs = {c.slug: c.pk for c in edition.categories.all()}
        self.problems: list[ImportProblem] = []
        self.columns: list[CategoryRule] = []
        if not cells or cells[0].strip().lower() != "voter":
            hint = _delimiter_hint(",".join(cells[:1]))
            self.problems.append(ImportProblem("line 1", f"the first column must be “voter”{hint}"))
            return
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
            problems.append(f"{rule.title}: “{name[:80]}” is not a nominee")
        else:
            chosen.append(by_name[name.casefold()])
    return chosen, problems


def _voter_problems(voter: str, seen: dict[str, int], existing: set[str]) -> list[str]:
    if not voter:
        return ["the voter cell is empty"]
    if len(voter) > VOTER_MAX_LENGTH:
        return [f"the voter identifier is longer than {VOTER_MAX_LENGTH} characters"]
    if voter in seen:
        return [f"voter “{voter}” already appears on line {seen[voter]}"]
    if voter in existing:
        return [f"voter “{voter}” already has an imported ballot in this edition"]
    return []


def _parse_row(
    line: int, cells: Sequence[str], header: _Header, seen: dict[str, int], existing: set[str]
) -> _Row | list[str]:
    if len(cells) != len(header.columns) + 1:
        return [f"expected {len(header.columns) + 1} cells, found {len(cells)}"]
    if any(len(cell) > CELL_MAX_LENGTH for cell in cells):
        return [f"a cell is longer than {CELL_MAX_LENGTH:,} characters"]
    try:
        voter = voter_key(cells[0])
    except ValidationError as invalid:
        return [f"the voter “{cells[0].strip()[:80]}”: {invalid.messages[0]}"]
    problems = _voter_problems(voter, seen, existing)
    selections: dict[int, list[int]] = {}
    for rule, cell in zip(header.columns, cells[1:], strict=True):
        chosen, unknown = _names_to_ids(rule, cell)
        problems += unknown or [f"{rule.title}: {p}" for p in check_category(rule, chosen)]
        if chosen:
            selections[rule.id] = chosen
    return problems or _Row(line, ImportedBallot(voter, selections))


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for each non-blank row; a malformed file is refused with its line."""
    reader = csv.reader(lines, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = "a quoted cell is never closed" if "end of data" in str(error) else str(error)
            raise ImportRejected([ImportProblem(f"line {start}", reason)]) from None
        if any(cell.strip() for cell in cells):
            yield start, cells
        start = reader.line_num + 1


def import_ballots(*, edition: Edition, lines: Iterable[str], skip_invalid: bool = False) -> ImportOutcome:
    """Validate every row with the ballot rules, then store all ballots in one transaction.

    With problems and without `skip_invalid`, raises ImportRejected and stores nothing;
    with it, stores the good rows and returns the skipped ones.
    """
    rules = rules_for(edition)
    rows = _rows(lines)
    first = next(rows, None)
    header = _Header(rules, edition, first[1] if first else [])
    if header.problems:
        raise ImportRejected(header.problems)
    existing = {
        voter_key(voter)
        for voter in Ballot.objects.filter(edition=edition, source=BallotSource.IMPORT).values_list(
            "external_voter", flat=True
        )
    }
    good: list[_Row] = []
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        parsed = _parse_row(line, cells, header, seen, existing)
        if isinstance(parsed, _Row):
            good.append(parsed)
            seen[parsed.ballot.voter] = parsed.line
        else:
            problems += [ImportProblem(f"line {line}", message) for message in parsed]
    if problems and not skip_invalid:
        raise ImportRejected(problems)
    imported = store_imported_ballots(edition=edition, rules=rules, ballots=[row.ballot for row in good])
    return ImportOutcome(imported, problems)
