"""Publication only through the audited publish operation: form, action, schedule, confirmation."""

import re
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from awards.models import Edition, Phase
from tests.admin_forms import change_form_data
from tests.factories import CategoryFactory, EditionFactory, StaffFactory, UserFactory
from voting.models import Announcement, Ballot, BallotStatus, EditionAction, EditionAudit, NotificationOptOut
from voting.results.publication import OperationRefused
from voting.staff.operations import publish_results
from voting.tasks import publish_scheduled_task

pytestmark = pytest.mark.django_db


def _with_ballots(edition: Edition, voters: int, invalidated: int = 0) -> list[Any]:
    members = [UserFactory() for _ in range(voters)]
    now = timezone.now()
    for n, member in enumerate(members):
        status = BallotStatus.INVALIDATED if n < invalidated else BallotStatus.COUNTED
        Ballot.objects.create(edition=edition, voter=member, submitted_at=now, updated_at=now, status=status)
    return members


def _closed(**fields: object) -> Edition:
    now = timezone.now()
    return EditionFactory(voting_opens_at=now - timedelta(days=8), voting_closes_at=now - timedelta(days=1), **fields)


def _local(moment: datetime) -> tuple[str, str]:
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def _post_form(client: Client, edition: Edition, **dates: datetime | None) -> Any:
    url = reverse("admin:awards_edition_change", args=[edition.pk])
    data = change_form_data(client, url)
    for field, moment in dates.items():
        data[f"{field}_0"], data[f"{field}_1"] = _local(moment) if moment else ("", "")
    return client.post(url, data)


@pytest.fixture
def staff(client: Client) -> Any:
    member = StaffFactory(email="curator@example.com")
    client.force_login(member)
    return member


def test_the_form_has_no_published_at_input(client: Client, staff: Any) -> None:
    page = client.get(reverse("admin:awards_edition_change", args=[EditionFactory().pk])).content.decode()
    assert 'name="publication_scheduled_at_0"' in page
    assert 'name="published_at' not in page


def test_scheduling_publication_while_voting_is_open_is_refused(client: Client, staff: Any) -> None:
    edition = EditionFactory()  # voting open for another week
    response = _post_form(client, edition, publication_scheduled_at=timezone.now() + timedelta(hours=1))
    assert response.status_code == 200
    assert "The scheduled publication cannot be before voting closes." in response.content.decode()
    edition.refresh_from_db()
    assert (edition.publication_scheduled_at, edition.published_at, edition.phase) == (None, None, Phase.VOTING)
    assert not EditionAudit.objects.exists()


def test_publish_while_open_is_refused_by_the_service_and_the_database() -> None:
    edition = EditionFactory()
    with pytest.raises(OperationRefused, match="is still open"):
        publish_results(edition=edition, by=StaffFactory())
    edition.published_at = timezone.now()
    with pytest.raises(ValidationError, match="Results cannot be published before voting closes"):
        edition.full_clean()
    assert Edition.objects.get(pk=edition.pk).published_at is None


def test_publish_action_while_open_offers_no_confirmation(client: Client, staff: Any) -> None:
    edition = EditionFactory(name="Open Awards")
    data = {"action": "publish_selected", ACTION_CHECKBOX_NAME: [edition.pk]}
    page = client.post(reverse("admin:awards_edition_changelist"), data).content.decode()
    assert "Voting in Open Awards is still open; results can be published once it closes." in page
    assert 'name="apply"' not in page
    client.post(reverse("admin:awards_edition_changelist"), {**data, "apply": "yes"})
    assert Edition.objects.get(pk=edition.pk).published_at is None


def test_a_running_edition_cannot_be_reopened_or_closed_from_the_form(client: Client, staff: Any) -> None:
    edition, now = EditionFactory(), timezone.now()
    response = _post_form(
        client, edition, voting_opens_at=now + timedelta(days=1), voting_closes_at=now - timedelta(hours=1)
    )
    content = response.content.decode()
    assert "a past time cannot be changed." in content
    assert "Voting closes at cannot be in the past; use the “Open voting now”" not in content
    assert "Voting closes at cannot be in the past; use the “Close voting now” action to close it at once." in content
    stored = Edition.objects.get(pk=edition.pk)
    assert (stored.voting_opens_at, stored.voting_closes_at) == (edition.voting_opens_at, edition.voting_closes_at)


