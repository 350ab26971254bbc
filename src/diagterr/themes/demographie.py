"""Démographie: legal populations over time, census population, natural and migratory balance,
age structure, households."""

from __future__ import annotations

import itertools
import re

import pandas as pd

from diagterr.aggregate import annual_growth_pct
from diagterr.dossier import (
    Chart,
    Column,
    CommuneMap,
    Indicator,
    IndicatorTable,
    Note,
    Section,
    Series,
    SourceRef,
    Table,
)
from diagterr.tables import TableSpec
from diagterr.tables.census import (
    ANSWERS,
    COMPARATEUR,
    POPULATION_HISTORIQUE,
    POPULATIONS_LEGALES,
    RP2021_COMPILATION,
    RP2021_IRIS,
    RP_MENAGES,
    RP_POPULATION,
    RP_SERIE_HISTORIQUE,
)
from diagterr.territory import Place
from diagterr.texts import say
from diagterr.themes.census_ages import age_interval, age_label, finest_partition
from diagterr.themes.figures import Figures, Getter, Reading


def census_periods(fig: Figures) -> tuple[str, str] | None:
    """The two census years of the comparateur's population (e.g. 2013 and 2018), read from data."""
    frame = fig.table(COMPARATEUR)
    if frame is None:
        return None
    years = sorted(frame.loc[(frame["variable"] == "pop") & frame["period"].str.fullmatch(r"\d{4}"), "period"].unique())
    return (years[0], years[-1]) if len(years) >= 2 else None


def latest_legal_year(fig: Figures) -> str | None:
    frame = fig.table(POPULATIONS_LEGALES)
    if frame is None:
        return None
    years = frame.loc[frame["variable"] == "pmun", "period"]
    return max(years) if len(years) else None


# -- growth on legal populations ---------------------------------------------------------------

# INSEE: compare legal populations at least five years apart (the census surveys a fifth of the
# small communes each year, so that five years renew the whole count).
MIN_GROWTH_SPAN_YEARS = 5


def _legal_rows(fig: Figures) -> pd.DataFrame:
    frame = fig.table(POPULATIONS_LEGALES)
    if frame is None:
        return pd.DataFrame(columns=["geo_level", "geo_code", "variable", "period", "value", "status"])
    return frame[(frame["variable"] == "pmun") & frame["period"].str.fullmatch(r"\d{4}")]


def _place_legal_years(fig: Figures, place: Place) -> set[str]:
    """The years of a comparison level's legal population the store holds as a value."""
    rows = _legal_rows(fig)
    code = {"departement": "DEP", "region": "REG", "france": "FR"}[place.level]
    rows = rows[(rows["geo_level"] == code) & (rows["geo_code"] == place.code) & rows["value"].notna()]
    return set(rows["period"])


def _territory_legal_years(fig: Figures) -> list[str]:
    years = sorted(_legal_rows(fig).loc[lambda f: f["geo_level"] == "COM", "period"].unique())
    return [y for y in years if fig.territory_total(POPULATIONS_LEGALES, "pmun", y).value is not None]


def legal_growth_span(fig: Figures) -> tuple[str, str] | None:
    """(start, end) of the population growth: the latest legal population of the territory and
    every comparison level, and the latest one at least MIN_GROWTH_SPAN_YEARS before it at every
    level too; without such a pair, the territory's own latest span (comparisons then n.d.)."""
    own = _territory_legal_years(fig)
    levels = [_place_legal_years(fig, place) for place in fig.comparison_places]
    common = sorted(set(own).intersection(*levels)) if levels else own
    for years in (common, own):
        if years:
            end = years[-1]
            start = [y for y in years if int(end) - int(y) >= MIN_GROWTH_SPAN_YEARS]
            if start:
                return start[-1], end
    return None


def legal_growth_indicator(fig: Figures) -> Indicator | None:
    """Mean annual change of the legal population over `legal_growth_span`, for the territory and
    each comparison level, both dates on the level's common perimeter (France without Mayotte
    when the older total leaves it out: themes/figures.py aligns the sums)."""
    span = legal_growth_span(fig)
    if span is None:
        return None
    start, end = span
    years = int(end) - int(start)

    def growth(get: Getter) -> Reading:
        a, b = get("pmun", start), get("pmun", end)
        if a.value is None or b.value is None:
            return Reading(None, a.missing_reason or b.missing_reason)
        return Reading(annual_growth_pct(a.value, b.value, years), note=a.note or b.note)

    return fig.derived_indicator(
        "variation_population_annuelle", say("demographie.label_legal_growth", start=start, end=end),
        POPULATIONS_LEGALES, f"{start}-{end}", "%", "rate", growth, decimals=2, vintage_of="pmun",
        note=say("demographie.note_legal_growth", start=start, end=end, years=years),
    )


