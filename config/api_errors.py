"""One error shape for every 4xx answer of the JSON API (and its 503 "try again").

    {"error": {"code": "not_found", "message": "No such edition.", "fields": {}}}

`code` is stable and meant for programs; `message` is for people; `fields` maps an input
field (dotted path) to its problems.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.responses import codes_4xx

from config.database import TRY_AGAIN, forget_broken_connection

# Every client error an operation can answer, in the one shape: ninja's 4xx set lacks 413 (a body
# over the size limit) and 422 (a body or query that fails validation), which Podium sends too.
CLIENT_ERRORS = frozenset(codes_4xx | {413, 422})


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raise from an API view to answer with the error shape."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    422: "invalid_request",
    429: "rate_limited",
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "payload", "selections", "x") -> "selections.x"; ("query", "limit") -> "limit"
    parts = [str(part) for part in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install_error_handlers(api: NinjaAPI) -> None:
    """Route every exception an API view can raise for a client error into the one shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        response = respond(request, exc.status, error_body(exc.code, exc.message, exc.fields))
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="podium"'
        return response

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for problem in exc.errors:
            fields.setdefault(_field_name(problem.get("loc", ())), []).append(str(problem.get("msg", "Invalid.")))
        return respond(request, 422, error_body("invalid_request", "The request is not valid.", fields))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", str(exc) or "Not found."))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        message = f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        return respond(request, 413, error_body("too_large", message))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "Log in, or send a personal API token as 'Authorization: Bearer <token>'."
        response = respond(request, 401, error_body("not_authenticated", message))
        response["WWW-Authenticate"] = 'Bearer realm="podium"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        message = "Too many requests. Wait before trying again (see the Retry-After header)."
        response = respond(request, 429, error_body("rate_limited", message))
        if exc.wait is not None:
            response["Retry-After"] = str(max(1, int(-(-exc.wait // 1))))
        return response

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_lost(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        forget_broken_connection()  # nothing was stored; the error page runs on a fresh connection
        return respond(request, 503, error_body("try_again", TRY_AGAIN))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = STATUS_CODES.get(exc.status_code, "error")
        return respond(request, exc.status_code, error_body(code, str(exc)))
