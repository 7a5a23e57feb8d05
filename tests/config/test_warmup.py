"""The web process is warmed before gunicorn forks, and a recycled worker leaves at once."""

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.urls import URLResolver, clear_url_caches, get_resolver

from config.warmup import warm_up
from tests.config.test_deploy import _gunicorn_conf

ROOT = Path(__file__).resolve().parents[2]


def _cached_loader() -> CachedLoader:
    loader = engines["django"].engine.template_loaders[0]  # type: ignore[attr-defined]
    assert isinstance(loader, CachedLoader)
    return loader


def _all_resolvers(resolver: URLResolver) -> list[URLResolver]:
    nested = [p for p in resolver.url_patterns if isinstance(p, URLResolver)]
    return [resolver, *(r for n in nested for r in _all_resolvers(n))]


def test_warm_up_compiles_every_project_template_and_fills_every_url_resolver() -> None:
    clear_url_caches()
    _cached_loader().reset()
    warmed = warm_up()

    cached = _cached_loader().get_template_cache
    shipped = [p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html")]
    assert shipped
    assert [name for name in shipped if name not in cached] == []
    assert warmed.templates >= len(shipped)
    resolvers = _all_resolvers(get_resolver())
    assert warmed.resolvers == len(resolvers)
    assert [r for r in resolvers if not r._populated] == []


@pytest.fixture
def hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return _gunicorn_conf(monkeypatch, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))


class _Exited(Exception):
    pass


def _exit_in_flight(hooks: dict[str, Any], code: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    exits: list[int] = []

    def fake_exit(status: int) -> None:
        exits.append(status)
        raise _Exited

    monkeypatch.setattr(hooks["os"], "_exit", fake_exit)
    try:  # as gunicorn calls it: from the `finally` of the worker's sys.exit
        try:
            sys.exit(code)
        finally:
            hooks["worker_exit"](None, SimpleNamespace(pid=1))
    except (SystemExit, _Exited):
        pass
    return exits


def test_a_worker_leaving_normally_exits_at_once_with_status_0(hooks, monkeypatch) -> None:
    assert _exit_in_flight(hooks, 0, monkeypatch) == [0]


def test_a_worker_failing_to_boot_keeps_its_status(hooks, monkeypatch) -> None:
    # 3 is gunicorn's WORKER_BOOT_ERROR: the arbiter halts on it, so it must not become a 0.
    assert _exit_in_flight(hooks, 3, monkeypatch) == []


def test_the_master_freezes_its_heap_after_warming_only_when_it_preloads(hooks, monkeypatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(hooks["gc"], "freeze", lambda: frozen.append(True))
    hooks["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False)))
    assert frozen == []
    hooks["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True)))
    assert frozen == [True]
