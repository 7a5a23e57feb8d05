"""allauth adapter: Podium's account rules in one place."""

from django.conf import settings
from django.http import HttpRequest

from allauth.account.adapter import DefaultAccountAdapter


class PodiumAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "PODIUM_SIGNUP_OPEN", True))
