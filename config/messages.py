"""Django's default message storage (a signed cookie, then the session), opened only when used.

`MessageMiddleware` makes a storage for every request; Django's `FallbackStorage` builds its
cookie and session backends in its constructor, and the cookie backend builds a signer there
(a settings read and a key derivation), although most requests neither show nor add a message.
This storage builds them when a message is first read or written: what is stored, where,
and how it is signed are Django's own.
"""

from functools import cached_property
from typing import Any

from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest


class LazyFallbackStorage(FallbackStorage):
    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        BaseStorage.__init__(self, request, *args, **kwargs)  # not FallbackStorage's: it opens the backends
        self._backend_args = (args, kwargs)
        self._used_storages: set[BaseStorage] = set()

    @cached_property
    def storages(self) -> list[BaseStorage]:  # an attribute in FallbackStorage
        args, kwargs = self._backend_args
        return [storage_class(self.request, *args, **kwargs) for storage_class in self.storage_classes]
