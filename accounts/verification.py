"""Sending the e-mail confirmation again from allauth's "Verify your e-mail address" page.

While a sign-up (or a log-in with an unconfirmed address) waits for its confirmation, allauth
keeps that login in the session, with its `next` target. A resend asks allauth to send the same
e-mail it sent at sign-up, to the address of that pending login only: the request carries no
address, so it cannot be used to mail anyone else, and the pending login (and so the landing
page after confirming) is left as it was. Two limits apply, both counted by
`accounts.ratelimit`: Podium's `resend_confirmation` per network address, and allauth's own
`confirm_email` per e-mail address (one e-mail per address every few minutes). A sign-up with an
address that already has an account (allauth's enumeration prevention: no user in the login)
is answered exactly like a new one: allauth sends its "account already exists" e-mail again.
"""

from enum import StrEnum

from allauth.account.internal.flows.email_verification import send_verification_email_at_login
from allauth.account.stages import EmailVerificationStage, LoginStageController
from allauth.account.utils import has_verified_email
from django.http import HttpRequest

from accounts.ratelimit import within_rate_limit


class Resend(StrEnum):
    SENT = "sent"
    TOO_SOON = "too_soon"  # a limit refused it: the e-mail already sent is still valid
    CONFIRMED = "confirmed"  # the address was confirmed meanwhile (say, in another browser)
    NOTHING_PENDING = "nothing_pending"  # no sign-up or log-in waits for a confirmation in this session
    SIGNED_IN = "signed_in"  # a member resends from their e-mail addresses page (allauth's own button)


def resend_confirmation(request: HttpRequest) -> Resend:
    """Send the pending login's confirmation e-mail once more, through allauth (its message included)."""
    if request.user.is_authenticated:
        return Resend.SIGNED_IN
    stage = LoginStageController.enter(request, EmailVerificationStage.key)
    if stage is None:
        return Resend.NOTHING_PENDING
    login = stage.login
    if login.user is not None and has_verified_email(login.user, login.email):
        return Resend.CONFIRMED
    if not within_rate_limit(request, "resend_confirmation"):
        return Resend.TOO_SOON
    return Resend.SENT if send_verification_email_at_login(request, login) else Resend.TOO_SOON
