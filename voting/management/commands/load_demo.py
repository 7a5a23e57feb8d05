from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.services import ensure_verified_user
from awards.demo import load_demo_editions
from voting.ballots.demo import load_demo_ballots
from voting.models import Ballot
from voting.results.recompute import recompute_edition

DEMO_STAFF_EMAIL = "staff@podium.example"


class Command(BaseCommand):
    help = "Load (or refresh) the demo editions and a staff account. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        closed, open_ = load_demo_editions(now=timezone.now())
        added = load_demo_ballots([closed, open_])
        for edition in (closed, open_):
            recompute_edition(edition.pk)  # results ready at first start, even with a broker and no worker yet
        held = {edition.pk: Ballot.objects.filter(edition=edition).count() for edition in (closed, open_)}
        self.stdout.write(
            f"The demo holds {held[closed.pk]:,} ballots in “{closed.name}” (published) and "
            f"{held[open_.pk]:,} in “{open_.name}” (voting open); {f'{added:,}' if added else 'none'} added now."
        )
        password = settings.PODIUM_DEMO_STAFF_PASSWORD
        ensure_verified_user(email=DEMO_STAFF_EMAIL, password=password, is_staff=True)
        self.stdout.write(
            self.style.SUCCESS(f"Demo loaded: “{closed.name}” (published) and “{open_.name}” (voting open).")
        )
        self.stdout.write(f"Staff login: {DEMO_STAFF_EMAIL} / {password}  (admin at {settings.SITE_URL}/admin/)")
