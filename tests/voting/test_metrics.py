"""Ballots accepted, recompute duration and queue lag reach the Prometheus metrics."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from tests.factories import UserFactory
from tests.voting.conftest import nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import ResultsState
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db


def _value(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_accepted_ballots_and_recomputes_are_measured(edition) -> None:
    voter = UserFactory()
    accepted = _value("podium_ballots_accepted_total")
    recomputes = _value("podium_recompute_duration_seconds_count")
    lags = _value("podium_recompute_queue_lag_seconds_count")
    choice = {edition.categories.get(slug="fund").pk: [nominee_ids(edition, "fund")[0]]}
    submit_ballot(voter=voter, edition=edition, selections=choice, expected_version=0)
    assert _value("podium_ballots_accepted_total") == accepted + 1
    submit_ballot(voter=voter, edition=edition, selections=choice, expected_version=0)  # a double click
    assert _value("podium_ballots_accepted_total") == accepted + 1
    ResultsState.objects.update_or_create(
        edition=edition, defaults={"stale_since": timezone.now() - timedelta(seconds=3)}
    )
    recompute_edition(edition.pk)
    assert _value("podium_recompute_duration_seconds_count") > recomputes
    assert _value("podium_recompute_queue_lag_seconds_count") > lags
