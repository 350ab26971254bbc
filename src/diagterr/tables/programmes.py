"""Store tables of the programmes family (see diagterr.tables)."""

from __future__ import annotations

from diagterr.tables import TableSpec, census_vintage  # noqa: F401

# Where several tables answer one variable: variable -> (first choice, second, …).
ANSWERS: dict[str, tuple[TableSpec, ...]] = {}
