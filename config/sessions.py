"""Sessions as Django's `cached_db` engine keeps them, without set-up for a request that never opens one.

Read through the cache, written through to the database (a cache outage or flush logs nobody
out): the storage, keys and format are `cached_db`'s. Its constructor looks the cache up and
the base class imports the serializer for every request, although most requests (a visitor
without a session cookie, a probe, an API call) never read their session; here both happen
when the session is first used.
"""

from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.utils.module_loading import import_string


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        # Not cached_db's constructor (a cache lookup) nor SessionBase's (an import): the rest of it.
        self._session_key = session_key
        self.accessed = False
        self.modified = False

    @cached_property
    def serializer(self) -> Any:
        return import_string(settings.SESSION_SERIALIZER)

    @cached_property
    def _cache(self) -> Any:
        return caches[settings.SESSION_CACHE_ALIAS]
