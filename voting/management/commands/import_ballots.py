from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from awards.models import Edition
from awards.services import ImportRejected
from voting.ballots.imports import import_ballots


class Command(BaseCommand):
    help = "Import ballots collected outside Podium from a CSV file (format in README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edition_slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-invalid", action="store_true", help="Import the good rows and report the bad ones.")

    def handle(self, *args: Any, edition_slug: str, file: Path, skip_invalid: bool, **options: Any) -> None:
        edition = Edition.objects.filter(slug=edition_slug).first()
        if edition is None:
            raise CommandError(f"no edition with slug “{edition_slug}”")
        try:
            with file.open(encoding="utf-8-sig", newline="") as lines:
                outcome = import_ballots(edition=edition, lines=lines, skip_invalid=skip_invalid)
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text") from None
        except ImportRejected as rejected:
            for problem in rejected.problems[:200]:
                self.stderr.write(f"  {problem}")
            more = len(rejected.problems) - 200
            if more > 0:
                self.stderr.write(f"  … and {more} more")
            raise CommandError(f"{file}: {len(rejected.problems)} problem(s); nothing was imported") from None
        for problem in outcome.skipped:
            self.stderr.write(f"  skipped {problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.imported} ballot(s) into “{edition.name}”; skipped {len(outcome.skipped)}."
            )
        )
