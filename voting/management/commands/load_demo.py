from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.services import ensure_verified_user
from awards.demo import CLOSED_EDITION_PUBLISHED_AT, load_demo_editions
from voting.ballots.demo import load_demo_ballots
from voting.models import Ballot
from voting.results.recompute import recompute_edition
from voting.staff.operations import record_past_publication

DEMO_STAFF_EMAIL = "staff@podium.example"


class Command(BaseCommand):
    help = "Load (or refresh) the demo editions and a staff account. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.PODIUM_DEMO_ALLOWED:
            raise CommandError(
                "load_demo is off (DEBUG=0): it creates a staff superuser. To load the demo anyway, set "
                "PODIUM_DEMO_ALLOWED=1 and PODIUM_DEMO_STAFF_PASSWORD to a password of your own."
            )
        if not settings.PODIUM_DEMO_STAFF_PASSWORD:
            raise CommandError("Set PODIUM_DEMO_STAFF_PASSWORD: the demo staff account needs a password.")
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
        staff = ensure_verified_user(email=DEMO_STAFF_EMAIL, password=password, is_staff=True)
        if closed.published_at is None:  # a second run finds it published
            record_past_publication(edition=closed, at=CLOSED_EDITION_PUBLISHED_AT, by=staff)
        self.stdout.write(
            self.style.SUCCESS(f"Demo loaded: “{closed.name}” (published) and “{open_.name}” (voting open).")
        )
        # A password of the operator's own never goes to the output (and so to logs).
        shown = password if password == settings.PODIUM_DEMO_PUBLISHED_PASSWORD else "(PODIUM_DEMO_STAFF_PASSWORD)"
        self.stdout.write(f"Staff login: {DEMO_STAFF_EMAIL} / {shown}  (admin at {settings.SITE_URL}/admin/)")
        if settings.PODIUM_STAFF_MFA_REQUIRED:
            self.stdout.write(
                "The admin first asks this account to set up two-factor authentication (an authenticator app)."
            )
