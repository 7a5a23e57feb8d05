"""gunicorn settings of the bare baseline: none of Podium's (`gunicorn.conf.py` at the root).

gunicorn reads `./gunicorn.conf.py` when no `--config` is given, and the bench starts every
server from the project root, so the bare app used to run with Podium's logging set-up and
access log, whose request-id atom it cannot fill (a logged traceback per request). Named
explicitly, this file keeps the bare server bare; the worker model, count, bind and
keep-alive are on its command line (bench/http.py `BareStack`), the same as Podium's.
"""

accesslog = None
loglevel = "warning"
