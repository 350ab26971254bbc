"""What the residents do: their activity and unemployment at the census (the comparateur's two
censuses, the samples' RP 2021, Melodi's latest census) and their socio-professional categories.

Online, the categories come from Melodi's DS_RP_POPULATION_COMP; shares are recomputed from
summed counts, for the territory and each comparison level.
"""

from __future__ import annotations

from diagterr.aggregate import annual_growth_pct, ratio
from diagterr.dossier import Chart, Indicator, IndicatorTable, Note, Series
from diagterr.tables.census import COMPARATEUR, PCS_LABELS, RP2021_COMPILATION, RP_EMPLOI_RESIDENTS, RP_POPULATION_PCS
from diagterr.texts import say
from diagterr.themes import series
from diagterr.themes.demographie import census_periods
from diagterr.themes.economie.melodi_figures import melodi_gap
from diagterr.themes.figures import Figures, Getter, Reading

PCS_DATASET = "DS_RP_POPULATION_COMP"
CATEGORIES = "Catégories socioprofessionnelles des habitants de 15 ans ou plus"


def activity_indicators(fig: Figures, year: str, start: str) -> list[Indicator]:
    """Activity, unemployment and jobs of the comparateur (its two censuses)."""
    span = int(year) - int(start)

    def job_growth(get: Getter) -> Reading:
        a, b = get("emplois", start), get("emplois", year)
        if a.value is None or b.value is None:
            return Reading(None, a.missing_reason or b.missing_reason)
        return Reading(annual_growth_pct(a.value, b.value, span))

    return [
        fig.rate_indicator("taux_activite_15_64", "Taux d'activité des 15-64 ans", COMPARATEUR, "actifs_15_64",
                           "pop_15_64", year),
        fig.rate_indicator(
            "taux_chomage_15_64", "Taux de chômage des 15-64 ans (au sens du recensement)", COMPARATEUR,
            "chomeurs_15_64", "actifs_15_64", year,
        ),
        fig.count_indicator("emplois", "Emplois au lieu de travail", COMPARATEUR, "emplois", year, "emplois"),
        fig.derived_indicator(
            "variation_emplois_annuelle", f"Variation annuelle moyenne de l'emploi {start}-{year}",
            COMPARATEUR, f"{start}-{year}", "%", "rate", job_growth, decimals=2, vintage_of="emplois",
        ),
        fig.rate_indicator("part_emplois_salaries", "Part des emplois salariés", COMPARATEUR, "emplois_salaries",
                           "emplois", year),
        jobs_per_100_workers(fig, year),
    ]


def jobs_per_100_workers(fig: Figures, year: str) -> Indicator:
    """Jobs at place of work for 100 residents in work aged 15-64 (active minus unemployed).

    INSEE's concentration index divides by the residents in work aged 15 or more; the comparateur
    gives the active and the unemployed aged 15-64, so this is the closest figure it allows. Each
    level's counts are summed first, then the ratio is taken; a secret count leaves it missing.
    """

    def compute(get: Getter) -> Reading:
        jobs, active, unemployed = get("emplois", year), get("actifs_15_64", year), get("chomeurs_15_64", year)
        if jobs.value is None or active.value is None or unemployed.value is None:
            return Reading(None, jobs.missing_reason or active.missing_reason or unemployed.missing_reason)
        return Reading(ratio(jobs.value, active.value - unemployed.value, 100),
                       note=jobs.note or active.note or unemployed.note)

    return fig.derived_indicator(
        "emplois_pour_100_actifs", "Emplois pour 100 actifs occupés de 15-64 ans", COMPARATEUR, year,
        "emplois / 100 actifs occupés", "ratio", compute, decimals=0, vintage_of="emplois",
        note=say("economie_habitants.jobs_per_100_workers_note"),
    )


# The rows of the activity table, in this order (themes/series.py: each figure's vintages together).
ACTIVITY_ORDER = ("actifs_15_64", "taux_activite_15_64", "taux_chomage_15_64")


def activity_blocks(fig: Figures) -> list:
    """Activity and unemployment at every census the store holds, one table: the comparateur's
    latest census, unemployment in 2021 (samples), Melodi's census; each figure's vintages together."""
    blocks: list = []
    year = fig.latest_period(COMPARATEUR, "emplois")
    periods = census_periods(fig)
    if year and periods:
        blocks.append(IndicatorTable("", tuple(activity_indicators(fig, year, periods[0]))))
    if fig.has(RP2021_COMPILATION):
        blocks.append(
            IndicatorTable(
                "",
                (fig.rate_indicator("taux_chomage_15_64_2021", "Taux de chômage des 15-64 ans (au sens du recensement)",
                                    RP2021_COMPILATION, "chomeurs_15_64", "actifs_15_64", "2021", compare=False),),
            )
        )
    residents = resident_activity(fig)
    if residents is not None:
        blocks.append(residents)
    return series.merge(blocks, lambda years, _: say("economie_habitants.activity_title", years=years),
                        ACTIVITY_ORDER)


