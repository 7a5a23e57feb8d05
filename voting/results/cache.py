"""The public results pages' cache: visitors are served a stored copy, with no database query on a hit.

Every page, download, embed and share image of an edition's results is cached under two
counters kept in the cache itself:

- the visibility generation, moved (after commit) by every change that can hide results or
  change their wording: publish, unpublish, a phase or window change, the edition admin's
  save (which may make a draft, change the visibility rule or the slug). No copy is ever
  served across it, so what was hidden is hidden at once;
- the release generation, moved by a recompute's new snapshot. While one process renders
  the new release, others may serve the previous release's copy (no stampede), since the
  visibility it was rendered under still holds.

A copy also records when its wording expires on its own (voting closing, a scheduled
publication): past that moment it is never served, so "leading" never outlives the close.
"""

import hashlib
import logging
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone

from voting.results.selectors import EditionResults

logger = logging.getLogger(__name__)

PUBLIC_MARK = "podium_public_results"
EXPIRES_MARK = "podium_results_expire_at"


class CachedPage(NamedTuple):
    content: bytes
    content_type: str
    disposition: str
    etag: str
    expires_at: float | None  # POSIX time after which the copy's wording is out of date


def mark_public(response: HttpResponse, found: EditionResults | None) -> HttpResponse:
    """Mark a response that shows public results: visitors may be served a copy of it.

    None (results hidden) and a staff preview are never copied. The copy expires when the
    results' stage ends on its own (say, at the close of voting).
    """
    public = found is not None and not found.is_preview
    setattr(response, PUBLIC_MARK, public)
    if found is not None:
        ends_at = found.edition.results_stage_ends_at(timezone.now())
        setattr(response, EXPIRES_MARK, ends_at.timestamp() if ends_at else None)
    return response


def _visibility_key(edition_slug: str) -> str:
    return f"results-visibility:{edition_slug}"


def _release_key(edition_slug: str) -> str:
    return f"results-release:{edition_slug}"


def cached_page_key(edition_slug: str, page: str, *, release_offset: int = 0) -> str | None:
    """The cache key of a public results page, or None when the cache cannot be reached.

    `release_offset=-1` names the previous release's copy under the same visibility.
    """
    try:
        counters = cache.get_many([_visibility_key(edition_slug), _release_key(edition_slug)])
    except Exception:  # an unreachable cache degrades to rendering every time
        logger.warning("results cache unreachable; rendering without it", exc_info=True)
        return None
    visibility = int(counters.get(_visibility_key(edition_slug), 0))
    release = int(counters.get(_release_key(edition_slug), 0)) + release_offset
    return f"results-page:{edition_slug}:{page}:v{visibility}:r{release}"


def _bump(key: str, edition_slug: str) -> None:
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # entries expire on their own (2 x PODIUM_RESULTS_CACHE_SECONDS)
        logger.warning("could not invalidate cached results of %s", edition_slug, exc_info=True)


def forget_release(edition_slug: str) -> None:
    """A new snapshot: fresh copies are rendered, the previous one may stand in meanwhile.

    Call after the snapshot commits (`transaction.on_commit`).
    """
    _bump(_release_key(edition_slug), edition_slug)


def forget_visibility(edition_slug: str) -> None:
    """Visibility, phase or slug changed: every cached copy of the edition becomes unreachable.

    Call after the change commits (`transaction.on_commit`): before it, a render could still
    read the old state and store it under the new generation.
    """
    _bump(_visibility_key(edition_slug), edition_slug)


def _usable(hit: object) -> CachedPage | None:
    if not isinstance(hit, CachedPage):  # anything else is a miss (an entry of an older format)
        return None
    if hit.expires_at is not None and timezone.now().timestamp() >= hit.expires_at:
        return None
    return hit


def cached_for_visitors(
    page: str, render_page: Callable[[], HttpResponse]
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Serve anonymous visitors a cached copy (no database query on a hit); render for others.

    Only public results are cached. The key is read before rendering, so a render that
    raced a visibility change stores its copy under the old, unreachable generation.
    Cached copies carry an ETag, so a visitor's conditional GET gets a 304 without the body.
    """

    def serve(request: HttpRequest, edition_slug: str) -> HttpResponse:
        key = cached_page_key(edition_slug, page) if not request.user.is_authenticated else None
        if key is None:
            return render_page()
        hit = _usable(cache.get(key))
        if hit is not None:
            return _from_cache(request, hit)
        if not cache.add(f"{key}:rendering", 1, timeout=10):
            # Another process is rendering this release: serve the previous release's copy
            # meanwhile (same visibility generation, so the current rules still show it).
            previous = cached_page_key(edition_slug, page, release_offset=-1)
            stale = _usable(cache.get(previous)) if previous else None
            if stale is not None:
                return _from_cache(request, stale)
        try:
            response = render_page()
            if getattr(response, PUBLIC_MARK, False):
                _store(key, response)
        finally:
            cache.delete(f"{key}:rendering")
        return response

    return serve


def _store(key: str, response: HttpResponse) -> None:
    content = response.content
    etag = f'"{hashlib.blake2b(content, digest_size=12).hexdigest()}"'
    response["ETag"] = etag
    expires_at: float | None = getattr(response, EXPIRES_MARK, None)
    entry = CachedPage(content, response["Content-Type"], response.get("Content-Disposition", ""), etag, expires_at)
    # Kept twice as long as it is fresh, so that it can stand in while its successor renders.
    cache.set(key, entry, 2 * settings.PODIUM_RESULTS_CACHE_SECONDS)


def _from_cache(request: HttpRequest, hit: CachedPage) -> HttpResponse:
    if hit.etag in (tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(hit.content, content_type=hit.content_type)
        if hit.disposition:
            response["Content-Disposition"] = hit.disposition
    response["ETag"] = hit.etag
    return response
