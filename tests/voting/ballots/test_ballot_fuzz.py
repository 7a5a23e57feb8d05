"""Random and adversarial ballot payloads never cause a 500 and never change stored data
unless the payload is fully valid."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.fuzzing import examples
from tests.voting.conftest import category, nominee_ids
from voting.ballots.selectors import selections_of
from voting.models import Ballot, Receipt, Vote

pytestmark = [pytest.mark.property, pytest.mark.django_db]

NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "0",
            "1e9",
            "99999999999999999999",
            "NaN",
            "None",
            "null",
            "[]",
            "{}",
            "1;2",
            "\uff11",
            "\u0663",
        ]
    ),
    st.text(min_size=2000, max_size=5000),
)


def _stored_state() -> tuple:
    return (
        sorted(
            (b.pk, b.version, tuple(sorted((k, tuple(v)) for k, v in selections_of(b).items())))
            for b in Ballot.objects.all()
        ),
        Receipt.objects.count(),
        Vote.objects.count(),
    )


@pytest.fixture
def member_client(edition) -> tuple[Client, object]:
    voter = UserFactory()
    client = Client()
    client.force_login(voter)
    fund = category(edition, "fund").pk
    client.post(
        reverse("voting:ballot_submit", args=[edition.slug]),
        {"version": "0", f"category-{fund}": str(nominee_ids(edition, "fund")[0])},
    )
    return client, voter


@settings(
    max_examples=examples(60),
    deadline=None,
    # Oversized values (2,000-5,000 characters) are the point of half the draws: hypothesis
    # would call the run unhealthy for it, on some seeds.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_adversarial_ballot_posts_never_500_and_never_half_save(edition, member_client, data) -> None:
    client, _ = member_client
    ids = {slug: category(edition, slug).pk for slug in ("fund", "wallet", "chain")}
    all_nominees = [n for slug in ids for n in nominee_ids(edition, slug)]
    value = st.one_of(
        NASTY_TEXT, st.sampled_from([str(n) for n in all_nominees]), st.integers(-(2**70), 2**70).map(str)
    )
    keys = st.one_of(
        st.sampled_from([f"category-{ids['fund']}", f"category-{ids['wallet']}", "version"]),
        st.sampled_from([f"category-{ids['chain']}-{n}" for n in all_nominees]),
        st.text(max_size=20).map(lambda t: f"category-{t}"),
        st.text(max_size=40),
    )
    payload = data.draw(st.dictionaries(keys, st.lists(value, min_size=1, max_size=4), max_size=12))
    before = _stored_state()
    response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), payload)
    assert response.status_code in {200, 302, 400, 409, 429}
    if response.status_code != 302:
        assert _stored_state() == before
    else:
        ballot = Ballot.objects.get()
        for vote in Vote.objects.filter(ballot=ballot).select_related("nominee", "category"):
            assert vote.nominee.category_id == vote.category_id
            assert vote.category.edition_id == edition.pk