def natural_balance_pct(births: float, deaths: float, start_pop: float, end_pop: float, years: float) -> float:
    """Annual change due to the natural balance, in percent: (births − deaths) over the period,
    per year, over the mean of the two census populations."""
    return (births - deaths) / ((start_pop + end_pop) / 2 * years) * 100


def population_indicators(fig: Figures) -> list[Indicator]:
    indicators: list[Indicator] = []
    legal_year = latest_legal_year(fig)
    if legal_year:
        indicators.append(
            fig.count_indicator(
                "population_legale", "Population municipale légale", POPULATIONS_LEGALES, "pmun", legal_year,
                "habitants",
            )
        )
    legal_growth = legal_growth_indicator(fig)
    if legal_growth is not None:
        indicators.append(legal_growth)
    periods = census_periods(fig)
    if periods is None:
        return indicators
    start, end = periods
    years = int(end) - int(start)
    span = f"{start}-{end}"
    indicators.append(fig.count_indicator("population_rp", "Population municipale (recensement)", COMPARATEUR, "pop", end, "habitants"))

    def growth(get) -> Reading:
        a, b = get("pop", start), get("pop", end)
        if a.value is None or b.value is None:
            return Reading(None, a.missing_reason or b.missing_reason)
        return Reading(annual_growth_pct(a.value, b.value, years), note=a.note)

    def natural_rate(get) -> Reading:
        a, b = get("pop", start), get("pop", end)
        births, deaths = get("naissances", span), get("deces", span)
        parts = (a, b, births, deaths)
        if any(p.value is None for p in parts):
            return Reading(None, next(p.missing_reason for p in parts if p.value is None))
        return Reading(natural_balance_pct(births.value, deaths.value, a.value, b.value, years), note=a.note)

    def migration_rate(get) -> Reading:
        total, natural = growth(get), natural_rate(get)
        if total.value is None or natural.value is None:
            return Reading(None, total.missing_reason or natural.missing_reason)
        return Reading(total.value - natural.value, note=total.note)

    indicators += [
        fig.derived_indicator(
            # the census change the natural and migratory parts below add up to
            "variation_population_annuelle_recensement", say("demographie.label_growth", start=start, end=end),
            COMPARATEUR, span, "%", "rate", growth, decimals=2, vintage_of="pop",
        ),
        fig.derived_indicator(
            "variation_solde_naturel", say("demographie.label_natural", start=start, end=end),
            COMPARATEUR, span, "%", "rate", natural_rate, decimals=2, vintage_of="pop",
            note=say("demographie.note_natural"),
        ),
        fig.derived_indicator(
            "variation_solde_migratoire", say("demographie.label_migration", start=start, end=end),
            COMPARATEUR, span, "%", "rate", migration_rate, decimals=2, vintage_of="pop",
            note=say("demographie.note_migration"),
        ),
        fig.count_indicator("naissances_periode", f"Naissances {start}-{end}", COMPARATEUR, "naissances", span, "naissances"),
        fig.count_indicator("deces_periode", f"Décès {start}-{end}", COMPARATEUR, "deces", span, "décès"),
    ]
    return indicators


def household_indicators(fig: Figures) -> list[Indicator]:
    periods = census_periods(fig)
    indicators: list[Indicator] = []
    if periods:
        end = periods[1]
        indicators.append(fig.count_indicator("menages", "Ménages", COMPARATEUR, "menages", end, "ménages"))
        indicators.append(
            fig.rate_indicator(
                "personnes_par_menage_approx", "Habitants par ménage", COMPARATEUR, "pop", "menages", end,
                scale=1.0, unit="hab./ménage", kind="ratio", decimals=2,
                note=say("demographie.note_inhabitants_per_household"),
            )
        )
    if fig.has(RP2021_COMPILATION) and not answered_before(fig, "menages", RP2021_COMPILATION, "2021"):
        indicators.append(
            fig.count_indicator(
                "menages_2021", "Ménages", RP2021_COMPILATION, "menages", "2021", "ménages", compare=False,
            )
        )
    return indicators


