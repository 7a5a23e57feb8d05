"""Writes for curation: editions loaded from files and nominees imported from CSV.

Both imports validate everything first and write in one transaction: a bad row or a bad
part of the file means nothing is stored.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from awards.models import Category, Edition, Nominee, ResultsVisibility, VotingMethod


@dataclass(frozen=True)
class ImportProblem:
    where: str  # "line 4" or "categories[2].nominees[0]"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportRejected(Exception):
    """The input had problems; nothing was stored."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {msg}" if field != "__all__" else msg
            for field, msgs in error.message_dict.items()
            for msg in msgs
        ]
    return list(error.messages)


# --- Nominees from CSV -------------------------------------------------------------------

NOMINEE_CSV_COLUMNS = ("name", "product_name", "ticker", "description", "website", "order", "active")
_TRUE_WORDS = {"1", "true", "yes", "y", ""}
_FALSE_WORDS = {"0", "false", "no", "n"}


def _nominee_from_row(category: Category, row: Mapping[str, str], position: int) -> Nominee:
    active_word = (row.get("active") or "").strip().lower()
    if active_word not in _TRUE_WORDS | _FALSE_WORDS:
        raise ValidationError({"active": f"“{row.get('active')}” is not yes/no"})
    order_text = (row.get("order") or "").strip()
    if order_text and not order_text.isdigit():
        raise ValidationError({"order": f"“{order_text}” is not a whole number"})
    nominee = Nominee(
        category=category,
        name=(row.get("name") or "").strip(),
        product_name=(row.get("product_name") or "").strip(),
        ticker=(row.get("ticker") or "").strip(),
        description=(row.get("description") or "").strip(),
        website=(row.get("website") or "").strip(),
        order=int(order_text) if order_text else position,
        active=active_word in _TRUE_WORDS,
    )
    nominee.full_clean()
    return nominee


