"""Exports on the edition's admin page: results CSV/JSON and the anonymised ballots, for moderators only."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db


def _staff_in(role: str) -> User:
    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name=role))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def edition():
    edition = EditionFactory(slug="open-awards")
    category = CategoryFactory(edition=edition, slug="fund", title="Best fund")
    nominee = NomineeFactory(category=category, name="BlackRock")
    submit_ballot(voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    recompute_edition(edition.pk)
    return edition


def test_moderators_get_the_buttons_and_the_files(client: Client, edition) -> None:
    client.force_login(_staff_in("moderator"))
    page = client.get(reverse("admin:awards_edition_change", args=[edition.pk])).content.decode()
    csv_url = reverse("admin:awards_edition_export_results", args=[edition.pk, "csv"])
    ballots_url = reverse("admin:awards_edition_export_ballots", args=[edition.pk])
    assert f'<a href="{csv_url}">Results CSV</a>' in page
    assert f'<a href="{ballots_url}">Anonymised ballots</a>' in page

    results = client.get(csv_url)
    assert results["Content-Disposition"] == 'attachment; filename="open-awards-results.csv"'
    assert results.content.decode().splitlines() == [
        "category,method,position,tied,nominee,count,share,share_of,ballots",
        "fund,plurality,1,no,BlackRock,1,100.0,1,1",
    ]
    document = json.loads(client.get(reverse("admin:awards_edition_export_results", args=[edition.pk, "json"])).content)
    [fund] = document["categories"]
    assert [n["name"] for n in fund["nominees"].values()] == ["BlackRock"]
    ballots = json.loads(client.get(ballots_url).content)
    assert len(ballots["ballots"]) == 1
    assert "voter" not in json.dumps(ballots["ballots"])


def test_curators_get_neither_buttons_nor_files(client: Client, edition) -> None:
    client.force_login(_staff_in("curator"))
    page = client.get(reverse("admin:awards_edition_change", args=[edition.pk])).content.decode()
    assert "Results CSV" not in page and "Anonymised ballots" not in page
    assert client.get(reverse("admin:awards_edition_export_results", args=[edition.pk, "csv"])).status_code == 403
    assert client.get(reverse("admin:awards_edition_export_ballots", args=[edition.pk])).status_code == 403
