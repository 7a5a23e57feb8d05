"""Random and adversarial JSON sent to the ballot endpoint never causes a 5xx and never
changes the stored ballot unless the payload is fully valid."""

import json
from collections import Counter

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from awards.models import Nominee
from tests.factories import UserFactory
from tests.fuzzing import examples
from tests.voting.conftest import category, nominee_ids
from voting.ballots.selectors import selections_of
from voting.models import Ballot, Receipt, Vote

pytestmark = [pytest.mark.property, pytest.mark.django_db]

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=50)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _state() -> tuple:
    return (
        sorted((b.pk, b.version, sorted(selections_of(b).items())) for b in Ballot.objects.all()),
        Receipt.objects.count(),
        Vote.objects.count(),
    )


def _edition_state(edition) -> tuple:
    """What the ballot endpoint must never change: the edition, its categories and nominees."""
    return (
        type(edition).objects.filter(pk=edition.pk).values_list("slug", "voting_opens_at", "voting_closes_at").get(),
        list(edition.categories.order_by("pk").values_list("pk", "slug", "method", "max_choices")),
        list(Nominee.objects.filter(category__edition=edition).order_by("pk").values_list("pk", "name", "active")),
    )


def test_hostile_ballot_payloads_never_5xx_and_never_half_save(edition, bearer, settings) -> None:
    # Every example is a new member; lift the limits so that no example is answered by the
    # rate limiter instead of the ballot code (the limiter has tests of its own).
    settings.PODIUM_API_RATE_LIMIT_ADDRESS = "100000/m"
    settings.PODIUM_API_RATE_LIMIT_TOKEN = "100000/m"
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": ""}
    url = f"/api/v1/editions/{edition.slug}/ballot"
    slugs = ["fund", "wallet", "chain", "elsewhere", ""]
    by_slug = {slug: nominee_ids(edition, slug) for slug in ("fund", "wallet", "chain")}
    pk_of = {slug: category(edition, slug).pk for slug in by_slug}
    ids = [n for slug_ids in by_slug.values() for n in slug_ids]
    nominee = st.one_of(st.sampled_from(ids), st.integers(-(2**40), 2**40))
    well_typed = st.fixed_dictionaries(
        {
            "version": st.integers(-5, 5),
            "selections": st.dictionaries(st.sampled_from(slugs), st.lists(nominee, max_size=4), max_size=4),
        }
    )
    valid = st.fixed_dictionaries(
        {
            "version": st.just(0),
            "selections": st.fixed_dictionaries(
                {},
                optional={
                    "fund": st.lists(st.sampled_from(by_slug["fund"]), min_size=1, max_size=1),
                    "wallet": st.lists(st.sampled_from(by_slug["wallet"]), min_size=1, max_size=2, unique=True),
                    "chain": st.permutations(by_slug["chain"]).flatmap(
                        lambda p: st.integers(1, 3).map(lambda k: p[:k])
                    ),
                },
            ),
        }
    )
    edition_before = _edition_state(edition)
    answered: Counter[int] = Counter()

    @hypothesis_settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def send(data) -> None:
        voter = UserFactory()
        body = data.draw(
            st.one_of(
                valid,
                well_typed,
                JSON_VALUES,
                st.dictionaries(st.sampled_from(["version", "selections", "x"]), JSON_VALUES),
            )
        )
        raw = data.draw(st.sampled_from(["json", "garbage"]))
        content = json.dumps(body) if raw == "json" else data.draw(st.text(max_size=60))
        before = _state()
        response = Client().put(url, content, content_type="application/json", **bearer(voter))
        answered[response.status_code] += 1
        assert response.status_code < 500, response.content
        assert response.status_code != 429, "the rate limiter answered, not the ballot code"
        if response.status_code != 200:
            assert _state() == before
            assert set(response.json()) == {"error"}
            return
        stored = Ballot.objects.get(voter=voter)
        sent = {pk_of[slug]: chosen for slug, chosen in body["selections"].items() if chosen}
        assert selections_of(stored) == sent  # exactly what was sent, in order
        for vote in Vote.objects.filter(ballot=stored).select_related("nominee", "category"):
            assert vote.nominee.category_id == vote.category_id
            assert vote.category.edition_id == edition.pk

    send()
    assert answered[200] > 0, answered  # valid ballots were stored...
    assert sum(n for status, n in answered.items() if status != 200) > 0, answered  # ...and others refused
    assert _edition_state(edition) == edition_before  # the edition itself is untouched
