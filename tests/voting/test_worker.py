"""The recompute on a real Celery worker consuming a real broker, against PostgreSQL."""

import time

import pytest

from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import CategoryResult, ResultsState

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _wait_for_release(edition, ballots: int, timeout: float = 45) -> ResultsState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
        if state and state.current_release and state.current_release.ballots_counted == ballots:
            return state
        time.sleep(0.2)
    pytest.fail(f"no release with {ballots} ballots within {timeout} s")


def test_burst_of_ballots_is_counted_by_the_worker_in_few_recomputes(edition, celery_worker_process: str) -> None:
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    for index in range(30):
        submit_ballot(
            voter=UserFactory(), edition=edition, selections={fund_category: [fund[index % 3 == 0]]}, expected_version=0
        )
    state = _wait_for_release(edition, 30)
    result = CategoryResult.objects.get(release=state.current_release, category_id=fund_category)
    assert [(row["nominee"], row["score"]) for row in result.standings][:2] == [(fund[0], 20), (fund[1], 10)]
    assert state.edition.results_releases.count() <= 5  # coalesced: a handful, not thirty
    assert state.stale_since is None
