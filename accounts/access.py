"""Who is asking: the one access helper behind every member-only view, on the web and in the API."""

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied

from accounts.models import User


def member_of(user: object) -> User:
    """The signed-in member behind a request: `request.user` on the web, `request.auth` in the API.

    Views call this behind a login decorator or the API's member auth, so anyone else is
    refused (403) rather than treated as a member.
    """
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def has_verified_email(user: User) -> bool:
    """Whether the member has a verified e-mail address.

    Free when the user came from the session (`accounts.backends.MemberBackend` reads it
    with the user); otherwise one query. Never remembered: a later check sees a new address.
    """
    known = getattr(user, "has_verified_email", None)
    if known is not None:
        return bool(known)
    return bool(EmailAddress.objects.filter(user=user, verified=True).exists())
