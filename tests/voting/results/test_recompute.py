from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from awards.models import Edition
from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotStatus, CategoryResult, ResultsRelease, ResultsState
from voting.results.recompute import editions_needing_recompute, mark_stale, recompute_edition, seconds_until_due
from voting.tasks import request_recompute, sweep_editions_task

pytestmark = pytest.mark.django_db


def _vote(edition, fund: int, chain: list[int] | None = None) -> None:
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[fund]]}
    if chain:
        selections[category(edition, "chain").pk] = [nominee_ids(edition, "chain")[i] for i in chain]
    submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0)


def _standings(edition, slug: str) -> list[tuple[int, int, str]]:
    release = ResultsState.objects.get(edition=edition).current_release
    result = CategoryResult.objects.get(release=release, category=category(edition, slug))
    return [(row["nominee"], row["score"], row["share"]) for row in result.standings]


def test_committed_ballot_is_tallied_by_the_inline_task(edition, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition, 2)
    fund = nominee_ids(edition, "fund")
    assert _standings(edition, "fund") == [(fund[0], 2, "66.7"), (fund[2], 1, "33.3"), (fund[1], 0, "0.0")]
    assert ResultsState.objects.get(edition=edition).stale_since is None


def test_recompute_is_idempotent(edition) -> None:
    _vote(edition, 1, chain=[2, 0])
    first = recompute_edition(edition.pk)
    second = recompute_edition(edition.pk)
    assert first == second
    assert ResultsRelease.objects.filter(edition=edition).count() == 1


def test_changed_standings_make_a_new_release_and_keep_history(edition) -> None:
    _vote(edition, 1)
    first = recompute_edition(edition.pk)
    _vote(edition, 2)
    second = recompute_edition(edition.pk)
    assert second != first
    assert list(
        ResultsRelease.objects.filter(edition=edition).order_by("computed_at").values_list("ballots_counted", flat=True)
    ) == [1, 2]
    assert ResultsState.objects.get(edition=edition).current_release == second


def test_invalidated_ballots_are_not_counted(edition) -> None:
    _vote(edition, 0)
    _vote(edition, 1)
    Ballot.objects.filter(votes__nominee_id=nominee_ids(edition, "fund")[0]).update(status=BallotStatus.INVALIDATED)
    recompute_edition(edition.pk)
    fund = nominee_ids(edition, "fund")
    assert _standings(edition, "fund")[0] == (fund[1], 1, "100.0")
    assert ResultsState.objects.get(edition=edition).current_release.ballots_counted == 1


def test_ranked_category_keeps_irv_rounds_and_first_preferences(edition) -> None:
    for chain in ([0, 1], [0, 1], [1, 0], [2, 1], [2, 1]):
        _vote(edition, 0, chain=chain)
    recompute_edition(edition.pk)
    release = ResultsState.objects.get(edition=edition).current_release
    result = CategoryResult.objects.get(release=release, category=category(edition, "chain"))
    ids = nominee_ids(edition, "chain")
    assert result.method == "irv"
    # First preferences 2-1-2: chain-1 is eliminated and its ballot transfers to chain-0.
    assert [(row["nominee"], row["score"]) for row in result.standings] == [(ids[0], 3), (ids[2], 2), (ids[1], 1)]
    assert len(result.detail["rounds"]) == 2
    assert [(row["nominee"], row["position"], row["tied"]) for row in result.first_preferences] == [
        (ids[0], 1, True),
        (ids[2], 1, True),
        (ids[1], 3, False),
    ]


