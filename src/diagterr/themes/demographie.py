"""Démographie: legal populations over time, census population, natural and migratory balance,
age structure, households."""

from __future__ import annotations

import itertools
import re

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
from diagterr.territory import Place
from diagterr.themes.census_ages import age_interval, age_label, finest_partition
from diagterr.themes.figures import Figures, Getter, Reading

COMPARATEUR = "insee_comparateur"
LEGAL = "populations_legales"
HISTORY = "population_historique"
RP2021_IRIS = "rp2021_iris"
RP2021 = "rp2021_compilation"
RP_POPULATION = "rp_population"  # Melodi DS_RP_POPULATION_PRINC (sources.melodi_census)
RP_SERIE = "rp_serie_historique"  # Melodi DS_RP_SERIE_HISTORIQUE
RP_MENAGES = "rp_menages"  # Melodi DS_RP_MENAGES_PRINC


def census_periods(fig: Figures) -> tuple[str, str] | None:
    """The two census years of the comparateur's population (e.g. 2013 and 2018), read from data."""
    frame = fig.table(COMPARATEUR)
    if frame is None:
        return None
    years = sorted(frame.loc[(frame["variable"] == "pop") & frame["period"].str.fullmatch(r"\d{4}"), "period"].unique())
    return (years[0], years[-1]) if len(years) >= 2 else None


def latest_legal_year(fig: Figures) -> str | None:
    frame = fig.table(LEGAL)
    if frame is None:
        return None
    years = frame.loc[frame["variable"] == "pmun", "period"]
    return max(years) if len(years) else None


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
                "population_legale", "Population municipale légale", LEGAL, "pmun", legal_year, "habitants"
            )
        )
    periods = census_periods(fig)
    if periods is None:
        return indicators
    start, end = periods
    years = int(end) - int(start)
    span = f"{start}-{end}"
    indicators.append(fig.count_indicator("population_rp", "Population (recensement)", COMPARATEUR, "pop", end, "habitants"))

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
            "variation_population_annuelle",
            f"Variation annuelle moyenne de la population {start}-{end}",
            COMPARATEUR, span, "%", "rate", growth, decimals=2, vintage_of="pop",
        ),
        fig.derived_indicator(
            "variation_solde_naturel",
            "Variation annuelle due au solde naturel (naissances − décès)",
            COMPARATEUR, span, "%", "rate", natural_rate, decimals=2, vintage_of="pop",
            note="Solde naturel de la période rapporté à la population moyenne (moyenne des deux recensements), par an.",
        ),
        fig.derived_indicator(
            "variation_solde_migratoire",
            "Variation annuelle due au solde apparent des entrées et sorties",
            COMPARATEUR, span, "%", "rate", migration_rate, decimals=2, vintage_of="pop",
            note="Différence entre la variation totale et la part due au solde naturel (définition INSEE du solde apparent).",
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
                note="Population totale rapportée au nombre de ménages : inclut les personnes hors ménage "
                "(internats, maisons de retraite), un peu au-dessus de la taille moyenne des ménages de l'INSEE.",
            )
        )
    if fig.has(RP2021):
        indicators.append(
            fig.count_indicator(
                "menages_2021", "Ménages", RP2021, "menages", "2021", "ménages", compare=False,
            )
        )
    return indicators


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


