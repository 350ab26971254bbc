"""Économie et emploi, the section: the residents' activity and unemployment (census), then the
economy at place of work (`themes.economie`), then the median standard of living and poverty
rate (Filosofi).
"""

from __future__ import annotations

import pandas as pd

from diagterr.aggregate import MEDIAN_NOT_AGGREGABLE, annual_growth_pct, ratio
from diagterr.dossier import (
    Column,
    Comparison,
    Indicator,
    IndicatorTable,
    Section,
    Table,
)
from diagterr.themes import economie
from diagterr.themes.demographie import COMPARATEUR, RP2021, census_periods
from diagterr.themes.figures import Figures, Reading


def activity_indicators(fig: Figures, year: str, start: str) -> list[Indicator]:
    span = int(year) - int(start)

    def job_growth(get) -> Reading:
        a, b = get("emplois", start), get("emplois", year)
        if a.value is None or b.value is None:
            return Reading(None, a.missing_reason or b.missing_reason)
        return Reading(annual_growth_pct(a.value, b.value, span))

    return [
        fig.rate_indicator("taux_activite_15_64", "Taux d'activité des 15-64 ans", COMPARATEUR, "actifs_15_64", "pop_15_64", year),
        fig.rate_indicator(
            "taux_chomage_15_64", "Taux de chômage des 15-64 ans (au sens du recensement)", COMPARATEUR,
            "chomeurs_15_64", "actifs_15_64", year,
        ),
        fig.count_indicator("emplois", "Emplois au lieu de travail", COMPARATEUR, "emplois", year, "emplois"),
        fig.derived_indicator(
            "variation_emplois_annuelle", f"Variation annuelle moyenne de l'emploi {start}-{year}",
            COMPARATEUR, f"{start}-{year}", "%", "rate", job_growth, decimals=2, vintage_of="emplois",
        ),
        fig.rate_indicator("part_emplois_salaries", "Part des emplois salariés", COMPARATEUR, "emplois_salaries", "emplois", year),
        fig.rate_indicator(
            "emplois_pour_100_actifs", "Emplois au lieu de travail pour 100 actifs de 15-64 ans", COMPARATEUR,
            "emplois", "actifs_15_64", year, unit="emplois / 100 actifs", kind="ratio", decimals=0,
            note="Rapporté aux actifs (occupés et chômeurs) résidents : l'indicateur de concentration de l'emploi "
            "de l'INSEE rapporte aux seuls actifs occupés, absents des données hors ligne.",
        ),
    ]


def income(fig: Figures) -> list:
    """Median and poverty rate: published per commune; never aggregated over communes."""
    year = fig.latest_period(COMPARATEUR, "mediane_niveau_vie")
    if year is None:
        return []
    names = {c.code: c.name for c in fig.territory.communes}
    medians = fig.commune_values(COMPARATEUR, "mediane_niveau_vie", year)
    poverty = fig.commune_values(COMPARATEUR, "taux_pauvrete_pct", year)
    households = fig.commune_values(COMPARATEUR, "menages_fiscaux", year)
    blocks: list = []
    source = fig.source(COMPARATEUR, "mediane_niveau_vie", year)
    level_missing = "valeur publiée par l'INSEE pour ce niveau absente des données disponibles"
    comparisons = tuple(
        Comparison(p.level, p.code, p.name, None, level_missing) for p in fig.comparison_places
    )
    if len(fig.territory.communes) == 1:
        code = fig.territory.commune_codes[0]
        blocks.append(
            IndicatorTable(
                f"Revenus (Filosofi {year})",
                (
                    Indicator("mediane_niveau_vie", "Médiane du niveau de vie", medians[code].value, "€ par an",
                              "median", year, source, comparisons, medians[code].missing_reason),
                    Indicator("taux_pauvrete", "Taux de pauvreté (seuil à 60 % de la médiane)", poverty[code].value, "%",
                              "rate", year, source, comparisons, poverty[code].missing_reason),
                ),
            )
        )
    else:
        reason = "médiane non agrégeable : la valeur de l'ensemble n'est connue que si l'INSEE la publie"
        blocks.append(
            IndicatorTable(
                f"Revenus (Filosofi {year})",
                (
                    Indicator("mediane_niveau_vie", "Médiane du niveau de vie", None, "€ par an", "median", year,
                              source, comparisons, reason, note=MEDIAN_NOT_AGGREGABLE),
                    Indicator("taux_pauvrete", "Taux de pauvreté (seuil à 60 % de la médiane)", None, "%", "rate", year,
                              source, comparisons,
                              "non agrégeable : le nombre de personnes pauvres par commune n'est pas publié"),
                ),
            )
        )
        rows = tuple(
            (names[c], households[c].value, medians[c].value, poverty[c].value)
            for c in sorted(fig.territory.commune_codes, key=lambda c: names[c])
        )
        secret = sum(1 for c in fig.territory.commune_codes if poverty[c].value is None)
        blocks.append(
            Table(
                title=f"Niveau de vie par commune (Filosofi {year})",
                columns=(Column("Commune"), Column("Ménages fiscaux", "count"),
                         Column("Médiane du niveau de vie (€)", "median"), Column("Taux de pauvreté", "rate", decimals=0)),
                rows=rows,
                source=source,
                note=(
                    f"n.d. : valeur non diffusée par l'INSEE (secret statistique des petites communes) — "
                    f"{secret} commune(s) sur {len(rows)} pour le taux de pauvreté. "
                    "Les médianes communales ne se combinent pas en une médiane du territoire."
                ),
            )
        )
    return blocks


