"""The demo editions that ship with Podium, loaded through the same path as any edition file."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from awards.edition_file import parse_edition_file
from awards.models import Edition
from awards.services import import_edition

DEMO_DIR = Path(__file__).resolve().parent / "demo"
CLOSED_EDITION_FILE = DEMO_DIR / "moon-awards-2024.yaml"
# When the 2024 edition's results were announced. An edition file cannot publish: `load_demo`
# records this date through voting's audited operation (`record_past_publication`).
CLOSED_EDITION_PUBLISHED_AT = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
OPEN_EDITION_FILE = DEMO_DIR / "moon-awards-2025.yaml"


def _with_open_voting(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Move the open edition's windows so that voting runs from a week ago to two weeks ahead."""
    day = timedelta(days=1)
    start_of_hour = now.replace(minute=0, second=0, microsecond=0)
    edition = document["edition"]
    edition["nominations"] = {"opens": start_of_hour - 21 * day, "closes": start_of_hour - 7 * day}
    edition["voting"] = {"opens": start_of_hour - 7 * day, "closes": start_of_hour + 14 * day}
    return document


def load_demo_editions(*, now: datetime) -> tuple[Edition, Edition]:
    """Load (or refresh) the closed 2024 edition (published by `load_demo`) and the open 2025 edition."""
    closed = import_edition(document=parse_edition_file(CLOSED_EDITION_FILE.read_bytes()), base_dir=DEMO_DIR)
    open_document = _with_open_voting(parse_edition_file(OPEN_EDITION_FILE.read_bytes()), now)
    return closed, import_edition(document=open_document, base_dir=DEMO_DIR)
