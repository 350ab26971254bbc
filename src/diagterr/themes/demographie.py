"""Démographie: legal populations over time, census population, natural and migratory balance,
age structure, households."""

from __future__ import annotations

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
from diagterr.themes.census_ages import age_interval, age_label, finest_partition
from diagterr.themes.figures import Figures, Reading

COMPARATEUR = "insee_comparateur"
LEGAL = "populations_legales"
HISTORY = "population_historique"
RP2021_IRIS = "rp2021_iris"
RP2021 = "rp2021_compilation"
RP_POPULATION = "rp_population"  # Melodi DS_RP_POPULATION_PRINC (sources.melodi_census)


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
        mean_population = (a.value + b.value) / 2
        return Reading((births.value - deaths.value) / (mean_population * years) * 100, note=a.note)

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


def sex_note(fig: Figures) -> Note | None:
    """Says whether the age pyramid by sex could be drawn, and why not."""
    frame = fig.table(RP_POPULATION)
    if frame is not None and frame["variable"].str.match(r"pop_[MF]_").any():
        return None
    return Note(
        "Pyramide des âges par sexe : non disponible dans les données lues (elle vient du jeu INSEE "
        "DS_RP_POPULATION_PRINC, par sexe et tranche d'âge, lu en ligne dans l'API Melodi).",
        tone="limit",
    )


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
        note = sex_note(fig)
        if note:
            blocks.append(note)
    households = household_indicators(fig)
    if households:
        blocks.append(IndicatorTable("Ménages", tuple(households)))
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
