"""The enjeux page: rules read as a table, one enjeu per figure at most, nothing made up, and the
six sample dossiers keep their enjeux (text and order) as the rules move from code to rows."""

from __future__ import annotations

import json
import re
from itertools import groupby
from pathlib import Path

import pytest

from diagterr.dossier import Comparison, EnjeuKind, Indicator, IndicatorTable, Section, SourceRef
from diagterr.texts import keys
from diagterr.themes import enjeux as rules
from diagterr.themes.en_bref import enjeux

SAMPLES = Path(__file__).parent / "fixtures" / "en_bref" / "enjeux_of_the_samples.json"
_SOURCE = SourceRef("test", "test", "test")


def _figure(indicator_id: str, value: float | None, period: str = "2018", france: float | None = None,
            departement: float | None = None) -> Indicator:
    comparisons = []
    if departement is not None:
        comparisons.append(Comparison("departement", "07", "Ardèche", departement))
    if france is not None:
        comparisons.append(Comparison("france", "FR", "France hors Mayotte", france))
    return Indicator(indicator_id, indicator_id, value, "%", "rate", period, _SOURCE, tuple(comparisons))


def _enjeux(*figures: Indicator, programmes: list[str] | None = None):
    return enjeux((Section("s", "S", "", (IndicatorTable("t", figures),)),), programmes or [])


@pytest.mark.parametrize("site", json.loads(SAMPLES.read_text("utf-8")).items(), ids=lambda item: item[0])
def test_the_sample_dossiers_keep_their_enjeux(site):
    from diagterr.pipeline import RunOptions, build_dossier, default_store
    from diagterr.territory import resolve_territory

    _, expected = site
    dossier = build_dossier(resolve_territory(**expected["territory"]), default_store(), RunOptions(Path("unused")),
                            [], [])
    got = [{"kind": str(e.kind), "indicator": e.indicator_id, "text": e.text} for e in dossier.enjeux]
    assert got == expected["enjeux"]


def test_vacancy_a_point_above_france_is_a_fragility_and_its_sentence_names_france():
    [enjeu] = _enjeux(_figure("part_logements_vacants", 9.2, france=8.2))
    assert enjeu.kind is EnjeuKind.FRAGILITE and enjeu.indicator_id == "part_logements_vacants"
    assert enjeu.text == ("Vacance élevée : 9,2\u00a0% des logements en 2018 (France hors Mayotte : 8,2\u00a0%). "
                          "Quel potentiel de remise sur le marché ?")
    assert _enjeux(_figure("part_logements_vacants", 9.1, france=8.2)) == ()  # within the thresholds


def test_a_rule_against_france_says_nothing_when_france_is_not_published():
    assert _enjeux(_figure("taux_chomage_15_64", 3.0)) == ()
    assert _enjeux(_figure("part_logements_vacants", 30.0)) == ()


def test_a_missing_figure_gives_no_enjeu():
    assert _enjeux(_figure("variation_population_annuelle", None, "2013-2018", departement=0.4)) == ()


def test_one_figure_gives_one_enjeu_the_first_row_that_holds():
    # growth slower than the département: not an asset, not a decline, a question
    [enjeu] = _enjeux(_figure("variation_population_annuelle", 0.2, "2018-2023", departement=0.4))
    assert enjeu.kind is EnjeuKind.QUESTION
    assert enjeu.text.startswith("Croissance de +0,20 % par an entre 2018 et 2023, moins rapide que le département "
                                 "(Ardèche : +0,40 % par an sur la même période)")
    # without a département to compare with, any growth is an asset
    [enjeu] = _enjeux(_figure("variation_population_annuelle", 0.2, "2018-2023"))
    assert enjeu.kind is EnjeuKind.ATOUT and enjeu.text == "Population en croissance de +0,20 % par an entre 2018 et 2023."


def test_a_flat_population_is_not_called_a_slow_growth():
    assert _enjeux(_figure("variation_population_annuelle", 0.0, "2018-2023", departement=0.4)) == ()


def test_land_take_is_read_against_the_even_pace_of_its_period():
    [enjeu] = _enjeux(_figure("conso_naf_part_repere", 31.0, "2021-2023"))  # three years: 30 % at an even pace
    assert enjeu.kind is EnjeuKind.FRAGILITE and "plus que le rythme régulier (30\u00a0%)" in enjeu.text
    assert _enjeux(_figure("conso_naf_part_repere", 30.0, "2021-2023")) == ()
    assert _enjeux(_figure("conso_naf_part_repere", 99.0, "2023")) == ()  # no period, no pace


def test_the_programmes_already_engaged_close_the_questions():
    *_, last = _enjeux(_figure("part_residences_secondaires", 61.3),
                       programmes=["Petites villes de demain", "Villages d'avenir"])
    assert last.kind is EnjeuKind.QUESTION and last.indicator_id is None
    assert last.text.startswith("Programmes déjà engagés (Petites villes de demain, Villages d'avenir) :")


def test_every_rule_has_its_sentence_and_every_sentence_a_use():
    used = {rule.text_id.removeprefix("en_bref.") for rule in rules.RULES} | {"programmes_engages"}
    assert used == keys("en_bref")
    assert len({rule.id for rule in rules.RULES}) == len(rules.RULES)
    assert all(re.fullmatch(r"[a-z0-9_]+", rule.indicator) for rule in rules.RULES)


def test_the_rows_of_one_figure_follow_each_other():
    # the page lists the enjeux in the order of the rows; one figure's rows are kept together
    runs = [indicator for indicator, _ in groupby(rule.indicator for rule in rules.RULES)]
    assert len(runs) == len(set(runs))
