"""Private salaried jobs since 2014 (URSSAF, table `urssaf_effectifs`): the territory's trend
against its zones d'emploi and France, as an index recomputed from the counts, and per commune.

The samples fill the table from a third-party republication (communes, EPCI, zones d'emploi,
France: no département, no région); an online run adds the territory's communes read on
open.urssaf.fr. The territory is the sum of its communes; a year in which a commune is missing
has no total, and a curve over the communes present every year says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from diagterr.aggregate import ratio
from diagterr.dossier import Chart, Column, CommuneMap, Indicator, IndicatorTable, Note, Series, Table
from diagterr.tables.economy import URSSAF_EFFECTIFS, URSSAF_JOBS
from diagterr.tables.geography import ZONAGES
from diagterr.texts import say
from diagterr.themes.figures import Figures, Getter, Reading

URSSAF = URSSAF_EFFECTIFS
JOBS = URSSAF_JOBS
TREND_YEARS = 5  # "over the last 5 years"
Zone = tuple[str, str, int]  # (code, name, number of the territory's communes in it)
ZoneRows = dict[str, dict[str, float | None]]  # zone code -> {year: value}


def evolution_pct(start: float | None, end: float | None) -> float | None:
    """Change in percent between two counts ((end / start − 1) × 100)."""
    if start is None or end is None or start <= 0:
        return None
    return (end / start - 1.0) * 100.0


def of_name(name: str) -> str:
    """French "de" before a name, elided before a vowel: "d'Issoire", "de Lyon"."""
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÎÔ" else f"de {name}"


def urssaf_years(fig: Figures) -> list[str]:
    """The years of the salaried-jobs series (read from the data, e.g. 2014-2024): those of the
    territory's communes, and of France too where the store has France (a fetch from open.urssaf.fr
    goes back to 2006, the France series of the samples to 2014: the curves share one base year)."""
    frame = fig.table(URSSAF)
    if frame is None:
        return []
    jobs = frame[frame["variable"] == JOBS]
    own = set(jobs.loc[jobs["geo_level"] == "COM", "period"])
    france = set(jobs.loc[jobs["geo_level"] == "FR", "period"])
    return sorted(own & france if france and own & france else own or set(jobs["period"]))


def _covered(fig: Figures) -> list[str]:
    """The territory's communes that have at least one row of the series."""
    frame = fig.table(URSSAF)
    if frame is None:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == JOBS)]
    return sorted(set(rows["geo_code"]) & set(fig.territory.commune_codes))


def _fetched(fig: Figures) -> bool:
    """True when some of the territory's commune rows come from open.urssaf.fr (an online fetch)."""
    frame = fig.table(URSSAF)
    if frame is None or "source_id" not in frame.columns:
        return False
    rows = frame[(frame["geo_level"] == "COM") & frame["geo_code"].isin(fig.territory.commune_codes)]
    return bool((rows["source_id"] == "urssaf_open_data").any())


def employment_zones(fig: Figures) -> list[Zone]:
    """(code, name, number of the territory's communes) of each zone d'emploi 2020, largest share first."""
    frame = fig.table(ZONAGES)
    if frame is None:
        return []
    rows = frame[(frame["zonage"] == "ZE2020") & frame["commune"].isin(fig.territory.commune_codes)]
    counts = rows.groupby(["code", "libelle"]).size().reset_index(name="n")
    counts = counts.sort_values(["n", "code"], ascending=[False, True])
    return [(str(r.code), str(r.libelle), int(r.n)) for r in counts.itertuples()]


def _extra_rows(fig: Figures, level: str, codes: list[str]) -> ZoneRows:
    """code → {year: value} of the series at a level that Figures does not read (EPCI, ZE)."""
    if not codes:
        return {}
    frame = fig.store.read(URSSAF.name, filters=[[("geo_level", "=", level), ("geo_code", "in", codes)]])
    out: ZoneRows = {}
    if frame is None:
        return out
    for row in frame[frame["variable"] == JOBS].itertuples():
        out.setdefault(str(row.geo_code), {})[str(row.period)] = None if pd.isna(row.value) else float(row.value)
    return out


def _territory_series(fig: Figures, years: list[str]) -> dict[str, Reading]:
    return {year: fig.territory_total(URSSAF, JOBS, year) for year in years}


