"""The EPCI's census 2022 housing shares and Filosofi values as a third party republished them.

The samples' table `rp2022_ptod_epci` (scripts/build_samples.py, ptod-observatoire-territorial)
gives, for the four sample EPCIs only, shares computed by the repository's author from INSEE's
RP 2022 and the EPCI's Filosofi values. They are newer than the comparateur (RP 2018, Filosofi
2019 by commune) and the only EPCI-level median the samples have. They are shown only where the
INSEE data read online (Melodi) does not give the same figure (tables.census.ANSWERS), labelled
as a republication, with no comparison: the file's France row is not traceable and it has no
département or région. Habitat shows the housing shares as rows of its stock table, after the
censuses of the same shares (themes/series.py); Économie et emploi the income (themes/economie/income.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from diagterr.dossier import Indicator, IndicatorTable, ValueKind
from diagterr.tables.census import RP2022_PTOD_EPCI
from diagterr.themes.figures import Figures

# (indicator id, label, variable, period, unit, kind)
Republished = tuple[str, str, str, str, str, ValueKind]


def _value(fig: Figures, variable: str, period: str) -> float | None:
    frame = fig.table(RP2022_PTOD_EPCI)
    if frame is None or fig.territory.kind != "epci":
        return None
    rows = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code)
                 & (frame["variable"] == variable) & (frame["period"] == period)]
    return None if rows.empty or rows["value"].isna().all() else float(rows["value"].iloc[0])


def republished(fig: Figures, specs: Iterable[Republished]) -> tuple[Indicator, ...]:
    """The EPCI's republished values of `specs` (an EPCI dossier only; none for a commune)."""
    out = []
    for indicator_id, label, variable, period, unit, kind in specs:
        value = _value(fig, variable, period)
        if value is not None:
            out.append(Indicator(indicator_id, label, value, unit, kind, period,
                                 fig.source(RP2022_PTOD_EPCI, variable, period)))
    return tuple(out)


def housing_block(fig: Figures) -> IndicatorTable | None:
    """Vacancy, secondary homes, owners and tenants of the EPCI at the 2022 census (untitled: Habitat
    merges them into its stock table)."""
    indicators = republished(fig, (
        ("part_logements_vacants_2022_tiers", "Part des logements vacants", "part_logements_vacants_pct", "2022", "%",
         "rate"),
        ("part_residences_secondaires_2022_tiers", "Part des résidences secondaires et logements occasionnels",
         "part_residences_secondaires_pct", "2022", "%", "rate"),
        ("part_proprietaires_2022_tiers", "Part des résidences principales occupées par leur propriétaire",
         "part_proprietaires_pct", "2022", "%", "rate"),
        ("part_locataires_2022_tiers", "Part des résidences principales occupées par des locataires",
         "part_locataires_pct", "2022", "%", "rate"),
    ))
    if not indicators:
        return None
    return IndicatorTable("", indicators)  # Habitat shows them in its stock table (themes/series.py)
