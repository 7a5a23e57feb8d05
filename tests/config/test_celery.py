import pytest
from celery.result import allow_join_result

from config.celery import app, ping

pytestmark = pytest.mark.broker


def test_ping_round_trip_through_a_real_worker(celery_worker_process: str) -> None:
    assert app.conf.task_always_eager is False
    result = ping.apply_async(queue=celery_worker_process)
    with allow_join_result():  # the test process is not a task, whatever an earlier test left behind
        assert result.get(timeout=20) == "pong"


def test_worker_answers_control_ping(celery_worker_process: str) -> None:
    replies = app.control.ping(timeout=2.0)
    assert any(reply for reply in replies), replies
