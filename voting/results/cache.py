"""The public results pages' cache: visitors are served a stored copy, with no database query on a hit."""

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from voting.results.selectors import EditionResults

logger = logging.getLogger(__name__)

PUBLIC_MARK = "podium_public_results"


def mark_public(response: HttpResponse, found: EditionResults | None) -> HttpResponse:
    """Mark a response that shows public results: visitors may be served a copy of it.

    None (results hidden) and a staff preview are never copied.
    """
    setattr(response, PUBLIC_MARK, found is not None and not found.is_preview)
    return response


def cached_page_key(edition_slug: str, page: str) -> str | None:
    """The cache key of a public results page, or None when the cache cannot be reached."""
    try:
        generation = int(cache.get(f"results-generation:{edition_slug}", 0))
    except Exception:  # an unreachable cache degrades to rendering every time
        logger.warning("results cache unreachable; rendering without it", exc_info=True)
        return None
    return f"results-page:{edition_slug}:{page}:{generation}"


def forget_cached_results(edition_slug: str) -> None:
    """Make every cached results page of the edition stale by moving its generation."""
    key = f"results-generation:{edition_slug}"
    try:
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)
    except Exception:  # entries expire on their own (PODIUM_RESULTS_CACHE_SECONDS)
        logger.warning("could not invalidate cached results of %s", edition_slug, exc_info=True)


def cached_for_visitors(
    page: str, render_page: Callable[[], HttpResponse]
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Serve anonymous visitors a cached copy (no database query on a hit); render for others.

    Only public results are cached: visibility only widens with time, and publishing,
    unpublishing or a new snapshot moves the cache generation. Cached copies carry an
    ETag, so a visitor's conditional GET gets a 304 without the body.
    """

    def serve(request: HttpRequest, edition_slug: str) -> HttpResponse:
        key = cached_page_key(edition_slug, page) if not request.user.is_authenticated else None
        hit = cache.get(key) if key else None
        if isinstance(hit, tuple):  # anything else is a miss (an entry from an older release)
            return _from_cache(request, hit)
        if key and not cache.add(f"{key}:rendering", 1, timeout=10):
            # Another process is rendering this page: serve the previous release's copy
            # meanwhile rather than all rendering at once (no stampede on a new release).
            stale = cache.get(_previous_generation(key))
            if isinstance(stale, tuple):
                return _from_cache(request, stale)
        response = render_page()
        if key and getattr(response, PUBLIC_MARK, False):
            content = response.content
            etag = f'"{hashlib.blake2b(content, digest_size=12).hexdigest()}"'
            response["ETag"] = etag
            disposition = response.get("Content-Disposition", "")
            entry = (content, response["Content-Type"], disposition, etag)
            # Kept twice as long as it is fresh, so that it can stand in while its successor renders.
            cache.set(key, entry, 2 * settings.PODIUM_RESULTS_CACHE_SECONDS)
            cache.delete(f"{key}:rendering")
        return response

    return serve


def _previous_generation(key: str) -> str:
    prefix, _, generation = key.rpartition(":")
    return f"{prefix}:{int(generation) - 1}"


def _from_cache(request: HttpRequest, hit: tuple[bytes, str, str, str]) -> HttpResponse:
    content, content_type, disposition, etag = hit
    if etag in (tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(content, content_type=content_type)
        if disposition:
            response["Content-Disposition"] = disposition
    response["ETag"] = etag
    return response
