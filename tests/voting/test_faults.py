"""Faults on real services: a vote the server acknowledged is never lost."""

import json
import logging
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import create_api_token
from config.celery import app
from tests.factories import PASSWORD, UserFactory
from tests.voting.conftest import category, nominee_ids
from tests.workers import PrivateRedis, start_worker
from voting.models import Ballot, CategoryResult, ResultsState, Vote
from voting.tasks import sweep_editions_task

ROOT = Path(__file__).resolve().parents[2]


def _ballot_post(edition, fund_index: int = 0) -> dict[str, str]:
    return {
        "version": "0",
        f"category-{category(edition, 'fund').pk}": str(nominee_ids(edition, "fund")[fund_index]),
    }


def _wait(predicate, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _admin_connection():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _release_ballots(edition) -> int | None:
    state = ResultsState.objects.select_related("current_release").filter(edition=edition).first()
    return state.current_release.ballots_counted if state and state.current_release else None


def _use_broker(url: str) -> None:
    """Point the web side's Celery app at another broker URL; pools are rebuilt lazily."""
    app.conf.broker_url = url
    app.conf.broker_write_url = url  # derived from broker_url once, when the app was configured
    app.amqp._producer_pool = None
    app._pool = None


@pytest.fixture
def dead_broker():
    """A broker URL where nothing listens, for the duration of a test."""
    previous = app.conf.broker_write_url
    _use_broker("amqp://guest:guest@127.0.0.1:1//")
    yield
    _use_broker(previous)


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_broker_down_ballots_are_still_accepted_and_the_leaderboard_catches_up(
    edition, celery_worker_process, dead_broker
) -> None:
    timings = []
    for index in range(3):
        client = Client()
        client.force_login(UserFactory())
        started = time.monotonic()
        response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition, index))
        timings.append(time.monotonic() - started)
        assert response.status_code == 302
    print(f"ballot requests with the broker down took {', '.join(f'{t:.2f}' for t in timings)} s")
    assert Ballot.objects.filter(edition=edition).count() == 3
    assert ResultsState.objects.get(edition=edition).stale_since is not None
    assert _release_ballots(edition) is None

    _use_broker(os.environ["CELERY_BROKER_URL"])  # the broker is back
    sweep_editions_task.apply_async(queue=celery_worker_process)  # beat's periodic sweep, run once
    assert _wait(lambda: _release_ballots(edition) == 3), "leaderboard did not catch up"


def _worker_answers(queue: str, worker, timeout: float) -> bool:
    """True once the worker runs a ping from `queue`; False if it exited or stayed silent."""
    from celery.result import allow_join_result

    from config.celery import ping

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        try:
            with allow_join_result():
                if ping.apply_async(queue=queue, retry=False).get(timeout=3) == "pong":
                    return True
        except Exception:  # the broker or the worker is still coming back
            time.sleep(0.5)
    return False


