import hashlib
import logging
import uuid
from collections.abc import Callable

from allauth.account.decorators import verified_email_required
from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import User
from awards.models import Edition
from awards.selectors import get_edition_for
from voting import notifications, results, selectors, services
from voting.forms import BallotForm, ReceiptForm
from voting.rules import answered_categories


def _member(request: HttpRequest) -> User:
    """The logged-in member (the view's decorator has already sent anyone else away)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _within_rate_limit(request: HttpRequest, action: str, user: object = None) -> bool:
    """allauth's rate limiter, failing open when the cache behind it is unreachable.

    allauth refuses when it cannot take its cache lock; for a vote, losing the ballot to a
    cache outage is worse than a moment without rate limiting.
    """
    if ratelimit.consume(request, action=action, user=user):
        return True
    probe = f"podium:cache-probe:{uuid.uuid4().hex}"
    cache.set(probe, 1, 5)
    if cache.get(probe) == 1:
        cache.delete(probe)
        return False
    logger.warning("rate limit for %s skipped: the cache is unreachable", action)
    return True


logger = logging.getLogger(__name__)

TOO_FAST = "You are submitting ballots too quickly. Wait a minute, then submit again: your choices are kept below."
DATABASE_TROUBLE = (
    "We could not store your ballot because of a temporary server problem. Nothing was changed: "
    "your choices are kept below, please submit again."
)
RECEIPT_TOO_FAST = "Too many receipt checks from your network. Wait a minute and try again."


@verified_email_required
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, edition_slug: str) -> HttpResponse:
    edition = get_edition_for(request.user, edition_slug)
    page = selectors.ballot_page(_member(request), edition)
    form = BallotForm(
        page.rules, request.POST or None, initial=BallotForm.initial_for(page.selections, page.rules, page.version)
    )
    now, member = timezone.now(), _member(request)
    # Outside the window, or not eligible: the page says why, before the member fills anything in.
    closed = services.voting_window_problem(edition, now) or services.eligibility_problem(member, edition, now)
    if request.method == "GET" or closed or not form.is_valid():
        return _ballot_page(request, edition, page, form, closed=closed, status=200 if request.method == "GET" else 400)
    if request.POST.get("step") == "edit":
        return _ballot_page(request, edition, page, form, status=200)
    if request.POST.get("step") != "submit":
        return _review_page(request, edition, page, form)
    if not _within_rate_limit(request, "submit_ballot", user=request.user):
        form.add_error(None, TOO_FAST)
        return _ballot_page(request, edition, page, form, status=429)
    try:
        services.submit_ballot(
            voter=_member(request),
            edition=edition,
            selections=form.selections,
            expected_version=form.cleaned_data["version"],
            client_ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            rules=page.rules,
        )
    except (OperationalError, InterfaceError):
        # The database went away mid-transaction: nothing was stored. Drop the broken
        # connection so the page below can be rendered on a fresh one.
        connection.close()
        form.add_error(None, DATABASE_TROUBLE)
        return _ballot_page(request, edition, page, form, status=503)
    except services.BallotRejected as rejected:
        if rejected.code == services.BallotRejected.STALE:
            fresh = selectors.ballot_page(_member(request), edition)
            form = BallotForm(fresh.rules, initial=BallotForm.initial_for(fresh.selections, fresh.rules, fresh.version))
            return _ballot_page(request, edition, fresh, form, notice=services.STALE_MESSAGE, status=409)
        form.show_rejection(rejected.problems)
        return _ballot_page(request, edition, page, form, status=409 if rejected.code != "invalid" else 400)
    return redirect("voting:ballot_done", edition_slug=edition.slug)


def _ballot_page(
    request: HttpRequest,
    edition: Edition,
    page: selectors.BallotPage,
    form: BallotForm,
    *,
    status: int,
    closed: services.BallotRejected | None = None,
    notice: str = "",
) -> HttpResponse:
    selections = form.selections if form.is_bound and form.is_valid() else page.selections
    context = {
        "edition": edition,
        "page": page,
        "form": form,
        "notice": notice,
        "closed_message": closed.problems[None][0] if closed else "",
        "answered": answered_categories(selections),
        "total": len(page.rules.categories),
    }
    return render(request, "voting/ballot.html", context, status=status)


def _review_page(request: HttpRequest, edition: Edition, page: selectors.BallotPage, form: BallotForm) -> HttpResponse:
    context = {
        "edition": edition,
        "form": form,
        "summary": selectors.summarise(page.rules, form.selections),
        "answered": answered_categories(form.selections),
        "total": len(page.rules.categories),
    }
    return render(request, "voting/review.html", context)


@login_required
def ballot_done(request: HttpRequest, edition_slug: str) -> HttpResponse:
    edition = get_edition_for(request.user, edition_slug)
    page = selectors.ballot_page(_member(request), edition)
    if page.ballot is None:
        return redirect("voting:ballot", edition_slug=edition.slug)
    summary = selectors.summarise(page.rules, page.selections)
    return render(request, "voting/done.html", {"edition": edition, "page": page, "summary": summary})


@require_http_methods(["GET", "POST"])
def receipt_check(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST or None)
    result, status = None, 200
    if request.method == "POST" and not _within_rate_limit(request, "check_receipt"):
        form.add_error(None, RECEIPT_TOO_FAST)
        status = 429
    elif request.method == "POST" and form.is_valid():
        result = selectors.receipt_status(form.cleaned_data["code"])
        if result is None:
            form.add_error("code", "No ballot has this receipt code. Check it character by character.")
            status = 404
    summary = selectors.receipt_summary_for(request.user, result) if result else None
    return render(
        request, "voting/receipt_check.html", {"form": form, "result": result, "summary": summary}, status=status
    )


def _public_results(request: HttpRequest, edition_slug: str) -> tuple[Edition, results.EditionResults | None]:
    edition = get_edition_for(request.user, edition_slug)
    visible, preview = results.can_see_results(edition, request.user, timezone.now())
    return edition, results.edition_results(edition, is_preview=preview) if visible else None


def _cached_for_visitors(
    page: str, render_page: Callable[[], HttpResponse]
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Serve anonymous visitors a cached copy (no database query on a hit); render for others.

    Only public results are cached: visibility only widens with time, and publishing,
    unpublishing or a new snapshot moves the cache generation. Cached copies carry an
    ETag, so a visitor's conditional GET gets a 304 without the body.
    """

    def serve(request: HttpRequest, edition_slug: str) -> HttpResponse:
        key = results.cached_page_key(edition_slug, page) if not request.user.is_authenticated else None
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
        if key and getattr(response, "public_results", False):
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


