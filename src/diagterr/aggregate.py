"""Honest aggregation of commune figures to a larger area.

- counts are summed; a sum over communes of which some have no value is not a total: it is
  kept with its number of missing parts (status "partial:N") or, when every part is missing,
  left missing — never treated as 0;
- rates are recomputed from summed numerators and denominators (never averaged);
- medians are not aggregable: `MEDIAN_NOT_AGGREGABLE` says so in the dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isnan

import pandas as pd

MEDIAN_NOT_AGGREGABLE = (
    "Une médiane ne s'additionne pas et ne se moyenne pas : la valeur d'un ensemble de "
    "communes n'est connue que si le producteur la publie pour cet ensemble."
)


@dataclass(frozen=True, slots=True)
class Total:
    """A sum over parts: value is None when no part has a value."""

    value: float | None
    parts: int  # number of parts asked for
    missing: int  # parts without a value (secret or absent)

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.value is not None


def total(values: list[float | None]) -> Total:
    """Sum of the known values, with the count of unknown ones."""
    known = [v for v in values if v is not None and not (isinstance(v, float) and isnan(v))]
    missing = len(values) - len(known)
    return Total(value=float(sum(known)) if known else None, parts=len(values), missing=missing)


def ratio(numerator: float | None, denominator: float | None, scale: float = 1.0) -> float | None:
    """numerator / denominator × scale, or None when either is unknown or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * scale


def annual_growth_pct(start: float | None, end: float | None, years: float) -> float | None:
    """Mean annual growth rate in percent between two levels ((end/start)^(1/years) − 1)."""
    if start is None or end is None or start <= 0 or years <= 0:
        return None
    return ((end / start) ** (1.0 / years) - 1.0) * 100.0


def sum_by_group(frame: pd.DataFrame, group: str, value_columns: list[str]) -> pd.DataFrame:
    """Sum each value column per group, with a `<column>__missing` count of parts without value.

    A group whose parts are all missing gets NaN, not 0.
    """
    grouped = frame.groupby(group, sort=True)
    sums = grouped[value_columns].sum(min_count=1)
    missing = frame[value_columns].isna().groupby(frame[group], sort=True).sum()
    missing.columns = [f"{c}__missing" for c in value_columns]
    return sums.join(missing).reset_index()
