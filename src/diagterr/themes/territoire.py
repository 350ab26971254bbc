"""Le territoire: its communes, area, density, study zonings, perimeter lineage, map."""

from __future__ import annotations

from dataclasses import replace

from diagterr.cog import COG_VINTAGE, load_cog
from diagterr.dossier import Column, CommuneMap, IndicatorTable, Note, Section, SourceRef, Table
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


def lineage_notes(fig: Figures) -> list[Note]:
    """The communes nouvelles of the perimeter and the rule used to harmonise their figures."""
    cog = load_cog()
    merged = []
    for commune in fig.territory.communes:
        record = cog.commune(commune.code)
        if record and record.former_codes:
            merged.append(f"{commune.name} ({commune.code}) : anciens codes {', '.join(record.former_codes)}")
    if not merged:
        return [Note(f"Aucune commune nouvelle dans le périmètre ({COG_VINTAGE}).")]
    return [
        Note(
            "Communes nouvelles et codes anciens du périmètre (" + COG_VINTAGE + ") : " + " ; ".join(merged) + ". "
            "Règle d'harmonisation : les chiffres publiés sous un ancien code sont additionnés dans la commune "
            "actuelle (comptages) ; une médiane ou un taux publié pour une ancienne commune n'est pas recalculable "
            "et reste manquant ; les contours anciens sont unis en une seule géométrie.",
        )
    ]


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
    blocks.extend(lineage_notes(fig))
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
