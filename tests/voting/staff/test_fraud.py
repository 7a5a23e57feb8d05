"""Fraud signals computed by the database, on crafted ballots, and the suspicious-clusters view."""

import hashlib
import json
from datetime import timedelta
from urllib.parse import quote

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


def test_cluster_review_lists_ballots_in_words_and_invalidates_only_the_ticked(
    edition, client: Client, settings
) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    family = [_ballot(edition, ip=f"203.0.113.{n}", agent=CURL, fund=n % 3) for n in range(3)]
    innocent = _ballot(edition, ip="198.51.100.1", minutes_ago=300)
    staff = StaffFactory()
    client.force_login(staff)
    page = client.get(reverse("admin:voting_ballot_clusters"), {"edition": edition.pk})
    assert [c.ballots for c in page.context["clusters"]] == [3]
    cluster = page.context["clusters"][0]
    review_url = reverse("admin:voting_ballot_cluster_review")
    query = f"edition={edition.pk}&amp;kind={NETWORK}&amp;key={quote(cluster.key)}"
    assert f'href="{review_url}?{query}">Review the 3 ballots</a>' in page.content.decode()

    review = client.get(review_url, {"edition": edition.pk, "kind": NETWORK, "key": cluster.key})
    content = review.content.decode()
    for n, ballot in enumerate(family):
        assert f'name="ballots" value="{ballot.pk}" id="ballot-{ballot.pk}" checked>' in content
        assert f"<td>{ballot.voter.email}</td>" in content
        assert f"<strong>Best fund</strong>: fund-{n % 3}</div>" in content
    assert "<td>203.0.113.0/24</td>" in content
    assert f"<td>{CURL}</td>" in content
    assert Ballot.objects.counted().count() == 4  # a GET changes nothing

    kept = family[0]
    done = client.post(
        review_url,
        {
            "edition": edition.pk,
            "kind": NETWORK,
            "key": cluster.key,
            "ballots": [family[1].pk, family[2].pk],
            "reason": "one curl script",
        },
    )
    assert done.status_code == 302
    invalidated = set(Ballot.objects.filter(status=BallotStatus.INVALIDATED).values_list("pk", flat=True))
    assert invalidated == {family[1].pk, family[2].pk}
    assert Ballot.objects.get(pk=kept.pk).status == BallotStatus.COUNTED
    assert Ballot.objects.get(pk=innocent.pk).status == BallotStatus.COUNTED
    assert BallotAudit.objects.filter(reason="one curl script", actor=staff).count() == 2
    message = client.get(reverse("admin:voting_ballot_clusters")).content.decode()
    assert "Invalidated 2 ballot(s) of the cluster; kept 1." in message


def test_cluster_review_refuses_ballots_outside_the_cluster(edition, client: Client, settings) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    family = [_ballot(edition, ip=f"203.0.113.{n}", agent=CURL, fund=n) for n in range(3)]
    outsider = _ballot(edition, ip="198.51.100.1", minutes_ago=300)
    client.force_login(StaffFactory())
    key = suspicious_clusters(edition)[0].key
    response = client.post(
        reverse("admin:voting_ballot_cluster_review"),
        {"edition": edition.pk, "kind": NETWORK, "key": key, "ballots": [outsider.pk], "reason": "nope"},
    )
    assert f"Select a valid choice. {outsider.pk} is not one of the available choices." in response.content.decode()
    assert Ballot.objects.counted().count() == len(family) + 1


def test_cluster_review_without_a_ticked_ballot_or_reason_changes_nothing(edition, client: Client, settings) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    [_ballot(edition, ip=f"203.0.113.{n}", agent=CURL, fund=n) for n in range(3)]
    client.force_login(StaffFactory())
    key = suspicious_clusters(edition)[0].key
    response = client.post(
        reverse("admin:voting_ballot_cluster_review"), {"edition": edition.pk, "kind": NETWORK, "key": key}
    )
    content = response.content.decode()
    assert "Tick at least one ballot to invalidate, or go back." in content
    assert 'name="ballots" value=' in content and " checked>" not in content
    assert Ballot.objects.counted().count() == 3


def test_ballot_detail_shows_choices_in_words_not_the_digest(edition, client: Client) -> None:
    chain = nominee_ids(edition, "chain")
    stored = submit_ballot(
        voter=UserFactory(),
        edition=edition,
        selections={
            category(edition, "fund").pk: [nominee_ids(edition, "fund")[1]],
            category(edition, "chain").pk: [chain[2], chain[0]],
        },
        expected_version=0,
    ).ballot
    client.force_login(StaffFactory())
    content = client.get(reverse("admin:voting_ballot_change", args=[stored.pk])).content.decode()
    assert (
        "<p><strong>Best fund</strong>: fund-1</p><p><strong>Best chain</strong>: 1. chain-2, 2. chain-0</p>" in content
    )
    assert Ballot.objects.get(pk=stored.pk).content_digest not in content


def test_signal_filter_in_the_ballot_list(edition, client: Client) -> None:
    disposable = _ballot(edition, voter=UserFactory(email="x@mailinator.com"))
    _ballot(edition, voter=UserFactory(email="y@example.org"))
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:voting_ballot_changelist"), {"signal": "disposable"})
    assert [b.pk for b in response.context["cl"].result_list] == [disposable.pk]
    assert b"mailinator.com (disposable)" in response.content


def test_the_content_digest_is_keyed_so_the_export_cannot_be_matched_to_it() -> None:
    """Staff see the digest; the anonymised export shows the choices: unkeyed, one would give the other."""
    choices = {1: [5, 4], 2: [7]}
    canonical = json.dumps({"1": [4, 5], "2": [7]}, separators=(",", ":"))
    assert content_digest(choices, ranked=set()) != hashlib.sha256(canonical.encode()).hexdigest()
    assert content_digest(choices, ranked=set()) == content_digest({2: [7], 1: [4, 5]}, ranked=set())
