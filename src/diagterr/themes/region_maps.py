"""The territory in its région: a few key figures mapped over its neighbours, offline.

As the national cartographic kits did for every EPCI: an EPCI is mapped among the EPCI of its
région(s), a commune (or a list of communes) among the communes of its département(s) — of its
région when the département has too few communes to map (Paris). The figures are those of the
national profile table (`territory_profiles`: RP 2018 comparateur, EPCI figures recomputed from
their communes' summed counts); the class breaks are the quantiles of the zones mapped and each
map says so. Ageing is not in the national base (no population by age): one note says so.

The blocks are `ZoneMap`s; the pipeline reads the outlines of their zones (EPCI or communes)
from the store and the renderer draws them (render/maps.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from diagterr.cog import load_cog
from diagterr.dossier import Block, Note, SourceRef, ZoneLevel, ZoneMap
from diagterr.tables.profiles import PROFILE_VARIABLES, TERRITORY_PROFILES
from diagterr.texts import say
from diagterr.themes.figures import Figures

# The figures mapped, in reading order (ids of PROFILE_VARIABLES). Ageing would be one: it is
# not in the national base.
MAPPED = (
    "growth_pct_year",
    "density",
    "second_homes_pct",
    "vacancy_pct",
    "unemployment_pct",
    "jobs_per_100_workers",
)
NOTED = frozenset({"growth_pct_year", "jobs_per_100_workers"})  # with a note under the map
# A département with fewer communes than this (Paris: 1) is mapped within its région instead.
MIN_ZONES = 10
BLOCK_ID_PREFIX = "carte_region_"
SHORT_NAME = 28  # a longer name is shortened on the map (its full form is in the intro)


@dataclass(frozen=True, slots=True)
class MapArea:
    """The zones a territory is mapped among."""

    level: ZoneLevel
    rows: pd.DataFrame  # rows of territory_profiles, one per zone, sorted by code
    outlined: tuple[str, ...]  # the territory's zones
    label_code: str  # the zone the territory's name is attached to
    scope: str  # French: « 164 EPCI de sa région (Auvergne-Rhône-Alpes) »


def _profiles(fig: Figures, filters: list) -> pd.DataFrame | None:
    """Rows of the profile table (read with parquet filters: never the whole of France)."""
    frame = fig.store.read(TERRITORY_PROFILES.name, filters=filters)
    if frame is None:
        return None
    return frame.assign(code=frame["code"].astype(str))


def _region_names(codes: list[str]) -> list[str]:
    cog = load_cog()
    return [(record.name if (record := cog.region(code)) else code) for code in codes]


def map_area(fig: Figures) -> MapArea | None:
    """The EPCI of the territory's région(s) for an EPCI; the communes of its département(s) for a
    commune or a list (of its région(s) when they hold fewer than MIN_ZONES communes). None when the
    profile table is not in the store."""
    territory = fig.territory
    regions = sorted({c.region for c in territory.communes})
    if territory.kind == "epci":
        rows = _profiles(fig, [[("level", "=", "EPCI"), ("region", "in", regions)],
                               [("level", "=", "EPCI"), ("code", "=", territory.code)]])
        if rows is None:
            return None
        rows = rows.drop_duplicates("code").sort_values("code").reset_index(drop=True)
        scope = say("region_maps.scope_epci", count=len(rows), places=_region_names(regions))
        return MapArea("EPCI", rows, (territory.code,), territory.code, scope)
    codes = territory.commune_codes
    departements = sorted({c.departement for c in territory.communes})
    rows = _profiles(fig, [[("level", "=", "COM"), ("departements", "in", departements)],
                           [("level", "=", "COM"), ("code", "in", list(codes))]])
    if rows is None:
        return None
    if len(rows) < MIN_ZONES:
        rows = _profiles(fig, [[("level", "=", "COM"), ("region", "in", regions)],
                               [("level", "=", "COM"), ("code", "in", list(codes))]])
        assert rows is not None
        scope_key, places = "region_maps.scope_region", _region_names(regions)
    else:
        cog = load_cog()
        scope_key = "region_maps.scope_departement"
        places = [(record.name if (record := cog.departement(code)) else code) for code in departements]
    rows = rows.drop_duplicates("code").sort_values("code").reset_index(drop=True)
    outlined = tuple(code for code in codes if code in set(rows["code"]))
    scope = say(scope_key, count=len(rows), places=places)
    return MapArea("COM", rows, outlined, outlined[0] if outlined else codes[0], scope)


def short_name(name: str) -> str:
    """The territory's name for the map: a long name loses its trailing parenthesis (« CA CIVIS
    (Communauté Intercommunale des Villes Solidaires) » → « CA CIVIS »)."""
    head, paren, _ = name.partition(" (")
    return head if paren and name.endswith(")") and len(name) > SHORT_NAME and head else name


def _value(x: object) -> float | None:
    """A float, or None for a missing figure (NaN in the table): never 0."""
    if x is None or pd.isna(x):
        return None
    value = float(x)  # type: ignore[arg-type]
    return None if math.isnan(value) else value


def _source(fig: Figures, variable: str) -> SourceRef:
    """The profile table's source (as the commune maps, the figures' source; the outlines are in the
    annex, added with the zones by the pipeline)."""
    manifest = fig.store.manifest(TERRITORY_PROFILES.name)
    source_id = manifest.source_id if manifest is not None else TERRITORY_PROFILES.source_id
    return SourceRef(source_id, say(f"region_maps.vintage_{variable}"),
                     manifest.geo_vintage if manifest is not None else "—", table=TERRITORY_PROFILES.name)


def zone_map(fig: Figures, area: MapArea, variable: str) -> ZoneMap | None:
    """The map of one profile variable over the area, or None when no zone has a value."""
    values = tuple((code, _value(x)) for code, x in zip(area.rows["code"], area.rows[variable], strict=True))
    counted = sum(v is not None for _, v in values)
    if not counted:
        return None
    kind = PROFILE_VARIABLES[variable][2]
    note_key = f"note_{variable}"
    return ZoneMap(
        id=BLOCK_ID_PREFIX + variable,
        title=say(f"region_maps.title_{variable}"),
        level=area.level,
        values=values,
        outlined=area.outlined,
        value_kind=kind,  # type: ignore[arg-type]
        unit=say(f"region_maps.unit_{variable}"),
        source=_source(fig, variable),
        breaks=say("region_maps.breaks", counted=counted, missing=len(values) - counted, level=area.level),
        labels=((area.label_code, short_name(fig.territory.name)),),
        note=say(f"region_maps.{note_key}") if variable in NOTED else None,
    )


def region_map_blocks(fig: Figures) -> tuple[Block, ...]:
    """An intro note, the note on ageing (not in the national base), a map per key figure (MAPPED)
    that has values; one note names those without any (Mayotte: the census figures are not published)."""
    area = map_area(fig)
    if area is None:
        return (Note(say("region_maps.no_profiles"), tone="limit"),)
    maps: list[Block] = []
    empty: list[str] = []
    for variable in MAPPED:
        block = zone_map(fig, area, variable)
        if block is None:
            empty.append(say(f"region_maps.title_{variable}"))
        else:
            maps.append(block)
    # The note on ageing comes before the maps: after them, it would often stand alone on a page.
    ageing = Note(say("region_maps.ageing_missing"), tone="limit")
    unmapped = [Note(say("region_maps.no_values", scope=area.scope, labels=empty), tone="limit")] if empty else []
    if not maps:
        return (*unmapped, ageing)
    intro = Note(say("region_maps.intro", name=fig.territory.name, scope=area.scope, count=len(maps)))
    return (intro, ageing, *unmapped, *maps)


__all__ = ["MAPPED", "MapArea", "map_area", "region_map_blocks", "zone_map"]
