"""Django's PostgreSQL backend (psycopg 3), whose health check reads the socket instead of sending `SELECT 1`.

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
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
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