def published_epci_series(fig: Figures, years: list[str], own: dict[str, Reading]) -> dict[str, Reading] | None:
    """The source's own EPCI row for every year of the series, where the sum of the communes is
    incomplete in some year (a commune absent from the source, a secret year) and the row covers
    every year: the EPCI's published value, as INSEE's published EPCI values are used elsewhere.

    The whole series is then the EPCI row (one definition from the first year to the last, never
    a mix of sums and published values); None where the communes' sums are complete every year,
    for a commune or a list of communes, or where the row misses a year.
    """
    if fig.territory.kind != "epci" or all(own[y].value is not None for y in years):
        return None
    row = _extra_rows(fig, "EPCI", [fig.territory.code]).get(fig.territory.code)
    if not row or any(row.get(y) is None for y in years):
        return None
    note = say("economie_salaries.epci_row_label")
    return {y: Reading(row[y], note=note) for y in years}


def _france_series(fig: Figures, years: list[str]) -> dict[str, float | None]:
    france = next(p for p in fig.comparison_places if p.level == "france")
    return {year: fig.place_value(URSSAF, JOBS, year, france).value for year in years}


def _index(values: dict[str, float | None], years: list[str]) -> tuple[float | None, ...]:
    """Base 100 in the first year, recomputed from the counts; a missing base gives no index."""
    base = values.get(years[0])
    return tuple(ratio(values.get(year), base, 100.0) if base else None for year in years)


def epci_check(fig: Figures, years: list[str], own: dict[str, Reading], used: bool = False) -> str | None:
    """French sentence on the source's own EPCI row against the sum of the communes (`own`).

    Where the sums are complete every year, the sum is the territory's value (the EPCI row, if
    equal, adds nothing; if it differs, the communes of the current COG are kept). Where a year is
    incomplete, `used` says the EPCI row is the territory's series (published_epci_series).
    """
    if fig.territory.kind != "epci":
        return None
    row = _extra_rows(fig, "EPCI", [fig.territory.code]).get(fig.territory.code)
    if not row:
        return None
    complete = [y for y in years if own[y].value is not None and row.get(y) is not None]
    differ = [y for y in complete if abs(own[y].value - row[y]) > 0.5]  # type: ignore[operator]
    incomplete = [y for y in years if own[y].value is None and row.get(y) is not None]
    parts = []
    if complete and not differ:
        parts.append(say("economie_salaries.epci_row_equal", years=len(complete)))
    if differ:
        parts.append(say("economie_salaries.epci_row_differs", years=differ, used=used))
    if incomplete:
        partial = {
            y: sum(r.value for r in fig.commune_values(URSSAF, JOBS, y).values() if r.value is not None)
            for y in incomplete
        }
        same = all(abs(partial[y] - row[y]) <= 0.5 for y in incomplete)  # type: ignore[operator]
        parts.append(say("economie_salaries.epci_row_partial", years=len(incomplete), same=same, used=used))
    return " ".join(parts) or None


def _explain_missing_levels(fig: Figures, indicator: Indicator) -> Indicator:
    """Département and région comparisons missing because the source has no such rows: say so."""
    frame = fig.table(URSSAF)
    levels = set(frame["geo_level"]) if frame is not None else set()
    codes = {"departement": "DEP", "region": "REG"}
    comparisons = []
    for c in indicator.comparisons:
        if c.level in codes and codes[c.level] not in levels:
            c = replace(c, value=None, missing_reason=say("economie_salaries.no_level_row", level=c.level))
        comparisons.append(c)
    return replace(indicator, comparisons=tuple(comparisons))


def _with_published(indicator: Indicator, value: float | None, change: bool = False) -> Indicator:
    """The indicator with the EPCI's published value for the territory (`change`: a change computed
    from it), labelled as such in its label (page 2 shows it too) and, for the count, in a note."""
    note = indicator.note if change else " ".join(filter(None, [indicator.note,
                                                               say("economie_salaries.epci_row_note")]))
    return replace(indicator, label=f"{indicator.label} ({say('economie_salaries.epci_row_label')})", value=value,
                   missing_reason=None if value is not None else indicator.missing_reason, note=note)


