"""The Content-Security-Policy header, built once for the site's policy instead of once per response.

django-csp's middleware rebuilds the header string from `CONTENT_SECURITY_POLICY` for every
response (a deep copy of the directives, a merge, a sort, a join, twice: enforced and
report-only), which issue 16 measured as the dearest step of Podium's stack on a page that
does nothing else. The policy only changes with the settings, so `CSPMiddleware` keeps the
strings it built until a setting changes (`setting_changed`, as `override_settings` sends). A
response that changes its policy (`csp_update`, `csp_replace`, `csp_exempt` and friends, e.g.
the embed card) or a request that used a nonce goes through django-csp's own code, unchanged.
"""

import functools
from collections.abc import Awaitable
from typing import Any, cast

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Attributes django-csp's decorators set on a response to change its policy.
_RESPONSE_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_EXEMPT_WHEN_DEBUG = (404, 500)
_SETTINGS = {HEADER: "CONTENT_SECURITY_POLICY", HEADER_REPORT_ONLY: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}


@functools.cache
def _site_policies() -> list[tuple[str, str, tuple[str, ...]]]:
    """(header, policy, excluded path prefixes) for each header the settings give a policy."""
    built = []
    for header, name in _SETTINGS.items():
        policy = build_policy(report_only=header == HEADER_REPORT_ONLY)
        prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        if policy:
            built.append((header, policy, prefixes))
    return built


def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in _SETTINGS.values():
        _site_policies.cache_clear()


setting_changed.connect(_forget, dispatch_uid="podium-csp-policies")


# A nonce asked for after the header is written raises: one shared object does it for every
# request (it never holds a value, so nothing of one request reaches another).
_NONCE_AFTER_RESPONSE = CheckableLazyObject(DjangoCSPMiddleware._csp_nonce_post_response)


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware with the site-wide policy memoised (same headers, same rules)."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:  # MiddlewareMixin's own path under ASGI
            return super().__call__(request)
        self.process_request(request)
        response = cast(HttpResponseBase, self.get_response(request))  # not async: the response itself
        return self.process_response(request, response)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _RESPONSE_OVERRIDES
        ):
            return super().process_response(request, response)  # a policy of its own: django-csp builds it
        if response.status_code in _EXEMPT_WHEN_DEBUG and settings.DEBUG:
            return response
        for header, policy, prefixes in _site_policies():
            if not response.has_header(header) and not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = _NONCE_AFTER_RESPONSE  # type: ignore[attr-defined]
        return response
