"""Jobs per 100 residents in work (`emplois_pour_100_actifs`): jobs at place of work divided by the
active residents minus the unemployed (15-64, the comparateur's counts), recomputed from summed
counts for the territory and each comparison level; its note names INSEE's definition; the
enjeux built on it keep to their side of 100 (above: a job centre, below: residential)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from diagterr.dossier import Comparison, EnjeuKind, Indicator, IndicatorTable, Section, SourceRef
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.tables.census import COMPARATEUR
from diagterr.territory import resolve_territory
from diagterr.themes import enjeux as rules
from diagterr.themes.economie.residents import jobs_per_100_workers
from diagterr.themes.en_bref import enjeux
from diagterr.themes.figures import Figures

LEVEL_CODES = {"departement": "DEP", "region": "REG", "france": "FR"}


def _sum(frame, level: str, codes, variable: str, year: str) -> float:
    rows = frame[(frame["geo_level"] == level) & frame["geo_code"].isin(codes) & (frame["variable"] == variable)
                 & (frame["period"] == year)]
    assert len(rows) == len(set(codes)) and rows["value"].notna().all()
    return float(rows["value"].sum())


def _expected(frame, level: str, codes, year: str) -> float:
    jobs = _sum(frame, level, codes, "emplois", year)
    in_work = _sum(frame, level, codes, "actifs_15_64", year) - _sum(frame, level, codes, "chomeurs_15_64", year)
    return jobs / in_work * 100


@pytest.fixture(scope="module")
def ccpa():
    store = default_store()
    territory = resolve_territory(epci="246900625")
    dossier = build_dossier(territory, store, RunOptions(Path("unused")), [], [])
    return territory, store, dossier


def _figure(dossier) -> Indicator:
    section = next(s for s in dossier.sections if s.id == "economie")
    return next(i for b in section.blocks for i in getattr(b, "indicators", ()) if i.id == "emplois_pour_100_actifs")


def test_jobs_are_divided_by_the_residents_in_work_recomputed_from_summed_counts(ccpa):
    territory, store, dossier = ccpa
    figure = _figure(dossier)
    frame = store.read(COMPARATEUR.name)
    year = figure.period
    assert figure.value == pytest.approx(_expected(frame, "COM", territory.commune_codes, year))
    assert figure.comparisons
    for comparison in figure.comparisons:
        level = LEVEL_CODES[comparison.level]
        assert comparison.value == pytest.approx(_expected(frame, level, [comparison.code], year))
    assert round(figure.value) == 68  # 62 when the unemployed were counted in the denominator
    france = next(c for c in figure.comparisons if c.level == "france")
    assert 95 < france.value < 105  # France is close to balance: as many jobs as residents in work


def test_label_unit_and_note_name_the_definition(ccpa):
    figure = _figure(ccpa[2])
    assert figure.label == "Emplois pour 100 actifs occupés de 15-64 ans"
    assert figure.unit == "emplois / 100 actifs occupés"
    note = figure.note or ""
    assert "actifs occupés de 15 ans ou plus" in note and "indicateur de concentration d'emploi" in note
    assert "actifs moins les chômeurs" in note and "15 à 64 ans" in note
    assert "absent" not in note  # the figure is derivable offline: never said to be missing


def test_a_secret_count_leaves_the_figure_missing_with_its_reason(monkeypatch):
    store = default_store()
    territory = resolve_territory(epci="246900625")
    fig = Figures(store, territory)
    frame = store.read(COMPARATEUR.name).copy()
    year = fig.latest_period(COMPARATEUR, "emplois")
    assert year is not None
    secret = ((frame["geo_level"] == "COM") & (frame["geo_code"] == territory.commune_codes[0])
              & (frame["variable"] == "chomeurs_15_64") & (frame["period"] == year))
    assert secret.sum() == 1
    frame.loc[secret, "value"] = np.nan
    frame.loc[secret, "status"] = "secret"
    original = fig.table
    monkeypatch.setattr(fig, "table", lambda table: frame if getattr(table, "name", table) == COMPARATEUR.name
                        else original(table))
    figure = jobs_per_100_workers(fig, year)
    assert figure.value is None and figure.missing_reason
    assert all(c.value is not None for c in figure.comparisons)  # the levels' own rows are untouched


_SOURCE = SourceRef("test", "test", "test")


def _enjeux_of(value: float):
    figure = Indicator("emplois_pour_100_actifs", "Emplois pour 100 actifs occupés de 15-64 ans", value,
                       "emplois / 100 actifs occupés", "ratio", "2018", _SOURCE,
                       (Comparison("departement", "69", "Rhône", 99.1), Comparison("france", "FR", "France hors Mayotte", 99.8)))
    return enjeux((Section("s", "S", "", (IndicatorTable("t", (figure,)),)),), [])


def test_the_thresholds_keep_each_rule_on_its_side_of_100():
    assert rules.RESIDENTIAL_JOBS_PER_100 < rules.JOBS_BALANCE_PER_100 == 100 < rules.JOB_HUB_JOBS_PER_100
    for value in (95.0, 99.0, 101.0, 105.0):  # near balance: neither a job centre nor residential
        assert _enjeux_of(value) == ()
    [residential] = _enjeux_of(61.4)
    assert residential.kind is EnjeuKind.QUESTION and "territoire résidentiel" in residential.text
    assert residential.text.startswith("61 emplois sur place pour 100 actifs occupés résidents de 15-64 ans en 2018")
    assert "moins d'emplois que d'actifs occupés" in residential.text
    [centre] = _enjeux_of(120.4)
    assert centre.kind is EnjeuKind.ATOUT and centre.text.startswith("Pôle d'emploi : 120 emplois pour 100 actifs "
                                                                      "occupés résidents")
    assert "plus d'emplois sur place que d'actifs occupés" in centre.text and "résidentiel" not in centre.text
