"""The middleware stack's cheaper parts behave as the libraries they stand in for.

Content-Security-Policy built once (config/content_policy.py), sessions and messages opened
only when used (config/sessions.py, config/messages.py): same headers, same stored data.
"""

import pytest
from asgiref.sync import async_to_sync
from csp.constants import NONE, SELF
from csp.utils import build_policy
from django.conf import LazySettings
from django.contrib import messages
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from config.content_policy import CSPMiddleware
from config.messages import LazyFallbackStorage
from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_every_page_gets_the_policy_django_csp_builds(client: Client) -> None:
    assert client.get("/")["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in client.get("/receipts/")["Content-Security-Policy"]


def test_a_changed_policy_setting_is_served_at_once(client: Client) -> None:
    client.get("/")  # the site's policy is built and kept
    policy = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF, "https://cdn.example"], "object-src": [NONE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        header = client.get("/")["Content-Security-Policy"]
    assert sorted(header.split("; ")) == [
        "default-src 'self'",
        "img-src 'self' https://cdn.example",
        "object-src 'none'",
    ]
    assert client.get("/")["Content-Security-Policy"] == build_policy()


def test_a_report_only_policy_is_sent_beside_the_enforced_one(client: Client) -> None:
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"script-src": [SELF]}}):
        response = client.get("/")
        assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]
    assert response["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in client.get("/")


def test_a_response_with_a_policy_of_its_own_and_a_nonce_get_django_csps_header(rf: RequestFactory) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(f"nonce {request.csp_nonce}")  # type: ignore[attr-defined]
        response._csp_replace = {"frame-ancestors": ["*"]}  # type: ignore[attr-defined]  # as @csp_replace sets it
        return response

    request = rf.get("/embed/")
    response = CSPMiddleware(view)(request)
    header = response["Content-Security-Policy"]
    assert "frame-ancestors *" in header
    assert header == build_policy(replace={"frame-ancestors": ["*"]}, nonce=request._csp_nonce)  # type: ignore[attr-defined]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error(rf: RequestFactory) -> None:
    request = rf.get("/")
    CSPMiddleware(lambda r: HttpResponse("plain"))(request)
    with pytest.raises(Exception, match="not available after the CSP header has been written"):
        str(request.csp_nonce)  # type: ignore[attr-defined]


def test_sessions_are_djangos_cached_db_sessions_in_both_directions() -> None:
    """Sessions stored before the switch stay readable, and the other way round (same keys and format)."""
    theirs = cached_db.SessionStore()
    theirs["member"] = 7
    theirs.save()
    mine = SessionStore(theirs.session_key)
    assert mine["member"] == 7
    mine["member"] = 8
    mine.save()
    assert cached_db.SessionStore(theirs.session_key)["member"] == 8
    assert SessionStore.cache_key_prefix == cached_db.SessionStore.cache_key_prefix


def test_a_request_that_never_opens_its_session_or_messages_sets_nothing_up(rf: RequestFactory) -> None:
    session = SessionStore("some-key")
    assert "_cache" not in vars(session) and "serializer" not in vars(session)
    storage = LazyFallbackStorage(rf.get("/"))
    response = HttpResponse()
    assert not storage.update(response)
    assert "storages" not in vars(storage)
    assert not response.cookies


def test_a_message_is_shown_once_on_the_next_page(client: Client) -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    storage = LazyFallbackStorage(request)
    request._messages = storage  # type: ignore[attr-defined]
    messages.success(request, "Your support is counted: “Zed”.")
    response = HttpResponse()
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    shown = client.get("/").content.decode()
    assert "Your support is counted: “Zed”." in shown
    assert "Your support is counted" not in client.get("/").content.decode()


def test_a_request_looks_up_no_setting_that_is_not_there(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing setting is an AttributeError raised and caught on each read: on a hot path,
    e.g. django-redis' close at the end of every request, every setting it reads is set."""
    redis_cache = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # never reached: closing does not connect
            "OPTIONS": {"IGNORE_EXCEPTIONS": True},
        }
    }
    missing: list[str] = []
    lookup = LazySettings.__getattr__

    def recording(self: LazySettings, name: str) -> object:
        try:
            return lookup(self, name)
        except AttributeError:
            missing.append(name)
            raise

    with override_settings(CACHES=redis_cache):
        client.get("/healthz")  # the first request builds the middleware, which reads optional settings once
        assert caches["default"].client is not None  # as in a worker: gunicorn.conf.py warms it
        with monkeypatch.context() as patched:  # recording only this request, not the settings' restoring
            patched.setattr(LazySettings, "__getattr__", recording)
            assert client.get("/healthz").status_code == 200
    assert missing == []


def test_the_policy_is_sent_by_an_async_chain_too(rf: RequestFactory) -> None:
    """The middleware runs its two steps itself when the chain is sync; an async one takes MiddlewareMixin's path."""

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("plain")

    response = async_to_sync(CSPMiddleware(view))(rf.get("/"))
    assert response["Content-Security-Policy"] == build_policy()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
