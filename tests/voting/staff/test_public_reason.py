"""The reason staff give the voter when they set a ballot aside (or restore it) in the admin.

Typed on the confirmation page beside the internal note, it is stored on the ballot, shown
(escaped) on the member's own pages and quoted verbatim in the plain-text e-mail; the internal
note never leaves the audit trail.
"""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Ballot, BallotAudit, BallotStatus
from voting.staff.fraud import suspicious_clusters
from voting.staff.moderation import invalidate_ballots

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:voting_ballot_changelist"
TYPED = '<b>Two accounts</b> & one "person"'
ESCAPED = "&lt;b&gt;Two accounts&lt;/b&gt; &amp; one &quot;person&quot;"


def _vote(edition, voter=None, *, fund: int = 0) -> Ballot:
    selections = {category(edition, "fund").pk: [nominee_ids(edition, "fund")[fund]]}
    voter = voter or UserFactory()
    return submit_ballot(voter=voter, edition=edition, selections=selections, expected_version=0).ballot


def _action(client: Client, action: str, ballots: list[Ballot], **extra: str):
    data = {"action": action, ACTION_CHECKBOX_NAME: [b.pk for b in ballots], **extra}
    return client.post(reverse(CHANGELIST), data)


def _member_pages(client: Client, ballot: Ballot) -> dict[str, str]:
    slug = ballot.edition.slug
    pages = {
        name: client.get(url).content.decode()
        for name, url in {
            "edition": ballot.edition.get_absolute_url(),
            "ballot": reverse("voting:ballot", args=[slug]),
            "done": reverse("voting:ballot_done", args=[slug]),
            "my ballots": reverse("voting:my_ballots"),
        }.items()
    }
    code = ballot.receipts.get().code
    pages["receipt"] = client.post(reverse("voting:receipt_check"), {"code": code}).content.decode()
    return pages


def test_confirmation_page_asks_for_the_note_and_the_reason_the_voter_reads(edition, client: Client) -> None:
    client.force_login(StaffFactory())
    page = _action(client, "invalidate_selected", [_vote(edition)]).content.decode()
    assert '<label for="id_reason">Internal note for staff:</label>' in page
    assert "Required. Kept in the audit trail with your name; the voter never sees it." in page
    assert '<label for="id_public_reason">Reason shown to the voter:</label>' in page
    assert "Optional. The member reads this on their ballot page and in the e-mail telling them" in page
    assert 'name="public_reason" cols="60" rows="2" maxlength="500"' in page


def test_the_typed_reason_reaches_the_ballot_the_members_pages_and_the_email(
    edition, client: Client, django_capture_on_commit_callbacks
) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    mail.outbox.clear()
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        done = _action(
            client,
            "invalidate_selected",
            [ballot],
            apply="Confirm",
            reason="internal: same phone as ballot 12",
            public_reason=f"  {TYPED}  ",
        )
    assert done.status_code == 302
    ballot.refresh_from_db()
    assert (ballot.status, ballot.status_reason, ballot.status_public_reason) == (
        BallotStatus.INVALIDATED,
        "internal: same phone as ballot 12",
        TYPED,
    )

    client.force_login(voter)
    for name, body in _member_pages(client, ballot).items():
        assert ESCAPED in body, name
        assert TYPED not in body and "<b>Two" not in body, name
        assert "same phone" not in body, name

    [notice] = mail.outbox
    assert notice.to == [voter.email]
    assert f"Their reason: {TYPED}\n" in notice.body  # plain text: quoted as typed, not HTML-escaped
    assert "same phone" not in notice.body


def test_only_the_voter_reads_the_reason_on_the_receipt_check(edition, client: Client) -> None:
    ballot = _vote(edition)
    invalidate_ballots(ballot_ids=[ballot.pk], reason="note", public_reason="Duplicate account.", by=StaffFactory())
    code = ballot.receipts.get().code
    for viewer in (None, UserFactory()):
        if viewer:
            client.force_login(viewer)
        body = client.post(reverse("voting:receipt_check"), {"code": code}).content.decode()
        assert "Set aside by the organisers" in body
        assert "Duplicate account." not in body


