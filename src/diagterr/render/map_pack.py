"""The map pack of an edition: cartes/ (each map as SVG and as PNG at 300 dpi) and territoire.gpkg.

The SVGs are those the dossier prints and the PNGs (300 dpi) come from the same matplotlib
drawing (`draw_figures`, one drawing per map for the dossier, the DOCX and this pack). The GeoPackage holds three
layers, in the official projection of the area (Lambert-93, or the overseas département's own):
`perimetre` (the territory's outline), `communes` (one field per commune map, named by its block
id, with the values the map draws) and `communes_voisines` (the communes touching the territory,
for context).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from diagterr.atomic import write_bytes_atomic, write_text_atomic
from diagterr.dossier import CommuneMap, Dossier, ZoneMap

if TYPE_CHECKING:
    import geopandas as gpd

    from diagterr.render import Figures

logger = logging.getLogger(__name__)

MAPS_FOLDER = "cartes"
GEOPACKAGE_FILE = "territoire.gpkg"
COVER_NAME = "couverture"  # the cover map's files: cartes/couverture.svg, .png
MAX_FIELD_NAME = 63  # a field name QGIS and every GeoPackage reader shows whole


def map_blocks(dossier: Dossier) -> list[CommuneMap | ZoneMap]:
    """Every map of the dossier, in reading order."""
    return [block for section in dossier.sections for block in section.blocks
            if isinstance(block, CommuneMap | ZoneMap)]


def write_map_pack(
    dossier: Dossier,
    figures: Figures,
    folder: Path,
    *,
    boundaries: gpd.GeoDataFrame | None,
    neighbours: gpd.GeoDataFrame | None = None,
) -> list[Path]:
    """Write cartes/ and territoire.gpkg into `folder` (the staged edition); the paths written.

    `figures`: the drawings of the dossier with their PNGs (`draw_figures(..., png=True)`). A map
    that could not be drawn (no outlines) has no file; the dossier says why where it would be.
    """
    from diagterr.render import COVER_PNG
    from diagterr.render.maps import crs_for_codes

    maps = folder / MAPS_FOLDER
    maps.mkdir(exist_ok=True)
    written: list[Path] = []
    drawn = [(COVER_NAME, figures.cover, figures.pngs.get(COVER_PNG))]
    drawn += [(block.id, figures.svgs.get(block.id), figures.pngs.get(block.id)) for block in map_blocks(dossier)]
    for name, svg, png in drawn:
        if not svg or png is None:
            continue
        svg_path, png_path = maps / f"{name}.svg", maps / f"{name}.png"
        write_text_atomic(svg_path, svg)
        write_bytes_atomic(png_path, png)
        written.extend([svg_path, png_path])
    if boundaries is not None and not boundaries.empty:
        crs = crs_for_codes(code for code, _ in dossier.territory.communes)
        written.append(write_geopackage(dossier, boundaries, neighbours, folder / GEOPACKAGE_FILE, crs))
    return written


def commune_layer(dossier: Dossier, boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The territory's communes (code, nom) with one field per commune map that has values."""
    communes = boundaries[["code", "name", "geometry"]].copy()
    communes["code"] = communes["code"].astype(str)
    communes = communes.rename(columns={"name": "nom"}).sort_values("code").reset_index(drop=True)
    for block in map_blocks(dossier):
        if not isinstance(block, CommuneMap) or not block.values:
            continue
        field = block.id[:MAX_FIELD_NAME]
        values = dict(block.values)
        communes[field] = [values.get(code) for code in communes["code"]]  # None: no value (NULL)
        communes[field] = communes[field].astype("float64")
    return communes


def write_geopackage(dossier: Dossier, boundaries: gpd.GeoDataFrame, neighbours: gpd.GeoDataFrame | None,
                     target: Path, crs: str) -> Path:
    """territoire.gpkg: layers perimetre, communes and communes_voisines, in `crs`."""
    import geopandas as gpd

    communes = commune_layer(dossier, boundaries)
    territory = dossier.territory
    perimeter = gpd.GeoDataFrame(
        {"code": [territory.code], "nom": [territory.name], "type": [territory.kind_label],
         "communes": [len(communes)]},
        geometry=[communes.union_all()], crs=communes.crs,
    )
    layers: list[tuple[str, gpd.GeoDataFrame]] = [("perimetre", perimeter), ("communes", communes)]
    if neighbours is not None and not neighbours.empty:
        context = neighbours[["code", "name", "geometry"]].rename(columns={"name": "nom"})
        layers.append(("communes_voisines", context.reset_index(drop=True)))
    else:
        logger.info("territoire.gpkg : pas de communes voisines (contours nationaux absents)")

    # Written in the staged edition, published whole with it (a GeoPackage is a database: GDAL
    # writes its layers one after the other into the file).
    target.unlink(missing_ok=True)
    for layer, frame in layers:
        frame.to_crs(crs).to_file(target, layer=layer, driver="GPKG", engine="pyogrio")
    return target


__all__ = ["GEOPACKAGE_FILE", "MAPS_FOLDER", "commune_layer", "map_blocks", "write_map_pack"]
