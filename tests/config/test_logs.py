"""Every request gets an id (the proxy's when sane), echoed back and stamped on each log line."""

import io
import json
import logging
import logging.config
import uuid

import pytest
from django.test import Client
from django_guid import clear_guid, set_guid
from gunicorn.glogging import SafeAtoms

from config.env import ImproperlyConfiguredEnv
from config.logs import REQUEST_ID_HEADER, RedactSecretsFilter, RequestIdFilter, logging_config, new_request_id


@pytest.mark.django_db
def test_an_offered_request_id_is_echoed(client: Client) -> None:
    offered = "4bd3a9e1c0f24d8e9a7b6c5d4e3f2a1b"  # nginx's $request_id: 32 hex digits
    response = client.get("/", HTTP_X_REQUEST_ID=offered)
    assert response[REQUEST_ID_HEADER] == offered


@pytest.mark.django_db
def test_a_missing_or_unsafe_request_id_is_replaced(client: Client) -> None:
    made = client.get("/")[REQUEST_ID_HEADER]
    assert len(made) == 32
    assert made.isalnum()
    unsafe = client.get("/", HTTP_X_REQUEST_ID='x" injected=1')[REQUEST_ID_HEADER]
    assert unsafe != 'x" injected=1'
    assert len(unsafe) == 32
    assert client.get("/", HTTP_X_REQUEST_ID="lb-7f3a.42")[REQUEST_ID_HEADER] != "lb-7f3a.42"  # not a UUID
    assert client.get("/")[REQUEST_ID_HEADER] != made


def test_a_made_request_id_is_a_random_version_4_uuid_in_hex() -> None:
    made = [new_request_id() for _ in range(200)]
    assert len(set(made)) == 200
    for request_id in made:
        parsed = uuid.UUID(hex=request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert parsed.hex == request_id


@pytest.mark.django_db
def test_an_offered_uuid_with_dashes_is_echoed_as_offered(client: Client) -> None:
    offered = "4bd3a9e1-c0f2-4d8e-9a7b-6c5d4e3f2a1b"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=offered)[REQUEST_ID_HEADER] == offered


@pytest.mark.django_db
def test_the_request_id_is_on_the_lines_logged_while_serving_the_request(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """In django-guid's context variable, which RequestIdFilter (and the Celery integration) read."""
    offered = "0123456789abcdef0123456789abcdef"
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/no-such-page/", HTTP_X_REQUEST_ID=offered)
        made = client.get("/no-such-page-either/")[REQUEST_ID_HEADER]
    assert [(r.getMessage(), r.request_id) for r in caplog.records] == [
        ("Not Found: /no-such-page/", offered),
        ("Not Found: /no-such-page-either/", made),
    ]


@pytest.mark.django_db
def test_an_unusable_request_id_is_logged_as_replaced(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="config.logs"):
        made = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42\ninjected")[REQUEST_ID_HEADER]
    assert caplog.messages == [f"X-Request-ID 'lb-7f3a.42\\ninjected' is not a UUID; using {made}"]


@pytest.mark.unit
def test_redaction_keeps_gunicorns_atoms_answering_dash_for_a_missing_one() -> None:
    """The access line's atoms are gunicorn's SafeAtoms: a missing atom reads "-", also once a key is redacted."""
    atoms = SafeAtoms({"U": "/accounts/confirm-email/MzA:SECRET/", "s": "404"})
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, '"%(U)s" %(s)s %({x-request-id}o)s', (), None)
    record.args = atoms
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == '"/accounts/confirm-email/<redacted>/" 404 -'
    untouched = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(U)s", (), None)
    untouched.args = SafeAtoms({"U": "/editions/"})
    RedactSecretsFilter().filter(untouched)
    assert untouched.getMessage() == "/editions/"


def _emit(log_format: str) -> str:
    config = logging_config(log_format, "INFO")
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    config["loggers"]["podium.test"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    config["root"] = {"level": "CRITICAL"}
    logging.config.dictConfig(config)
    try:
        set_guid("req-1")
        logging.getLogger("podium.test").warning("ballot %s stored", 7)
        clear_guid()
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
    return stream.getvalue()


@pytest.mark.unit
def test_json_lines_carry_the_request_id() -> None:
    record = json.loads(_emit("json"))
    assert record["message"] == "ballot 7 stored"
    assert record["level"] == "WARNING"
    assert record["logger"] == "podium.test"
    assert record["request_id"] == "req-1"
    assert "time" in record


@pytest.mark.unit
def test_plain_lines_carry_the_request_id() -> None:
    assert "WARNING podium.test [req-1] ballot 7 stored" in _emit("plain")


@pytest.mark.unit
def test_an_unknown_log_format_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match="LOG_FORMAT='xml'"):
        logging_config("xml", "INFO")
