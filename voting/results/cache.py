"""The public results pages' cache: visitors are served a stored copy, with no database query on a hit.

The results side of the one page cache (`config.page_cache`, whose middleware serves cookieless
visitors the results pages before sessions; this module's copies serve the downloads, embeds and
share images, and any anonymous request the middleware leaves to the view). Every page,
download, embed and share image of an edition's results is cached under the site's curation
generation and two counters of the edition, kept in the cache itself:

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

import logging
from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone

from config.page_cache import (
    COPY_EXPIRES,
    CURATION_GENERATION,
    VISITOR_COPY,
    bump_generation,
    etag_of,
    mark_visitor_copy,
    matches_etag,
    read_generations,
    release_generation,
    visibility_generation,
)
from voting.results.selectors import EditionResults

logger = logging.getLogger(__name__)


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
    ends_at = found.edition.results_stage_ends_at(timezone.now()) if found is not None else None
    mark_visitor_copy(response, copy=public, expires_at=ends_at)
    return response


def cached_page_key(edition_slug: str, page: str, *, release_offset: int = 0) -> str | None:
    """The cache key of a public results page, or None when the cache cannot be reached.

    `release_offset=-1` names the previous release's copy under the same visibility.
    """
    keys = (CURATION_GENERATION, visibility_generation(edition_slug), release_generation(edition_slug))
    counters = read_generations(keys)
    if counters is None:
        return None
    curation, visibility, release = (counters[key] for key in keys)
    return f"results-page:{edition_slug}:{page}:c{curation}:v{visibility}:r{release + release_offset}"


def forget_release(edition_slug: str) -> None:
    """A new snapshot: fresh copies are rendered, the previous one may stand in meanwhile.

    Call after the snapshot commits (`transaction.on_commit`).
    """
    bump_generation(release_generation(edition_slug))


def forget_visibility(edition_slug: str) -> None:
    """Visibility, phase or slug changed: every cached copy of the edition becomes unreachable.

    Call after the change commits (`transaction.on_commit`): before it, a render could still
    read the old state and store it under the new generation. (The home page, which lists every
    edition's phase, goes by the curation generation, which the edition's save moves.)
    """
    bump_generation(visibility_generation(edition_slug))


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
            return _from_cache(request, hit, current=True)
        if not cache.add(f"{key}:rendering", 1, timeout=10):
            # Another process is rendering this release: serve the previous release's copy
            # meanwhile (same visibility generation, so the current rules still show it).
            previous = cached_page_key(edition_slug, page, release_offset=-1)
            stale = _usable(cache.get(previous)) if previous else None
            if stale is not None:
                return _from_cache(request, stale, current=False)
        try:
            response = render_page()
            if getattr(response, VISITOR_COPY, False):
                _store(key, response)
        finally:
            cache.delete(f"{key}:rendering")
        return response

    return serve


def _store(key: str, response: HttpResponse) -> None:
    content = response.content
    etag = etag_of(content)
    response["ETag"] = etag
    expires_at: float | None = getattr(response, COPY_EXPIRES, None)
    entry = CachedPage(content, response["Content-Type"], response.get("Content-Disposition", ""), etag, expires_at)
    # Kept twice as long as it is fresh, so that it can stand in while its successor renders.
    cache.set(key, entry, 2 * settings.PODIUM_RESULTS_CACHE_SECONDS)


def _from_cache(request: HttpRequest, hit: CachedPage, *, current: bool) -> HttpResponse:
    """The copy, or its 304. A copy of the current release may be copied again for visitors
    (`config.page_cache`); the previous release's stand-in never is."""
    if matches_etag(request, hit.etag):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(hit.content, content_type=hit.content_type)
        if hit.disposition:
            response["Content-Disposition"] = hit.disposition
    response["ETag"] = hit.etag
    setattr(response, VISITOR_COPY, current)
    setattr(response, COPY_EXPIRES, hit.expires_at)
    return response
