"""A comparison means one perimeter: « France hors Mayotte » divides sums without Mayotte by sums
without Mayotte; a France or région sum lacking a handful of communes is shown with its coverage,
a sizeable gap stays n.d. with its reason, and the territory's own incomplete sum stays missing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from diagterr.dossier import Comparison, Indicator, IndicatorTable, SourceRef
from diagterr.pipeline import default_store
from diagterr.render.html import DossierView
from diagterr.sources.insee_comparateur import CommuneGeography, comparateur_observations
from diagterr.tables.census import COMPARATEUR
from diagterr.territory import resolve_territory
from diagterr.themes import territoire
from diagterr.themes.economie.establishments import establishment_indicators, sector_chart
from diagterr.themes.economie.residents import activity_indicators
from diagterr.themes.figures import MAX_GAP_SHARE, Figures, parse_status
from dossier_example import example_dossier
from helpers import CCPA, SHARED, needs_shared

SAINT_LO = "200066389"  # Manche, Normandie
FULL_COMPARATEUR = SHARED / "data/raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"
ARRONDISSEMENTS = r"^(751\d\d|6938\d|132\d\d)$"


@pytest.fixture(scope="module")
def store():
    return default_store()


@pytest.fixture(scope="module")
def saint_lo(store):
    return Figures(store, resolve_territory(epci=SAINT_LO))


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    """The national file's communes (arrondissements out: they are counted in their commune), numbers as floats."""
    with zipfile.ZipFile(FULL_COMPARATEUR) as archive:
        frame = pd.read_csv(io.BytesIO(archive.read("base_cc_comparateur.CSV")), sep=";", dtype=str)
    frame = frame[~frame["CODGEO"].str.match(ARRONDISSEMENTS)].set_index("CODGEO")
    return frame.apply(lambda column: pd.to_numeric(column, errors="coerce"))


def comparison(indicator: Indicator, level: str) -> Comparison:
    return next(c for c in indicator.comparisons if c.level == level)


def test_density_of_france_divides_population_and_area_on_one_perimeter(store):
    """The comparateur has no area for Mayotte: France's population is taken without Mayotte too."""
    fig = Figures(store, resolve_territory(epci=CCPA))
    density = next(i for i in territoire.key_indicators(fig) if i.id == "densite")
    population = store.observations("populations_legales", "FR", ["FR"], ["pmun"])
    mayotte = store.observations("populations_legales", "DEP", ["976"], ["pmun"])
    area = store.observations("insee_comparateur", "FR", ["FR"], ["superficie_km2"]).iloc[0]
    assert area["status"] == "hors:976"
    year = density.period
    without_mayotte = (population.set_index("period").loc[year, "value"]
                       - mayotte.set_index("period").loc[year, "value"])
    france = comparison(density, "france")
    assert france.name == "France hors Mayotte"
    assert france.value == pytest.approx(without_mayotte / area["value"])
    assert "Mayotte" in density.note


@needs_shared
def test_job_change_of_france_and_region_is_shown_on_the_communes_with_both_censuses(saint_lo, national):
    """P13_EMPLT is missing for two communes (14666, 76601): the change is that of the others, said so."""
    change = next(i for i in activity_indicators(saint_lo, "2018", "2013") if i.id == "variation_emplois_annuelle")
    both = national[national["P13_EMPLT"].notna() & national["P18_EMPLT"].notna()]
    assert len(national) - len(both) == 2 + 17  # two communes, and Mayotte's 17
    expected = ((both["P18_EMPLT"].sum() / both["P13_EMPLT"].sum()) ** (1 / 5) - 1) * 100
    france = comparison(change, "france")
    assert france.name == "France hors Mayotte"
    assert france.value == pytest.approx(expected)
    assert france.coverage.startswith("34\u202f946 communes sur 34\u202f948")
    normandie = comparison(change, "region")
    normandy = both[both.index.str.match(r"^(14|27|50|61|76)")]
    assert normandie.value == pytest.approx(((normandy["P18_EMPLT"].sum() / normandy["P13_EMPLT"].sum()) ** 0.2 - 1) * 100)
    assert normandie.coverage.startswith("2\u202f650 communes sur 2\u202f652")
    assert change.value is not None and comparison(change, "departement").coverage is None  # Manche: complete


@needs_shared
def test_establishments_of_france_are_shown_with_their_coverage(saint_lo, national):
    count, share = establishment_indicators(saint_lo, "2018")
    outside_mayotte = national[~national.index.str.startswith("976")]
    france = comparison(count, "france")
    assert france.value == outside_mayotte["ETTOT18"].sum()
    assert france.missing_reason is None and "34\u202f947 communes sur 34\u202f948" in france.coverage
    assert comparison(share, "france").value == pytest.approx(
        outside_mayotte["ETTEFP1018"].sum() / outside_mayotte["ETTOT18"].sum() * 100)
    chart = sector_chart(saint_lo, "2018")
    france_series = next(s for s in chart.series if s.label == "France hors Mayotte")
    assert None not in france_series.y
    assert "non calculée" not in chart.note and "34\u202f947 communes sur 34\u202f948" in chart.note
    assert "agriculture comprise" in chart.note  # the chart has an agriculture bar


