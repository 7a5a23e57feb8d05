"""The web ballot: choose (step 1), review (step 2), submit (step 3), done; staff preview; receipt checks.

Each step is its own view; the edition's rules decide what is valid (`voting.ballots.rules`),
`submit_ballot` stores.
"""

from dataclasses import dataclass, replace

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_of
from accounts.decorators import verified_member_required
from accounts.models import User
from accounts.ratelimit import within_rate_limit
from awards.models import Edition
from awards.selectors import get_edition_for, nominations_of
from config.database import LOST_CONNECTION, TRY_AGAIN, forget_broken_connection
from voting.ballots import rules, selectors, services
from voting.ballots.forms import BallotForm, ReceiptForm
from voting.ballots.rules import answered_categories

TOO_FAST = "You are submitting ballots too quickly. Wait a minute, then submit again: your choices are kept below."
DATABASE_TROUBLE = f"{TRY_AGAIN} Your choices are kept below."
RECEIPT_TOO_FAST = "Too many receipt checks from your network. Wait a minute and try again."


@dataclass
class _Ballot:
    """One member's ballot in one edition, with the form bound to what they posted."""

    member: User
    edition: Edition
    page: selectors.BallotPage
    form: BallotForm
    closed: rules.BallotRejected | None  # outside the window, or not eligible


def _load(request: HttpRequest, edition_slug: str) -> _Ballot:
    member = member_of(request.user)
    edition = selectors.remember_edition(get_edition_for(member, edition_slug))  # for the submission that follows
    page = selectors.ballot_page(member, edition)
    initial = BallotForm.initial_for(page.selections, page.rules, page.version)
    form = BallotForm(page.rules, request.POST or None, initial=initial, nominees=page.nominees)
    now = timezone.now()
    closed = rules.voting_window_problem(edition, now) or rules.eligibility_problem(member, edition, now)
    return _Ballot(member, edition, page, form, closed)


@verified_member_required
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Step 1, choosing; posting the choices moves on to the review (nothing is stored yet)."""
    current = _load(request, edition_slug)
    if request.method == "GET" or current.closed or not current.form.is_valid():
        return _ballot_page(request, current, status=200 if request.method == "GET" else 400)
    return _review_page(request, current)


@verified_member_required
@require_POST
def ballot_edit(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Back from the review to step 1, with the choices under review filled in."""
    current = _load(request, edition_slug)
    return _ballot_page(request, current, status=200 if current.form.is_valid() else 400)


