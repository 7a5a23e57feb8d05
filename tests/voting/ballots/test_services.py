from datetime import timedelta

import pytest
from django.utils import timezone

from awards.models import Edition
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.rules import STALE_MESSAGE, BallotRejected
from voting.ballots.selectors import selections_of
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotStatus, Receipt, Vote

pytestmark = pytest.mark.django_db


def _full(edition) -> dict[int, list[int]]:
    fund, wallet, chain = nominee_ids(edition, "fund"), nominee_ids(edition, "wallet"), nominee_ids(edition, "chain")
    return {
        category(edition, "fund").pk: [fund[0]],
        category(edition, "wallet").pk: [wallet[0], wallet[2]],
        category(edition, "chain").pk: [chain[2], chain[0]],
    }


def _reject(code: str, **kwargs) -> BallotRejected:
    with pytest.raises(BallotRejected) as raised:
        submit_ballot(**kwargs)
    assert raised.value.code == code
    return raised.value


def test_first_ballot_stores_votes_ranks_and_a_receipt(edition, django_capture_on_commit_callbacks) -> None:
    voter = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        stored = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    assert stored.changed is True
    assert stored.ballot.version == 1
    assert stored.receipt.ballot_version == 1
    assert selections_of(stored.ballot) == _full(edition)
    chain = category(edition, "chain")
    assert list(Vote.objects.filter(category=chain).values_list("rank", flat=True)) == [1, 2]
    assert set(Vote.objects.exclude(category=chain).values_list("rank", flat=True)) == {None}
    assert len(callbacks) == 1  # the receipt e-mail and the recompute request (one message) wait for the commit


def test_abstaining_everywhere_is_a_valid_empty_ballot(edition) -> None:
    stored = submit_ballot(voter=UserFactory(), edition=edition, selections={}, expected_version=0)
    assert Vote.objects.filter(ballot=stored.ballot).count() == 0


def test_change_replaces_the_ballot_and_issues_a_new_receipt(edition) -> None:
    voter = UserFactory()
    first = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    fund = nominee_ids(edition, "fund")
    second = submit_ballot(
        voter=voter, edition=edition, selections={category(edition, "fund").pk: [fund[1]]}, expected_version=1
    )
    assert second.ballot.pk == first.ballot.pk
    assert second.ballot.version == 2
    assert selections_of(second.ballot) == {category(edition, "fund").pk: [fund[1]]}
    assert second.receipt.code != first.receipt.code
    assert Receipt.objects.filter(ballot=first.ballot).count() == 2
    assert Ballot.objects.count() == 1


def test_replayed_old_form_is_refused_and_changes_nothing(edition) -> None:
    voter = UserFactory()
    submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    fund = nominee_ids(edition, "fund")
    submit_ballot(
        voter=voter, edition=edition, selections={category(edition, "fund").pk: [fund[1]]}, expected_version=1
    )
    rejected = _reject(
        "stale", voter=voter, edition=edition, selections={category(edition, "fund").pk: [fund[2]]}, expected_version=1
    )
    assert rejected.problems == {None: [STALE_MESSAGE]}
    assert selections_of(Ballot.objects.get()) == {category(edition, "fund").pk: [fund[1]]}


def test_double_submission_of_the_same_content_is_a_quiet_success(edition) -> None:
    voter = UserFactory()
    first = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    again = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    assert again.changed is False
    assert again.receipt == first.receipt
    assert Ballot.objects.get().version == 1


def test_resubmitting_the_same_choices_with_the_current_version_is_a_quiet_no_op(
    edition, django_capture_on_commit_callbacks
) -> None:
    voter = UserFactory()
    first = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    with django_capture_on_commit_callbacks() as callbacks:
        again = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=1)
    assert (again.changed, again.receipt) == (False, first.receipt)
    assert (Ballot.objects.get().version, Receipt.objects.count()) == (1, 1)
    assert callbacks == []  # no recompute asked for


