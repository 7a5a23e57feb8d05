"""An edition file cannot publish behind the audited publish operation's back (issue 15).

It used to: `published:` set the edition's `published_at` straight from the file (no audit
row, no e-mail), and loading a file without it again unpublished the results. Now the file
may only schedule a publication, by the edition form's rules, for the scheduler to apply.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from awards.models import Edition, Phase
from awards.services import ImportRejected, import_edition
from tests.factories import StaffFactory, UserFactory
from voting.models import Announcement, Ballot, EditionAction, EditionAudit
from voting.staff.operations import publish_results
from voting.tasks import publish_scheduled_task

pytestmark = pytest.mark.django_db

REFUSED = (
    "edition.published: a file cannot publish results (only the audited publish operation does, and it e-mails "
    "the voters); write “scheduled_publication” instead, a time to come no earlier than voting closes, "
    "or publish in the admin with “Publish results now”"
)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _document(closes: datetime, **edition: object) -> dict[str, Any]:
    return {
        "edition": {
            "name": "Harbour Awards",
            "slug": "harbour-awards",
            "voting": {"opens": _iso(closes - timedelta(days=10)), "closes": _iso(closes)},
            **edition,
        },
        "categories": [{"title": "Best Boat", "nominees": [{"name": "Skiff"}, {"name": "Ketch"}]}],
    }


def test_a_file_asking_for_published_results_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = timezone.now() - timedelta(days=2)
    path = tmp_path / "edition.json"
    path.write_text(json.dumps(_document(closed, published=_iso(closed + timedelta(days=1)))))
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was loaded"):
        call_command("import_edition", str(path))
    assert capsys.readouterr().err.strip() == REFUSED
    assert (Edition.objects.count(), EditionAudit.objects.count()) == (0, 0)


def test_a_file_asking_for_published_results_of_a_stored_edition_changes_nothing() -> None:
    closed = timezone.now() - timedelta(days=2)
    edition = import_edition(document=_document(closed))
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=_document(closed, published=_iso(closed + timedelta(days=1)), name="Renamed"))
    assert [str(p) for p in raised.value.problems] == [REFUSED]
    stored = Edition.objects.get(pk=edition.pk)
    assert (stored.name, stored.published_at, stored.phase) == ("Harbour Awards", None, Phase.CLOSED)
    assert not EditionAudit.objects.exists()


def test_loading_the_file_again_never_unpublishes() -> None:
    closed = timezone.now() - timedelta(days=2)
    edition = import_edition(document=_document(closed))
    published = publish_results(edition=edition, by=StaffFactory()).published_at
    import_edition(document=_document(closed, description="Now with a description."))
    stored = Edition.objects.get(pk=edition.pk)
    assert (stored.description, stored.published_at, stored.phase) == (
        "Now with a description.",
        published,
        Phase.PUBLISHED,
    )
    assert list(EditionAudit.objects.values_list("action", flat=True)) == [EditionAction.PUBLISH]


def test_a_scheduled_publication_is_applied_by_the_scheduler_through_the_publish_operation(
    django_capture_on_commit_callbacks: Any,
) -> None:
    now = timezone.now()
    closes, at = now + timedelta(hours=1), (now + timedelta(hours=2)).replace(microsecond=0)
    edition = import_edition(document=_document(closes, scheduled_publication=_iso(at)))
    assert (edition.publication_scheduled_at, edition.published_at) == (at, None)
    voter = UserFactory()
    Ballot.objects.create(edition=edition, voter=voter, submitted_at=now, updated_at=now)
    import_edition(document=_document(closes, scheduled_publication=_iso(at)))  # a second load changes nothing
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
    assert list(EditionAudit.objects.values_list("action", "actor_email")) == [(EditionAction.PUBLISH_SCHEDULED, "")]
    assert Announcement.objects.filter(edition=edition).count() == 1
    assert [m.to for m in mail.outbox] == [[voter.email]]


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [
        (
            timedelta(hours=-1),
            "edition.scheduled_publication: Scheduled publication cannot be in the past; "
            "use the “Publish results now” action to publish at once.",
        ),
        (timedelta(hours=1), "edition: The scheduled publication cannot be before voting closes."),
    ],
)
def test_a_scheduled_publication_follows_the_edition_forms_rules(scheduled: timedelta, expected: str) -> None:
    now = timezone.now()
    closes = now + timedelta(hours=2) if scheduled > timedelta(0) else now - timedelta(hours=2)
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=_document(closes, scheduled_publication=_iso(now + scheduled)))
    assert [str(p) for p in raised.value.problems] == [expected]
    assert Edition.objects.count() == 0


def test_a_published_edition_cannot_be_scheduled_from_the_file() -> None:
    closed = timezone.now() - timedelta(days=2)
    edition = publish_results(edition=import_edition(document=_document(closed)), by=StaffFactory())
    later = _iso(timezone.now() + timedelta(days=1))
    with pytest.raises(ImportRejected) as raised:
        import_edition(document=_document(closed, scheduled_publication=later))
    assert [str(p) for p in raised.value.problems] == [
        "edition.scheduled_publication: Results are already published; unpublish them before scheduling."
    ]
    assert Edition.objects.get(pk=edition.pk).publication_scheduled_at is None