def test_extending_voting_in_the_form_is_audited_and_forgets_cached_results(
    client: Client, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    edition = EditionFactory()
    later = (edition.voting_closes_at + timedelta(days=2)).replace(microsecond=0)
    with (
        mock.patch("voting.results.publication.forget_visibility") as forget,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = _post_form(client, edition, voting_closes_at=later)
    assert response.status_code == 302
    assert Edition.objects.get(pk=edition.pk).voting_closes_at == later
    audit = EditionAudit.objects.get()
    assert (audit.action, audit.actor_email) == (EditionAction.CHANGE_DATES, "curator@example.com")
    assert audit.before["voting_closes_at"] == edition.voting_closes_at.isoformat()
    assert audit.after["voting_closes_at"] == later.isoformat()
    forget.assert_called_once_with(edition.slug)


def test_publish_confirmation_states_what_will_happen_and_sends_nothing(
    client: Client, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    edition = _closed(name="Closed Awards")
    CategoryFactory(edition=edition, title="Best fund")
    CategoryFactory(edition=edition, title="Best wallet")
    voters = _with_ballots(edition, voters=4, invalidated=1)
    NotificationOptOut.objects.create(member=voters[3], created_at=timezone.now())
    data = {"action": "publish_selected", ACTION_CHECKBOX_NAME: [edition.pk]}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("admin:awards_edition_changelist"), data).content.decode()
    page = re.sub(r">\s+", ">", re.sub(r"\s+<", "<", page))  # the template's line breaks are not the text
    assert '<th scope="row">Ballots counted</th><td>3</td>' in page
    assert '<th scope="row">Ballots set aside (invalidated)</th><td>1</td>' in page
    assert '<th scope="row">Categories (2)</th><td>Best fund, Best wallet</td>' in page
    assert '<th scope="row">Members e-mailed “The results are out”</th><td>3 (<a href=' in page
    assert (Edition.objects.get(pk=edition.pk).published_at, len(mail.outbox)) == (None, 0)
    assert not EditionAudit.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:awards_edition_changelist"), {**data, "apply": "yes"})
    assert Edition.objects.get(pk=edition.pk).published_at is not None
    assert EditionAudit.objects.get().action == EditionAction.PUBLISH
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in voters[:3])


def test_a_scheduled_publication_is_applied_once_audited_with_one_round_of_emails(
    client: Client, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    edition = EditionFactory(voting_closes_at=now + timedelta(hours=1))
    voters = _with_ballots(edition, voters=2)
    at = (now + timedelta(hours=2)).replace(microsecond=0)
    assert _post_form(client, edition, publication_scheduled_at=at).status_code == 302
    assert Edition.objects.get(pk=edition.pk).phase == Phase.VOTING

    assert publish_scheduled_task() == []  # not due yet
    with (
        mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=30)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert publish_scheduled_task() == [edition.pk]
        assert publish_scheduled_task() == []  # applied once
        stored = Edition.objects.get(pk=edition.pk)
        assert stored.phase == Phase.PUBLISHED
    assert (stored.published_at, stored.publication_scheduled_at) == (at + timedelta(seconds=30), None)
    audits = list(EditionAudit.objects.order_by("at", "id").values_list("action", "actor_email"))
    assert audits == [(EditionAction.CHANGE_DATES, "curator@example.com"), (EditionAction.PUBLISH_SCHEDULED, "")]
    assert Announcement.objects.filter(edition=edition).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in voters)
    assert all(m.subject == f"The results are out: {edition.name}" for m in mail.outbox)


def test_scheduling_after_publication_is_refused(client: Client, staff: Any) -> None:
    edition = _closed()
    publish_results(edition=edition, by=staff)
    response = _post_form(client, edition, publication_scheduled_at=timezone.now() + timedelta(days=1))
    assert "Results are already published; unpublish them before scheduling." in response.content.decode()
    assert Edition.objects.get(pk=edition.pk).publication_scheduled_at is None


def test_publishing_now_uses_up_a_schedule(staff: Any) -> None:
    edition = _closed(publication_scheduled_at=timezone.now() + timedelta(days=3))
    publish_results(edition=edition, by=staff)
    stored = Edition.objects.get(pk=edition.pk)
    assert stored.publication_scheduled_at is None
    assert stored.phase == Phase.PUBLISHED
