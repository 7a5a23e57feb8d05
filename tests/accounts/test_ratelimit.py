"""accounts.ratelimit: allauth's limits and Podium's, one Redis round trip per limit, failing open."""

from pathlib import Path

import pytest
import redis
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from accounts.ratelimit import consume, consume_single_rate, within_rate_limit
from tests.factories import PASSWORD, UserFactory
from tests.workers import PrivateRedis

pytestmark = pytest.mark.django_db

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
    }
}


@pytest.fixture
def redis_cache(tmp_path: Path, settings):
    """The default cache on a Redis server of the test's own (django-redis, as in production)."""
    if not PrivateRedis.available():
        pytest.skip("needs redis-server on PATH")
    server = PrivateRedis(tmp_path)
    server.start()
    original = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": server.url}}
    yield redis.Redis.from_url(server.url)
    settings.CACHES = original
    server.stop()


def _ballot_request(user: User):
    request = RequestFactory().post("/editions/x/ballot/", REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def _commands(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def test_allauth_counts_every_limit_through_podiums_check() -> None:
    """Private allauth functions are replaced: an upgrade that renames them must fail here."""
    assert allauth_ratelimit._consume_single_rate is consume_single_rate
    assert allauth_ratelimit.consume is consume


def test_each_check_is_one_redis_round_trip(redis_cache: redis.Redis, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "3/m/user,100/m/ip"}
    request = _ballot_request(UserFactory())
    assert within_rate_limit(request, "submit_ballot", request.user)  # loads the script once
    redis_cache.config_resetstat()
    assert within_rate_limit(request, "submit_ballot", request.user)
    commands = _commands(redis_cache)
    commands.pop("config|resetstat", None)
    # Two limits (per member, per address): one EVALSHA from the client for both; the rest runs
    # inside the script, on the server.
    assert commands == {"evalsha": 1, "zremrangebyscore": 2, "zcard": 2, "zadd": 2, "pexpire": 2}


def test_a_refusal_keeps_the_earlier_limits_hit_as_allauth_does(redis_cache: redis.Redis, settings) -> None:
    """Limits are counted in order; the first one over refuses, those before it keep the hit."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "100/m/user,2/m/ip"}
    member = UserFactory()
    request = _ballot_request(member)
    assert [within_rate_limit(request, "submit_ballot", member) for _ in range(3)] == [True, True, False]
    members = {key.decode(): redis_cache.zcard(key) for key in redis_cache.keys("*")}
    assert sorted(members.values()) == [2, 3]  # the address limit stopped at 2; the member's counted all 3


def test_the_limit_holds_on_redis_and_a_rollback_gives_the_hit_back(redis_cache: redis.Redis, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "submit_ballot": "3/m/user"}
    member, other = UserFactory(), UserFactory()
    request = _ballot_request(member)
    assert [within_rate_limit(request, "submit_ballot", member) for _ in range(4)] == [True, True, True, False]
    assert within_rate_limit(_ballot_request(other), "submit_ballot", other)  # another member's own limit
    allauth_ratelimit.clear(request, app="allauth.account", action="submit_ballot", user=member)
    assert within_rate_limit(request, "submit_ballot", member)
    assert within_rate_limit(request, "submit_ballot", member)
    usage = allauth_ratelimit.consume(request, app="allauth.account", action="submit_ballot", user=member)
    assert len(usage.usage) == 1
    assert not within_rate_limit(request, "submit_ballot", member)
    usage.rollback()
    assert within_rate_limit(request, "submit_ballot", member)  # the third hit was given back
    assert not within_rate_limit(request, "submit_ballot", member)


def test_failed_logins_are_limited_on_redis(redis_cache: redis.Redis, client: Client) -> None:
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.context["form"].non_field_errors() == ["Too many failed login attempts. Try again later."]
    assert "_auth_user_id" not in client.session


def test_with_the_cache_down_log_in_sign_up_and_password_reset_still_work(client: Client, settings, caplog) -> None:
    settings.CACHES = DEAD_REDIS
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(user.pk))
    client.post(reverse("account_logout"))

    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox[-1].to == [user.email]

    response = client.post(
        reverse("account_signup"), {"email": "newcomer@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("account_email_verification_sent"))
    assert User.objects.filter(email="newcomer@example.com").exists()
    assert "rate limit signup skipped: the cache is unreachable" in caplog.text


def test_with_the_cache_down_a_log_in_never_waits_on_allauths_cache_lock(client: Client, settings, monkeypatch) -> None:
    # The hits let through uncounted have nothing to roll back; allauth's rollback would spin on
    # a lock the dead cache can never give for its whole one-second wait, on every log-in.
    settings.CACHES = DEAD_REDIS
    lock_attempts: list[str] = []
    real_lock = allauth_ratelimit.cache_lock

    def spying_lock(cache_key: str):
        lock_attempts.append(cache_key)
        return real_lock(cache_key)

    monkeypatch.setattr(allauth_ratelimit, "cache_lock", spying_lock)
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(user.pk))
    assert lock_attempts == []


def test_with_the_cache_down_the_admin_log_in_still_works(client: Client, settings) -> None:
    settings.CACHES = DEAD_REDIS
    staff = UserFactory(is_staff=True, is_superuser=True)
    login = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(login, {"login": staff.email, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert "Curate editions, review ballots, publish results" in client.get("/admin/").content.decode()