def import_nominees_csv(*, category: Category, text: str) -> list[Nominee]:
    """Add the nominees of a CSV (header row required; `name` mandatory) to `category`.

    Every row is validated (fields, and names unique within the category and the file)
    before anything is written; any problem raises ImportRejected with line numbers.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = sorted(set(header) - set(NOMINEE_CSV_COLUMNS))
    if "name" not in header or unknown:
        detail = f"unknown column(s) {', '.join(unknown)}; " if unknown else ""
        raise ImportRejected(
            [
                ImportProblem(
                    "line 1", f"{detail}expected a header with columns {', '.join(NOMINEE_CSV_COLUMNS)} (name required)"
                )
            ]
        )
    reader.fieldnames = header
    problems: list[ImportProblem] = []
    nominees: list[Nominee] = []
    seen: dict[str, int] = {}
    next_order = (category.nominees.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    for index, row in enumerate(reader):
        line = reader.line_num
        if None in row:
            problems.append(ImportProblem(f"line {line}", "more cells than header columns"))
            continue
        try:
            nominee = _nominee_from_row(category, row, next_order + index)
        except ValidationError as error:
            problems.extend(ImportProblem(f"line {line}", msg) for msg in _messages(error))
            continue
        folded = nominee.name.casefold()
        if folded in seen:
            problems.append(ImportProblem(f"line {line}", f"“{nominee.name}” repeats line {seen[folded]}"))
            continue
        seen[folded] = line
        nominees.append(nominee)
    if not nominees and not problems:
        problems.append(ImportProblem("line 2", "the file has no nominee rows"))
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        return Nominee.objects.bulk_create(nominees)


# --- Editions from a JSON/YAML document -----------------------------------------------------

EDITION_FIELDS = {"name", "slug", "description", "public", "results_visibility", "nominations", "voting", "published"}
CATEGORY_FIELDS = {"title", "slug", "intro", "method", "max_choices", "nominees"}
NOMINEE_FIELDS = {"name", "product_name", "ticker", "description", "website", "active"}


class _Collector:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem(where, message))

    def add_validation(self, where: str, error: ValidationError) -> None:
        for message in _messages(error):
            self.add(where, message)

    def mapping(self, where: str, value: Any, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(where, "must be a mapping of fields")
            return {}
        for key in sorted(set(value) - allowed):
            self.add(where, f"unknown field “{key}” (allowed: {', '.join(sorted(allowed))})")
        return value

    def when(self, where: str, value: Any) -> Any:
        if value is None:
            return None
        # YAML parses timestamps itself; JSON gives strings.
        parsed = value if hasattr(value, "tzinfo") else parse_datetime(str(value))
        if parsed is None or parsed.tzinfo is None:
            self.add(where, f"“{value}” is not an ISO 8601 date-time with a time zone (e.g. 2024-12-01T00:00:00Z)")
            return None
        return parsed

    def window(self, where: str, value: Any) -> tuple[Any, Any]:
        if value is None:
            return None, None
        window = self.mapping(where, value, {"opens", "closes"})
        if window and not {"opens", "closes"} <= set(window):
            self.add(where, "needs both “opens” and “closes”")
        return self.when(f"{where}.opens", window.get("opens")), self.when(f"{where}.closes", window.get("closes"))


def _apply_edition(doc: dict[str, Any], check: _Collector) -> Edition | None:
    data = check.mapping("edition", doc.get("edition"), EDITION_FIELDS)
    if not data:
        if "edition" not in doc:
            check.add("edition", "is required")
        return None
    nominations_open, nominations_close = check.window("edition.nominations", data.get("nominations"))
    if data.get("voting") is None:
        check.add("edition.voting", "is required (opens and closes)")
    voting_open, voting_close = check.window("edition.voting", data.get("voting"))
    slug = data.get("slug") or slugify(str(data.get("name", "")))
    edition = Edition.objects.filter(slug=slug).first() or Edition(slug=slug)
    edition.name = str(data.get("name", ""))
    edition.description = str(data.get("description", ""))
    edition.is_public = bool(data.get("public", True))
    edition.results_visibility = data.get("results_visibility", ResultsVisibility.AFTER_CLOSE)
    edition.nominations_open_at, edition.nominations_close_at = nominations_open, nominations_close
    edition.voting_opens_at, edition.voting_closes_at = voting_open, voting_close
    edition.published_at = check.when("edition.published", data.get("published"))
    try:
        edition.full_clean()
    except ValidationError as error:
        check.add_validation("edition", error)
        return None
    edition.save()
    return edition


def _apply_nominees(category: Category, items: Any, where: str, check: _Collector) -> None:
    if not isinstance(items, list) or not items:
        check.add(where, "must be a non-empty list of nominees")
        return
    seen: set[str] = set()
    existing = {n.name.casefold(): n for n in category.nominees.all()} if category.pk else {}
    for order, item in enumerate(items, start=1):
        here = f"{where}[{order - 1}]"
        data = check.mapping(here, item, NOMINEE_FIELDS)
        name = str(data.get("name", "")).strip()
        if name.casefold() in seen:
            check.add(here, f"“{name}” appears twice in this category")
            continue
        seen.add(name.casefold())
        nominee = existing.get(name.casefold()) or Nominee(category=category)
        nominee.name = name
        for field in ("product_name", "ticker", "description", "website"):
            setattr(nominee, field, str(data.get(field) or ""))
        nominee.order, nominee.active = order, bool(data.get("active", True))
        try:
            nominee.full_clean()
        except ValidationError as error:
            check.add_validation(here, error)
            continue
        nominee.save()


def _apply_categories(edition: Edition, items: Any, check: _Collector) -> None:
    if not isinstance(items, list) or not items:
        check.add("categories", "must be a non-empty list")
        return
    seen: set[str] = set()
    for order, item in enumerate(items, start=1):
        where = f"categories[{order - 1}]"
        data = check.mapping(where, item, CATEGORY_FIELDS)
        slug = str(data.get("slug") or slugify(str(data.get("title", ""))))
        if slug in seen:
            check.add(where, f"slug “{slug}” is used twice")
            continue
        seen.add(slug)
        category = edition.categories.filter(slug=slug).first() or Category(edition=edition, slug=slug)
        category.title, category.intro = str(data.get("title", "")), str(data.get("intro", ""))
        category.method = data.get("method", VotingMethod.PLURALITY)
        category.max_choices, category.order = data.get("max_choices"), order
        try:
            category.full_clean()
        except ValidationError as error:
            check.add_validation(where, error)
            continue
        category.save()
        _apply_nominees(category, data.get("nominees"), f"{where}.nominees", check)


def import_edition(*, document: Any) -> Edition:
    """Create or update an edition, its categories and nominees from a parsed document.

    Matching is by edition slug, category slug and nominee name (case-insensitive), so a
    second load of the same file changes nothing. The document format is described in
    README.md ("Defining an edition in a file"). Raises ImportRejected listing every
    problem, with its path in the document; in that case nothing is stored.
    """
    check = _Collector()
    doc = check.mapping("(document)", document, {"edition", "categories"})
    with transaction.atomic():
        edition = _apply_edition(doc, check) if doc else None
        if edition is not None:
            _apply_categories(edition, doc.get("categories"), check)
        elif doc and "categories" not in doc:
            check.add("categories", "is required")
        if check.problems:
            transaction.set_rollback(True)
    if check.problems or edition is None:
        raise ImportRejected(check.problems)
    return edition
