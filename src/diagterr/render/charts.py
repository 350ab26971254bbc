"""Charts of the dossier (`Chart` blocks) drawn with matplotlib as SVG strings.

Figures are built with `matplotlib.figure.Figure`, never through pyplot: nothing is registered
in pyplot's global figure list, so nothing can leak between dossiers of a batch (the figure is
freed with its last reference; there is no `plt.close` to forget), and no GUI backend is ever
chosen. Output is byte-reproducible: fixed `svg.hashsalt`, no date in the metadata, text as paths.

Conventions read from the `Chart` data:
- the first series is the territory (strong accent colour, drawn on top); the next ones are the
  comparison levels in the order given (département, région, France) in muted tones;
- in a `stacked_bar`, the series are the parts of each bar (e.g. age groups) and `x` the bars;
- `None` is a gap (a line breaks, a bar is absent and marked "n.d."), never a zero;
- a `stripes` chart ("warming stripes") has one series: the deviation of each year from a
  reference mean, one vertical stripe per year, blue below zero and red above, the colour scale
  symmetric around zero; a year without a value is a pale hatched stripe.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from diagterr.dossier import Chart, Series, ValueKind
from diagterr.formatting import MISSING, valeur
from diagterr.render.axes import FrenchTickFormatter, axis_formatter
from diagterr.resources import templates_dir

STYLE_FILE = Path(__file__).with_name("diagterr.mplstyle")

# A4 column: 174 mm of text width.
COLUMN_WIDTH_IN = 174 / 25.4

ACCENT = "#1f3a5f"
# Territory first, then the comparison levels: muted blue, light grey, dark grey.
SERIES_COLOURS = (ACCENT, "#7f97b2", "#aab3bc", "#5b5b5b", "#c49a3a", "#8a6d9e")
SERIES_LINESTYLES = ("-", "-", (0, (4, 2)), (0, (1.2, 1.6)), "-", "-")
# Parts of a stacked bar: a sequential ramp of the accent (dark to light reads as an order),
# then two muted extras for long stacks.
STACK_COLOURS = ("#1f3a5f", "#3e6189", "#6f8fb3", "#a3b8cf", "#cfdae6", "#e6ebf1", "#b9a27a", "#8c8c8c")
MISSING_COLOUR = "#8a8a8a"
# Warming stripes: a diverging ramp, cold blue to warm red (ColorBrewer RdBu, reversed).
STRIPES_COLOURMAP = "RdBu_r"

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)


@cache
def register_fonts() -> tuple[str, ...]:
    """Make the dossier's fonts (templates/fonts/*.ttf) known to matplotlib, once per process."""
    added = []
    fonts = templates_dir() / "fonts"
    for path in sorted(fonts.glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))
        added.append(path.name)
    return tuple(added)


@contextmanager
def house_style() -> Iterator[None]:
    """rcParams of the house style for the duration of a drawing (figures and savefig)."""
    register_fonts()
    with matplotlib.rc_context(fname=str(STYLE_FILE)):
        yield


def figure_to_svg(fig: Figure, *, tight: bool = True) -> str:
    """Serialise a figure to an SVG fragment ready to be inlined in HTML (no XML prolog).

    Call inside `house_style()` so that `svg.hashsalt` and `svg.fonttype` apply.
    """
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        metadata={"Date": None},
        bbox_inches="tight" if tight else None,
    )
    return _PROLOG.sub("", buffer.getvalue(), count=1)


PRINT_DPI = 300  # the PNG of a figure: the DOCX's images and the map pack's cartes/*.png
PNG_COMPRESSION = 3  # zlib level: 0.4 s less than the default 6 for 13 maps, 6 % bigger files


def _drawn_tight_bbox(fig: Figure) -> Bbox:
    """The tight crop (inches, padded as savefig pads it) of a figure drawn already (for its SVG),
    measured at PRINT_DPI without the extra draw pass savefig makes for `bbox_inches="tight"`."""
    width, height = fig.get_size_inches() * PRINT_DPI
    dpi = fig.dpi
    fig.dpi = PRINT_DPI
    try:
        bbox = fig.get_tightbbox(RendererAgg(int(width), int(height), PRINT_DPI))
    finally:
        fig.dpi = dpi
    return bbox.padded(matplotlib.rcParams["savefig.pad_inches"])


