"""Each environment variable parsed as documented; production settings pass check --deploy."""

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage.handler import StorageHandler
from django.test import override_settings

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 64 + "-production-like-secret-value",
    "ALLOWED_HOSTS": "podium.example.org",
    "DATABASE_URL": "postgres://podium:secret@db.internal:5432/podium",
    "REDIS_URL": "redis://cache.internal:6379/1",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/2",
    "EMAIL_HOST": "smtp.example.org",
}
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "EMAIL_HOST", "DEBUG")


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES and not k.endswith("_CLIENT_ID")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(overrides)
    return env


def _evaluate_settings(**overrides: str) -> dict[str, Any]:
    """The settings module evaluated afresh under an environment of its own, in this process.

    A subprocess per probe cost a second or more each (a new interpreter and every import);
    the module reads nothing but the environment, so running its file again is the same
    start-up check. Only what needs a whole start-up (check --deploy, Celery, storages) runs
    in a subprocess below.
    """
    with mock.patch.dict(os.environ, _clean_env(**overrides), clear=True):
        return _run_settings_file()


def _run_settings_file() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "config" / "settings.py"), run_name="podium_settings_probe")


def _settings_with(**overrides: str) -> dict[str, object]:
    settings = _evaluate_settings(**overrides)
    db = settings["DATABASES"]["default"]
    cache = settings["CACHES"]["default"]
    return {
        "debug": settings["DEBUG"],
        "engine": db["ENGINE"],
        "name": str(db["NAME"]),
        "host": db["HOST"],
        "conn_max_age": db["CONN_MAX_AGE"],
        "health": db["CONN_HEALTH_CHECKS"],
        "cache": cache["BACKEND"],
        "cache_location": cache.get("LOCATION"),
        "broker": settings["CELERY_BROKER_URL"],
        "eager": settings["CELERY_TASK_ALWAYS_EAGER"],
        "email": settings["EMAIL_BACKEND"],
        "hosts": settings["ALLOWED_HOSTS"],
        "hsts": settings["SECURE_HSTS_SECONDS"],
        "providers": sorted(settings["SOCIALACCOUNT_PROVIDERS"]),
        "staticfiles": settings["STORAGES"]["staticfiles"]["BACKEND"],
        "staff_mfa": settings["PODIUM_STAFF_MFA_REQUIRED"],
        "demo_allowed": settings["PODIUM_DEMO_ALLOWED"],
    }


