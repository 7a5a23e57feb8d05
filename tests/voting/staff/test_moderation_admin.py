"""Ballot review in the admin: listing, reason-asking actions, and an audit nobody can edit."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotAudit, BallotStatus
from voting.staff.moderation import invalidate_ballots

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:voting_ballot_changelist"


def _vote(edition, fund: int = 0) -> Ballot:
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[fund]]}
    return submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0).ballot


def _action(client: Client, action: str, ballots: list[Ballot], **extra: str):
    data = {"action": action, ACTION_CHECKBOX_NAME: [b.pk for b in ballots], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_changelist_query_count_does_not_grow_with_ballots(edition, client: Client, django_assert_max_num_queries):
    client.force_login(StaffFactory())
    _vote(edition)
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    for _ in range(4):
        _vote(edition)
    with django_assert_max_num_queries(12) as five:
        response = client.get(reverse(CHANGELIST))
    assert len(five.captured_queries) == len(one.captured_queries)
    assert response.context["cl"].result_count == 5


def test_invalidate_action_asks_for_a_reason_before_changing_anything(edition, client: Client) -> None:
    ballots = [_vote(edition), _vote(edition)]
    client.force_login(StaffFactory())
    response = _action(client, "invalidate_selected", ballots)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/voting/ask_reason.html"
    assert b"Invalidate ballots: 2 selected" in response.content
    assert Ballot.objects.counted().count() == 2

    missing = _action(client, "invalidate_selected", ballots, apply="Confirm", reason="  ")
    assert missing.status_code == 200
    assert missing.context["form"].errors == {"reason": ["This field is required."]}
    assert Ballot.objects.counted().count() == 2


def test_invalidate_and_restore_actions_call_the_service(edition, client: Client) -> None:
    ballots = [_vote(edition), _vote(edition)]
    staff = StaffFactory()
    client.force_login(staff)
    done = _action(client, "invalidate_selected", ballots, apply="Confirm", reason="ring of sock puppets")
    assert done.status_code == 302
    assert Ballot.objects.counted().count() == 0
    assert (
        list(BallotAudit.objects.values_list("action", "reason", "actor"))
        == [("invalidate", "ring of sock puppets", staff.pk)] * 2
    )
    restored = _action(client, "restore_selected", ballots[:1], apply="Confirm", reason="cleared")
    assert restored.status_code == 302
    assert list(Ballot.objects.order_by("pk").values_list("status", flat=True)) == [
        BallotStatus.COUNTED,
        BallotStatus.INVALIDATED,
    ]
    messages = [str(m) for m in client.get(reverse(CHANGELIST)).context["messages"]]
    assert messages == ["Invalidate ballots: 2 ballot(s) changed.", "Restore ballots: 1 ballot(s) changed."]


def test_ballots_cannot_be_added_edited_or_deleted_in_the_admin(edition, client: Client) -> None:
    ballot = _vote(edition)
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:voting_ballot_add")).status_code == 403
    assert (
        client.post(reverse("admin:voting_ballot_change", args=[ballot.pk]), {"status": "invalidated"}).status_code
        == 403
    )
    assert client.post(reverse("admin:voting_ballot_delete", args=[ballot.pk]), {"post": "yes"}).status_code == 403
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.COUNTED


def test_audit_rows_are_visible_but_never_editable_or_deletable(edition, client: Client) -> None:
    ballot = _vote(edition)
    invalidate_ballots(ballot_ids=[ballot.pk], reason="fraud", by=StaffFactory())
    audit = BallotAudit.objects.get()
    client.force_login(StaffFactory())
    listing = client.get(reverse("admin:voting_ballotaudit_changelist"))
    assert listing.status_code == 200
    assert b"fraud" in listing.content
    page = client.get(reverse("admin:voting_ballotaudit_change", args=[audit.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b"deletelink" not in page.content
    assert client.post(reverse("admin:voting_ballotaudit_change", args=[audit.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("admin:voting_ballotaudit_delete", args=[audit.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:voting_ballotaudit_add")).status_code == 403
    bulk_delete = client.post(
        reverse("admin:voting_ballotaudit_changelist"), {"action": "delete_selected", ACTION_CHECKBOX_NAME: [audit.pk]}
    )
    assert bulk_delete.status_code == 200  # unknown action: the list is shown again, nothing deleted
    assert BallotAudit.objects.get().reason == "fraud"


def test_members_never_reach_ballot_review(edition, client: Client) -> None:
    client.force_login(UserFactory())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
