"""allauth adapter: Podium's account rules in one place."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class PodiumAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "PODIUM_SIGNUP_OPEN", True))
