"""Submitting a whole ballot costs a fixed number of queries, however many categories it has."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import VotingMethod
from tests.factories import CategoryFactory, NomineeFactory, UserFactory
from voting.models import Ballot

pytestmark = pytest.mark.django_db

# Member with their verified-address state (one read; the session comes from the cache), edition, the member's
# ballot, categories and nominees (once: the service reuses the page's rules), the transaction
# (lock, edition window, ballot, every vote in one INSERT, receipt, the receipt e-mail's outgoing
# mail row) and the savepoint bookkeeping.
BALLOT_SUBMIT_QUERIES = 13


def _full_ballot(edition) -> dict[str, object]:
    data: dict[str, object] = {"version": "0"}
    for category in edition.categories.all():
        nominees = list(category.nominees.order_by("order").values_list("pk", flat=True))
        if category.method == VotingMethod.PLURALITY:
            data[f"category-{category.pk}"] = str(nominees[0])
        elif category.method == VotingMethod.APPROVAL:
            data[f"category-{category.pk}"] = [str(n) for n in nominees[:2]]
        else:
            for rank, nominee in enumerate(nominees[:2], start=1):
                data[f"category-{category.pk}-{nominee}"] = str(rank)
    return data


def _submit_queries(client: Client, edition) -> int:
    client.force_login(UserFactory())
    url = reverse("voting:ballot_submit", kwargs={"edition_slug": edition.slug})
    data = _full_ballot(edition)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    return len(captured.captured_queries)


def test_submission_queries_do_not_grow_with_categories(client: Client, edition) -> None:
    three = _submit_queries(client, edition)
    for method in (VotingMethod.PLURALITY, VotingMethod.APPROVAL, VotingMethod.SCHULZE):
        extra = CategoryFactory(
            edition=edition, method=method, max_choices=2 if method == VotingMethod.APPROVAL else None
        )
        for order in range(3):
            NomineeFactory(category=extra, order=order)
    six = _submit_queries(client, edition)
    assert six == three
    assert Ballot.objects.filter(edition=edition).count() == 2


def test_submission_query_budget(client: Client, edition) -> None:
    assert _submit_queries(client, edition) == BALLOT_SUBMIT_QUERIES


@pytest.mark.postgres
def test_submission_query_budget_on_postgresql(client: Client, edition) -> None:
    """The same budget on PostgreSQL (run with DATABASE_URL set); the bench counts the wire."""
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    assert _submit_queries(client, edition) == BALLOT_SUBMIT_QUERIES
