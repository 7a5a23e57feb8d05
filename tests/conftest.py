"""Test tiers and the fixtures shared by every test module.

Tests marked `postgres`, `broker` or `browser` need a real service. Without it they skip
with the reason; with PODIUM_REQUIRE_SERVICES=1 (CI) a missing service fails the test.
"""

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test import override_settings

from tests.workers import start_worker, wait_until_idle

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def _require(reason: str) -> None:
    if settings.PODIUM_REQUIRE_SERVICES:
        pytest.fail(f"required service missing (PODIUM_REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != "config.postgresql":
        _require("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("broker"):
        if not settings.CELERY_BROKER_URL:
            _require("needs a Celery broker: set CELERY_BROKER_URL")
        elif not _reachable(settings.CELERY_BROKER_URL, 5672):
            _require(f"broker {settings.CELERY_BROKER_URL} is not reachable")
    if item.get_closest_marker("browser"):
        try:
            import playwright  # noqa: F401
        except ImportError:
            _require("needs Playwright's Python package (pip install -r requirements-dev.txt)")
        if not CHROMIUM.exists():
            _require("needs Chromium at /usr/bin/chromium (apt-get install -y chromium)")


@pytest.fixture(autouse=True)
def _inline_tasks_unless_broker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run Celery tasks inline everywhere but in broker tests, which use a real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("broker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or previous
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _worker_idle_before_database_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a broker test, wait until the worker has run what the test queued.

    Otherwise a recompute still running (or waiting out its delay) would write while the
    test database is flushed for the next test.
    """
    uses_worker = "celery_worker_process" in request.fixturenames
    if uses_worker and request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db")  # set up first, so flushed after this teardown
    yield
    if not uses_worker:
        return
    wait_until_idle(request.getfixturevalue("celery_worker_process"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    """Password hashing is deliberately slow; tests create hundreds of members."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    from voting.ballots.rules import forget_curated
    from voting.ballots.selectors import forget_edition_copies

    cache.clear()
    forget_curated()
    forget_edition_copies()
    yield
    cache.clear()
    forget_curated()
    forget_edition_copies()


# Per table: the model, its columns and the rows `load_demo` added, as the database stores them.
DemoSnapshot = list[tuple[type[models.Model], list[str], list[tuple[object, ...]]]]


def _rows_by_model() -> dict[type[models.Model], dict[object, tuple[object, ...]]]:
    fields = {m: [f.attname for f in m._meta.concrete_fields] for m in apps.get_models(include_auto_created=True)}
    return {m: {row[0]: row for row in m._base_manager.values_list("pk", *names)} for m, names in fields.items()}


def _stored_rows(model: type[models.Model], columns: list[str], pks: list[object]) -> list[tuple[object, ...]]:
    quote = connection.ops.quote_name
    pk_column = quote(model._meta.pk.column)
    rows: list[tuple[object, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            cursor.execute(
                f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the models
                f"WHERE {pk_column} IN ({', '.join(['%s'] * len(chunk))}) ORDER BY {pk_column}",
                chunk,
            )
            rows.extend(cursor.fetchall())
    return rows


@pytest.fixture(scope="session")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's `load_demo` writes its nominee images; `demo` copies them per test."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup: None, django_db_blocker: object, demo_media: Path) -> DemoSnapshot:
    """The rows `load_demo` adds, computed once per session (per xdist worker), then rolled back.

    `load_demo` imports 1,240 ballots and recomputes two editions: seconds per call, and
    dozens of tests only read its result. `demo` writes the rows back with plain INSERTs
    (about 20,000 rows, a fraction of a second), so each test still gets its own copy.
    """
    with (
        django_db_blocker.unblock(),  # type: ignore[attr-defined]
        override_settings(MEDIA_ROOT=demo_media),
        transaction.atomic(),
    ):
        before = _rows_by_model()
        call_command("load_demo", verbosity=0)
        after = _rows_by_model()
        snapshot: DemoSnapshot = []
        for model, rows in after.items():
            changed = [pk for pk, row in before[model].items() if rows.get(pk) != row]
            assert not changed, f"load_demo changed existing {model.__name__} rows {changed}: the snapshot only adds"
            added = [pk for pk in rows if pk not in before[model]]
            if added:
                columns = [f.column for f in model._meta.concrete_fields]
                snapshot.append((model, columns, _stored_rows(model, columns, added)))
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def demo(db: None, demo_snapshot: DemoSnapshot, demo_media: Path) -> None:
    """The published 2024 edition (reference results) and the open 2025 edition, as `load_demo` leaves them.

    Request it before fixtures that create rows of their own (the demo keeps its primary keys).
    """
    shutil.copytree(demo_media, settings.MEDIA_ROOT, dirs_exist_ok=True)  # the images the rows name
    quote = connection.ops.quote_name
    for model, columns, rows in demo_snapshot:
        keys = [row[columns.index(model._meta.pk.column)] for row in rows]
        if model._base_manager.filter(pk__gte=min(keys), pk__lte=max(keys)).exists():
            pytest.fail(f"`demo` must come before fixtures that create {model.__name__} rows (it keeps its keys)")
    with connection.cursor() as cursor:
        for model, columns, rows in demo_snapshot:
            # Multi-row INSERTs, as many rows per statement as the driver takes parameters.
            per_statement = max(1, (connection.features.max_query_params or 2000) // len(columns))
            row_marks = f"({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608 - names from the models
                    f"VALUES {', '.join([row_marks] * len(chunk))}",
                    [value for row in chunk for value in row],
                )
        if connection.vendor == "postgresql":  # explicit keys do not advance the sequences
            for statement in connection.ops.sequence_reset_sql(no_style(), [model for model, _, _ in demo_snapshot]):
                cursor.execute(statement)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: object) -> Iterator[str]:
    """A real `celery worker` process on the real broker, consuming a queue of its own.

    It talks to the test database (PostgreSQL; the test database name is passed through
    DATABASE_URL), so tasks it runs see what the test committed.
    """
    from config.celery import app

    queue = f"podium-test-{uuid.uuid4().hex[:8]}"
    worker = start_worker(queue)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        _wait_for_worker(app, worker)
        yield queue
    finally:
        app.conf.task_default_queue = previous_queue
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _wait_for_worker(app: object, worker: subprocess.Popen[bytes]) -> None:
    from celery.result import allow_join_result

    from config.celery import ping

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"celery worker exited with code {worker.returncode}")
        try:
            with allow_join_result():
                answered = ping.delay().get(timeout=5) == "pong"
            if answered:
                return
        except Exception:  # noqa: S112 - the worker is still starting
            continue
    pytest.fail("celery worker did not answer a ping within 60 s")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded nominee images go to a throw-away folder, never the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")  # type: ignore[attr-defined]
