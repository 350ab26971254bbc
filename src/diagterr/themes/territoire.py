"""Le territoire: its communes, area, density, study zonings, perimeter lineage, map."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from diagterr.cog import COG_VINTAGE, load_cog
from diagterr.dossier import (
    Column,
    CommuneMap,
    IndicatorTable,
    Note,
    Section,
    SourceRef,
    Table,
)
from diagterr.harmonise import RULE
from diagterr.tables.census import COMPARATEUR, POPULATIONS_LEGALES
from diagterr.tables.geography import AAV_CATEGORY_LABELS, BOUNDARIES_COMMUNES, COMMUNES_LINEAGE, ZONAGES
from diagterr.texts import say
from diagterr.themes.demographie import latest_legal_year
from diagterr.themes.figures import Figures, Reading

COG_SOURCE = SourceRef("cog_decoupage", COG_VINTAGE, COG_VINTAGE)


def key_indicators(fig: Figures) -> list:
    year = latest_legal_year(fig)
    out = []
    if fig.has(COMPARATEUR):
        area = fig.count_indicator(
            "superficie", "Superficie", COMPARATEUR, "superficie_km2", "geographie", "km²", kind="area",
        )
        out.append(replace(area, period=fig.source(COMPARATEUR).geo_vintage))
    if year and fig.has(COMPARATEUR):

        def density(get) -> Reading:
            population, area = get("pmun", year, POPULATIONS_LEGALES), get("superficie_km2", "geographie", COMPARATEUR)
            if population.value is None or area.value is None or area.value == 0:
                return Reading(None, population.missing_reason or area.missing_reason)
            return Reading(population.value / area.value, note=area.note)

        indicator = fig.derived_indicator(
            "densite", "Densité de population", POPULATIONS_LEGALES, year, "hab./km²", "ratio", density, decimals=0,
            vintage_of="pmun", note=say("territoire.note_density"),
        )
        out.append(indicator)
    return out


def communes_table(fig: Figures) -> Table:
    year = latest_legal_year(fig)
    population = fig.commune_values(POPULATIONS_LEGALES, "pmun", year) if year else {}
    area = fig.commune_values(COMPARATEUR, "superficie_km2", "geographie") if fig.has(COMPARATEUR) else {}
    rows = []
    for commune in sorted(fig.territory.communes, key=lambda c: c.name):
        pop = population[commune.code].value if population else None
        surface = area[commune.code].value if area else None
        rows.append(
            (commune.name, commune.code, pop, surface, pop / surface if pop is not None and surface else None)
        )
    return Table(
        title=say("territoire.communes_title", count=len(rows)),
        columns=(
            Column("Commune"), Column("Code"), Column(f"Population {year or ''}".strip(), "count"),
            Column("Superficie (km²)", "area"), Column("Densité (hab./km²)", "ratio", decimals=0),
        ),
        rows=tuple(rows),
        source=fig.source(POPULATIONS_LEGALES, "pmun", year) if year else None,
        note=say("territoire.note_area") if area else None,
    )


def zonings_table(fig: Figures) -> Table | None:
    frame = fig.table(ZONAGES)
    if frame is None:
        return None
    frame = frame[frame["commune"].isin(fig.territory.commune_codes)]
    if frame.empty:
        return None
    rows = []
    for zoning, label in ZONAGES.labels.items():
        zones = frame[frame["zonage"] == zoning]
        for (code, name), group in zones.groupby(["code", "libelle"], sort=True):
            rows.append((label, f"{name} ({code})" if name else code, float(len(group))))
    categories = frame[frame["zonage"] == "CATEAAV2020"]
    for code, group in categories.groupby("code", sort=True):
        rows.append((say("territoire.zoning_aav_category"), AAV_CATEGORY_LABELS.get(code, code), float(len(group))))
    manifest = fig.store.manifest(ZONAGES.name)
    return Table(
        title="Zonages d'étude de l'INSEE",
        columns=(Column("Zonage"), Column("Zone"), Column("Communes du territoire", "count")),
        rows=tuple(rows),
        source=SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage) if manifest else None,
        note=say("territoire.zonings_note"),
    )


def lineage_blocks(fig: Figures) -> list[Table | Note]:
    """The communes nouvelles of the perimeter, their former communes and the year each code ended,
    then the rule used to harmonise their figures (once).

    From the store's lineage table (INSEE's table de passage online, the shared data in the
    samples); a former code the COG knows and the table does not is listed with its year missing.
    """
    cog = load_cog()
    frame = fig.table(COMMUNES_LINEAGE)
    rows: dict[tuple[str, str], tuple[str | None, float | None, str]] = {}
    if frame is not None:
        for record in frame.itertuples(index=False):
            rows[(record.commune, record.ancien_code)] = (
                None if pd.isna(record.ancien_nom) else str(record.ancien_nom), record.annee_fin, str(record.nature))
    from_cog = 0
    perimeter = set(fig.territory.commune_codes)
    for old, current in sorted(cog.former_codes().items()):
        if current in perimeter and (current, old) not in rows:
            delegated = cog.delegated_commune(old)
            rows[(current, old)] = (delegated.name if delegated else None, None, "fusion")
            from_cog += 1
    if not rows:
        return [Note(say("territoire.lineage_none", cog=COG_VINTAGE, rule=RULE))]
    names = {c.code: c.name for c in fig.territory.communes}
    table_rows = []
    for (code, old), (old_name, year, nature) in sorted(rows.items(), key=lambda item: (names.get(item[0][0], ""), item[0][1])):
        ended = None if year is None or pd.isna(year) else str(int(year))
        label = old_name if nature == "fusion" or old_name is None else say("territoire.lineage_split_name", name=old_name)
        table_rows.append((names.get(code, code), code, label, old, ended))
    nouvelles = len({code for code, _ in rows})
    note = say("territoire.lineage_note", from_cog=from_cog, table=frame is not None, cog=COG_VINTAGE)
    table = Table(
        title=say("territoire.lineage_title", count=nouvelles),
        columns=(Column("Commune actuelle"), Column("Code"), Column("Ancienne commune"), Column("Ancien code"),
                 Column("Fin de l'ancien code")),
        rows=tuple(table_rows),
        source=fig.source(COMMUNES_LINEAGE) if frame is not None else COG_SOURCE,
        note=note,
    )
    return [table, Note(say("territoire.lineage_rule", rule=RULE))]


def analyse(fig: Figures) -> Section:
    blocks: list = []
    blocks.append(
        CommuneMap(
            id="carte_communes",
            title=say("territoire.map_title", cog=COG_VINTAGE),
            values=(),
            value_kind=None,
            unit="",
            source=fig.source(BOUNDARIES_COMMUNES) if fig.has(BOUNDARIES_COMMUNES) else COG_SOURCE,
            labels=True,
        )
    )
    indicators = key_indicators(fig)
    if indicators:
        blocks.append(IndicatorTable("Superficie et densité", tuple(indicators)))
    blocks.extend(lineage_blocks(fig))
    blocks.append(communes_table(fig))
    zonings = zonings_table(fig)
    if zonings:
        blocks.append(zonings)
    else:
        blocks.append(Note(say("territoire.zonings_unavailable"), tone="gap"))
    return Section(
        id="territoire",
        title="Le territoire",
        intro=say("territoire.intro", name=fig.territory.name, kind=fig.territory.kind_label,
                  communes=len(fig.territory.communes), departements=fig.territory.departements,
                  regions=fig.territory.regions),
        blocks=tuple(blocks),
    )
