"""Pages for sharing results: the embeddable card (framed by other sites) and the share images.

Both follow the results visibility rule through `public_results`: nothing is drawn or
embedded for results the caller may not see.
"""

from collections.abc import Callable

from csp.decorators import csp_replace
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from awards.models import Edition
from awards.selectors import get_edition_for
from voting import results
from voting.share_image import ShareRow, render_share_image

EMBED_ROWS = 5


def public_results(request: HttpRequest, edition_slug: str) -> tuple[Edition, results.EditionResults | None]:
    """The edition (404 for drafts) and its results, or None when the caller may not see them."""
    edition = get_edition_for(request.user, edition_slug)
    visible, preview = results.can_see_results(edition, request.user, timezone.now())
    return edition, results.edition_results(edition, is_preview=preview) if visible else None


def _standings(found: results.EditionResults | None, category_slug: str) -> results.CategoryStandings:
    standings = next((c for c in found.categories if c.category.slug == category_slug), None) if found else None
    if standings is None:
        raise Http404("No results for this category")
    return standings


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]  # django-csp types views as (request) only
def embed_category(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    """A small results card meant for an iframe on another site; the only page that may be framed.

    Visitors get a cached copy (no query) until the next snapshot or a change of publication.
    """
    key = results.cached_page_key(edition_slug, f"embed:{category_slug}") if not request.user.is_authenticated else None
    hit = cache.get(key) if key else None
    if hit is not None:
        return HttpResponse(hit)
    edition, found = public_results(request, edition_slug)
    standings = _standings(found, category_slug)
    context = {"edition": edition, "standings": standings, "rows": standings.rows[:EMBED_ROWS], "results": found}
    response = render(request, "voting/embed_category.html", context)
    if key and found is not None and not found.is_preview:
        cache.set(key, response.content, settings.PODIUM_RESULTS_CACHE_SECONDS)
    return response


def _png(request: HttpRequest, edition_slug: str, name: str, draw: Callable[[], tuple[bytes, bool]]) -> HttpResponse:
    """Serve a drawn PNG; images of public results are cached until the next snapshot."""
    key = results.cached_page_key(edition_slug, name) if not request.user.is_authenticated else None
    png = cache.get(key) if key else None
    if png is None:
        png, public = draw()
        if key and public:
            cache.set(key, png, settings.PODIUM_RESULTS_CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={min(settings.PODIUM_RESULTS_CACHE_SECONDS, 300)}"
    return response


def _footer(edition: Edition, found: results.EditionResults | None) -> str:
    ballots = found.release.ballots_counted if found and found.release else 0
    return (
        f"Podium · community-voted awards · {ballots:,} ballots counted" if found else "Podium · community-voted awards"
    )


@require_safe
def category_share_image(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    """The category's top nominees and their shares, as a 1200x630 PNG for link previews."""

    def draw() -> tuple[bytes, bool]:
        edition, found = public_results(request, edition_slug)
        standings = _standings(found, category_slug)
        rows = [ShareRow(row.label, row.share) for row in standings.rows if row.count]
        png = render_share_image(standings.category.title, edition.name, rows, _footer(edition, found))
        return png, not (found and found.is_preview)

    return _png(request, edition_slug, f"share:{category_slug}", draw)


@require_safe
def edition_share_image(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Each category's winner with its share, or just the categories while results are hidden."""

    def draw() -> tuple[bytes, bool]:
        edition, found = public_results(request, edition_slug)
        if found is None:
            rows = [ShareRow(c.title, None) for c in edition.categories.order_by("order", "id")]
            return render_share_image(edition.name, "Community-voted awards", rows, _footer(edition, None)), False
        rows = [
            ShareRow(f"{c.category.title}: {c.winners[0].label}", c.winners[0].share)
            for c in found.categories
            if c.winners
        ]
        png = render_share_image(edition.name, "The winners", rows, _footer(edition, found), numbered=False)
        return png, not found.is_preview

    return _png(request, edition_slug, "share:edition", draw)
