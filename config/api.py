"""Podium's versioned JSON API, served at /api/v1/ (docs at /api/v1/docs, schema at /api/v1/openapi.json)."""

import hashlib
import json
import math
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.throttling import SimpleRateThrottle

from accounts.api_auth import bearer_token
from awards.api import router as awards_router
from config.api_errors import error_body, install_error_handlers
from voting.ballots.api import router as ballots_router
from voting.results.api import router as results_router


class _SettingsThrottle(SimpleRateThrottle):
    """ninja's sliding-window throttle, with its rate read from a Podium setting on each request.

    It keeps the request being checked on the instance (ninja's design), which is safe in
    gunicorn's sync workers (one request at a time per process).
    """

    setting = ""

    def __init__(self) -> None:
        super().__init__(getattr(settings, self.setting))

    def allow_request(self, request: HttpRequest) -> bool:
        self.num_requests, self.duration = self.parse_rate(getattr(settings, self.setting))
        return super().allow_request(request)


class AddressThrottle(_SettingsThrottle):
    """Every request, per client address (as allauth resolves it, honouring its trusted proxies)."""

    setting = "PODIUM_API_RATE_LIMIT_ADDRESS"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        try:
            address = get_adapter().get_client_ip(request)
        except PermissionDenied:  # no address at all (a misconfigured proxy): one shared bucket
            address = "unknown"
        return f"api-rl:address:{address}"


class TokenThrottle(_SettingsThrottle):
    """Requests presenting a Bearer token, per token (keyed by its hash; the token is never stored)."""

    setting = "PODIUM_API_RATE_LIMIT_TOKEN"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = bearer_token(request)
        return f"api-rl:token:{hashlib.sha256(token.encode()).hexdigest()}" if token else None


class _Docs(Swagger):
    """Swagger UI from ninja's vendored assets; it sends the CSRF token, so a logged-in member can
    try the ballot endpoints with their session (ninja adds it only for API-wide session auth)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": True}
        return render(request, self.template, context)


api = NinjaAPI(
    title="Podium API",
    version="1",
    description=(
        "Editions, categories, nominees and results of Podium's community-voted awards, and a member's own "
        'ballot. Errors (4xx) share one shape: {"error": {"code", "message", "fields"}}. '
        "Authenticate with a personal API token (Authorization: Bearer pdm_…) or a logged-in session with CSRF."
    ),
    urls_namespace="api-v1",
    docs=_Docs(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", awards_router)
api.add_router("/", results_router)
api.add_router("/", ballots_router)


THROTTLES = (AddressThrottle(), TokenThrottle())


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """429 with Retry-After when the address or the token is over its rate.

    Checked before ninja runs authentication, so guessing tokens is limited too.
    """
    waits = [throttle.wait() for throttle in THROTTLES if not throttle.allow_request(request)]
    if not waits:
        return None
    wait = max((w for w in waits if w is not None), default=60.0)
    message = "Too many requests. Wait before trying again (see the Retry-After header)."
    response = api.create_response(request, error_body("rate_limited", message), status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _guarded(view: Any) -> Any:
    """Every API view: rate limits first; a wrong method answered in the API's error shape
    (ninja's own 405 is bare). CORS is django-cors-headers' (settings: CORS_*)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = _throttled(request) or view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            body = error_body("method_not_allowed", f"{request.method} is not allowed here.")
            refused = api.create_response(request, body, status=405)
            refused["Allow"] = response["Allow"]
            response = refused
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _guarded(pattern.callback)
    return patterns, app_name, namespace


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/v1/: the error shape, not the HTML 404 page."""
    return api.create_response(request, error_body("not_found", "No such API endpoint."), status=404)
