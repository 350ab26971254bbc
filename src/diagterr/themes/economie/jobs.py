"""Jobs at the place of work at Melodi's latest census (DS_RP_EMPLOI_LT_PRINC) and INSEE's
concentration index: jobs for 100 residents in work aged 15 or more (DS_RP_NAVETTES_PRINC, the
index's denominator), recomputed from summed counts for the territory and each comparison level.
"""

from __future__ import annotations

from diagterr.aggregate import ratio
from diagterr.dossier import IndicatorTable
from diagterr.tables.census import RP_EMPLOI_LIEU_TRAVAIL, RP_NAVETTES
from diagterr.texts import say
from diagterr.themes.economie.melodi_figures import melodi_gap
from diagterr.themes.figures import Figures, Getter, Reading

COMMUTES_DATASET = "DS_RP_NAVETTES_PRINC"


def jobs_at_place_of_work(fig: Figures) -> list:
    """Jobs at place of work and INSEE's concentration index, from Melodi's latest census."""
    year = fig.latest_period(RP_EMPLOI_LIEU_TRAVAIL, "emplois")
    if year is None:
        return []

    commutes = fig.table(RP_NAVETTES)
    commutes_gap = None
    if commutes is None or commutes.empty:
        what = say("economie_habitants.residents_in_work")
        commutes_gap = (melodi_gap(fig, RP_NAVETTES, COMMUTES_DATASET, what).detail or what).rstrip(".")

    def concentration(get: Getter) -> Reading:
        jobs, in_work = get("emplois", year), get("actifs_occupes", year, RP_NAVETTES)
        if jobs.value is None:
            return Reading(None, jobs.missing_reason)
        if in_work.value is None:
            return Reading(None, commutes_gap or say("economie_habitants.residents_in_work_missing",
                                                     reason=in_work.missing_reason or say("figures.unpublished")))
        return Reading(ratio(jobs.value, in_work.value, 100))

    return [
        IndicatorTable(
            f"Emplois au lieu de travail (recensement {year})",
            (
                fig.count_indicator("emplois_rp", "Emplois au lieu de travail", RP_EMPLOI_LIEU_TRAVAIL, "emplois", year,
                                    "emplois"),
                fig.derived_indicator(
                    "concentration_emploi", "Indicateur de concentration d'emploi (emplois pour 100 actifs occupés "
                    "résidents)", RP_EMPLOI_LIEU_TRAVAIL, year, "emplois / 100 actifs occupés", "ratio", concentration,
                    decimals=0, vintage_of="emplois", note=say("economie_habitants.concentration_note"),
                ),
            ),
        )
    ]