def answered_before(fig: Figures, variable: str, table: TableSpec, period: str) -> bool:
    """Whether a table `tables.census.ANSWERS` puts before `table` gives `variable` for `period` as
    its latest census: `table`'s figure would repeat it."""
    order = ANSWERS[variable]
    return any(fig.latest_period(earlier, variable) == period for earlier in order[:order.index(table)])


def census_age_brackets(fig: Figures) -> tuple[str, list[str]] | None:
    """(period, AGE codes) of the finest age partition the Melodi census holds for the territory."""
    frame = fig.table(RP_POPULATION)
    if frame is None or frame.empty:
        return None
    ages = frame[(frame["geo_level"] == "COM") & frame["variable"].str.startswith("pop_T_")]
    if ages.empty:
        return None
    period = max(ages["period"])
    codes = {v.removeprefix("pop_T_") for v in ages.loc[ages["period"] == period, "variable"]}
    partition = finest_partition(codes)
    return (period, partition) if len(partition) > 1 else None


def census_age_indicators(fig: Figures) -> tuple[str, list[Indicator]] | None:
    """From Melodi: shares of the finest age partition and the ageing index, with comparisons."""
    brackets = census_age_brackets(fig)
    if brackets is None:
        return None
    period, codes = brackets
    out = [
        fig.rate_indicator(f"part_age_{code}", say("demographie.label_age_share", bracket=age_label(code)),
                           RP_POPULATION, f"pop_T_{code}", "pop", period)
        for code in codes
    ]
    young = next((c for c in codes if age_interval(c) == (0, 20)), None)
    old = next((c for c in codes if age_interval(c) == (65, None)), None)
    if young and old:
        out.append(fig.rate_indicator(
            "indice_vieillissement", say("demographie.label_ageing_index"),
            RP_POPULATION, f"pop_T_{old}", f"pop_T_{young}", period, unit="", kind="ratio", decimals=0,
        ))
    return period, out


def iris_age_indicators(fig: Figures) -> tuple[str, list[Indicator]] | None:
    """From the samples' RP 2021 by IRIS: three brackets and the ageing index, no comparison."""
    if not fig.has(RP2021_IRIS):
        return None
    brackets = (("pop_0_19", say("demographie.label_part_pop_0_19")),
                ("pop_20_64", say("demographie.label_part_pop_20_64")),
                ("pop_65_plus", say("demographie.label_part_pop_65_plus")))
    out = [fig.rate_indicator(f"part_{variable}", label, RP2021_IRIS, variable, "pop", "2021", compare=False)
           for variable, label in brackets]
    out.append(fig.rate_indicator(
        "indice_vieillissement", say("demographie.label_ageing_index"),
        RP2021_IRIS, "pop_65_plus", "pop_0_19", "2021", unit="", kind="ratio", decimals=0, compare=False,
    ))
    return "2021", out


_AGE_READERS = {RP_POPULATION: census_age_indicators, RP2021_IRIS: iris_age_indicators}


def age_indicators(fig: Figures) -> tuple[str, list[Indicator]] | None:
    """(census year, shares by age bracket and the ageing index) from the first table of
    `ANSWERS["population_par_age"]` that has them."""
    for table in ANSWERS["population_par_age"]:
        found = _AGE_READERS[table](fig)
        if found is not None:
            return found
    return None


# -- age pyramid by sex (DS_RP_POPULATION_PRINC) ----------------------------------------------

# CL_SEXE: M (men), F (women), _T (total; kept apart by the selection `pop_T_{AGE}`).
PYRAMID_SEXES = ("M", "F")


def _sex_and_age(variable: str) -> tuple[str, str] | None:
    """`pop_F_Y_LT15` → ("F", "Y_LT15"); the all-sexes `pop_T_…` and the total `pop` → None."""
    rest = variable.removeprefix("pop_")
    if rest == variable or "_" not in rest:
        return None
    sex, _, age = rest.partition("_")
    return None if sex == "T" else (sex, age)