def analyse(fig: Figures) -> Section:
    blocks: list = []
    year = fig.latest_period(COMPARATEUR, "emplois")
    periods = census_periods(fig)
    if year and periods:
        blocks.append(IndicatorTable(f"Activité et emploi (recensement {year})", tuple(activity_indicators(fig, year, periods[0]))))
    if fig.has(RP2021):
        blocks.append(
            IndicatorTable(
                "Chômage au recensement 2021",
                (fig.rate_indicator("taux_chomage_15_64_2021", "Taux de chômage des 15-64 ans (au sens du recensement)",
                                    RP2021, "chomeurs_15_64", "actifs_15_64", "2021", compare=False),),
            )
        )
    residents = resident_activity(fig)
    if residents is not None:
        blocks.append(residents)
    blocks.extend(economie.blocks(fig))
    published = published_income(fig)
    if published is not None:
        blocks.append(published)
    blocks.extend(income(fig))
    return Section(
        id="emploi_revenus",
        title="Économie et emploi",
        intro="De quoi vit le territoire : qui y travaille, combien d'emplois il offre et comment ils évoluent, "
        "dans quels secteurs, quelle place tient le tourisme, et de quoi vivent ses ménages.",
        blocks=tuple(blocks),
    )


RESIDENTS = "rp_emploi_residents"  # Melodi DS_RP_EMPLOI_LR_PRINC (sources.melodi_census)
FILOSOFI = "filosofi"  # Melodi DS_FILOSOFI_CC, with the EPCI's own published value


def resident_activity(fig: Figures) -> IndicatorTable | None:
    """Activity and unemployment of the residents aged 15-64 from Melodi's latest census."""
    year = fig.latest_period(RESIDENTS, "pop_15_64")
    if year is None:
        return None

    def active(get) -> Reading:
        in_work, unemployed = get("actifs_occupes_15_64", year), get("chomeurs_15_64", year)
        if in_work.value is None or unemployed.value is None:
            return Reading(None, in_work.missing_reason or unemployed.missing_reason)
        return Reading(in_work.value + unemployed.value)

    def activity_rate(get) -> Reading:
        total, population = active(get), get("pop_15_64", year)
        if total.value is None or population.value is None:
            return Reading(None, total.missing_reason or population.missing_reason)
        return Reading(ratio(total.value, population.value, 100))

    def unemployment_rate(get) -> Reading:
        total, unemployed = active(get), get("chomeurs_15_64", year)
        if total.value is None or unemployed.value is None:
            return Reading(None, total.missing_reason or unemployed.missing_reason)
        return Reading(ratio(unemployed.value, total.value, 100))

    return IndicatorTable(
        f"Actifs résidents de 15 à 64 ans (recensement {year})",
        (
            fig.derived_indicator("actifs_15_64_rp", "Actifs de 15-64 ans (en emploi ou au chômage)", RESIDENTS, year,
                                  "actifs", "count", active, vintage_of="pop_15_64"),
            fig.derived_indicator("taux_activite_15_64_rp", "Taux d'activité des 15-64 ans", RESIDENTS, year, "%", "rate",
                                  activity_rate, vintage_of="pop_15_64"),
            fig.derived_indicator("taux_chomage_15_64_rp", "Taux de chômage des 15-64 ans (au sens du recensement)",
                                  RESIDENTS, year, "%", "rate", unemployment_rate, vintage_of="pop_15_64"),
        ),
    )


def published_income(fig: Figures) -> IndicatorTable | None:
    """Median standard of living and poverty rate as INSEE publishes them for the territory itself
    (the EPCI, or the commune) and its comparison levels: never recomputed from communes."""
    frame = fig.table(FILOSOFI)
    if frame is None or frame.empty:
        return None
    level = "EPCI" if fig.territory.kind == "epci" else "COM" if fig.territory.kind == "commune" else None
    if level is None:
        return None
    year = max(frame["period"])
    indicators = []
    for variable, label, unit, kind in (
        ("mediane_niveau_vie", "Médiane du niveau de vie", "€ par an", "median"),
        ("taux_pauvrete_pct", "Taux de pauvreté (seuil à 60 % de la médiane)", "%", "rate"),
    ):
        rows = frame[(frame["geo_level"] == level) & (frame["geo_code"] == fig.territory.code)
                     & (frame["variable"] == variable) & (frame["period"] == year)]
        value = None if rows.empty or pd.isna(rows["value"].iloc[0]) else float(rows["value"].iloc[0])
        reason = None
        if value is None:
            reason = ("non publié par l'INSEE pour ce territoire (secret statistique ou absent de la réponse)"
                      if not rows.empty else "valeur du territoire absente de la réponse de l'INSEE")
        comparisons = []
        for place in fig.comparison_places:
            reading = fig.place_value(FILOSOFI, variable, year, place)
            comparisons.append(Comparison(place.level, place.code, place.name, reading.value, reading.missing_reason))
        indicators.append(Indicator(f"{variable}_publie", label, value, unit, kind, year,
                                    fig.source(FILOSOFI, variable, year), tuple(comparisons), reason))
    return IndicatorTable(f"Revenus publiés pour le territoire (Filosofi {year})", tuple(indicators))
