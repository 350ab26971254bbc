"""What the households live on: the median standard of living and the poverty rate (Filosofi).

The territory's own values are those INSEE publishes for it (Melodi's DS_FILOSOFI_CC, for the
EPCI or the commune), else the third-party republication of the sample EPCIs (order in
tables.ANSWERS["revenus_publies"]); never recomputed from the communes. Per commune, the
comparateur's values follow.
"""

from __future__ import annotations

import pandas as pd

from diagterr.aggregate import MEDIAN_NOT_AGGREGABLE
from diagterr.dossier import Column, Comparison, Indicator, IndicatorTable, Table, ValueKind
from diagterr.tables.census import COMPARATEUR, FILOSOFI, RP2022_PTOD_EPCI
from diagterr.texts import say
from diagterr.themes import ptod_epci, series
from diagterr.themes.economie.answers import View, first_answer
from diagterr.themes.figures import Figures

MEDIAN = "Médiane du niveau de vie"
POVERTY = "Taux de pauvreté (seuil à 60 % de la médiane)"


def blocks(fig: Figures) -> list:
    """The territory's values at every Filosofi year, one table (each figure's years together),
    then the communes' (comparateur)."""
    views = {FILOSOFI.name: published_income, RP2022_PTOD_EPCI.name: republished_income}
    return series.merge(first_answer(fig, "revenus_publies", views) + by_commune(fig), _title, family_of=_figure)


def _figure(indicator_id: str) -> str:
    """The median or the poverty rate, whoever publishes it (taux_pauvrete_pct_publie is a poverty rate)."""
    return "mediane_niveau_vie" if indicator_id.startswith("mediane_niveau_vie") else "taux_pauvrete"


def _title(years: list[str], indicators: list[Indicator]) -> str:
    """« Revenus de l'EPCI » when all rows are the third party's, « publiés pour le territoire »
    when INSEE's published value is there, else « Revenus »; then the Filosofi years."""
    ids = [i.id for i in indicators]
    who = "publie" if any(i.endswith("_publie") for i in ids) else "tiers" if all(i.endswith("_tiers") for i in ids) else ""
    return say("economie_habitants.income_title", years=years, who=who)


def by_commune(fig: Figures) -> list:
    """Median and poverty rate: published per commune; never aggregated over communes."""
    year = fig.latest_period(COMPARATEUR, "mediane_niveau_vie")
    if year is None:
        return []
    names = {c.code: c.name for c in fig.territory.communes}
    medians = fig.commune_values(COMPARATEUR, "mediane_niveau_vie", year)
    poverty = fig.commune_values(COMPARATEUR, "taux_pauvrete_pct", year)
    households = fig.commune_values(COMPARATEUR, "menages_fiscaux", year)
    out: list = []
    source = fig.source(COMPARATEUR, "mediane_niveau_vie", year)
    level_missing = say("economie_habitants.income_level_missing")
    comparisons = tuple(
        Comparison(p.level, p.code, p.name, None, level_missing) for p in fig.comparison_places
    )
    if len(fig.territory.communes) == 1:
        code = fig.territory.commune_codes[0]
        out.append(
            IndicatorTable(
                "",  # titled by blocks (series.merge)
                (
                    Indicator("mediane_niveau_vie", MEDIAN, medians[code].value, "€ par an",
                              "median", year, source, comparisons, medians[code].missing_reason),
                    Indicator("taux_pauvrete", POVERTY, poverty[code].value, "%",
                              "rate", year, source, comparisons, poverty[code].missing_reason),
                ),
            )
        )
        return out
    published = republished_epci_income(fig, year)
    if published is not None:
        out.append(published)
    else:
        out.append(
            IndicatorTable(
                "",  # titled by blocks (series.merge)
                (
                    Indicator("mediane_niveau_vie", MEDIAN, None, "€ par an", "median", year,
                              source, comparisons, say("economie_habitants.median_not_aggregable"),
                              note=MEDIAN_NOT_AGGREGABLE),
                    Indicator("taux_pauvrete", POVERTY, None, "%", "rate", year,
                              source, comparisons, say("economie_habitants.poverty_not_aggregable")),
                ),
            )
        )
    rows = tuple(
        (names[c], households[c].value, medians[c].value, poverty[c].value)
        for c in sorted(fig.territory.commune_codes, key=lambda c: names[c])
    )
    secret = sum(1 for c in fig.territory.commune_codes if poverty[c].value is None)
    out.append(
        Table(
            title=f"Niveau de vie par commune (Filosofi {year})",
            columns=(Column("Commune"), Column("Ménages fiscaux", "count"),
                     Column("Médiane du niveau de vie (€)", "median"),
                     Column("Taux de pauvreté", "rate", decimals=0)),
            rows=rows,
            source=source,
            note=say("economie_habitants.income_by_commune_note", secret=secret, communes=len(rows)),
        )
    )
    return out