def salaried_job_indicators(fig: Figures, years: list[str],
                            published: dict[str, Reading] | None = None) -> list[Indicator]:
    """Jobs of the last year and their changes; `published`: the EPCI's own row, used for the
    territory where the sum of its communes is incomplete (published_epci_series)."""
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)

    def change(start: str):
        def compute(get: Getter) -> Reading:
            a, b = get(JOBS, start), get(JOBS, last)
            if a.value is None or b.value is None:
                return Reading(None, a.missing_reason or b.missing_reason)
            return Reading(evolution_pct(a.value, b.value))

        return compute

    out = [
        fig.count_indicator(
            JOBS, "Emploi salarié privé, fin d'année", URSSAF, JOBS, last, "salariés",
        ),
        fig.derived_indicator(
            "evolution_effectifs_salaries_prives_2014", f"Évolution de l'emploi salarié privé {first}-{last}",
            URSSAF, f"{first}-{last}", "%", "rate", change(first), vintage_of=JOBS,
        ),
    ]
    if recent in years:
        out.append(
            fig.derived_indicator(
                "evolution_effectifs_salaries_prives_5ans",
                f"Évolution de l'emploi salarié privé sur {TREND_YEARS} ans ({recent}-{last})",
                URSSAF, f"{recent}-{last}", "%", "rate", change(recent), vintage_of=JOBS,
            )
        )
    if published:
        values = {y: r.value for y, r in published.items()}
        out[0] = _with_published(out[0], values[last])
        out[1] = _with_published(out[1], evolution_pct(values[first], values[last]), change=True)
        if len(out) > 2:
            out[2] = _with_published(out[2], evolution_pct(values[recent], values[last]), change=True)
    return [_explain_missing_levels(fig, i) for i in out]


def constant_field(fig: Figures, years: list[str]) -> tuple[list[str], dict[str, float | None]]:
    """The communes present in the series every year, and their summed counts per year.

    A sum over a fixed set of communes ("à champ constant") measures how jobs evolved in those
    communes; it is never the territory's total and is labelled so.
    """
    readings = {y: fig.commune_values(URSSAF, JOBS, y) for y in years}
    codes = [c for c in fig.territory.commune_codes if all(readings[y][c].value is not None for y in years)]
    return codes, {y: float(sum(readings[y][c].value for c in codes)) if codes else None for y in years}  # type: ignore[misc]


def salaried_jobs_chart(fig: Figures, years: list[str], own: dict[str, Reading], zones: list[Zone],
                        zone_rows: ZoneRows) -> Chart:
    first = years[0]
    own_index = _index({y: r.value for y, r in own.items()}, years)
    name = fig.territory.name
    label = name
    published = any(r.note for r in own.values())  # the EPCI's row (published_epci_series)
    notes = [say("economie_salaries.index_note", first=first, published=published)]
    if published:
        label = f"{name} ({say('economie_salaries.epci_row_label')})"
    if any(v is None for v in own_index):
        missing = [y for y, v in zip(years, own_index, strict=True) if v is None]
        reason = next((own[y].missing_reason for y in ([first] + missing) if own[y].missing_reason), None)
        reason = reason or say("figures.unpublished")
        codes, sums = constant_field(fig, years)
        total = len(fig.territory.communes)
        if 0 < len(codes) < total:
            label = f"{name} ({len(codes)} communes sur {total})"
            own_index = _index(sums, years)
            names = {c.code: c.name for c in fig.territory.communes}
            left = sorted(names[c] for c in fig.territory.commune_codes if c not in codes)
            notes.append(say("economie_salaries.index_constant_field", reason=reason, communes=len(codes),
                             first=first, last=years[-1], left=left))
        else:
            label = f"{name} : n.d."
            notes.append(say("economie_salaries.index_no_curve", name=name, reason=reason))
    series = [Series(label, tuple(years), own_index)]
    for code, zone, _ in zones:
        if code in zone_rows:
            series.append(Series(f"ZE {zone}", tuple(years), _index(zone_rows[code], years)))
    series.append(Series("France", tuple(years), _index(_france_series(fig, years), years)))
    return Chart(
        id="effectifs_salaries_indice",
        title=f"Emploi salarié privé depuis {first} (indice base 100 en {first})",
        chart="line",
        series=tuple(series),
        value_kind="index",
        unit=f"base 100 en {first}",
        source=fig.source(URSSAF),
        note=" ".join(notes),
    )


