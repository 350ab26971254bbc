"""Natural risks per commune (Géorisques): risks recorded (GASPAR), CatNat recognitions, seismic
zone, radon potential. A commune read without a decree counts zero; a commune not read stays missing."""

from __future__ import annotations

import unicodedata

import pandas as pd

from diagterr.dossier import Block, Chart, Column, CommuneMap, Indicator, IndicatorTable, Note, Series, SourceRef, Table
from diagterr.tables.climate import GEORISQUES
from diagterr.texts import say
from diagterr.themes.figures import Figures

CATNAT_BIN_YEARS = 5


def risk_blocks(fig: Figures) -> list[Block]:
    frame = fig.table(GEORISQUES)
    codes = fig.territory.commune_codes
    read = set() if frame is None else set(frame.loc[frame["jeu"] == "commune", "commune"]) & set(codes)
    if frame is None or not read:
        return [Note(say("lacunes.climat_risks"), tone="gap", source_id=GEORISQUES.source_id,
                     detail=say("climat.risks_offline"))]
    frame = frame[frame["commune"].isin(read)]
    source = fig.source(GEORISQUES)
    names = {c.code: c.name for c in fig.territory.communes}
    catnat = frame[frame["jeu"] == "catnat"]
    counts = catnat.groupby("commune").size()
    per_commune = {c: float(counts.get(c, 0)) if c in read else None for c in codes}
    total = float(counts.sum()) if len(read) == len(codes) else None
    blocks: list[Block] = [
        IndicatorTable(
            say("climat.risks_table_title"),
            (
                Indicator("catnat_reconnaissances", say("climat.label_catnat"), total, "reconnaissances", "count",
                          _catnat_period(catnat), source,
                          missing_reason=None if total is not None else
                          say("climat.catnat_unread", count=len(codes) - len(read))),
                Indicator("communes_lues_georisques", say("climat.label_communes_read"), float(len(read)),
                          "communes", "count", source.vintage, source),
            ),
        )
    ]
    rows = []
    for code in sorted(read, key=lambda c: _sort_key(names.get(c) or c)):
        own = frame[frame["commune"] == code]
        risks = sorted(set(own.loc[own["jeu"] == "risque", "libelle"]))
        zone = own.loc[own["jeu"] == "sismicite", "libelle"]
        radon = own.loc[own["jeu"] == "radon", "code"]
        rows.append(
            (names.get(code, code), ", ".join(risks) or say("climat.risks_none"),
             str(zone.iloc[0]) if len(zone) else None, str(radon.iloc[0]) if len(radon) else None,
             per_commune[code])
        )
    blocks.append(
        Table(
            title=say("climat.risks_by_commune_title"),
            columns=(Column("Commune"), Column("Risques recensés (GASPAR)"), Column("Zone de sismicité"),
                     Column("Potentiel radon (classe 1 à 3)"), Column("Arrêtés CatNat", "count")),
            rows=tuple(rows),
            source=source,
        )
    )
    if not catnat.empty:
        blocks.append(catnat_chart(catnat, source))
    if len(codes) > 1:
        blocks.append(
            CommuneMap(
                id="carte_catnat",
                title=say("climat.catnat_map_title"),
                values=tuple(per_commune.items()),
                value_kind="count",
                unit="reconnaissances",
                source=source,
            )
        )
    if len(read) < len(codes):
        missing = sorted(set(codes) - read)
        unread = [names.get(c, c) for c in missing]
        blocks.append(Note(say("lacunes.climat_risks_communes", communes=unread), tone="gap",
                           source_id=GEORISQUES.source_id, detail=say("climat.risks_unread", missing=unread)))
    return blocks


def catnat_chart(catnat: pd.DataFrame, source: SourceRef) -> Chart:
    """Recognitions by period of CATNAT_BIN_YEARS years of the event's start, one part per hazard."""
    years = catnat["date_debut"].str[:4].astype(int)
    start = int(years.min()) - int(years.min()) % CATNAT_BIN_YEARS
    end = int(years.max())
    bins = [(y, y + CATNAT_BIN_YEARS - 1) for y in range(start, end + 1, CATNAT_BIN_YEARS)]
    labels = tuple(f"{lo}-{hi}" for lo, hi in bins)
    series = []
    for hazard in sorted(set(catnat["libelle"])):
        hazard_years = years[catnat["libelle"] == hazard]
        series.append(
            Series(hazard, labels, tuple(float(((hazard_years >= lo) & (hazard_years <= hi)).sum()) for lo, hi in bins))
        )
    return Chart(
        id="catnat_par_periode",
        title=say("climat.catnat_chart_title", years=CATNAT_BIN_YEARS),
        chart="stacked_bar",
        series=tuple(series),
        value_kind="count",
        unit="reconnaissances",
        source=source,
        note=say("climat.catnat_chart_note"),
    )


def _sort_key(name: str) -> str:
    """Names in dictionary order: "Égliseneuve" among the E, not after the Z."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _catnat_period(catnat: pd.DataFrame) -> str:
    if catnat.empty:
        return "—"
    years = catnat["date_debut"].str[:4]
    return f"{years.min()}-{years.max()}"
