"""The observed climate (ERA5) at the territory's points: key figures, stripes, curves, the points.

The territory's climate is the plain mean of its points (one per ERA5 cell, see
sources/open_meteo.py): a year is shown only when every point has it. Day counts are means of
the points' counts. A trend is the least-squares slope over every year shown, per decade.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from diagterr.dossier import Block, Chart, Column, Indicator, IndicatorTable, Note, Series, SourceRef, Table
from diagterr.tables.climate import CLIMAT_ERA5, REFERENCE, YEARLY, territory_key, window_label
from diagterr.texts import say
from diagterr.themes.climat.trajectory import TraccLevels
from diagterr.themes.figures import Figures

RECENT_YEARS = 10
MIN_TREND_YEARS = 30
COUNTS = ("jours_tx_30", "jours_gel", "nuits_tropicales")
# Mean of the reference years and of the recent years of each other variable:
# (variable, id of the reference figure, id of the recent figure, decimals).
MEANS = (
    ("precipitations", "precipitations_reference", "precipitations_recent", 0),
    ("jours_tx_30", "jours_tx_30_reference", "jours_tx_30_recent", 1),
    ("jours_gel", "jours_gel_reference", "jours_gel_recent", 1),
    ("nuits_tropicales", "nuits_tropicales_reference", "nuits_tropicales_recent", 1),
)


@dataclass(frozen=True)
class Climate:
    """The yearly series of the territory (mean of its points) and the points themselves."""

    years: tuple[int, ...]
    series: dict[str, tuple[float | None, ...]]  # variable → one value per year (None: missing)
    points: pd.DataFrame  # one row per point: commune, communes, latitude, longitude, altitude, retrieved_at
    source: SourceRef


def observed_climate(fig: Figures) -> Climate | None:
    """The territory's ERA5 series, or None when the store has none for exactly its communes."""
    frame = fig.table(CLIMAT_ERA5)
    if frame is None:
        return None
    rows = frame[frame["territoire"] == territory_key(fig.territory)]
    if rows.empty:
        return None
    points = rows.drop_duplicates(["point_latitude", "point_longitude"])
    covered = {c for group in points["communes"] for c in str(group).split(",")}
    if covered != set(fig.territory.commune_codes):
        return None  # points of another perimeter under the same name: not this territory's
    years = sorted(int(p) for p in rows["period"].unique())
    point_of = rows["point_latitude"].astype(str) + "," + rows["point_longitude"].astype(str)
    series: dict[str, tuple[float | None, ...]] = {}
    for variable in YEARLY:
        chosen = rows["variable"] == variable
        by_year: dict[str, dict[str, float]] = {}
        for period, point, value in zip(rows.loc[chosen, "period"], point_of[chosen], rows.loc[chosen, "value"],
                                        strict=True):
            if not pd.isna(value):
                by_year.setdefault(str(period), {})[point] = float(value)
        # A year is the territory's only when every point has it: never a mean of some points.
        series[variable] = tuple(
            float(np.mean(list(by_year[str(y)].values()))) if len(by_year.get(str(y), {})) == len(points) else None
            for y in years
        )
    first, last = _span(years, series["temperature_moyenne"])
    source = SourceRef(
        CLIMAT_ERA5.source_id,
        f"ERA5 {first}-{last}" if first else "ERA5",
        say("climat.era5_geo", points=len(points)),
    )
    table = points[["commune", "communes", "latitude", "longitude", "altitude", "retrieved_at"]].reset_index(drop=True)
    return Climate(tuple(years), series, table, source)


def mean_over(years: Sequence[int], values: Sequence[float | None], first: int, last: int) -> float | None:
    """Mean of the years first..last, None unless every one of them has a value."""
    chosen = [v for y, v in zip(years, values, strict=True) if first <= y <= last]
    if len(chosen) != last - first + 1 or any(v is None for v in chosen):
        return None
    return float(np.mean([v for v in chosen if v is not None]))


