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


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", ""):
        return True
    query = request.GET.lists()
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in query):
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("bad_request", NUL_MESSAGE), status=400)
        return render(request, "400.html", {"message": NUL_MESSAGE}, status=400)