def age_indicators(fig: Figures) -> tuple[str, list[Indicator]] | None:
    """(census year, shares by age bracket and the ageing index), each with its comparisons."""
    brackets = census_age_brackets(fig)
    if brackets is not None:
        period, codes = brackets
        out = [
            fig.rate_indicator(f"part_age_{code}", f"Part des {age_label(code)[0].lower()}{age_label(code)[1:]}",
                               RP_POPULATION, f"pop_T_{code}", "pop", period)
            for code in codes
        ]
        young = next((c for c in codes if age_interval(c) == (0, 20)), None)
        old = next((c for c in codes if age_interval(c) == (65, None)), None)
        if young and old:
            out.append(fig.rate_indicator(
                "indice_vieillissement", "Indice de vieillissement (65 ans ou plus pour 100 moins de 20 ans)",
                RP_POPULATION, f"pop_T_{old}", f"pop_T_{young}", period, unit="", kind="ratio", decimals=0,
            ))
        return period, out
    if not fig.has(RP2021_IRIS):
        return None
    out = []
    for variable, label in (("pop_0_19", "Part des moins de 20 ans"), ("pop_20_64", "Part des 20-64 ans"),
                            ("pop_65_plus", "Part des 65 ans ou plus")):
        out.append(
            fig.rate_indicator(
                f"part_{variable}", label, RP2021_IRIS, variable, "pop", "2021", compare=False,
            )
        )
    out.append(fig.rate_indicator(
        "indice_vieillissement", "Indice de vieillissement (65 ans ou plus pour 100 moins de 20 ans)",
        RP2021_IRIS, "pop_65_plus", "pop_0_19", "2021", unit="", kind="ratio", decimals=0, compare=False,
    ))
    return "2021", out


# -- age pyramid by sex (DS_RP_POPULATION_PRINC) ----------------------------------------------

# CL_SEXE: M (men), F (women), _T (total; kept apart by the selection `pop_T_{AGE}`).
PYRAMID_SEXES = ("M", "F")
PYRAMID_UNAVAILABLE = (
    "Pyramide des âges par sexe : non disponible dans les données lues (elle vient du jeu INSEE "
    "DS_RP_POPULATION_PRINC, par sexe et tranche d'âge, lu en ligne dans l'API Melodi)."
)


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
        return PYRAMID_UNAVAILABLE
    rows = frame[frame["geo_level"] == "COM"]
    pairs = {(p, sa) for p, v in zip(rows["period"], rows["variable"], strict=True) if (sa := _sex_and_age(v))}
    if not pairs:
        return PYRAMID_UNAVAILABLE
    period = max(p for p, _ in pairs)
    latest = {sa for p, sa in pairs if p == period}
    sexes = {sex for sex, _ in latest}
    if sexes != set(PYRAMID_SEXES):
        return (
            f"Pyramide des âges par sexe : non tracée, les codes de sexe lus dans DS_RP_POPULATION_PRINC "
            f"({', '.join(sorted(sexes))}) ne sont pas ceux attendus (M et F, liste CL_SEXE)."
        )
    common = set.intersection(*({age for sex, age in latest if sex == s} for s in PYRAMID_SEXES))
    ages = finest_partition(common)
    if len(ages) < 2:
        return (
            f"Pyramide des âges par sexe : non tracée, les tranches d'âge publiées par sexe au recensement "
            f"{period} ne couvrent pas tous les âges sans chevauchement."
        )
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
        return None, "population nulle"
    return {sex: [v / population * 100 for v in values] for sex, values in counts.items()}, None


def pyramid_chart(fig: Figures) -> Chart | Note:
    """The age pyramid of the territory against France (or its département), or the note saying
    why it is not drawn."""
    brackets = pyramid_brackets(fig)
    if isinstance(brackets, str):
        return Note(brackets, tone="limit")
    period, ages = brackets
    own, reason = pyramid_shares(lambda v, p: fig.territory_total(RP_POPULATION, v, p), period, ages)
    if own is None:
        return Note(f"Pyramide des âges par sexe ({period}) : non tracée pour le territoire ({reason}).", tone="limit")
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
        compared = f"trait : {comparison[0].name}"
    else:
        compared = "ni la France ni le département n'ont toutes leurs tranches dans les données lues"
    return Chart(
        id="pyramide_ages",
        title=f"Pyramide des âges, recensement {period} (part de la population totale, %)",
        chart="pyramid",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(RP_POPULATION, "pop", period),
        note=f"Barres : {fig.territory.name} ; {compared}. Chaque tranche d'âge et de sexe rapportée à la "
        "population de son territoire (somme des communes pour le territoire).",
    )


