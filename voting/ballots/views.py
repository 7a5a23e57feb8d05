import logging

from allauth.account.decorators import verified_email_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.ratelimit import within_rate_limit
from awards.models import Edition
from awards.selectors import get_edition_for
from voting.ballots import rules, selectors, services
from voting.ballots.forms import BallotForm, ReceiptForm
from voting.ballots.rules import answered_categories


def _member(request: HttpRequest) -> User:
    """The logged-in member (the view's decorator has already sent anyone else away)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


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
    closed = rules.voting_window_problem(edition, now) or rules.eligibility_problem(member, edition, now)
    if request.method == "GET" or closed or not form.is_valid():
        return _ballot_page(request, edition, page, form, closed=closed, status=200 if request.method == "GET" else 400)
    if request.POST.get("step") == "edit":
        return _ballot_page(request, edition, page, form, status=200)
    if request.POST.get("step") != "submit":
        return _review_page(request, edition, page, form)
    if not within_rate_limit(request, "submit_ballot", user=request.user):
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
    except rules.BallotRejected as rejected:
        if rejected.code == rules.BallotRejected.STALE:
            fresh = selectors.ballot_page(_member(request), edition)
            form = BallotForm(fresh.rules, initial=BallotForm.initial_for(fresh.selections, fresh.rules, fresh.version))
            return _ballot_page(request, edition, fresh, form, notice=rules.STALE_MESSAGE, status=409)
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
    closed: rules.BallotRejected | None = None,
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
    if request.method == "POST" and not within_rate_limit(request, "check_receipt"):
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
