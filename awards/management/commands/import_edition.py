from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from awards.services import ImportRejected, import_edition


def read_edition_file(path: Path) -> Any:
    """Parse a JSON or YAML edition file (JSON is YAML, so one parser reads both)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CommandError(f"{path} is not valid JSON or YAML: {error}") from None


class Command(BaseCommand):
    help = "Create or update an edition, its categories and nominees from a JSON or YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            edition = import_edition(document=read_edition_file(file))
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"{file}: {len(rejected.problems)} problem(s); nothing was loaded") from None
        categories = edition.categories.count()
        self.stdout.write(self.style.SUCCESS(f"Loaded “{edition.name}” ({edition.slug}): {categories} categories"))
