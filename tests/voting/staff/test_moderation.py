"""Invalidating and restoring ballots: the service, its audit rows and the recompute it asks for."""

import pytest
from django.db import IntegrityError

from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import AuditAction, Ballot, BallotAudit, BallotStatus, CategoryResult, ResultsState
from voting.staff.moderation import ModerationRefused, invalidate_ballots, restore_ballots

pytestmark = pytest.mark.django_db


def _vote(edition, fund: int) -> Ballot:
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[fund]]}
    return submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0).ballot


def _fund_scores(edition) -> list[tuple[int, int]]:
    release = ResultsState.objects.get(edition=edition).current_release
    result = CategoryResult.objects.get(release=release, category=category(edition, "fund"))
    return [(row["nominee"], row["score"]) for row in result.standings]


def test_invalidate_then_restore_changes_the_standings_after_recompute(
    edition, django_capture_on_commit_callbacks
) -> None:
    fund = nominee_ids(edition, "fund")
    with django_capture_on_commit_callbacks(execute=True):
        suspects = [_vote(edition, 1), _vote(edition, 1), _vote(edition, 1)]
        _vote(edition, 0)
        _vote(edition, 0)
    assert _fund_scores(edition)[:2] == [(fund[1], 3), (fund[0], 2)]
    staff = StaffFactory()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = invalidate_ballots(ballot_ids=[b.pk for b in suspects], reason="Same /24, same agent", by=staff)
    assert sorted(outcome.changed) == sorted(b.pk for b in suspects)
    assert outcome.skipped == []
    assert _fund_scores(edition)[:2] == [(fund[0], 2), (fund[1], 0)]
    assert ResultsState.objects.get(edition=edition).current_release.ballots_counted == 2

    with django_capture_on_commit_callbacks(execute=True):
        restore_ballots(ballot_ids=[suspects[0].pk], reason="Owner proved identity", by=staff)
    assert _fund_scores(edition)[:2] == [(fund[0], 2), (fund[1], 1)]


def test_each_change_writes_one_audit_row_with_before_and_after(edition) -> None:
    ballot = _vote(edition, 0)
    staff = StaffFactory(email="mod@example.com")
    invalidate_ballots(ballot_ids=[ballot.pk], reason="  bought votes  ", by=staff)
    ballot.refresh_from_db()
    assert (ballot.status, ballot.status_reason, ballot.status_changed_by) == (
        BallotStatus.INVALIDATED,
        "bought votes",
        staff,
    )
    audit = BallotAudit.objects.get()
    assert (audit.ballot, audit.edition, audit.action, audit.reason, audit.actor, audit.actor_email) == (
        ballot,
        edition,
        AuditAction.INVALIDATE,
        "bought votes",
        staff,
        "mod@example.com",
    )
    assert audit.before == {
        "status": "counted",
        "status_reason": "",
        "status_changed_at": None,
        "status_changed_by": None,
    }
    assert audit.after == {
        "status": "invalidated",
        "status_reason": "bought votes",
        "status_changed_at": ballot.status_changed_at.isoformat(),
        "status_changed_by": staff.pk,
    }


def test_changing_to_the_same_status_is_skipped_without_audit(edition) -> None:
    ballot = _vote(edition, 0)
    staff = StaffFactory()
    restored = restore_ballots(ballot_ids=[ballot.pk], reason="already counted", by=staff)
    assert (restored.changed, restored.skipped) == ([], [ballot.pk])
    invalidate_ballots(ballot_ids=[ballot.pk], reason="first", by=staff)
    again = invalidate_ballots(ballot_ids=[ballot.pk], reason="second", by=staff)
    assert (again.changed, again.skipped) == ([], [ballot.pk])
    assert list(BallotAudit.objects.values_list("reason", flat=True)) == ["first"]


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_reason_is_required(edition, reason: str) -> None:
    ballot = _vote(edition, 0)
    with pytest.raises(ModerationRefused, match="Give a reason"):
        invalidate_ballots(ballot_ids=[ballot.pk], reason=reason, by=StaffFactory())
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.COUNTED
    assert not BallotAudit.objects.exists()


def test_stored_audit_rows_cannot_be_saved_again_or_lack_a_reason(edition) -> None:
    ballot = _vote(edition, 0)
    invalidate_ballots(ballot_ids=[ballot.pk], reason="fraud", by=StaffFactory())
    audit = BallotAudit.objects.get()
    audit.reason = "rewritten"
    with pytest.raises(ValueError, match="immutable"):
        audit.save()
    with pytest.raises(IntegrityError):
        BallotAudit.objects.filter(pk=audit.pk).update(reason="")


def test_invalidated_ballot_stays_stored_with_its_votes(edition) -> None:
    ballot = _vote(edition, 0)
    invalidate_ballots(ballot_ids=[ballot.pk], reason="fraud", by=StaffFactory())
    assert Ballot.objects.get(pk=ballot.pk).votes.count() == 1
    assert Ballot.objects.counted().count() == 0