def trend_per_decade(years: Sequence[int], values: Sequence[float | None]) -> float | None:
    """Least-squares slope of the years with a value, per decade; None under MIN_TREND_YEARS years."""
    pairs = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
    if len(pairs) < MIN_TREND_YEARS:
        return None
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    slope = np.polyfit(x, y, 1)[0]
    return float(slope * 10)


def climate_blocks(climate: Climate | None, found: list[TraccLevels], names: dict[str, str] | None = None) -> list[Block]:
    if climate is None:
        return [Note(say("lacunes.climat_observed"), tone="gap", source_id=CLIMAT_ERA5.source_id,
                     detail=say("climat.climate_offline"))]
    years = climate.years
    temperature = climate.series["temperature_moyenne"]
    first, last = _span(years, temperature)
    if first is None or last is None:
        return [Note(say("lacunes.climat_observed"), tone="gap", source_id=CLIMAT_ERA5.source_id,
                     detail=say("climat.climate_no_complete_year"), remedy="unpublished")]
    recent = (last - RECENT_YEARS + 1, last)
    ref_label = window_label(REFERENCE)
    recent_label = window_label(recent)
    source = climate.source
    incomplete = say("climat.era5_incomplete")

    def mean_indicator(id_: str, label: str, variable: str, span: tuple[int, int], unit: str,
                       decimals: int) -> Indicator:
        value = mean_over(years, climate.series[variable], *span)
        return Indicator(id_, label, value, unit, "ratio", window_label(span), source,
                         missing_reason=None if value is not None else incomplete, decimals=decimals)

    def reference_label(variable: str) -> str:
        return say("climat.label_reference", label=YEARLY[variable][0])

    def recent_label_of(variable: str) -> str:
        return say("climat.label_recent", label=YEARLY[variable][0], years=RECENT_YEARS)

    reference_t = mean_over(years, temperature, *REFERENCE)
    recent_t = mean_over(years, temperature, *recent)
    gap = recent_t - reference_t if recent_t is not None and reference_t is not None else None
    trend = trend_per_decade(years, temperature)
    indicators = [
        mean_indicator("temperature_moyenne_reference", reference_label("temperature_moyenne"),
                       "temperature_moyenne", REFERENCE, "°C", 1),
        mean_indicator("temperature_moyenne_recente", recent_label_of("temperature_moyenne"),
                       "temperature_moyenne", recent, "°C", 1),
        Indicator("ecart_temperature_recente_reference",
                  say("climat.label_warming", recent=recent_label, reference=ref_label), gap, "°C", "ratio",
                  f"{recent_label} / {ref_label}", source,
                  missing_reason=None if gap is not None else incomplete, decimals=1),
        Indicator("tendance_temperature_decennie", say("climat.label_trend"), trend,
                  "°C par décennie", "ratio", f"{first}-{last}", source,
                  missing_reason=None if trend is not None else say("climat.trend_missing", years=MIN_TREND_YEARS),
                  note=say("climat.trend_note"), decimals=2),
    ]
    for variable, reference_id, recent_id, decimals in MEANS:
        unit = "mm par an" if YEARLY[variable][1] == "mm" else "jours par an"
        indicators.append(mean_indicator(reference_id, reference_label(variable), variable, REFERENCE, unit,
                                         decimals))
        indicators.append(mean_indicator(recent_id, recent_label_of(variable), variable, recent, unit, decimals))
    blocks: list[Block] = [IndicatorTable(say("climat.climate_table_title"), tuple(indicators))]
    if reference_t is not None:
        blocks.append(stripes_chart(climate, reference_t))
    blocks.append(temperature_chart(climate, reference_t, trend))
    blocks.append(decade_chart(climate))
    blocks.append(points_table(climate, names))
    blocks.append(Note(say("climat.era5_limit"), tone="limit"))
    if found:
        blocks.append(Note(say("climat.era5_not_tracc", first=first, recent=recent_label, reference=ref_label),
                           tone="limit"))
    return blocks


