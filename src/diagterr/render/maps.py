"""Maps of the territory's communes (`CommuneMap` blocks) as SVG strings, with no web tiles.

Geometries come from the boundaries the pipeline passes (EPSG:4326) and are projected to the
official projection of the area: Lambert-93 (EPSG:2154) for mainland France and Corsica, the
local projections for the DROM. A choropleth has at most 5 classes (quantiles); missing values are
hatched grey and called "n.d." in the legend, never drawn as a low class. A simple scale bar is
drawn by hand (no matplotlib-scalebar dependency) and a small north arrow. Without boundaries
there is no map: `map_svg` returns None and the HTML says so where the map would be.
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

from diagterr.dossier import CommuneMap, ValueKind, ZoneMap
from diagterr.formatting import DEFAULT_DECIMALS, INLINE_UNIT, MISSING, nombre, valeur
from diagterr.render.charts import ACCENT, COLUMN_WIDTH_IN, figure_to_png, figure_to_svg, house_style

MAINLAND_CRS = "EPSG:2154"  # RGF93 v1 / Lambert-93
# DROM: the legal projection of each overseas département, by the first 3 digits of the code.
DROM_CRS: dict[str, str] = {
    "971": "EPSG:5490",  # Guadeloupe: RGAF09 / UTM 20N
    "972": "EPSG:5490",  # Martinique: RGAF09 / UTM 20N
    "973": "EPSG:2972",  # Guyane: RGFG95 / UTM 22N
    "974": "EPSG:2975",  # La Réunion: RGR92 / UTM 40S
    "976": "EPSG:4471",  # Mayotte: RGM04 / UTM 38S
}

MAX_LABELLED_COMMUNES = 30
MAX_CLASSES = 5
# Light to dark on the accent: 5 steps, subsets taken evenly for fewer classes.
CLASS_COLOURS = ("#dfe7f0", "#b3c6db", "#7e9dbf", "#4a6f98", "#1f3a5f")
# Which of the 5 colours to use for fewer classes: spread, never the palest alone.
_PALETTE_STEPS = {1: (3,), 2: (1, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}
# Values on both sides of zero (a population change): losses in warm tones, darker when further
# from zero, gains in the blues, a class across zero in neutral grey.
NEGATIVE_COLOURS = ("#f1dfc8", "#deb07c", "#b97a3c")
ZERO_COLOUR = "#e9e9e6"
# Steps into each ramp by number of classes on that side (nearest zero first).
_NEGATIVE_STEPS = {1: (1,), 2: (0, 2), 3: (0, 1, 2), 4: (0, 1, 2, 2)}
_POSITIVE_STEPS = {1: (3,), 2: (2, 4), 3: (1, 3, 4), 4: (1, 2, 3, 4), 5: (0, 1, 2, 3, 4)}
PLAIN_FILL = "#dbe3ec"
MISSING_FILL = "#eeeeee"
MISSING_HATCH_COLOUR = "#a0a0a0"
CONTEXT_FILL = "#f3f4f5"
CONTEXT_EDGE = "#c5c9cd"
FRAME_COLOUR = "#d6dbe0"

COLUMN_MAX_HEIGHT_IN = 4.4
COVER_MAX_HEIGHT_IN = 5.9


def crs_for_codes(codes: Iterable[str]) -> str:
    """The projection for communes with these INSEE codes (the most common area wins)."""
    areas = Counter(DROM_CRS.get(str(code)[:3], MAINLAND_CRS) for code in codes)
    if not areas:
        return MAINLAND_CRS
    return areas.most_common(1)[0][0]


def class_breaks(values: Sequence[float], k: int = MAX_CLASSES) -> list[float]:
    """Upper bounds of up to `k` quantile classes (mapclassify when installed, else numpy).

    The last bound is the maximum. Fewer classes come back when values repeat (2 communes give at
    most 2 classes).
    """
    y = np.asarray(values, dtype=float)
    k = max(1, min(k, len(np.unique(y))))
    try:
        import mapclassify  # optional: same quantile rule, with its handling of ties
    except ImportError:
        mapclassify = None
    if mapclassify is not None and k > 1:
        with warnings.catch_warnings():  # its ties warning: fewer classes are handled below
            warnings.simplefilter("ignore", UserWarning)
            bins = [float(b) for b in mapclassify.Quantiles(y, k=k).bins]
    else:
        bins = [float(b) for b in np.quantile(y, np.linspace(0, 1, k + 1))[1:]]
    return sorted(set(bins))


def class_of(value: float, bins: Sequence[float]) -> int:
    """Index of the class of `value` (upper bounds are inclusive, as in mapclassify)."""
    return min(int(np.searchsorted(np.asarray(bins), value, side="left")), len(bins) - 1)


def class_labels(minimum: float, bins: Sequence[float], kind: ValueKind | None) -> list[str]:
    """French legend labels "12,3 à 45,6 %" for each class, with enough decimals to differ.

    "à" rather than a dash: "−0,9 – −0,2 %" reads badly once values are negative.
    """
    kind = kind or "ratio"
    lower = [minimum, *bins[:-1]]
    for extra in range(4):
        decimals = DEFAULT_DECIMALS.get(kind, 1) + extra
        labels = []
        for low, high in zip(lower, bins, strict=True):
            lo, hi = valeur(low, kind, decimals), valeur(high, kind, decimals)
            labels.append(lo if lo == hi else f"{_strip_unit(lo)} à {hi}")
        if len(set(labels)) == len(labels):
            return labels
    return labels


def _strip_unit(text: str) -> str:
    """"12,3 %" → "12,3" for the lower bound of a range (the unit is said once, at the end)."""
    for unit in ("%", "€", "km²"):
        if text.endswith(unit):
            return text[: -len(unit)].rstrip("\u00a0\u202f ")
    return text


def _nice_length_m(width_m: float) -> float:
    """A round scale-bar length, about a fifth of the map width."""
    target = width_m / 5
    for km in (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200):
        if km * 1000 >= target * 0.75:
            return km * 1000
    return 200_000.0


def _draw_scale_bar(ax, x0: float, y0: float, x1: float, y1: float) -> None:
    """A two-segment black/white bar with "0" and "<n> km" at the lower left."""
    width, height = x1 - x0, y1 - y0
    length = _nice_length_m(width)
    left, bottom = x0 + 0.035 * width, y0 + 0.045 * height
    bar_h = 0.012 * height
    for i, colour in enumerate(("#333333", "white")):
        ax.add_patch(Rectangle((left + i * length / 2, bottom), length / 2, bar_h, facecolor=colour,
                               edgecolor="#333333", linewidth=0.6, zorder=30))
    km = length / 1000
    label = f"{nombre(km, 0 if km >= 1 else 1)}\u00a0km"
    for x, text in ((left, "0"), (left + length, label)):
        _halo(ax.text(x, bottom + bar_h * 1.9, text, ha="center", va="bottom", fontsize=7,
                      color="#333333", zorder=31), 2.2)


def _draw_north_arrow(ax, x0: float, y0: float, x1: float, y1: float) -> None:
    width, height = x1 - x0, y1 - y0
    x, top = x1 - 0.04 * width, y1 - 0.05 * height
    ax.annotate("N", xy=(x, top), xytext=(x, top - 0.09 * height), ha="center", va="top",
                fontsize=7.5, color="#333333", zorder=31,
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "linewidth": 0.8,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})


def _view_box(bounds: np.ndarray, aspect: float) -> tuple[float, float, float, float]:
    """The territory's bounds with a margin, widened to the figure's aspect (height/width)."""
    minx, miny, maxx, maxy = bounds
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    margin = 0.08 * max(w, h)
    # A wider band at the bottom keeps the scale bar off the communes.
    minx, maxx, miny, maxy = minx - margin, maxx + margin, miny - 1.9 * margin, maxy + margin
    w, h = maxx - minx, maxy - miny
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if h / w < aspect:
        h = w * aspect
    else:
        w = h / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _label_text(name: str) -> str:
    return textwrap.fill(name, width=16, break_on_hyphens=True)


def _map_axes_layout(bounds: np.ndarray, *, legend: bool, max_height: float) -> tuple[Figure, Axes, Axes | None]:
    """Figure with the map axes (and a legend axes on the right for a choropleth)."""
    width = COLUMN_WIDTH_IN
    map_width = width * (0.72 if legend else 1.0)
    minx, miny, maxx, maxy = bounds
    natural = (maxy - miny) / max(maxx - minx, 1.0)
    height = float(np.clip(map_width * natural * 1.0 + 0.3, 2.6, max_height))
    fig = Figure(figsize=(width, height))
    map_ax = fig.add_axes((0, 0, map_width / width, 1))
    legend_ax = fig.add_axes((map_width / width + 0.02, 0, 1 - map_width / width - 0.02, 1)) if legend else None
    if legend_ax is not None:
        legend_ax.set_axis_off()
    map_ax.set_axis_off()
    return fig, map_ax, legend_ax


def map_figure(
    block: CommuneMap | None,
    boundaries: gpd.GeoDataFrame,
    context: gpd.GeoDataFrame | None = None,
    *,
    plain: bool = False,
    labels: bool = True,
    max_height: float = COLUMN_MAX_HEIGHT_IN,
    label_scale: float = 1.0,
) -> Figure:
    """The matplotlib figure of a commune map (call inside `house_style()`).

    `plain` draws the communes without values (cover, or a `CommuneMap` with no values).
    """
    communes = map_outlines(boundaries).copy()
    crs = crs_for_codes(communes["code"])
    values = dict(block.values) if block is not None else {}
    choropleth = bool(values) and not plain
    kind = block.value_kind if block is not None else None

    outline = communes.geometry.union_all()
    bounds = np.array(communes.total_bounds)
    fig, ax, legend_ax = _map_axes_layout(bounds, legend=choropleth, max_height=max_height)
    fig_w, fig_h = fig.get_size_inches()
    ax_pos = ax.get_position()
    aspect = (fig_h * ax_pos.height) / (fig_w * ax_pos.width)
    x0, y0, x1, y1 = _view_box(bounds, aspect)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")

    if context is not None and len(context):
        # Clipped to the view (small SVG); faces and outlines apart, so that the cut along the
        # view box does not draw a frame.
        ctx = context.to_crs(crs).geometry
        faces = ctx.clip_by_rect(x0, y0, x1, y1)
        lines = ctx.boundary.clip_by_rect(x0, y0, x1, y1)
        faces, lines = faces[~faces.is_empty], lines[~lines.is_empty]
        if len(faces):
            faces.plot(ax=ax, facecolor=CONTEXT_FILL, edgecolor="none", linewidth=0, zorder=1)
        if len(lines):
            lines.plot(ax=ax, color=CONTEXT_EDGE, linewidth=0.7, zorder=1.5)

    legend_handles: list[Patch] = []
    if choropleth:
        communes["value"] = [values.get(code) for code in communes["code"]]
        known = communes["value"].notna()
        data = communes.loc[known, "value"].astype(float)
        if len(data):
            distinct = sorted(set(data))
            discrete = kind == "count" and len(distinct) <= MAX_CLASSES
            # A few whole counts (programmes per commune): one class per value, labelled by it.
            bins = distinct if discrete else class_breaks(list(data))
            palette = class_colours(float(data.min()), bins)
            communes.loc[known, "colour"] = [palette[class_of(v, bins)] for v in data]
            communes.loc[known].plot(ax=ax, color=communes.loc[known, "colour"], edgecolor="white",
                                     linewidth=0.8, zorder=2)
            legend_labels = [valeur(v, kind) for v in bins] if discrete else class_labels(float(data.min()), bins, kind)
            for colour, label in zip(palette, legend_labels, strict=True):
                legend_handles.append(Patch(facecolor=colour, edgecolor="none", label=label))
        if (~known).any():
            missing = communes.loc[~known]
            missing.plot(ax=ax, facecolor=MISSING_FILL, edgecolor="white", linewidth=0.8, zorder=2)
            missing.plot(ax=ax, facecolor="none", edgecolor=MISSING_HATCH_COLOUR, hatch="/////",
                         linewidth=0, zorder=2.1)
            legend_handles.append(Patch(facecolor=MISSING_FILL, edgecolor=MISSING_HATCH_COLOUR,
                                        hatch="/////", linewidth=0, label=MISSING))
    else:
        communes.plot(ax=ax, facecolor=PLAIN_FILL, edgecolor="white", linewidth=1.0, zorder=2)

    gpd.GeoSeries([outline], crs=crs).boundary.plot(ax=ax, color=ACCENT, linewidth=1.6, zorder=5)

    if labels and len(communes) <= MAX_LABELLED_COMMUNES:
        size = label_scale * (8 if len(communes) <= 8 else 7 if len(communes) <= 16 else 6.2)
        for name, point in zip(communes["name"], communes.geometry.representative_point(), strict=True):
            _halo(ax.text(point.x, point.y, _label_text(str(name)), ha="center", va="center", fontsize=size,
                          color="#1d1d1d", linespacing=0.95, zorder=10), 2.4)

    _draw_scale_bar(ax, x0, y0, x1, y1)
    _draw_north_arrow(ax, x0, y0, x1, y1)
    # A hairline frame: the context layer is cut by the view, the frame makes the cut deliberate.
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor=FRAME_COLOUR,
                           linewidth=1.2, zorder=40, clip_on=True))

    if legend_ax is not None and legend_handles:
        # The unit heads the legend unless every label already ends with it (%, €, km²).
        title = block.unit if block is not None and block.unit and kind not in INLINE_UNIT else None
        legend_ax.legend(handles=legend_handles, loc="center left", title=title, frameon=False,
                         alignment="left", fontsize=8, title_fontsize=8, handlelength=1.6,
                         handleheight=1.1, labelspacing=0.55)
    return fig


def _palette(n_classes: int) -> tuple[str, ...]:
    return tuple(CLASS_COLOURS[i] for i in _PALETTE_STEPS[min(max(n_classes, 1), MAX_CLASSES)])


def class_colours(minimum: float, bins: Sequence[float]) -> tuple[str, ...]:
    """Colour of each class: sequential blues, or diverging around zero when values cross it."""
    lower = [minimum, *bins[:-1]]
    if not (minimum < 0 < bins[-1]):
        return _palette(len(bins))
    negative = [i for i, high in enumerate(bins) if high <= 0]
    positive = [i for i, low in enumerate(lower) if low >= 0 and i not in negative]
    colours = [ZERO_COLOUR] * len(bins)
    for step, i in zip(_NEGATIVE_STEPS[len(negative)] if negative else (), reversed(negative), strict=True):
        colours[i] = NEGATIVE_COLOURS[step]  # nearest zero first, palest
    for step, i in zip(_POSITIVE_STEPS[len(positive)] if positive else (), positive, strict=True):
        colours[i] = CLASS_COLOURS[step]
    return tuple(colours)


def map_svg(
    block: CommuneMap | None,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    *,
    plain: bool = False,
    labels: bool | None = None,
    max_height: float = COLUMN_MAX_HEIGHT_IN,
    label_scale: float = 1.0,
) -> str | None:
    """The map as an inline SVG string, or None when there are no boundaries to draw."""
    return map_images(block, boundaries, context, plain=plain, labels=labels, max_height=max_height,
                      label_scale=label_scale)[0]


def map_images(
    block: CommuneMap | None,
    boundaries: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    *,
    plain: bool = False,
    labels: bool | None = None,
    max_height: float = COLUMN_MAX_HEIGHT_IN,
    label_scale: float = 1.0,
    png: bool = False,
) -> tuple[str | None, bytes | None]:
    """The map as SVG and, when asked, as a 300 dpi PNG from the same drawing; (None, None)
    when there are no boundaries to draw."""
    if boundaries is None or len(boundaries) == 0:
        return None, None
    if labels is None:
        labels = block.labels if block is not None else True
    with house_style():
        fig = map_figure(block, boundaries, context, plain=plain, labels=labels, max_height=max_height,
                         label_scale=label_scale)
        try:
            return map_figure_images(fig, png=png)
        finally:
            fig.clear()


# -- labels: real SVG text in the shipped font, a white halo under each

HALO_GID = "halo-"  # the gid of a text drawn with a white halo: "halo-<stroke width in points>"
HALO_COLOUR = "white"


def _halo(text: Text, width: float) -> Text:
    """Give `text` a white halo `width` points wide (for legibility across outlines and fills).

    The raster (Agg) draws it as a path effect; the SVG writes the text as real `<text>` in the
    house font with a white stroked copy under it (`_svg_halos`): the path effect would write every
    glyph's outline, twice, and defeat matplotlib's glyph reuse (340 KB of the CCPA's 386 KB map)."""
    text.set_path_effects([patheffects.withStroke(linewidth=width, foreground=HALO_COLOUR)])
    text.set_gid(f"{HALO_GID}{width:g}")
    return text


_HALO_GROUP = re.compile(r'<g id="' + re.escape(HALO_GID) + r'([\d.]+)">\n(.*?)</g>', re.DOTALL)
_TEXT_ELEMENT = re.compile(r'(\s*)<text style="([^"]*)"(.*?</text>)', re.DOTALL)
_FILL = re.compile(r"fill: [^;]+;? ?")


def _svg_halos(svg: str) -> str:
    """Each halo group's `<text>` elements preceded by their white stroked copies."""

    def group(match: re.Match[str]) -> str:
        width, body = match.group(1), match.group(2)
        halo_style = f"stroke: #ffffff; stroke-width: {width}; stroke-linejoin: round; fill: #ffffff"

        def halo(text: re.Match[str]) -> str:
            style = "; ".join(part for part in (_FILL.sub("", text.group(2)).strip("; "), halo_style) if part)
            return f'{text.group(1)}<text style="{style}"{text.group(3)}'

        copies = "".join(halo(text) for text in _TEXT_ELEMENT.finditer(body))
        return f"<g>{copies}\n{body}</g>"

    return _HALO_GROUP.sub(group, svg)


def map_figure_images(fig: Figure, *, png: bool = False) -> tuple[str, bytes | None]:
    """(SVG, PNG or None) of a map figure, path coordinates at a tenth of a point; the PNG from the
    same figure, halos as path effects.

    The SVG's texts (labels, legend, scale) are `<text>` in the house font, halos white stroked
    copies under them (`_svg_halos`), not glyph outlines (the house style's `svg.fonttype: path`)."""
    halos = [(text, text.get_path_effects()) for text in fig.findobj(Text)
             if str(text.get_gid() or "").startswith(HALO_GID)]
    for text, _ in halos:
        text.set_path_effects([])
    try:
        # The house font is the dossier's (@font-face of templates/fonts): WeasyPrint lays out the
        # SVG text in it, with the metrics matplotlib placed it with.
        with matplotlib.rc_context({"svg.fonttype": "none"}):
            svg = figure_to_svg(fig, tight=False)
    finally:
        for text, effects in halos:
            text.set_path_effects(effects)
    return _rounded_paths(_svg_halos(svg)), (figure_to_png(fig, tight=False) if png else None)


# -- commune outlines, projected and simplified once for every map of a run

_PREPARED = "diagterr_map_outlines"


def map_outlines(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The communes (code, name, geometry) in the area's projection, simplified as one coverage to
    what a commune map of the A4 column can show (half a point at the largest scale any of them is
    drawn at: the full column width over the territory and its margins). Shared edges stay shared.

    Prepare once and pass the result to every `map_images` of a run; an already prepared frame
    comes back as is."""
    if boundaries.attrs.get(_PREPARED):
        return boundaries
    communes = boundaries[["code", "name", "geometry"]].copy()
    communes["code"] = communes["code"].astype(str)
    communes = communes.to_crs(crs_for_codes(communes["code"]))
    minx, miny, maxx, maxy = communes.total_bounds
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    metres_per_point = (w + 2 * 0.08 * max(w, h)) / (COLUMN_WIDTH_IN * 72)  # as _view_box adds margins
    communes = communes.set_geometry(_simplified(communes, SIMPLIFY_POINTS * metres_per_point))
    communes.attrs[_PREPARED] = True
    return communes


# -- maps of zones around the territory (`ZoneMap`: the EPCI of a région, the communes of a département)

HALF_WIDTH_IN = 84 / 25.4  # two maps side by side in the A4 column (174 mm, 6 mm apart)
ZONE_MAP_MAX_HEIGHT_IN = 2.9  # two rows of maps, with their titles and captions, on an A4 page
ZONE_MAP_MIN_HEIGHT_IN = 2.1
LEGEND_ROW_IN = 0.145
LEGEND_PAD_IN = 0.1
LEGEND_SHORT_LABEL = 14  # labels up to this length fit three legend columns in a half-width map
# Outlines are simplified to what the map can show: half a point at the map's scale.
SIMPLIFY_POINTS = 0.5
OUTLINED_HALO = "white"
MARKED_FILL = "#9fb8d3"  # the nearest territories on the plain map, a shade above PLAIN_FILL


def _zone_edge_width(count: int) -> float:
    """Thinner white edges between zones the more zones there are (1 200 communes vs 150 EPCI)."""
    return 0.5 if count <= 120 else 0.35 if count <= 400 else 0.2


def zone_outlines(block: ZoneMap, zones: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The outlines of the block's zones (its level, its codes), EPSG:4326 as given."""
    if zones is None or zones.empty:
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs="EPSG:4326")
    codes = {code for code, _ in block.values} | set(block.outlined)
    rows = zones[(zones["level"] == block.level) & zones["code"].astype(str).isin(codes)]
    rows = rows.drop_duplicates("code")
    return gpd.GeoDataFrame(rows[["code", "name", "geometry"]].assign(code=rows["code"].astype(str)),
                            geometry="geometry", crs=zones.crs).reset_index(drop=True)


def _simplified(frame: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoSeries:
    """The outlines simplified as one coverage (shared edges stay shared: no slivers, no gaps)."""
    import shapely
    import shapely.errors

    geometries = frame.geometry.values
    try:
        simple = shapely.coverage_simplify(geometries, tolerance, simplify_boundary=True)
    except shapely.errors.GEOSException:  # pragma: no cover - not a coverage: simplify each zone alone
        simple = shapely.simplify(geometries, tolerance, preserve_topology=True)
    return gpd.GeoSeries(simple, index=frame.index, crs=frame.crs)


def zone_map_figure(block: ZoneMap, zones: gpd.GeoDataFrame, *, crs: str | None = None,
                    width: float = HALF_WIDTH_IN) -> Figure:
    """The matplotlib figure of a zone map (call inside `house_style()`): the zones by class, the
    territory outlined, its name beside it, the class breaks in the legend below the map."""
    frame = zone_outlines(block, zones)
    # The projection of the area: read from the communes' codes on a commune map; an EPCI's SIREN
    # says nothing of where it is, so an EPCI map takes `crs`, that of the territory's communes.
    if block.level == "COM":
        crs = crs_for_codes(frame["code"])
    crs = crs or MAINLAND_CRS
    frame = frame.to_crs(crs)
    values = dict(block.values)
    frame["value"] = [values.get(code) for code in frame["code"]]
    known = frame["value"].notna()
    data = frame.loc[known, "value"].astype(float)

    # Classes first: the legend's size sets the figure's height.
    handles: list[Patch] = []
    colours: list[str] = []
    marked: dict[str, str] = {}
    if block.plain:
        # The labelled zones other than the territory, numbered in the order of the labels.
        outlined = set(block.outlined)
        marked = {code: str(i) for i, (code, _) in
                  enumerate([item for item in block.labels if item[0] not in outlined], start=1)}
        names = dict(block.labels)
        handles = [Patch(facecolor=MARKED_FILL, edgecolor="none", label=f"{number}. {names[code]}")
                   for code, number in marked.items()]
        known = frame["code"].isin([])  # nothing hatched: a plain map has no missing value
        data = frame.loc[known, "value"]
    if len(data):
        bins = class_breaks(list(data))
        palette = class_colours(float(data.min()), bins)
        colours = [palette[class_of(v, bins)] for v in data]
        labels = class_labels(float(data.min()), bins, block.value_kind)
        handles = [Patch(facecolor=c, edgecolor="none", label=label) for c, label in zip(palette, labels, strict=True)]
    if (~known).any() and not block.plain:
        handles.append(Patch(facecolor=MISSING_FILL, edgecolor=MISSING_HATCH_COLOUR, hatch="//////",
                             linewidth=0, label=MISSING))
    title = block.unit if block.unit and block.value_kind not in INLINE_UNIT else None
    longest = max((len(str(h.get_label())) for h in handles), default=0)
    ncols = 1 if block.plain else 3 if longest <= LEGEND_SHORT_LABEL else 2
    rows = -(-len(handles) // ncols)
    legend_height = LEGEND_PAD_IN + LEGEND_ROW_IN * (rows + (1 if title else 0))

    bounds = np.array(frame.total_bounds)
    span_x, span_y = max(bounds[2] - bounds[0], 1.0), max(bounds[3] - bounds[1], 1.0)
    margin = 0.08 * max(span_x, span_y)  # as _view_box adds them: 1 on the sides and top, 1.9 below
    natural = (span_y + 2.9 * margin) / (span_x + 2 * margin)
    map_height = float(np.clip(width * natural, ZONE_MAP_MIN_HEIGHT_IN, ZONE_MAP_MAX_HEIGHT_IN))
    height = map_height + legend_height
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, legend_height / height, 1, map_height / height))
    legend_ax = fig.add_axes((0, 0, 1, legend_height / height))
    ax.set_axis_off()
    legend_ax.set_axis_off()
    x0, y0, x1, y1 = _view_box(bounds, map_height / width)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")

    tolerance = SIMPLIFY_POINTS * (x1 - x0) / (width * 72)
    frame = frame.set_geometry(_simplified(frame, tolerance))
    edge = _zone_edge_width(len(frame))
    if len(data):
        frame.loc[known].plot(ax=ax, color=colours, edgecolor="white", linewidth=edge, zorder=2)
    if block.plain:
        flat = ~frame["code"].isin(list(marked))
        frame.loc[flat].plot(ax=ax, facecolor=PLAIN_FILL, edgecolor="white", linewidth=edge, zorder=2)
        tinted = frame.loc[~flat]
        if len(tinted):
            tinted.plot(ax=ax, facecolor=MARKED_FILL, edgecolor="white", linewidth=edge, zorder=2)
            for code, point in zip(tinted["code"], tinted.geometry.representative_point(), strict=True):
                _halo(ax.text(point.x, point.y, marked[code], ha="center", va="center", fontsize=7.5,
                              fontweight="semibold", color="#1d1d1d", zorder=10), 2.2)
    elif (~known).any():
        missing = frame.loc[~known]
        missing.plot(ax=ax, facecolor=MISSING_FILL, edgecolor="white", linewidth=edge, zorder=2)
        missing.plot(ax=ax, facecolor="none", edgecolor=MISSING_HATCH_COLOUR, hatch="//////", linewidth=0,
                     zorder=2.1)

    # The whole area's outer edge, then the territory: a white halo under the accent line, so that
    # it reads on the darkest class as on the palest.
    gpd.GeoSeries([frame.geometry.union_all()], crs=crs).boundary.plot(ax=ax, color="#8a939c", linewidth=0.6,
                                                                        zorder=3)
    territory = frame.loc[frame["code"].isin(set(block.outlined))]
    if len(territory):
        line = gpd.GeoSeries([territory.geometry.union_all()], crs=crs).boundary
        line.plot(ax=ax, color=OUTLINED_HALO, linewidth=3.0, zorder=5)
        line.plot(ax=ax, color=ACCENT, linewidth=1.5, zorder=6)
        _label_territory(ax, block, territory, (x0, y0, x1, y1), width * 72)

    _draw_scale_bar(ax, x0, y0, x1, y1)
    _draw_north_arrow(ax, x0, y0, x1, y1)
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor=FRAME_COLOUR,
                           linewidth=1.0, zorder=40, clip_on=True))
    if handles:
        legend_ax.legend(handles=handles, loc="upper left", title=title, frameon=False, alignment="left",
                         ncols=ncols, fontsize=6.8, title_fontsize=6.8, handlelength=1.3, handleheight=0.9,
                         labelspacing=0.3, columnspacing=1.0, handletextpad=0.5, borderaxespad=0.25)
    return fig


