from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from awards.edition_file import MAX_EDITION_FILE_BYTES, EditionFileError, parse_edition_file
from awards.services import ImportRejected, import_edition


def read_edition_file(path: Path) -> Any:
    """The parsed document of a JSON or YAML edition file, never reading more than the size cap."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_EDITION_FILE_BYTES + 1)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    try:
        return parse_edition_file(raw)
    except EditionFileError as error:
        raise CommandError(f"{path} {error}; nothing was loaded") from None


class Command(BaseCommand):
    help = "Create or update an edition, its categories and nominees from a JSON or YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            edition = import_edition(document=read_edition_file(file), base_dir=file.resolve().parent)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{file}: {len(rejected.problems)} problem(s); nothing was loaded") from None
        categories = edition.categories.count()
        self.stdout.write(self.style.SUCCESS(f"Loaded “{edition.name}” ({edition.slug}): {categories} categories"))
