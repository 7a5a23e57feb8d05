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
from django.test.utils import CaptureQueriesContext

from accounts.backends import MemberBackend
from accounts.models import User
from tests.factories import UserFactory
from tests.voting.conftest import category, edition, nominee_ids  # noqa: F401 - edition: the fixture
from voting.ballots.services import submit_ballot

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


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_prepares_its_statement_once_and_the_orm_never_does() -> None:
    member = UserFactory()
    connection.ensure_connection()
    for n in range(3):
        with connection.prepared_cursor() as cursor:
            cursor.execute("SELECT %(n)s::int + 1", {"n": n})
            assert cursor.fetchone() == (n + 1,)
        assert User.objects.get(pk=member.pk).email == member.email  # the ORM's statement, three times
    assert _prepared() == ["SELECT $1::int + 1"]


def test_with_prepared_statements_off_the_cursor_sends_its_statement_unprepared() -> None:
    connection.ensure_connection()
    connection.connection.prepare_threshold = None  # what DATABASE_PREPARED_STATEMENTS=0 configures
    with connection.prepared_cursor() as cursor:
        cursor.execute("SELECT %(n)s::int + 1", {"n": 41})
        assert cursor.fetchone() == (42,)
    assert _prepared() == []


def test_the_ballot_write_is_prepared_and_logged_with_its_values(edition) -> None:  # noqa: F811
    fund = category(edition, "fund").pk
    with CaptureQueriesContext(connection) as captured:
        for _ in range(2):
            submit_ballot(
                voter=UserFactory(),
                edition=edition,
                selections={fund: [nominee_ids(edition, "fund")[0]]},
                expected_version=0,
            )
    assert [sql for sql in _prepared() if "WITH edition AS MATERIALIZED" in sql] != []
    writes = [query["sql"] for query in captured.captured_queries if "WITH edition AS MATERIALIZED" in query["sql"]]
    # (A write refused for a curation version older than the stored one is retried: two or more.)
    assert len(writes) >= 2 and all("'receipt'" in sql for sql in writes), writes  # values in the log, not $n


def test_the_session_members_read_is_prepared_with_its_dates_aware() -> None:
    member = UserFactory()
    for _ in range(2):
        loaded = MemberBackend().get_user(member.pk)
        assert loaded is not None
        assert (loaded.email, loaded.date_joined) == (member.email, member.date_joined)
    assert [sql for sql in _prepared() if sql.startswith('SELECT "accounts_user"."id"')] != []
