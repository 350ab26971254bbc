"""Mobilités: how the residents in work go to work (mode of transport) and whether they work in
their commune of residence (census, Melodi DS_RP_NAVETTES_PRINC).

Shares are recomputed from summed counts (commuters by mode / residents in work), for the
territory and each comparison level. Offline, or when Melodi answers without any figure, the
section says so and names the dataset that fills it.
"""

from __future__ import annotations

from diagterr.dossier import IndicatorTable, Note, Section
from diagterr.tables.census import RP_NAVETTES
from diagterr.texts import say
from diagterr.themes.figures import Figures

DATASET = "DS_RP_NAVETTES_PRINC"
IN_WORK = "actifs_occupes"


def _prefixed(fig: Figures, prefix: str, period: str) -> list[str]:
    frame = fig.table(RP_NAVETTES)
    if frame is None:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["period"] == period) & frame["variable"].str.startswith(prefix)]
    return sorted(set(rows["variable"]))


def analyse(fig: Figures) -> Section:
    blocks: list = []
    frame = fig.table(RP_NAVETTES)
    manifest = fig.store.manifest(RP_NAVETTES.name)
    if frame is None or frame.empty:
        stored = fig.store.read(RP_NAVETTES.name) if manifest is not None else None
        answered_empty = stored is not None and stored.empty
        blocks.append(Note(say("lacunes.mobilites_commutes"), tone="gap", source_id=RP_NAVETTES.source_id,
                           detail=say("mobilites.unavailable", dataset=DATASET, answered_empty=answered_empty,
                                      retrieved_at=manifest.retrieved_at if manifest is not None else None),
                           remedy="unpublished" if answered_empty else "online"))
    else:
        period = fig.latest_period(RP_NAVETTES, IN_WORK) or max(frame["period"])
        modes = []
        for variable in _prefixed(fig, "navetteurs_mode_", period):
            code = variable.rsplit("_", 1)[1]
            mode = RP_NAVETTES.labels.get(code) or say("mobilites.mode_raw", code=code)
            modes.append(fig.rate_indicator(f"part_{variable}", say("mobilites.label_mode", mode=mode),
                                            RP_NAVETTES, variable, IN_WORK, period))
        if modes:
            blocks.append(IndicatorTable(say("mobilites.modes_title", period=period), tuple(modes)))
        places = [
            fig.rate_indicator(f"part_{v}", say("mobilites.label_place", code=v.rsplit("_", 1)[1]),
                               RP_NAVETTES, v, IN_WORK, period)
            for v in _prefixed(fig, "navetteurs_lieu_", period)
        ]
        if places:
            blocks.append(IndicatorTable(say("mobilites.places_title", period=period), tuple(places)))
        if not blocks:
            blocks.append(Note(say("lacunes.mobilites_commutes"), tone="gap", source_id=RP_NAVETTES.source_id,
                               detail=say("mobilites.no_breakdown", dataset=DATASET), remedy="unpublished"))
    return Section(
        id="mobilites",
        title="Mobilités",
        intro=say("mobilites.intro"),
        blocks=tuple(blocks),
    )
