"""What a request does when the database goes away under it: say "try again", never a 500.

The web ballot and the JSON API catch `LOST_CONNECTION` themselves: nothing was stored, so they
call `forget_broken_connection` (the rest of the request runs on a fresh connection) and answer
503 with `TRY_AGAIN` (the web form keeps the voter's choices on the page). Every other page, and
a ballot whose member could not even be read, gets `LostConnectionMiddleware`'s 503 page.
"""

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader

LOST_CONNECTION = (OperationalError, InterfaceError)
TRY_AGAIN = "We could not store this because of a temporary server problem. Nothing was changed: please try again."
INTERRUPTED = "A temporary server problem interrupted this request. Please try again in a moment."


def forget_broken_connection() -> None:
    """Drop the connection that failed mid-transaction; Django opens a new one on the next query."""
    connection.close()


class LostConnectionMiddleware:
    """A view that lost its database connection answers 503 "try again" instead of a 500.

    The page is rendered without a request context (no user, no query), as the 500 page is: the
    database may still be away. It does not claim that nothing was stored (a view may have
    committed before the connection went); the ballot and the API, which know, say so themselves.
    """

    def __init__(self, get_response: object) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)  # type: ignore[operator, no-any-return]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:  # noqa: ARG002
        if not isinstance(exception, LOST_CONNECTION):
            return None
        forget_broken_connection()
        page = loader.get_template("503.html").render({"message": INTERRUPTED})
        return HttpResponse(page, status=503, headers={"Retry-After": "5"})
