from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from awards import selectors


def home(request: HttpRequest) -> HttpResponse:
    summaries = selectors.edition_summaries(request.user, timezone.now())
    return render(
        request,
        "awards/home.html",
        {
            "current_editions": [s for s in summaries if s.is_current],
            "past_editions": [s for s in summaries if not s.is_current],
        },
    )


def edition_detail(request: HttpRequest, edition_slug: str) -> HttpResponse:
    edition = selectors.get_edition_for(request.user, edition_slug)
    window = edition.phase_window_at(timezone.now())
    return render(
        request,
        "awards/edition_detail.html",
        {
            "edition": edition,
            "phase": window.phase,
            "phase_ends_at": window.ends_at,
            "categories": selectors.categories_with_nominee_counts(edition),
        },
    )


def category_detail(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    edition = selectors.get_edition_for(request.user, edition_slug)
    category = selectors.get_category_for(request.user, edition, category_slug)
    window = edition.phase_window_at(timezone.now())
    context = {
        "edition": edition,
        "category": category,
        "nominees": category.active_nominees,  # type: ignore[attr-defined]
        "phase": window.phase,
        "phase_ends_at": window.ends_at,
    }
    return render(request, "awards/category_detail.html", context)
