"""Races on real PostgreSQL: row locks and unique constraints behave differently on SQLite."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.models import Ballot, Receipt, Vote
from voting.selectors import selections_of
from voting.services import BallotRejected, submit_ballot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(jobs: list, workers: int) -> list[object]:
    barrier = threading.Barrier(workers)

    def run(job):
        barrier.wait()
        try:
            return job()
        except BallotRejected as rejected:
            return rejected
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, jobs))


def test_simultaneous_first_submissions_leave_one_whole_ballot(edition) -> None:
    voter = UserFactory()
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    chain_category, chain = category(edition, "chain").pk, nominee_ids(edition, "chain")
    contents = [{fund_category: [fund[i % 3]], chain_category: [chain[i % 3], chain[(i + 1) % 3]]} for i in range(12)]
    jobs = [lambda c=c: submit_ballot(voter=voter, edition=edition, selections=c, expected_version=0) for c in contents]
    outcomes = _race(jobs, workers=12)
    assert all(not isinstance(o, Exception) or isinstance(o, BallotRejected) for o in outcomes)
    rejected = [o for o in outcomes if isinstance(o, BallotRejected)]
    assert {r.code for r in rejected} <= {"stale"}
    ballot = Ballot.objects.get(voter=voter, edition=edition)
    assert selections_of(ballot) in contents
    assert ballot.version == 1
    assert Receipt.objects.filter(ballot=ballot).count() == 1
    assert Vote.objects.filter(ballot=ballot).count() == 3


def test_simultaneous_changes_apply_one_at_a_time(edition) -> None:
    voter = UserFactory()
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    submit_ballot(voter=voter, edition=edition, selections={fund_category: [fund[0]]}, expected_version=0)
    contents = [{fund_category: [fund[1 + i % 2]]} for i in range(10)]
    jobs = [lambda c=c: submit_ballot(voter=voter, edition=edition, selections=c, expected_version=1) for c in contents]
    outcomes = _race(jobs, workers=10)
    stored = [o for o in outcomes if not isinstance(o, BallotRejected)]
    assert len({s.ballot.version for s in stored if s.changed}) == 1  # exactly one change won version 2
    ballot = Ballot.objects.get(voter=voter)
    assert ballot.version == 2
    assert selections_of(ballot) in contents
    assert Vote.objects.filter(ballot=ballot).count() == 1
