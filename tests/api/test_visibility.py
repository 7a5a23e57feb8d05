"""Every API endpoint answers for a draft edition as if it did not exist, to anyone but staff."""

import json

import pytest
from django.test import Client

from awards.models import Edition
from tests.api.conftest import error
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/editions/draft",
    "/api/v1/editions/draft/categories",
    "/api/v1/editions/draft/categories/funds",
    "/api/v1/editions/draft/results",
    "/api/v1/editions/draft/results/funds",
    "/api/v1/editions/draft/export/results.csv",
    "/api/v1/editions/draft/export/results.json",
    "/api/v1/editions/draft/categories/funds/export/results.csv",
    "/api/v1/editions/draft/categories/funds/export/results.json",
]


@pytest.fixture
def draft() -> None:
    """An edition taken back to draft after it took a ballot: live results, one counted ballot."""
    edition = EditionFactory(slug="draft", is_public=True)
    category = CategoryFactory(edition=edition, slug="funds")
    nominee = NomineeFactory(category=category, name="Unreleased Fund")
    submit_ballot(voter=StaffFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0)
    Edition.objects.filter(pk=edition.pk).update(is_public=False)
    recompute_edition(edition.pk)


@pytest.mark.parametrize("path", READS)
def test_draft_reads_are_404_for_visitors_and_members(api: Client, bearer, draft, path: str) -> None:
    for headers in ({}, bearer(UserFactory())):
        response = api.get(path, **headers)
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"
        assert b"Unreleased" not in response.content and b"funds" not in response.content
    assert api.get(path, **bearer(StaffFactory())).status_code == 200


def test_draft_is_not_listed_and_its_ballot_is_404(api: Client, bearer, draft) -> None:
    member = bearer(UserFactory())
    assert api.get("/api/v1/editions", **member).json() == {"items": [], "count": 0}
    assert api.get("/api/v1/editions/draft/ballot", **member).status_code == 404
    body = json.dumps({"version": 0, "selections": {}})
    assert (
        api.put("/api/v1/editions/draft/ballot", data=body, content_type="application/json", **member).status_code
        == 404
    )
    assert api.get("/api/v1/editions/draft/export/ballots.json", **member).status_code == 403
