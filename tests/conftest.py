"""Shared test set-up: no real cache, no network (pytest-socket), matplotlib without a screen."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

SHARED = Path(__file__).resolve().parents[2] / "shared"

# Every online host but Melodi: an online run built on written Melodi answers has them answer 400
# at once (a refused host would otherwise be retried, and tests never wait). One pattern, so that a
# new online source needs no edit here.
NOT_MELODI = re.compile(r"https://(?!api\.insee\.fr/melodi/)[^/]+/.*")
needs_shared = pytest.mark.skipif(
    not (SHARED / "data" / "territories.json").is_file(), reason="../shared (données tierces) absent"
)


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch):
    """Tests never sleep: an HttpClient built without an injected sleep fails loudly if it waits."""
    from diagterr.sources import http

    def forbidden(seconds: float) -> None:
        raise AssertionError(f"a test waited {seconds} s through the HTTP layer: inject `sleep`")

    monkeypatch.setattr(http, "default_sleep", forbidden)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty cache dir: the user's real cache is never read."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DIAGTERR_CACHE_DIR", str(cache))
    return cache
