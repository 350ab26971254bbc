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
from diagterr.harmonise import LINEAGE_TABLE, RULE
from diagterr.themes.demographie import COMPARATEUR, LEGAL, latest_legal_year
from diagterr.themes.figures import Figures, Reading

ZONINGS = "zonages"
BOUNDARIES = "boundaries_communes"

_ZONING_LABELS = {
    "ZE2020": "Zone d'emploi 2020",
    "AAV2020": "Aire d'attraction des villes 2020",
    "BV2012": "Bassin de vie 2012",
    "UU2020": "Unité urbaine 2020",
}
# INSEE's categories of communes in the AAV 2020 zoning (table d'appartenance, CATEAAV2020).
_AAV_CATEGORIES = {
    "11": "commune-centre",
    "12": "autre commune du pôle principal",
    "13": "commune d'un pôle secondaire",
    "20": "commune de la couronne",
    "30": "commune hors attraction des villes",
}

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
            population, area = get("pmun", year, LEGAL), get("superficie_km2", "geographie", COMPARATEUR)
            if population.value is None or area.value is None or area.value == 0:
                return Reading(None, population.missing_reason or area.missing_reason)
            return Reading(population.value / area.value, note=area.note)

        indicator = fig.derived_indicator(
            "densite", "Densité de population", LEGAL, year, "hab./km²", "ratio", density, decimals=0, vintage_of="pmun",
            note="Population municipale légale rapportée à la superficie du comparateur de territoires.",
        )
        out.append(indicator)
    return out


def communes_table(fig: Figures) -> Table:
    year = latest_legal_year(fig)
    population = fig.commune_values(LEGAL, "pmun", year) if year else {}
    area = fig.commune_values(COMPARATEUR, "superficie_km2", "geographie") if fig.has(COMPARATEUR) else {}
    rows = []
    for commune in sorted(fig.territory.communes, key=lambda c: c.name):
        pop = population[commune.code].value if population else None
        surface = area[commune.code].value if area else None
        rows.append(
            (commune.name, commune.code, pop, surface, pop / surface if pop is not None and surface else None)
        )
    return Table(
        title=f"Les {len(rows)} communes" if len(rows) > 1 else "La commune",
        columns=(
            Column("Commune"), Column("Code"), Column(f"Population {year or ''}".strip(), "count"),
            Column("Superficie (km²)", "area"), Column("Densité (hab./km²)", "ratio", decimals=0),
        ),
        rows=tuple(rows),
        source=fig.source(LEGAL, "pmun", year) if year else None,
        note="Superficie : comparateur de territoires de l'INSEE." if area else None,
    )


def zonings_table(fig: Figures) -> Table | None:
    frame = fig.table(ZONINGS)
    if frame is None:
        return None
    frame = frame[frame["commune"].isin(fig.territory.commune_codes)]
    if frame.empty:
        return None
    rows = []
    for zoning, label in _ZONING_LABELS.items():
        zones = frame[frame["zonage"] == zoning]
        for (code, name), group in zones.groupby(["code", "libelle"], sort=True):
            rows.append((label, f"{name} ({code})" if name else code, float(len(group))))
    categories = frame[frame["zonage"] == "CATEAAV2020"]
    for code, group in categories.groupby("code", sort=True):
        rows.append(("Catégorie dans l'aire d'attraction", _AAV_CATEGORIES.get(code, code), float(len(group))))
    manifest = fig.store.manifest(ZONINGS)
    return Table(
        title="Zonages d'étude de l'INSEE",
        columns=(Column("Zonage"), Column("Zone"), Column("Communes du territoire", "count")),
        rows=tuple(rows),
        source=SourceRef(manifest.source_id, manifest.vintage, manifest.geo_vintage) if manifest else None,
        note="Une commune appartient à une seule zone de chaque zonage ; le territoire peut en couvrir plusieurs.",
    )


def lineage_blocks(fig: Figures) -> list[Table | Note]:
    """The communes nouvelles of the perimeter, their former communes and the year each code ended,
    then the rule used to harmonise their figures (once).

    From the store's lineage table (INSEE's table de passage online, the shared data in the
    samples); a former code the COG knows and the table does not is listed with its year missing.
    """
    cog = load_cog()
    frame = fig.table(LINEAGE_TABLE)
    rows: dict[tuple[str, str], tuple[str | None, object, str]] = {}
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
        return [Note(f"Aucune commune nouvelle ni ancienne commune dans le périmètre ({COG_VINTAGE}). " + RULE)]
    names = {c.code: c.name for c in fig.territory.communes}
    table_rows = []
    for (code, old), (old_name, year, nature) in sorted(rows.items(), key=lambda item: (names.get(item[0][0], ""), item[0][1])):
        ended = None if year is None or pd.isna(year) else str(int(year))
        label = old_name if nature == "fusion" or old_name is None else f"{old_name} (scindée)"
        table_rows.append((names.get(code, code), code, label, old, ended))
    nouvelles = len({code for code, _ in rows})
    note = ("Fin de l'ancien code : année du premier code officiel géographique (au 1er janvier) où l'ancienne "
            "commune n'est plus une commune ; n.d. quand la source ne la donne pas.")
    if from_cog and frame is not None:
        note += f" {from_cog} ancien(s) code(s) absent(s) de la table de correspondance, repris du {COG_VINTAGE}."
    elif frame is None:
        note += (f" Table de passage de l'INSEE absente du magasin : anciens codes du {COG_VINTAGE}, sans année "
                 "(un dossier en ligne la télécharge).")
    table = Table(
        title=f"Communes nouvelles du périmètre et leurs anciennes communes ({nouvelles})",
        columns=(Column("Commune actuelle"), Column("Code"), Column("Ancienne commune"), Column("Ancien code"),
                 Column("Fin de l'ancien code")),
        rows=tuple(table_rows),
        source=fig.source(LINEAGE_TABLE) if frame is not None else COG_SOURCE,
        note=note,
    )
    return [table, Note("Règle d'harmonisation des chiffres publiés dans une géographie antérieure : "
                        + RULE[0].lower() + RULE[1:])]


def analyse(fig: Figures) -> Section:
    blocks: list = []
    blocks.append(
        CommuneMap(
            id="carte_communes",
            title=f"Les communes du territoire ({COG_VINTAGE})",
            values=(),
            value_kind=None,
            unit="",
            source=fig.source(BOUNDARIES) if fig.has(BOUNDARIES) else COG_SOURCE,
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
        blocks.append(
            Note("Zonages d'étude (AAV, bassin de vie, zone d'emploi) non disponibles pour ce territoire hors ligne.",
                 tone="gap")
        )
    return Section(
        id="territoire",
        title="Le territoire",
        intro=f"{fig.territory.name} : {fig.territory.kind_label.lower()} de {len(fig.territory.communes)} "
        f"commune{'s' if len(fig.territory.communes) > 1 else ''}, "
        f"{'départements' if len(fig.territory.departements) > 1 else 'département'} "
        + ", ".join(f"{p.name} ({p.code})" for p in fig.territory.departements)
        + ", région " + ", ".join(p.name for p in fig.territory.regions) + ".",
        blocks=tuple(blocks),
    )
