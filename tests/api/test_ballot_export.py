"""The anonymised ballot export, recounted by the pure tally engines, gives the published standings."""

import hashlib
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from tests.api.conftest import error
from tests.factories import EditionFactory, StaffFactory, UserFactory
from tests.voting.conftest import nominee_ids
from voting.models import Ballot, CategoryResult, Receipt, ResultsState
from voting.tally import RankedProfile, approval, plurality, tally_ranked

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/editions/{}/export/ballots.json"


def recount(category: dict[str, Any], ballots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an auditor does with the export: count it with an independent call of the engines."""
    candidates = [n["id"] for n in category["nominees"] if n["active"]]
    chosen = [b["choices"].get(category["slug"], []) for b in ballots]
    voted = sum(1 for c in chosen if any(n in candidates for n in c))
    if category["method"] in ("plurality", "approval"):
        counts = Counter(n for c in chosen for n in c)
        engine = plurality if category["method"] == "plurality" else approval
        result = engine(dict(counts), candidates, voted)
    else:
        profile = RankedProfile(Counter(tuple(c) for c in chosen if c))
        result = tally_ranked(category["method"], profile, candidates)
    return [
        {"nominee": s.candidate, "position": s.position, "tied": s.tied, "score": s.score, "share": str(s.share)}
        for s in result.standings
    ]


def test_recount_of_the_demo_export_equals_the_published_standings(client: Client, demo, bearer) -> None:
    staff = User.objects.get(email="staff@podium.example")
    for slug in ("moon-awards-2024", "moon-awards-2025"):
        response = client.get(EXPORT.format(slug), **bearer(staff))
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{slug}-ballots.json"'
        export = response.json()
        release = ResultsState.objects.get(edition__slug=slug).current_release
        assert len(export["ballots"]) == release.ballots_counted
        published = {
            r.category.slug: r.standings
            for r in CategoryResult.objects.filter(release=release).select_related("category")
        }
        assert published, slug
        for category in export["categories"]:
            if category["slug"] in published:
                assert recount(category, export["ballots"]) == published[category["slug"]], category["slug"]


def test_export_reveals_no_identity_and_hashes_receipts(client: Client, edition, bearer) -> None:
    from voting.ballots.services import submit_ballot

    voter = UserFactory(email="secret-voter@example.com")
    stored = submit_ballot(
        voter=voter,
        edition=edition,
        selections={edition.categories.get(slug="fund").pk: nominee_ids(edition, "fund")[:1]},
        expected_version=0,
        client_ip="203.0.113.7",
        user_agent="SecretAgent/1.0",
    )
    body = client.get(EXPORT.format("open-awards"), **bearer(StaffFactory())).content.decode()
    for secret in ("secret-voter", "203.0.113.7", "SecretAgent", stored.receipt.code, "voter", "submitted"):
        assert secret not in body
    export = client.get(EXPORT.format("open-awards"), **bearer(StaffFactory())).json()
    [ballot] = export["ballots"]
    assert set(ballot) == {"receipt_sha256", "choices"}
    assert ballot["receipt_sha256"] == hashlib.sha256(stored.receipt.code.encode()).hexdigest()
    assert ballot["choices"] == {"fund": nominee_ids(edition, "fund")[:1]}
    assert Receipt.objects.count() == Ballot.objects.count() == 1


def test_export_is_for_moderators_only(client: Client, edition, bearer) -> None:
    anonymous = client.get(EXPORT.format("open-awards"))
    assert anonymous.status_code == 401
    member = client.get(EXPORT.format("open-awards"), **bearer(UserFactory()))
    assert member.status_code == 403 and error(member)["code"] == "moderators_only"
    curator = UserFactory(is_staff=True)
    curator.groups.set(Group.objects.filter(name="curator"))
    assert client.get(EXPORT.format("open-awards"), **bearer(curator)).status_code == 403
    moderator = UserFactory(is_staff=True)
    moderator.groups.set(Group.objects.filter(name="moderator"))
    assert client.get(EXPORT.format("open-awards"), **bearer(moderator)).status_code == 200
    EditionFactory(slug="draft", is_public=False)
    assert client.get(EXPORT.format("draft"), **bearer(UserFactory())).status_code == 403  # existence not revealed
    assert client.get(EXPORT.format("draft"), **bearer(StaffFactory())).status_code == 200
