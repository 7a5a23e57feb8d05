"""Receipt e-mails of a burst of ballots: one broker message per burst, sent in batches over one connection.

Issue 16: every ballot used to publish its own `voting.send_mail` message and the worker made one
claim, one query and one mail connection per receipt. Now the change that adds the receipts hint
publishes one `voting.send_receipts` message for the edition; the rest of the burst publishes
nothing, and the task sends every receipt pending when it runs. The promises stay: each receipt
goes out exactly once, a failed one is retried by the sweep, a lost message by the sweep too.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from smtplib import SMTPException
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.voting.conftest import category, nominee_ids
from voting.ballots.services import submit_ballot
from voting.models import MailKind, MailStatus, OutgoingMail, Receipt
from voting.notifications import ballot_notices, outbox
from voting.tasks import send_receipts_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def published() -> Iterator[list[tuple[Any, ...]]]:
    """The `voting.send_receipts` messages the ballots publish, recorded instead of run."""
    messages: list[tuple[Any, ...]] = []
    with mock.patch.object(send_receipts_task, "apply_async", lambda args, **options: messages.append(tuple(args))):
        yield messages


@pytest.fixture
def connections() -> Iterator[list[object]]:
    """Every mail connection the receipts open."""
    opened: list[object] = []
    real = ballot_notices.get_connection

    def counting(*args: object, **kwargs: object) -> object:
        opened.append(real(*args, **kwargs))
        return opened[-1]

    with mock.patch.object(ballot_notices, "get_connection", counting):
        yield opened


def _vote(edition, voter=None, pick: int = 0, version: int = 0):
    fund = category(edition, "fund").pk
    return submit_ballot(
        voter=voter or UserFactory(),
        edition=edition,
        selections={fund: [nominee_ids(edition, "fund")[pick]]},
        expected_version=version,
    )


def _codes_sent() -> list[tuple[str, str]]:
    return sorted((message.to[0], message.subject.rsplit(": ", 1)[1]) for message in mail.outbox)


def test_a_burst_publishes_one_message_whose_task_sends_every_receipt_over_one_connection(
    edition, published, connections, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        stored = [_vote(edition) for _ in range(5)]
    assert [message[:2] for message in published] == [(edition.pk, True)]  # the first: receipts and the recompute
    assert mail.outbox == []  # nothing sent before the task runs
    assert send_receipts_task.apply(args=published[0]).get() == 5
    expected = sorted((s.ballot.voter.email, s.receipt.code) for s in stored)
    assert _codes_sent() == expected
    assert len(connections) == 1
    assert set(OutgoingMail.objects.values_list("kind", "status", "attempts")) == {
        (MailKind.RECEIPT, MailStatus.SENT, 1)
    }
    assert not Receipt.objects.filter(emailed_at__isnull=True).exists()
    # The task dropped the receipts hint (and the recompute it enqueued, run inline here, the stale flag):
    # the next ballot publishes a message of its own.
    with django_capture_on_commit_callbacks(execute=True):
        later = _vote(edition)
    assert [message[:2] for message in published] == [(edition.pk, True), (edition.pk, True)]
    assert send_receipts_task.apply(args=published[1]).get() == 1
    assert _codes_sent() == sorted([*expected, (later.ballot.voter.email, later.receipt.code)])
    assert send_receipts_task.apply(args=published[1]).get() == 0  # a redelivered message sends nothing


def test_a_ballot_after_the_batch_took_the_hint_publishes_again_while_the_edition_stays_flagged(
    edition, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition)
    assert outbox.send_receipts(edition.pk) == 1  # drops the receipts hint; no recompute ran: still flagged
    with django_capture_on_commit_callbacks(execute=True):
        later = _vote(edition)
        _vote(edition)  # in the same burst as `later`: nothing more
    assert [message[:2] for message in published] == [(edition.pk, True), (edition.pk, False)]
    assert outbox.send_receipts(edition.pk) == 2
    assert (later.ballot.voter.email, later.receipt.code) in _codes_sent()


def test_a_receipt_that_fails_is_retried_alone_by_the_sweep(
    edition, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        stored = [_vote(edition) for _ in range(3)]
    unlucky = stored[1].ballot.voter.email
    real_send = mail.EmailMessage.send

    def refusing_one(message: mail.EmailMessage, fail_silently: bool = False) -> int:
        if message.to == [unlucky]:
            raise SMTPException("452 mailbox full")
        return real_send(message, fail_silently)

    with mock.patch.object(mail.EmailMessage, "send", refusing_one):
        assert outbox.send_receipts(edition.pk) == 2
    failed = OutgoingMail.objects.get(object_ids=[stored[1].receipt.pk])
    assert (failed.status, failed.attempts, failed.last_error) == (
        MailStatus.PENDING,
        1,
        "SMTPException: 452 mailbox full",
    )
    assert failed.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert OutgoingMail.objects.filter(status=MailStatus.SENT).count() == 2
    assert outbox.send_receipts(edition.pk) == 0  # a retry is the sweep's, when due
    with mock.patch.object(outbox, "timezone", mock.Mock(now=lambda: timezone.now() + timedelta(seconds=31))):
        assert outbox.sweep() == [failed.pk]
    assert _codes_sent() == sorted((s.ballot.voter.email, s.receipt.code) for s in stored)  # each exactly once


def test_a_mail_server_that_cannot_be_reached_leaves_every_receipt_for_the_sweep(
    edition, published, settings, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            _vote(edition)
    settings.EMAIL_BACKEND = "tests.voting.notifications.test_outbox.BrokenBackend"
    assert outbox.send_receipts(edition.pk) == 0
    assert set(OutgoingMail.objects.values_list("status", "attempts", "last_error")) == {
        (MailStatus.PENDING, 1, "OSError: mail server unreachable")
    }
    assert mail.outbox == []


def test_a_receipt_the_sweep_sent_is_not_sent_again_by_a_batch(
    edition, published, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, second = _vote(edition), _vote(edition)
    assert outbox.sweep(limit=1) == [OutgoingMail.objects.get(object_ids=[first.receipt.pk]).pk]
    assert outbox.send_receipts(edition.pk) == 1
    assert _codes_sent() == sorted(
        [(first.ballot.voter.email, first.receipt.code), (second.ballot.voter.email, second.receipt.code)]
    )


def test_a_changed_ballot_is_mailed_only_the_receipt_of_its_current_version(
    edition, published, django_capture_on_commit_callbacks
) -> None:
    voter = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _vote(edition, voter=voter)
        current = _vote(edition, voter=voter, pick=1, version=1)
    assert outbox.send_receipts(edition.pk) == 2  # both mails done; the first one's receipt is outdated
    assert _codes_sent() == [(voter.email, current.receipt.code)]


def test_with_the_cache_unreachable_every_ballot_publishes(
    edition, published, settings, django_capture_on_commit_callbacks
) -> None:
    """An unreachable cache answers "not known": no ballot may count on another's message."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _vote(edition)
    assert [message[:2] for message in published] == [(edition.pk, True), (edition.pk, False), (edition.pk, False)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_send_each_receipt_once(edition, published, django_capture_on_commit_callbacks) -> None:
    """Two workers' tasks for one edition, side by side on PostgreSQL: SKIP LOCKED gives them different rows."""
    with django_capture_on_commit_callbacks(execute=True):
        stored = [_vote(edition) for _ in range(60)]
    barrier = threading.Barrier(2)

    def run() -> int:
        barrier.wait()
        try:
            return outbox.send_receipts(edition.pk)
        finally:
            connection.close()

    with mock.patch.object(outbox, "RECEIPT_BATCH", 7), ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(lambda _: run(), range(2)))
    assert sum(counts) == 60, counts
    assert _codes_sent() == sorted((s.ballot.voter.email, s.receipt.code) for s in stored)
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(MailStatus.SENT, 1)}