def pyramid_brackets(fig: Figures) -> tuple[str, list[str]] | str:
    """(census year, AGE codes of the finest partition published for both sexes), or why the
    pyramid cannot be drawn (French)."""
    frame = fig.table(RP_POPULATION)
    if frame is None or frame.empty:
        return say("demographie.pyramid_unavailable")
    rows = frame[frame["geo_level"] == "COM"]
    pairs = {(p, sa) for p, v in zip(rows["period"], rows["variable"], strict=True) if (sa := _sex_and_age(v))}
    if not pairs:
        return say("demographie.pyramid_unavailable")
    period = max(p for p, _ in pairs)
    latest = {sa for p, sa in pairs if p == period}
    sexes = {sex for sex, _ in latest}
    if sexes != set(PYRAMID_SEXES):
        return say("demographie.pyramid_unexpected_sexes", sexes=sorted(sexes))
    common = set.intersection(*({age for sex, age in latest if sex == s} for s in PYRAMID_SEXES))
    ages = finest_partition(common)
    if len(ages) < 2:
        return say("demographie.pyramid_brackets_incomplete", period=period)
    return period, ages


def pyramid_shares(get: Getter, period: str, ages: list[str]) -> tuple[dict[str, list[float]] | None, str | None]:
    """Share of each sex × bracket in the place's population (%), the total being the sum of the
    parts read; any missing part makes the whole place missing, with its reason."""
    counts: dict[str, list[float]] = {}
    for sex in PYRAMID_SEXES:
        counts[sex] = []
        for age in ages:
            reading = get(f"pop_{sex}_{age}", period)
            if reading.value is None:
                return None, reading.missing_reason
            counts[sex].append(reading.value)
    population = sum(sum(values) for values in counts.values())
    if population <= 0:
        return None, say("demographie.reason_zero_population")
    return {sex: [v / population * 100 for v in values] for sex, values in counts.items()}, None


def pyramid_chart(fig: Figures) -> Chart | Note:
    """The age pyramid of the territory against France (or its département), or the note saying
    why it is not drawn."""
    brackets = pyramid_brackets(fig)
    if brackets == say("demographie.pyramid_unavailable"):  # not read (offline): a gap of the edition
        return Note(say("lacunes.demographie_pyramid"), tone="gap", source_id=RP_POPULATION.source_id,
                    detail=brackets)
    if isinstance(brackets, str):
        return Note(brackets, tone="limit")
    period, ages = brackets
    own, reason = pyramid_shares(lambda v, p: fig.territory_total(RP_POPULATION, v, p), period, ages)
    if own is None:
        return Note(say("demographie.pyramid_not_drawn", period=period, reason=reason), tone="limit")
    places = [p for p in fig.comparison_places if p.level == "france"]
    places += [p for p in fig.comparison_places if p.level == "departement"]
    comparison: tuple[Place, dict[str, list[float]]] | None = None
    for place in places:
        shares, _ = pyramid_shares(lambda v, p, place=place: fig.place_value(RP_POPULATION, v, p, place), period, ages)
        if shares is not None:
            comparison = (place, shares)
            break
    labels = tuple(age_label(a) for a in ages)
    series = [Series(fig.territory.name, labels, tuple(own[s])) for s in PYRAMID_SEXES]
    if comparison is not None:
        series += [Series(comparison[0].name, labels, tuple(comparison[1][s])) for s in PYRAMID_SEXES]
    return Chart(
        id="pyramide_ages",
        title=say("demographie.pyramid_title", period=period),
        chart="pyramid",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(RP_POPULATION, "pop", period),
        note=say("demographie.pyramid_note", territory=fig.territory.name,
                 comparison=comparison[0].name if comparison is not None else None),
    )


# -- population change per intercensal period (DS_RP_SERIE_HISTORIQUE) -------------------------

# Births and deaths are counted over each intercensal period. Their TIME_PERIOD is read either as
# an explicit span ("2013-2018") or, when it is one year, as the census that closes the period
# (a public script reading DS_RP_SERIE_HISTORIQUE takes BRTH/DEATH at TIME_PERIOD 2023 as the
# 2017-2023 count: a third-party reading, no recorded body confirms it).
_SPAN = re.compile(r"(\d{4})-(\d{4})")


def census_years(fig: Figures) -> list[str]:
    """Census years of the territory's population in the historical series, oldest first."""
    frame = fig.table(RP_SERIE_HISTORIQUE)
    if frame is None or frame.empty:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == "pop") & frame["period"].str.fullmatch(r"\d{4}")]
    return sorted(rows["period"].unique())


