"""`verified_member_required`: allauth's `verified_email_required`, reading the address state with the user."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account import app_settings
from allauth.account.internal.flows.email_verification import send_verification_email_for_user
from allauth.core.internal import httpkit
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from accounts.access import has_verified_email, member_of

View = Callable[..., HttpResponse]


def verified_member_required(view: View) -> View:
    """Signed in with a verified address, else what allauth's decorator does (log in, or verify first).

    The same behaviour as `allauth.account.decorators.verified_email_required`; the check
    costs no query when the session's user carries it (`accounts.backends.MemberBackend`).
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        member = member_of(request.user)
        if not has_verified_email(member):
            send_verification_email_for_user(request, member)
            if app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED:
                url = httpkit.add_query_params(
                    reverse("account_email_verification_sent"), {REDIRECT_FIELD_NAME: request.get_full_path()}
                )
                return HttpResponseRedirect(url)
            return render(request, "account/verified_email_required.html")
        return view(request, *args, **kwargs)

    return wrapped
