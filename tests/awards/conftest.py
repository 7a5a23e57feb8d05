from datetime import timedelta

import pytest
from django.utils import timezone

from awards.models import Category
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory


@pytest.fixture
def nominating_category() -> Category:
    """A category of a public edition whose nominations window is open now (voting opens in two days)."""
    now = timezone.now()
    edition = EditionFactory(
        name="Moon Awards 2026",
        slug="moon-awards-2026",
        nominations_open_at=now - timedelta(days=1),
        nominations_close_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=9),
    )
    category = CategoryFactory(edition=edition, title="Best Wallet", slug="best-wallet")
    NomineeFactory(category=category, name="Ledger")
    return category
