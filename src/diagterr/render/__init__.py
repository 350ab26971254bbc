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


def render_figures(
    dossier: Dossier,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
) -> tuple[dict[str, str | None], str | None]:
    """SVG of every chart and map keyed by block id (None: a map without boundaries), and the cover map.

    Block ids must be unique across the dossier: they key the SVGs and the HTML anchors.
    `zones`: the outlines the `ZoneMap` blocks draw (columns level, code, name, geometry), or None.
    """
    from diagterr.render.charts import chart_svg
    from diagterr.render.maps import (
        COVER_MAX_HEIGHT_IN,
        crs_for_codes,
        map_svg,
        missing_geometries,
        missing_zones,
        zone_map_svg,
    )

    svgs: dict[str, str | None] = {}
    for section in dossier.sections:
        for block in section.blocks:
            if not isinstance(block, Chart | CommuneMap | ZoneMap):
                continue
            if block.id in svgs:
                raise ValueError(f"identifiant de bloc en double dans le dossier : {block.id!r}")
            if isinstance(block, Chart):
                svgs[block.id] = chart_svg(block)
            elif isinstance(block, ZoneMap):
                if zones is not None and (lost := missing_zones(block, zones)):
                    logger.warning("Carte %s : pas de contour pour %s", block.id, ", ".join(lost))
                # An EPCI map is drawn in the projection of the territory's communes (a DROM's own).
                svgs[block.id] = zone_map_svg(block, zones,
                                              crs=crs_for_codes(code for code, _ in dossier.territory.communes))
            else:
                if boundaries is not None and (lost := missing_geometries(block, boundaries)):
                    logger.warning("Carte %s : pas de contour pour %s", block.id, ", ".join(lost))
                svgs[block.id] = map_svg(block, boundaries, context, plain=not block.values)
    cover_block = cover_map_block(dossier)
    cover = map_svg(cover_block, boundaries, context, plain=True, max_height=COVER_MAX_HEIGHT_IN,
                    label_scale=1.3)
    return svgs, cover


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
    svgs, cover_svg = render_figures(dossier, boundaries, context, zones)
    figures_done = time.perf_counter()

    # The whole edition is built aside, then swapped in: a failure (a full disk: OutputWriteError)
    # leaves the previous edition as it was, PDF and indicateurs.json together.
    # `formats`: the short names of diagterr.outputs; indicateurs.json and .csv are always written.
    with staged_edition(out_dir) as staging:
        write_exports(dossier, staging)
        if "html" in formats:
            write_text_atomic(staging / "dossier.html",
                              render_html(dossier, svgs, cover_svg=cover_svg, standalone=True))
        pages = None
        if "pdf" in formats:
            pages = write_pdf(render_html(dossier, svgs, cover_svg=cover_svg), staging / "dossier.pdf").pages
        # -- the workshop kit (issue 18): docx and fiches (task I1), affiche and cartes (task I2)
        if "docx" in formats:
            from diagterr.render.docx import write_docx

            write_docx(dossier, svgs, cover_svg, staging / "dossier.docx")
        if "fiches" in formats:
            from diagterr.render.workshop_sheets import write_workshop_sheets

            write_workshop_sheets(dossier, staging / "fiches-atelier.pdf")
        if "affiche" in formats:
            from diagterr.render.poster import write_poster

            write_poster(dossier, cover_svg, staging / POSTER_FILE)
        if "cartes" in formats:
            from diagterr.render.map_pack import write_map_pack

            write_map_pack(dossier, svgs, cover_svg, staging, boundaries=boundaries, context=context,
                           zones=zones, neighbours=neighbours)
        files = written_files(staging, out_dir)
    logger.info(
        "Dossier rendu : %s, %d fichiers en %.1f s (figures %.1f s)",
        f"{pages} pages" if pages is not None else "sans dossier.pdf", len(files), time.perf_counter() - started,
        figures_done - started,
    )
    return RenderedFiles(out_dir, files)


__all__ = ["RenderedFiles", "cover_map_block", "render_dossier", "render_figures"]
