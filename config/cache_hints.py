"""Hints: short-lived cache keys set only when absent, several in one round trip.

A hint says "someone did this a moment ago" (flagged an edition stale, asked for its receipt
e-mails), so that the rest of a burst skips the work. `add_hints` answers for each key what
`cache.add` would: True when this call set it, False when it was there already, None when the
cache could not tell (unreachable): a caller must then act as if the hint were absent.
"""

from collections.abc import Sequence
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django_redis.cache import RedisCache
from redis.exceptions import RedisError


def on_redis() -> bool:
    """Whether the default cache is django-redis (else: local memory in the embedded set-up)."""
    return isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache)


def redis_client() -> Any:
    """The default cache's own Redis client, for what Django's cache API cannot say in one round trip."""
    return cache.client.get_client(write=True)  # type: ignore[attr-defined]


def add_hints(keys: Sequence[str], timeout: int) -> list[bool | None]:
    """`cache.add(key, 1, timeout)` for each key; on Redis, one pipelined round trip for them all."""
    if not on_redis():
        return [_add(key, timeout) for key in keys]
    try:
        pipeline = redis_client().pipeline(transaction=False)
        for key in keys:
            pipeline.set(cache.make_key(key), 1, nx=True, ex=timeout)
        return [bool(added) for added in pipeline.execute()]
    except (RedisError, OSError):
        return [None] * len(keys)


def _add(key: str, timeout: int) -> bool | None:
    try:
        added = cache.add(key, 1, timeout=timeout)
    except Exception:  # any backend's own connection error: unknown
        return None
    return None if added is None else bool(added)