def figure_to_png(fig: Figure, *, tight: bool = True) -> bytes:
    """The same figure as a PNG at print resolution (300 dpi written in the file), cropped as
    `figure_to_svg` crops it. Drawn from the figure already built for the SVG: one drawing per
    figure serves the dossier, the DOCX and the map pack (CairoSVG rasterising the SVG instead
    cost 0.3 to 0.6 s a figure)."""
    buffer = io.BytesIO()
    fig.set_layout_engine("none")  # keep the layout the SVG was drawn with (no second layout at 300 dpi)
    # The crop measured on the drawing the SVG made: savefig's "tight" would lay every artist out once more.
    crop = "tight" if tight else matplotlib.rcParams["savefig.bbox"]  # None lets the house style crop
    bbox = _drawn_tight_bbox(fig) if crop == "tight" else None
    fig.savefig(buffer, format="png", dpi=PRINT_DPI, bbox_inches=bbox,
                metadata={"Software": None}, pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


def figure_images(fig: Figure, *, tight: bool = True, png: bool = False) -> tuple[str, bytes | None]:
    """(SVG, PNG or None): the SVG first, so that it is byte-identical with or without the PNG."""
    svg = figure_to_svg(fig, tight=tight)
    return svg, (figure_to_png(fig, tight=tight) if png else None)


def series_values(series: Series) -> np.ndarray:
    """The y values of a series as floats, with `None` as NaN (a gap, never 0)."""
    return np.array([math.nan if v is None else float(v) for v in series.y], dtype=float)


def _numeric_x(labels: Sequence[str]) -> list[float] | None:
    """Positions of the x labels on a real scale when they are all years/numbers, else None."""
    try:
        return [float(label.replace(",", ".")) for label in labels]
    except ValueError:
        return None


def _categories(chart: Chart) -> list[str]:
    """Union of the x values of every series, in order of first appearance."""
    seen: dict[str, None] = {}
    for series in chart.series:
        for x in series.x:
            seen.setdefault(x, None)
    return list(seen)


def _series_style(index: int) -> dict[str, Any]:
    colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    return {
        "color": colour,
        "linestyle": SERIES_LINESTYLES[index % len(SERIES_LINESTYLES)],
        "linewidth": 2.2 if index == 0 else 1.4,
        "zorder": 10 - min(index, 9) if index else 20,
    }


def _unit_label(chart: Chart) -> str | None:
    """Axis label for units that the tick labels do not already carry (%, €, km²)."""
    if chart.value_kind in ("rate", "median", "amount", "area"):
        return None
    return chart.unit or None


def _legend(ax, n_series: int) -> None:
    if n_series > 1:
        ax.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.02),
            ncol=min(n_series, 4),
            frameon=False,
            handlelength=1.8,
        )


def _line(fig: Figure, chart: Chart) -> None:
    ax = fig.add_subplot()
    categories = _categories(chart)
    numeric = _numeric_x(categories)
    if numeric is not None:  # years of a later series may come after those of the first
        categories = [c for _, c in sorted(zip(numeric, categories, strict=True))]
        numeric = sorted(numeric)
    position = dict(zip(categories, numeric or range(len(categories)), strict=True))
    for index, series in enumerate(chart.series):
        xs = np.array([position[x] for x in series.x], dtype=float)
        ys = series_values(series)
        style = _series_style(index)
        ax.plot(xs, ys, label=series.label, marker="o", markersize=3.2 if index == 0 else 2.4, **style)
    ticks = [position[c] for c in categories]
    keep = _spaced_ticks(ticks)
    ax.set_xticks([ticks[i] for i in keep], [categories[i] for i in keep])
    if len(keep) < len(ticks):  # every period still gets a small tick mark
        ax.set_xticks(ticks, minor=True)
        ax.tick_params(axis="x", which="minor", length=2, width=0.5, color="#9a9a9a")
    ax.yaxis.set_major_formatter(axis_formatter(chart.value_kind))
    if (label := _unit_label(chart)) is not None:
        ax.set_ylabel(label)
    _legend(ax, len(chart.series))