def test_a_sizeable_gap_stays_missing_and_the_territory_total_stays_missing(saint_lo):
    """Filosofi 2019 lacks ~10 % of France's communes: n.d.; a commune of Saint-Lô Agglo lacks it: n.d."""
    households = saint_lo.count_indicator("menages_fiscaux", "Ménages fiscaux", COMPARATEUR, "menages_fiscaux",
                                          "2019", "ménages")
    assert households.value is None and "somme incomplète" in households.missing_reason
    france = comparison(households, "france")
    assert france.value is None and france.coverage is None
    assert f"plus de {MAX_GAP_SHARE * 100:.0f} % des communes" in france.missing_reason


def test_a_departement_lacking_one_commune_is_shown_with_its_coverage(store):
    fig = Figures(store, resolve_territory(epci=CCPA))
    households = fig.count_indicator("menages_fiscaux", "Ménages fiscaux", COMPARATEUR, "menages_fiscaux", "2019",
                                     "ménages")
    rhone = comparison(households, "departement")
    assert rhone.value is not None and rhone.coverage.startswith("266 communes sur 267")


def _geography(codes: list[str]) -> dict[str, CommuneGeography]:
    return {c: CommuneGeography(c, c[:3] if c.startswith("97") else c[:2], "06" if c.startswith("976") else "84")
            for c in codes}


def test_a_sum_names_its_few_missing_communes_and_keeps_their_rows():
    metro = [f"01{n:03d}" for n in range(1, 201)]
    mayotte = ["97601", "97602"]
    frame = pd.DataFrame({"CODGEO": metro + mayotte})
    frame["P18_POP"] = ["100"] * 200 + ["", ""]
    frame["P18_LOG"] = ["40"] * 200 + ["", ""]
    frame["P18_EMPLT"] = ["30"] * 199 + ["s", "", ""]  # 01200 secret
    frame["P18_ACT1564"] = ["50"] * 200 + ["", ""]
    observations, _ = comparateur_observations(frame, _geography(metro + mayotte), frozenset(), frozenset(["01001"]))
    france = observations[(observations["geo_level"] == "FR")].set_index("variable")
    assert france.loc["pop", "status"] == "hors:976"
    assert france.loc["emplois", "status"] == "hors:976;partial:1/200:01200"
    assert france.loc["emplois", "value"] == 199 * 30
    kept = set(observations.loc[observations["geo_level"] == "COM", "geo_code"])
    assert kept == {"01001", "01200"}  # its row: a rate can subtract its population
    flag, perimeter = parse_status(france.loc["emplois", "status"])
    assert flag is None and perimeter.outside == {"976"} and perimeter.gaps == {"01200"}
    assert perimeter.coverage().startswith("199 communes sur 200")


def test_the_indicator_table_shows_a_covered_value_with_a_note_not_nd():
    covered = Comparison("france", "FR", "France hors Mayotte", 12.5,
                         coverage="34 947 communes sur 34 948 (1 sans valeur, secret ou non publiée, hors du calcul)")
    indicator = Indicator("part", "Part", 10.0, "%", "rate", "2018", SourceRef("insee_comparateur", "RP 2018", "COG"),
                          comparisons=(covered,))
    view = DossierView(example_dossier(), {}).indicator_table(IndicatorTable("Bloc", (indicator,)))
    cell = view.rows[0].levels[0]
    assert not cell.missing and cell.text.startswith("12,5") and cell.note == 1
    assert view.notes == [covered.coverage] and view.coverage_notes == [covered.coverage]


def test_exports_carry_the_coverage(tmp_path: Path):
    from dataclasses import replace

    from diagterr.render.exports import indicators_csv, indicators_json

    dossier = example_dossier()
    covered = Comparison("france", "FR", "France hors Mayotte", 1.0, coverage="1 commune sur 2")
    dossier = replace(dossier, key_figures=(replace(dossier.key_figures[0], comparisons=(covered,)),))
    assert '"coverage": "1 commune sur 2"' in indicators_json(dossier)
    header, *rows = indicators_csv(dossier).splitlines()
    assert header.endswith(";couverture")
    assert any(row.endswith(";1 commune sur 2") for row in rows)


