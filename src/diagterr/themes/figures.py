"""Reading figures from the store for a territory and its comparison levels.

The territory's value of a count is the sum over its communes; a rate is recomputed from summed
numerator and denominator; comparison levels (département, région, France) are read as the
source publishes or sums them. Every missing value carries its reason, in French.

A comparison level's sum has a perimeter (its status, see `parse_status`): départements left out
whole (Mayotte, where the census is not published) and a few communes without value. The sums an
indicator combines are first put on their common perimeter (the left-out départements' and
communes' own rows subtracted from the other sums), which then names the level (« France hors
Mayotte ») and states its coverage (« 34 946 communes sur 34 948 »). The territory's own sum
stays missing when any of its communes lacks a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TypeVar

import pandas as pd

from diagterr.aggregate import Total, ratio, total
from diagterr.cog import load_cog
from diagterr.dossier import Comparison, Indicator, SourceRef, ValueKind
from diagterr.store import Store
from diagterr.tables import TABLES, TableSpec
from diagterr.territory import Place, Territory
from diagterr.texts import say

_LEVEL_CODES = {"departement": "DEP", "region": "REG", "france": "FR"}

# A comparison level's sum lacking more than this share of its communes (or of its population,
# where the table has one) is not shown (n.d., with its reason); below, it is shown with its
# coverage stated. The territory's own sum is never shown incomplete.
MAX_GAP_SHARE = 0.01
POPULATION = "pop"  # the variable whose share of the missing communes is also held to MAX_GAP_SHARE

T = TypeVar("T")

TableRef = str | TableSpec  # a table by its name or its declaration (diagterr.tables)


def _name(table: TableRef) -> str:
    return table.name if isinstance(table, TableSpec) else table


# get(variable, period[, table]) -> Reading, for the territory or one comparison level;
# the table defaults to the indicator's own.
Getter = Callable[..., "Reading"]


@dataclass(frozen=True, slots=True)
class Perimeter:
    """What a sum of communes covers."""

    outside: frozenset[str] = frozenset()  # départements left out whole ("976")
    missing: int = 0  # communes of the sum without value
    communes: int | None = None  # communes the sum is made of, outside ones excluded (None: unknown)
    gaps: frozenset[str] | None = frozenset()  # codes of the missing communes (None: not named)
    rebased: bool = False  # some sums were brought to it (another's départements subtracted from them)

    @property
    def gap_share(self) -> float | None:
        return self.missing / self.communes if self.communes else None

    def coverage(self) -> str | None:
        """« 34 946 communes sur 34 948 » when communes are missing, else None."""
        if not self.missing or not self.communes:
            return None
        return say("figures.coverage", covered=self.communes - self.missing, communes=self.communes)


def parse_status(status: str | None) -> tuple[str | None, Perimeter]:
    """A status of the store: ("secret" | "absent" | None, the sum's perimeter).

    Statuses (parts joined by ";"): "secret", "absent", "hors:976[,…]" (départements left out
    whole), "partial:N" (N parts without value), "partial:N/M" (N of M communes) and
    "partial:N/M:code,code…" (with their codes) — written by sources.insee_comparateur.
    """
    if status is None or pd.isna(status):
        return None, Perimeter()
    outside: frozenset[str] = frozenset()
    missing, communes = 0, None
    gaps: frozenset[str] | None = frozenset()
    flag = None
    for part in str(status).split(";"):
        kind, _, rest = part.partition(":")
        if kind in ("secret", "absent"):
            flag = kind
        elif kind == "hors":
            outside = frozenset(rest.split(","))
        elif kind == "partial":
            count, _, tail = rest.partition("/")
            missing = int(count)
            total_text, _, codes = tail.partition(":")
            communes = int(total_text) if total_text else None
            gaps = frozenset(codes.split(",")) if codes else None
    return flag, Perimeter(outside, missing, communes, gaps if missing else frozenset())


@dataclass(frozen=True, slots=True)
class Reading:
    """A value with the reason it is missing, if it is; at a comparison level, its perimeter."""

    value: float | None
    missing_reason: str | None = None
    note: str | None = None
    perimeter: Perimeter = field(default_factory=Perimeter)


def _status_reason(status: str | None) -> str | None:
    flag, perimeter = parse_status(status)
    if flag == "secret":
        return say("figures.status_secret")
    if flag == "absent":
        return say("figures.status_absent")
    if perimeter.missing:
        return _gap_reason(perimeter)
    return None


def _gap_reason(perimeter: Perimeter) -> str:
    return say("figures.status_partial", count=perimeter.missing, communes=perimeter.communes,
               too_large=(perimeter.gap_share or 0) > MAX_GAP_SHARE, threshold=MAX_GAP_SHARE * 100)


def _status_note(status: str | None) -> str | None:
    outside = parse_status(status)[1].outside
    return say("figures.status_outside", codes=", ".join(sorted(outside))) if outside else None


def _departement_names(codes: frozenset[str]) -> list[str]:
    cog = load_cog()
    return [(record.name if (record := cog.departement(code)) else code) for code in sorted(codes)]


def _departement_of(commune: str) -> str:
    return commune[:3] if commune.startswith("97") else commune[:2]


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
        # The manifest of the root that supplies the territory's communes (the national base for
        # a territory outside the samples), not merely the first root holding the table.
        manifest = self.store.manifest(name, self.territory.commune_codes)
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
        """The level's value; missing when communes lack a value (see `at_place` for a sum that
        lacks only a few, shown with its coverage)."""
        reading = self._place_reading(table, variable, period, place)
        if reading.value is not None and reading.perimeter.missing:  # an incomplete sum is not a total
            return Reading(None, _gap_reason(reading.perimeter), perimeter=reading.perimeter)
        return reading

    def _place_reading(self, table: TableRef, variable: str, period: str, place: Place) -> Reading:
        """The level's row as stored: an incomplete sum keeps its value, its perimeter says what it lacks."""
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
        flag, perimeter = parse_status(status)
        if pd.isna(row["value"]) or flag is not None:
            return Reading(None, _status_reason(status) or say("figures.unpublished"))
        return Reading(float(row["value"]), note=_status_note(status), perimeter=perimeter)

    def at_place(self, compute: Callable[[Getter], T], table: TableRef, place: Place) -> tuple[T, Perimeter]:
        """`compute(get)` at a comparison level, every sum it reads on their common perimeter.

        A first pass finds the sums and their perimeters; the second gives each sum without the
        départements and communes another one lacks (their own rows subtracted). A sum lacking
        more than MAX_GAP_SHARE of its communes, or one whose gap cannot be named, is missing.
        """
        seen: dict[tuple[str, str, str], Reading] = {}

        def record(variable: str, period: str, t: TableRef = table) -> Reading:
            key = (_name(t), variable, period)
            if key not in seen:
                seen[key] = self._place_reading(t, variable, period, place)
            return seen[key]

        compute(record)
        common, problem = _common_perimeter([r.perimeter for r in seen.values() if r.value is not None])
        if problem is None and common.missing and common.gaps:
            share = self._population_share(table, place, common.gaps)
            if share is not None and share > MAX_GAP_SHARE:
                problem = say("figures.gap_population", count=common.missing, communes=common.communes,
                              threshold=MAX_GAP_SHARE * 100)

        def aligned(variable: str, period: str, t: TableRef = table) -> Reading:
            reading = record(variable, period, t)
            if reading.value is None:
                return reading
            if problem:
                return Reading(None, problem, perimeter=reading.perimeter)
            return self._on_perimeter(t, variable, period, reading, common)

        perimeters = [r.perimeter for r in seen.values() if r.value is not None]
        rebased = any(p.outside != common.outside for p in perimeters)
        return compute(aligned), replace(common, rebased=rebased)

    def _population_share(self, table: TableRef, place: Place, communes: frozenset[str]) -> float | None:
        """The share of the level's population living in `communes`, when the table has a population."""
        period = self.latest_period(table, POPULATION)
        if period is None:
            return None
        whole = self._place_reading(table, POPULATION, period, place).value
        part = self._rows(table, "COM", POPULATION, period, sorted(communes))
        if not whole or len(part) != len(communes):
            return None
        return sum(part.values()) / whole

    def _on_perimeter(self, table: TableRef, variable: str, period: str, reading: Reading,
                      common: Perimeter) -> Reading:
        """The reading without the départements and communes of `common` it still counts."""
        assert reading.value is not None
        value, own = reading.value, reading.perimeter
        departements = sorted(common.outside - own.outside)
        communes = sorted(c for c in (common.gaps or frozenset()) - (own.gaps or frozenset())
                          if _departement_of(c) not in common.outside)
        for level, codes in (("DEP", departements), ("COM", communes)):
            if not codes:
                continue
            rows = self._rows(table, level, variable, period, codes)
            if set(rows) != set(codes):
                return Reading(None, say("figures.perimeter_unaligned", codes=sorted(set(codes) - set(rows))))
            value -= sum(rows.values())
        return Reading(value, note=reading.note, perimeter=common)

    def _rows(self, table: TableRef, level: str, variable: str, period: str, codes: list[str]) -> dict[str, float]:
        """code -> value of rows outside the territory's own (départements left out, communes without value)."""
        frame = self.store.read(_name(table), filters=[[
            ("geo_level", "=", level), ("geo_code", "in", codes), ("variable", "=", variable), ("period", "=", period),
        ]])
        if frame is None:
            return {}
        frame = frame[frame["value"].notna()]
        return dict(zip(frame["geo_code"], frame["value"].astype(float), strict=True))

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
        outside: set[str] = set()  # départements subtracted from some sums to compare like with like
        if compare:
            for place in self.comparison_places:
                reading, perimeter = self.at_place(compute, table, place)
                if perimeter.rebased and reading.value is not None:
                    outside |= perimeter.outside
                comparisons.append(
                    Comparison(place.level, place.code, place_label(place, perimeter), reading.value,
                               reading.missing_reason,
                               coverage=perimeter.coverage() if reading.value is not None else None)
                )
        # The label names the perimeter (« France hors Mayotte »); the note says why when a sum
        # that covers it (a legal population) was brought to it. No comparison when `compare` is
        # False: zip stops at the shorter.
        renamed = [c.name for c, p in zip(comparisons, self.comparison_places, strict=False) if c.name != p.name]
        if renamed and outside:
            note = " ".join(filter(None, [note, say("figures.comparison_renamed", names=renamed,
                                                    outside=_departement_names(frozenset(outside)))]))
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


