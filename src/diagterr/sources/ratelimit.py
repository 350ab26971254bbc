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
from datetime import datetime
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

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
        self._recovering(self._create_schema)

    def _create_schema(self) -> None:
        with closing(self._connect()) as connection:
            for statement in _SCHEMA:
                connection.execute(statement)

    def _recovering(self, action: Callable[[], _T]) -> _T:
        """`action()`; a damaged state file is set aside (said in a warning) and `action` run again
        on a fresh one: a lost window costs at most one period of politeness, never the run."""
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            if not is_corrupt(exc):
                raise
            aside = set_aside(self.state_path)
            logger.warning(
                "État des limites de débit abîmé (%s) : mis de côté sous %s, un état neuf est créé.",
                exc, aside or self.state_path,
            )
            self._create_schema()
            return action()

    def acquire(self) -> None:
        """Block (through the injected `sleep`) until a call is allowed, then record it."""
        while True:
            wait_s = self._recovering(self._try_acquire)
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


# SQLite's primary result codes of a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_CORRUPT_CODES = frozenset({11, 26})


def is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` says the file is damaged or not a database (not: locked, busy, read-only)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _CORRUPT_CODES
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


def set_aside(path: Path) -> Path | None:
    """Rename a damaged SQLite file (and its journal files) to `<name>.abîmé-<date and time>`;
    the new path, or None when another process already moved it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.abîmé-{stamp}")
    try:
        path.replace(aside)
    except FileNotFoundError:
        return None
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    return aside
