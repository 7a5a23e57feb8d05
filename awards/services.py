"""Writes for curation: editions loaded from files and nominees imported from CSV.

Both imports validate everything first and write in one transaction: a bad row or a bad
part of the file means nothing is stored.
"""

import csv
import hashlib
import io
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from awards.curation import bump_curation
from awards.edition_file import CategorySpec, EditionSpec, NomineeSpec, Spec, validate_document
from awards.models import Category, Edition, Nominee, fold_name


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
NOMINEE_CSV_TEMPLATE = (
    "name,product_name,ticker,description,website,order,active\r\n"
    "BlackRock,iShares Bitcoin Trust,IBIT,The largest spot bitcoin fund.,ishares.com,1,yes\r\n"
)
_TRUE_WORDS = {"1", "true", "yes", "y", ""}
_FALSE_WORDS = {"0", "false", "no", "n"}
_WEBSITE = forms.URLField(assume_scheme="https", required=False)  # "zed.dev" -> "https://zed.dev"
_UPDATED_FIELDS = ("product_name", "ticker", "description", "website", "order", "active")


@dataclass(frozen=True)
class NomineeImport:
    """What an import creates and updates (matched by name, case and spacing folded)."""

    created: list[Nominee]
    updated: list[Nominee]


def _header_key(raw: str) -> str:
    return "_".join(raw.strip().lower().split())  # "Product name" -> "product_name"


def _delimiter(text: str) -> str:
    """Comma unless the header line has more semicolons (spreadsheets in many locales save those)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _cell(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _fill_nominee(nominee: Nominee, row: Mapping[str, str | None], position: int) -> None:
    """Set a nominee's fields from a row and validate them (constraints are checked in bulk)."""
    active_word = _cell(row, "active").lower()
    if active_word not in _TRUE_WORDS | _FALSE_WORDS:
        raise ValidationError({"active": f"“{row.get('active')}” is not yes/no"})
    order_text = _cell(row, "order")
    if order_text and not (order_text.isascii() and order_text.isdigit()):
        raise ValidationError({"order": f"“{order_text}” is not a whole number"})
    try:
        website = _WEBSITE.to_python(_cell(row, "website"))
    except ValidationError as error:
        raise ValidationError({"website": error.messages}) from None
    if nominee.pk is None:  # an update keeps the stored spelling of the name
        nominee.name = _cell(row, "name")
    nominee.product_name, nominee.ticker = _cell(row, "product_name"), _cell(row, "ticker")
    nominee.description, nominee.website = _cell(row, "description"), str(website or "")
    nominee.order = int(order_text) if order_text else (nominee.order if nominee.pk else position)
    nominee.active = active_word in _TRUE_WORDS
    # The category is the one being imported into (no query per row); names are checked in bulk.
    nominee.full_clean(exclude=["category"], validate_unique=False, validate_constraints=False)


def _rows(text: str) -> "tuple[csv.DictReader[str], list[str]]":
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text))
    try:
        header = [_header_key(h) for h in reader.fieldnames or []]
    except csv.Error as error:
        raise ImportRejected([ImportProblem("line 1", f"the header cannot be read ({error})")]) from None
    unknown = sorted(set(header) - set(NOMINEE_CSV_COLUMNS))
    if "name" not in header or unknown:
        detail = f"unknown column(s) {', '.join(unknown)}; " if unknown else ""
        expected = ", ".join(NOMINEE_CSV_COLUMNS)
        message = (
            f"{detail}expected a header with columns {expected} (name required), separated by commas or semicolons"
        )
        raise ImportRejected([ImportProblem("line 1", message)])
    reader.fieldnames = header
    return reader, header