def _spaced_ticks(positions: Sequence[float], max_labels: int = 10) -> list[int]:
    """Indexes of the x positions to label: the first, the last, none closer than range/(max-1).

    Years are unevenly spaced (1968, 1975, … then every year since 2006): labelling each one
    would make "20222023" at the end of the axis.
    """
    if len(positions) <= 2:
        return list(range(len(positions)))
    span = max(positions) - min(positions)
    gap = span / (max_labels - 1) if span > 0 else 0
    keep = [0]
    for i in range(1, len(positions)):
        if positions[i] - positions[keep[-1]] >= gap * 0.999:
            keep.append(i)
    last = len(positions) - 1
    if keep[-1] != last:
        if positions[last] - positions[keep[-1]] < gap * 0.999 and len(keep) > 1:
            keep.pop()
        keep.append(last)
    return keep


def _bar_label(ax, x: float, y: float, kind: ValueKind, horizontal: bool) -> None:
    """The value at the end of its bar (outside, below zero for a negative bar)."""
    text = valeur(y, kind)
    sign = -1 if y < 0 else 1
    if horizontal:
        ax.annotate(text, (y, x), xytext=(3 * sign, 0), textcoords="offset points",
                    ha="left" if sign > 0 else "right", va="center", fontsize=7.5, color="#333333")
    else:
        ax.annotate(text, (x, y), xytext=(0, 2 * sign), textcoords="offset points",
                    ha="center", va="bottom" if sign > 0 else "top", fontsize=7.5, color="#333333")


def _missing_label(ax, x: float, horizontal: bool) -> None:
    if horizontal:
        ax.annotate(MISSING, (0, x), xytext=(3, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7, color=MISSING_COLOUR, style="italic")
    else:
        ax.annotate(MISSING, (x, 0), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7, color=MISSING_COLOUR, style="italic")


def _bars(fig: Figure, chart: Chart, *, horizontal: bool) -> None:
    """Grouped bars. A series with no value at all takes no room: the legend says "n.d."."""
    ax = fig.add_subplot()
    categories = _categories(chart)
    styled = list(enumerate(chart.series))  # colour index follows the series' rank
    drawn = [(i, s) for i, s in styled if not np.isnan(series_values(s)).all()]
    drawn_indexes = {i for i, _ in drawn}
    n_series = max(len(drawn), 1)
    group = 0.78 if n_series > 1 else 0.6
    width = group / n_series
    base = np.arange(len(categories), dtype=float)
    annotate = len(categories) * n_series <= 24
    handles = []
    for index, series in styled:
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        if index not in drawn_indexes:
            handles.append(Patch(facecolor="white", edgecolor=MISSING_COLOUR, linewidth=0.6,
                                 label=f"{series.label} : {MISSING}"))
        else:
            handles.append(Patch(facecolor=colour, label=series.label))
    for slot, (index, series) in enumerate(drawn):
        values = dict(zip(series.x, series_values(series), strict=True))
        offset = -group / 2 + width * (slot + 0.5)
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        pos, heights = [], []
        for i, category in enumerate(categories):
            v = values.get(category, math.nan)
            p = base[i] + offset
            if math.isnan(v):
                if category in values:
                    _missing_label(ax, p, horizontal)
                continue
            pos.append(p)
            heights.append(v)
            if annotate:
                _bar_label(ax, p, v, chart.value_kind, horizontal)
        draw = ax.barh if horizontal else ax.bar
        draw(pos, heights, width * 0.92, color=colour, zorder=3)
    _bar_axes(ax, chart, categories, horizontal=horizontal)
    if len(handles) > 1 or len(drawn) < len(handles):
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.02), ncol=min(len(handles), 4),
                  frameon=False, handlelength=1.2)


def _bar_axes(ax: Axes, chart: Chart, categories: list[str], *, horizontal: bool) -> None:
    """The value axis in French, a zero line when a bar is negative, the categories on the other axis."""
    base = np.arange(len(categories), dtype=float)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    value_axis.set_major_formatter(axis_formatter(chart.value_kind))
    if any(v < 0 for s in chart.series for v in series_values(s) if not math.isnan(v)):
        zero_line = ax.axvline if horizontal else ax.axhline
        zero_line(0, color="#777777", linewidth=0.6, zorder=4)
    if horizontal:
        ax.set_yticks(base, categories)
        ax.invert_yaxis()  # first category on top, as it is read
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", length=0)
        ax.spines["left"].set_visible(False)
        ax.margins(x=0.08)
        if (label := _unit_label(chart)) is not None:
            ax.set_xlabel(label)
    else:
        ax.set_xticks(base, categories)
        ax.tick_params(axis="x", length=0)
        ax.margins(y=0.08)
        if (label := _unit_label(chart)) is not None:
            ax.set_ylabel(label)
        if max((len(c) for c in categories), default=0) * len(categories) > 90:
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("right")