def test_a_column_mixing_perimeters_is_headed_by_the_level_and_marks_the_other_cells():
    source = SourceRef("insee_comparateur", "RP 2018", "COG")
    whole = Indicator("a", "A", 1.0, "habitants", "count", "2023", source,
                      comparisons=(Comparison("france", "FR", "France", 68_350_798.0),))
    without = Indicator("b", "B", 1.0, "habitants", "count", "2018", source,
                        comparisons=(Comparison("france", "FR", "France hors Mayotte", 66_732_538.0),))
    view = DossierView(example_dossier(), {}).indicator_table(IndicatorTable("Bloc", (without, whole)))
    assert [name for _, _, name in view.levels] == ["France"]
    marked, plain = view.rows[0].levels[0], view.rows[1].levels[0]
    assert marked.note == 1 and not marked.missing and plain.note is None
    assert view.notes == ["France hors Mayotte"] and view.coverage_notes == ["France hors Mayotte"]


def _synthetic_store(tmp_path: Path, rows: list[tuple[str, str, str, float | None, str | None]]):
    from diagterr.store import Manifest, Store, observation_frame

    frame = observation_frame([
        {"geo_level": level, "geo_code": code, "variable": variable, "period": "2018", "value": value,
         "status": status, "source_id": "test"}
        for level, code, variable, value, status in rows
    ])
    store = Store([tmp_path])
    store.write_table("perimetres", frame, Manifest(table="", source_id="test", title="t", producer="p", origin="o",
                                                   vintage="v", geo_vintage="g", licence="l", retrieved_at="2026"))
    return store


def test_a_rate_whose_sums_differ_in_perimeter_is_recomputed_on_the_common_one(tmp_path: Path):
    """Numerator without Mayotte and one commune; denominator whole: the denominator loses both."""
    territory = resolve_territory(commune="69010")
    store = _synthetic_store(tmp_path, [
        ("COM", "69010", "part", 10.0, None), ("COM", "69010", "tout", 40.0, None),
        ("COM", "01200", "part", None, "absent"), ("COM", "01200", "tout", 7.0, None),  # kept: a gap of "part"
        ("DEP", "69", "part", 100.0, None), ("DEP", "69", "tout", 400.0, None),
        ("REG", "84", "part", 300.0, "partial:1/400:01200"), ("REG", "84", "tout", 1_207.0, None),
        ("FR", "FR", "part", 2_000.0, "hors:976;partial:1/34948:01200"), ("FR", "FR", "tout", 8_107.0, None),
        ("DEP", "976", "part", None, "absent"), ("DEP", "976", "tout", 100.0, None),
    ])
    rate = Figures(store, territory).rate_indicator("taux", "Taux", "perimetres", "part", "tout", "2018")
    assert rate.value == pytest.approx(25.0)
    region, france = comparison(rate, "region"), comparison(rate, "france")
    assert region.value == pytest.approx(300 / 1_200 * 100) and region.coverage.startswith("399 communes sur 400")
    assert france.value == pytest.approx(2_000 / 8_000 * 100)  # 8 107 − Mayotte 100 − commune 01200 7
    assert france.name == "France hors Mayotte" and france.coverage.startswith("34\u202f947 communes sur 34\u202f948")
    assert "Mayotte" in rate.note


def test_a_gap_that_cannot_be_named_leaves_the_comparison_missing(tmp_path: Path):
    territory = resolve_territory(commune="69010")
    store = _synthetic_store(tmp_path, [
        ("COM", "69010", "part", 10.0, None), ("COM", "69010", "tout", 40.0, None),
        ("DEP", "69", "part", 100.0, "partial:1/267"), ("DEP", "69", "tout", 400.0, None),
    ])
    rate = Figures(store, territory).rate_indicator("taux", "Taux", "perimetres", "part", "tout", "2018")
    rhone = comparison(rate, "departement")
    assert rhone.value is None and rhone.coverage is None
    assert "1 commune(s) sur 267 sans valeur" in rhone.missing_reason


def test_a_few_missing_communes_holding_much_of_the_population_leave_the_comparison_missing(tmp_path: Path):
    territory = resolve_territory(commune="69010")
    store = _synthetic_store(tmp_path, [
        ("COM", "69010", "part", 10.0, None), ("COM", "69010", "pop", 40.0, None),
        ("COM", "69123", "part", None, "absent"), ("COM", "69123", "pop", 500.0, None),  # Lyon, secret
        ("DEP", "69", "part", 100.0, "partial:1/267:69123"), ("DEP", "69", "pop", 1_800.0, None),
    ])
    share = Figures(store, territory).rate_indicator("part_pop", "Part", "perimetres", "part", "pop", "2018")
    rhone = comparison(share, "departement")
    assert rhone.value is None and "de la population" in rhone.missing_reason


def test_the_notes_say_which_population_the_figures_are_built_on(store):
    """The communes table and the census population are the municipal population (P18_POP, pmun)."""
    from diagterr.themes import demographie

    fig = Figures(store, resolve_territory(epci=CCPA))
    assert "population municipale" in territoire.communes_table(fig).note
    indicators = [i for b in demographie.analyse(fig).blocks if isinstance(b, IndicatorTable) for i in b.indicators]
    census = next(i for i in indicators if i.id == "population_rp")
    assert census.label == "Population municipale (recensement)"
