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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from diagterr.dossier import Chart, CommuneMap, Dossier

if TYPE_CHECKING:
    import geopandas as gpd

logger = logging.getLogger(__name__)

COVER_SECTION_ID = "territoire"


@dataclass(frozen=True, slots=True)
class RenderedFiles:
    pdf: Path
    html: Path
    json: Path
    csv: Path


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
) -> tuple[dict[str, str | None], str | None]:
    """SVG of every chart and map keyed by block id (None: a map without boundaries), and the cover map.

    Block ids must be unique across the dossier: they key the SVGs and the HTML anchors.
    """
    from diagterr.render.charts import chart_svg
    from diagterr.render.maps import COVER_MAX_HEIGHT_IN, map_svg, missing_geometries

    svgs: dict[str, str | None] = {}
    for section in dossier.sections:
        for block in section.blocks:
            if not isinstance(block, Chart | CommuneMap):
                continue
            if block.id in svgs:
                raise ValueError(f"identifiant de bloc en double dans le dossier : {block.id!r}")
            if isinstance(block, Chart):
                svgs[block.id] = chart_svg(block)
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
) -> RenderedFiles:
    """Render the dossier into `out_dir`: dossier.pdf, dossier.html, indicateurs.json, indicateurs.csv.

    `boundaries`: the territory's communes (columns code, name, geometry; EPSG:4326), or None
    (maps then say they are unavailable). `context`: département outlines drawn in light grey
    behind the communes, or None.
    """
    from diagterr.atomic import write_text_atomic
    from diagterr.edition import staged_edition
    from diagterr.render.exports import write_exports
    from diagterr.render.html import render_html
    from diagterr.render.pdf import write_pdf

    started = time.perf_counter()
    out_dir = Path(out_dir)
    svgs, cover_svg = render_figures(dossier, boundaries, context)
    figures_done = time.perf_counter()

    # The whole edition is built aside, then swapped in: a failure (a full disk: OutputWriteError)
    # leaves the previous edition as it was, PDF and indicateurs.json together.
    with staged_edition(out_dir) as staging:
        write_exports(dossier, staging)
        write_text_atomic(staging / "dossier.html", render_html(dossier, svgs, cover_svg=cover_svg, standalone=True))
        pdf = write_pdf(render_html(dossier, svgs, cover_svg=cover_svg), staging / "dossier.pdf")
    logger.info(
        "Dossier rendu : %d pages en %.1f s (figures %.1f s)",
        pdf.pages, time.perf_counter() - started, figures_done - started,
    )
    return RenderedFiles(pdf=out_dir / "dossier.pdf", html=out_dir / "dossier.html",
                         json=out_dir / "indicateurs.json", csv=out_dir / "indicateurs.csv")


__all__ = ["RenderedFiles", "cover_map_block", "render_dossier", "render_figures"]
