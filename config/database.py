"""What a request does when the database goes away under it: nothing was stored, so say "try again".

The web ballot and the JSON API share this: they catch `LOST_CONNECTION`, call
`forget_broken_connection` so the rest of the request runs on a fresh connection, and answer
503 with `TRY_AGAIN` (the web form keeps the voter's choices on the page).
"""

from django.db import InterfaceError, OperationalError, connection

LOST_CONNECTION = (OperationalError, InterfaceError)
TRY_AGAIN = "We could not store this because of a temporary server problem. Nothing was changed: please try again."


def forget_broken_connection() -> None:
    """Drop the connection that failed mid-transaction; Django opens a new one on the next query."""
    connection.close()
