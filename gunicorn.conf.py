"""gunicorn settings for Podium's web process (Procfile `web`, the Dockerfile).

Sync workers: each request is a short, database-bound function, and persistent
connections (DATABASE_CONN_MAX_AGE) make a worker's connection last across requests (each
worker opens its own after the fork).
Every value can be overridden from the environment or the command line.
"""

import gc
import logging
import os
import sys
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

from config.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Load Django once in the master and fork the workers from it: a worker (re)start costs a
# fork, not a 1.3 s re-import. `pre_fork` closes what the master opened before forking.
preload_app = True
# No recycling by default: with 5000 +- 500 requests at 2,000 req/s every worker restarted
# within a second of the others and the server stalled. GUNICORN_MAX_REQUESTS turns it on
# (for a slow leak), with a jitter of half that, so that restarts spread out.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 2
# Trust X-Forwarded-* only from the proxy in front (comma-separated addresses): gunicorn sets
# the request's scheme from X-Forwarded-Proto for those alone (Django reads the scheme, never
# the header: SECURE_PROXY_SSL_HEADER stays unset).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicornc's control socket defaults to one path in $HOME for every gunicorn of the user (and
# $HOME is read-only in the image): only where GUNICORN_CONTROL_SOCKET names one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None


class AccessLogAsConfigured(Logger):
    """gunicorn's logger, writing access lines only when `accesslog` names a destination.

    gunicorn writes them whenever a logging dict is configured, and ours always is (request ids,
    redaction), so `GUNICORN_ACCESS_LOG=""` turned nothing off: every request still built the
    whole atom table (each header and environ variable), ran the filters and wrote a line.
    When the access log is on, its line is gunicorn's, unchanged.
    """

    @property
    def access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = AccessLogAsConfigured
# No client address (personal data, kept by the ballots' own retention rules instead) and no
# query string; confirmation and reset keys in paths are redacted (config.logs).
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
logconfig_dict = logging_config(os.environ.get("LOG_FORMAT", "plain"), os.environ.get("LOG_LEVEL", "INFO"))
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    }
)

# Prometheus: the workers write their samples into one directory that /metrics adds up.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/podium-metrics")  # noqa: S108
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def when_ready(server: Any) -> None:
    """Once, in the master, before the first fork: warm what requests build lazily (config.warmup),
    then freeze the heap so that no worker's collector walks, and so copies, what it inherited."""
    if not server.cfg.preload_app:
        return
    from config.warmup import warm_up

    warm_up()
    gc.freeze()


def pre_fork(server: Any, worker: Any) -> None:
    """Workers must not share the master's sockets: close its database connections (a preloaded
    app may have opened one). Redis pools and Prometheus' files notice the new pid themselves."""
    from django.db import connections

    connections.close_all()


def post_worker_init(worker: Any) -> None:
    """Connect to the database and the cache before the first request rather than during it. An
    unreachable service is not a boot failure (that would halt the server): requests meet it as
    they do any outage (a 503 "try again", a cache that fails open)."""
    from django.core.cache import cache
    from django.db import connection

    try:
        connection.ensure_connection()
        cache.get("podium:worker-warm-up")
    except Exception:  # any backend's own connection error
        worker.log.warning("worker %s started without its connections; requests will retry", worker.pid)


def worker_exit(server: Any, worker: Any) -> None:
    """A worker leaving normally (recycled, or stopped) ends at once: connections closed and logs
    flushed, then no interpreter teardown, which freed the whole heap object by object while the
    other workers waited for a core. Any other exit keeps its status and its normal path."""
    error = sys.exc_info()[1]
    if not isinstance(error, SystemExit) or error.code not in (0, None):
        return
    from django.db import connections

    connections.close_all()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
