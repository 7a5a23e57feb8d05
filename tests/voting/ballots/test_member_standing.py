"""Members always know where they stand: edition page states, set-aside ballots, receipt e-mails, receipt codes."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Ballot, NotificationOptOut, normalise_receipt_code
from voting.notifications.announcements import opt_out
from voting.staff.moderation import invalidate_ballots, restore_ballots

pytestmark = pytest.mark.django_db


def _vote(edition, voter) -> Ballot:
    fund = category(edition, "fund").pk
    return submit_ballot(
        voter=voter, edition=edition, selections={fund: [nominee_ids(edition, "fund")[0]]}, expected_version=0
    ).ballot


def _standing(client: Client, edition) -> str:
    body = client.get(edition.get_absolute_url()).content.decode()
    found = re.search(r'data-standing="([a-z_]+)"[^>]*>(.*?)</(p|div)>', body, re.S)
    if not found:
        return ""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(2))).strip()
    return f"{found.group(1)}: {text}"


def test_edition_page_shows_each_member_state(client: Client, edition) -> None:
    voter = UserFactory()
    client.force_login(voter)
    assert _standing(client, edition) == "vote_now: Vote now: you have not voted in Open Awards yet."
    ballot = _vote(edition, voter)
    closes = edition.voting_closes_at.strftime("%-d %b")
    assert _standing(client, edition) == f"voted: You voted ✓ — change your ballot until {closes} ."
    edition.voting_closes_at = timezone.now() - timedelta(minutes=1)
    edition.voting_opens_at = timezone.now() - timedelta(days=2)
    edition.save()
    assert _standing(client, edition) == "counted: Voting closed — your ballot counted."
    invalidate_ballots(
        ballot_ids=[ballot.pk], reason="burst", public_reason="Many ballots from one address.", by=StaffFactory()
    )
    assert _standing(client, edition).startswith("set_aside:")
    assert "Their reason: Many ballots from one address." in client.get(edition.get_absolute_url()).content.decode()
    client.force_login(UserFactory())
    assert _standing(client, edition) == "missed: Voting closed — you did not vote in this edition."
    client.logout()
    assert _standing(client, edition) == ""


def test_set_aside_voter_is_never_told_it_counts(client: Client, edition, django_capture_on_commit_callbacks) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invalidate_ballots(
            ballot_ids=[ballot.pk], reason="internal note", public_reason="Duplicate account.", by=StaffFactory()
        )
    client.force_login(voter)
    slug = edition.slug
    for url in (reverse("voting:ballot", args=[slug]), reverse("voting:ballot_done", args=[slug])):
        body = client.get(url).content.decode()
        assert "set aside" in body and "Duplicate account." in body
        assert "It counts" not in body
    code = ballot.receipts.get().code
    receipt = client.post(reverse("voting:receipt_check"), {"code": code}).content.decode()
    assert "Set aside by the organisers" in receipt and "Counted." not in receipt
    [notice] = mail.outbox
    assert notice.to == [voter.email]
    assert notice.subject == "Your ballot in Open Awards was set aside"
    assert "Their reason: Duplicate account." in notice.body
    assert "internal note" not in notice.body
    with django_capture_on_commit_callbacks(execute=True):
        restore_ballots(ballot_ids=[ballot.pk], reason="checked", by=StaffFactory())
    assert mail.outbox[-1].subject == "Your ballot in Open Awards counts again"


def test_status_notice_respects_the_opt_out(edition, django_capture_on_commit_callbacks) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    opt_out(member=voter)
    assert NotificationOptOut.objects.filter(member=voter).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invalidate_ballots(ballot_ids=[ballot.pk], reason="x", by=StaffFactory())
    assert mail.outbox == []


def test_receipt_is_emailed_after_commit_only_when_the_ballot_changed(
    edition, django_capture_on_commit_callbacks
) -> None:
    voter = UserFactory()
    fund = category(edition, "fund").pk
    selections = {fund: [nominee_ids(edition, "fund")[0]]}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stored = submit_ballot(voter=voter, edition=edition, selections=selections, expected_version=0)
    assert mail.outbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    [receipt_mail] = mail.outbox
    assert receipt_mail.subject == f"Your ballot receipt for Open Awards: {stored.receipt.code}"
    assert stored.receipt.code in receipt_mail.body and "Podium." in receipt_mail.body
    with django_capture_on_commit_callbacks(execute=True):
        again = submit_ballot(voter=voter, edition=edition, selections=selections, expected_version=1)
    assert again.changed is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "typed", ["pdm-7kq2-x9tf-4hwa-m3ce", "PDM 7KQ2 X9TF 4HWA M3CE", "PDM7KQ2X9TF4HWAM3CE", " pdm7kq2 x9tf-4hwam3ce "]
)
def test_receipt_codes_are_read_forgivingly(typed: str) -> None:
    assert normalise_receipt_code(typed) == "PDM-7KQ2-X9TF-4HWA-M3CE"


def test_receipt_check_accepts_a_code_typed_loosely(client: Client, edition) -> None:
    ballot = _vote(edition, UserFactory())
    loose = ballot.receipts.get().code.lower().replace("-", " ")
    response = client.post(reverse("voting:receipt_check"), {"code": loose})
    assert response.status_code == 200
    assert "Counted." in response.content.decode()


def test_closed_edition_shows_own_choices_read_only(client: Client, edition) -> None:
    voter = UserFactory()
    _vote(edition, voter)
    edition.voting_opens_at = timezone.now() - timedelta(days=3)
    edition.voting_closes_at = timezone.now() - timedelta(days=1)
    edition.save()
    client.force_login(voter)
    body = client.get(reverse("voting:ballot", args=[edition.slug])).content.decode()
    assert "You can change your ballot until then" not in body
    assert "fund-0" in body and '<form method="post" class="ballot-form"' not in body


def test_my_ballots_lists_edition_receipt_and_status(client: Client, edition) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    client.force_login(voter)
    body = client.get(reverse("voting:my_ballots")).content.decode()
    assert "Open Awards" in body and ballot.receipts.get().code in body and "Counts · you can change it until" in body
    assert "My suggestions" in body