# -- population change per intercensal period (DS_RP_SERIE_HISTORIQUE) -------------------------

# Births and deaths are counted over each intercensal period. Their TIME_PERIOD is read either as
# an explicit span ("2013-2018") or, when it is one year, as the census that closes the period
# (a public script reading DS_RP_SERIE_HISTORIQUE takes BRTH/DEATH at TIME_PERIOD 2023 as the
# 2017-2023 count: a third-party reading, no recorded body confirms it).
_SPAN = re.compile(r"(\d{4})-(\d{4})")


def census_years(fig: Figures) -> list[str]:
    """Census years of the territory's population in the historical series, oldest first."""
    frame = fig.table(RP_SERIE)
    if frame is None or frame.empty:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == "pop") & frame["period"].str.fullmatch(r"\d{4}")]
    return sorted(rows["period"].unique())


def period_keys(fig: Figures, variable: str, years: list[str]) -> dict[tuple[str, str], str]:
    """(start, end) census years -> the store period of a count made over that period."""
    frame = fig.table(RP_SERIE)
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
        gone = Reading(None, "naissances et décès de la période absents des données lues")
        return growth, gone, gone
    births, deaths = get("naissances_periode", births_key), get("deces_periode", deaths_key)
    if births.value is None or deaths.value is None:
        reason = f"naissances ou décès de la période : {births.missing_reason or deaths.missing_reason}"
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
    for periods, names in by_periods.items():
        whole = all(sorted(names) == sorted(every.get(p, [])) for p in periods)
        parts.append(", ".join(periods) + ("" if whole else f" ({', '.join(names)})"))
    return " ; ".join(parts)