def period_keys(fig: Figures, variable: str, years: list[str]) -> dict[tuple[str, str], str]:
    """(start, end) census years -> the store period of a count made over that period."""
    frame = fig.table(RP_SERIE_HISTORIQUE)
    keys: dict[tuple[str, str], str] = {}
    if frame is None or frame.empty:
        return keys
    for period in frame.loc[frame["variable"] == variable, "period"].unique():
        if match := _SPAN.fullmatch(period):
            keys[(match.group(1), match.group(2))] = period
        elif period in years and years.index(period) > 0:
            keys[(years[years.index(period) - 1], period)] = period
    return keys


def period_change(get: Getter, start: str, end: str, births_key: str | None, deaths_key: str | None,
                  ) -> tuple[Reading, Reading, Reading] | None:
    """(annual change, of which natural balance, of which apparent migration) in % per year, or
    None when the place has no population at either census."""
    a, b = get("pop", start), get("pop", end)
    if a.value is None or b.value is None:
        return None
    years = int(end) - int(start)
    growth = Reading(annual_growth_pct(a.value, b.value, years))
    if births_key is None or deaths_key is None:
        gone = Reading(None, say("demographie.reason_no_births_deaths"))
        return growth, gone, gone
    births, deaths = get("naissances_periode", births_key), get("deces_periode", deaths_key)
    if births.value is None or deaths.value is None:
        reason = say("demographie.reason_births_deaths", reason=births.missing_reason or deaths.missing_reason)
        return growth, Reading(None, reason), Reading(None, reason)
    natural = natural_balance_pct(births.value, deaths.value, a.value, b.value, years)
    migration = None if growth.value is None else growth.value - natural
    return growth, Reading(natural), Reading(migration)


def _grouped(periods_by_name: dict[str, list[str]], every: dict[str, list[str]]) -> str:
    """"1968-1975, 1975-1982 (Rhône, France)": names grouped by the periods they share; a period
    that concerns every row of its period is written alone."""
    by_periods: dict[tuple[str, ...], list[str]] = {}
    for name, periods in periods_by_name.items():
        by_periods.setdefault(tuple(periods), []).append(name)
    parts = []
    for shared, names in by_periods.items():
        whole = all(sorted(names) == sorted(every.get(p, [])) for p in shared)
        parts.append(", ".join(shared) + ("" if whole else f" ({', '.join(names)})"))
    return " ; ".join(parts)


def intercensal_table(fig: Figures) -> Table | None:
    """Change of the population per intercensal period, split into natural and migratory balance,
    for the territory and each comparison level that has both censuses of the period."""
    years = census_years(fig)
    if len(years) < 2:
        return None
    births, deaths = period_keys(fig, "naissances_periode", years), period_keys(fig, "deces_periode", years)
    places: list[tuple[str, Getter]] = [(fig.territory.name, lambda v, p: fig.territory_total(RP_SERIE_HISTORIQUE, v, p))]
    places += [(place.name, lambda v, p, place=place: fig.place_value(RP_SERIE_HISTORIQUE, v, p, place))
               for place in fig.comparison_places]
    rows: list[tuple[str | float | None, ...]] = []
    shown: dict[str, list[str]] = {}  # period -> places with a row
    reasons: dict[str, dict[str, list[str]]] = {}  # reason -> place -> periods
    absent: dict[str, list[str]] = {}  # place -> periods without a row
    for start, end in itertools.pairwise(years):
        span = f"{start}-{end}"
        for index, (name, get) in enumerate(places):
            change = period_change(get, start, end, births.get((start, end)), deaths.get((start, end)))
            if change is None:
                if index > 0:
                    absent.setdefault(name, []).append(span)
                    continue
                a, b = get("pop", start), get("pop", end)
                change = (Reading(None, a.missing_reason or b.missing_reason or say("figures.unpublished")),) * 3
            shown.setdefault(span, []).append(name)
            for reason in dict.fromkeys(r.missing_reason for r in change if r.value is None and r.missing_reason):
                periods = reasons.setdefault(reason, {}).setdefault(name, [])
                periods.append(span)
            rows.append((span, name, *(r.value for r in change)))
    notes = [say("demographie.intercensal_method")]
    for reason, by_name in reasons.items():
        notes.append(say("demographie.intercensal_missing", reason=reason, where=_grouped(by_name, shown)))
    if absent:  # the places are always named here
        notes.append(say("demographie.intercensal_without_row", where=_grouped(absent, {})))
    return Table(
        title=say("demographie.intercensal_title"),
        columns=(
            Column("Période"), Column("Territoire"), Column("Variation annuelle", "rate", decimals=2),
            Column("dont solde naturel", "rate", decimals=2),
            Column("dont solde migratoire apparent", "rate", decimals=2),
        ),
        rows=tuple(rows),
        source=fig.source(RP_SERIE_HISTORIQUE, "pop", f"{years[0]}-{years[-1]}"),
        note=" ".join(notes),
    )


