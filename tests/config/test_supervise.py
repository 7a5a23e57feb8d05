"""config.supervise: a command that dies is started again; a stop signal stops it for good."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import supervise

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_command_that_dies_is_restarted_and_a_stop_signal_ends_both(tmp_path: Path, monkeypatch) -> None:
    starts = tmp_path / "starts"
    # Each run appends a line; the first two die at once, the third stays up until signalled.
    child = (
        "import pathlib, sys, time\n"
        f"path = pathlib.Path({str(starts)!r})\n"
        "runs = len(path.read_text().splitlines()) if path.exists() else 0\n"
        "path.write_text('x\\n' * (runs + 1))\n"
        "sys.exit(1) if runs < 2 else time.sleep(60)\n"
    )
    supervisor = subprocess.Popen([sys.executable, "-m", "config.supervise", sys.executable, "-c", child], cwd=ROOT)
    try:
        assert _wait_for(lambda: starts.exists() and len(starts.read_text().splitlines()) == 3), "not restarted"
        time.sleep(0.3)
        assert supervisor.poll() is None
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=10) == 128 + signal.SIGTERM  # the command's status, as a shell reports it
        assert len(starts.read_text().splitlines()) == 3  # stopped on purpose: no restart
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


def test_the_backoff_doubles_up_to_its_cap(monkeypatch) -> None:
    waits: list[float] = []
    supervisor = supervise.Supervisor(["false"])
    monkeypatch.setattr(supervise.subprocess, "Popen", lambda command: _Exited())

    def pause(seconds: float) -> None:
        waits.append(seconds)
        supervisor.stopping = len(waits) == 7

    monkeypatch.setattr(supervisor, "pause", pause)
    assert supervisor.run() == 1
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


class _Exited:
    def wait(self) -> int:
        return 1
