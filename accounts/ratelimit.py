"""Podium's one rate-limit check: allauth's flows (log-in, sign-up, password reset, the admin's
log-in) and Podium's own actions (ballots, receipts), on the web and in the API.

allauth counts every limit in `allauth.core.internal.ratelimit._consume_single_rate`, under a
cache lock, and refuses when it cannot take the lock. For a vote or a log-in, losing the
request to a cache outage is worse than a moment without rate limiting, so `install()` (run
by `AccountsConfig.ready`) puts `consume_single_rate` in its place. allauth offers no
setting or adapter method for this (it is a private function: `tests/accounts/
test_ratelimit.py` fails if an upgrade renames it). It keeps allauth's rates, keys and
sliding window and:

- on django-redis, counts a limit in one round trip (a Lua script over a sorted set of hit
  times) instead of allauth's four commands (lock, get, set, unlock);
- on any other cache (local memory in the embedded set-up), runs allauth's own code;
- fails open, with a warning in the log, when the cache is unreachable.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import Rate, SingleRateLimitUsage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.http import HttpRequest
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# KEYS[1]: the limit's sorted set (member: one hit, score: its time). ARGV: now, window
# (seconds), allowed hits, this hit's member, "1" for a dry run. Same window as allauth's
# `apply_rate`: hits at or before now - window no longer count. 1 when allowed.
SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
if ARGV[5] ~= '1' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
end
return 1
"""

_allauth_consume_single_rate: Callable[..., SingleRateLimitUsage | None] = allauth_ratelimit._consume_single_rate


def within_rate_limit(request: HttpRequest, action: str, user: object = None) -> bool:
    """True when the request may go on: under the action's limits, or the cache is unreachable."""
    return bool(ratelimit.consume(request, action=action, user=user))


@dataclass
class RedisHit(SingleRateLimitUsage):
    """One counted hit in a django-redis sorted set; a rollback removes exactly that hit."""

    member: str = ""

    def rollback(self) -> None:
        try:
            _redis_client().zrem(cache.make_key(self.cache_key), self.member)
        except RedisError:  # the hit expires with its window anyway
            logger.warning("could not roll back a rate-limit hit: the cache is unreachable")


def _redis_client() -> Any:
    return cache.client.get_client(write=True)  # type: ignore[attr-defined]


def _count_in_redis(cache_key: str, rate: Rate, dry_run: bool) -> SingleRateLimitUsage | None:
    now, member = time.time(), uuid.uuid4().hex
    window = _redis_client().register_script(SLIDING_WINDOW)  # EVALSHA, EVAL once per server
    args = [repr(now), repr(float(rate.duration)), rate.amount, member, "1" if dry_run else "0"]
    if not window(keys=[cache.make_key(cache_key)], args=args):
        return None
    return RedisHit(cache_key=cache_key, cache_duration=rate.duration, timestamp=now, member=member)


def _cache_reachable() -> bool:
    probe = f"podium:cache-probe:{uuid.uuid4().hex}"
    try:
        cache.set(probe, 1, 5)
        reachable = bool(cache.get(probe) == 1)
        cache.delete(probe)
    except Exception:  # any backend's own connection error
        return False
    return reachable


def consume_single_rate(
    request: HttpRequest,
    *,
    app: str,
    action: str,
    rate: Rate,
    key: str | None = None,
    user: object = None,
    dry_run: bool = False,
    raise_exception: bool = False,
) -> SingleRateLimitUsage | None:
    """allauth's `_consume_single_rate`, counted in one round trip on Redis and failing open."""
    cache_key = allauth_ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user)
    try:
        if isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache):
            usage = _count_in_redis(cache_key, rate, dry_run)
            refused = usage is None  # Redis answered: a refusal is the limit's
        else:  # allauth refuses also when it cannot take its cache lock: tell the two apart
            usage = _allauth_consume_single_rate(
                request, app=app, action=action, rate=rate, key=key, user=user, dry_run=dry_run
            )
            refused = usage is None and _cache_reachable()
    except Exception:  # any cache backend's own connection error: the cache is unreachable
        usage, refused = None, False
    if refused:
        if raise_exception:
            raise ratelimit.RateLimited
        return None
    if usage is None:
        logger.warning("rate limit %s skipped: the cache is unreachable", action)
        usage = SingleRateLimitUsage(cache_key=cache_key, cache_duration=rate.duration, timestamp=time.time())
    return usage


def install() -> None:
    """Count allauth's limits, and Podium's, with `consume_single_rate` (once, at start-up)."""
    allauth_ratelimit._consume_single_rate = consume_single_rate
