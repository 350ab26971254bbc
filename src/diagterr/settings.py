"""User-level settings read from the environment: where the cache and the store live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """The user cache directory (HTTP cache, fetched tables, rate-limit state).

    `DIAGTERR_CACHE_DIR` overrides the platform default (cron, CI and tests point it elsewhere).
    """
    override = os.environ.get("DIAGTERR_CACHE_DIR")
    path = Path(override) if override else Path(platformdirs.user_cache_dir("diagterr"))
    path.mkdir(parents=True, exist_ok=True)
    return path
