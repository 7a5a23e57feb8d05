"""E-mail sent by real Celery workers on a real broker, against PostgreSQL: announcements, sweeps."""

import socket
import subprocess
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from celery.result import allow_join_result
from django.utils import timezone

from config.celery import app
from tests.factories import EditionFactory, StaffFactory, UserFactory
from tests.voting.conftest import category, nominee_ids
from tests.workers import start_worker
from voting.ballots.services import submit_ballot
from voting.models import AnnouncementDelivery, Ballot, MailKind, MailStatus, OutgoingMail, Receipt
from voting.notifications import outbox
from voting.staff.operations import open_voting_now
from voting.tasks import send_receipts_task, sweep_mail_task

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_voting_opened_announcement_is_sent_by_the_worker(celery_worker_process: str, settings) -> None:
    now = timezone.now()
    earlier = EditionFactory(voting_opens_at=now - timedelta(days=400), voting_closes_at=now - timedelta(days=390))
    voters = [UserFactory() for _ in range(5)]
    for voter in voters:
        Ballot.objects.create(edition=earlier, voter=voter, submitted_at=now, updated_at=now)
    edition = EditionFactory(voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=8))

    open_voting_now(edition=edition, by=StaffFactory())  # commits; the worker takes it from there

    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and AnnouncementDelivery.objects.count() < len(voters):
        time.sleep(0.2)
    delivered = set(AnnouncementDelivery.objects.values_list("member_id", flat=True))
    assert delivered == {v.pk for v in voters}
    assert set(AnnouncementDelivery.objects.values_list("announcement__edition", "announcement__kind")) == {
        (edition.pk, "voting_opened")
    }


# --- e-mail retries from the database, with real workers ------------------------------------------


def _pending_receipt_mails(count: int) -> list[OutgoingMail]:
    """`count` voters' receipt e-mails, stored as pending with no send task queued for them."""
    now = timezone.now()
    edition = EditionFactory(voting_opens_at=now - timedelta(days=1), voting_closes_at=now + timedelta(days=7))
    mails = []
    for _ in range(count):
        ballot = Ballot.objects.create(edition=edition, voter=UserFactory(), submitted_at=now, updated_at=now)
        receipt = Receipt.objects.create(ballot=ballot, ballot_version=1, issued_at=now)
        mails.append(OutgoingMail.objects.queue(MailKind.RECEIPT, edition_id=edition.pk, object_ids=[receipt.pk]))
    return mails


def _wait_for_nodes(nodes: list[str], workers: list["subprocess.Popen[bytes]"], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            pytest.fail("a celery worker exited while starting")
        answered = {name for reply in app.control.ping(destination=nodes, timeout=1.0) for name in reply}
        if answered == set(nodes):
            return
    pytest.fail(f"workers {nodes} did not answer within {timeout} s")


def test_sweeps_running_at_once_send_each_mail_exactly_once(tmp_path, settings, monkeypatch) -> None:
    """Two workers and this process sweep the same 24 due mails at the same moment."""
    mails = _pending_receipt_mails(24)
    log = tmp_path / "sent.log"
    mail_env = {
        "EMAIL_BACKEND": "tests.workers.LoggedMailBackend",
        "PODIUM_TEST_MAIL_LOG": str(log),
        "PODIUM_TEST_MAIL_DELAY": "0.05",  # each sweep alone would take over a second: they overlap
    }
    for name, value in mail_env.items():
        monkeypatch.setenv(name, value)
    settings.EMAIL_BACKEND = mail_env["EMAIL_BACKEND"]
    queue = f"podium-mail-sweeps-{uuid.uuid4().hex[:8]}"
    nodes = [f"{queue}-{n}@{socket.gethostname()}" for n in (1, 2)]
    workers = [start_worker(queue, node=node, env=mail_env) for node in nodes]
    try:
        _wait_for_nodes(nodes, workers)
        with allow_join_result():
            queued = [sweep_mail_task.apply_async(queue=queue, ignore_result=False) for _ in nodes]
            here = outbox.sweep()
            swept = [result.get(timeout=60) for result in queued] + [here]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    attempted = [mail_id for ids in swept for mail_id in ids]
    assert sorted(attempted) == sorted(m.pk for m in mails)  # every mail by exactly one sweep
    assert sum(1 for ids in swept if ids) >= 2, swept  # the sweeps really ran side by side
    sent_to = [line.split("\t")[0] for line in log.read_text().splitlines()]
    assert sorted(sent_to) == sorted(Receipt.objects.values_list("ballot__voter__email", flat=True))
    assert len(set(sent_to)) == 24
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(MailStatus.SENT, 1)}
    assert not Receipt.objects.filter(emailed_at__isnull=True).exists()


def test_a_mail_whose_task_message_was_lost_is_sent_by_the_sweep_on_the_worker(
    celery_worker_process: str, edition
) -> None:
    """The ballot commits, its receipt e-mail's task never reaches a worker; the sweep sends it."""
    fund = category(edition, "fund").pk
    with mock.patch.object(send_receipts_task, "apply_async"):  # accepted, then lost with the broker
        stored = submit_ballot(
            voter=UserFactory(),
            edition=edition,
            selections={fund: [nominee_ids(edition, "fund")[0]]},
            expected_version=0,
        )
    row = OutgoingMail.objects.get()
    assert (row.kind, row.status, row.attempts) == (MailKind.RECEIPT, MailStatus.PENDING, 0)
    with allow_join_result():
        assert sweep_mail_task.apply_async(queue=celery_worker_process, ignore_result=False).get(timeout=60) == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (MailStatus.SENT, 1)
    assert Receipt.objects.get(pk=stored.receipt.pk).emailed_at is not None
