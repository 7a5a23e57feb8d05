"""Random and adversarial JSON sent to the ballot endpoint never causes a 5xx and never
changes the stored ballot unless the payload is fully valid."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import UserFactory
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


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_hostile_ballot_payloads_never_5xx_and_never_half_save(edition, bearer, data) -> None:
    voter = UserFactory()
    headers = bearer(voter)
    client = Client()
    url = f"/api/v1/editions/{edition.slug}/ballot"
    slugs = ["fund", "wallet", "chain", "elsewhere", ""]
    ids = [n for slug in ("fund", "wallet", "chain") for n in nominee_ids(edition, slug)]
    nominee = st.one_of(st.sampled_from(ids), st.integers(-(2**40), 2**40))
    well_typed = st.fixed_dictionaries(
        {
            "version": st.integers(-5, 5),
            "selections": st.dictionaries(st.sampled_from(slugs), st.lists(nominee, max_size=4), max_size=4),
        }
    )
    body = data.draw(
        st.one_of(
            well_typed, JSON_VALUES, st.dictionaries(st.sampled_from(["version", "selections", "x"]), JSON_VALUES)
        )
    )
    raw = data.draw(st.sampled_from(["json", "garbage"]))
    content = json.dumps(body) if raw == "json" else data.draw(st.text(max_size=60))
    before = _state()
    response = client.put(url, content, content_type="application/json", **headers)
    assert response.status_code < 500, response.content
    if response.status_code != 200:
        assert _state() == before
        assert set(response.json()) == {"error"}
    else:
        stored = Ballot.objects.get(voter=voter)
        for vote in Vote.objects.filter(ballot=stored).select_related("nominee"):
            assert vote.nominee.category_id == vote.category_id
            assert vote.category.edition_id == edition.pk
    assert category(edition, "fund")  # the edition is untouched
