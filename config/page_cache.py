"""Visitor copies: the public pages served from the cache before sessions and the database.

One page cache for the project. Every copy is stored with the counters it was rendered
under (kept in the cache itself, read in the same round trip as the copy) and served only
while they hold; each counter is moved after commit by the writes that change what a page shows:

- the curation generation, site-wide: any save or delete of an edition, category or nominee
  (`awards.curation`), publication and window changes included (an edition's save): the home
  page, which lists every edition's phase, goes by it alone;
- an edition's visibility and release generations (`voting.results.cache`): publish,
  unpublish, a window change, a recompute's new snapshot.

A copy also records when its wording expires on its own (a phase ending, a scheduled
publication) and is never served past it. Views say which of their responses may be copied
(`mark_visitor_copy`); `VisitorPageMiddleware`, placed before sessions, serves and stores the
copies of an allow-list of URL names for visitors only (no session or messages cookie, no
Authorization header), answers a matching If-None-Match with 304, and stores a response only
when nothing in it belongs to one request: no cookie set, no CSRF token rendered, no message
shown, no Vary on anything the key does not hold. A copy keeps every header the full stack
added (CSP, security headers, Vary, Cache-Control); the request id stays per request
(`config.logs.RequestIdMiddleware` sits outside).
"""

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import timezone

logger = logging.getLogger(__name__)

VISITOR_COPY = "podium_visitor_copy"
COPY_EXPIRES = "podium_copy_expires_at"
CURATION_GENERATION = "pages-curation"

# The pages visitors read most; each renders the same for every visitor (no form, no message).
COPIED_VIEWS = frozenset(
    {
        "awards:home",
        "awards:edition",
        "awards:category",
        "voting:results",
        "voting:category_results",
        "voting:winners",
    }
)
# Vary values the key accounts for: these pages read no cookie but the session's and the
# messages' (a request carrying either is never served a copy).
_KEYED_VARY = frozenset({"cookie"})
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "set-cookie"})
# Kept by a 304, as Django's HttpResponseNotModified keeps them: all but the body's own headers.
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-disposition"})
# Raw headers, read from META: `request.headers` would build a mapping of every header first.
_AUTHORIZATION, _COOKIES, _IF_NONE_MATCH = "HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_IF_NONE_MATCH"


# Settings shape the headers and pages a copy holds; they change only under override_settings
# (tests), which makes this process's earlier copies unreachable, as a restart would.
_settings_epoch = 0


def _settings_changed(**kwargs: Any) -> None:
    global _settings_epoch
    _settings_epoch += 1
    _resolved.cache_clear()  # ROOT_URLCONF may be one of them


setting_changed.connect(_settings_changed, dispatch_uid="podium-page-cache-settings")


def visibility_generation(edition_slug: str) -> str:
    return f"results-visibility:{edition_slug}"


def release_generation(edition_slug: str) -> str:
    return f"results-release:{edition_slug}"


def mark_visitor_copy(response: HttpResponseBase, *, copy: bool = True, expires_at: datetime | None) -> None:
    """Let visitors be served a copy of this response until `expires_at` (None: until a write moves a counter)."""
    setattr(response, VISITOR_COPY, copy)
    setattr(response, COPY_EXPIRES, expires_at.timestamp() if expires_at is not None else None)


def read_generations(keys: Iterable[str]) -> dict[str, int] | None:
    """The counters' values (0 when never moved), or None when the cache cannot be reached."""
    keys = list(keys)
    try:
        found = cache.get_many(keys)
    except Exception:  # an unreachable cache degrades to rendering every time
        logger.warning("page cache unreachable; rendering without it", exc_info=True)
        return None
    return {key: int(found.get(key, 0)) for key in keys}


def bump_generation(key: str) -> None:
    """Move a counter: every copy stored under its previous value becomes unreachable."""
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # copies expire on their own (2 x PODIUM_RESULTS_CACHE_SECONDS)
        logger.warning("could not move page cache counter %s", key, exc_info=True)


def forget_curated_pages_after_commit() -> None:
    """A curated row changed: after the commit, no copy of any page shows the old rows."""
    transaction.on_commit(lambda: bump_generation(CURATION_GENERATION))


def etag_of(content: bytes) -> str:
    return f'"{hashlib.blake2b(content, digest_size=12).hexdigest()}"'


def matches_etag(request: HttpRequest, etag: str) -> bool:
    return etag in (tag.strip() for tag in request.META.get(_IF_NONE_MATCH, "").split(","))


class StoredHead(NamedTuple):
    """A copy's status line and headers, apart from its body: a 304 never reads the body."""

    headers: tuple[tuple[str, str], ...]  # as the full stack answered, but the per-request ones
    etag: str
    expires_at: float | None
    generations: tuple[int, ...]  # the counters read before it rendered: served only while they hold


class _Lookup(NamedTuple):
    key: str
    generations: tuple[int, ...]
    head: StoredHead | None  # usable: same generations, not expired
    body: bytes | None  # the head's body when it was read along (no If-None-Match) and matches


def _body_key(key: str) -> str:
    return f"{key}:body"


