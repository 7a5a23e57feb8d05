"""A category set to "shuffled" lists its nominees in each member's own stable order on the ballot.

The same member sees the same order on every request and in every session; two members see
different orders; curated categories, the category page and the results keep the curated
order; the no-JavaScript review step (and back) keeps the member's order.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from awards.models import Category, Edition, NomineeOrder, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory
from voting.ballots.forms import field_name
from voting.ballots.selectors import ballot_order
from voting.ballots.services import submit_ballot
from voting.results.recompute import recompute_edition

pytestmark = pytest.mark.django_db

CURATED = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel"]


@pytest.fixture
def edition() -> Edition:
    """An open edition (live results): a shuffled plurality, a shuffled IRV and a curated category."""
    edition = EditionFactory(name="Tree Awards", slug="tree-awards")
    specs = [
        ("shuffled", VotingMethod.PLURALITY, NomineeOrder.SHUFFLED),
        ("ranked", VotingMethod.IRV, NomineeOrder.SHUFFLED),
    ]
    specs.append(("curated", VotingMethod.PLURALITY, NomineeOrder.CURATED))
    for order, (slug, method, ballot_order_) in enumerate(specs):
        category = CategoryFactory(
            edition=edition, slug=slug, title=f"Best {slug}", method=method, order=order, ballot_order=ballot_order_
        )
        for n, name in enumerate(CURATED):
            NomineeFactory(category=category, name=f"{name} {slug}", order=n)
    return edition


def _category(edition: Edition, slug: str) -> Category:
    return edition.categories.get(slug=slug)


def _on_ballot(body: str, category: Category) -> list[str]:
    """The nominee names of one category's fieldset, in the order the page lists them."""
    found = re.search(rf'<fieldset[^>]*id="category-{category.pk}".*?</fieldset>', body, re.S)
    assert found, f"no fieldset for {category.slug}"
    names = re.findall(r'<span class="ballot-nominee__name">([^<]+)</span>', found.group(0))
    return [name.removesuffix(f" {category.slug}") for name in names]


def _in_page(body: str, category: Category) -> list[str]:
    """The nominee names in the order of their first mention on a (category or results) page."""
    positions = {name: body.find(f"{name} {category.slug}") for name in CURATED}
    assert all(at >= 0 for at in positions.values()), positions
    return sorted(CURATED, key=positions.__getitem__)