# -- households and their size (DS_RP_MENAGES_PRINC) -------------------------------------------

# NOC (number of occupants of the main home) codes are read from the data, not listed here. Their
# labels follow the code's own shape: one public script reading DS_RP_MENAGES_PRINC uses NOC "P1"
# for one-person households (third-party, no recorded body); "P_GE6"-like codes read "6 personnes
# ou plus"; any other code is shown as published.
_NOC_COUNT = re.compile(r"P?_?(\d+)")
_NOC_AT_LEAST = re.compile(r"P?_?GE_?(\d+)")


def household_size_label(code: str) -> tuple[int, str]:
    """(sort key, French label) of a NOC code: "P1" → "1 personne", "P_GE6" → "6 personnes ou plus"."""
    if match := _NOC_COUNT.fullmatch(code):
        n = int(match.group(1))
        return n, say("demographie.household_size", n=n)
    if match := _NOC_AT_LEAST.fullmatch(code):
        n = int(match.group(1))
        return n, say("demographie.household_size_at_least", n=n)
    return 99, say("demographie.household_size_raw", code=code)


def census_household_indicators(fig: Figures) -> tuple[str, list[Indicator], Note | None] | None:
    """(census year, households, mean size and shares by size, a note on what the data lacks)
    from DS_RP_MENAGES_PRINC."""
    frame = fig.table(RP_MENAGES)
    if frame is None or frame.empty:
        return None
    period = fig.latest_period(RP_MENAGES, "menages")
    if period is None:
        return None
    published = set(frame.loc[frame["period"] == period, "variable"])
    out = [fig.count_indicator("menages_rp", "Ménages", RP_MENAGES, "menages", period, "ménages")]
    size_note = say("demographie.note_household_size")
    if "pop_menages" in published:
        out.append(fig.rate_indicator(
            "taille_moyenne_menages", "Taille moyenne des ménages", RP_MENAGES, "pop_menages", "menages", period,
            scale=1.0, unit="pers./ménage", kind="ratio", decimals=2, note=size_note,
        ))
    else:
        reason = say("demographie.reason_no_household_population", period=period)
        out.append(fig.derived_indicator(
            "taille_moyenne_menages", "Taille moyenne des ménages", RP_MENAGES, period, "pers./ménage", "ratio",
            lambda get: Reading(None, reason), decimals=2, note=size_note,
        ))
    sizes = sorted((household_size_label(v.removeprefix("menages_")), v) for v in published
                   if v.startswith("menages_") and v != "menages")
    for (_, label), variable in sizes:
        code = variable.removeprefix("menages_")
        out.append(fig.rate_indicator(f"part_menages_{code}", say("demographie.label_household_share", size=label),
                                      RP_MENAGES, variable, "menages", period))
    note = None if sizes else Note(say("demographie.households_sizes_unavailable", period=period), tone="limit")
    return period, out, note


# The population of the historical series by definition, oldest first: each is its own line of
# the chart, never joined to the next one (INSEE's series breaks).
HISTORY_DEFINITIONS = ("ptot", "psdc", "pmun")


