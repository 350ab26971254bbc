"""Tourism capacity: the census's secondary homes (comparateur), then the hotels, campsites and
other collective accommodation of INSEE's DS_TOUR_CAP read from Melodi, each in its own unit:
rooms, pitches and beds are never added up, and a capacity is not an attendance.
"""

from __future__ import annotations

from diagterr.dossier import IndicatorTable, Note
from diagterr.tables.census import COMPARATEUR
from diagterr.tables.economy import (
    CAMPSITE,
    HOTEL,
    OTHER_COLLECTIVE,
    TOURISM_CAPACITY,
    TOURISME_CAPACITE,
    tourism_variable,
)
from diagterr.texts import say
from diagterr.themes.demographie import census_periods
from diagterr.themes.economie.melodi_figures import answered_nothing
from diagterr.themes.figures import Figures

# Indicator ids of the (TOUR_MEASURE, ACTIVITY) pairs of TOURISM_CAPACITY.
CAPACITY_IDS = {
    ("UNIT_LOC", HOTEL): "tourisme_hotels",
    ("PLACE", HOTEL): "tourisme_chambres_hotel",
    ("UNIT_LOC", CAMPSITE): "tourisme_campings",
    ("PLACE", CAMPSITE): "tourisme_emplacements_camping",
    ("UNIT_LOC", OTHER_COLLECTIVE): "tourisme_autres_hebergements",
    ("BEDPLACE", OTHER_COLLECTIVE): "tourisme_lits_autres_hebergements",
}


def blocks(fig: Figures) -> list:
    return secondary_homes(fig) + capacity(fig)


def secondary_homes(fig: Figures) -> list:
    """Tourism capacity approached by the census's secondary homes (hotel and campsite beds: not offline)."""
    periods = census_periods(fig)
    if periods is None:
        return [Note(say("lacunes.economie_tourism"), tone="gap", source_id=TOURISME_CAPACITE.source_id,
                     detail=say("economie_tourisme.offline_gap"))]
    year = periods[1]
    indicators = (
        fig.count_indicator(
            "residences_secondaires", "Résidences secondaires et logements occasionnels", COMPARATEUR,
            "residences_secondaires", year, "logements",
        ),
        fig.rate_indicator(
            "residences_secondaires_pour_100_habitants", "Résidences secondaires pour 100 habitants", COMPARATEUR,
            "residences_secondaires", "pop", year, unit="pour 100 habitants", kind="ratio", decimals=1,
        ),
    )
    fetched = fig.table(TOURISME_CAPACITE) is not None
    blocks: list = [
        IndicatorTable(f"Capacité d'accueil touristique : les résidences secondaires (recensement {year})", indicators),
        Note(say("economie_tourisme.secondary_homes_limit", fetched=fetched), tone="limit"),
    ]
    if not fetched:
        blocks.append(Note(say("lacunes.economie_tourism_capacity"), tone="gap", source_id=TOURISME_CAPACITE.source_id,
                           detail=say("economie_tourisme.capacity_offline")))
    return blocks


def capacity(fig: Figures) -> list:
    """Hotels, campsites and other collective accommodation (DS_TOUR_CAP), each in its own unit."""
    frame = fig.table(TOURISME_CAPACITE)
    if frame is None:
        return []
    variables = set(frame["variable"])
    years = [p for p in frame.loc[frame["value"].notna(), "period"] if p.isdigit()]
    if not years:
        return [answered_nothing(fig, TOURISME_CAPACITE, "DS_TOUR_CAP", "Capacité des hébergements touristiques",
                                 say("lacunes.economie_tourism_capacity"))]
    year = max(years)
    indicators = []
    absent = []
    for item in TOURISM_CAPACITY:
        variable = tourism_variable(item.measure, item.activity)
        if variable not in variables:
            absent.append(item.label)
            continue
        indicators.append(fig.count_indicator(CAPACITY_IDS[item.measure, item.activity], item.label,
                                              TOURISME_CAPACITE, variable, year, item.unit))
    out: list = []
    if indicators:
        out.append(IndicatorTable(f"Capacité des hébergements touristiques au 1er janvier {year} (INSEE)",
                                  tuple(indicators)))
    out.append(Note(say("economie_tourisme.capacity_limit", absent=absent), tone="limit"))
    return out
