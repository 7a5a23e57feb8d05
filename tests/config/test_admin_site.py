"""The admin index: one Accounts section, social login only when configured, the editions dashboard."""

import re
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import ResultsVisibility
from tests.factories import EditionFactory, StaffFactory, UserFactory
from voting.models import Ballot, BallotStatus

pytestmark = pytest.mark.django_db


def _sections(page: str) -> list[str]:
    return re.findall(r'<caption>\s*<a href="[^"]*" class="section"[^>]*>([^<]+)</a>', page)


def test_one_accounts_section_and_no_social_tables_without_a_provider(client: Client, settings) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {}
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:index")).content.decode()
    sections = _sections(page)
    assert sections.count("Accounts") == 1
    assert "Social Accounts" not in sections
    accounts = page.split('class="section" title="Models in the Accounts application">Accounts</a>')[1].split(
        "</table>"
    )[0]
    names = ("Api tokens", "Authenticators", "Email addresses", "Users")
    assert [name for name in names if name in accounts] == list(names)
    assert "MFA" not in sections


def test_social_tables_appear_once_a_provider_is_configured(client: Client, settings) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "x", "secret": "y"}]}}
    client.force_login(StaffFactory())
    assert "Social Accounts" in _sections(client.get(reverse("admin:index")).content.decode())


def test_the_dashboard_shows_each_editions_phase_turnout_and_next_action(client: Client) -> None:
    now = timezone.now()
    draft = EditionFactory(
        name="Draft Awards",
        is_public=False,
        voting_opens_at=now + timedelta(days=5),
        voting_closes_at=now + timedelta(days=9),
    )
    running = EditionFactory(name="Running Awards", voting_closes_at=now + timedelta(days=2))
    closed = EditionFactory(
        name="Closed Awards",
        voting_opens_at=now - timedelta(days=9),
        voting_closes_at=now - timedelta(days=1),
        results_visibility=ResultsVisibility.PUBLISHED,
    )
    for status in (BallotStatus.COUNTED, BallotStatus.COUNTED, BallotStatus.INVALIDATED):
        Ballot.objects.create(edition=running, voter=UserFactory(), submitted_at=now, updated_at=now, status=status)
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:index")).content.decode()
    dashboard = page.split('id="dashboard"')[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>", "|", row) for row in dashboard.split("<tr>")[2:]]
    cells = [[cell.strip() for cell in row.split("|") if cell.strip()] for row in rows]
    closes = running.voting_closes_at.astimezone(UTC)
    closes_text = f"{closes.day} {closes:%b %Y, %H:%M} UTC"  # in a <time data-local> element
    assert cells == [
        ["Draft Awards", "(draft)", "Upcoming", "0", "0", "Draft: finish curating, then tick “public”", "Turnout"],
        [
            "Running Awards",
            "Voting open",
            "2",
            "1",
            "Voting closes",
            closes_text,
            ": review suspicious clusters",
            "Turnout",
        ],
        [
            "Closed Awards",
            "Voting closed",
            "0",
            "0",
            "Publish the results (“Publish results now…” in the edition list)",
            "Turnout",
        ],
    ]
    assert f'href="{reverse("admin:voting_ballot_clusters")}?edition={running.pk}"' in dashboard
    assert draft.pk and closed.pk


def test_staff_without_edition_permission_see_no_dashboard(client: Client) -> None:
    EditionFactory(name="Secret Awards")
    client.force_login(UserFactory(is_staff=True))
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="dashboard"' not in page
    assert "Secret Awards" not in page
