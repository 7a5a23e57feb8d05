from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from awards.models import Edition
from voting.results.recompute import recompute_edition


class Command(BaseCommand):
    help = "Recompute an edition's leaderboards now, synchronously (the same code the Celery task runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("edition_slug")

    def handle(self, *args: Any, edition_slug: str, **options: Any) -> None:
        edition = Edition.objects.filter(slug=edition_slug).first()
        if edition is None:
            raise CommandError(f"no edition with slug “{edition_slug}”")
        release = recompute_edition(edition.pk)
        assert release is not None  # noqa: S101 - the edition exists
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed “{edition.name}”: {release.ballots_counted} ballot(s) counted, "
                f"release of {release.computed_at:%Y-%m-%d %H:%M:%S} UTC."
            )
        )