def resident_activity(fig: Figures) -> IndicatorTable | None:
    """Activity and unemployment of the residents aged 15-64 from Melodi's latest census."""
    year = fig.latest_period(RP_EMPLOI_RESIDENTS, "pop_15_64")
    if year is None:
        return None

    def active(get: Getter) -> Reading:
        in_work, unemployed = get("actifs_occupes_15_64", year), get("chomeurs_15_64", year)
        if in_work.value is None or unemployed.value is None:
            return Reading(None, in_work.missing_reason or unemployed.missing_reason)
        return Reading(in_work.value + unemployed.value)

    def activity_rate(get: Getter) -> Reading:
        total, population = active(get), get("pop_15_64", year)
        if total.value is None or population.value is None:
            return Reading(None, total.missing_reason or population.missing_reason)
        return Reading(ratio(total.value, population.value, 100))

    def unemployment_rate(get: Getter) -> Reading:
        total, unemployed = active(get), get("chomeurs_15_64", year)
        if total.value is None or unemployed.value is None:
            return Reading(None, total.missing_reason or unemployed.missing_reason)
        return Reading(ratio(unemployed.value, total.value, 100))

    return IndicatorTable(
        "",  # shown in the activity table (activity_blocks)
        (
            fig.derived_indicator("actifs_15_64_rp", "Actifs de 15-64 ans (en emploi ou au chômage)",
                                  RP_EMPLOI_RESIDENTS, year, "actifs", "count", active, vintage_of="pop_15_64"),
            fig.derived_indicator("taux_activite_15_64_rp", "Taux d'activité des 15-64 ans", RP_EMPLOI_RESIDENTS, year,
                                  "%", "rate", activity_rate, vintage_of="pop_15_64"),
            fig.derived_indicator("taux_chomage_15_64_rp", "Taux de chômage des 15-64 ans (au sens du recensement)",
                                  RP_EMPLOI_RESIDENTS, year, "%", "rate", unemployment_rate, vintage_of="pop_15_64"),
        ),
    )


def pcs_label(code: str) -> str:
    return PCS_LABELS.get(code) or say("economie_habitants.pcs_unknown", code=code)


def socio_professional(fig: Figures) -> list:
    """Residents aged 15 or more by socio-professional category: shares with comparisons."""
    year = fig.latest_period(RP_POPULATION_PCS, "pop_15_plus")
    if year is None:
        return [melodi_gap(fig, RP_POPULATION_PCS, PCS_DATASET, CATEGORIES, say("lacunes.economie_pcs"))]
    frame = fig.table(RP_POPULATION_PCS)
    assert frame is not None  # it has a period
    rows = frame[(frame["geo_level"] == "COM") & (frame["period"] == year)
                 & frame["variable"].str.startswith("pop_15_plus_pcs_")]
    codes = sorted({v.removeprefix("pop_15_plus_pcs_") for v in rows["variable"]})
    if not codes:
        return [Note(say("lacunes.economie_pcs"), tone="gap", source_id=RP_POPULATION_PCS.source_id, remedy="unpublished",
                     detail=say("economie_habitants.pcs_none", what=CATEGORIES, dataset=PCS_DATASET, year=year))]
    indicators = tuple(
        fig.rate_indicator(f"part_pcs_{code}", pcs_label(code), RP_POPULATION_PCS, f"pop_15_plus_pcs_{code}",
                           "pop_15_plus", year)
        for code in codes
    )
    labels = tuple(pcs_label(code) for code in codes)
    places = (fig.territory.name, *(p.name for p in fig.comparison_places))
    return [
        IndicatorTable(f"{CATEGORIES} (recensement {year}, % des 15 ans ou plus)", indicators),
        Chart(
            id="categories_socioprofessionnelles",
            title=f"{CATEGORIES}, recensement {year} (%)",
            chart="hbar",
            series=tuple(
                Series(name, labels, tuple(i.value if n == 0 else i.comparisons[n - 1].value for i in indicators))
                for n, name in enumerate(places)
            ),
            value_kind="rate",
            unit="%",
            source=fig.source(RP_POPULATION_PCS, "pop_15_plus", year),
            note=say("economie_habitants.pcs_note"),
        ),
    ]