def _common_perimeter(perimeters: list[Perimeter]) -> tuple[Perimeter, str | None]:
    """The perimeter common to several sums of one level, or the reason they have none."""
    if not perimeters:
        return Perimeter(), None
    if len(set(perimeters)) == 1:  # one perimeter: nothing to align
        common = perimeters[0]
        if common.missing and (common.communes is None or (common.gap_share or 0) > MAX_GAP_SHARE):
            return common, _gap_reason(common)
        return common, None
    outside = frozenset().union(*(p.outside for p in perimeters))
    for p in perimeters:
        if p.missing and (p.gaps is None or p.communes is None):  # counted, not named: no common perimeter
            return Perimeter(outside), _gap_reason(p)
    gaps = frozenset().union(*(p.gaps or frozenset() for p in perimeters))
    if not gaps:
        return Perimeter(outside), None
    totals = {p.communes for p in perimeters if p.missing and p.outside == outside}
    if len(totals) != 1:
        return Perimeter(outside), _gap_reason(max(perimeters, key=lambda p: p.missing))
    common = Perimeter(outside, len(gaps), totals.pop(), gaps)
    if (common.gap_share or 0) > MAX_GAP_SHARE:
        return common, _gap_reason(common)
    return common, None


def place_label(place: Place, perimeter: Perimeter) -> str:
    """The level's name, with the départements its sums leave out (« France hors Mayotte »)."""
    if not perimeter.outside:
        return place.name
    if place.level == "france" and perimeter.outside == {"976"}:
        return say("figures.france_without_mayotte")
    return say("figures.place_without", name=place.name, outside=_departement_names(perimeter.outside))
