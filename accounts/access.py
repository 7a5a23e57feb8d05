"""Who is asking: the one access helper behind every member-only view, on the web and in the API."""

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