def intercensal_table(fig: Figures) -> Table | None:
    """Change of the population per intercensal period, split into natural and migratory balance,
    for the territory and each comparison level that has both censuses of the period."""
    years = census_years(fig)
    if len(years) < 2:
        return None
    births, deaths = period_keys(fig, "naissances_periode", years), period_keys(fig, "deces_periode", years)
    places: list[tuple[str, Getter]] = [(fig.territory.name, lambda v, p: fig.territory_total(RP_SERIE, v, p))]
    places += [(place.name, lambda v, p, place=place: fig.place_value(RP_SERIE, v, p, place))
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
                change = (Reading(None, a.missing_reason or b.missing_reason or "non publié"),) * 3
            shown.setdefault(span, []).append(name)
            for reason in dict.fromkeys(r.missing_reason for r in change if r.value is None and r.missing_reason):
                periods = reasons.setdefault(reason, {}).setdefault(name, [])
                periods.append(span)
            rows.append((span, name, *(r.value for r in change)))
    notes = [(
        "Variation annuelle moyenne de la population entre deux recensements ; part due au solde naturel "
        "(naissances − décès de la période, rapportés à la population moyenne des deux recensements, par an) ; "
        "part due au solde apparent des entrées et sorties (la différence). Comptes sommés sur les communes, "
        "taux recalculés à partir des sommes."
    )]
    for reason, by_name in reasons.items():
        notes.append(f"n.d. : {reason} ({_grouped(by_name, shown)}).")
    if absent:  # the places are always named here
        notes.append(f"Sans ligne, faute de population aux deux recensements dans les données lues : "
                     f"{_grouped(absent, {})}.")
    return Table(
        title="Évolution de la population par période intercensitaire",
        columns=(
            Column("Période"), Column("Territoire"), Column("Variation annuelle", "rate", decimals=2),
            Column("dont solde naturel", "rate", decimals=2),
            Column("dont solde migratoire apparent", "rate", decimals=2),
        ),
        rows=tuple(rows),
        source=fig.source(RP_SERIE, "pop", f"{years[0]}-{years[-1]}"),
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
        return n, f"{n} personne{'s' if n > 1 else ''}"
    if match := _NOC_AT_LEAST.fullmatch(code):
        n = int(match.group(1))
        return n, f"{n} personnes ou plus"
    return 99, f"taille « {code} »"


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
    size_note = "Population des ménages rapportée au nombre de ménages (définition du recensement)."
    if "pop_menages" in published:
        out.append(fig.rate_indicator(
            "taille_moyenne_menages", "Taille moyenne des ménages", RP_MENAGES, "pop_menages", "menages", period,
            scale=1.0, unit="pers./ménage", kind="ratio", decimals=2, note=size_note,
        ))
    else:
        reason = f"population des ménages {period} absente des données lues (DS_RP_MENAGES_PRINC, DWELLINGS_POPSIZE)"
        out.append(fig.derived_indicator(
            "taille_moyenne_menages", "Taille moyenne des ménages", RP_MENAGES, period, "pers./ménage", "ratio",
            lambda get: Reading(None, reason), decimals=2, note=size_note,
        ))
    sizes = sorted((household_size_label(v.removeprefix("menages_")), v) for v in published
                   if v.startswith("menages_") and v != "menages")
    for (_, label), variable in sizes:
        code = variable.removeprefix("menages_")
        out.append(fig.rate_indicator(f"part_menages_{code}", f"Part des ménages de {label}", RP_MENAGES,
                                      variable, "menages", period))
    note = None if sizes else Note(
        f"Ménages selon leur nombre de personnes (dont les personnes seules) : non disponibles dans les données "
        f"lues pour {period} (jeu INSEE DS_RP_MENAGES_PRINC, dimension NOC, lu en ligne dans l'API Melodi).",
        tone="limit",
    )
    return period, out, note


def population_history_chart(fig: Figures) -> Chart | None:
    """Population of the territory since 1962 (history, then legal populations)."""
    points: dict[str, float | None] = {}
    history = fig.table(HISTORY)
    if history is not None:
        for year in sorted(history.loc[history["geo_level"] == "COM", "period"].unique()):
            variable = "psdc" if int(year) < 2006 else "pmun"
            points[year] = fig.territory_total(HISTORY, variable, year).value
    legal = fig.table(LEGAL)
    if legal is not None:
        for year in sorted(legal.loc[(legal["geo_level"] == "COM") & (legal["variable"] == "pmun"), "period"].unique()):
            points[year] = fig.territory_total(LEGAL, "pmun", year).value
    points = {y: v for y, v in points.items() if v is not None}
    if len(points) < 2:
        return None
    years = sorted(points)
    vintages = []
    if history is not None:
        vintages.append(fig.source(HISTORY).vintage)
    if legal is not None:
        vintages.append(fig.source(LEGAL).vintage)
    return Chart(
        id="population_historique",
        title=f"Population du territoire, {years[0]}-{years[-1]}",
        chart="line",
        series=(Series(fig.territory.name, tuple(years), tuple(points[y] for y in years)),),
        value_kind="count",
        unit="habitants",
        source=SourceRef(
            "+".join(fig.source(t).source_id for t in (HISTORY, LEGAL) if fig.has(t)),
            " ; ".join(vintages),
            "COG 2026 (communes actuelles)",
        ),
        note="1962-1999 : population sans doubles comptes ; depuis 2006 : population municipale "
        "(rupture de série de l'INSEE). Périmètre actuel du territoire à toutes les dates.",
    )


def commune_table(fig: Figures) -> Table | None:
    legal = fig.table(LEGAL)
    if legal is None:
        return None
    years = sorted(legal.loc[(legal["geo_level"] == "COM") & (legal["variable"] == "pmun"), "period"].unique())
    if len(years) < 2:
        return None
    first, last = years[0], years[-1]
    start = fig.commune_values(LEGAL, "pmun", first)
    end = fig.commune_values(LEGAL, "pmun", last)
    names = {c.code: c.name for c in fig.territory.communes}
    span = int(last) - int(first)
    rows = []
    for code in fig.territory.commune_codes:
        a, b = start[code].value, end[code].value
        rows.append((names[code], code, a, b, annual_growth_pct(a, b, span)))
    rows.sort(key=lambda r: -(r[3] or 0))
    return Table(
        title=f"Population municipale légale par commune, {first} et {last}",
        columns=(
            Column("Commune"), Column("Code"), Column(f"PL {first}", "count"), Column(f"PL {last}", "count"),
            Column(f"Variation annuelle {first}-{last}", "rate", decimals=2),
        ),
        rows=tuple(rows),
        source=fig.source(LEGAL, "pmun", f"{first} et {last}"),
    )


def growth_map(fig: Figures) -> CommuneMap | None:
    legal = fig.table(LEGAL)
    if legal is None or len(fig.territory.communes) < 2:
        return None
    years = sorted(legal.loc[(legal["geo_level"] == "COM") & (legal["variable"] == "pmun"), "period"].unique())
    first, last = years[0], years[-1]
    start = fig.commune_values(LEGAL, "pmun", first)
    end = fig.commune_values(LEGAL, "pmun", last)
    values = tuple(
        (code, annual_growth_pct(start[code].value, end[code].value, int(last) - int(first)))
        for code in fig.territory.commune_codes
    )
    return CommuneMap(
        id="carte_variation_population",
        title=f"Variation annuelle moyenne de la population municipale, {first}-{last} (%)",
        values=values,
        value_kind="rate",
        unit="%",
        source=fig.source(LEGAL, "pmun", f"{first} et {last}"),
    )


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
    ages = age_indicators(fig)
    if ages:
        year, indicators = ages
        blocks.append(IndicatorTable(f"Structure par âge (recensement {year})", tuple(indicators)))
        if all(c.value is None for i in indicators for c in i.comparisons):
            blocks.append(
                Note(
                    f"Les parts par âge des départements, régions et de la France au recensement {year} ne figurent "
                    "pas dans les données disponibles : elles sont lues en ligne dans l'API Melodi de l'INSEE "
                    "(DS_RP_POPULATION_PRINC).",
                    tone="limit",
                )
            )
    pyramid = pyramid_chart(fig)
    if ages or isinstance(pyramid, Chart):
        blocks.append(pyramid)
    census_households = census_household_indicators(fig)
    households = household_indicators(fig)
    if census_households:  # the same count from the compilation would repeat it
        households = [i for i in households if not (i.id == "menages_2021" and census_households[0] == "2021")]
    if households:
        blocks.append(IndicatorTable("Ménages", tuple(households)))
    if census_households:
        year, indicators, lacking = census_households
        blocks.append(IndicatorTable(f"Ménages et leur taille (recensement {year})", tuple(indicators)))
        if lacking:
            blocks.append(lacking)
    births = []
    if fig.has(COMPARATEUR):
        births += [
            fig.count_indicator("naissances_2020", "Naissances domiciliées", COMPARATEUR, "naissances", "2020", "naissances"),
            fig.count_indicator("deces_2020", "Décès domiciliés", COMPARATEUR, "deces", "2020", "décès"),
        ]
    if fig.has(RP2021):
        births += [
            fig.count_indicator("naissances_2022", "Naissances domiciliées", RP2021, "naissances", "2022", "naissances", compare=False),
            fig.count_indicator("deces_2022", "Décès domiciliés", RP2021, "deces", "2022", "décès", compare=False),
        ]
    if births:
        blocks.append(IndicatorTable("Naissances et décès (état civil)", tuple(births)))
    table = commune_table(fig)
    if table and len(fig.territory.communes) > 1:
        blocks.append(table)
    growth = growth_map(fig)
    if growth:
        blocks.append(growth)
    if not blocks:
        blocks.append(Note("Aucune donnée démographique disponible pour ce territoire.", tone="gap"))
    return Section(
        id="demographie",
        title="Démographie",
        intro="Combien d'habitants, depuis quand le territoire gagne ou perd des habitants, et pourquoi : "
        "naissances et décès d'un côté, arrivées et départs de l'autre.",
        blocks=tuple(blocks),
    )