def _stacked(fig: Figure, chart: Chart) -> None:
    """Stacked bars, one bar per x, one segment per series.

    Bars are horizontal when x names places (territory, département, France: labels read
    better on the left), vertical when x is a time axis. Negative parts stack below zero.
    """
    ax = fig.add_subplot()
    categories = _categories(chart)
    horizontal = _numeric_x(categories) is None
    base = np.arange(len(categories), dtype=float)
    above = np.zeros(len(categories))
    below = np.zeros(len(categories))
    matrix = np.array(
        [[dict(zip(s.x, series_values(s), strict=True)).get(c, math.nan) for c in categories]
         for s in chart.series],
        dtype=float,
    )
    span = float(np.nansum(np.abs(matrix), axis=0).max()) if matrix.size else 0.0
    draw = ax.barh if horizontal else ax.bar
    for index, series in enumerate(chart.series):
        values = matrix[index]
        drawn = np.nan_to_num(values)  # a missing part adds nothing
        start = np.where(drawn >= 0, above, below)
        colour = STACK_COLOURS[index % len(STACK_COLOURS)]
        kwargs: dict[str, Any] = {"left": start} if horizontal else {"bottom": start}
        draw(base, drawn, 0.62, color=colour, label=series.label,
             edgecolor="white", linewidth=0.8, zorder=3, **kwargs)
        dark_text = 3 <= index % len(STACK_COLOURS) <= 6
        for i, v in enumerate(values):
            if math.isnan(v) or span <= 0 or abs(v) / span < 0.07:
                continue
            middle = start[i] + v / 2
            xy = (middle, base[i]) if horizontal else (base[i], middle)
            ax.text(*xy, valeur(v, chart.value_kind), ha="center", va="center", fontsize=7.5,
                    color="#1f2a36" if dark_text else "white", zorder=4)
        above = np.where(drawn >= 0, above + drawn, above)
        below = np.where(drawn < 0, below + drawn, below)
    value_axis = ax.xaxis if horizontal else ax.yaxis
    value_axis.set_major_formatter(axis_formatter(chart.value_kind))
    ax.tick_params(axis="both", length=0)
    if horizontal:
        ax.set_yticks(base, categories)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.spines["left"].set_visible(False)
    else:
        ax.set_xticks(base, categories)
    if (below < 0).any():
        zero_line = ax.axvline if horizontal else ax.axhline
        zero_line(0, color="#777777", linewidth=0.6, zorder=4)
    if (label := _unit_label(chart)) is not None:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(label)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=min(len(chart.series), 5),
              frameon=False, handlelength=1.0)


def stripes_scale(values: Sequence[float | None]) -> float:
    """Half-width of the colour scale of a stripes chart: the largest deviation, at least 0.5.

    Symmetric around zero, so that white is exactly the reference mean and an equal deviation
    above or below takes an equally strong colour.
    """
    present = [abs(float(v)) for v in values if v is not None and not math.isnan(float(v))]
    return max([0.5, *present])


