"""Territoires comparables: the territory among its nearest and its most similar territories of
the same kind, side by side on the key figures of its profile, offline.

The peers are found by `diagterr.peers` on the national profile table (`territory_profiles`); the
figures of every row are that table's (RP 2013 and 2018 of the comparateur, EPCI figures
recomputed from their communes' summed counts, density grid), never recomputed here. When the
consultant gives their own list (--comparer, `comparer:` of a batch site), it replaces the most
similar; the nearest stay. A list of communes has no peers: one note says so.

`peer_figures` is the plain data (a `Comparables`, also written to indicateurs.json); `section`
lays it out; `analyse(fig, chosen)` does both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from diagterr.cog import load_cog
from diagterr.dossier import (
    Block,
    Column,
    Comparables,
    Note,
    PeerRow,
    ProfileVariable,
    Section,
    SourceRef,
    Table,
    ZoneMap,
)
from diagterr.errors import DiagterrError
from diagterr.peers import (
    DEFAULT_N,
    Peer,
    closest_variables,
    comparer_level,
    find_peers,
    load_profiles,
    profile_rows,
)
from diagterr.tables.geography import DENSITY_LABELS
from diagterr.tables.profiles import PROFILE_VARIABLES, TERRITORY_PROFILES
from diagterr.texts import say
from diagterr.themes.figures import Figures
from diagterr.themes.region_maps import region_map_blocks, short_name

SECTION_ID = "comparables"
TITLE = "Territoires comparables"

# The period of each profile variable (the comparateur's RP 2013 and 2018; the 2024 density grid).
PERIODS = {
    "population": "2018",
    "population_2013": "2013",
    "growth_pct_year": "2013-2018",
    "density": "2018",
    "density_level": "2024",
    "natural_balance_pct_year": "2013-2018",
    "second_homes_pct": "2018",
    "vacancy_pct": "2018",
    "unemployment_pct": "2018",
    "jobs_per_100_workers": "2018",
    "owners_pct": "2018",
}
# The key figures of the side-by-side tables, in order (ids of PROFILE_VARIABLES). The density
# level, a label in words, is in the lists of names (a ninth column would squeeze the names of the
# side-by-side tables onto three lines) and the intro says the territory's own.
SIDE_BY_SIDE = ("population", "growth_pct_year", "second_homes_pct", "vacancy_pct",
                "unemployment_pct", "jobs_per_100_workers", "owners_pct")
CLOSEST_SHOWN = 3  # profile variables named for each similar (or chosen) territory

# What the chapter reads: the figures, or the note saying why there are none.
PeerResult = Comparables | Note


def _value(raw: float | None) -> float | None:
    """A figure of the profile table (float32 there): its shortest decimal, None when missing."""
    if raw is None:
        return None
    number = float(raw)
    if math.isnan(number):
        return None
    return float(str(np.float32(number)))


def _departements(codes: str) -> tuple[tuple[str, str], ...]:
    cog = load_cog()
    return tuple((code, record.name if (record := cog.departement(code)) else code)
                 for code in str(codes).split(";") if code)


def _rows(profiles: pd.DataFrame, level: str, codes: Sequence[str]) -> dict[str, PeerRow]:
    frame = profile_rows(profiles, level, codes)
    return {
        str(row["code"]): PeerRow(
            code=str(row["code"]), name=str(row["name"]), departements=_departements(row["departements"]),
            values=tuple((variable, _value(row[variable])) for variable in PROFILE_VARIABLES),
        )
        for _, row in frame.iterrows()
    }


def peer_figures(fig: Figures, chosen: Sequence[str] | None = None) -> PeerResult:
    """The comparable territories of the dossier's commune or EPCI, or the note saying why none."""
    territory = fig.territory
    level = comparer_level(territory.kind)
    if level is None:
        return Note(say("comparables.no_peers_communes"), tone="limit")
    try:
        profiles = load_profiles(fig.store)
        peers = find_peers(profiles, level, territory.code, n=DEFAULT_N, chosen=tuple(chosen or ()))
    except DiagterrError as error:  # no profile table, or a territory it does not hold
        return Note(str(error), tone="limit")
    others = [p.code for p in (*peers.nearest, *peers.similar, *peers.chosen)]
    rows = _rows(profiles, level, [territory.code, *dict.fromkeys(others)])
    listed = [p.code for p in (*peers.similar, *peers.chosen)]
    closest = closest_variables(profiles, level, territory.code, listed, k=CLOSEST_SHOWN)

    def row(peer: Peer) -> PeerRow:
        return replace(rows[peer.code], distance_km=peer.distance_km, similarity_rank=peer.similarity_rank,
                       closest=closest.get(peer.code, ()))

    manifest = fig.store.manifest(TERRITORY_PROFILES.name)
    assert manifest is not None  # load_profiles read it
    return Comparables(
        level=level,
        method=peers.method,
        variables=tuple(ProfileVariable(v, label, unit, kind, PERIODS[v])  # type: ignore[arg-type]
                        for v, (label, unit, kind) in PROFILE_VARIABLES.items()),
        similarity_variables=peers.variables,
        territory=rows[territory.code],
        nearest=tuple(row(p) for p in peers.nearest),
        similar=() if peers.chosen else tuple(row(p) for p in peers.similar),
        chosen=tuple(row(p) for p in peers.chosen),
        source=SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage, table=TERRITORY_PROFILES.name),
        missing_reason=say("comparables.missing_reason"),
    )


