import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from awards.models import Edition
from voting.results.exports import as_document, write_csv
from voting.results.selectors import edition_results


class Command(BaseCommand):
    help = "Print an edition's current standings as JSON or CSV (whatever its visibility rule)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edition_slug")
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args: Any, edition_slug: str, format: str, **options: Any) -> None:
        edition = Edition.objects.filter(slug=edition_slug).first()
        if edition is None:
            raise CommandError(f"no edition with slug “{edition_slug}”")
        results = edition_results(edition, is_preview=False)
        if format == "json":
            self.stdout.write(json.dumps(as_document(results), indent=2, ensure_ascii=False))
            return
        write_csv(self.stdout, results)
