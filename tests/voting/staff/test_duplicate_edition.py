"""Copy last year's edition: categories, methods, settings, nominees if asked, new dates, audited."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, ResultsVisibility, VotingMethod
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.models import Ballot, EditionAction, EditionAudit

pytestmark = pytest.mark.django_db


@pytest.fixture
def last_year() -> Edition:
    now = timezone.now()
    edition = EditionFactory(
        name="Moon Awards 2024",
        slug="moon-awards-2024",
        voting_opens_at=now - timedelta(days=300),
        voting_closes_at=now - timedelta(days=290),
        results_visibility=ResultsVisibility.PUBLISHED,
        min_account_age_days=7,
        allowed_email_domains="example.com",
    )
    fund = CategoryFactory(edition=edition, title="Best fund", slug="fund", order=1)
    CategoryFactory(
        edition=edition, title="Best wallet", slug="wallet", order=2, method=VotingMethod.APPROVAL, max_choices=2
    )
    NomineeFactory(category=fund, name="BlackRock", ticker="IBIT", website="https://www.ishares.com/", order=1)
    NomineeFactory(category=fund, name="Valkyrie", active=False, order=2)
    Ballot.objects.create(edition=edition, voter=UserFactory(), submitted_at=now, updated_at=now)
    return edition


def _form(client: Client, edition: Edition, **data: object):
    return client.post(
        reverse("admin:awards_edition_changelist"),
        {"action": "duplicate_selected", ACTION_CHECKBOX_NAME: [edition.pk], **data},
    )


def _dates(prefix: str, moment) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {f"{prefix}_0": local.strftime("%Y-%m-%d"), f"{prefix}_1": local.strftime("%H:%M:%S")}


def test_the_copy_form_offers_next_year(client: Client, last_year: Edition) -> None:
    client.force_login(StaffFactory())
    form = _form(client, last_year).context["form"]
    assert (form.initial["name"], form.initial["slug"]) == ("Moon Awards 2025", "moon-awards-2025")
    assert form.initial["voting_opens_at"] == last_year.voting_opens_at + timedelta(weeks=52)


@pytest.mark.parametrize("with_nominees", [True, False])
def test_the_copy_has_the_categories_settings_and_chosen_nominees(
    client: Client, last_year: Edition, with_nominees: bool
) -> None:
    staff = StaffFactory(email="curator@example.com")
    client.force_login(staff)
    opens = (timezone.now() + timedelta(days=60)).replace(microsecond=0)
    data = {
        "apply": "yes",
        "name": "Moon Awards 2025",
        "slug": "moon-awards-2025",
        **_dates("voting_opens_at", opens),
        **_dates("voting_closes_at", opens + timedelta(days=10)),
        **({"with_nominees": "on"} if with_nominees else {}),
    }
    response = _form(client, last_year, **data)
    copy = Edition.objects.get(slug="moon-awards-2025")
    assert response["Location"] == reverse("admin:awards_edition_change", args=[copy.pk])
    assert (copy.name, copy.is_public, copy.voting_opens_at, copy.published_at) == (
        "Moon Awards 2025",
        False,
        opens,
        None,
    )
    assert (copy.results_visibility, copy.min_account_age_days, copy.allowed_email_domains) == (
        ResultsVisibility.PUBLISHED,
        7,
        "example.com",
    )
    categories = list(copy.categories.order_by("order").values_list("title", "slug", "method", "max_choices"))
    assert categories == [("Best fund", "fund", "plurality", None), ("Best wallet", "wallet", "approval", 2)]
    nominees = list(
        copy.categories.get(slug="fund").nominees.order_by("order").values_list("name", "ticker", "website", "active")
    )
    expected = [("BlackRock", "IBIT", "https://www.ishares.com/", True), ("Valkyrie", "", "", False)]
    assert nominees == (expected if with_nominees else [])
    assert not copy.ballots.exists()
    audit = EditionAudit.objects.get(edition=copy)
    assert (audit.action, audit.actor_email, audit.before["copied_from"]) == (
        EditionAction.DUPLICATE,
        "curator@example.com",
        last_year.pk,
    )
    assert last_year.categories.count() == 2  # the source is untouched


def test_a_taken_slug_or_bad_dates_store_nothing(client: Client, last_year: Edition) -> None:
    client.force_login(StaffFactory())
    opens = timezone.now() + timedelta(days=60)
    response = _form(
        client,
        last_year,
        apply="yes",
        name="Again",
        slug="moon-awards-2024",
        **_dates("voting_opens_at", opens),
        **_dates("voting_closes_at", opens - timedelta(days=1)),
    )
    errors = response.context["form"].errors
    assert errors["slug"] == ["Edition with this Slug already exists."]
    assert errors["__all__"] == ["Voting must close after it opens."]
    assert Edition.objects.count() == 1
