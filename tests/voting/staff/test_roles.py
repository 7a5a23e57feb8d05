"""Staff roles: a curator prepares editions, a moderator keeps the vote honest; nobody else gets in."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from awards.models import Nomination
from awards.nominations import suggest_nominee
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotStatus

pytestmark = pytest.mark.django_db

CURATED = ("edition", "category", "nominee")


def _staff_in(*roles: str) -> User:
    user = UserFactory(is_staff=True)
    user.groups.set(Group.objects.filter(name__in=roles))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def world() -> dict[str, object]:
    """An open edition with a ballot, and a nominating edition with a suggestion."""
    edition = EditionFactory()
    category = CategoryFactory(edition=edition)
    nominee = NomineeFactory(category=category)
    ballot = submit_ballot(
        voter=UserFactory(), edition=edition, selections={category.pk: [nominee.pk]}, expected_version=0
    ).ballot
    now = timezone.now()
    nominating = EditionFactory(
        nominations_open_at=now - timedelta(days=1),
        nominations_close_at=now + timedelta(days=1),
        voting_opens_at=now + timedelta(days=2),
        voting_closes_at=now + timedelta(days=3),
    )
    suggestion = suggest_nominee(
        member=UserFactory(), category=CategoryFactory(edition=nominating), name="Suggested", why="x"
    )
    return {"edition": edition, "category": category, "nominee": nominee, "ballot": ballot, "nomination": suggestion}


def _status(client: Client, name: str, *args: object) -> int:
    return client.get(reverse(name, args=args)).status_code


def _actions(client: Client, changelist: str) -> list[str]:
    response = client.get(reverse(changelist))
    form = response.context.get("action_form") if response.context else None
    return [value for value, _ in form.fields["action"].choices if value] if form else []


def _permissions(group: str) -> set[str]:
    found = Group.objects.get(name=group).permissions.values_list("content_type__app_label", "codename")
    return {f"{app_label}.{codename}" for app_label, codename in found}


def test_both_groups_exist_with_exactly_their_permissions() -> None:
    assert _permissions("curator") == {
        *(f"awards.{verb}_{model}" for verb in ("add", "change", "delete", "view") for model in CURATED),
        "awards.view_nomination",
        "awards.review_nomination",
        "awards.run_edition",
        "voting.view_editionaudit",
        "voting.view_outgoingmail",
    }
    assert _permissions("moderator") == {
        "awards.view_edition",
        "awards.publish_results",
        "voting.view_ballot",
        "voting.moderate_ballot",
        "voting.view_ballotaudit",
        "voting.view_editionaudit",
        "voting.view_outgoingmail",
    }


def test_the_edition_permissions_are_declared_on_the_edition_only() -> None:
    """`run_edition` and `publish_results` guard the edition: no stale copy is left on the audit model."""
    stored = Permission.objects.filter(codename__in=("run_edition", "publish_results"))
    assert sorted(stored.values_list("content_type__app_label", "content_type__model", "codename")) == [
        ("awards", "edition", "publish_results"),
        ("awards", "edition", "run_edition"),
    ]
    curator, moderator = _staff_in("curator"), _staff_in("moderator")
    assert (curator.has_perm("awards.run_edition"), curator.has_perm("awards.publish_results")) == (True, False)
    assert (moderator.has_perm("awards.run_edition"), moderator.has_perm("awards.publish_results")) == (False, True)
    assert not any(u.has_perm(f"voting.{p}") for u in (curator, moderator) for p in ("run_edition", "publish_results"))


def test_curator_curates_and_reviews_nominations_but_not_ballots(client: Client, world) -> None:
    client.force_login(_staff_in("curator"))
    edition, category = world["edition"], world["category"]
    assert _status(client, "admin:awards_edition_add") == 200
    assert _status(client, "admin:awards_category_change", category.pk) == 200
    assert _status(client, "admin:awards_nominee_add") == 200
    assert _status(client, "admin:awards_nomination_changelist") == 200
    assert _status(client, "admin:awards_edition_turnout", edition.pk) == 200
    assert _status(client, "admin:voting_ballot_changelist") == 403
    assert _status(client, "admin:voting_ballotaudit_changelist") == 403
    assert _status(client, "admin:voting_ballot_clusters") == 403
    assert sorted(_actions(client, "admin:awards_edition_changelist")) == [
        "close_nominations_selected",
        "close_voting_selected",
        "delete_selected",
        "duplicate_selected",
        "open_nominations_selected",
        "open_voting_selected",
    ]
    assert "approve_selected" in _actions(client, "admin:awards_nomination_changelist")
    nomination = world["nomination"]
    client.post(
        reverse("admin:awards_nomination_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [nomination.pk]},
    )
    assert Nomination.objects.get(pk=nomination.pk).status == "approved"


def test_moderator_reviews_ballots_and_publishes_but_does_not_curate(client: Client, world) -> None:
    client.force_login(_staff_in("moderator"))
    edition, ballot = world["edition"], world["ballot"]
    assert _status(client, "admin:voting_ballot_changelist") == 200
    assert _status(client, "admin:voting_ballot_change", ballot.pk) == 200
    assert _status(client, "admin:voting_ballotaudit_changelist") == 200
    assert _status(client, "admin:voting_editionaudit_changelist") == 200
    assert _status(client, "admin:voting_ballot_clusters") == 200
    assert _status(client, "admin:awards_edition_turnout", edition.pk) == 200
    assert _status(client, "admin:awards_edition_add") == 403
    assert _status(client, "admin:awards_nominee_add") == 403
    assert _status(client, "admin:awards_category_changelist") == 403
    assert _status(client, "admin:awards_nomination_changelist") == 403
    change = client.post(reverse("admin:awards_edition_change", args=[edition.pk]), {"name": "Renamed"})
    assert change.status_code == 403
    assert sorted(_actions(client, "admin:awards_edition_changelist")) == [
        "publish_selected",
        "recompute_selected",
        "unpublish_selected",
    ]
    assert sorted(_actions(client, "admin:voting_ballot_changelist")) == ["invalidate_selected", "restore_selected"]
    client.post(
        reverse("admin:voting_ballot_changelist"),
        {"action": "invalidate_selected", ACTION_CHECKBOX_NAME: [ballot.pk], "apply": "1", "reason": "fraud"},
    )
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.INVALIDATED


def test_curator_cannot_invalidate_even_by_posting_the_action(client: Client, world) -> None:
    client.force_login(_staff_in("curator"))
    ballot = world["ballot"]
    response = client.post(
        reverse("admin:voting_ballot_changelist"),
        {"action": "invalidate_selected", ACTION_CHECKBOX_NAME: [ballot.pk], "apply": "1", "reason": "x"},
    )
    assert response.status_code == 403
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.COUNTED


def test_moderator_cannot_review_nominations_by_posting_the_action(client: Client, world) -> None:
    client.force_login(_staff_in("moderator"))
    nomination = world["nomination"]
    response = client.post(
        reverse("admin:awards_nomination_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [nomination.pk]},
    )
    assert response.status_code == 403
    assert Nomination.objects.get(pk=nomination.pk).status == "pending"


def test_superuser_has_both_roles(client: Client, world) -> None:
    client.force_login(StaffFactory())
    assert _status(client, "admin:voting_ballot_changelist") == 200
    assert _status(client, "admin:awards_nomination_changelist") == 200
    assert {"publish_selected", "open_voting_selected"} <= set(_actions(client, "admin:awards_edition_changelist"))


@pytest.mark.parametrize("roles", [(), ("curator", "moderator")])
def test_members_and_visitors_never_reach_the_admin(client: Client, world, roles: tuple[str, ...]) -> None:
    member = UserFactory()  # not staff, even if someone put them in a group
    member.groups.set(Group.objects.filter(name__in=roles))
    for name, args in [
        ("admin:index", []),
        ("admin:voting_ballot_changelist", []),
        ("admin:voting_ballot_clusters", []),
        ("admin:awards_edition_turnout", [world["edition"].pk]),
        ("admin:awards_nomination_changelist", []),
    ]:
        client.logout()
        anonymous = client.get(reverse(name, args=args))
        client.force_login(member)
        logged_in = client.get(reverse(name, args=args))
        for response in (anonymous, logged_in):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
