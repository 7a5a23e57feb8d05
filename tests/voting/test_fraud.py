"""Fraud signals computed by the database, on crafted ballots, and the suspicious-clusters view."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.fingerprints import content_digest, network_block
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotAudit, BallotStatus
from voting.staff.fraud import (
    BURST,
    NETWORK,
    suspicious_clusters,
    with_disposable_flag,
    with_signals,
)

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CURL = "curl/8.5.0"


def _ballot(
    edition,
    *,
    ip: str = "192.0.2.1",
    agent: str = FIREFOX,
    fund: int = 0,
    minutes_ago: int = 0,
    voter: User | None = None,
) -> Ballot:
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[fund]]}
    stored = submit_ballot(
        voter=voter or UserFactory(),
        edition=edition,
        selections=selections,
        expected_version=0,
        client_ip=ip,
        user_agent=agent,
    ).ballot
    at = timezone.now() - timedelta(minutes=minutes_ago)
    Ballot.objects.filter(pk=stored.pk).update(submitted_at=at, updated_at=at)
    return stored


def _signals(field: str) -> dict[int, object]:
    return dict(with_disposable_flag(with_signals(Ballot.objects.all())).values_list("pk", field))


@pytest.mark.parametrize(
    ("ip", "block"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2::5", "2001:db8:1::/48"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        (None, ""),
        ("not-an-address", ""),
    ],
)
def test_network_block(ip: str | None, block: str) -> None:
    assert network_block(ip) == block


def test_digest_ignores_order_only_where_it_does_not_count() -> None:
    assert content_digest({1: [5, 4], 2: []}, ranked=set()) == content_digest({1: [4, 5]}, ranked=set())
    assert content_digest({1: [5, 4]}, ranked={1}) != content_digest({1: [4, 5]}, ranked={1})


def test_account_age_at_voting_time(edition) -> None:
    fresh = UserFactory()
    User.objects.filter(pk=fresh.pk).update(date_joined=timezone.now() - timedelta(hours=2))
    old = UserFactory()
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=400))
    young_ballot = _ballot(edition, voter=User.objects.get(pk=fresh.pk))
    old_ballot = _ballot(edition, voter=User.objects.get(pk=old.pk), minutes_ago=60 * 24)
    ages = _signals("account_age")
    assert timedelta(hours=1, minutes=59) < ages[young_ballot.pk] < timedelta(hours=2, minutes=1)
    assert ages[old_ballot.pk].days == 399


def test_email_domain_and_disposable_flag(edition) -> None:
    throwaway = _ballot(edition, voter=UserFactory(email="bot7@Mailinator.com"))
    regular = _ballot(edition, voter=UserFactory(email="ana@example.org"))
    assert _signals("email_domain") == {throwaway.pk: "mailinator.com", regular.pk: "example.org"}
    assert _signals("disposable") == {throwaway.pk: True, regular.pk: False}


def test_same_block_and_agent_within_the_window(edition, settings) -> None:
    settings.PODIUM_SIGNAL_WINDOW_MINUTES = 60
    ring = [_ballot(edition, ip=f"203.0.113.{n}", minutes_ago=n // 5) for n in (5, 77, 200)]
    other_agent = _ballot(edition, ip="203.0.113.8", agent=CURL)
    much_later = _ballot(edition, ip="203.0.113.9", minutes_ago=-180)
    elsewhere = _ballot(edition, ip="198.51.100.1")
    v6 = [_ballot(edition, ip=f"2001:db8:7:{n}::1") for n in (1, 2)]
    no_address = _ballot(edition, ip="")
    counts = _signals("same_block")
    assert [counts[b.pk] for b in ring] == [3, 3, 3]
    assert (counts[other_agent.pk], counts[much_later.pk], counts[elsewhere.pk]) == (1, 1, 1)
    assert [counts[b.pk] for b in v6] == [2, 2]
    assert counts[no_address.pk] == 0


def test_same_block_counts_only_ballots_of_the_same_edition(edition) -> None:
    from tests.factories import CategoryFactory, EditionFactory, NomineeFactory

    other = EditionFactory()
    NomineeFactory(category=CategoryFactory(edition=other, slug="fund"), name="x")
    here = _ballot(edition)
    _ballot(other)
    assert _signals("same_block")[here.pk] == 1


def test_identical_ballots_in_a_burst(edition, settings) -> None:
    settings.PODIUM_BURST_WINDOW_MINUTES = 10
    burst = [_ballot(edition, ip=f"10.{n}.0.1", fund=2, minutes_ago=n) for n in (0, 3, 6)]
    same_choice_later = _ballot(edition, ip="10.9.0.1", fund=2, minutes_ago=90)
    different_choice = _ballot(edition, ip="10.8.0.1", fund=1, minutes_ago=2)
    twins = _signals("burst_twins")
    assert [twins[b.pk] for b in burst] == [3, 3, 3]
    assert (twins[same_choice_later.pk], twins[different_choice.pk]) == (1, 1)


def test_signals_cost_the_same_queries_for_one_or_many_ballots(edition, django_assert_num_queries) -> None:
    _ballot(edition)
    with django_assert_num_queries(2):
        list(with_disposable_flag(with_signals(Ballot.objects.all())))
    for n in range(5):
        _ballot(edition, ip=f"192.0.2.{n + 10}")
    with django_assert_num_queries(2):
        assert len(list(with_disposable_flag(with_signals(Ballot.objects.all())))) == 6


def test_clusters_group_flagged_ballots(edition, settings) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    ring = [_ballot(edition, ip=f"203.0.113.{n}", agent=CURL, fund=n % 3) for n in range(4)]
    burst = [_ballot(edition, ip=f"10.{n}.0.1", fund=1, minutes_ago=20 + n) for n in range(3)]
    _ballot(edition, ip="198.51.100.1", fund=0, minutes_ago=300)
    clusters = suspicious_clusters(edition)
    assert [(c.kind, c.ballots, c.counted) for c in clusters] == [(NETWORK, 4, 4), (BURST, 3, 3)]
    assert clusters[0].label == f"203.0.113.0/24 · {CURL}"
    assert clusters[1].key == Ballot.objects.get(pk=burst[0].pk).content_digest
    assert clusters[0].first_at <= clusters[0].last_at
    assert len(ring) == 4


def test_clusters_page_and_cluster_invalidation(edition, client: Client, settings) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    ring = [_ballot(edition, ip=f"203.0.113.{n}", agent=CURL, fund=n % 3) for n in range(3)]
    innocent = _ballot(edition, ip="198.51.100.1", minutes_ago=300)
    staff = StaffFactory()
    client.force_login(staff)
    url = reverse("admin:voting_ballot_clusters")
    page = client.get(url, {"edition": edition.pk})
    assert page.status_code == 200
    assert [c.ballots for c in page.context["clusters"]] == [3]
    assert b"Invalidate cluster" in page.content
    key = page.context["clusters"][0].key

    asked = client.post(url, {"edition": edition.pk, "kind": NETWORK, "key": key})
    assert asked.status_code == 200
    assert b"Invalidate cluster: 3 selected" in asked.content
    assert Ballot.objects.counted().count() == 4

    done = client.post(
        url, {"edition": edition.pk, "kind": NETWORK, "key": key, "apply": "Confirm", "reason": "one curl script"}
    )
    assert done.status_code == 302
    assert set(Ballot.objects.filter(status=BallotStatus.INVALIDATED).values_list("pk", flat=True)) == {
        b.pk for b in ring
    }
    assert Ballot.objects.get(pk=innocent.pk).status == BallotStatus.COUNTED
    assert BallotAudit.objects.filter(reason="one curl script", actor=staff).count() == 3


def test_signal_filter_in_the_ballot_list(edition, client: Client) -> None:
    disposable = _ballot(edition, voter=UserFactory(email="x@mailinator.com"))
    _ballot(edition, voter=UserFactory(email="y@example.org"))
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:voting_ballot_changelist"), {"signal": "disposable"})
    assert [b.pk for b in response.context["cl"].result_list] == [disposable.pk]
    assert b"mailinator.com (disposable)" in response.content
