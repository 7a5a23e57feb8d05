"""The recompute read stays a fixed handful of queries that never join every vote to its ballot."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awards.models import VotingMethod
from tests.factories import CategoryFactory, NomineeFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotStatus
from voting.results.recompute import tally_edition

pytestmark = pytest.mark.django_db


def _vote_everywhere(edition, voters: int) -> None:
    fund, wallet, chain = (nominee_ids(edition, slug) for slug in ("fund", "wallet", "chain"))
    for n in range(voters):
        selections = {
            category(edition, "fund").pk: [fund[n % 3]],
            category(edition, "wallet").pk: wallet[:2],
            category(edition, "chain").pk: [chain[(n + 1) % 3], chain[n % 3]],
        }
        submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0)


def _queries(edition) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        tally_edition(edition)
    return [q["sql"] for q in captured.captured_queries]


def test_query_count_does_not_grow_with_categories_or_ballots(edition) -> None:
    _vote_everywhere(edition, 1)
    one_ballot = len(_queries(edition))
    _vote_everywhere(edition, 2)
    assert len(_queries(edition)) == one_ballot
    for method in (VotingMethod.PLURALITY, VotingMethod.APPROVAL, VotingMethod.IRV, VotingMethod.SCHULZE):
        extra = CategoryFactory(
            edition=edition, method=method, max_choices=2 if method == VotingMethod.APPROVAL else None
        )
        NomineeFactory(category=extra)
    assert len(_queries(edition)) == one_ballot


def test_votes_are_read_by_category_without_joining_ballots(edition) -> None:
    _vote_everywhere(edition, 2)
    for sql in _queries(edition):
        if 'FROM "voting_vote"' in sql:
            assert 'JOIN "voting_ballot"' not in sql, sql


def test_invalidated_ballots_are_left_out(edition) -> None:
    _vote_everywhere(edition, 3)
    Ballot.objects.filter(pk=Ballot.objects.order_by("pk").first().pk).update(status=BallotStatus.INVALIDATED)
    results, counted = tally_edition(edition)
    assert counted == 2
    assert [r["ballots"] for r in results] == [2, 2, 2]
