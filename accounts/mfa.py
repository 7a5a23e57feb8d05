"""Staff reach the admin only with two-factor authentication (PODIUM_STAFF_MFA_REQUIRED).

allauth.mfa asks for the second factor at every log-in of an account that has one, so a
session of a staff member with an authenticator has passed it (or just enrolled it). A staff
member without one is sent to set up an authenticator app before any admin page opens; the
admin's own log-in stays behind allauth's log-in (config/urls.py).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, reverse

STAFF_MFA_MESSAGE = "Set up two-factor authentication first: staff need it before the admin opens."


def staff_needs_mfa(request: HttpRequest) -> bool:
    """True for a logged-in staff member without any authenticator, while the setting is on."""
    user = request.user
    return bool(
        settings.PODIUM_STAFF_MFA_REQUIRED and user.is_authenticated and user.is_staff and not is_mfa_enabled(user)
    )


class StaffMfaMiddleware:
    """Send staff without a second factor to set one up before any admin page.

    Only the admin's paths are its business: every other request costs one `startswith`
    (the admin's prefix is reversed once per URLconf, not for every request).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._admin_path_info: tuple[str, str] | None = None  # (ROOT_URLCONF, the admin's path_info)

    def _admin_prefix(self) -> str:
        urlconf = settings.ROOT_URLCONF
        if self._admin_path_info is None or self._admin_path_info[0] != urlconf:
            # reverse() prepends the script prefix; path_info never carries it.
            path_info = reverse("admin:index")[len(get_script_prefix()) - 1 :]
            self._admin_path_info = (urlconf, path_info)
        return self._admin_path_info[1]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(self._admin_prefix()) and staff_needs_mfa(request):
            messages.warning(request, STAFF_MFA_MESSAGE)
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
        return self.get_response(request)
