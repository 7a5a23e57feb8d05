"""Log records that can be followed across processes: a request id on every line, plain or JSON.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the proxy's `X-Request-ID` when it is a
sane token, or makes one, keeps it in a context variable for the length of the request,
and echoes it in the response. `RequestIdFilter` stamps it on every record (celery tasks
use their task id), and `logging_config` builds the LOGGING dict for `LOG_FORMAT` plain or
json, shared by Django, gunicorn (gunicorn.conf.py) and the Celery worker.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from logging import Filter, LogRecord
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.env import ImproperlyConfiguredEnv

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")  # no spaces or quotes: safe in any log line
_request_id: ContextVar[str] = ContextVar("request_id", default="-")

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d"


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str) -> Token[str]:
    return _request_id.set(value)


def unbind_request_id(token: Token[str]) -> None:
    _request_id.reset(token)


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    token = bind_request_id(value)
    try:
        yield value
    finally:
        unbind_request_id(token)


def accept_request_id(offered: str | None) -> str:
    """The caller's id when it is a sane token (a proxy's or a client's), else a fresh one."""
    if offered and _ACCEPTABLE.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_id_bound(accept_request_id(request.headers.get(REQUEST_ID_HEADER))) as request_id:
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(Filter):
    def filter(self, record: LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


# Secrets that travel in a URL path: e-mail confirmation and password reset keys (allauth).
_SECRET_IN_PATH = re.compile(r"(/accounts/confirm-email/|/accounts/password/reset/key/)(?!done/)[^/?\s\"]+")


def redact_secrets(text: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1<redacted>", text)


class RedactSecretsFilter(Filter):
    """Keep confirmation and reset keys out of every log line: gunicorn's access log (its
    atoms are the record's args) and Django's own request warnings ("Not Found: /path")."""

    def filter(self, record: LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, dict):
            record.args = {k: redact_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(v) if isinstance(v, str) else v for v in record.args)
        return True


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A dictConfig for `LOG_FORMAT` ("plain" or "json") at `level`; stderr, one record per line."""
    if log_format not in ("plain", "json"):
        raise ImproperlyConfiguredEnv(f"LOG_FORMAT={log_format!r} must be plain or json")
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if log_format == "json"
        else {"format": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "config.logs.RequestIdFilter"},
            "redact_secrets": {"()": "config.logs.RedactSecretsFilter"},
        },
        "formatters": {"podium": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "podium",
                "filters": ["request_id", "redact_secrets"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default console handler for "django" (DEBUG only) would print its records
            # a second time, unformatted and unfiltered: everything goes through "console".
            "django": {"level": "INFO", "handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }
