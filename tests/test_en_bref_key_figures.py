"""Page 2's key figures: every theme before a second figure of any theme, in a stable order."""

from __future__ import annotations

from diagterr.dossier import Indicator, IndicatorTable, Section, SourceRef
from diagterr.themes.en_bref import (
    KEY_FIGURE_SLOTS,
    KEY_FIGURE_THEMES,
    KEY_FIGURES,
    key_figures,
)

# Page-layout inputs, not figures of a territory: only which ids have a value matters here.
_SOURCE = SourceRef("test", "test", "test")


def _sections(ids, missing=()):
    indicators = tuple(
        Indicator(i, i, None if i in missing else 1.0, "", "count", "2021", _SOURCE,
                  missing_reason="absent" if i in missing else None)
        for i in ids
    )
    return (Section("s", "S", "", (IndicatorTable("t", indicators),)),)


def test_an_online_run_with_more_figures_than_slots_keeps_every_theme():
    assert len(KEY_FIGURES) > KEY_FIGURE_SLOTS  # the situation this rule exists for
    shown = [i.id for i in key_figures(_sections(KEY_FIGURES))]
    assert len(shown) == KEY_FIGURE_SLOTS
    assert {KEY_FIGURE_THEMES[i] for i in shown} == set(KEY_FIGURE_THEMES.values())
    assert "ecart_temperature_recente_reference" in shown
    assert "conso_naf_annuelle_reference" in shown
    assert "evolution_effectifs_salaries_prives_5ans" in shown
    assert shown == [i for i in KEY_FIGURES if i in shown]  # page order is KEY_FIGURES' order


def test_when_the_figures_fit_all_are_shown_in_order_and_missing_ones_skipped():
    missing = {"ecart_temperature_recente_reference", "conso_naf_annuelle_reference", "mediane_niveau_vie",
               "evolution_effectifs_salaries_prives_5ans"}
    expected = [i for i in KEY_FIGURES if i not in missing]
    assert len(expected) <= KEY_FIGURE_SLOTS
    assert [i.id for i in key_figures(_sections(KEY_FIGURES, missing=missing))] == expected


def test_every_key_figure_has_a_theme():
    assert set(KEY_FIGURES) <= set(KEY_FIGURE_THEMES)
