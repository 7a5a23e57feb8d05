"""Races on real PostgreSQL: row locks and unique constraints behave differently on SQLite."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.rules import BallotRejected
from voting.ballots.selectors import selections_of
from voting.ballots.services import submit_ballot
from voting.models import Ballot, Receipt, Vote

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


def test_hundred_members_submitting_ten_times_at_once_leave_exactly_hundred_consistent_ballots(edition) -> None:
    from tests.factories import UserFactory as Member

    members = [Member() for _ in range(100)]
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    wallet_category, wallet = category(edition, "wallet").pk, nominee_ids(edition, "wallet")
    chain_category, chain = category(edition, "chain").pk, nominee_ids(edition, "chain")

    def content(attempt: int) -> dict[int, list[int]]:
        return {
            fund_category: [fund[attempt % 3]],
            wallet_category: [wallet[attempt % 3], wallet[(attempt + 1) % 3]],
            chain_category: [chain[(attempt + 2) % 3], chain[attempt % 3]],
        }

    submitted = {m.pk: [content(a) for a in range(10)] for m in members}
    jobs = [
        lambda m=m, c=c: submit_ballot(voter=m, edition=edition, selections=c, expected_version=0)
        for m in members
        for c in submitted[m.pk]
    ]
    outcomes = _race(jobs, workers=20)
    assert all(not isinstance(o, Exception) or isinstance(o, BallotRejected) for o in outcomes)
    assert {o.code for o in outcomes if isinstance(o, BallotRejected)} <= {"stale"}
    assert Ballot.objects.filter(edition=edition).count() == 100
    for ballot in Ballot.objects.filter(edition=edition):
        assert selections_of(ballot) in submitted[ballot.voter_id]
        assert Vote.objects.filter(ballot=ballot).count() == 5
        assert set(Vote.objects.filter(ballot=ballot).values_list("category__edition_id", flat=True)) == {edition.pk}


def test_ballots_racing_the_close_of_voting_are_stored_before_it_or_refused(edition) -> None:
    import time
    from datetime import timedelta
    from unittest import mock

    from django.utils import timezone

    from awards.models import Edition
    from tests.factories import UserFactory as Member
    from voting.ballots import services

    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    members = [Member() for _ in range(40)]
    straddlers = {m.pk for m in members[:3]}
    checked: dict[int, object] = {}  # member -> when the early (outside the transaction) check passed
    finished: dict[int, object] = {}
    real_check = services.eligibility_problem

    def early_check(voter, edition, now):
        problem = real_check(voter, edition, now)
        checked[voter.pk] = now
        if voter.pk in straddlers and problem is None:
            # Passed before the close; now let the close pass before the ballot is stored.
            time.sleep(max(0.0, (closes_at - timezone.now()).total_seconds()) + 0.05)
        return problem

    def late_submit(member, delay: float):
        time.sleep(delay)
        try:
            return submit_ballot(
                voter=member, edition=edition, selections={fund_category: [fund[0]]}, expected_version=0
            )
        finally:
            finished[member.pk] = timezone.now()

    jobs = [lambda m=m, d=i * 0.02: late_submit(m, d) for i, m in enumerate(members)]
    closes_at = timezone.now() + timedelta(milliseconds=400)
    Edition.objects.filter(pk=edition.pk).update(voting_closes_at=closes_at)
    edition.refresh_from_db()
    with mock.patch.object(services, "eligibility_problem", early_check):
        outcomes = _race(jobs, workers=20)
    refused = [o for o in outcomes if isinstance(o, BallotRejected)]
    assert {r.code for r in refused} <= {"closed"}
    assert all(r.problems[None][0].startswith("Voting in Open Awards closed on") for r in refused)
    stored = Ballot.objects.filter(edition=edition)
    assert stored.count() + len(refused) == 40
    assert stored.exists() and refused  # some before the close, some after
    assert all(b.updated_at < closes_at for b in stored)
    # The race is real: these passed the first check before the close and reached the store after it.
    straddled = {pk for pk in straddlers if checked[pk] < closes_at < finished[pk]}
    assert straddled, (closes_at, {pk: (checked.get(pk), finished.get(pk)) for pk in straddlers})
    assert not stored.filter(voter_id__in=straddled).exists()


def test_two_recomputes_at_once_give_one_snapshot_and_no_duplicate_history(edition) -> None:
    from voting.models import ResultsRelease
    from voting.results.recompute import recompute_edition

    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    for i in range(5):
        submit_ballot(
            voter=UserFactory(), edition=edition, selections={fund_category: [fund[i % 2]]}, expected_version=0
        )
    ResultsRelease.objects.all().delete()
    outcomes = _race([lambda: recompute_edition(edition.pk) for _ in range(6)], workers=6)
    assert len({o.pk for o in outcomes}) == 1
    assert ResultsRelease.objects.filter(edition=edition).count() == 1


def test_ballot_changes_racing_a_recompute_never_produce_a_mixed_snapshot(edition) -> None:
    """Each ballot moves all its votes together; a snapshot must never split one ballot."""
    from voting.models import CategoryResult, ResultsState
    from voting.results.recompute import recompute_edition

    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    chain_category, chain = category(edition, "chain").pk, nominee_ids(edition, "chain")
    voters = [UserFactory() for _ in range(20)]
    for voter in voters:
        submit_ballot(
            voter=voter,
            edition=edition,
            selections={fund_category: [fund[0]], chain_category: [chain[0]]},
            expected_version=0,
        )
    switch = [
        lambda v=v: submit_ballot(
            voter=v,
            edition=edition,
            selections={fund_category: [fund[1]], chain_category: [chain[1]]},
            expected_version=1,
        )
        for v in voters
    ]
    recomputes = [lambda: recompute_edition(edition.pk) for _ in range(10)]
    _race(switch + recomputes, workers=15)
    recompute_edition(edition.pk)
    for release in edition.results_releases.all():
        results = {
            r.category_id: {s["nominee"]: s["score"] for s in r.standings}
            for r in CategoryResult.objects.filter(release=release)
        }
        # Every voter switched fund and chain in one transaction: the two counts always agree.
        assert results[fund_category][fund[1]] == results[chain_category][chain[1]]
    final = ResultsState.objects.get(edition=edition).current_release
    assert {
        s["nominee"]: s["score"] for s in CategoryResult.objects.get(release=final, category_id=fund_category).standings
    }[fund[1]] == 20