def _stripes(fig: Figure, chart: Chart) -> None:
    """One stripe per x (a year), coloured by its value on a ramp centred on zero."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    if len(chart.series) != 1:
        raise ValueError(f"a stripes chart has one series, {chart.id!r} has {len(chart.series)}")
    [series] = chart.series
    values = series_values(series)
    scale = stripes_scale(series.y)
    norm = Normalize(vmin=-scale, vmax=scale)
    colours = colormaps[STRIPES_COLOURMAP]
    ax = fig.add_subplot()
    for i, value in enumerate(values):
        if math.isnan(value):
            ax.bar(i, 1.0, width=1.0, align="edge", color="#f2f2f2", hatch="////", edgecolor="#c8c8c8",
                   linewidth=0)
        else:
            ax.bar(i, 1.0, width=1.0, align="edge", color=colours(norm(value)), linewidth=0)
    ax.set_xlim(0, len(values))
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    labels = list(series.x)
    numeric = _numeric_x(labels)
    if numeric is not None:  # years: label the first, every decade, the last
        keep = [i for i, year in enumerate(numeric) if i in (0, len(labels) - 1) or year % 10 == 0]
        keep = [i for j, i in enumerate(keep) if j == 0 or i - keep[j - 1] >= 4 or i == len(labels) - 1]
        if len(keep) > 2 and keep[-1] - keep[-2] < 4:
            keep.pop(-2)
    else:
        keep = _spaced_ticks(list(range(len(labels))))
    ax.set_xticks([i + 0.5 for i in keep], [labels[i] for i in keep])
    ax.tick_params(axis="x", length=0, pad=2)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=colours), ax=ax, fraction=0.035, pad=0.01, aspect=12)
    bar.ax.yaxis.set_major_formatter(axis_formatter(chart.value_kind))
    bar.ax.tick_params(labelsize=7.5, length=2)
    bar.outline.set_visible(False)
    if chart.unit:
        bar.set_label(chart.unit, fontsize=7.5)
    if np.isnan(values).any():
        ax.legend(handles=[Patch(facecolor="#f2f2f2", hatch="////", edgecolor="#c8c8c8", label=f"année {MISSING}")],
                  loc="lower left", bbox_to_anchor=(0, 1.02), frameon=False, handlelength=1.2)


# Pyramid: men on the left, women on the right (the usual reading of INSEE's pyramids).
PYRAMID_COLOURS = (ACCENT, "#c49a3a")
PYRAMID_OUTLINE = "#2b2b2b"


def _pyramid(fig: Figure, chart: Chart) -> None:
    """Age pyramid: horizontal bars of the territory, men left and women right, youngest at the
    bottom; an optional comparison level drawn as a step outline over the bars.

    `chart.series` is (men, women) of the territory, then optionally (men, women) of the
    comparison, each over the same brackets. A missing bracket is marked "n.d.", never drawn as 0.
    """
    if len(chart.series) not in (2, 4):
        raise ValueError(f"a pyramid chart has 2 or 4 series (men, women pairs), {chart.id!r} has {len(chart.series)}")
    brackets = list(chart.series[0].x)
    if any(tuple(s.x) != tuple(brackets) for s in chart.series):
        raise ValueError(f"the series of the pyramid {chart.id!r} do not share the same brackets")
    fig.set_size_inches(COLUMN_WIDTH_IN, min(6.5, 1.3 + 0.3 * len(brackets)))
    ax = fig.add_subplot()
    pos = np.arange(len(brackets), dtype=float)
    sides = (-1.0, 1.0)
    territory = [series_values(s) for s in chart.series[:2]]
    comparison = [series_values(s) for s in chart.series[2:4]]
    for side, values, colour in zip(sides, territory, PYRAMID_COLOURS, strict=True):
        present = ~np.isnan(values)
        ax.barh(pos[present], side * values[present], 0.86, color=colour, zorder=3)
        for p in pos[~present]:
            ax.annotate(MISSING, (0, p), xytext=(3 * side, 0), textcoords="offset points",
                        ha="left" if side > 0 else "right", va="center", fontsize=7,
                        color=MISSING_COLOUR, style="italic")
    for side, values in zip(sides, comparison, strict=False):
        ax.plot(*_step_outline(side, values), color=PYRAMID_OUTLINE, linewidth=1.2, zorder=5)
    everything = np.concatenate([*territory, *comparison]) if comparison else np.concatenate(territory)
    largest = float(np.nanmax(everything)) if not np.isnan(everything).all() else 1.0
    limit = largest * 1.12
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-0.6, len(brackets) - 0.4)
    ax.axvline(0, color="#777777", linewidth=0.6, zorder=4)
    ax.xaxis.set_major_formatter(_AbsoluteTickFormatter(chart.value_kind))
    ax.set_yticks(pos, brackets)
    ax.tick_params(axis="both", length=0)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.spines["left"].set_visible(False)
    for side, label in zip(sides, ("Hommes", "Femmes"), strict=True):
        ax.text(0.5 + side * 0.25, 1.0, label, transform=ax.transAxes, ha="center", va="bottom",
                fontsize=8.5, fontweight="bold", color="#333333")
    handles: list[Artist] = [Patch(facecolor=PYRAMID_COLOURS[0], label=f"{chart.series[0].label} (hommes)"),
                             Patch(facecolor=PYRAMID_COLOURS[1], label=f"{chart.series[1].label} (femmes)")]
    if comparison:
        handles.append(Line2D([], [], color=PYRAMID_OUTLINE, linewidth=1.2, label=chart.series[2].label))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.07), ncol=len(handles),
              frameon=False, handlelength=1.4)


class _AbsoluteTickFormatter(FrenchTickFormatter):
    """The pyramid's value axis: the men's side reads as positive shares."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(abs(x), pos)