def test_burst_of_ballots_queues_one_recompute(edition, monkeypatch, django_capture_on_commit_callbacks) -> None:
    enqueued: list[int] = []
    monkeypatch.setattr("voting.tasks.enqueue_recompute", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(50):
            request_recompute(edition.pk)
    assert enqueued == [edition.pk]
    recompute_edition(edition.pk)  # claims the request
    assert mark_stale(edition.pk) is True
    assert mark_stale(edition.pk) is False


def test_a_queued_recompute_waits_out_the_window_from_the_stale_flag(edition, settings) -> None:
    """The coalescing delay is read from the database, never held as a countdown message."""
    settings.PODIUM_RECOMPUTE_DELAY_SECONDS = 2
    now = timezone.now()
    assert seconds_until_due(edition.pk, now) == 0.0  # not flagged: a sweep runs at once
    ResultsState.objects.create(edition=edition, stale_since=now - timedelta(seconds=0.5))
    assert seconds_until_due(edition.pk, now) == pytest.approx(1.5)
    assert seconds_until_due(edition.pk, now + timedelta(seconds=5)) == 0.0
    assert seconds_until_due(edition.pk, now - timedelta(hours=1)) == 2.0  # never more than the delay


def test_a_large_editions_window_grows_with_its_last_recompute(edition, settings) -> None:
    """A recompute that took 1.5 s waits 6 s from the flag (four times as long): at most a fifth of the worker."""
    settings.PODIUM_RECOMPUTE_DELAY_SECONDS = 2
    now = timezone.now()
    ResultsState.objects.create(edition=edition, stale_since=now - timedelta(seconds=0.5), last_duration_ms=1500)
    assert seconds_until_due(edition.pk, now) == pytest.approx(5.5)
    assert seconds_until_due(edition.pk, now - timedelta(hours=1)) == 6.0
    ResultsState.objects.filter(edition=edition).update(last_duration_ms=30)  # a small edition: the delay rules
    assert seconds_until_due(edition.pk, now) == pytest.approx(1.5)


def test_recompute_is_queued_without_a_countdown(edition, monkeypatch, django_capture_on_commit_callbacks) -> None:
    sent: list[dict] = []
    monkeypatch.setattr("voting.tasks.recompute_edition_task.apply_async", lambda **options: sent.append(options))
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(edition.pk)
    assert sent == [{"args": [edition.pk], "retry": False, "ignore_result": True}]  # no countdown, no result channel


def test_an_edition_already_flagged_costs_no_query(edition, django_assert_num_queries) -> None:
    assert mark_stale(edition.pk) is True
    with django_assert_num_queries(0):
        assert mark_stale(edition.pk) is False
    assert ResultsState.objects.get(edition=edition).stale_since is not None


def test_a_claimed_request_is_flagged_again_by_the_next_ballot(edition) -> None:
    assert mark_stale(edition.pk) is True
    recompute_edition(edition.pk)
    assert ResultsState.objects.get(edition=edition).stale_since is None
    assert mark_stale(edition.pk) is True  # the hint went with the claim


def test_without_the_hint_the_flag_decides(edition) -> None:
    """A lost cache entry (Redis flushed or down) never skips a recompute: the database flag decides."""
    assert mark_stale(edition.pk) is True
    cache.clear()
    assert mark_stale(edition.pk) is False  # already flagged in the database: no second recompute
    ResultsState.objects.filter(edition=edition).update(stale_since=None)
    cache.clear()
    assert mark_stale(edition.pk) is True


def test_sweep_finds_open_stale_and_lagging_editions(edition) -> None:
    now = timezone.now()
    closed = Edition.objects.create(
        name="Closed", slug="closed", voting_opens_at=now - timedelta(days=9), voting_closes_at=now - timedelta(days=2)
    )
    assert editions_needing_recompute(now) == [edition.pk]
    ResultsState.objects.create(edition=closed, stale_since=now - timedelta(minutes=10))
    assert editions_needing_recompute(now) == sorted([edition.pk, closed.pk])
    recompute_edition(closed.pk)
    assert editions_needing_recompute(now) == [edition.pk]


def test_sweep_task_recomputes_what_is_due(edition) -> None:
    _vote(edition, 0)
    ResultsState.objects.all().delete()
    ResultsRelease.objects.all().delete()
    assert sweep_editions_task.delay().get() == [edition.pk]
    assert ResultsState.objects.get(edition=edition).current_release.ballots_counted == 1


def test_recompute_results_command(edition, capsys) -> None:
    _vote(edition, 0)
    ResultsRelease.objects.all().delete()
    call_command("recompute_results", edition.slug)
    assert "Recomputed “Open Awards”: 1 ballot(s) counted" in capsys.readouterr().out
    assert ResultsState.objects.get(edition=edition).current_release is not None