def population_history(fig: Figures) -> dict[str, dict[str, float]]:
    """Definition (ptot, psdc, pmun) -> year -> population of the territory, from the historical
    census table and every legal population (municipal population); a year where a commune lacks
    its figure is left out. Both tables hold today's communes (merged communes summed)."""
    points: dict[str, dict[str, float]] = {}
    history = fig.table(POPULATION_HISTORIQUE)
    if history is not None:
        rows = history[history["geo_level"] == "COM"]
        for variable, year in sorted(set(zip(rows["variable"], rows["period"], strict=True))):
            value = fig.territory_total(POPULATION_HISTORIQUE, variable, year).value
            if value is not None:
                points.setdefault(variable, {})[year] = value
    for year in _territory_legal_years(fig):
        value = fig.territory_total(POPULATIONS_LEGALES, "pmun", year).value
        if value is not None:
            points.setdefault("pmun", {})[year] = value
    return {d: dict(sorted(points[d].items())) for d in HISTORY_DEFINITIONS if points.get(d)}


def population_history_chart(fig: Figures) -> Chart | None:
    """Population of the territory over the longest series the store holds: one line per census
    definition, the legal populations last, on today's communes."""
    points = population_history(fig)
    years = sorted(y for by_year in points.values() for y in by_year)
    if len(years) < 2:
        return None
    spans = {d: (min(by_year), max(by_year)) for d, by_year in points.items()}
    series = tuple(
        Series(say(f"demographie.history_series_{d}", first=spans[d][0], last=spans[d][1]),
               tuple(by_year), tuple(by_year.values()))
        for d, by_year in points.items()
    )
    tables = [t for t in (POPULATION_HISTORIQUE, POPULATIONS_LEGALES) if fig.has(t)]
    legal = [y for y in points.get("pmun", {}) if fig.has(POPULATIONS_LEGALES) and y in _territory_legal_years(fig)]
    census_years = sorted({y for d, by_year in points.items() for y in by_year if y not in legal})
    vintages = []
    if census_years and fig.has(POPULATION_HISTORIQUE):
        vintages.append(say("demographie.history_vintage_census", first=census_years[0], last=census_years[-1]))
    if legal:
        vintages.append(say("demographie.history_vintage_legal", years=legal))
    rule = _merged_since(fig)
    merged = [(c.name, rule[c.code]) for c in sorted(fig.territory.communes, key=lambda c: c.name) if c.code in rule]
    names = {c.code: c.name for c in fig.territory.communes}
    skipped = []  # legal populations the store holds but not for every commune: not drawn, said
    for year in sorted(set(_legal_rows(fig).loc[lambda f: f["geo_level"] == "COM", "period"]) - set(legal)):
        lacking = [names[c] for c, r in fig.commune_values(POPULATIONS_LEGALES, "pmun", year).items() if r.value is None]
        if lacking and len(lacking) < len(names):
            skipped.append((year, sorted(lacking)))
    return Chart(
        id="population_historique",
        title=say("demographie.history_title", first=years[0], last=years[-1]),
        chart="line",
        series=series,
        value_kind="count",
        unit="habitants",
        source=SourceRef(
            "+".join(fig.source(t).source_id for t in tables),
            " ; ".join(vintages),
            say("demographie.history_geo_vintage"),
        ),
        note=say("demographie.history_note", merged=merged, skipped=skipped, parts=[
            (first, last, say(f"demographie.history_definition_{d}", legal=legal)) for d, (first, last) in spans.items()
        ]),
    )


def _merged_since(fig: Figures) -> dict[str, str]:
    """Commune code -> the codes its historical figures sum ("50592 + 14513"), for the communes
    merged after the geography of the historical file (the table's method states the rule)."""
    manifest = fig.store.manifest(POPULATION_HISTORIQUE.name)
    rule = re.findall(r"(\d[0-9AB]\d{3}) = ((?:\d[0-9AB]\d{3})(?: \+ \d[0-9AB]\d{3})+)", manifest.method or "") if manifest else []
    return dict(rule)


def growth_communes_span(fig: Figures) -> tuple[str, str] | None:
    """The period of the commune table and map: that of the territory's growth figure."""
    return legal_growth_span(fig)


def commune_table(fig: Figures) -> Table | None:
    span = growth_communes_span(fig)
    if span is None:
        return None
    first, last = span
    start = fig.commune_values(POPULATIONS_LEGALES, "pmun", first)
    end = fig.commune_values(POPULATIONS_LEGALES, "pmun", last)
    names = {c.code: c.name for c in fig.territory.communes}
    years = int(last) - int(first)
    rows = []
    for code in fig.territory.commune_codes:
        a, b = start[code].value, end[code].value
        rows.append((names[code], code, a, b, annual_growth_pct(a, b, years)))
    rows.sort(key=lambda r: -(r[3] or 0))
    return Table(
        title=say("demographie.communes_title", first=first, last=last),
        columns=(
            Column("Commune"), Column("Code"), Column(f"PL {first}", "count"), Column(f"PL {last}", "count"),
            Column(f"Variation annuelle {first}-{last}", "rate", decimals=2),
        ),
        rows=tuple(rows),
        source=fig.source(POPULATIONS_LEGALES, "pmun", f"{first} et {last}"),
    )