def _body_of(found: object, head: StoredHead) -> bytes | None:
    """The stored body, when it is the head's (the two keys are written together, but apart)."""
    if isinstance(found, tuple) and len(found) == 2 and found[0] == head.etag and isinstance(found[1], bytes):
        return found[1]
    return None


def _is_visitor(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    if _AUTHORIZATION in request.META:
        return False
    if not request.META.get(_COOKIES):
        return True
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


@functools.lru_cache(maxsize=4096)
def _resolved(path_info: str) -> ResolverMatch | None:
    """The path's match when it names a copied view. Kept per path (the URL patterns only change
    with the settings): resolving walks every pattern, a good part of an early answer's cost."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    return match if match.view_name in COPIED_VIEWS else None


def _lookup(request: HttpRequest, match: ResolverMatch) -> _Lookup | None:
    """The copy's key, the counters now and the usable copy, in one cache round trip (None: no cache)."""
    try:
        host = request.get_host()
    except DisallowedHost:  # the full stack answers it (400)
        return None
    key = f"visitor-page:{request.scheme}://{host}{request.path}"
    counters = [CURATION_GENERATION]
    edition_slug = match.kwargs.get("edition_slug")
    if edition_slug:
        counters += [visibility_generation(edition_slug), release_generation(edition_slug)]
    # A conditional GET most often matches: its body is read only if it does not (a second trip).
    with_body = not request.META.get(_IF_NONE_MATCH)
    try:
        found = cache.get_many([key, *counters, *([_body_key(key)] if with_body else [])])
    except Exception:  # an unreachable cache degrades to rendering every time
        logger.warning("page cache unreachable; rendering without it", exc_info=True)
        return None
    generations = (*(int(found.get(counter, 0)) for counter in counters), _settings_epoch)
    head = found.get(key)
    if not isinstance(head, StoredHead) or head.generations != generations:
        return _Lookup(key, generations, None, None)
    if head.expires_at is not None and timezone.now().timestamp() >= head.expires_at:
        return _Lookup(key, generations, None, None)
    return _Lookup(key, generations, head, _body_of(found.get(_body_key(key)), head))


def _refusal(request: HttpRequest, response: HttpResponseBase) -> str | None:
    """Why this response must not be copied for other visitors (None: it may)."""
    if response.status_code != 200 or response.streaming or not getattr(response, VISITOR_COPY, False):
        return "not marked as a visitor copy"
    if response.cookies or response.has_header("Set-Cookie"):
        return "sets a cookie"
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return "rendered a CSRF token"
    storage = getattr(request, "_messages", None)
    if storage is not None and (getattr(storage, "used", False) or getattr(storage, "_queued_messages", None)):
        return "shows or adds a message"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return "signed in"
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if vary - _KEYED_VARY:
        return f"varies on {sorted(vary - _KEYED_VARY)}"
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return "Cache-Control forbids it"
    return None


class VisitorPageMiddleware:
    """Serve visitors the stored copy of a public page, or render it through the full stack and store it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        match = _resolved(request.path_info) if _is_visitor(request) else None
        lookup = _lookup(request, match) if match is not None else None
        if lookup is None:
            return self.get_response(request)
        if lookup.head is not None:
            served = _served(request, lookup.key, lookup.head, lookup.body)
            if served is not None:
                request.resolver_match = match  # the request metrics count it under its view
                return served
        response = self.get_response(request)
        if _refusal(request, response) is None:
            # Under the counters read before rendering: a render that raced a write is never served.
            self._store(lookup.key, lookup.generations, response)
        return response

    @staticmethod
    def _store(key: str, generations: tuple[int, ...], response: HttpResponseBase) -> None:
        if not isinstance(response, HttpResponse):  # _refusal let through no streaming response
            return
        if not response.has_header("ETag"):
            response["ETag"] = etag_of(response.content)
        expires_at: float | None = getattr(response, COPY_EXPIRES, None)
        timeout = 2 * settings.PODIUM_RESULTS_CACHE_SECONDS
        if expires_at is not None:
            timeout = min(timeout, max(1, int(expires_at - timezone.now().timestamp()) + 1))
        headers = tuple((name, value) for name, value in response.items() if name.lower() not in _PER_REQUEST_HEADERS)
        etag = response["ETag"]
        try:
            cache.set_many(
                {key: StoredHead(headers, etag, expires_at, generations), _body_key(key): (etag, response.content)},
                timeout,
            )
        except Exception:
            logger.warning("could not store a visitor copy", exc_info=True)


def _served(request: HttpRequest, key: str, head: StoredHead, body: bytes | None) -> HttpResponse | None:
    """The copy's 304 or 200, or None when its body is gone (rendered again then)."""
    if matches_etag(request, head.etag):
        response: HttpResponse = HttpResponseNotModified()
        for name, value in head.headers:
            if name.lower() not in _BODY_HEADERS:
                response[name] = value
        response["Content-Length"] = "0"
        return response
    if body is None:
        try:
            body = _body_of(cache.get(_body_key(key)), head)
        except Exception:
            logger.warning("page cache unreachable; rendering without it", exc_info=True)
        if body is None:
            return None
    response = HttpResponse(body)
    for name, value in head.headers:
        response[name] = value
    return response
