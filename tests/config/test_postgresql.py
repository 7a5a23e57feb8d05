"""`config.postgresql`: a reused connection is health-checked on its socket, with no statement on the wire.

Django's check sends `SELECT 1` on every request that reuses its process's connection. Ours
polls the socket: an idle connection the server ended (a restart, `pg_terminate_backend`) has
the server's goodbye waiting and is replaced before the request's first query, as before.
"""

import select
import time
from collections.abc import Iterator
from unittest import mock

import psycopg
import pytest
from django.db import close_old_connections, connection

from accounts.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement psycopg sends, Django's own cursors or not."""
    sent: list[str] = []
    real = psycopg.Cursor.execute

    def recording(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return real(cursor, query, *args, **kwargs)

    with (
        mock.patch.object(psycopg.Cursor, "execute", recording),
        mock.patch.object(psycopg.ClientCursor, "execute", recording),
    ):
        yield sent


def _terminate_this_connection() -> None:
    with psycopg.connect(
        host=connection.settings_dict["HOST"] or "127.0.0.1",
        port=connection.settings_dict["PORT"] or 5432,
        user=connection.settings_dict["USER"] or "postgres",
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    poller = select.poll()  # the server's FATAL message and end of stream reach our socket
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass


def test_a_healthy_reused_connection_is_checked_without_a_statement(statements: list[str]) -> None:
    connection.ensure_connection()
    statements.clear()
    assert connection.is_usable() is True
    assert statements == []


def test_a_connection_the_server_ended_is_replaced_before_the_next_requests_first_query() -> None:
    member = UserFactory()
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid
    _terminate_this_connection()
    assert connection.is_usable() is False
    close_old_connections()  # what Django does when the next request starts
    assert User.objects.get(pk=member.pk).email == member.email  # on a new connection, no error
    assert connection.connection.info.backend_pid != old_pid


def test_inside_a_transaction_the_connection_is_not_reused_as_healthy() -> None:
    connection.ensure_connection()
    connection.connection.execute("BEGIN")
    try:
        assert connection.is_usable() is False
    finally:
        connection.connection.execute("ROLLBACK")
