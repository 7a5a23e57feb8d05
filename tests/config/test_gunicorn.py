"""gunicorn as deployed (gunicorn.conf.py): who may say "https", and what the access log keeps."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.config.test_settings import ROOT, _clean_env
from tests.workers import free_port

pytestmark = pytest.mark.unit
BIN = Path(sys.executable).parent


def _serve(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    return _ready(*_start(tmp_path, **env))


def _start(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    environment = _clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        **env,
    )
    command = [str(BIN / "gunicorn"), "config.wsgi", "--config", "gunicorn.conf.py"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}", log


def _ready(process: subprocess.Popen[bytes], base: str, log: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
            return process, base, log
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(f"gunicorn did not start: {log.read_text()}")


def _status(url: str, **headers: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


def test_x_forwarded_proto_is_believed_only_from_the_configured_proxy(tmp_path: Path) -> None:
    # Both servers start side by side (each costs seconds of imports), each in its own folder.
    elsewhere = _start(tmp_path / "elsewhere", SECURE_SSL_REDIRECT="1", FORWARDED_ALLOW_IPS="10.9.9.9")
    here = _start(tmp_path / "here", SECURE_SSL_REDIRECT="1", FORWARDED_ALLOW_IPS="127.0.0.1")
    try:
        _, base, _ = _ready(*elsewhere)
        status, location = _status(f"{base}/no-such-page/", **{"X-Forwarded-Proto": "https"})
        assert (status, location) == (301, f"https://127.0.0.1:{base.rsplit(':', 1)[1]}/no-such-page/")
        _, base, _ = _ready(*here)
        assert _status(f"{base}/no-such-page/", **{"X-Forwarded-Proto": "https"})[0] == 404  # the proxy said https
        assert _status(f"{base}/no-such-page/")[0] == 301
    finally:
        _stop(elsewhere[0])
        _stop(here[0])


def test_the_access_log_keeps_no_keys_and_no_client_address(tmp_path: Path) -> None:
    process, base, log = _serve(tmp_path)
    try:
        _status(f"{base}/accounts/confirm-email/MzA:1tSECRETconfirm:abc/")
        _status(f"{base}/accounts/password/reset/key/3x-SECRETreset-7f2/?next=/SECRETquery")
    finally:
        _stop(process)
    text = log.read_text()
    access = [line for line in text.splitlines() if "gunicorn.access" in line]
    assert any('"GET /accounts/confirm-email/<redacted>/"' in line for line in access), text
    assert any('"GET /accounts/password/reset/key/<redacted>/"' in line for line in access), text
    assert "SECRET" not in text
    assert not any("127.0.0.1" in line for line in access)


def test_an_empty_gunicorn_access_log_writes_no_access_line(tmp_path: Path) -> None:
    """gunicorn logs accesses whenever a logging dict is configured; `GUNICORN_ACCESS_LOG=""` must still mean none."""
    process, base, log = _serve(tmp_path, GUNICORN_ACCESS_LOG="")
    try:
        assert _status(f"{base}/no-such-page/")[0] == 404
    finally:
        _stop(process)
    text = log.read_text()
    assert "gunicorn.access" not in text
    assert "Not Found: /no-such-page/" in text  # the application's own lines still go out
