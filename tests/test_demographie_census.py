"""The census deepening of the Démographie chapter: the age pyramid by sex (chart kind "pyramid"),
the population change per intercensal period split into natural and migratory balance, the
households and their size, each with département, région and France.

Two kinds of inputs, said at each test:
- SYNTHETIC store frames and chart series: drawing and arithmetic inputs written in the test,
  not the figures of any territory (they never reach a dossier, and no fetcher reads them);
- the online CCPA run against the written Melodi answers (tests/melodi_census_answers.py: real
  figures of the samples, in the shape of the real Melodi bodies).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math

import pytest
from matplotlib.lines import Line2D

from diagterr.dossier import Chart, IndicatorTable, Note, Series, SourceRef, Table
from diagterr.pipeline import RunOptions, build_dossier, prepare
from diagterr.render import charts
from diagterr.resources import samples_dir
from diagterr.store import Manifest, Store, observation_frame
from diagterr.territory import resolve_territory
from diagterr.themes import demographie
from diagterr.themes.figures import Figures
from helpers import CCPA
from specimens import needs_specimens

SOURCE = SourceRef("insee_melodi", "RP 2021", "COG 2025")
BRACKETS = ("Moins de 15 ans", "15 à 29 ans", "30 à 44 ans", "45 à 59 ans", "60 ans ou plus")


# -- the drawer (synthetic drawing inputs) ------------------------------------------------------


def pyramid(men, women, compare=None) -> Chart:
    """SYNTHETIC shares: drawing inputs, not a territory."""
    series = [Series("Territoire", BRACKETS, tuple(men)), Series("Territoire", BRACKETS, tuple(women))]
    if compare:
        series += [Series("France", BRACKETS, tuple(compare[0])), Series("France", BRACKETS, tuple(compare[1]))]
    return Chart("pyramide_ages", "Pyramide", "pyramid", tuple(series), "rate", "%", SOURCE)


def test_men_are_drawn_left_women_right_and_the_comparison_as_an_outline():
    """Synthetic numbers: drawing inputs, not a territory."""
    chart = pyramid([9, 8, 10, 11, 12], [8.5, 7.5, 10.5, 11, 12.5], ([9, 9, 9, 10, 13], [8, 8, 10, 11, 13]))
    with charts.house_style():
        fig = charts.chart_figure(chart)
        ax = fig.axes[0]
        fig.canvas.draw()
        bars = [p for p in ax.patches if p.get_height() > 0.5]
        assert len(bars) == 10
        widths = sorted(round(p.get_width(), 3) for p in bars)
        assert widths[:5] == [-12, -11, -10, -9, -8]  # men on the left, one bar per bracket
        assert all(w > 0 for w in widths[5:])
        outlines = [line for line in ax.get_lines() if line.get_color() == charts.PYRAMID_OUTLINE]
        assert len(outlines) == 2  # one step line per side
        ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert ticks and not any(t.startswith(("-", "−")) for t in ticks)  # shares, never negative
        assert [t.get_text() for t in ax.get_yticklabels()] == list(BRACKETS)  # youngest at the bottom
        texts = {t.get_text() for t in ax.texts}
        assert {"Hommes", "Femmes"} <= texts
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["Territoire (hommes)", "Territoire (femmes)", "France"]
        assert any(isinstance(h, Line2D) for h in ax.get_legend().legend_handles)
    assert charts.chart_svg(chart) == charts.chart_svg(chart)


def test_a_missing_bracket_is_marked_not_drawn_as_zero():
    """Synthetic numbers: drawing inputs, not a territory."""
    chart = pyramid([9, 8, 10, 11, 12], [8.5, None, 10.5, 11, 12.5])
    with charts.house_style():
        fig = charts.chart_figure(chart)
        ax = fig.axes[0]
        assert len([p for p in ax.patches if p.get_height() > 0.5]) == 9
        assert [t.get_text() for t in ax.texts].count("n.d.") == 1


def test_a_pyramid_takes_pairs_of_series_over_the_same_brackets():
    """Synthetic numbers: drawing inputs, not a territory."""
    lone = Chart("p", "p", "pyramid", (Series("T", BRACKETS, (1, 2, 3, 4, 5)),), "rate", "%", SOURCE)
    with pytest.raises(ValueError, match="2 or 4 series"):
        charts.chart_svg(lone)
    shifted = Chart("p", "p", "pyramid", (Series("T", BRACKETS, (1,) * 5), Series("T", BRACKETS[:4], (1,) * 4)),
                    "rate", "%", SOURCE)
    with pytest.raises(ValueError, match="same brackets"):
        charts.chart_svg(shifted)


# -- the theme on small synthetic store frames --------------------------------------------------


def synthetic_store(tmp_path, table: str, rows: list[tuple[str, str, str, str, float | None]]) -> Store:
    """A store holding SYNTHETIC rows (geo_level, geo_code, variable, period, value): arithmetic
    inputs written here, not the figures of any territory."""
    store = Store([tmp_path / "store"])
    frame = observation_frame([
        {"geo_level": lvl, "geo_code": code, "variable": var, "period": period, "value": value,
         "status": None if value is not None else "secret", "source_id": "insee_melodi"}
        for lvl, code, var, period, value in rows
    ])
    store.write_table(table, frame, Manifest(table, "insee_melodi", "synthétique", "test", "test", "RP 2021",
                                             "COG 2025", "test", "2026-01-01"))
    return store


VILLENEUVE = "07341"  # one commune, in Ardèche (07), Auvergne-Rhône-Alpes (84)


def age_rows(level: str, code: str, counts: dict[str, float | None], period: str = "2021"):
    return [(level, code, f"pop_{key}", period, value) for key, value in counts.items()]


AGES_SYNTHETIC = {  # synthetic counts; the 20-64 / 65+ family overlaps the finer one and is ignored
    "M_Y_LT15": 100.0, "M_Y15T59": 300.0, "M_Y_GE60": 100.0, "M_Y20T64": 250.0, "M_Y_GE65": 80.0,
    "F_Y_LT15": 90.0, "F_Y15T59": 310.0, "F_Y_GE60": 100.0, "F_Y20T64": 260.0,
    "T_Y_LT15": 190.0, "T_Y15T59": 610.0, "T_Y_GE60": 200.0,
}


def test_the_pyramid_uses_the_finest_brackets_both_sexes_have_and_shares_of_the_whole_population(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    france = {"M_Y_LT15": 80.0, "M_Y15T59": 300.0, "M_Y_GE60": 120.0,
              "F_Y_LT15": 75.0, "F_Y15T59": 295.0, "F_Y_GE60": 130.0}
    rows = age_rows("COM", VILLENEUVE, AGES_SYNTHETIC) + age_rows("FR", "FR", france)
    rows += age_rows("COM", VILLENEUVE, {"M_Y_LT15": 1.0, "F_Y_LT15": 1.0}, period="2015")  # older census
    fig = Figures(synthetic_store(tmp_path, "rp_population", rows), resolve_territory(commune=VILLENEUVE))
    assert demographie.pyramid_brackets(fig) == ("2021", ["Y_LT15", "Y15T59", "Y_GE60"])
    chart = demographie.pyramid_chart(fig)
    assert isinstance(chart, Chart) and chart.chart == "pyramid"
    men, women, france_men, france_women = chart.series
    assert men.x == ("Moins de 15 ans", "15 à 59 ans", "60 ans ou plus")
    assert men.y == pytest.approx((10.0, 30.0, 10.0))  # of 1 000 inhabitants, both sexes
    assert women.y == pytest.approx((9.0, 31.0, 10.0))
    assert math.fsum(men.y + women.y) == pytest.approx(100.0)
    assert france_men.label == "France" and france_women.y == pytest.approx((7.5, 29.5, 13.0))
    assert "RP 2021" in chart.source.vintage


def test_without_france_the_departement_is_the_comparison(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    dep = {"M_Y_LT15": 80.0, "M_Y15T59": 300.0, "M_Y_GE60": 120.0,
           "F_Y_LT15": 75.0, "F_Y15T59": 295.0, "F_Y_GE60": 130.0}
    france_partial = {**dep, "F_Y_GE60": None}  # a secret bracket: France is not drawn
    rows = age_rows("COM", VILLENEUVE, AGES_SYNTHETIC) + age_rows("DEP", "07", dep) + age_rows("FR", "FR", france_partial)
    chart = demographie.pyramid_chart(Figures(synthetic_store(tmp_path, "rp_population", rows),
                                              resolve_territory(commune=VILLENEUVE)))
    assert chart.series[2].label == "Ardèche"


def test_unexpected_sex_codes_give_no_pyramid_but_a_note(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    odd = {"1_Y_LT15": 100.0, "1_Y_GE15": 400.0, "2_Y_LT15": 90.0, "2_Y_GE15": 410.0}
    fig = Figures(synthetic_store(tmp_path, "rp_population", age_rows("COM", VILLENEUVE, odd)),
                  resolve_territory(commune=VILLENEUVE))
    note = demographie.pyramid_chart(fig)
    assert isinstance(note, Note) and note.tone == "limit"
    assert "(1, 2)" in note.text and "M et F" in note.text


def test_a_secret_bracket_of_the_territory_gives_no_pyramid(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    rows = age_rows("COM", VILLENEUVE, {**AGES_SYNTHETIC, "F_Y_GE60": None})
    note = demographie.pyramid_chart(Figures(synthetic_store(tmp_path, "rp_population", rows),
                                             resolve_territory(commune=VILLENEUVE)))
    assert isinstance(note, Note) and "secret statistique" in note.text


def test_births_of_a_period_are_read_as_a_span_or_as_the_closing_census(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    rows = [("COM", VILLENEUVE, "pop", year, value) for year, value in
            (("1999", 1000.0), ("2010", 1100.0), ("2015", 1210.0), ("2021", 1210.0))]
    rows += [("COM", VILLENEUVE, "naissances_periode", "2015", 80.0), ("COM", VILLENEUVE, "deces_periode", "2015", 30.0),
             ("COM", VILLENEUVE, "naissances_periode", "2015-2021", 70.0),
             ("COM", VILLENEUVE, "deces_periode", "2015-2021", 70.0)]
    fig = Figures(synthetic_store(tmp_path, "rp_serie_historique", rows), resolve_territory(commune=VILLENEUVE))
    table = demographie.intercensal_table(fig)
    by_period = {row[0]: row[2:] for row in table.rows}
    assert list(by_period) == ["1999-2010", "2010-2015", "2015-2021"]
    growth, natural, migration = by_period["2010-2015"]
    assert growth == pytest.approx(((1210 / 1100) ** (1 / 5) - 1) * 100)
    assert natural == pytest.approx(50 / ((1100 + 1210) / 2 * 5) * 100)
    assert migration == pytest.approx(growth - natural)
    assert by_period["2015-2021"] == pytest.approx((0.0, 0.0, 0.0))
    assert by_period["1999-2010"][1:] == (None, None)
    assert "n.d. : naissances et décès de la période absents des données lues (1999-2010)" in table.note
    assert "Sans ligne" in table.note and "France" in table.note  # comparisons without population


def test_the_mean_household_size_is_recomputed_from_the_sums_never_averaged(tmp_path):
    """Synthetic store frame: arithmetic inputs, not a territory."""
    territory = resolve_territory(communes="07341,07001", nom="Deux communes")
    rows = [("COM", "07341", "menages", "2021", 40.0), ("COM", "07341", "pop_menages", "2021", 100.0),
            ("COM", "07001", "menages", "2021", 100.0), ("COM", "07001", "pop_menages", "2021", 300.0),
            ("COM", "07341", "menages_P1", "2021", 20.0), ("COM", "07001", "menages_P1", "2021", 15.0),
            ("COM", "07341", "menages_P_GE6", "2021", 1.0), ("COM", "07001", "menages_P_GE6", "2021", 3.0),
            ("FR", "FR", "menages", "2021", 1000.0), ("FR", "FR", "pop_menages", "2021", 2100.0),
            ("FR", "FR", "menages_P1", "2021", 370.0)]
    period, indicators, lacking = demographie.census_household_indicators(
        Figures(synthetic_store(tmp_path, "rp_menages", rows), territory))
    by_id = {i.id: i for i in indicators}
    assert period == "2021" and lacking is None
    size = by_id["taille_moyenne_menages"]
    assert size.value == pytest.approx(400 / 140)  # not (2.5 + 3.0) / 2
    assert [c.value for c in size.comparisons if c.level == "france"] == [pytest.approx(2.1)]
    one = by_id["part_menages_P1"]
    assert one.label == "Part des ménages de 1 personne" and one.value == pytest.approx(25.0)
    assert by_id["part_menages_P_GE6"].label == "Part des ménages de 6 personnes ou plus"
    assert [i.id for i in indicators][:3] == ["menages_rp", "taille_moyenne_menages", "part_menages_P1"]


def test_household_size_codes_read_as_the_number_of_persons():
    assert demographie.household_size_label("P1") == (1, "1 personne")
    assert demographie.household_size_label("3") == (3, "3 personnes")
    assert demographie.household_size_label("P_GE6") == (6, "6 personnes ou plus")
    assert demographie.household_size_label("XYZ")[1] == "taille « XYZ »"  # shown as published


# -- the dossier: online with the written Melodi answers, and offline ---------------------------


def demography(dossier):
    return next(s for s in dossier.sections if s.id == "demographie")


@pytest.mark.slow
@needs_specimens
def test_online_the_chapter_splits_each_period_and_says_what_it_lacks(online):
    territory, store, client, options, _ = online
    prepared = prepare(territory, options, store, client)
    section = demography(build_dossier(territory, store, options, prepared.gaps, prepared.manifests))
    [periods] = [b for b in section.blocks if isinstance(b, Table) and "intercensitaire" in b.title]
    rows = {(r[0], r[1]): r[2:] for r in periods.rows}
    assert [p for p, n in rows if n == territory.name][:2] == ["1968-1975", "1975-1982"]
    # 2013-2018: births and deaths of the written answers (comparateur); the same split as the
    # indicators "Population et ses moteurs" computed from the comparateur itself.
    [engines] = [b for b in section.blocks if isinstance(b, IndicatorTable) and b.title == "Population et ses moteurs"]
    natural = next(i for i in engines.indicators if i.id == "variation_solde_naturel")
    assert rows[("2013-2018", territory.name)][1] == pytest.approx(natural.value)
    france = next(c for c in natural.comparisons if c.level == "france")
    assert rows[("2013-2018", "France")][1] == pytest.approx(france.value)
    assert rows[("1968-1975", territory.name)][1] is None
    assert "naissances et décès de la période absents des données lues" in periods.note
    assert ("1968-1975", "France") not in rows and "Sans ligne" in periods.note
    # No age by sex in the written answers: no pyramid, the note says so.
    assert not [b for b in section.blocks if isinstance(b, Chart) and b.chart == "pyramid"]
    assert any(isinstance(b, Note) and "pyramide des âges par sexe" in b.text.lower() for b in section.blocks)
    # Households of the latest census; no household population nor size in the answers: said so.
    [households] = [b for b in section.blocks if isinstance(b, IndicatorTable) and b.title.startswith("Ménages et leur taille")]
    by_id = {i.id: i for i in households.indicators}
    assert by_id["menages_rp"].value and by_id["menages_rp"].period == "2021"
    assert by_id["taille_moyenne_menages"].value is None
    assert "DWELLINGS_POPSIZE" in by_id["taille_moyenne_menages"].missing_reason
    assert any(isinstance(b, Note) and "dimension NOC" in b.text for b in section.blocks)


def test_offline_the_samples_show_nothing_new_and_the_pyramid_note_stays():
    territory = resolve_territory(epci=CCPA)
    store = Store([samples_dir()])
    section = demography(build_dossier(territory, store, RunOptions(out_dir=None, offline=True), [], []))
    titles = [getattr(b, "title", "") for b in section.blocks]
    assert "Population et ses moteurs" in titles and "Ménages" in titles
    assert not any("intercensitaire" in t or "leur taille" in t for t in titles)
    assert any(isinstance(b, Note) and "pyramide des âges par sexe" in b.text.lower() for b in section.blocks)
