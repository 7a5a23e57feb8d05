"""allauth adapters: Podium's account rules in one place."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import services
from accounts.addresses import normalize_email
from accounts.models import User


class PodiumAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "PODIUM_SIGNUP_OPEN", True))

    def clean_email(self, email: str) -> str:
        """Every address typed into an account form (sign-up, add, change, reset) in its one stored form."""
        return normalize_email(email)

    def set_password(self, user: User, password: str) -> None:
        """Password change, reset and set (allauth's flows all come here): API tokens are revoked too."""
        services.change_password(user=user, password=password)

    # --- The site's name in allauth's e-mails ("Hello from Podium!", never the host and port).
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = RequestSite(self.request)
        site.name = settings.PODIUM_SITE_NAME
        super().send_mail(template_prefix, email, {"current_site": site, **context})


class PodiumSocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        """A provider's addresses in their stored form before allauth looks for an existing account.

        An address that cannot be normalised (invisible characters) is dropped, so the member
        is asked for one on the sign-up form instead of getting a second spelling stored.
        """
        user = super().populate_user(request, sociallogin, data)
        kept = []
        for address in sociallogin.email_addresses:
            try:
                address.email = normalize_email(address.email)
            except ValidationError:
                continue
            kept.append(address)
        sociallogin.email_addresses = kept
        try:
            user.email = normalize_email(user.email) if user.email else ""
        except ValidationError:
            user.email = ""
        return user
