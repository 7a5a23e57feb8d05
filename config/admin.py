"""Podium's admin site: an index organised for running editions.

- A dashboard on the landing page: each edition's phase, turnout and next action.
- One "Accounts" section: allauth's e-mail addresses and two-factor authenticators join
  Podium's users and API tokens (two apps were called "Accounts": two sections, one heading).
- Social-login tables only when a provider is configured (`GITHUB_CLIENT_ID`, ...).
"""

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from voting.staff.dashboard import dashboard_rows

MERGED_INTO_ACCOUNTS = ("account", "mfa")  # allauth's e-mail addresses and two-factor authenticators


class PodiumAdminSite(admin.AdminSite):
    site_header = "Podium administration"
    site_title = "Podium admin"
    index_title = "Curate editions, review ballots, publish results"
    index_template = "admin/podium_index.html"

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """Through allauth, so its rate limits (and its MFA, where enabled) apply to staff too."""
        return secure_admin_login(super().login)(request, extra_context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        accounts = next((app for app in apps if app["app_label"] == "accounts"), None)
        kept = []
        for app in apps:
            if app["app_label"] == "socialaccount" and not settings.SOCIALACCOUNT_PROVIDERS:
                continue
            if app["app_label"] in MERGED_INTO_ACCOUNTS and accounts is not None:
                accounts["models"] = sorted([*accounts["models"], *app["models"]], key=lambda m: str(m["name"]))
                continue
            kept.append(app)
        return kept

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        may_see = request.user.has_perm("awards.view_edition")
        context = {**(extra_context or {}), "dashboard": dashboard_rows() if may_see else None}
        return super().index(request, context)
