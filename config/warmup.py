"""Warm the preloaded web process before gunicorn forks its workers (gunicorn.conf.py `when_ready`).

A forked worker inherits the master's memory, but Django builds much of what a request needs
lazily, on first use: the URL resolvers' lookup tables, each template's compiled nodes (the
cached loader), the translation catalogue, the cache backends, allauth's adapter. Unwarmed,
every new worker paid for them on its first requests, and with worker recycling on, each
restart showed as a stall in the p99 (bench/recycling.py). Built once here, every (re)started
worker begins warm, and `gc.freeze()` afterwards keeps the child's collector from walking (and
so copying, page by page) the whole inherited heap on its first full collection.

Nothing here opens a connection: the master's sockets must not be shared with its children.
"""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import caches
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import URLResolver, get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


class Warmed(NamedTuple):
    resolvers: int
    templates: int
    caches: int


def _resolvers(resolver: URLResolver) -> Iterator[URLResolver]:
    yield resolver
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _resolvers(pattern)


def _template_names(directories: list[Path]) -> Iterator[str]:
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
                yield path.relative_to(directory).as_posix()


def _warm_resolvers() -> int:
    resolvers = list(_resolvers(get_resolver()))
    for resolver in resolvers:  # each builds its reverse, namespace and app tables on first access
        _ = resolver.reverse_dict, resolver.namespace_dict, resolver.app_dict
    return len(resolvers)


def _warm_templates() -> int:
    compiled = 0
    for engine in engines.all():
        for name in dict.fromkeys(_template_names([Path(d) for d in engine.template_dirs])):
            try:
                engine.get_template(name)  # the first directory holding the name wins, as in a request
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue  # a fragment or an asset that is not a template on its own
            compiled += 1
    return compiled


def warm_up() -> Warmed:
    """Build, in this process, what each request would otherwise build on a fresh worker."""
    warmed = Warmed(resolvers=_warm_resolvers(), templates=_warm_templates(), caches=len(settings.CACHES))
    caches.all(initialized_only=False)  # the backend objects and client classes; pools connect on first use
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Vote")  # loads the catalogues of every installed app
    get_adapter()
    logger.info(
        "warmed up before forking: %d URL resolvers, %d templates, %d caches",
        warmed.resolvers,
        warmed.templates,
        warmed.caches,
    )
    return warmed
