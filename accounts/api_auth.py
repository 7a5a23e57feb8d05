"""Who is calling the JSON API: a personal API token (Bearer), or a logged-in session with CSRF."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from accounts.models import User
from accounts.services import user_for_api_token
from config.api_errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pdm_…`: a member's personal API token (create one on the account page)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return _member_for_token(token.strip())


class SessionAuth(APIKeyCookie):
    """The browser session of a logged-in member; changes also need the CSRF token (X-CSRFToken)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", "Send the CSRF token (X-CSRFToken header) with a session request.")
        return request.user


MEMBER_AUTH = [TokenAuth(), SessionAuth()]


def api_viewer(request: HttpRequest) -> User | AnonymousUser:
    """The caller of a public endpoint: a token's member, the session's member, or anonymous.

    A presented but unknown or revoked token is refused rather than silently ignored.
    """
    token = bearer_token(request)
    if token is None:
        return request.user
    return _member_for_token(token)


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an `Authorization: Bearer …` header (None when there is none, or it is empty)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _member_for_token(token: str) -> User:
    user = user_for_api_token(token)
    if user is None:
        raise ApiError(401, "invalid_token", "This API token is unknown or has been revoked.")
    return user