def _step_outline(side: float, values: np.ndarray) -> tuple[list[float], list[float]]:
    """x and y of a pyramid side's outline over brackets 0..n-1 (`side` -1 men, 1 women); a
    missing bracket breaks the line."""
    xs: list[float] = []
    ys: list[float] = []
    for p, v in enumerate(values):
        if math.isnan(v):
            xs.append(math.nan)
            ys.append(math.nan)
            continue
        xs += [side * v, side * v]
        ys += [p - 0.5, p + 0.5]
    if not math.isnan(values[0]):  # closed on the axis at both ends, like the bars
        xs, ys = [0.0, *xs], [-0.5, *ys]
    if not math.isnan(values[-1]):
        xs, ys = [*xs, 0.0], [*ys, len(values) - 0.5]
    return xs, ys


def _figure_size(chart: Chart) -> tuple[float, float]:
    n_categories = len(_categories(chart))
    if chart.chart == "stripes":
        return COLUMN_WIDTH_IN, 1.5
    if chart.chart == "hbar":
        rows = n_categories * max(1.0, 0.55 * len(chart.series))
        return COLUMN_WIDTH_IN, min(8.5, 0.7 + 0.26 * rows)
    if chart.chart == "stacked_bar" and _numeric_x(_categories(chart)) is None:
        return COLUMN_WIDTH_IN, min(6.0, 0.9 + 0.42 * n_categories)
    return COLUMN_WIDTH_IN, 2.9


def chart_figure(chart: Chart) -> Figure:
    """The matplotlib figure of a chart (call inside `house_style()`; used by tests too)."""
    fig = Figure(figsize=_figure_size(chart), layout="constrained")
    if chart.chart == "line":
        _line(fig, chart)
    elif chart.chart == "bar":
        _bars(fig, chart, horizontal=False)
    elif chart.chart == "hbar":
        _bars(fig, chart, horizontal=True)
    elif chart.chart == "stacked_bar":
        _stacked(fig, chart)
    elif chart.chart == "stripes":
        _stripes(fig, chart)
    elif chart.chart == "pyramid":
        _pyramid(fig, chart)
    else:  # pragma: no cover - guarded by the Literal type
        raise ValueError(f"unknown chart type {chart.chart!r}")
    return fig


def chart_svg(chart: Chart) -> str:
    """The chart as an inline SVG string (same data → same bytes)."""
    return chart_images(chart)[0]


# The chart of page 4 sits beside the contrasts: drawn at the width it is shown (its text then
# keeps the size of the chapters' charts), a row of bars under 5 mm high.
PAGE_FOUR_CHART_WIDTH_IN = 74 / 25.4


def page_four_chart_images(chart: Chart, *, png: bool = False) -> tuple[str, bytes | None]:
    """The contrasts' chart drawn at the width of its column on page 4 (SVG, PNG when asked)."""
    rows = len(chart.series[0].x) if chart.series else 1
    with house_style():
        fig = chart_figure(chart)
        try:
            fig.set_size_inches(PAGE_FOUR_CHART_WIDTH_IN, 0.5 + 0.18 * rows)
            for ax in fig.axes:  # room for the value labels at both ends of a narrow chart
                low, high = ax.get_xlim()
                pad = (high - low) * 0.15
                ax.set_xlim(low - pad if low < 0 else low, high + pad)
            return figure_images(fig, png=png)
        finally:
            fig.clear()


def chart_images(chart: Chart, *, png: bool = False) -> tuple[str, bytes | None]:
    """The chart as SVG and, when asked, as a 300 dpi PNG from the same drawing."""
    with house_style():
        fig = chart_figure(chart)
        try:
            return figure_images(fig, png=png)
        finally:
            fig.clear()
