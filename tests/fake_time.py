"""A fake wall clock for tests: time only moves when something sleeps, and every sleep is recorded."""

from __future__ import annotations


class FakeTime:
    """Inject `clock` and `sleep` into HttpClient / RateLimiter: tests check waits without waiting."""

    def __init__(self, start: float = 1_780_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