def stripes_chart(climate: Climate, reference: float) -> Chart:
    """Warming stripes: each year's deviation from the 1976-2005 mean, one stripe per year."""
    values = climate.series["temperature_moyenne"]
    return Chart(
        id="climat_rayures",
        title=say("climat.stripes_title", reference=window_label(REFERENCE)),
        chart="stripes",
        series=(
            Series(
                f"Écart à la moyenne {window_label(REFERENCE)}",
                tuple(str(y) for y in climate.years),
                tuple(None if v is None else v - reference for v in values),
            ),
        ),
        value_kind="ratio",
        unit="°C",
        source=climate.source,
        note=say("climat.stripes_note"),
    )


def temperature_chart(climate: Climate, reference: float | None, trend: float | None) -> Chart:
    years = tuple(str(y) for y in climate.years)
    values = climate.series["temperature_moyenne"]
    series = [Series(YEARLY["temperature_moyenne"][0], years, values)]
    if reference is not None:
        series.append(Series(f"Moyenne {window_label(REFERENCE)}", years, tuple(reference for _ in years)))
    if trend is not None:
        pairs = [(y, v) for y, v in zip(climate.years, values, strict=True) if v is not None]
        x = np.array([p[0] for p in pairs], dtype=float)
        slope, intercept = np.polyfit(x, np.array([p[1] for p in pairs], dtype=float), 1)
        series.append(Series(say("climat.trend_series", trend=trend), years,
                             tuple(float(slope * y + intercept) for y in climate.years)))
    return Chart(
        id="climat_temperature_annuelle",
        title=say("climat.temperature_title"),
        chart="line",
        series=tuple(series),
        value_kind="ratio",
        unit="°C",
        source=climate.source,
    )


def decade_chart(climate: Climate) -> Chart:
    """Mean yearly count of hot days, frost days and tropical nights per decade."""
    first, last = climate.years[0], climate.years[-1]
    starts = range(first - first % 10, last + 1, 10)
    labels, bins = [], []
    for start in starts:
        lo, hi = max(start, first), min(start + 9, last)
        labels.append(window_label((lo, hi)))
        bins.append((lo, hi))
    series = []
    for variable in COUNTS:
        values = climate.series[variable]
        series.append(
            Series(YEARLY[variable][0], tuple(labels),
                   tuple(mean_over(climate.years, values, lo, hi) for lo, hi in bins))
        )
    return Chart(
        id="climat_jours_par_decennie",
        title=say("climat.decades_title"),
        chart="bar",
        series=tuple(series),
        value_kind="ratio",
        unit="jours par an",
        source=climate.source,
        note=say("climat.decades_note"),
    )


def points_table(climate: Climate, names: dict[str, str] | None = None) -> Table:
    names = names or {}
    rows = [
        (names.get(str(r.commune), str(r.commune)), float(len(str(r.communes).split(","))), float(r.latitude),
         float(r.longitude), None if pd.isna(r.altitude) else float(r.altitude))
        for r in climate.points.itertuples()
    ]
    retrieved = sorted({str(r)[:10] for r in climate.points["retrieved_at"]})
    return Table(
        title=say("climat.points_title"),
        columns=(Column("Commune la plus peuplée du groupe"), Column("Communes représentées", "count"),
                 Column("Latitude", "ratio", 2), Column("Longitude", "ratio", 2), Column("Altitude (m)", "count")),
        rows=tuple(rows),
        source=climate.source,
        note=say("climat.points_note", retrieved=retrieved),
    )


def _span(years: Sequence[int], values: Sequence[float | None]) -> tuple[int | None, int | None]:
    """First and last year with a value."""
    present = [y for y, v in zip(years, values, strict=True) if v is not None]
    return (present[0], present[-1]) if present else (None, None)
