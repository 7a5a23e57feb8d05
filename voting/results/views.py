"""The public results pages and downloads: thin views over the results selectors and cache."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from awards.models import Phase
from voting.results import cache, exports
from voting.results.selectors import edition_results, visible_results, visible_results_or_404
from voting.results.trend import trend_chart


def edition_results_page(request: HttpRequest, edition_slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        edition, found = visible_results(request.user, edition_slug)
        if found is None:
            return render(request, "voting/results_pending.html", {"edition": edition})
        response = render(request, "voting/results_edition.html", {"edition": edition, "results": found})
        return cache.mark_public(response, found)

    return cache.cached_for_visitors("overview", render_page)(request, edition_slug)


def category_results_page(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        edition, found = visible_results(request.user, edition_slug)
        if found is None:
            return render(request, "voting/results_pending.html", {"edition": edition})
        standings = found.standings_for(category_slug)
        trend = trend_chart(standings.category, standings.names)
        context = {"edition": edition, "results": found, "standings": standings, "trend": trend}
        return cache.mark_public(render(request, "voting/results_category.html", context), found)

    return cache.cached_for_visitors(f"category:{category_slug}", render_page)(request, edition_slug)


def winners_page(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """The published edition as an awards article: the staff's introduction, then each category's podium."""

    def render_page() -> HttpResponse:
        edition, found = visible_results(request.user, edition_slug)
        if found is None or edition.phase_at(timezone.now()) != Phase.PUBLISHED:
            raise Http404("The winners are announced once the results are published.")
        return cache.mark_public(
            render(request, "voting/results_winners.html", {"edition": edition, "results": found}), found
        )

    return cache.cached_for_visitors("winners", render_page)(request, edition_slug)


def results_download(request: HttpRequest, edition_slug: str, fmt: str) -> HttpResponse:
    def render_download() -> HttpResponse:
        access = visible_results_or_404(request.user, edition_slug)
        found = edition_results(access.edition, is_preview=access.is_preview)
        return cache.mark_public(exports.download_response(found, fmt, f"{access.edition.slug}-results"), found)

    return cache.cached_for_visitors(f"download:{fmt}", render_download)(request, edition_slug)
