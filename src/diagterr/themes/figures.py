"""Reading figures from the store for a territory and its comparison levels.

The territory's value of a count is the sum over its communes; a rate is recomputed from summed
numerator and denominator; comparison levels (département, région, France) are read as the
source publishes or sums them. Every missing value carries its reason, in French.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from diagterr.aggregate import Total, ratio, total
from diagterr.dossier import Comparison, Indicator, SourceRef, ValueKind
from diagterr.store import Store
from diagterr.tables import TABLES, TableSpec
from diagterr.territory import Place, Territory
from diagterr.texts import say

_LEVEL_CODES = {"departement": "DEP", "region": "REG", "france": "FR"}

TableRef = str | TableSpec  # a table by its name or its declaration (diagterr.tables)


def _name(table: TableRef) -> str:
    return table.name if isinstance(table, TableSpec) else table


# get(variable, period[, table]) -> Reading, for the territory or one comparison level;
# the table defaults to the indicator's own.
Getter = Callable[..., "Reading"]


@dataclass(frozen=True, slots=True)
class Reading:
    """A value with the reason it is missing, if it is."""

    value: float | None
    missing_reason: str | None = None
    note: str | None = None


def _status_reason(status: str | None) -> str | None:
    if status is None or pd.isna(status):
        return None
    if status == "secret":
        return say("figures.status_secret")
    if status == "absent":
        return say("figures.status_absent")
    if status.startswith("partial:"):
        return say("figures.status_partial", count=status.split(":")[1])
    return None


def _status_note(status: str | None) -> str | None:
    if status is not None and not pd.isna(status) and status.startswith("hors:"):
        return say("figures.status_outside", codes=status.split(":")[1])
    return None


class Figures:
    """Figures of one territory from the store, with their comparisons."""

    def __init__(self, store: Store, territory: Territory):
        self.store = store
        self.territory = territory
        self._tables: dict[str, pd.DataFrame | None] = {}

    # -- tables -------------------------------------------------------------------------

    def table(self, table: TableRef) -> pd.DataFrame | None:
        """The rows of a table that concern this territory and its comparison levels."""
        name = _name(table)
        if name not in self._tables:
            self._tables[name] = self.store.read(name, filters=self._filters(name))
        return self._tables[name]

    def tables_used(self) -> list[str]:
        """The tables read so far that had rows for this territory (their sources go to the annex)."""
        return [name for name, frame in self._tables.items() if frame is not None and not frame.empty]

    def _filters(self, name: str) -> list | None:
        columns = self.store.columns(name)
        codes = list(self.territory.commune_codes)
        if "geo_level" in columns:
            places = self.territory.comparison_levels
            own = ([[("geo_level", "=", "EPCI"), ("geo_code", "=", self.territory.code)]]
                   if self.territory.kind == "epci" else [])
            return [
                [("geo_level", "=", "COM"), ("geo_code", "in", codes)],
                *own,
                *([("geo_level", "=", _LEVEL_CODES[p.level]), ("geo_code", "=", p.code)] for p in places),
            ]
        if "commune" in columns:
            return [[("commune", "in", codes)]]
        return None

    def has(self, table: TableRef) -> bool:
        return self.table(table) is not None

    def latest_period(self, table: TableRef, variable: str) -> str | None:
        """The latest yearly period of `variable` in the table for this territory, if any."""
        frame = self.table(table)
        if frame is None:
            return None
        periods = frame.loc[(frame["variable"] == variable) & frame["period"].str.fullmatch(r"\d{4}"), "period"]
        return max(periods) if len(periods) else None

    def source(self, table: TableRef, variable: str | None = None, period: str | None = None) -> SourceRef:
        """The table's source; with a variable, the vintage of that variable only ("RP 2018",
        by the table's declared labeller; else the manifest's vintage)."""
        name = _name(table)
        manifest = self.store.manifest(name)
        if manifest is None:
            return SourceRef(source_id=name, vintage="—", geo_vintage="—")
        vintage = manifest.vintage
        declared = TABLES.get(name)
        if variable is not None and period is not None and declared is not None:
            vintage = declared.vintage_of(variable, period, vintage)
        return SourceRef(manifest.source_id, vintage, manifest.geo_vintage, table=name)

    def unavailable(self, table: TableRef) -> str:
        """A table the territory lacks, named by its manifest's title (its name without one)."""
        name = _name(table)
        manifest = self.store.manifest(name)
        return say("figures.source_unavailable", title=manifest.title if manifest else name)

    def absent_reason(self, table: TableRef) -> str:
        """Why a table is missing for this territory (not in the store, or not for its communes)."""
        return say("figures.table_absent", table=_name(table))

    # -- values -------------------------------------------------------------------------

    def commune_values(self, table: TableRef, variable: str, period: str) -> dict[str, Reading]:
        """Commune code -> value, for the territory's communes (missing ones included)."""
        frame = self.table(table)
        readings: dict[str, Reading] = {}
        rows = pd.DataFrame() if frame is None else frame[
            (frame["geo_level"] == "COM") & (frame["variable"] == variable) & (frame["period"] == period)
        ].set_index("geo_code")
        for code in self.territory.commune_codes:
            if frame is None:
                readings[code] = Reading(None, self.absent_reason(table))
            elif code not in rows.index:
                readings[code] = Reading(None, say("figures.commune_absent"))
            else:
                row = rows.loc[code]
                value = None if pd.isna(row["value"]) else float(row["value"])
                readings[code] = Reading(value, _status_reason(row["status"]) if value is None else None)
        return readings

    def territory_total(self, table: TableRef, variable: str, period: str) -> Reading:
        """Sum over the territory's communes; incomplete sums are missing, with their reason."""
        frame = self.table(table)
        if frame is None:
            return Reading(None, self.absent_reason(table))
        readings = self.commune_values(table, variable, period)
        result: Total = total([r.value for r in readings.values()])
        if result.value is None:
            reasons = {r.missing_reason for r in readings.values() if r.missing_reason}
            return Reading(None, "; ".join(sorted(reasons)) or say("figures.unpublished"))
        if not result.complete:
            missing = [c for c, r in readings.items() if r.value is None]
            return Reading(None, say("figures.sum_incomplete", missing=missing))
        return Reading(result.value)

    def place_value(self, table: TableRef, variable: str, period: str, place: Place) -> Reading:
        frame = self.table(table)
        if frame is None:
            return Reading(None, self.absent_reason(table))
        level = _LEVEL_CODES[place.level]
        rows = frame[
            (frame["geo_level"] == level)
            & (frame["geo_code"] == place.code)
            & (frame["variable"] == variable)
            & (frame["period"] == period)
        ]
        if rows.empty:
            return Reading(None, say("figures.place_absent", level=place.level))
        row = rows.iloc[0]
        status = row["status"]
        if pd.isna(row["value"]):
            return Reading(None, _status_reason(status) or say("figures.unpublished"))
        reason = _status_reason(status)
        if reason:  # an incomplete sum is not a total
            return Reading(None, reason)
        return Reading(float(row["value"]), note=_status_note(status))

    # -- indicators ---------------------------------------------------------------------

    def count_indicator(
        self,
        id: str,
        label: str,
        table: TableRef,
        variable: str,
        period: str,
        unit: str,
        kind: ValueKind = "count",
        compare: bool = True,
        note: str | None = None,
        decimals: int | None = None,
    ) -> Indicator:
        """A summed count: the territory's total and the same count for each comparison level."""
        return self.derived_indicator(
            id, label, table, period, unit, kind,
            lambda get: get(variable, period),
            compare=compare, note=note, decimals=decimals, vintage_of=variable,
        )

    def rate_indicator(
        self,
        id: str,
        label: str,
        table: TableRef,
        numerator: str,
        denominator: str,
        period: str,
        scale: float = 100.0,
        unit: str = "%",
        kind: ValueKind = "rate",
        note: str | None = None,
        decimals: int | None = None,
        denominator_period: str | None = None,
        compare: bool = True,
    ) -> Indicator:
        """A rate recomputed from summed parts, for the territory and each comparison level."""
        den_period = denominator_period or period

        def compute(get: Getter) -> Reading:
            num, den = get(numerator, period), get(denominator, den_period)
            if num.value is None or den.value is None:
                return Reading(None, num.missing_reason or den.missing_reason)
            return Reading(ratio(num.value, den.value, scale), note=num.note or den.note)

        return self.derived_indicator(
            id, label, table, period, unit, kind, compute, compare=compare, note=note, decimals=decimals,
            vintage_of=numerator,
        )

    def derived_indicator(
        self,
        id: str,
        label: str,
        table: TableRef,
        period: str,
        unit: str,
        kind: ValueKind,
        compute: Callable[[Getter], Reading],
        compare: bool = True,
        note: str | None = None,
        decimals: int | None = None,
        vintage_of: str | None = None,
    ) -> Indicator:
        """An indicator computed by `compute(get)` from summed variables, at every level.

        `vintage_of`: the variable whose vintage the indicator carries (default: the table's).
        """
        own = compute(lambda v, p, t=table: self.territory_total(t, v, p))
        comparisons = []
        if compare:
            for place in self.comparison_places:
                reading = compute(lambda v, p, t=table, place=place: self.place_value(t, v, p, place))
                reason = reading.missing_reason
                comparisons.append(
                    Comparison(place.level, place.code, _place_label(place, reading.note), reading.value, reason)
                )
        # no comparison at all when `compare` is False: zip stops at the shorter
        renamed = [c.name for c, p in zip(comparisons, self.comparison_places, strict=False) if c.name != p.name]
        if renamed:
            note = " ".join(filter(None, [note, say("figures.comparison_renamed", names=renamed)]))
        return Indicator(
            id=id,
            label=label,
            value=own.value,
            unit=unit,
            kind=kind,
            period=period,
            source=self.source(table, vintage_of, period) if vintage_of else self.source(table),
            comparisons=tuple(comparisons),
            missing_reason=own.missing_reason,
            note=note,
            decimals=decimals,
        )

    @cached_property
    def comparison_places(self) -> tuple[Place, ...]:
        return self.territory.comparison_levels


def _place_label(place: Place, note: str | None) -> str:
    if note and place.level == "france" and "976" in note:
        return say("figures.france_without_mayotte")
    return place.name