def edition_results(request: HttpRequest, edition_slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        edition, found = _public_results(request, edition_slug)
        if found is None:
            return render(request, "voting/results_pending.html", {"edition": edition})
        response = render(request, "voting/results_edition.html", {"edition": edition, "results": found})
        response.public_results = not found.is_preview  # type: ignore[attr-defined]
        return response

    return _cached_for_visitors("overview", render_page)(request, edition_slug)


def category_results(request: HttpRequest, edition_slug: str, category_slug: str) -> HttpResponse:
    def render_page() -> HttpResponse:
        edition, found = _public_results(request, edition_slug)
        if found is None:
            return render(request, "voting/results_pending.html", {"edition": edition})
        standings = next((c for c in found.categories if c.category.slug == category_slug), None)
        if standings is None:
            raise Http404("No results for this category")
        trend = results.trend_chart(standings.category, standings.names)
        context = {"edition": edition, "results": found, "standings": standings, "trend": trend}
        response = render(request, "voting/results_category.html", context)
        response.public_results = not found.is_preview  # type: ignore[attr-defined]
        return response

    return _cached_for_visitors(f"category:{category_slug}", render_page)(request, edition_slug)


def results_download(request: HttpRequest, edition_slug: str, fmt: str) -> HttpResponse:
    def render_download() -> HttpResponse:
        edition, found = _public_results(request, edition_slug)
        if found is None:
            raise Http404("Results are not public yet")
        if fmt == "json":
            response: HttpResponse = JsonResponse(results.as_document(found), json_dumps_params={"indent": 2})
        else:
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{edition.slug}-results.csv"'
            results.write_csv(response, found)
        response.public_results = not found.is_preview  # type: ignore[attr-defined]
        return response

    return _cached_for_visitors(f"download:{fmt}", render_download)(request, edition_slug)


@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """Stop announcement e-mails from the signed link in one of them; no login needed."""
    member = notifications.member_for_token(token)
    if member is None:
        raise Http404("This link is not valid")
    if request.method == "POST":
        notifications.opt_out(member=member)  # opting out twice is fine
    return render(request, "voting/opt_out.html", {"member": member, "done": request.method == "POST"})
