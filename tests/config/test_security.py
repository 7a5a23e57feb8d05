"""Security headers and cookie flags, in development and in production mode."""

import json
import subprocess
import sys

import pytest
from django.test import Client

from tests.config.test_settings import PRODUCTION, ROOT, _clean_env

PROBE = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
plain = client.get("/", HTTP_HOST="podium.example.org")
secure = client.get("/admin/", secure=True, HTTP_HOST="podium.example.org")
from django.conf import settings
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "hsts": secure.get("Strict-Transport-Security", ""), "csp": secure.get("Content-Security-Policy", ""),
    "frame": secure.get("X-Frame-Options", ""), "referrer": secure.get("Referrer-Policy", ""),
    "cookies_secure": settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE,
    "samesite": [settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE],
}))
"""


@pytest.mark.unit
def test_production_mode_redirects_to_https_and_sends_strict_headers() -> None:
    env = _clean_env(**{**PRODUCTION, "DATABASE_URL": "sqlite:///:memory:", "REDIS_URL": "", "CELERY_BROKER_URL": ""})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert (headers["plain_status"], headers["plain_location"]) == (301, "https://podium.example.org/")
    assert headers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["csp"]
    assert "unsafe-inline" not in headers["csp"]
    assert "frame-ancestors 'none'" in headers["csp"]
    assert headers["frame"] == "DENY"
    assert headers["referrer"] == "strict-origin-when-cross-origin"
    assert headers["cookies_secure"] is True
    assert headers["samesite"] == ["Lax", "Lax"]


@pytest.mark.django_db
def test_session_cookie_is_http_only_and_same_site(client: Client) -> None:
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    session = client.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.mark.django_db
def test_no_get_changes_state(client: Client, django_assert_num_queries) -> None:
    """Log-out and ballot submission need POST: a GET leaves the session and data alone."""
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.get("/accounts/logout/")
    assert client.session["_auth_user_id"] == str(user.pk)