def test_embedded_defaults() -> None:
    settings = _settings_with()
    assert settings["debug"] is True
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert str(settings["name"]).endswith("db.sqlite3")
    assert settings["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert (settings["broker"], settings["eager"]) == ("", True)
    assert settings["email"] == "django.core.mail.backends.console.EmailBackend"
    assert settings["providers"] == []


def test_inline_tasks_print_no_broker_warning() -> None:
    """No broker configured: a task run inline says nothing about brokers (kombu warned
    "No hostname was supplied. Reverting to default 'localhost'" on every command)."""
    code = "import django; django.setup()\nfrom config.celery import ping\nprint(ping.delay().get())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_clean_env(), capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "pong\n"), result.stderr
    assert "hostname" not in result.stderr
    assert "localhost" not in result.stderr


def test_production_values() -> None:
    settings = _settings_with(**PRODUCTION, GITHUB_CLIENT_ID="gh-id", GITHUB_CLIENT_SECRET="gh-secret")
    assert settings["debug"] is False
    assert (settings["engine"], settings["name"], settings["host"]) == (
        "config.postgresql",  # Django's backend, health-checked without a round trip
        "podium",
        "db.internal",
    )
    assert (settings["conn_max_age"], settings["health"]) == (60, True)
    assert (settings["cache"], settings["cache_location"]) == (
        "django_redis.cache.RedisCache",
        "redis://cache.internal:6379/1",
    )
    assert (settings["broker"], settings["eager"]) == ("redis://cache.internal:6379/2", False)
    assert settings["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["hosts"] == ["podium.example.org"]
    assert settings["hsts"] == 31_536_000
    assert settings["providers"] == ["github"]
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_refuses_the_development_secret_key() -> None:
    without_key = {name: value for name, value in PRODUCTION.items() if name != "SECRET_KEY"}
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set when DEBUG is off"):
        _evaluate_settings(**without_key)


def _start_up_error(**overrides: str) -> str:
    with pytest.raises((ImproperlyConfigured, ImproperlyConfiguredEnv)) as refused:
        _evaluate_settings(**overrides)
    return str(refused.value)


@pytest.mark.parametrize(
    "weak",
    [
        "change-me",
        "x" * 60,
        "abcd" * 20,
        "django-insecure-" + "k3y" * 20 + "q9z",
        "a-forty-nine-character-secret-key-0123456789abcd",
    ],
)
def test_production_refuses_a_weak_secret_key_naming_the_variable(weak: str) -> None:
    assert _start_up_error(**{**PRODUCTION, "SECRET_KEY": weak}) == (
        "SECRET_KEY is too weak for DEBUG=0: use at least 50 random "
        "characters (at least 5 different ones, no 'django-insecure-' prefix), e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )


def test_staff_need_mfa_and_the_demo_is_off_by_default_in_production_only() -> None:
    development, production = _settings_with(), _settings_with(**PRODUCTION)
    assert (development["staff_mfa"], development["demo_allowed"]) == (False, True)
    assert (production["staff_mfa"], production["demo_allowed"]) == (True, False)
    assert _settings_with(PODIUM_STAFF_MFA_REQUIRED="1")["staff_mfa"] is True


def test_a_weak_secret_key_is_fine_in_development() -> None:
    assert _settings_with(SECRET_KEY="change-me")["debug"] is True


def test_production_refuses_the_demo_with_its_published_password() -> None:
    assert _start_up_error(**PRODUCTION, PODIUM_DEMO_ALLOWED="1") == (
        "PODIUM_DEMO_ALLOWED=1 with DEBUG=0 needs "
        "PODIUM_DEMO_STAFF_PASSWORD set to a password of your own (the demo's default is published)"
    )
    assert _start_up_error(**PRODUCTION, PODIUM_DEMO_ALLOWED="1", PODIUM_DEMO_STAFF_PASSWORD="podium-demo-staff")
    allowed = _settings_with(**PRODUCTION, PODIUM_DEMO_ALLOWED="1", PODIUM_DEMO_STAFF_PASSWORD="own-passphrase")
    assert allowed["debug"] is False


def test_malformed_value_stops_start_up_naming_the_variable() -> None:
    assert _start_up_error(DATABASE_CONN_MAX_AGE="sixty") == "DATABASE_CONN_MAX_AGE='sixty' is not an integer"


def test_check_deploy_is_clean_in_production_mode() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**PRODUCTION),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_words(raw: str, value: bool) -> None:
    assert env_bool("FLAG", not value, {"FLAG": raw}) is value


def test_env_bool_default_and_malformed() -> None:
    assert env_bool("FLAG", True, {}) is True
    with pytest.raises(ImproperlyConfiguredEnv, match=r"FLAG='maybe' is not a boolean"):
        env_bool("FLAG", True, {"FLAG": "maybe"})


def test_env_int_parses_defaults_and_bounds() -> None:
    assert env_int("N", 5, {}) == 5
    assert env_int("N", 5, {"N": " 42 "}) == 42
    assert env_int("N", 5, {"N": ""}) == 5
    with pytest.raises(ImproperlyConfiguredEnv, match=r"N='4x' is not an integer"):
        env_int("N", 5, {"N": "4x"})
    with pytest.raises(ImproperlyConfiguredEnv, match="N=-1 must be at least 0"):
        env_int("N", 5, {"N": "-1"}, minimum=0)


def test_env_list_and_str() -> None:
    assert env_list("HOSTS", ["a"], {}) == ["a"]
    assert env_list("HOSTS", ["a"], {"HOSTS": " x.org, ,y.org "}) == ["x.org", "y.org"]
    assert env_str("NAME", "default", {}) == "default"
    assert env_str("NAME", "default", {"NAME": "set"}) == "set"


def _media_settings(**overrides: str) -> dict[str, object]:
    """The media storage that the settings build, asked for an image's address."""
    with mock.patch.dict(os.environ, _clean_env(**overrides), clear=True):
        settings = _run_settings_file()
        with override_settings(MEDIA_ROOT=settings["MEDIA_ROOT"], MEDIA_URL=settings["MEDIA_URL"]):
            media = StorageHandler(settings["STORAGES"])["default"]
            return {
                "backend": settings["STORAGES"]["default"]["BACKEND"],
                "root": str(settings["MEDIA_ROOT"]),
                "image_url": media.url("nominees/thumbnails/blackrock.png"),
                "img_src": settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"],
            }


def test_media_defaults_to_the_filesystem() -> None:
    media = _media_settings(MEDIA_ROOT="/srv/podium/media")
    assert media["backend"] == "django.core.files.storage.FileSystemStorage"
    assert (media["root"], media["image_url"]) == ("/srv/podium/media", "/media/nominees/thumbnails/blackrock.png")
    assert media["img_src"] == ["'self'", "data:"]


def test_media_in_an_s3_compatible_bucket_is_public_and_allowed_by_the_csp() -> None:
    media = _media_settings(
        PODIUM_MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="podium-media",
        AWS_S3_ENDPOINT_URL="https://objects.example.net",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",  # never used: building a URL makes no request
    )
    assert media["backend"] == "storages.backends.s3.S3Storage"
    assert media["image_url"] == "https://objects.example.net/podium-media/nominees/thumbnails/blackrock.png"
    assert media["img_src"] == ["'self'", "data:", "https://objects.example.net"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PODIUM_MEDIA_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME must be set when PODIUM_MEDIA_STORAGE is s3"),
        ({"PODIUM_MEDIA_STORAGE": "ftp"}, "PODIUM_MEDIA_STORAGE must be filesystem or s3, not 'ftp'"),
    ],
)
def test_a_wrong_media_storage_stops_start_up(overrides: dict[str, str], message: str) -> None:
    assert _start_up_error(**overrides) == message
