"""A rate limiter shared by every diagterr process of the user: a sliding window kept in SQLite.

Each limiter name (an API prefix) keeps the timestamps of its recent calls in one SQLite table.
`acquire()` reads and writes them inside a `BEGIN IMMEDIATE` transaction, so two processes
(a batch and an interactive run, or the workers of a batch) draw on one budget.

Why not requests-ratelimiter / pyrate-limiter: their SQLite bucket's constructor changed with
each pyrate-limiter major (v2, v3, v4), so the pair must be pinned together, and they sleep on
the real clock. Here the clock and the sleep are injected, so tests check the waits without
sleeping. Timestamps are wall-clock (`time.time`): a monotonic clock is not shared across
processes.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

logger = logging.getLogger(__name__)

# A floor for a computed wait: float rounding can give 0 for a slot that is about to free up,
# and a zero wait would spin.
_MIN_WAIT_S = 0.001
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS calls (name TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS calls_name_at ON calls (name, at)",
)


class RateLimiter:
    """At most `calls` acquisitions per `period_s` seconds for `name`, across processes."""

    def __init__(
        self,
        name: str,
        calls: int,
        period_s: float,
        state_path: Path,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if calls < 1 or period_s <= 0:
            raise ValueError(f"invalid rate limit {calls} / {period_s} s for {name}")
        self.name = name
        self.calls = calls
        self.period_s = period_s
        self.state_path = Path(state_path)
        self._clock = clock
        self._sleep = sleep
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection:
            for statement in _SCHEMA:
                connection.execute(statement)

    def acquire(self) -> None:
        """Block (through the injected `sleep`) until a call is allowed, then record it."""
        while True:
            wait_s = self._try_acquire()
            if wait_s is None:
                return
            if wait_s >= 1.0:
                logger.info("rate limit %s: waiting %.1f s", self.name, wait_s)
            self._sleep(wait_s)

    def _try_acquire(self) -> float | None:
        """Record a call and return None if the window has room, else the seconds to wait."""
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                now = self._clock()
                connection.execute(
                    "DELETE FROM calls WHERE name = ? AND at <= ?", (self.name, now - self.period_s)
                )
                count, oldest = connection.execute(
                    "SELECT COUNT(*), MIN(at) FROM calls WHERE name = ?", (self.name,)
                ).fetchone()
                if count < self.calls:
                    connection.execute("INSERT INTO calls (name, at) VALUES (?, ?)", (self.name, now))
                    wait_s = None
                else:
                    # The oldest call leaves the window at oldest + period. Capped at one period
                    # in case the wall clock went backwards.
                    wait_s = min(max(oldest + self.period_s - now, _MIN_WAIT_S), self.period_s)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return wait_s

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
        return sqlite3.connect(self.state_path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