def zones_table(fig: Figures, years: list[str], zones: list[Zone], zone_rows: ZoneRows) -> Table:
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)
    total = len(fig.territory.communes)
    rows = []
    for code, name, n in zones:
        values = zone_rows.get(code, {})
        rows.append((
            f"Zone d'emploi {of_name(name)} ({code})", f"{n} sur {total}", values.get(first), values.get(last),
            evolution_pct(values.get(first), values.get(last)), evolution_pct(values.get(recent), values.get(last)),
        ))
    france = _france_series(fig, years)
    rows.append((
        "France", "", france.get(first), france.get(last), evolution_pct(france.get(first), france.get(last)),
        evolution_pct(france.get(recent), france.get(last)),
    ))
    return Table(
        title="Emploi salarié privé des zones d'emploi du territoire",
        columns=(
            Column("Zone"), Column("Communes du territoire"), Column(f"Salariés {first}", "count"),
            Column(f"Salariés {last}", "count"), Column(f"Évolution {first}-{last}", "rate"),
            Column(f"Évolution {recent}-{last}", "rate"),
        ),
        rows=tuple(rows),
        source=fig.source(URSSAF),
        note=say("economie_salaries.zones_note"),
    )


def commune_jobs_table(fig: Figures, years: list[str]) -> Table:
    first, last = years[0], years[-1]
    recent = str(int(last) - TREND_YEARS)
    names = {c.code: c.name for c in fig.territory.communes}
    shown = [y for y in (first, recent, last) if y in years]
    values = {y: fig.commune_values(URSSAF, JOBS, y) for y in shown}

    def change(code: str) -> float | None:
        a, b = values[first][code].value, values[last][code].value
        return None if a is None or b is None else b - a

    rows: list[tuple[Any, ...]] = [(names[c], *(values[y][c].value for y in shown), change(c))
                                   for c in fig.territory.commune_codes]
    rows.sort(key=lambda r: (r[len(shown)] is None, -(r[len(shown)] or 0), r[0]))
    absent = [names[c] for c in fig.territory.commune_codes if all(values[y][c].value is None for y in shown)]
    gaps = sum(1 for r in rows if any(v is None for v in r[1 : 1 + len(shown)]))
    note = None
    if gaps:
        note = say("economie_salaries.communes_note", gaps=gaps, communes=len(rows), absent=sorted(absent))
    return Table(
        title="Salariés du secteur privé par commune",
        columns=(Column("Commune"), *(Column(f"Fin {y}", "count") for y in shown),
                 Column(f"Variation {first}-{last} (salariés)", "count")),
        rows=tuple(rows),
        source=fig.source(URSSAF),
        note=note,
    )


def commune_jobs_map(fig: Figures, year: str) -> CommuneMap:
    values = fig.commune_values(URSSAF, JOBS, year)
    return CommuneMap(
        id="carte_effectifs_salaries",
        title=f"Salariés du secteur privé par commune, fin {year}",
        values=tuple((c, values[c].value) for c in fig.territory.commune_codes),
        value_kind="count",
        unit="salariés",
        source=fig.source(URSSAF),
    )


def salaried_jobs(fig: Figures) -> list:
    """The URSSAF block: indicators, index curve against the zones d'emploi and France, communes."""
    years = urssaf_years(fig)
    if not years or not _covered(fig):
        return [Note(say("lacunes.economie_salaried"), tone="gap", source_id=URSSAF.source_id,
                     detail=say("economie_salaries.offline_gap"))]
    first, last = years[0], years[-1]
    sums = _territory_series(fig, years)
    published = published_epci_series(fig, years, sums)
    own = published or sums
    zones = employment_zones(fig)
    zone_rows = _extra_rows(fig, "ZE", [code for code, _, _ in zones])
    blocks: list = [
        IndicatorTable(f"Emploi salarié privé (URSSAF, {first}-{last})",
                       tuple(salaried_job_indicators(fig, years, published))),
        salaried_jobs_chart(fig, years, own, zones, zone_rows),
    ]
    if zones:
        blocks.append(zones_table(fig, years, zones, zone_rows))
    sources = {m.source_id for m in fig.store.manifests(URSSAF.name)}
    third_party = "urssaf_ptod" in sources
    method = [say("economie_salaries.method", published=published is not None)]
    if third_party:
        method.append(say("economie_salaries.method_third_party"))
    if "urssaf_open_data" in sources and _fetched(fig):
        method.append(say("economie_salaries.method_fetched", third_party=third_party))
    check = epci_check(fig, years, sums, used=published is not None)
    if check:
        method.append(check)
    method.append(say("economie_salaries.method_no_levels"))
    blocks.append(Note(" ".join(method), tone="limit"))
    if len(fig.territory.communes) > 1:
        blocks.append(commune_jobs_table(fig, years))
        blocks.append(commune_jobs_map(fig, last))
    return blocks