def growth_map(fig: Figures) -> CommuneMap | None:
    span = growth_communes_span(fig)
    if span is None or len(fig.territory.communes) < 2:
        return None
    first, last = span
    start = fig.commune_values(POPULATIONS_LEGALES, "pmun", first)
    end = fig.commune_values(POPULATIONS_LEGALES, "pmun", last)
    values = tuple(
        (code, annual_growth_pct(start[code].value, end[code].value, int(last) - int(first)))
        for code in fig.territory.commune_codes
    )
    return CommuneMap(
        id="carte_variation_population",
        title=say("demographie.growth_map_title", first=first, last=last),
        values=values,
        value_kind="rate",
        unit="%",
        source=fig.source(POPULATIONS_LEGALES, "pmun", f"{first} et {last}"),
    )


def age_blocks(fig: Figures) -> list:
    """The age structure, the note when it has no comparison, and the pyramid (or why it is not drawn)."""
    blocks: list = []
    ages = age_indicators(fig)
    if ages:
        year, indicators = ages
        blocks.append(IndicatorTable(say("demographie.ages_title", year=year), tuple(indicators)))
        if all(c.value is None for i in indicators for c in i.comparisons):
            blocks.append(Note(say("lacunes.demographie_ages_comparison", year=year), tone="gap",
                               source_id=RP_POPULATION.source_id,
                               detail=say("demographie.ages_no_comparison", year=year)))
    pyramid = pyramid_chart(fig)
    if ages or isinstance(pyramid, Chart):
        blocks.append(pyramid)
    return blocks


def household_blocks(fig: Figures) -> list:
    blocks: list = []
    census_households = census_household_indicators(fig)
    households = household_indicators(fig)
    if households:
        blocks.append(IndicatorTable("Ménages", tuple(households)))
    if census_households:
        year, indicators, lacking = census_households
        blocks.append(IndicatorTable(say("demographie.households_title", year=year), tuple(indicators)))
        if lacking:
            blocks.append(lacking)
    return blocks


def birth_blocks(fig: Figures) -> list:
    births = []
    if fig.has(COMPARATEUR):
        births += [
            fig.count_indicator("naissances_2020", "Naissances domiciliées", COMPARATEUR, "naissances", "2020", "naissances"),
            fig.count_indicator("deces_2020", "Décès domiciliés", COMPARATEUR, "deces", "2020", "décès"),
        ]
    if fig.has(RP2021_COMPILATION):
        births += [
            fig.count_indicator("naissances_2022", "Naissances domiciliées", RP2021_COMPILATION, "naissances", "2022",
                                "naissances", compare=False),
            fig.count_indicator("deces_2022", "Décès domiciliés", RP2021_COMPILATION, "deces", "2022", "décès",
                                compare=False),
        ]
    return [IndicatorTable("Naissances et décès (état civil)", tuple(births))] if births else []


def analyse(fig: Figures) -> Section:
    blocks: list = []
    population = population_indicators(fig)
    if population:
        blocks.append(IndicatorTable("Population et ses moteurs", tuple(population)))
    chart = population_history_chart(fig)
    if chart:
        blocks.append(chart)
    periods = intercensal_table(fig)
    if periods:
        blocks.append(periods)
    blocks += age_blocks(fig)
    blocks += household_blocks(fig)
    blocks += birth_blocks(fig)
    table = commune_table(fig)
    if table and len(fig.territory.communes) > 1:
        blocks.append(table)
    growth = growth_map(fig)
    if growth:
        blocks.append(growth)
    if not blocks:
        blocks.append(Note(say("lacunes.demographie_census"), tone="gap", source_id=COMPARATEUR.source_id,
                           detail=say("demographie.no_data"), remedy="import"))
    return Section(
        id="demographie",
        title="Démographie",
        intro=say("demographie.intro"),
        blocks=tuple(blocks),
    )
