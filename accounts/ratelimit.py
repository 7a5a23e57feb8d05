"""The one rate-limit check for Podium's own actions (ballots, receipts), on the web and in the API.

allauth's limiter refuses when it cannot take its cache lock; for a vote, losing the ballot to
a cache outage is worse than a moment without rate limiting, so an unreachable cache fails open.
"""

import logging
import uuid

from allauth.core import ratelimit
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def within_rate_limit(request: HttpRequest, action: str, user: object = None) -> bool:
    """True when the request may go on: under the action's limit, or the cache is unreachable."""
    if ratelimit.consume(request, action=action, user=user):
        return True
    probe = f"podium:cache-probe:{uuid.uuid4().hex}"
    cache.set(probe, 1, 5)
    if cache.get(probe) == 1:
        cache.delete(probe)
        return False
    logger.warning("rate limit for %s skipped: the cache is unreachable", action)
    return True
