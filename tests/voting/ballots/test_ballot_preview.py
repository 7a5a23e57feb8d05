"""Staff preview the exact ballot of a draft or not-yet-open edition, with its checks; nothing is stored."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition
from tests.factories import StaffFactory, UserFactory
from tests.voting.ballots.test_ballot_views import _post_data
from tests.voting.conftest import category
from voting.models import Ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(edition: Edition) -> Edition:
    now = timezone.now()
    Edition.objects.filter(pk=edition.pk).update(
        is_public=False, voting_opens_at=now + timedelta(days=10), voting_closes_at=now + timedelta(days=20)
    )
    edition.refresh_from_db()
    return edition


def _url(edition: Edition) -> str:
    return reverse("voting:ballot_preview", args=[edition.slug])


def test_staff_see_the_ballot_of_a_draft_that_has_not_opened(client: Client, draft: Edition) -> None:
    client.force_login(StaffFactory())
    page = client.get(_url(draft))
    content = page.content.decode()
    assert page.status_code == 200
    assert "This is the ballot members will see, with its checks. Nothing you choose here is stored." in content
    assert [field.label for field in page.context["form"].visible_fields()] == [
        "Best fund",
        "Best wallet",
        "Best chain",
    ]
    assert "opens on" not in content  # no window message in a preview
    admin_page = client.get(reverse("admin:awards_edition_change", args=[draft.pk])).content.decode()
    assert f'<a href="{_url(draft)}">Preview the ballot</a>' in admin_page


def test_the_preview_shows_the_validation_messages(client: Client, draft: Edition) -> None:
    client.force_login(StaffFactory())
    response = client.post(_url(draft), _post_data(draft, wallet=(0, 1, 2)))
    assert response.status_code == 400
    assert response.context["form"].errors[f"category-{category(draft, 'wallet').pk}"] == [
        "Approve at most 2 nominees."
    ]
    assert "Approve at most 2 nominees." in response.content.decode()
    assert Ballot.objects.count() == 0


def test_a_valid_preview_reaches_the_review_and_stores_nothing(client: Client, draft: Edition) -> None:
    client.force_login(StaffFactory())
    review = client.post(_url(draft), _post_data(draft))
    content = review.content.decode()
    assert [s.nominees for s in review.context["summary"]] == [
        ["fund-0"],
        ["wallet-0", "wallet-2"],
        ["chain-2", "chain-0"],
    ]
    assert "Submit my ballot</button>" not in content
    assert "Preview for staff: a member would submit here. Nothing is stored from a preview." in content
    assert reverse("voting:ballot_submit", args=[draft.slug]) not in content
    back = client.post(_url(draft), {**_post_data(draft), "edit": "1"})
    assert back.status_code == 200
    assert back.context["form"].selections == review.context["form"].selections  # the choices come back
    assert "Review my ballot" in back.content.decode()
    assert Ballot.objects.count() == 0


def test_members_cannot_preview(client: Client, draft: Edition) -> None:
    client.force_login(UserFactory())
    response = client.get(_url(draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