@pytest.fixture
def private_redis(tmp_path: Path):
    """A Redis broker of this test's own, to stop and start (never the shared one)."""
    if not PrivateRedis.available():
        pytest.skip("needs redis-server on PATH")
    redis = PrivateRedis(tmp_path)
    redis.start()
    previous = app.conf.broker_write_url
    _use_broker(redis.url)
    yield redis
    _use_broker(previous)
    redis.stop()


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_worker_survives_a_broker_outage_while_a_delayed_recompute_is_held(
    edition, private_redis, settings, monkeypatch: pytest.MonkeyPatch, pool: str
) -> None:
    """Redis (the broker) dies while the worker waits out a recompute's delay, and comes back.

    The worker stays up, and the periodic sweep brings the leaderboard up to every ballot,
    the one stored during the outage included. Also with the Procfile's prefork pool, where
    the recompute runs in a child while the worker's main process sees the broker go.
    """
    from voting.ballots.services import submit_ballot

    settings.PODIUM_RECOMPUTE_DELAY_SECONDS = 4
    monkeypatch.setenv("PODIUM_RECOMPUTE_DELAY_SECONDS", "4")
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    queue = f"podium-outage-{os.getpid()}"
    worker = start_worker(queue, broker_url=private_redis.url, pool=pool)
    previous_queue = app.conf.task_default_queue
    try:
        assert _worker_answers(queue, worker, 60), "the worker did not start"
        app.conf.task_default_queue = queue
        submit_ballot(voter=UserFactory(), edition=edition, selections={fund_category: [fund[0]]}, expected_version=0)
        time.sleep(1)  # the worker has the recompute and waits out its delay
        private_redis.stop()
        time.sleep(2)
        submit_ballot(voter=UserFactory(), edition=edition, selections={fund_category: [fund[1]]}, expected_version=0)
        time.sleep(4)
        private_redis.start()
        _use_broker(private_redis.url)  # the web side's pools reconnect
        assert _worker_answers(queue, worker, 60), f"the worker did not come back (exit code {worker.poll()})"
        sweep_editions_task.apply_async(queue=queue)  # beat's periodic sweep, once
        assert _wait(lambda: _release_ballots(edition) == 2, timeout=30), "leaderboard did not catch up"
        assert worker.poll() is None
    finally:
        app.conf.task_default_queue = previous_queue
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a prefork warm shutdown can hang on a broker it is re-dialling
            worker.kill()
            worker.wait(timeout=20)


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_ballot_never_waits_on_the_result_backend(
    edition, private_redis, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis as the broker and the result backend, stopped: the ballot is stored, and the request
    never tries the result backend (whose reconnect held each request up to 20 s, a retry a second)."""
    from celery.backends.redis import RedisBackend

    monkeypatch.setattr(app, "_backend_cache", RedisBackend(app=app, url=private_redis.url))
    first = Client()
    first.force_login(UserFactory())
    assert first.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition)).status_code == 302
    private_redis.stop()
    member = Client()
    member.force_login(UserFactory())
    with caplog.at_level(logging.INFO, logger="celery.backends.redis"):
        response = member.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition, 1))
    assert response.status_code == 302
    assert Ballot.objects.filter(edition=edition).count() == 2
    assert [r.getMessage() for r in caplog.records if r.name == "celery.backends.redis"] == []


@pytest.mark.django_db(transaction=True)
def test_cache_down_pages_render_and_votes_are_stored(edition, settings) -> None:
    """Redis (the cache) unreachable: pages render, the web form and the API store ballots,
    members log in and sign up; no rate limit refuses anyone for the outage (every tier)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    visitor = Client()
    assert "Open Awards" in visitor.get(edition.get_absolute_url()).content.decode()
    assert visitor.get(reverse("voting:results", args=[edition.slug])).status_code == 200

    form_statuses, api_statuses = [], []
    for index in range(25):
        member = Client()
        member.force_login(UserFactory())
        form_statuses.append(
            member.post(
                reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition, index % 3)
            ).status_code
        )
    for index in range(25):
        _, key = create_api_token(user=UserFactory(), name="outage")
        body = json.dumps({"version": 0, "selections": {"fund": [nominee_ids(edition, "fund")[index % 3]]}})
        response = visitor.put(
            f"/api/v1/editions/{edition.slug}/ballot",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        api_statuses.append(response.status_code)
    assert (form_statuses, api_statuses) == ([302] * 25, [200] * 25)
    assert Ballot.objects.filter(edition=edition).count() == 50

    returning = UserFactory()
    response = visitor.post(reverse("account_login"), {"login": returning.email, "password": PASSWORD})
    assert (response.status_code, visitor.session["_auth_user_id"]) == (302, str(returning.pk))
    response = Client().post(
        reverse("account_signup"), {"email": "outage@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("account_email_verification_sent"))
    assert User.objects.filter(email="outage@example.com").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_mid_submission_shows_try_again_and_saves_nothing(edition, client: Client) -> None:
    client.force_login(UserFactory())

    def kill_on_vote_insert(execute, sql, params, many, context):
        if _writes_votes(sql):
            with _admin_connection() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_on_vote_insert):
        response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition))
    assert response.status_code == 503
    assert "temporary server problem. Nothing was changed" in response.content.decode()
    connection.close()
    assert Ballot.objects.count() == 0
    assert Vote.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_mid_api_submission_is_a_503_in_the_error_shape(edition, client: Client) -> None:
    member = UserFactory()
    _, key = create_api_token(user=member, name="fault test")
    fund = category(edition, "fund")
    body = {"version": 0, "selections": {fund.slug: [nominee_ids(edition, "fund")[0]]}}

    def kill_on_vote_insert(execute, sql, params, many, context):
        if _writes_votes(sql):
            with _admin_connection() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_on_vote_insert):
        response = client.put(
            f"/api/v1/editions/{edition.slug}/ballot",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 503
    assert response.json() == {
        "error": {
            "code": "try_again",
            "message": "We could not store this because of a temporary server problem. "
            "Nothing was changed: please try again.",
            "fields": {},
        }
    }
    connection.close()
    assert Ballot.objects.count() == 0
    assert Vote.objects.count() == 0


@contextmanager
def _connection_killed_once(when):
    """Terminate this connection's backend on the first statement `when(sql)` picks; close it afterwards."""
    state = {"killed": False}

    def wrapper(execute, sql, params, many, context):
        if not state["killed"] and when(sql):
            state["killed"] = True
            with _admin_connection() as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(wrapper):
            yield state
    finally:
        connection.close()  # the next query (the test's own, its teardown) opens a fresh one


def _writes_votes(sql: str) -> bool:
    """The ORM's INSERT of the votes, or PostgreSQL's one write statement that inserts them in a CTE."""
    return sql.startswith('INSERT INTO "voting_vote"') or "INSERT INTO voting_vote" in sql


def _after_the_ballot_commits():
    """Picks the first statement outside a transaction after the one that inserted the receipt: the ballot has
    committed (on PostgreSQL that statement, in autocommit, is the whole write and commits by itself)."""
    seen = {"receipt": False}

    def when(sql: str) -> bool:
        picked = seen["receipt"] and not connection.in_atomic_block
        # The ORM's INSERT, or PostgreSQL's one write statement that inserts the receipt in a CTE.
        seen["receipt"] = (
            seen["receipt"] or 'INSERT INTO "voting_receipt"' in sql or "INSERT INTO voting_receipt" in sql
        )
        return picked

    return when


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_while_the_submission_loads_the_edition_shows_try_again(
    edition, client: Client
) -> None:
    """Killed before the service runs (reading the edition): the form's "try again", choices kept, not a 500."""
    client.force_login(UserFactory())
    with _connection_killed_once(lambda sql: 'FROM "awards_edition"' in sql) as state:
        response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition, 1))
    assert state["killed"]
    assert response.status_code == 503
    page = response.content.decode()
    assert "temporary server problem. Nothing was changed: please try again. Your choices are kept below." in page
    fund_field = f"category-{category(edition, 'fund').pk}"
    assert response.context["form"][fund_field].value() == [str(nominee_ids(edition, "fund")[1])]  # choices kept
    connection.close()
    assert Ballot.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_while_loading_the_member_answers_try_again_not_a_500(edition, client: Client) -> None:
    """Killed before the view runs (the session's member is read in its decorator): a 503 page, nothing stored."""
    client.force_login(UserFactory())
    with _connection_killed_once(lambda sql: 'FROM "accounts_user"' in sql) as state:
        response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition))
    assert state["killed"]
    assert response.status_code == 503
    assert "A temporary server problem interrupted this request. Please try again in a moment." in (
        response.content.decode()
    )
    assert Ballot.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_after_the_ballot_commits_still_acknowledges_it(
    edition, client: Client, settings
) -> None:
    """The ballot is stored: the member is sent to the receipt page, never told "nothing was changed"."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker: an after-commit failure is logged, not raised
    member = UserFactory()
    client.force_login(member)
    with _connection_killed_once(_after_the_ballot_commits()) as state:
        response = client.post(reverse("voting:ballot_submit", args=[edition.slug]), _ballot_post(edition))
    assert state["killed"]
    assert (response.status_code, response["Location"]) == (302, reverse("voting:ballot_done", args=[edition.slug]))
    connection.close()
    ballot = Ballot.objects.get(voter=member)
    assert list(ballot.votes.values_list("nominee_id", flat=True)) == [nominee_ids(edition, "fund")[0]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_connection_lost_after_an_api_ballot_commits_answers_the_stored_ballot(
    edition, client: Client, settings
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker: an after-commit failure is logged, not raised
    member = UserFactory()
    _, key = create_api_token(user=member, name="fault test")
    fund = nominee_ids(edition, "fund")
    with _connection_killed_once(_after_the_ballot_commits()) as state:
        response = client.put(
            f"/api/v1/editions/{edition.slug}/ballot",
            json.dumps({"version": 0, "selections": {"fund": [fund[2]]}}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert state["killed"]
    assert response.status_code == 200, response.content
    document = response.json()
    assert (document["version"], document["changed"], document["selections"]) == (1, True, {"fund": [fund[2]]})
    connection.close()
    assert Ballot.objects.get(voter=member).receipts.get().code == document["receipt"]


@pytest.mark.broker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_recompute_leaves_no_partial_snapshot_and_the_next_run_is_right(
    edition, celery_worker_process
) -> None:
    """A second worker picks the recompute up while a table lock holds it mid-way; SIGKILL it."""
    fund_category, fund = category(edition, "fund").pk, nominee_ids(edition, "fund")
    from voting.ballots.services import submit_ballot

    for index in range(4):
        submit_ballot(
            voter=UserFactory(), edition=edition, selections={fund_category: [fund[index % 2]]}, expected_version=0
        )
    assert _wait(lambda: _release_ballots(edition) == 4)
    queue = "podium-kill-test"
    import psycopg

    db_settings = connection.settings_dict
    locker = psycopg.connect(
        dbname=db_settings["NAME"],
        host=db_settings.get("HOST") or "127.0.0.1",
        port=db_settings.get("PORT") or 5432,
        user=db_settings.get("USER") or "postgres",
    )
    locker.execute("LOCK TABLE voting_categoryresult IN ACCESS EXCLUSIVE MODE")
    # Flag the edition stale first so this ballot's commit queues nothing for the other worker.
    ResultsState.objects.filter(edition=edition).update(stale_since=timezone.now())
    submit_ballot(voter=UserFactory(), edition=edition, selections={fund_category: [fund[1]]}, expected_version=0)
    from voting.tasks import recompute_edition_task

    worker = start_worker(queue)
    try:
        recompute_edition_task.apply_async(args=[edition.pk], queue=queue)
        with _admin_connection() as admin:
            blocked = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'voting_categoryresult'::regclass"
            assert _wait(lambda: admin.execute(blocked).fetchone()[0] > 0, timeout=60), (
                "worker never reached the switch"
            )
        worker.send_signal(signal.SIGKILL)  # mid-way: its release row is written but not committed
        worker.wait(timeout=10)
    finally:
        locker.rollback()
        locker.close()
        if worker.poll() is None:
            worker.kill()
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)
    current = ResultsState.objects.select_related("current_release").get(edition=edition).current_release
    assert current.ballots_counted == 4  # readers still see the old, whole snapshot
    assert CategoryResult.objects.filter(release=current).count() == 3
    # The next run (redelivered message, or the sweep) produces the correct snapshot.
    sweep_editions_task.apply_async(queue=celery_worker_process)
    assert _wait(lambda: _release_ballots(edition) == 5)
    latest = ResultsState.objects.get(edition=edition).current_release
    assert CategoryResult.objects.filter(release=latest).count() == 3
