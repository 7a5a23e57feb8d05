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
