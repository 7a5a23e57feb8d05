"""Podium's one rate-limit check: allauth's flows (log-in, sign-up, password reset, the admin's
log-in) and Podium's own actions (ballots, receipts), on the web and in the API.

allauth counts every limit in `allauth.core.internal.ratelimit._consume_single_rate`, under a
cache lock, and refuses when it cannot take the lock. For a vote or a log-in, losing the
request to a cache outage is worse than a moment without rate limiting, so `install()` (run
by `AccountsConfig.ready`) puts `consume_single_rate` in its place. allauth offers no
setting or adapter method for this (it is a private function: `tests/accounts/
test_ratelimit.py` fails if an upgrade renames it). It keeps allauth's rates, keys and
sliding window and:

- on django-redis, counts a whole check (every rate of the action: per member and per address
  for a ballot) in one round trip, a Lua script over one sorted set of hit times per rate,
  instead of allauth's four commands (lock, get, set, unlock) per rate; `install()` also puts
  `consume` in place of allauth's, which loops over the rates one round trip each;
- on any other cache (local memory in the embedded set-up), runs allauth's own code;
- fails open, with a warning in the log, when the cache is unreachable (and the hit it let
  through has nothing to roll back: no wait on a lock that cannot be taken).
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.core.internal.ratelimit import Rate, RateLimitUsage, SingleRateLimitUsage
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

from config.cache_hints import on_redis, redis_client

logger = logging.getLogger(__name__)

# KEYS: one sorted set per rate, in the action's order (member: one hit, score: its time).
# ARGV: now, this hit's member, "1" for a dry run, then the window (seconds) and the allowed
# hits of each rate. Same window as allauth's `apply_rate`: hits at or before now - window no
# longer count. Like allauth's loop over the rates, the first rate over its limit refuses
# (its 1-based position is returned) and the rates before it keep this hit; 0 when allowed.
SLIDING_WINDOWS = """
local now, member, dry = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
for i, key in ipairs(KEYS) do
  local window, allowed = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= allowed then
    return i
  end
  if not dry then
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
  end
end
return 0
"""

_allauth_consume_single_rate: Callable[..., SingleRateLimitUsage | None] = allauth_ratelimit._consume_single_rate
_allauth_consume: Callable[..., RateLimitUsage | None] = allauth_ratelimit.consume


def within_rate_limit(request: HttpRequest, action: str, user: object = None) -> bool:
    """True when the request may go on: under the action's limits, or the cache is unreachable."""
    return bool(ratelimit.consume(request, action=action, user=user))


@dataclass
class RedisHit(SingleRateLimitUsage):
    """One counted hit in a django-redis sorted set; a rollback removes exactly that hit."""

    member: str = ""

    def rollback(self) -> None:
        try:
            redis_client().zrem(cache.make_key(self.cache_key), self.member)
        except RedisError:  # the hit expires with its window anyway
            logger.warning("could not roll back a rate-limit hit: the cache is unreachable")


@dataclass
class UncountedHit(SingleRateLimitUsage):
    """A hit let through while the cache was unreachable: nothing was counted, nothing to give back.

    allauth's own usage would roll back under its cache lock, and with the cache down that lock
    is never taken: every successful log-in waited out the lock's one-second timeout.
    """

    def rollback(self) -> None:
        return


def _count_in_redis(limits: list[tuple[str, Rate]], dry_run: bool) -> list[SingleRateLimitUsage] | None:
    """Count one hit against every (cache key, rate) in one round trip; None when one of them refuses."""
    now, member = time.time(), uuid.uuid4().hex
    windows = redis_client().register_script(SLIDING_WINDOWS)  # EVALSHA, EVAL once per server
    args: list[object] = [repr(now), member, "1" if dry_run else "0"]
    for _, rate in limits:
        args += [repr(float(rate.duration)), rate.amount]
    if windows(keys=[cache.make_key(cache_key) for cache_key, _ in limits], args=args):
        return None
    return [
        RedisHit(cache_key=cache_key, cache_duration=rate.duration, timestamp=now, member=member)
        for cache_key, rate in limits
    ]


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
        if on_redis():
            hits = _count_in_redis([(cache_key, rate)], dry_run)
            usage, refused = (hits[0], False) if hits else (None, True)  # Redis answered: a refusal is the limit's
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
        usage = UncountedHit(cache_key=cache_key, cache_duration=rate.duration, timestamp=time.time())
    return usage


def consume(
    request: HttpRequest,
    *,
    app: str,
    action: str,
    config: dict[str, str] | None = None,
    key: str | None = None,
    user: object = None,
    dry_run: bool = False,
    limit_get: bool = False,
    raise_exception: bool = False,
) -> RateLimitUsage | None:
    """allauth's `consume` (every rate of an action), counted in one round trip on Redis and failing open."""
    if not on_redis():  # allauth's loop, each rate through `consume_single_rate`
        return _allauth_consume(
            request,
            app=app,
            action=action,
            config=config,
            key=key,
            user=user,
            dry_run=dry_run,
            limit_get=limit_get,
            raise_exception=raise_exception,
        )
    usage = RateLimitUsage(usage=[])
    rates = (
        []
        if not limit_get and request.method == "GET"
        else allauth_ratelimit.get_rates(app=app, action=action, config=config)
    )
    if not rates:
        return usage
    limits = [
        (allauth_ratelimit.get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user), rate)
        for rate in rates
    ]
    try:
        hits = _count_in_redis(limits, dry_run)
    except Exception:  # the cache is unreachable: let the request through
        logger.warning("rate limit %s skipped: the cache is unreachable", action)
        now = time.time()
        return RateLimitUsage([UncountedHit(k, rate.duration, now) for k, rate in limits])
    if hits is None:
        if raise_exception:
            raise ratelimit.RateLimited
        return None
    usage.usage.extend(hits)
    return usage


def install() -> None:
    """Count allauth's limits, and Podium's, with `consume` and `consume_single_rate` (once, at start-up)."""
    allauth_ratelimit._consume_single_rate = consume_single_rate
    allauth_ratelimit.consume = consume