def test_an_empty_reason_tells_the_voter_no_reason(edition, client: Client, django_capture_on_commit_callbacks) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    mail.outbox.clear()
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        _action(client, "invalidate_selected", [ballot], apply="Confirm", reason="burst", public_reason="   ")
    assert Ballot.objects.get(pk=ballot.pk).status_public_reason == ""
    [notice] = mail.outbox
    assert "Their reason" not in notice.body and "burst" not in notice.body
    client.force_login(voter)
    assert "Their reason" not in _member_pages(client, ballot)["ballot"]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        (
            "Duplicate\u200baccount",
            "The reason shown to the voter contains an invisible character (U+200B ZERO WIDTH SPACE). "
            "Type it again without it.",
        ),
        ("Bidi \u202etrick", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("x" * 501, "Ensure this value has at most 500 characters (it has 501)."),
    ],
)
def test_a_bad_public_reason_is_refused_and_nothing_changes(edition, client: Client, typed: str, error: str) -> None:
    ballot = _vote(edition)
    client.force_login(StaffFactory())
    page = _action(client, "invalidate_selected", [ballot], apply="Confirm", reason="burst", public_reason=typed)
    assert page.status_code == 200
    [message] = page.context["form"].errors["public_reason"]
    assert error in message
    assert "reason" not in page.context["form"].errors
    assert Ballot.objects.get(pk=ballot.pk).status == BallotStatus.COUNTED
    assert not BallotAudit.objects.exists()


def test_restore_carries_its_own_note_to_the_voter(edition, client: Client, django_capture_on_commit_callbacks) -> None:
    voter = UserFactory()
    ballot = _vote(edition, voter)
    invalidate_ballots(ballot_ids=[ballot.pk], reason="burst", public_reason="Looked automated.", by=StaffFactory())
    mail.outbox.clear()
    client.force_login(StaffFactory())
    page = _action(client, "restore_selected", [ballot]).content.decode()
    assert '<label for="id_public_reason">Note shown to the voter:</label>' in page
    assert "The member reads this in the e-mail telling them their ballot counts again" in page
    with django_capture_on_commit_callbacks(execute=True):
        _action(
            client, "restore_selected", [ballot], apply="Confirm", reason="checked ID", public_reason="Sorry & thanks."
        )
    ballot.refresh_from_db()
    assert (ballot.status, ballot.status_public_reason) == (BallotStatus.COUNTED, "Sorry & thanks.")
    [notice] = mail.outbox
    assert notice.subject == "Your ballot in Open Awards counts again"
    assert "Their note: Sorry & thanks.\n" in notice.body and "checked ID" not in notice.body
    client.force_login(voter)
    pages = _member_pages(client, ballot)
    assert "Looked automated." not in pages["ballot"] and "Sorry" not in pages["ballot"]


def test_cluster_review_confirmation_carries_the_reason_to_the_voters(
    edition, client: Client, settings, django_capture_on_commit_callbacks
) -> None:
    settings.PODIUM_CLUSTER_MIN_BALLOTS = 3
    family = []
    for n in range(3):
        ballot = _vote(edition, fund=n)
        Ballot.objects.filter(pk=ballot.pk).update(client_network="203.0.113.0/24", user_agent="curl/8.5")
        family.append(ballot)
    [cluster] = suspicious_clusters(edition)
    client.force_login(StaffFactory())
    url = reverse("admin:voting_ballot_cluster_review")
    query = {"edition": edition.pk, "kind": cluster.kind, "key": cluster.key}
    page = client.get(url, query).content.decode()
    assert '<label for="id_public_reason">Reason shown to the voter</label>' in page
    assert 'aria-describedby="id_public_reason_helptext"' in page and 'id="id_public_reason_helptext"' in page

    refused = client.post(url, {**query, "ballots": [family[0].pk], "reason": "x", "public_reason": "a\x07b"})
    assert "contains an invisible character (U+0007 CONTROL CHARACTER)" in refused.content.decode()
    assert Ballot.objects.counted().count() == 3

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**query, "ballots": [family[1].pk], "reason": "one script", "public_reason": TYPED})
    assert Ballot.objects.get(pk=family[1].pk).status_public_reason == TYPED
    assert Ballot.objects.get(pk=family[0].pk).status_public_reason == ""
    [notice] = mail.outbox
    assert notice.to == [family[1].voter.email] and f"Their reason: {TYPED}" in notice.body