@pytest.mark.parametrize(
    ("build", "key", "message"),
    [
        (lambda e, ids: {ids["fund"]: [ids["fund_n"][0], ids["fund_n"][1]]}, "fund", "Choose one nominee at most."),
        (lambda e, ids: {ids["wallet"]: ids["wallet_n"]}, "wallet", "Approve at most 2 nominees."),
        (lambda e, ids: {ids["fund"]: [ids["chain_n"][0]]}, "fund", "“{chain0}” is not a nominee in Best fund."),
        (lambda e, ids: {ids["fund"]: [999999]}, "fund", "“999999” is not a nominee in Best fund."),
        (
            lambda e, ids: {ids["chain"]: [ids["chain_n"][0], ids["chain_n"][0]]},
            "chain",
            "The same nominee is chosen more than once.",
        ),
        (
            lambda e, ids: {ids["other"]: [ids["other_n"]]},
            None,
            "This ballot names a category that is not part of Open Awards.",
        ),
    ],
)
def test_invalid_ballots_are_refused_with_a_specific_message(edition, build, key, message) -> None:
    other = NomineeFactory(category=CategoryFactory(edition=EditionFactory()))
    ids = {slug: category(edition, slug).pk for slug in ("fund", "wallet", "chain")}
    ids |= {f"{slug}_n": nominee_ids(edition, slug) for slug in ("fund", "wallet", "chain")}
    ids |= {"other": other.category_id, "other_n": other.pk}
    voter = UserFactory()
    rejected = _reject("invalid", voter=voter, edition=edition, selections=build(edition, ids), expected_version=0)
    expected_key = ids[key] if key else None
    assert rejected.problems == {expected_key: [message.format(chain0=ids["chain_n"][0])]}
    assert Ballot.objects.count() == 0
    assert Vote.objects.count() == 0


def test_withdrawn_nominee_is_refused(edition) -> None:
    withdrawn = category(edition, "fund").nominees.get(name="fund-1")
    withdrawn.active = False
    withdrawn.save()
    rejected = _reject(
        "invalid",
        voter=UserFactory(),
        edition=edition,
        selections={withdrawn.category_id: [withdrawn.pk]},
        expected_version=0,
    )
    assert rejected.problems == {withdrawn.category_id: ["fund-1 has been withdrawn from Best fund."]}


def test_invalid_change_leaves_the_stored_ballot_exactly_as_it_was(edition) -> None:
    voter = UserFactory()
    submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    before = (selections_of(Ballot.objects.get()), Ballot.objects.get().version, Receipt.objects.count())
    wallet = nominee_ids(edition, "wallet")
    _reject(
        "invalid", voter=voter, edition=edition, selections={category(edition, "wallet").pk: wallet}, expected_version=1
    )
    assert (selections_of(Ballot.objects.get()), Ballot.objects.get().version, Receipt.objects.count()) == before


@pytest.mark.parametrize(
    ("opens", "closes", "code", "start"),
    [(1, 2, "not_open", "Voting in Open Awards opens on"), (-2, -1, "closed", "Voting in Open Awards closed on")],
)
def test_outside_the_voting_window_is_refused(edition, opens, closes, code, start) -> None:
    now = timezone.now()
    edition.voting_opens_at, edition.voting_closes_at = now + timedelta(days=opens), now + timedelta(days=closes)
    edition.save()
    rejected = _reject(code, voter=UserFactory(), edition=edition, selections=_full(edition), expected_version=0)
    assert rejected.problems[None][0].startswith(start)
    assert Ballot.objects.count() == 0


def test_unverified_member_is_refused(edition) -> None:
    rejected = _reject(
        "not_eligible", voter=UserFactory(verified=False), edition=edition, selections={}, expected_version=0
    )
    assert rejected.problems == {None: ["Verify your e-mail address before you vote."]}


def test_invalidated_ballot_stays_invalidated_when_changed(edition) -> None:
    voter = UserFactory()
    stored = submit_ballot(voter=voter, edition=edition, selections=_full(edition), expected_version=0)
    Ballot.objects.filter(pk=stored.ballot.pk).update(status=BallotStatus.INVALIDATED)
    changed = submit_ballot(voter=voter, edition=edition, selections={}, expected_version=1)
    assert Ballot.objects.get(pk=changed.ballot.pk).status == BallotStatus.INVALIDATED


def test_a_draft_takes_no_ballots_not_even_from_staff(edition) -> None:
    Edition.objects.filter(pk=edition.pk).update(is_public=False)
    edition.refresh_from_db()
    rejected = _reject(
        BallotRejected.NOT_OPEN, voter=StaffFactory(), edition=edition, selections=_full(edition), expected_version=0
    )
    assert rejected.problems == {None: [f"{edition.name} is still being prepared: voting has not opened."]}
    assert Ballot.objects.count() == 0