def _label_territory(ax: Axes, block: ZoneMap, territory: gpd.GeoDataFrame,
                     view: tuple[float, float, float, float], width_pt: float) -> None:
    """The territory's name beside its outline, on the side facing the map's centre, with a leader
    from a point inside it."""
    names = dict(block.labels)
    text = " ; ".join(names[code] for code in territory["code"] if code in names)
    if not text:
        return
    x0, y0, x1, y1 = view
    _, tminy, _, tmaxy = territory.total_bounds
    inside = territory.geometry.union_all().representative_point()
    above = inside.y < (y0 + y1) / 2
    dx = -1 if inside.x > (x0 + x1) / 2 else 1
    # Points per map metre: the label clears the outline by 10 pt above (or below) it.
    ppm = width_pt / (x1 - x0)
    dy = ((tmaxy - inside.y) * ppm + 10) if above else -((inside.y - tminy) * ppm + 10)
    # The leader runs from inside the territory to the label's nearest corner.
    corner = (0.0 if dx > 0 else 1.0, 0.0 if above else 1.0)
    label = ax.annotate(
        textwrap.fill(text, width=26), xy=(inside.x, inside.y), xytext=(12 * dx, dy),
        textcoords="offset points", ha="left" if dx > 0 else "right", va="bottom" if above else "top",
        fontsize=7.5, fontweight="semibold", color="#1d1d1d", zorder=20,
        arrowprops={"arrowstyle": "-", "color": "#1d1d1d", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0,
                    "relpos": corner},
    )
    _halo(label, 2.6)


