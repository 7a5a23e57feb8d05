"""Bench-only settings: Podium's settings plus the baseline views (never shipped in the product).

The baselines (hello, one INSERT, the tutorial's poll vote) live in the `bench` app, whose
tables are created with `migrate --run-syncdb`; `bench.urls` adds them next to Podium's URLs.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/podium_bench")

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
