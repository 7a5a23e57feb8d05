"""Running an edition: window changes, recompute, publish/unpublish, each audited; turnout dashboard."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, Phase
from config.workers import record_worker_heartbeat
from tests.factories import EditionFactory, StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import Announcement, EditionAction, EditionAudit, MailKind, MailStatus, OutgoingMail, ResultsState
from voting.results.publication import OperationRefused
from voting.staff.moderation import invalidate_ballots
from voting.staff.operations import (
    close_nominations_now,
    close_voting_now,
    open_nominations_now,
    open_voting_now,
    publish_results,
    recompute_now,
    record_past_publication,
    unpublish_results,
)

pytestmark = pytest.mark.django_db


def _upcoming() -> Edition:
    now = timezone.now()
    return EditionFactory(voting_opens_at=now + timedelta(days=10), voting_closes_at=now + timedelta(days=20))


def _closed() -> Edition:
    now = timezone.now()
    return EditionFactory(voting_opens_at=now - timedelta(days=10), voting_closes_at=now - timedelta(days=1))


def test_open_and_close_nominations_early_are_audited() -> None:
    edition, staff = _upcoming(), StaffFactory(email="curator@example.com")
    open_nominations_now(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.phase == Phase.NOMINATIONS
    assert edition.nominations_close_at == edition.voting_opens_at
    close_nominations_now(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.phase == Phase.UPCOMING
    audits = list(EditionAudit.objects.order_by("at", "id"))
    assert [(a.action, a.actor_email) for a in audits] == [
        (EditionAction.OPEN_NOMINATIONS, "curator@example.com"),
        (EditionAction.CLOSE_NOMINATIONS, "curator@example.com"),
    ]
    assert audits[0].before["nominations_open_at"] is None
    assert audits[0].after["nominations_open_at"] == edition.nominations_open_at.isoformat()
    assert audits[1].after["nominations_close_at"] == edition.nominations_close_at.isoformat()


def test_open_voting_early_ends_nominations_and_close_voting_ends_it() -> None:
    edition, staff = _upcoming(), StaffFactory()
    open_nominations_now(edition=edition, by=staff)
    open_voting_now(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.phase == Phase.VOTING
    assert edition.nominations_close_at == edition.voting_opens_at
    close_voting_now(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.phase == Phase.CLOSED
    assert EditionAudit.objects.count() == 3


def test_open_voting_before_nominations_ran_drops_the_unused_window() -> None:
    now = timezone.now()
    edition = _upcoming()
    edition.nominations_open_at, edition.nominations_close_at = now + timedelta(days=2), now + timedelta(days=5)
    edition.save()
    open_voting_now(edition=edition, by=StaffFactory())
    edition.refresh_from_db()
    assert (edition.nominations_open_at, edition.nominations_close_at) == (None, None)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (close_nominations_now, "are not open"),
        (close_voting_now, "is not open"),
        (publish_results, "is still open"),
        (unpublish_results, "are not published"),
    ],
)
def test_refusals_change_nothing_and_write_no_audit(operation, message: str) -> None:
    edition = _upcoming()
    with pytest.raises(OperationRefused, match=message):
        operation(edition=edition, by=StaffFactory())
    assert not EditionAudit.objects.exists()


def test_open_refused_once_voting_opened(edition) -> None:
    with pytest.raises(OperationRefused, match="already opened"):
        open_voting_now(edition=edition, by=StaffFactory())
    with pytest.raises(OperationRefused, match="nominations can no longer open"):
        open_nominations_now(edition=edition, by=StaffFactory())


def test_publish_and_unpublish_are_audited() -> None:
    edition, staff = _closed(), StaffFactory()
    publish_results(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.phase == Phase.PUBLISHED
    with pytest.raises(OperationRefused, match="already published"):
        publish_results(edition=edition, by=staff)
    unpublish_results(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.published_at is None
    assert list(EditionAudit.objects.order_by("at", "id").values_list("action", flat=True)) == ["publish", "unpublish"]


def test_recompute_now_updates_state_and_is_audited(edition) -> None:
    fund = nominee_ids(edition, "fund")
    submit_ballot(
        voter=UserFactory(), edition=edition, selections={category(edition, "fund").pk: [fund[0]]}, expected_version=0
    )
    recompute_now(edition=edition, by=StaffFactory())
    state = ResultsState.objects.get(edition=edition)
    assert state.current_release.ballots_counted == 1
    assert state.last_duration_ms is not None
    assert EditionAudit.objects.get().action == EditionAction.RECOMPUTE


def test_edition_audit_rows_are_immutable() -> None:
    edition = _closed()
    publish_results(edition=edition, by=StaffFactory())
    audit = EditionAudit.objects.get()
    with pytest.raises(ValueError, match="immutable"):
        audit.save()


# --- admin ----------------------------------------------------------------------------------


def _action(client: Client, action: str, edition: Edition, **extra: str):
    return client.post(
        reverse("admin:awards_edition_changelist"), {"action": action, ACTION_CHECKBOX_NAME: [edition.pk], **extra}
    )


def test_window_change_asks_for_confirmation_first(client: Client) -> None:
    edition = _upcoming()
    client.force_login(StaffFactory())
    asked = _action(client, "open_voting_selected", edition)
    assert asked.status_code == 200
    assert b"Open voting now for these editions?" in asked.content
    edition.refresh_from_db()
    assert edition.phase == Phase.UPCOMING
    done = _action(client, "open_voting_selected", edition, apply="yes")
    assert done.status_code == 302
    edition.refresh_from_db()
    assert edition.phase == Phase.VOTING
    assert EditionAudit.objects.get().action == EditionAction.OPEN_VOTING


def test_refused_action_reports_why(client: Client) -> None:
    edition = _upcoming()
    client.force_login(StaffFactory())
    response = client.post(
        reverse("admin:awards_edition_changelist"),
        {"action": "close_voting_selected", ACTION_CHECKBOX_NAME: [edition.pk], "apply": "yes"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [f"Voting in {edition.name} is not open."]


def test_recompute_and_publish_actions(client: Client) -> None:
    edition = _closed()
    client.force_login(StaffFactory())
    assert _action(client, "recompute_selected", edition).status_code == 302
    assert _action(client, "publish_selected", edition, apply="yes").status_code == 302
    assert list(EditionAudit.objects.order_by("at", "id").values_list("action", flat=True)) == ["recompute", "publish"]


def test_turnout_dashboard(client: Client, edition) -> None:
    fund, wallet = nominee_ids(edition, "fund"), nominee_ids(edition, "wallet")
    ballots = []
    for n in range(3):
        selections = {category(edition, "fund").pk: [fund[0]]}
        if n == 0:
            selections[category(edition, "wallet").pk] = [wallet[0]]
        ballots.append(
            submit_ballot(voter=UserFactory(), edition=edition, selections=selections, expected_version=0).ballot
        )
    invalidate_ballots(ballot_ids=[ballots[2].pk], reason="test", by=StaffFactory())
    recompute_now(edition=edition, by=StaffFactory())
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:awards_edition_turnout", args=[edition.pk]))
    assert response.status_code == 200
    turnout = response.context["turnout"]
    assert (turnout.ballots, turnout.counted, turnout.invalidated, turnout.audits) == (3, 2, 1, 1)
    assert [(c.title, c.ballots, c.percent) for c in turnout.categories] == [
        ("Best fund", 2, 100),
        ("Best wallet", 1, 50),
        ("Best chain", 0, 0),
    ]
    assert [b.ballots for b in turnout.buckets] == [3]
    wide = turnout.chart.frames[0]
    assert [bar.height for bar in wide.bars] == [wide.bottom - wide.top]  # the peak reaches the axis top
    assert [tick.label for tick in wide.y_ticks] == ["0", "1", "2", "3"]
    content = response.content.decode()
    assert "<svg" in content
    assert "style=" not in content.split('id="turnout-totals"')[1]  # the CSP forbids inline styles
    assert "took" in content
    # Three receipts and one set-aside notice, queued with their causes (no commit runs here to send them).
    assert turnout.mails == {"pending": 4, "sending": 0, "sent": 0, "failed": 0}


def test_turnout_shows_failed_mails_with_a_link_to_them(client: Client, edition) -> None:
    failed = OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[1])
    OutgoingMail.objects.filter(pk=failed.pk).update(status=MailStatus.FAILED, attempts=9)
    OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[2])
    OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=_upcoming().pk, object_ids=[3])  # another edition's
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:awards_edition_turnout", args=[edition.pk]))
    assert response.context["turnout"].mails == {"pending": 1, "sending": 0, "sent": 0, "failed": 1}
    cell = response.content.decode().split('id="mails-failed">')[1].split("</td>")[0]
    link = (
        reverse("admin:voting_outgoingmail_changelist") + f"?edition__id__exact={edition.pk}&amp;status__exact=failed"
    )
    assert f'<a href="{link}">1</a>' in cell


def test_turnout_of_an_empty_edition(client: Client) -> None:
    edition = _upcoming()
    client.force_login(StaffFactory())
    response = client.get(reverse("admin:awards_edition_turnout", args=[edition.pk]))
    assert b"No ballots yet." in response.content
    assert b"never" in response.content


def test_turnout_shows_staff_whether_a_worker_is_alive(client: Client, edition, settings) -> None:
    client.force_login(StaffFactory())
    page = reverse("admin:awards_edition_turnout", args=[edition.pk])

    def status() -> str:
        return client.get(page).content.decode().split('id="worker-status">')[1].split("</td>")[0]

    settings.CELERY_BROKER_URL = ""  # the embedded default, on either tier
    assert status() == "tasks run inline (no broker configured)"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    assert status() == "no heartbeat in the last 5 minutes: is a worker running?"
    record_worker_heartbeat("podium@worker-1")
    assert status() == "last heartbeat 0 s ago from podium@worker-1"


def test_turnout_and_clusters_query_counts_do_not_grow(client: Client, edition) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(StaffFactory())
    urls = [
        reverse("admin:awards_edition_turnout", args=[edition.pk]),
        f"{reverse('admin:voting_ballot_clusters')}?edition={edition.pk}",
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries.captured_queries))
        return result

    fund = category(edition, "fund").pk
    submit_ballot(
        voter=UserFactory(), edition=edition, selections={fund: [nominee_ids(edition, "fund")[0]]}, expected_version=0
    )
    one = counts()
    for n in range(2):
        submit_ballot(
            voter=UserFactory(),
            edition=edition,
            selections={fund: [nominee_ids(edition, "fund")[n]]},
            expected_version=0,
        )
    assert counts() == one


def test_a_past_publication_is_recorded_audited_and_tells_nobody(django_capture_on_commit_callbacks) -> None:
    edition, staff = _closed(), StaffFactory(email="curator@example.com")
    at = edition.voting_closes_at + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_past_publication(edition=edition, at=at, by=staff)
    stored = Edition.objects.get(pk=edition.pk)
    assert (stored.published_at, stored.phase) == (at, Phase.PUBLISHED)
    audit = EditionAudit.objects.get()
    assert (audit.action, audit.actor_email, audit.after["published_at"]) == (
        EditionAction.PUBLISH,
        "curator@example.com",
        at.isoformat(),
    )
    assert len(callbacks) == 2  # forgetting the cached pages (results, curated pages); no announcement is planned
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    ("published", "at", "message"),
    [
        (True, timedelta(hours=1), "are already published"),
        (False, timedelta(days=2), "is still to come: schedule the publication instead"),
    ],
)
def test_a_past_publication_is_refused_once_published_or_for_a_time_to_come(
    published: bool, at: timedelta, message: str
) -> None:
    edition = _closed()
    if published:
        publish_results(edition=edition, by=StaffFactory())
    with pytest.raises(OperationRefused, match=message):
        record_past_publication(edition=edition, at=edition.voting_closes_at + at, by=StaffFactory())
    assert EditionAudit.objects.count() == (1 if published else 0)


def test_a_past_publication_is_never_before_voting_closed() -> None:
    edition = _closed()
    with pytest.raises(ValidationError, match=r"Results cannot be published before voting closes\."):
        record_past_publication(edition=edition, at=edition.voting_closes_at - timedelta(hours=1), by=StaffFactory())
    assert (Edition.objects.get(pk=edition.pk).published_at, EditionAudit.objects.count()) == (None, 0)
