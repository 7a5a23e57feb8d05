"""The edition file format (README, "Defining an edition in a file"): reading it and its declared schema.

Reading refuses what a data file never needs and an attacker loves: files over
MAX_EDITION_FILE_BYTES, and YAML anchors and aliases (a 663-byte "billion laughs" file
expands to gigabytes). The schema then checks every value's type strictly, so `public:
"false"` (text) is refused instead of read as true. Value rules that the models already
state (choices, windows in order) stay with the models' `full_clean`.
"""

from datetime import datetime
from typing import Annotated, Any, ClassVar

import yaml
from django.utils.dateparse import parse_datetime
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictBool, StrictInt, StrictStr, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

MAX_EDITION_FILE_BYTES = 1_000_000


class EditionFileError(Exception):
    """The file cannot be read as an edition document; the message completes "FILE …"."""


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors and aliases, which only serve to repeat (and multiply) data."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            kind = "alias (*)" if isinstance(event, yaml.AliasEvent) else "anchor (&)"
            raise yaml.MarkedYAMLError(
                problem=f"a YAML {kind} is not allowed in an edition file: write the value out",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def parse_edition_file(raw: bytes) -> Any:
    """Parse a JSON or YAML edition file (JSON is YAML, so one parser reads both)."""
    if len(raw) > MAX_EDITION_FILE_BYTES:
        raise EditionFileError(
            f"is {len(raw):,} bytes or more; an edition file may have at most {MAX_EDITION_FILE_BYTES:,}"
        )
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_NoAliasLoader)  # noqa: S506  # nosec B506 - a SafeLoader subclass
    except UnicodeDecodeError:
        raise EditionFileError("is not UTF-8 text") from None
    except yaml.YAMLError as error:
        raise EditionFileError(f"is not valid JSON or YAML: {error}") from None
    except RecursionError:
        raise EditionFileError("is not valid JSON or YAML: it is nested too deeply") from None


def _timestamp(value: Any) -> datetime:
    """YAML parses timestamps itself; JSON gives text. Either way a time zone is required."""
    parsed = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise PydanticCustomError(
            "timestamp",
            "“{value}” is not an ISO 8601 date-time with a time zone (e.g. 2024-12-01T00:00:00Z)",
            {"value": str(value)},
        )
    return parsed


Timestamp = Annotated[datetime, PlainValidator(_timestamp)]


class Spec(BaseModel):
    # Strict: no text read as a boolean or number. Unknown fields are kept (model_extra) so the
    # import can name them where it meets them.
    model_config = ConfigDict(strict=True, extra="allow")

    # Fields a file may not set, with the reason (named at their path instead of "unknown field").
    REFUSED_FIELDS: ClassVar[dict[str, str]] = {}

    def unknown_fields(self) -> list[str]:
        return sorted(self.model_extra or {})

    @classmethod
    def allowed_fields(cls) -> str:
        return ", ".join(sorted(cls.model_fields))


class WindowSpec(Spec):
    model_config = ConfigDict(strict=True, extra="forbid")
    opens: Timestamp
    closes: Timestamp


class NomineeSpec(Spec):
    name: StrictStr
    product_name: StrictStr | None = None
    ticker: StrictStr | None = None
    description: StrictStr | None = None
    website: StrictStr | None = None
    active: StrictBool = True
    image: StrictStr | None = None  # a path relative to the edition file; null removes the image


class CategorySpec(Spec):
    title: StrictStr
    slug: StrictStr | None = None
    intro: StrictStr | None = None
    method: StrictStr = "plurality"
    max_choices: StrictInt | None = None
    nominees: list[NomineeSpec] = Field(min_length=1)


class EditionSpec(Spec):
    name: StrictStr
    slug: StrictStr | None = None
    description: StrictStr | None = None
    winners_intro: StrictStr | None = None
    public: StrictBool = True
    results_visibility: StrictStr = "after_close"
    nominations: WindowSpec | None = None
    voting: WindowSpec
    scheduled_publication: Timestamp | None = None  # the scheduler publishes then, through the audited operation

    REFUSED_FIELDS: ClassVar[dict[str, str]] = {
        "published": "a file cannot publish results (only the audited publish operation does, and it e-mails "
        "the voters); write “scheduled_publication” instead, a time to come no earlier than voting closes, "
        "or publish in the admin with “Publish results now”",
    }


class EditionDocument(Spec):
    model_config = ConfigDict(strict=True, extra="forbid")
    edition: EditionSpec
    categories: list[CategorySpec] = Field(min_length=1)


def path_of(loc: tuple[int | str, ...]) -> str:
    """("categories", 0, "nominees") → "categories[0].nominees"; the root is "(document)"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "(document)"


_REQUIRED: dict[tuple[int | str, ...], str] = {
    ("edition", "voting"): "is required (opens and closes)",
    ("categories",): "must be a non-empty list",
}


def schema_problem(error: ErrorDetails) -> tuple[str, str]:
    """(path, message) of one schema error, worded for the person who wrote the file."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if kind == "extra_forbidden":
        parent = EditionDocument if len(loc) == 1 else WindowSpec
        return path_of(loc[:-1]), f"unknown field “{loc[-1]}” (allowed: {parent.allowed_fields()})"
    if kind == "missing":
        return path_of(loc), _REQUIRED.get(loc, "is required")
    if kind == "too_short":
        return path_of(loc), "must be a non-empty list" + (" of nominees" if loc[-1] == "nominees" else "")
    shown = f"“{value}”" if isinstance(value, str) else repr(value)
    messages = {
        "model_type": "must be a mapping of fields",
        "dict_type": "must be a mapping of fields",
        "list_type": "must be a list",
        "bool_type": f"must be true or false, written without quotes (found {shown})",
        "int_type": f"must be a whole number, written without quotes (found {shown})",
        "string_type": f"must be text (found {shown}; put it in quotes)",
    }
    return path_of(loc), messages.get(kind, error["msg"])


def validate_document(document: Any) -> tuple[EditionDocument | None, list[tuple[str, str]]]:
    """The typed document, or the schema's problems as (path, message) pairs."""
    try:
        return EditionDocument.model_validate(document), []
    except ValidationError as invalid:
        return None, [schema_problem(error) for error in invalid.errors(include_url=False)]