def plan_nominees_csv(*, category: Category, text: str) -> NomineeImport:
    """Read and validate a nominee CSV for `category` without writing anything.

    Header names are matched case-insensitively; the separator is a comma or a semicolon.
    A row whose name matches an existing nominee (case and spacing folded) updates it,
    other rows create nominees at the end of the category. Every row is validated in
    memory against one read of the category's nominees, so a file at the upload cap checks
    in about a second; any problem raises ImportRejected with line numbers.
    """
    reader, _ = _rows(text)
    existing = {fold_name(n.name): n for n in category.nominees.all()}
    next_order = max((n.order for n in existing.values()), default=0) + 1
    problems: list[ImportProblem] = []
    created: list[Nominee] = []
    updated: list[Nominee] = []
    seen: dict[str, int] = {}
    index, line = 0, 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(ImportProblem(f"line {line + 1}", f"this line cannot be read ({error})"))
            break
        line = reader.line_num
        if not any((value or "").strip() for key, value in row.items() if key is not None) and None not in row:
            continue  # a blank line
        if None in row:
            problems.append(ImportProblem(f"line {line}", "more cells than header columns"))
            continue
        folded = fold_name(_cell(row, "name"))
        match = existing.get(folded)
        nominee = copy(match) if match else Nominee(category=category)
        try:
            _fill_nominee(nominee, row, next_order + index)
        except ValidationError as error:
            problems.extend(ImportProblem(f"line {line}", msg) for msg in _messages(error))
            continue
        if folded in seen:
            problems.append(ImportProblem(f"line {line}", f"“{nominee.name}” repeats line {seen[folded]}"))
            continue
        seen[folded] = line
        if match:
            updated.append(nominee)
        else:
            created.append(nominee)
            index += 1
    if not created and not updated and not problems:
        problems.append(ImportProblem("line 2", "the file has no nominee rows"))
    if problems:
        raise ImportRejected(problems)
    return NomineeImport(created=created, updated=updated)


def import_nominees_csv(*, category: Category, text: str) -> NomineeImport:
    """Create and update the nominees of a CSV in one transaction (see `plan_nominees_csv`).

    The category's row is locked while the file is checked again and written, so two
    imports into one category apply one after the other; nothing is stored on any problem.
    """
    with transaction.atomic():
        locked = Category.objects.select_for_update().get(pk=category.pk)
        plan = plan_nominees_csv(category=locked, text=text)
        Nominee.objects.bulk_create(plan.created, batch_size=1000)
        Nominee.objects.bulk_update(plan.updated, fields=_UPDATED_FIELDS, batch_size=1000)
        bump_curation(locked.edition_id)  # bulk writes send no signals
    return plan


# --- Editions from a JSON/YAML document -----------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[ImportProblem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem(where, message))

    def add_validation(self, where: str, error: ValidationError) -> None:
        for message in _messages(error):
            self.add(where, message)

    def known_fields(self, where: str, spec: Spec) -> None:
        for key in spec.unknown_fields():
            if key in spec.REFUSED_FIELDS:
                self.add(f"{where}.{key}", spec.REFUSED_FIELDS[key])
            else:
                self.add(where, f"unknown field “{key}” (allowed: {spec.allowed_fields()})")


def _apply_edition(spec: EditionSpec, check: _Collector) -> Edition | None:
    check.known_fields("edition", spec)
    slug = spec.slug or slugify(spec.name)
    edition = Edition.objects.filter(slug=slug).first() or Edition(slug=slug)
    edition.name, edition.description = spec.name, spec.description or ""
    edition.winners_intro = spec.winners_intro or ""
    edition.is_public = spec.public
    edition.results_visibility = spec.results_visibility
    nominations = spec.nominations
    edition.nominations_open_at = nominations.opens if nominations else None
    edition.nominations_close_at = nominations.closes if nominations else None
    edition.voting_opens_at, edition.voting_closes_at = spec.voting.opens, spec.voting.closes
    # Publication is the audited operation's alone: the file may only schedule it, by the admin's rules.
    scheduled = {"publication_scheduled_at": spec.scheduled_publication}
    for problem in edition.date_change_problems(scheduled, timezone.now()).values():
        check.add("edition.scheduled_publication", problem)
    edition.publication_scheduled_at = spec.scheduled_publication
    try:
        edition.full_clean()
    except ValidationError as error:
        check.add_validation("edition", error)
        return None
    edition.save()
    return edition


def _image_file(value: str, base_dir: Path | None, where: str, check: _Collector) -> ContentFile | None:  # type: ignore[type-arg]
    """The image a nominee names, read from a path relative to the edition file."""
    relative = PurePosixPath(value)
    if base_dir is None or relative.is_absolute() or ".." in relative.parts:
        check.add(where, f"“{value}” must be a path relative to the edition file, inside its folder")
        return None
    try:
        content = (base_dir / relative).read_bytes()
    except OSError as error:
        check.add(where, f"cannot read “{value}”: {error.strerror}")
        return None
    # Named by content, so loading the same file again keeps the stored image (no new upload).
    digest = hashlib.sha256(content).hexdigest()[:12]
    return ContentFile(content, name=f"{relative.stem}-{digest}{relative.suffix.lower()}")


