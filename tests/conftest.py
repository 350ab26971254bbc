"""Shared test set-up: no real cache, no network (pytest-socket), no real waiting, matplotlib without
a screen; the fixtures every source test uses (`mocked`, `client`, `fake_time`) and the online CCPA
run on written census answers (`online`). Helpers to import live in tests/helpers.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import pytest
import responses

matplotlib.use("Agg")

from diagterr.sources import http
from diagterr.sources.http import HttpClient
from diagterr.territory import resolve_territory
from fake_time import FakeTime
from helpers import CCPA, OnlineRun, online_run
from melodi_census_answers import CensusAnswers


@pytest.fixture(autouse=True)
def no_real_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never sleep: an HttpClient built without an injected sleep fails loudly if it waits."""

    def forbidden(seconds: float) -> None:
        raise AssertionError(f"a test waited {seconds} s through the HTTP layer: inject `sleep`")

    monkeypatch.setattr(http, "default_sleep", forbidden)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty cache dir (DIAGTERR_CACHE_DIR): the user's real cache is never read."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DIAGTERR_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """A clock that moves only when the injected sleep waits; `time.sleep` itself fails the test."""

    def real_sleep(seconds: float) -> None:
        raise AssertionError(f"time.sleep({seconds}) called: only the injected sleep may wait")

    monkeypatch.setattr(time, "sleep", real_sleep)
    return FakeTime()


@pytest.fixture
def sleeps(fake_time: FakeTime) -> list[float]:
    """The waits of `client`, in seconds."""
    return fake_time.sleeps


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """The faked transport; every answer added must be asked for."""
    with responses.RequestsMock() as rsps:
        yield rsps


@pytest.fixture
def client(request: pytest.FixtureRequest, fake_time: FakeTime) -> Iterator[HttpClient]:
    """An HttpClient on an in-memory cache, without rate limits, on `fake_time`'s clock. Its first
    wait fails the test (a retry nobody expected), except under the `waits` marker (of the test or
    its module), where it goes on `fake_time`: time moves, nothing sleeps, the test reads the waits."""
    may_wait = request.node.get_closest_marker("waits") is not None

    def sleep(seconds: float) -> None:
        if not may_wait:
            raise AssertionError(f"unexpected wait of {seconds} s (mark the test `waits` to allow it)")
        fake_time.sleep(seconds)

    with HttpClient(backend="memory", rate_limits={}, sleep=sleep, clock=fake_time.clock) as http_client:
        yield http_client


@pytest.fixture
def online(tmp_path: Path) -> Iterator[OnlineRun]:
    """An online CCPA run against the written census answers and the REAL Melodi catalogue:
    (territory, store, client, options, mocked)."""
    territory = resolve_territory(epci=CCPA)
    answers = CensusAnswers(territory)
    with online_run(tmp_path, territory, answers.body) as run:
        yield run
