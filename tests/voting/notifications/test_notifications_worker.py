"""Announcements sent by a real Celery worker on a real broker, against PostgreSQL."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import EditionFactory, StaffFactory, UserFactory
from voting.models import AnnouncementDelivery, Ballot
from voting.staff.operations import open_voting_now

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_voting_opened_announcement_is_sent_by_the_worker(celery_worker_process: str, settings) -> None:
    now = timezone.now()
    earlier = EditionFactory(voting_opens_at=now - timedelta(days=400), voting_closes_at=now - timedelta(days=390))
    voters = [UserFactory() for _ in range(5)]
    for voter in voters:
        Ballot.objects.create(edition=earlier, voter=voter, submitted_at=now, updated_at=now)
    edition = EditionFactory(voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=8))

    open_voting_now(edition=edition, by=StaffFactory())  # commits; the worker takes it from there

    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and AnnouncementDelivery.objects.count() < len(voters):
        time.sleep(0.2)
    delivered = set(AnnouncementDelivery.objects.values_list("member_id", flat=True))
    assert delivered == {v.pk for v in voters}
    assert set(AnnouncementDelivery.objects.values_list("announcement__edition", "announcement__kind")) == {
        (edition.pk, "voting_opened")
    }
