"""The render layer: a `Dossier` to dossier.pdf, dossier.html, indicateurs.json and indicateurs.csv.

    from diagterr.render import render_dossier, RenderedFiles
    files = render_dossier(dossier, boundaries, out_dir, context=departements)

Charts and maps are drawn first (matplotlib to SVG), then the HTML (Jinja2), then the PDF
(WeasyPrint). Heavy imports (matplotlib, geopandas, WeasyPrint) happen at the first call, not
at `import diagterr.render`, so the CLI starts fast and batch workers import them after spawn.
The edition is built in a hidden folder and swapped in whole (diagterr.edition): an interrupted
or failed render never leaves half a file, nor a new indicateurs.json beside an old PDF.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diagterr.dossier import Chart, CommuneMap, Dossier, ZoneMap
from diagterr.outputs import ALL_FORMATS

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

COVER_SECTION_ID = "territoire"
POSTER_FILE = "affiche-a3.pdf"


@dataclass(frozen=True, slots=True)
class RenderedFiles:
    """The files an edition wrote (paths in the output folder, sorted; a map pack's files under
    cartes/), as `--formats` chose them: indicateurs.json and indicateurs.csv are always there."""

    out_dir: Path
    paths: tuple[Path, ...]

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def get(self, name: str) -> Path | None:
        """The file `name` ("dossier.pdf", "cartes/…") if the edition wrote it."""
        target = self.out_dir / name
        return target if target in self.paths else None

    @property
    def pdf(self) -> Path | None:
        return self.get("dossier.pdf")

    @property
    def html(self) -> Path | None:
        return self.get("dossier.html")

    @property
    def json(self) -> Path:
        return self.out_dir / "indicateurs.json"

    @property
    def csv(self) -> Path:
        return self.out_dir / "indicateurs.csv"


def written_files(staging: Path, out_dir: Path) -> tuple[Path, ...]:
    """Every file of a staged edition, as its path once published in `out_dir`."""
    return tuple(sorted(out_dir / path.relative_to(staging) for path in staging.rglob("*") if path.is_file()))


def cover_map_block(dossier: Dossier) -> CommuneMap | None:
    """The map of the cover: the first `CommuneMap` of the section "territoire", if any."""
    for section in dossier.sections:
        if section.id == COVER_SECTION_ID:
            for block in section.blocks:
                if isinstance(block, CommuneMap):
                    return block
    return None


@dataclass(frozen=True, slots=True)
class Figures:
    """Every chart and map of a dossier, drawn once: SVG by block id (None: a map without
    boundaries), the cover map's SVG, and, when the edition writes a DOCX or the map pack, the
    same drawings as 300 dpi PNG by block id (the cover under COVER_PNG)."""

    svgs: dict[str, str | None]
    cover: str | None
    pngs: dict[str, bytes]


COVER_PNG = "couverture"


def draw_figures(
    dossier: Dossier,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    *,
    png: bool = False,
) -> Figures:
    """Draw every chart and map of the dossier (SVG, and PNG at 300 dpi when `png`).

    Block ids must be unique across the dossier: they key the SVGs and the HTML anchors.
    `zones`: the outlines the `ZoneMap` blocks draw (columns level, code, name, geometry), or None.
    """
    from diagterr.render.charts import page_four_chart_images
    from diagterr.render.maps import COVER_MAX_HEIGHT_IN, map_images, map_outlines

    if boundaries is not None and len(boundaries):
        boundaries = map_outlines(boundaries)  # projected and simplified once for every commune map
    svgs: dict[str, str | None] = {}
    pngs: dict[str, bytes] = {}
    image: bytes | None
    for section in dossier.sections:
        for block in section.blocks:
            if not isinstance(block, Chart | CommuneMap | ZoneMap):
                continue
            if block.id in svgs:
                raise ValueError(f"identifiant de bloc en double dans le dossier : {block.id!r}")
            svgs[block.id], image = _draw_block(block, dossier, boundaries, context, zones, png=png)
            if image is not None:
                pngs[block.id] = image
    chart = dossier.reading.contrast_chart  # page 4's chart is no chapter's block, drawn at its column's width
    if chart is not None and chart.id not in svgs:
        svgs[chart.id], image = page_four_chart_images(chart, png=png)
        if image is not None:
            pngs[chart.id] = image
    cover, image = map_images(cover_map_block(dossier), boundaries, context, plain=True,
                              max_height=COVER_MAX_HEIGHT_IN, label_scale=1.3, png=png)
    if image is not None:
        pngs[COVER_PNG] = image
    return Figures(svgs, cover, pngs)


def _draw_block(
    block: Chart | CommuneMap | ZoneMap,
    dossier: Dossier,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None,
    zones: gpd.GeoDataFrame | None,
    *,
    png: bool,
) -> tuple[str | None, bytes | None]:
    """One chart or map of a chapter: (SVG or None, PNG or None)."""
    from diagterr.render.charts import chart_images
    from diagterr.render.maps import crs_for_codes, map_images, missing_geometries, missing_zones, zone_map_images

    if isinstance(block, Chart):
        return chart_images(block, png=png)
    if isinstance(block, ZoneMap):
        if zones is not None and (lost := missing_zones(block, zones)):
            logger.warning("Carte %s : pas de contour pour %s", block.id, ", ".join(lost))
        # An EPCI map is drawn in the projection of the territory's communes (a DROM's own).
        return zone_map_images(block, zones, crs=crs_for_codes(code for code, _ in dossier.territory.communes),
                               png=png)
    if boundaries is not None and (lost := missing_geometries(block, boundaries)):
        logger.warning("Carte %s : pas de contour pour %s", block.id, ", ".join(lost))
    return map_images(block, boundaries, context, plain=not block.values, png=png)


def render_figures(
    dossier: Dossier,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> tuple[dict[str, str | None], str | None]:
    """SVG of every chart and map keyed by block id, and the cover map (see `draw_figures`)."""
    figures = draw_figures(dossier, boundaries, context, zones)
    return figures.svgs, figures.cover


def render_dossier(
    dossier: Dossier,
    boundaries: gpd.GeoDataFrame | None,
    out_dir: Path,
    *,
    context: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    neighbours: gpd.GeoDataFrame | None = None,
    formats: frozenset[str] = ALL_FORMATS,
) -> RenderedFiles:
    """Render the dossier into `out_dir`: dossier.pdf, dossier.html, indicateurs.json, indicateurs.csv.

    `boundaries`: the territory's communes (columns code, name, geometry; EPSG:4326), or None
    (maps then say they are unavailable). `context`: département outlines drawn in light grey
    behind the communes, or None. `zones`: the outlines of the `ZoneMap` blocks (EPCI of the région,
    communes of the département; columns level, code, name, geometry), or None (those maps then say
    they are unavailable). `neighbours`: the communes touching the territory (code, name, geometry),
    for the map pack's GeoPackage, or None.
    """
    from diagterr.atomic import write_text_atomic
    from diagterr.edition import staged_edition
    from diagterr.render.exports import write_exports
    from diagterr.render.html import render_html
    from diagterr.render.pdf import write_pdf

    started = time.perf_counter()
    out_dir = Path(out_dir)
    # One drawing per figure: its PNG (300 dpi) is taken from it when the DOCX or the map pack needs one.
    figures = draw_figures(dossier, boundaries, context, zones, png=bool({"docx", "cartes"} & formats))
    svgs, cover_svg = figures.svgs, figures.cover
    figures_done = time.perf_counter()

    # The whole edition is built aside, then swapped in: a failure (a full disk: OutputWriteError)
    # leaves the previous edition as it was, PDF and indicateurs.json together.
    # `formats`: the short names of diagterr.outputs; indicateurs.json and .csv are always written.
    with staged_edition(out_dir) as staging:
        write_exports(dossier, staging)
        # One HTML for both: the standalone copy (its stylesheet inline) is what WeasyPrint prints.
        html = render_html(dossier, svgs, cover_svg=cover_svg, standalone=True) if {"html", "pdf"} & formats else ""
        if "html" in formats:
            write_text_atomic(staging / "dossier.html", html)
        pages = None
        if "pdf" in formats:
            pages = write_pdf(html, staging / "dossier.pdf", stylesheet=False).pages
            del html
            gc.collect()  # WeasyPrint's document is held by reference cycles: freed before the kit's renders
        # -- the workshop kit (issue 18): docx and fiches (task I1), affiche and cartes (task I2)
        if "docx" in formats:
            from diagterr.render.docx import write_docx

            write_docx(dossier, figures, staging / "dossier.docx")
        if "fiches" in formats:
            from diagterr.render.workshop_sheets import write_workshop_sheets

            write_workshop_sheets(dossier, staging / "fiches-atelier.pdf")
        if "affiche" in formats:
            from diagterr.render.poster import write_poster

            write_poster(dossier, cover_svg, staging / POSTER_FILE)
        if "cartes" in formats:
            from diagterr.render.map_pack import write_map_pack

            write_map_pack(dossier, figures, staging, boundaries=boundaries, neighbours=neighbours)
        files = written_files(staging, out_dir)
    logger.info(
        "Dossier rendu : %s, %d fichiers en %.1f s (figures %.1f s)",
        f"{pages} pages" if pages is not None else "sans dossier.pdf", len(files), time.perf_counter() - started,
        figures_done - started,
    )
    return RenderedFiles(out_dir, files)


__all__ = ["COVER_PNG", "Figures", "RenderedFiles", "cover_map_block", "draw_figures", "render_dossier",
           "render_figures"]
