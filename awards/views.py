from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_of
from accounts.decorators import verified_member_required
from awards import nominations, selectors
from awards.forms import NominationForm
from awards.models import Nomination, Nominee
from config.page_cache import mark_visitor_copy


def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    summaries = selectors.edition_summaries(request.user, now)
    response = render(
        request,
        "awards/home.html",
        {
            "current_editions": [s for s in summaries if s.is_current],
            "past_editions": [s for s in summaries if not s.is_current],
        },
    )
    changes = [at for s in summaries if (at := s.edition.pages_change_at(now)) is not None]
    mark_visitor_copy(response, expires_at=min(changes, default=None))
    return response


def edition_detail(request: HttpRequest, edition_slug: str) -> HttpResponse:
    edition = selectors.get_edition_for(request.user, edition_slug)
    now = timezone.now()
    window = edition.phase_window_at(now)
    response = render(
        request,
        "awards/edition_detail.html",
        {
            "edition": edition,
            "phase": window.phase,
            "phase_ends_at": window.ends_at,
            "categories": selectors.categories_with_nominee_counts(edition),
        },
    )
    mark_visitor_copy(response, copy=edition.is_public, expires_at=edition.pages_change_at(now))
    return response


def category_detail(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    edition = selectors.get_edition_for(request.user, edition_slug)
    category = selectors.get_category_for(edition, category_slug)
    now = timezone.now()
    window = edition.phase_window_at(now)
    context = {
        "edition": edition,
        "category": category,
        "nominees": category.active_nominees,  # type: ignore[attr-defined]
        "phase": window.phase,
        "phase_ends_at": window.ends_at,
    }
    response = render(request, "awards/category_detail.html", context)
    mark_visitor_copy(response, copy=edition.is_public, expires_at=edition.pages_change_at(now))
    return response


@verified_member_required
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Suggest a nominee while nominations are open; a duplicate points at what already exists."""
    edition = selectors.get_edition_for(request.user, edition_slug)
    form = NominationForm(edition, request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            nomination = nominations.suggest_nominee(member=member_of(request.user), **form.cleaned_data)
        except nominations.NominationRefused as refused:
            form.add_error(None, refused.message)
            existing = refused.existing
        else:
            messages.success(request, f"Thank you: “{nomination.name}” is suggested. Staff will review it.")
            return redirect("awards:my_nominations")
    context = {
        "edition": edition,
        "form": form,
        "existing_suggestion": existing if isinstance(existing, Nomination) else None,
        "existing_nominee": existing if isinstance(existing, Nominee) else None,
        "is_open": edition.is_nominating_at(timezone.now()),
        "suggestions": selectors.open_suggestions(edition),
    }
    return render(request, "awards/nominations/nominate.html", context, status=400 if form.errors else 200)


@verified_member_required
@require_POST
def support_nomination(request: HttpRequest, nomination_id: int) -> HttpResponse:
    nomination = get_object_or_404(
        Nomination.objects.select_related("category__edition"),
        pk=nomination_id,
        category__edition__in=selectors.editions_visible_to(request.user),
    )
    try:
        added = nominations.support_nomination(member=member_of(request.user), nomination=nomination)
    except nominations.NominationRefused as refused:
        messages.error(request, refused.message)
    else:
        note = "Your support is counted" if added else "You already support this suggestion"
        messages.success(request, f"{note}: “{nomination.name}”.")
    return redirect("awards:nominate", edition_slug=nomination.category.edition.slug)


@login_required
def my_nominations(request: HttpRequest) -> HttpResponse:
    mine = selectors.nominations_of(member_of(request.user))
    return render(request, "awards/nominations/mine.html", {"nominations": mine})
