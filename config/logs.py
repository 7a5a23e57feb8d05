"""Log records that can be followed across processes: a request id on every line, plain or JSON.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the proxy's `X-Request-ID` when it is a UUID
(an nginx `$request_id` is one), or makes one, keeps it in django-guid's context variable for
the length of the request and echoes it in the response; django-guid's Celery integration
hands it to the tasks a request queues. `RequestIdFilter` stamps it on every record,
`RedactSecretsFilter` keeps keys out, and `logging_config` builds the LOGGING dict for
`LOG_FORMAT` plain or json, shared by Django, gunicorn (gunicorn.conf.py) and the Celery worker.
"""

import copy
import logging
import os
import re
import uuid
from collections.abc import Callable
from logging import Filter, LogRecord
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_guid.context import guid

from config.env import ImproperlyConfiguredEnv

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_META = "HTTP_X_REQUEST_ID"

logger = logging.getLogger(__name__)


def _is_uuid(value: str) -> bool:
    """django-guid's test of an offered id: anything `uuid.UUID` reads (32 hex digits, dashes or not)."""
    try:
        uuid.UUID(value, version=4)
    except ValueError:
        return False
    return True


def new_request_id() -> str:
    """A random (version 4) UUID in hex, as `uuid.uuid4().hex` gives, without building a UUID
    object: a fifth of the cost, on every request that comes without an id."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    return raw.hex()


class RequestIdMiddleware:
    """The request id, as django-guid's middleware sets it, for a fraction of its cost per request.

    django-guid's own middleware builds the header mapping, resolves the full path twice and
    logs four times for every request (issue 16 measured it among the stack's dearest); this
    reads one header. The id lives in django-guid's context variable, so its Celery
    integration and `RequestIdFilter` see it unchanged; it stays set after the response, so
    gunicorn's access line for the request carries it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.META.get(_REQUEST_ID_META)
        if offered and _is_uuid(offered):
            request_id = offered
        else:
            request_id = new_request_id()
            if offered:
                logger.warning("%s %r is not a UUID; using %s", REQUEST_ID_HEADER, offered[:64], request_id)
        guid.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d"


class RequestIdFilter(Filter):
    """django-guid's id of the current request or task, "-" outside one (its own filter
    would print "None")."""

    def filter(self, record: LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = guid.get() or "-"
        return True


# Secrets that travel in a URL path: e-mail confirmation and password reset keys (allauth).
_SECRET_IN_PATH = re.compile(r"(/accounts/confirm-email/|/accounts/password/reset/key/)(?!done/)[^/?\s\"]+")


_KEYED_PATHS = "/accounts/"  # in every path the pattern redacts: a cheap test before the regex


def redact_secrets(text: str) -> str:
    return _SECRET_IN_PATH.sub(r"\1<redacted>", text) if _KEYED_PATHS in text else text


class RedactSecretsFilter(Filter):
    """Keep confirmation and reset keys out of every log line: gunicorn's access log (its
    atoms are the record's args) and Django's own request warnings ("Not Found: /path")."""

    def filter(self, record: LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access atoms: every header and environ variable
            secret = [k for k, v in record.args.items() if isinstance(v, str) and _KEYED_PATHS in v]
            if secret:
                # A copy of the same type: gunicorn's atoms answer "-" for an atom they lack.
                args = copy.copy(record.args)
                for key in secret:
                    args[key] = redact_secrets(args[key])
                record.args = args
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
            "django_guid": {"level": "WARNING"},  # it logs every id it sets and clears at INFO
        },
    }
