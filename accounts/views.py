"""The member's API tokens page, in the account area next to e-mail and password."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.access import member_of
from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from accounts.verification import Resend, resend_confirmation

RESEND_REFUSED = {
    Resend.TOO_SOON: "A confirmation e-mail was sent a moment ago, and its link still works. "
    "Check your spam folder, or ask again in a few minutes.",
    Resend.CONFIRMED: "Your e-mail address is confirmed already: log in to continue.",
    Resend.NOTHING_PENDING: "No sign-up is waiting for confirmation in this browser any more. "
    "Log in with your e-mail address and password, and we will send you a new link.",
    Resend.SIGNED_IN: "You are logged in: an address still waiting for confirmation has its own "
    "“Re-send Verification” button here.",
}
RESEND_GOES_TO = {Resend.TOO_SOON: "account_email_verification_sent", Resend.SIGNED_IN: "account_email"}


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the member's tokens; create one and show its key this once (it is not stored)."""
    member = member_of(request.user)
    form = ApiTokenForm(request.POST or None)
    new_key, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = services.create_api_token(user=member, name=form.cleaned_data["name"])
            form = ApiTokenForm()
        except services.TooManyTokens as refused:
            form.add_error(None, str(refused))
            status = 409
    elif request.method == "POST":
        status = 400
    tokens = ApiToken.objects.filter(user=member)
    response = render(
        request, "account/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status
    )
    response["Cache-Control"] = "no-store"  # the page may show a key once; never keep a copy
    return response


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if services.revoke_api_token(user=member_of(request.user), token_id=token_id):
        messages.success(request, "The token is revoked: requests that use it are now refused.")
    else:
        messages.error(request, "That token was not found or is already revoked.")
    return redirect("accounts:api_tokens")


@require_POST
def resend_confirmation_email(request: HttpRequest) -> HttpResponse:
    """The "Send it again" button of allauth's "Verify your e-mail address" page."""
    outcome = resend_confirmation(request)
    if outcome == Resend.SENT:  # allauth has added its "Confirmation e-mail sent to …" message
        return redirect("account_email_verification_sent")
    messages.error(request, RESEND_REFUSED[outcome])
    return redirect(RESEND_GOES_TO.get(outcome, "account_login"))
