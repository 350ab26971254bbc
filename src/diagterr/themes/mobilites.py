"""Mobilités: how the residents in work go to work (mode of transport) and whether they work in
their commune of residence (census, Melodi DS_RP_NAVETTES_PRINC).

Shares are recomputed from summed counts (commuters by mode / residents in work), for the
territory and each comparison level. Offline, or when Melodi answers without any figure, the
section says so and names the dataset that fills it.
"""

from __future__ import annotations

from diagterr.dossier import IndicatorTable, Note, Section
from diagterr.themes.figures import Figures

NAVETTES = "rp_navettes"
DATASET = "DS_RP_NAVETTES_PRINC"
IN_WORK = "actifs_occupes"
# TRANS codes (a public data dictionary checked on the 2022 file; APIS.md §2 sources).
MODES = {
    "1": "Pas de déplacement",
    "2": "Marche à pied",
    "3": "Vélo",
    "4": "Deux-roues motorisé",
    "5": "Voiture, camion, fourgonnette",
    "6": "Transports en commun",
}


def _prefixed(fig: Figures, prefix: str, period: str) -> list[str]:
    frame = fig.table(NAVETTES)
    rows = frame[(frame["geo_level"] == "COM") & (frame["period"] == period) & frame["variable"].str.startswith(prefix)]
    return sorted(set(rows["variable"]))


def analyse(fig: Figures) -> Section:
    blocks: list = []
    frame = fig.table(NAVETTES)
    manifest = fig.store.manifest(NAVETTES)
    if frame is None or frame.empty:
        if manifest is not None and fig.store.read(NAVETTES) is not None and fig.store.read(NAVETTES).empty:
            reason = (f"l'API Melodi de l'INSEE a répondu sans aucune observation pour ce territoire ({DATASET}, "
                      f"interrogé le {manifest.retrieved_at})")
        else:
            reason = (f"non disponible hors ligne : ces chiffres viennent du recensement de l'INSEE ({DATASET}, "
                      "déplacements domicile-travail), lu en ligne dans l'API Melodi")
        blocks.append(Note(f"Modes de transport domicile-travail et lieu de travail des actifs : {reason}.",
                           tone="gap"))
    else:
        period = fig.latest_period(NAVETTES, IN_WORK) or max(frame["period"])
        modes = [
            fig.rate_indicator(f"part_{v}", f"Part des actifs en emploi : {MODES.get(v.rsplit('_', 1)[1], 'mode ' + v.rsplit('_', 1)[1])}",
                               NAVETTES, v, IN_WORK, period)
            for v in _prefixed(fig, "navetteurs_mode_", period)
        ]
        if modes:
            blocks.append(IndicatorTable(f"Aller au travail : mode de transport principal (recensement {period})", tuple(modes)))
        places = [
            fig.rate_indicator(f"part_{v}", f"Part des actifs en emploi, lieu de travail (code INSEE {v.rsplit('_', 1)[1]})",
                               NAVETTES, v, IN_WORK, period)
            for v in _prefixed(fig, "navetteurs_lieu_", period)
        ]
        if places:
            blocks.append(IndicatorTable(f"Où travaillent les actifs résidents (recensement {period})", tuple(places)))
        if not blocks:
            blocks.append(Note(f"{DATASET} : aucune des ventilations attendues (modes, lieu de travail) dans les "
                               "données lues.", tone="gap"))
    return Section(
        id="mobilites",
        title="Mobilités",
        intro="Comment les habitants qui travaillent vont au travail, et s'ils travaillent dans leur commune.",
        blocks=tuple(blocks),
    )