@verified_member_required
@require_POST
def ballot_submit(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Step 3: store the reviewed ballot, or show step 1 again with what stands in the way.

    Storing needs only the edition's rules and the posted form, not the member's stored ballot:
    the page (ballot, receipt, votes) is read only when it is shown again. The database
    connection lost anywhere before the ballot is stored shows "try again" with the choices
    kept, on a fresh connection. Nothing after the commit reads the database (`voting.tasks`
    keeps its own failures out of the request).
    """
    try:
        return _submit(request, edition_slug)
    except LOST_CONNECTION:
        forget_broken_connection()
        return _shown_again(request, edition_slug, DATABASE_TROUBLE, status=503)


def _submit(request: HttpRequest, edition_slug: str) -> HttpResponse:
    member = member_of(request.user)
    edition = selectors.edition_to_submit_to(member, edition_slug)
    ballot_rules = rules.rules_for(edition)
    form = BallotForm(ballot_rules, request.POST, nominees={})
    now = timezone.now()
    if (
        rules.voting_window_problem(edition, now)
        or rules.eligibility_problem(member, edition, now)
        or not form.is_valid()
    ):
        current = _load(request, edition_slug)  # a refusal is decided on the stored edition, never on a copy
        if current.closed or not current.form.is_valid():
            return _ballot_page(request, current, status=400)
        edition, ballot_rules, form = selectors.remember_edition(current.edition), current.page.rules, current.form
    if not within_rate_limit(request, "submit_ballot", user=member):
        return _shown_again(request, edition_slug, TOO_FAST, status=429)
    try:
        services.submit_ballot(
            voter=member,
            edition=edition,
            selections=form.selections,
            expected_version=form.cleaned_data["version"],
            client_ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("user-agent", ""),
            rules=ballot_rules,
        )
    except rules.BallotRejected as rejected:
        return _rejected_page(request, _load(request, edition_slug), rejected)
    return redirect("voting:ballot_done", edition_slug=edition.slug)


def _shown_again(request: HttpRequest, edition_slug: str, problem: str, *, status: int) -> HttpResponse:
    """Step 1 again with the posted choices and a problem over the whole ballot."""
    current = _load(request, edition_slug)
    current.form.is_valid()
    current.form.add_error(None, problem)
    return _ballot_page(request, current, status=status)


def _rejected_page(request: HttpRequest, current: _Ballot, rejected: rules.BallotRejected) -> HttpResponse:
    if rejected.code == rules.BallotRejected.STALE:
        fresh = selectors.ballot_page(current.member, current.edition)
        initial = BallotForm.initial_for(fresh.selections, fresh.rules, fresh.version)
        form = BallotForm(fresh.rules, initial=initial, nominees=fresh.nominees)
        refreshed = _Ballot(current.member, current.edition, fresh, form, None)
        return _ballot_page(request, refreshed, notice=rules.STALE_MESSAGE, status=409)
    current.form.show_rejection(rejected.problems)
    return _ballot_page(request, current, status=400 if rejected.code == rules.BallotRejected.INVALID else 409)


def _ballot_page(
    request: HttpRequest, current: _Ballot, *, status: int, notice: str = "", preview: bool = False
) -> HttpResponse:
    form, page = current.form, current.page
    selections = form.selections if form.is_bound and form.is_valid() else page.selections
    context = {
        "edition": current.edition,
        "page": page,
        "form": form,
        "notice": notice,
        "closed_message": current.closed.message_html if current.closed else "",
        "closed_code": current.closed.code if current.closed else "",
        "standing": selectors.standing_in(current.edition, page.ballot, timezone.now()),
        "summary": selectors.summarise(page.rules, page.selections) if current.closed and page.ballot else None,
        "answered": answered_categories(selections),
        "total": len(page.rules.categories),
        "preview": preview,
    }
    return render(request, "voting/ballot.html", context, status=status)


def _review_page(request: HttpRequest, current: _Ballot, *, preview: bool = False) -> HttpResponse:
    selections = current.form.selections
    context = {
        "edition": current.edition,
        "form": current.form,
        "summary": selectors.summarise(current.page.rules, selections),
        "answered": answered_categories(selections),
        "total": len(current.page.rules.categories),
        "preview": preview,
    }
    return render(request, "voting/review.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def ballot_preview(request: HttpRequest, edition_slug: str) -> HttpResponse:
    """Staff see the exact ballot of any edition (a draft, one not open yet) and its validation; nothing is stored.

    The same form and rules as the real steps, on a blank ballot, with no window or
    eligibility check; there is no submit step, so no service is ever called from here.
    """
    member = member_of(request.user)
    edition = get_edition_for(member, edition_slug)
    real = selectors.ballot_page(member, edition)  # the same rules and nominees, in the same order
    blank = replace(real, ballot=None, selections={}, receipt=None)
    initial = BallotForm.initial_for({}, blank.rules, 0)
    form = BallotForm(blank.rules, request.POST or None, initial=initial, nominees=blank.nominees)
    current = _Ballot(member, edition, blank, form, None)
    if request.method == "GET" or "edit" in request.POST or not form.is_valid():
        status = 400 if request.method == "POST" and not form.is_valid() else 200
        return _ballot_page(request, current, status=status, preview=True)
    return _review_page(request, current, preview=True)


@login_required
def ballot_done(request: HttpRequest, edition_slug: str) -> HttpResponse:
    member = member_of(request.user)
    edition = get_edition_for(member, edition_slug)
    page = selectors.ballot_page(member, edition)
    if page.ballot is None:
        return redirect("voting:ballot", edition_slug=edition.slug)
    context = {
        "edition": edition,
        "page": page,
        "summary": selectors.summarise(page.rules, page.selections),
        "standing": selectors.standing_in(edition, page.ballot, timezone.now()),
        "results_public": edition.results_public_at(timezone.now()),
    }
    return render(request, "voting/done.html", context)


@require_http_methods(["GET", "POST"])
def receipt_check(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST or None)
    result, status = None, 200
    if request.method == "POST" and not within_rate_limit(request, "check_receipt"):
        form.add_error(None, RECEIPT_TOO_FAST)
        status = 429
    elif request.method == "POST" and form.is_valid():
        result = selectors.receipt_status(form.cleaned_data["code"], viewer=request.user)
        if result is None:
            form.add_error("code", "No ballot has this receipt code. Check it character by character.")
            status = 404
    summary = selectors.receipt_summary_for(request.user, result) if result else None
    # The organisers' public reason is written to the voter: only the member who cast the ballot reads it here.
    context = {"form": form, "result": result, "summary": summary, "is_voter": summary is not None}
    return render(request, "voting/receipt_check.html", context, status=status)


@login_required
def my_ballots(request: HttpRequest) -> HttpResponse:
    """The account page where members find their ballots (status, receipt) and their suggestions."""
    member = member_of(request.user)
    context = {"ballots": selectors.my_ballots(member, timezone.now()), "nominations": nominations_of(member)}
    return render(request, "voting/my_ballots.html", context)
