"""Économie et emploi, the section: the residents' activity and unemployment (census), jobs at
place of work and the concentration index, the residents' socio-professional categories, then
the economy at place of work (`themes.economie`), then the median standard of living and poverty
rate (Filosofi).

Online, the census comes from Melodi: jobs at place of work (DS_RP_EMPLOI_LT_PRINC), residents
in work aged 15 or more (DS_RP_NAVETTES_PRINC, the denominator of INSEE's concentration index),
the population aged 15 or more by PCS (DS_RP_POPULATION_COMP). Shares and the index are
recomputed from summed counts, for the territory and each comparison level.
"""

from __future__ import annotations

import pandas as pd

from diagterr.aggregate import MEDIAN_NOT_AGGREGABLE, annual_growth_pct, ratio
from diagterr.dossier import (
    Chart,
    Column,
    Comparison,
    Indicator,
    IndicatorTable,
    Note,
    Section,
    Series,
    Table,
)
from diagterr.themes import economie, ptod_epci
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
    blocks.extend(jobs_at_place_of_work(fig))
    categories = socio_professional(fig)
    read_online = fig.table(PCS) is not None
    if read_online:
        blocks.extend(categories)
    blocks.extend(economie.blocks(fig))
    published = published_income(fig)
    if published is not None:
        blocks.append(published)
    else:
        republished = ptod_epci.income_block(fig)
        if republished is not None:
            blocks.append(republished)
    blocks.extend(income(fig))
    if not read_online:  # offline: said after what the samples give
        blocks.extend(categories)
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


JOBS = "rp_emploi_lieu_travail"  # Melodi DS_RP_EMPLOI_LT_PRINC
COMMUTES = "rp_navettes"  # Melodi DS_RP_NAVETTES_PRINC: residents in work aged 15 or more
PCS = "rp_population_pcs"  # Melodi DS_RP_POPULATION_COMP
PCS_DATASET = "DS_RP_POPULATION_COMP"
CONCENTRATION_NOTE = (
    "Indicateur de concentration d'emploi de l'INSEE : emplois au lieu de travail pour 100 actifs ayant un "
    "emploi qui résident dans le territoire. Les actifs occupés sont ceux de 15 ans ou plus du fichier des "
    "déplacements domicile-travail (DS_RP_NAVETTES_PRINC), du même recensement que les emplois. Au-dessus de "
    "100, le territoire offre plus d'emplois qu'il n'a d'actifs occupés résidents."
)
# PCS codes (sources.melodi_census: two independent public scripts; INSEE's code list not read).
PCS_LABELS = {
    "1": "Agriculteurs exploitants",
    "2": "Artisans, commerçants, chefs d'entreprise",
    "3": "Cadres et professions intellectuelles supérieures",
    "4": "Professions intermédiaires",
    "5": "Employés",
    "6": "Ouvriers",
    "7": "Retraités",
    "8": "Autres personnes sans activité professionnelle",
    "9": "Autres personnes sans activité professionnelle",
}


def _melodi_gap(fig: Figures, name: str, dataset: str, what: str) -> Note:
    frame = fig.store.read(name)
    manifest = fig.store.manifest(name)
    if frame is not None and frame.empty and manifest is not None:
        reason = (f"l'API Melodi de l'INSEE a répondu sans aucune observation pour ce territoire ({dataset}, "
                  f"interrogé le {manifest.retrieved_at})")
    elif frame is not None:
        reason = f"aucune valeur pour les communes de ce territoire dans les données lues ({dataset})"
    else:
        reason = f"non disponible hors ligne : ce chiffre vient du recensement de l'INSEE ({dataset}), lu en ligne dans l'API Melodi"
    return Note(f"{what} : {reason}.", tone="gap")


def jobs_at_place_of_work(fig: Figures) -> list:
    """Jobs at place of work and INSEE's concentration index, from Melodi's latest census."""
    year = fig.latest_period(JOBS, "emplois")
    if year is None:
        return []

    commutes = fig.table(COMMUTES)
    commutes_gap = None
    if commutes is None or commutes.empty:
        commutes_gap = _melodi_gap(fig, COMMUTES, "DS_RP_NAVETTES_PRINC", "actifs occupés résidents").text.rstrip(".")

    def concentration(get) -> Reading:
        jobs, in_work = get("emplois", year), get("actifs_occupes", year, COMMUTES)
        if jobs.value is None:
            return Reading(None, jobs.missing_reason)
        if in_work.value is None:
            return Reading(None, commutes_gap or "actifs occupés résidents (DS_RP_NAVETTES_PRINC) : "
                           + (in_work.missing_reason or "non publié"))
        return Reading(ratio(jobs.value, in_work.value, 100))

    return [
        IndicatorTable(
            f"Emplois au lieu de travail (recensement {year})",
            (
                fig.count_indicator("emplois_rp", "Emplois au lieu de travail", JOBS, "emplois", year, "emplois"),
                fig.derived_indicator(
                    "concentration_emploi", "Indicateur de concentration d'emploi (emplois pour 100 actifs occupés "
                    "résidents)", JOBS, year, "emplois / 100 actifs occupés", "ratio", concentration,
                    decimals=0, vintage_of="emplois", note=CONCENTRATION_NOTE,
                ),
            ),
        )
    ]


def pcs_label(code: str) -> str:
    return PCS_LABELS.get(code, f"Catégorie de code INSEE « {code} » (libellé inconnu)")


def socio_professional(fig: Figures) -> list:
    """Residents aged 15 or more by socio-professional category: shares with comparisons."""
    what = "Catégories socioprofessionnelles des habitants de 15 ans ou plus"
    year = fig.latest_period(PCS, "pop_15_plus")
    if year is None:
        return [_melodi_gap(fig, PCS, PCS_DATASET, what)]
    frame = fig.table(PCS)
    rows = frame[(frame["geo_level"] == "COM") & (frame["period"] == year)
                 & frame["variable"].str.startswith("pop_15_plus_pcs_")]
    codes = sorted({v.removeprefix("pop_15_plus_pcs_") for v in rows["variable"]})
    if not codes:
        return [Note(f"{what} : aucune catégorie (dimension PCS) dans la réponse de l'INSEE ({PCS_DATASET}, "
                     f"recensement {year}).", tone="gap")]
    indicators = tuple(
        fig.rate_indicator(f"part_pcs_{code}", pcs_label(code), PCS, f"pop_15_plus_pcs_{code}", "pop_15_plus", year)
        for code in codes
    )
    labels = tuple(pcs_label(code) for code in codes)
    places = (fig.territory.name, *(p.name for p in fig.comparison_places))
    return [
        IndicatorTable(f"{what} (recensement {year}, % des 15 ans ou plus)", indicators),
        Chart(
            id="categories_socioprofessionnelles",
            title=f"{what}, recensement {year} (%)",
            chart="hbar",
            series=tuple(
                Series(name, labels, tuple(i.value if n == 0 else i.comparisons[n - 1].value for i in indicators))
                for n, name in enumerate(places)
            ),
            value_kind="rate",
            unit="%",
            source=fig.source(PCS, "pop_15_plus", year),
            note="Parts recalculées à partir des effectifs sommés. Libellés des codes PCS lus dans deux scripts "
            "publics qui interrogent l'API Melodi (la liste de codes de l'INSEE n'a pas été consultée) ; depuis le "
            "recensement 2022 les autres personnes sans activité professionnelle portent le code 9 (8 auparavant).",
        ),
    ]