# -- the chapter ----------------------------------------------------------------------------------


def _departement_cell(row: PeerRow) -> str:
    return ", ".join(say("comparables.departement_cell", code=code, name=name) for code, name in row.departements)


def _density(row: PeerRow) -> str | None:
    level = dict(row.values)["density_level"]
    return None if level is None else DENSITY_LABELS.get(int(level))


def _list_table(title: str, rows: tuple[PeerRow, ...], note: str, *, closest: bool) -> Table:
    """The names of a group of comparable territories, with their département, distance and density
    level (the source is that of the side-by-side table that follows)."""
    columns = [Column(say("comparables.column_name")), Column(say("comparables.column_departement")),
               Column(say("comparables.column_distance"), "ratio", 0), Column(say("comparables.column_density_level"))]
    if closest:
        columns.append(Column(say("comparables.column_closest")))
    cells = []
    for row in rows:
        line: list[str | float | None] = [row.name, _departement_cell(row), row.distance_km, _density(row)]
        if closest:
            line.append(", ".join(say(f"comparables.closest_{v}") for v in row.closest) or None)
        cells.append(tuple(line))
    return Table(title=title, columns=tuple(columns), rows=tuple(cells), note=note)


def _side_table(title: str, data: Comparables, groups: tuple[tuple[str, tuple[PeerRow, ...]], ...]) -> Table:
    """The territory first, then each group of comparable territories under a row naming it (one
    long table: it may run over a page, where two short ones would each wait for the next page)."""
    columns = [Column(say("comparables.column_name"))]
    for variable in SIDE_BY_SIDE:
        kind = PROFILE_VARIABLES[variable][2]
        columns.append(Column(say(f"comparables.column_{variable}"), kind,  # type: ignore[arg-type]
                              0 if variable in ("population", "jobs_per_100_workers") else None))
    blank = ("",) * len(SIDE_BY_SIDE)  # a group's heading row: text only, not a missing figure
    cells: list[tuple[str | float | None, ...]] = []
    for heading, rows in ((None, (data.territory,)), *groups):
        if heading is not None:
            cells.append((heading, *blank))
        for row in rows:
            values = dict(row.values)
            cells.append((row.name, *(values[v] for v in SIDE_BY_SIDE)))
    missing = any(cell is None for line in cells for cell in line)
    note = say("comparables.note_side", name=data.territory.name, epci=data.level == "EPCI",
               missing=data.missing_reason if missing else "")
    return Table(title=title, columns=tuple(columns), rows=tuple(cells), source=data.source, note=note)


def _nearest_map(data: Comparables) -> ZoneMap | None:
    """The territory and its nearest, numbered as in the table of the nearest, on a plain map."""
    if not data.nearest:
        return None
    rows = (data.territory, *data.nearest)
    return ZoneMap(
        id="carte_comparables_proches",
        title=say("comparables.title_nearest_map", count=len(data.nearest),
                  kind_plural=say(f"comparables.kind_plural_{data.level}")),
        level="EPCI" if data.level == "EPCI" else "COM",
        values=tuple((row.code, None) for row in rows),
        outlined=(data.territory.code,),
        value_kind="count",
        unit="",
        source=data.source,
        labels=tuple((row.code, short_name(row.name)) for row in rows),
        plain=True,
    )


def section(fig: Figures, result: PeerResult) -> Section:
    """The chapter from the comparable territories (or the note saying why there are none)."""
    territory = fig.territory
    if isinstance(result, Note):
        return Section(SECTION_ID, TITLE, say("comparables.no_peers_intro", name=territory.name), (result,))
    data = result
    kind_plural = say(f"comparables.kind_plural_{data.level}")
    name = data.territory.name
    chosen = bool(data.chosen)
    others = data.chosen if chosen else data.similar
    which = "chosen" if chosen else "similar"
    title = (say("comparables.title_chosen") if chosen
             else say("comparables.title_similar", count=len(others), kind_plural=kind_plural))
    blocks: list[Block] = [
        _list_table(say("comparables.title_nearest", count=len(data.nearest), kind_plural=kind_plural),
                    data.nearest, say("comparables.note_nearest", epci=data.level == "EPCI"), closest=False),
        _list_table(title, others, say(f"comparables.note_{which}", name=name), closest=True),
        _side_table(say("comparables.title_side", name=name), data, (
            (say("comparables.group_nearest", count=len(data.nearest), kind_plural=kind_plural), data.nearest),
            (say(f"comparables.group_{which}", count=len(others), kind_plural=kind_plural), others),
        )),
        Note(data.method, tone="info"),
    ]
    if (nearest_map := _nearest_map(data)) is not None:
        blocks.insert(1, nearest_map)
    blocks.extend(region_map_blocks(fig))
    intro = say("comparables.intro", name=territory.name, n=len(data.nearest), kind_plural=kind_plural,
                chosen=chosen, density=_density(data.territory))
    return Section(SECTION_ID, TITLE, intro, tuple(blocks))


def analyse(fig: Figures, chosen: Sequence[str] | None = None) -> Section:
    """The chapter « Territoires comparables »; `chosen`: the consultant's validated list."""
    return section(fig, peer_figures(fig, chosen))
