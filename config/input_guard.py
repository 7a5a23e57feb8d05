"""Refuse NUL characters in a request's path, query string and cookies before any view runs.

No Podium value can hold NUL, and PostgreSQL refuses it in text ("cannot contain NUL"), so a
`%00` in a URL used to reach a lookup and answer 500. Form fields refuse it themselves
(Django's CharField) and API bodies through `config.text.ApiText`; this covers the inputs
that no form or schema sees. API paths get the API's error shape, pages the 400 page.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.api_errors import error_body

NUL_MESSAGE = "The request contains a NUL character, which no Podium value can hold."
# The raw header, read from META: `request.headers` would build a mapping of every header first.
_RAW_COOKIES = "HTTP_COOKIE"


def _has_nul(request: HttpRequest) -> bool:
    """Whether the path, query string or a cookie holds NUL, read from the raw values (nothing parsed).

    A query string can only say NUL as a raw NUL or `%00` (the `+` and every other escape
    decode to something else), and a cookie only as a raw NUL or, inside a quoted value, a
    backslash escape (`"\\000"`): only that case is parsed, as Django parses it.
    """
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in query or "%00" in query:
        return True
    cookies = request.META.get(_RAW_COOKIES, "")
    if "\x00" in cookies:
        return True
    return "\\" in cookies and any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("bad_request", NUL_MESSAGE), status=400)
        return render(request, "400.html", {"message": NUL_MESSAGE}, status=400)