def published_income(fig: Figures) -> View:
    """Median standard of living and poverty rate as INSEE publishes them for the territory itself
    (the EPCI, or the commune) and its comparison levels: never recomputed from communes."""
    frame = fig.table(FILOSOFI)
    if frame is None or frame.empty:
        return View()
    level = "EPCI" if fig.territory.kind == "epci" else "COM" if fig.territory.kind == "commune" else None
    if level is None:
        return View()
    year = max(frame["period"])
    indicators = []
    specs: tuple[tuple[str, str, str, str, ValueKind], ...] = (
        ("mediane_niveau_vie_publie", "mediane_niveau_vie", MEDIAN, "€ par an", "median"),
        ("taux_pauvrete_pct_publie", "taux_pauvrete_pct", POVERTY, "%", "rate"),
    )
    for indicator_id, variable, label, unit, kind in specs:
        rows = frame[(frame["geo_level"] == level) & (frame["geo_code"] == fig.territory.code)
                     & (frame["variable"] == variable) & (frame["period"] == year)]
        value = None if rows.empty or pd.isna(rows["value"].iloc[0]) else float(rows["value"].iloc[0])
        reason = None
        if value is None:
            reason = say("economie_habitants.published_secret" if not rows.empty else "economie_habitants.published_absent")
        comparisons = []
        for place in fig.comparison_places:
            reading = fig.place_value(FILOSOFI, variable, year, place)
            comparisons.append(Comparison(place.level, place.code, place.name, reading.value, reading.missing_reason))
        indicators.append(Indicator(indicator_id, label, value, unit, kind, year,
                                    fig.source(FILOSOFI, variable, year), tuple(comparisons), reason))
    return View([IndicatorTable("", tuple(indicators))], True)  # titled by blocks


def republished_epci_income(fig: Figures, year: str) -> IndicatorTable | None:
    """The EPCI's own median and poverty rate of the communes' Filosofi year (2019 in the samples),
    as the third party republished INSEE's EPCI values: the communes' medians do not combine, the
    EPCI's published value does exist. Labelled as the 2021 values (republished_income); ids of
    their own, so that page 2 keeps the latest vintage. None for a commune or without the value."""
    indicators = ptod_epci.republished(fig, (
        (f"mediane_niveau_vie_{year}_tiers", "Médiane du niveau de vie de l'EPCI", "mediane_niveau_vie", year,
         "€ par an", "median"),
        (f"taux_pauvrete_{year}_tiers", "Taux de pauvreté de l'EPCI (seuil à 60 % de la médiane)",
         "taux_pauvrete_pct", year, "%", "rate"),
    ))
    if not indicators:
        return None
    return IndicatorTable("", indicators)  # titled by blocks


def republished_income(fig: Figures) -> View:
    """The EPCI's median standard of living and poverty rate (Filosofi 2021), as a third party republished them."""
    indicators = ptod_epci.republished(fig, (
        ("mediane_niveau_vie_tiers", "Médiane du niveau de vie de l'EPCI", "mediane_niveau_vie", "2021", "€ par an",
         "median"),
        ("taux_pauvrete_tiers", "Taux de pauvreté de l'EPCI (seuil à 60 % de la médiane)", "taux_pauvrete_pct", "2021",
         "%", "rate"),
    ))
    if not indicators:
        return View()
    return View([IndicatorTable("", indicators)], True)  # titled by blocks
