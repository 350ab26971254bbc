"""The warming stripes chart kind (render/charts.py): one stripe per year, a colour scale centred
on zero, missing years hatched, never a colour.

The yearly values here are made-up arithmetic (a line, not a climate); the chain from the REAL
Open-Meteo specimens to the table the climate theme reads is tested in test_open_meteo.py and
test_climat.py.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.colors import to_hex

from diagterr.dossier import Chart, Series, SourceRef
from diagterr.render import charts

SOURCE = SourceRef("open_meteo_era5", "ERA5 1950-2025", "grille ERA5 0,25°, 1 point(s)")


def stripes(values: list[float | None], first_year: int = 1950) -> Chart:
    years = tuple(str(first_year + i) for i in range(len(values)))
    return Chart("climat_rayures", "Bandes", "stripes", (Series("Écart", years, tuple(values)),), "ratio", "°C", SOURCE)


def stripe_colours(chart: Chart) -> list[str]:
    with charts.house_style():
        fig = charts.chart_figure(chart)
        ax = fig.axes[0]
        return [to_hex(p.get_facecolor()) for p in ax.patches]


def test_one_stripe_per_year_blue_below_red_above_white_at_zero():
    values = [-1.0 + 0.04 * i for i in range(51)]  # -1 … +1, made-up arithmetic
    colours = stripe_colours(stripes(values))
    assert len(colours) == 51

    def red(colour: str) -> int:
        return int(colour[1:3], 16)

    def blue(colour: str) -> int:
        return int(colour[5:7], 16)

    assert blue(colours[0]) > red(colours[0])  # coldest year: blue
    assert red(colours[-1]) > blue(colours[-1])  # warmest: red
    assert abs(red(colours[25]) - blue(colours[25])) < 12  # zero: (nearly) white, neither


def test_the_scale_is_symmetric_so_equal_deviations_get_equal_strength():
    colours = stripe_colours(stripes([-0.8, 0.8, 0.0]))
    cold, warm = colours[0], colours[1]
    assert cold != warm
    assert charts.stripes_scale([-0.8, 0.8, None]) == 0.8
    assert charts.stripes_scale([0.1, None]) == 0.5  # a flat series is not painted dark


def test_a_missing_year_is_hatched_not_coloured():
    chart = stripes([-0.5, None, 0.5])
    with charts.house_style():
        fig = charts.chart_figure(chart)
        ax = fig.axes[0]
        hatched = [p for p in ax.patches if p.get_hatch()]
        assert len(hatched) == 1 and to_hex(hatched[0].get_facecolor()) == "#f2f2f2"
        [legend] = [ax.get_legend()]
        assert "n.d." in legend.get_texts()[0].get_text()


def test_decades_are_labelled_and_the_svg_is_reproducible():
    chart = stripes(list(np.linspace(-1, 1, 76)), first_year=1950)
    with charts.house_style():
        fig = charts.chart_figure(chart)
        labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == "1950" and labels[-1] == "2025" and "2000" in labels
    assert charts.chart_svg(chart) == charts.chart_svg(chart)


def test_a_stripes_chart_takes_exactly_one_series():
    chart = Chart("x", "x", "stripes", (Series("a", ("2000",), (1.0,)), Series("b", ("2000",), (1.0,))),
                  "ratio", "°C", SOURCE)
    with pytest.raises(ValueError, match="one series"):
        charts.chart_svg(chart)