def _ballot(client: Client, edition: Edition) -> str:
    response = client.get(reverse("voting:ballot", args=[edition.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _order(member: User, category: Category) -> list[str]:
    return [n.name.removesuffix(f" {category.slug}") for n in ballot_order(member, category, category.nominees.all())]


def _two_members_with_different_orders(edition: Edition) -> tuple[User, User]:
    """Two members whose shuffled orders differ from each other and from the curated one.

    Chosen, not assumed: the orders come from a keyed hash, so this looks for such a pair
    among a few members (with eight nominees the first two almost always qualify).
    """
    shuffled = _category(edition, "shuffled")
    members = [UserFactory() for _ in range(4)]
    candidates = [m for m in members if _order(m, shuffled) != CURATED]
    for first in candidates:
        for second in candidates:
            if _order(first, shuffled) != _order(second, shuffled):
                return first, second
    raise AssertionError("no two members with different shuffled orders: the ballot order is not shuffled")


def test_a_member_sees_the_same_shuffled_order_on_every_request_and_in_a_new_session(edition: Edition) -> None:
    member, _ = _two_members_with_different_orders(edition)
    shuffled, ranked = _category(edition, "shuffled"), _category(edition, "ranked")
    client = Client()
    client.force_login(member)
    first = _ballot(client, edition)
    assert _on_ballot(first, shuffled) != CURATED  # the ballot really is shuffled for this member
    assert sorted(_on_ballot(first, shuffled)) == CURATED  # every nominee once
    assert _on_ballot(first, ranked) != CURATED
    again = _ballot(client, edition)
    elsewhere = Client()  # another browser: a new session
    elsewhere.force_login(member)
    later = _ballot(elsewhere, edition)
    for body in (again, later):
        assert _on_ballot(body, shuffled) == _on_ballot(first, shuffled)
        assert _on_ballot(body, ranked) == _on_ballot(first, ranked)


def test_two_members_see_different_orders_and_curated_categories_keep_theirs(edition: Edition) -> None:
    first, second = _two_members_with_different_orders(edition)
    shuffled, curated = _category(edition, "shuffled"), _category(edition, "curated")
    pages = []
    for member in (first, second):
        client = Client()
        client.force_login(member)
        pages.append(_ballot(client, edition))
    assert _on_ballot(pages[0], shuffled) != _on_ballot(pages[1], shuffled)
    assert _on_ballot(pages[0], curated) == _on_ballot(pages[1], curated) == CURATED


def test_the_order_depends_on_the_category_too(edition: Edition) -> None:
    """Two shuffled categories with the same nominees are not shuffled alike for one member."""
    members = [UserFactory() for _ in range(4)]
    shuffled, ranked = _category(edition, "shuffled"), _category(edition, "ranked")
    assert any(_order(m, shuffled) != _order(m, ranked) for m in members)


def test_the_category_and_results_pages_keep_the_curated_order(edition: Edition) -> None:
    first, second = _two_members_with_different_orders(edition)
    shuffled = _category(edition, "shuffled")
    page_url = reverse("awards:category", args=[edition.slug, shuffled.slug])
    results_url = reverse("voting:category_results", args=[edition.slug, shuffled.slug])
    # Birch leads with two votes, Fir follows with one; the rest are tied at none.
    picks = {"Birch": 2, "Fir": 1}
    for name, votes in picks.items():
        nominee = shuffled.nominees.get(name=f"{name} shuffled")
        for _ in range(votes):
            submit_ballot(
                voter=UserFactory(), edition=edition, selections={shuffled.pk: [nominee.pk]}, expected_version=0
            )
    recompute_edition(edition.pk)
    standing = ["Birch", "Fir", *(name for name in CURATED if name not in picks)]
    for viewer in (None, first, second):
        client = Client()
        if viewer:
            client.force_login(viewer)
        assert _in_page(client.get(page_url).content.decode(), shuffled) == CURATED
        results = client.get(results_url)
        assert results.status_code == 200
        assert _in_page(results.content.decode(), shuffled) == standing


def test_the_order_survives_the_review_step_without_javascript(edition: Edition) -> None:
    member, _ = _two_members_with_different_orders(edition)
    shuffled, ranked = _category(edition, "shuffled"), _category(edition, "ranked")
    client = Client()
    client.force_login(member)
    before = _ballot(client, edition)
    mine = {slug: _on_ballot(before, _category(edition, slug)) for slug in ("shuffled", "ranked")}
    ranked_ids = {n.name.removesuffix(" ranked"): n.pk for n in ranked.nominees.all()}
    last_two = mine["ranked"][-2:]  # rank the two listed last: 1st and 2nd
    data = {
        "version": "0",
        field_name(shuffled.pk): str(shuffled.nominees.get(name=f"{mine['shuffled'][-1]} shuffled").pk),
        **{f"{field_name(ranked.pk)}-{ranked_ids[name]}": str(rank) for rank, name in enumerate(last_two, 1)},
    }
    review = client.post(reverse("voting:ballot", args=[edition.slug]), data)
    assert review.status_code == 200 and review.templates[0].name == "voting/review.html"
    back = client.post(reverse("voting:ballot_edit", args=[edition.slug]), data)
    assert back.status_code == 200
    body = back.content.decode()
    assert {slug: _on_ballot(body, _category(edition, slug)) for slug in mine} == mine
    invalid = client.post(reverse("voting:ballot", args=[edition.slug]), {**data, field_name(shuffled.pk): "0"})
    assert invalid.status_code == 400  # the page shown again with an error keeps the order too
    assert _on_ballot(invalid.content.decode(), shuffled) == mine["shuffled"]
