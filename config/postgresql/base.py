"""Django's PostgreSQL backend (psycopg 3): a health check that reads the socket instead of sending `SELECT 1`,
and `prepared_cursor` for the few statements worth preparing on the server.

With CONN_HEALTH_CHECKS a request that reuses its process's connection first asks whether it is
still usable; Django's answer is a `SELECT 1`, one round trip on every such request (a third of
a ballot's statements). An idle connection in autocommit has nothing to read: when the server
ends it (a restart, `pg_terminate_backend`, an idle timeout) it sends its FATAL error and closes
the socket, which then polls readable. So here a usable connection is one that psycopg holds
open and unbroken, outside any transaction, whose socket has nothing waiting; anything else is
reconnected, as after a failed `SELECT 1`. A connection lost without a word (a network cut) is
found by the first query, as it was by `SELECT 1`, and the request answers 503 "try again"
(`config.database`). Over TLS the socket may hold the protocol's own records, so there the
check stays Django's `SELECT 1`.

Django binds parameters on the client (psycopg's `ClientCursor`), so PostgreSQL parses and plans
every statement anew. For the ballot's one write statement (`voting.ballots.services`) planning
cost three times its execution (1.3-2 ms against 0.5 ms, EXPLAIN ANALYZE). `prepared_cursor`
returns Django's cursor wrapper (execute wrappers, query logging, error wrapping) around a
server-binding cursor that prepares what it executes, once per connection. The ORM's cursors
never prepare. With DATABASE_PREPARED_STATEMENTS=0 (a pooler in transaction mode, where a
prepared statement would not follow the session) psycopg's preparing is off and the cursor
sends its statement unprepared.
"""

import select
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql import base, operations
from django.db.backends.utils import CursorWrapper
from psycopg.pq import TransactionStatus


class PreparingCursor(psycopg.Cursor[Any]):
    """Server-side binding; each statement prepared by psycopg on first use (unless preparing is off)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> "PreparingCursor":
        super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)
        return self


def prepared_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor whose statements are prepared on the server with Podium's PostgreSQL backend, else `cursor()`."""
    wrapper = connections[connection.alias]  # `django.db.connection` is a proxy
    if isinstance(wrapper, DatabaseWrapper):
        return wrapper.prepared_cursor()
    return wrapper.cursor()


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        """The statement as logged and captured: Django's reads a client-bound cursor's query, so compose ours."""
        if isinstance(cursor, PreparingCursor):
            return str(self.compose_sql(sql, params))
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self) -> CursorWrapper:
        """`cursor()`, but the statements it executes are prepared on the server (see the module's docstring)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparingCursor(self.connection))  # type: ignore[attr-defined, no-any-return]

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.pgconn.ssl_in_use:
            return bool(super().is_usable())
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        poller = select.poll()
        poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # readable: the server's goodbye (or the end of the stream)
