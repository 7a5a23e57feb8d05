"""Pages for sharing results: the embeddable card (framed by other sites) and the share images.

Both follow the results visibility rule through `visible_results`: nothing is drawn or
embedded for results the caller may not see.
"""

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from voting.results import cache
from voting.results import selectors as results
from voting.results.figures import bars_heading, headline_figure
from voting.results.share_image import ShareRow, render_share_image
from voting.results.writeup import plural

EMBED_ROWS = 5


def _standings(found: results.EditionResults | None, category_slug: str) -> results.CategoryStandings:
    if found is None:
        raise Http404("No results for this category.")
    return found.standings_for(category_slug)


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]  # django-csp types views as (request) only
def embed_category(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    """A small results card meant for an iframe on another site; the only page that may be framed.

    Visitors get a cached copy (no query) until the next snapshot or a change of publication.
    """

    def render_card() -> HttpResponse:
        edition, found = results.visible_results(request.user, edition_slug)
        standings = _standings(found, category_slug)
        context = {"edition": edition, "standings": standings, "rows": standings.rows[:EMBED_ROWS], "results": found}
        return cache.mark_public(render(request, "voting/embed_category.html", context), found)

    return cache.cached_for_visitors(f"embed:{category_slug}", render_card)(request, edition_slug)


def _png(png: bytes, found: results.EditionResults | None) -> HttpResponse:
    return cache.mark_public(HttpResponse(png, content_type="image/png"), found)


def _png_cache_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={min(settings.PODIUM_RESULTS_CACHE_SECONDS, 300)}"
    return response


def _footer(found: results.EditionResults | None) -> str:
    """The image's last line: how many ballots, and the moment of the count (interim, closed, announced)."""
    if found is None:
        return "Podium · community-voted awards"
    ballots = found.release.ballots_counted if found.release else 0
    return f"Podium · {plural(ballots, 'ballot')} counted · {found.framing.moment}"


def _page(request: HttpRequest) -> int:
    page = request.GET.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100 else 1


@require_safe
def category_share_image(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    """The category's nominees with votes and their shares on one scale, as 1200x630 PNG pages."""
    page = _page(request)

    def draw() -> HttpResponse:
        edition, found = results.visible_results(request.user, edition_slug)
        standings = _standings(found, category_slug)
        rows = [
            ShareRow(row.label, f"{row.share:.1f}%", share=row.share, position=row.position_label)
            for row in standings.rows
            if row.count
        ]
        png = render_share_image(
            standings.category.title,
            f"{edition.name} · {found.framing.heading}" if found else edition.name,
            rows,
            _footer(found),
            bars=True,
            column_caption=bars_heading(standings.method),
            page=page,
        )
        return _png(png, found)

    key = f"share:{category_slug}:{page}"
    return _png_cache_headers(cache.cached_for_visitors(key, draw)(request, edition_slug))


@require_safe
def edition_share_image(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Each category's winner with its figure, or just the categories while results are hidden."""
    page = _page(request)

    def draw() -> HttpResponse:
        edition, found = results.visible_results(request.user, edition_slug)
        if found is None:
            rows = [ShareRow(c.title) for c in edition.categories.all()]
            png = render_share_image(edition.name, "Community-voted awards", rows, _footer(None), page=page)
            return _png(png, None)
        rows = []
        for c in found.categories:
            if c.winners:
                figure = headline_figure(c.method, c.winners[0].share, c.winners[0].count, len(c.rows))
                names = " and ".join(w.label for w in c.winners)
                rows.append(ShareRow(names, figure.value, figure.caption, heading=c.category.title))
        png = render_share_image(edition.name, found.framing.heading, rows, _footer(found), page=page)
        return _png(png, found)

    return _png_cache_headers(cache.cached_for_visitors(f"share-image:{page}", draw)(request, edition_slug))