def _set_image(nominee: Nominee, spec: NomineeSpec, base_dir: Path | None, where: str, check: _Collector) -> None:
    """An image named in the file replaces the nominee's; `image: null` removes it; no key keeps it."""
    if "image" not in spec.model_fields_set:
        return
    if not spec.image:
        nominee.image = None
        return
    image = _image_file(spec.image, base_dir, where, check)
    if image is not None and PurePosixPath(nominee.image.name or "").stem != PurePosixPath(image.name or "").stem:
        nominee.image = image


def _apply_nominees(
    category: Category, specs: list[NomineeSpec], where: str, check: _Collector, base_dir: Path | None
) -> None:
    seen: set[str] = set()
    existing = {fold_name(n.name): n for n in category.nominees.all()} if category.pk else {}
    for order, spec in enumerate(specs, start=1):
        here = f"{where}[{order - 1}]"
        check.known_fields(here, spec)
        name = spec.name.strip()
        if fold_name(name) in seen:
            check.add(here, f"“{name}” appears twice in this category")
            continue
        seen.add(fold_name(name))
        nominee = existing.get(fold_name(name)) or Nominee(category=category)
        nominee.name = name
        for field in ("product_name", "ticker", "description", "website"):
            setattr(nominee, field, getattr(spec, field) or "")
        nominee.order, nominee.active = order, spec.active
        _set_image(nominee, spec, base_dir, f"{here}.image", check)
        try:
            nominee.full_clean()
        except ValidationError as error:
            check.add_validation(here, error)
            continue
        nominee.save()


def _apply_categories(edition: Edition, specs: list[CategorySpec], check: _Collector, base_dir: Path | None) -> None:
    seen: set[str] = set()
    for order, spec in enumerate(specs, start=1):
        where = f"categories[{order - 1}]"
        check.known_fields(where, spec)
        slug = spec.slug or slugify(spec.title)
        if slug in seen:
            check.add(where, f"slug “{slug}” is used twice")
            continue
        seen.add(slug)
        category = edition.categories.filter(slug=slug).first() or Category(edition=edition, slug=slug)
        category.title, category.intro = spec.title, spec.intro or ""
        category.method, category.max_choices, category.order = spec.method, spec.max_choices, order
        try:
            category.full_clean()
        except ValidationError as error:
            check.add_validation(where, error)
            continue
        category.save()
        _apply_nominees(category, spec.nominees, f"{where}.nominees", check, base_dir)


def import_edition(*, document: Any, base_dir: Path | None = None) -> Edition:
    """Create or update an edition, its categories and nominees from a parsed document.

    The document is first checked against the declared schema (awards/edition_file.py:
    every value's type, strictly, so `"false"` is not a boolean), then each part against
    the models' rules. Matching is by edition slug, category slug and nominee name
    (folded), so a second load of the same file changes nothing. The format is described
    in README.md ("Defining an edition in a file"). An import never publishes or unpublishes:
    `published_at` is left to the audited publish operation (a `published` field is refused);
    a `scheduled_publication` follows `Edition.date_change_problems`, like the edition form's,
    and the scheduler applies it through that operation. Nominee `image` paths are read relative
    to `base_dir` (the edition file's folder); without one, a document may not name images.
    An image is stored as soon as it validates: when a later problem rolls the import back,
    the stored file stays behind, unreferenced (storage is not transactional). Raises ImportRejected listing every
    problem, with its path in the document; in that case nothing is stored.
    """
    spec, schema_problems = validate_document(document)
    if spec is None:
        raise ImportRejected([ImportProblem(where, message) for where, message in schema_problems])
    check = _Collector()
    with transaction.atomic():
        edition = _apply_edition(spec.edition, check)
        if edition is not None:
            _apply_categories(edition, spec.categories, check, base_dir)
        if check.problems:
            transaction.set_rollback(True)
    if check.problems or edition is None:
        raise ImportRejected(check.problems)
    return edition
