import pytest

from awards.models import Category, Edition, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory


@pytest.fixture
def edition() -> Edition:
    """An open edition with a plurality, an approval (max 2) and an IRV category, 3 nominees each."""
    edition = EditionFactory(name="Open Awards", slug="open-awards")
    specs = [
        ("fund", VotingMethod.PLURALITY, None),
        ("wallet", VotingMethod.APPROVAL, 2),
        ("chain", VotingMethod.IRV, None),
    ]
    for order, (slug, method, max_choices) in enumerate(specs):
        category = CategoryFactory(
            edition=edition, slug=slug, title=f"Best {slug}", method=method, max_choices=max_choices, order=order
        )
        for n in range(3):
            NomineeFactory(category=category, name=f"{slug}-{n}", order=n)
    return edition


def category(edition: Edition, slug: str) -> Category:
    return edition.categories.get(slug=slug)


def nominee_ids(edition: Edition, slug: str) -> list[int]:
    return list(category(edition, slug).nominees.order_by("order").values_list("pk", flat=True))