_PATH_DATA = re.compile(r' d="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d+\.\d)\d+")


def _rounded_paths(svg: str) -> str:
    """The SVG with its path coordinates at a tenth of a point (matplotlib writes six decimals):
    a map of a thousand communes shrinks by a third, with no visible change."""
    return _PATH_DATA.sub(lambda m: ' d="' + _LONG_DECIMAL.sub(r"\1", m.group(1)) + '"', svg)


def zone_map_svg(block: ZoneMap, zones: gpd.GeoDataFrame | None, *, crs: str | None = None) -> str | None:
    """The zone map as an inline SVG string, or None when none of its zones has an outline.

    `crs`: the projection of an EPCI map (that of the territory's communes, `crs_for_codes`)."""
    return zone_map_images(block, zones, crs=crs)[0]


def zone_map_images(block: ZoneMap, zones: gpd.GeoDataFrame | None, *, crs: str | None = None,
                    png: bool = False) -> tuple[str | None, bytes | None]:
    """The zone map as SVG and, when asked, as a 300 dpi PNG from the same drawing."""
    if zone_outlines(block, zones).empty:
        return None, None
    assert zones is not None
    with house_style():
        fig = zone_map_figure(block, zones, crs=crs)
        try:
            return map_figure_images(fig, png=png)
        finally:
            fig.clear()


def missing_zones(block: ZoneMap, zones: gpd.GeoDataFrame | None) -> list[str]:
    """Codes of the block's zones without an outline in `zones`."""
    known = set(zone_outlines(block, zones)["code"])
    return [code for code, _ in block.values if code not in known]


def missing_geometries(block: CommuneMap, boundaries: gpd.GeoDataFrame | None) -> list[str]:
    """Codes that have a value in the block but no outline in the boundaries."""
    if boundaries is None:
        return [code for code, _ in block.values]
    known = set(boundaries["code"].astype(str))
    return [code for code, _ in block.values if code not in known]


__all__ = [
    "DROM_CRS",
    "MAINLAND_CRS",
    "class_breaks",
    "class_colours",
    "class_labels",
    "crs_for_codes",
    "map_figure",
    "map_figure_images",
    "map_images",
    "map_outlines",
    "map_svg",
    "missing_geometries",
    "missing_zones",
    "zone_map_figure",
    "zone_map_images",
    "zone_map_svg",
    "zone_outlines",
]
