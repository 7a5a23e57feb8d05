"""Log records that can be followed across processes: a request id on every line, plain or JSON.

django-guid (first in MIDDLEWARE) takes the proxy's `X-Request-ID` when it is a UUID (an
nginx `$request_id` is one), or makes one, keeps it in a context variable for the length of
the request and echoes it in the response; its Celery integration hands it to the tasks a
request queues. `RequestIdFilter` stamps it on every record, `RedactSecretsFilter` keeps
keys out, and `logging_config` builds the LOGGING dict for `LOG_FORMAT` plain or json,
shared by Django, gunicorn (gunicorn.conf.py) and the Celery worker.
"""

import re
from logging import Filter, LogRecord
from typing import Any

from django_guid.context import guid

from config.env import ImproperlyConfiguredEnv

REQUEST_ID_HEADER = "X-Request-ID"

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
            "django_guid": {"level": "WARNING"},  # it logs every id it sets and clears at INFO
        },
    }
