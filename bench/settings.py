"""Benchmark settings: the product's settings, plus the floor view when BENCH_FLOOR=1.

    DJANGO_SETTINGS_MODULE=bench.settings BENCH_FLOOR=1 gunicorn pronexis.wsgi ...

Nothing here changes the product's behaviour: the URLconf is the product's with one extra
route (`/bench/floor/`, see bench/floor_urls.py), static files are collected under /tmp, and
the API throttle rates are high enough that the measuring token is never refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from pronexis.settings import *  # noqa: F403

if os.environ.get("BENCH_FLOOR") == "1":
    ROOT_URLCONF = "bench.floor_urls"
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", "/tmp/pronexis-bench-static"))
# Benchmarks time the throttle's bookkeeping, not its refusals: one token sends every round.
API_THROTTLE_RATES = {"token": "100000/minute", "session": "100000/minute"}
