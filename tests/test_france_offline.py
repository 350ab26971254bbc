"""Any territory of France, offline, out of the box (issue 16): a commune nouvelle created after the
comparateur's geography, an overseas commune (La Réunion; Mayotte, whose census the comparateur does
not publish), Paris whole, an EPCI across two départements and a list of communes, none of them in
the samples, each get a dossier with its map, its legal population and its census figures against
département(s), région(s) and France, from the national base shipped in the package. An
arrondissement municipal, or a code that exists in no vintage, is refused before anything is written.

Four dossiers are rendered whole (CLI, PDF read back with pypdf); the others are checked on the
dossier model (pipeline.build_dossier) and on the outlines the pipeline gathers."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pypdf import PdfReader

from diagterr.cog import load_cog
from diagterr.dossier import Dossier, Indicator, IndicatorTable
from diagterr.formatting import nombre
from diagterr.territory import Territory, resolve_territory
from helpers import SHARED, invoke, needs_shared

HESDIN = "62447"  # Hesdin-la-Forêt: commune nouvelle of four communes, still apart in the comparateur's COG
HESDIN_PARTS = ["62447", "62461", "62549", "62743"]  # its communes in the comparateur and in IGN 2018
SAINT_DENIS_REUNION = "97411"
MAMOUDZOU = "97611"  # Mayotte: the comparateur publishes its births and deaths 2020, not its census
PARIS = "75056"
AVIGNON = "248400251"  # CA du Grand Avignon: Gard and Vaucluse, Occitanie and Provence-Alpes-Côte d'Azur
LIST = "84031,84089,26289"  # Carpentras, Pertuis (Vaucluse), Saillans (Drôme, a commune nouvelle)
LIST_NAME = "Entre Ventoux et Diois"

COMPARATEUR_ZIP = SHARED / "data" / "raw" / "insee-base-cc-comparateur-2022-full" / "base_cc_comparateur_csv.zip"
IGN_2018 = SHARED / "data" / "raw" / "france-geojson-communes-par-departement"
NO_MAP = "Carte indisponible"  # render.html.GAP_NO_BOUNDARIES: what a dossier without outlines says
EDITION = "2026-11-21"


@dataclass
class Rendered:
    """One `diagterr run … --offline` as a user sees it: exit code, messages, the files it wrote."""

    exit_code: int
    output: str
    out: Path
    text: str  # the PDF's text (pypdf)

    @property
    def indicators(self) -> dict[str, dict]:
        data = json.loads((self.out / "indicateurs.json").read_text("utf-8"))
        return {i["id"]: i for i in data["indicators"]}

    @property
    def gaps(self) -> list[dict]:
        return json.loads((self.out / "indicateurs.json").read_text("utf-8"))["gaps"]

    @property
    def html(self) -> str:
        return (self.out / "dossier.html").read_text("utf-8")


@pytest.fixture(scope="module")
def offline_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's dossiers are made with an empty cache of their own, as on a fresh install."""
    cache = tmp_path_factory.mktemp("france_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIAGTERR_CACHE_DIR", str(cache))
        yield cache


def _render(tmp_path_factory: pytest.TempPathFactory, name: str, *args: str) -> Rendered:
    out = tmp_path_factory.mktemp("france") / name
    result = invoke("run", *args, "--offline", "--sortie", str(out), "--date-edition", EDITION)
    pdf = out / "dossier.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages) if pdf.is_file() else ""
    return Rendered(result.exit_code, result.output, out, text)


@pytest.fixture(scope="module")
def hesdin(offline_cache, tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "hesdin", "--commune", HESDIN)


@pytest.fixture(scope="module")
def reunion(offline_cache, tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "saint-denis", "--commune", SAINT_DENIS_REUNION)


@pytest.fixture(scope="module")
def avignon(offline_cache, tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "avignon", "--epci", AVIGNON)


@pytest.fixture(scope="module")
def listed(offline_cache, tmp_path_factory) -> Rendered:
    return _render(tmp_path_factory, "liste", "--communes", LIST, "--nom", LIST_NAME)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The INSEE file the national base was built from, indexed by its codes (COG 2021/2022)."""
    with zipfile.ZipFile(COMPARATEUR_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.lower() == "base_cc_comparateur.csv")
        frame = pd.read_csv(io.BytesIO(archive.read(name)), sep=";", dtype=str)
    arrondissements = frame["CODGEO"].str.match(r"^(751\d\d|6938\d|132\d\d)$")  # counted in their commune
    return frame[~arrondissements].set_index("CODGEO")


def _sum(raw: pd.DataFrame, codes: list[str] | pd.Index, column: str) -> float:
    return float(raw.loc[codes, column].astype(float).sum())


def _departement_rows(raw: pd.DataFrame, departement: str) -> pd.Index:
    return raw.index[raw.index.str.startswith(departement)]


def _comparisons(indicator: dict) -> dict[str, dict]:
    return {c["code"]: c for c in indicator["comparisons"]}


def _cover_map_svg(html: str) -> str | None:
    """The SVG of the cover map (an <img> with a data URL), None when the cover says it has no map."""
    match = re.search(r'<div class="cover-map">\s*<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    return base64.b64decode(match.group(1)).decode("utf-8") if match else None


def _assert_user_sees_a_partial_dossier_with_a_map(run: Rendered, name: str, legal: int) -> None:
    assert run.exit_code == 4, run.output  # partial: what only an online run reads is missing
    assert "dossier partiel (code de sortie 4)" in run.output
    assert (run.out / "dossier.pdf").stat().st_size > 0
    assert name in run.text
    assert "Population municipale légale" in run.text and "populations légales 2023" in run.text
    assert nombre(legal) in run.text  # e.g. "4 480" with a narrow no-break space
    assert "Données manquantes" in run.text  # the gaps, stated in the annex
    assert NO_MAP not in run.text and NO_MAP not in run.html
    svg = _cover_map_svg(run.html)
    assert svg is not None and "<path" in svg, "no cover map"
    gaps = {g["source_id"] for g in run.gaps}
    assert gaps and "insee_comparateur" not in gaps  # the census figures are there, not a gap
    assert "api_geo" not in gaps  # no outline had to be fetched


def _legal_population(territory: Territory) -> int:
    return sum(c.population or 0 for c in territory.communes)


# -- a commune nouvelle created after the comparateur's geography -----------------------------------


@pytest.mark.slow
def test_a_commune_nouvelle_gets_a_whole_dossier_offline(hesdin: Rendered):
    territory = resolve_territory(commune=HESDIN)
    assert load_cog().commune(HESDIN).former_codes == tuple(HESDIN_PARTS[1:])
    _assert_user_sees_a_partial_dossier_with_a_map(hesdin, "Hesdin-la-Forêt", _legal_population(territory))
    for place in ("Pas-de-Calais", "Hauts-de-France", "France"):
        assert place in hesdin.text
    population = hesdin.indicators["population_rp"]
    assert nombre(population["value"]) in hesdin.text
    assert set(_comparisons(population)) == {"62", "32", "FR"}
    assert hesdin.indicators["population_legale"]["value"] == _legal_population(territory) == 4480


@pytest.mark.slow
@needs_shared
def test_the_commune_nouvelle_s_figures_are_the_sums_of_its_former_communes(hesdin: Rendered, raw):
    assert set(HESDIN_PARTS) <= set(raw.index)  # four rows in the INSEE file, one commune today
    figures = hesdin.indicators
    assert figures["population_rp"]["value"] == pytest.approx(_sum(raw, HESDIN_PARTS, "P18_POP"))
    assert figures["logements"]["value"] == pytest.approx(_sum(raw, HESDIN_PARTS, "P18_LOG"))
    assert figures["superficie"]["value"] == pytest.approx(_sum(raw, HESDIN_PARTS, "SUPERF"))
    pas_de_calais = _comparisons(figures["population_rp"])["62"]["value"]
    assert pas_de_calais == pytest.approx(_sum(raw, _departement_rows(raw, "62"), "P18_POP"))
    rate = figures["taux_chomage_15_64"]["value"]  # recomputed from the summed parts, never averaged
    expected = _sum(raw, HESDIN_PARTS, "P18_CHOM1564") / _sum(raw, HESDIN_PARTS, "P18_ACT1564") * 100
    assert rate == pytest.approx(expected)


@needs_shared
def test_the_commune_nouvelle_s_outline_is_the_union_of_its_former_communes():
    boundaries = _boundaries(resolve_territory(commune=HESDIN))
    assert list(boundaries["code"]) == [HESDIN]  # one outline, under today's code
    ign = gpd.read_file(IGN_2018 / "communes-62-pas-de-calais.geojson")
    parts = ign[ign["code"].isin(HESDIN_PARTS)]
    assert sorted(parts["code"]) == HESDIN_PARTS  # four communes in the 2018 outlines
    outline = boundaries.to_crs("EPSG:2154").geometry.iloc[0]
    union = parts.to_crs("EPSG:2154").union_all()
    assert outline.area == pytest.approx(union.area, rel=0.02)
    assert outline.symmetric_difference(union).area < 0.03 * union.area  # the same place, not only the same size


# -- overseas --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_overseas_commune_gets_a_whole_dossier_offline(reunion: Rendered):
    territory = resolve_territory(commune=SAINT_DENIS_REUNION)
    _assert_user_sees_a_partial_dossier_with_a_map(reunion, "Saint-Denis", _legal_population(territory))
    assert "La Réunion" in reunion.text
    population = reunion.indicators["population_rp"]
    assert nombre(population["value"]) in reunion.text
    assert set(_comparisons(population)) == {"974", "04", "FR"}


@pytest.mark.slow
@needs_shared
def test_the_overseas_commune_s_figures_are_those_of_the_insee_file(reunion: Rendered, raw):
    population = reunion.indicators["population_rp"]
    assert population["value"] == pytest.approx(float(raw.loc[SAINT_DENIS_REUNION, "P18_POP"]))
    reunion_rows = _departement_rows(raw, "974")
    assert _comparisons(population)["974"]["value"] == pytest.approx(_sum(raw, reunion_rows, "P18_POP"))
    assert _comparisons(population)["04"]["value"] == _comparisons(population)["974"]["value"]  # one-département région


def test_mayotte_states_what_the_comparateur_does_not_publish_never_zero():
    territory = resolve_territory(commune=MAMOUDZOU)
    dossier = _dossier(territory)
    figures = _indicators(dossier)
    assert figures["population_legale"].value == _legal_population(territory) > 0  # PL 2023 of the COG
    census = [i for i in figures.values() if i.source.source_id == "insee_comparateur"]
    assert len(census) > 10
    for indicator in census:
        if indicator.id in ("naissances_2020", "deces_2020"):  # état civil 2020: published for Mayotte
            assert indicator.value is not None and indicator.value > 0
            continue
        assert indicator.value is None, indicator.id  # never a 0 for a figure the file leaves empty
        assert indicator.missing_reason, indicator.id  # and the reason said
        for comparison in indicator.comparisons:
            if comparison.code in ("976", "06"):
                assert comparison.value is None and comparison.missing_reason, (indicator.id, comparison.code)
    assert figures["population_rp"].missing_reason == "non publié par la source"
    france = next(c for c in figures["population_rp"].comparisons if c.code == "FR")
    assert france.name == "France hors Mayotte" and france.value is not None and france.value > 0
    assert list(_boundaries(territory)["code"]) == [MAMOUDZOU]  # its map all the same


# -- Paris, Lyon, Marseille ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paris(offline_cache) -> dict[str, Indicator]:
    return _indicators(_dossier(resolve_territory(commune=PARIS)))


def test_paris_is_one_commune_with_its_map_legal_population_and_census_figures(paris):
    territory = resolve_territory(commune=PARIS)
    assert (territory.kind_label, territory.commune_codes) == ("Commune", (PARIS,))
    figures = paris
    assert figures["population_legale"].value == load_cog().commune(PARIS).population
    population = figures["population_rp"]
    assert population.value is not None and population.value > 2_000_000
    comparisons = {c.code: c for c in population.comparisons}
    assert set(comparisons) == {"75", "11", "FR"}
    assert comparisons["75"].value == population.value  # the département is the commune: counted once
    assert comparisons["11"].name == "Île-de-France"
    assert list(_boundaries(territory)["code"]) == [PARIS]  # one outline, not twenty arrondissements


@needs_shared
def test_paris_census_figures_are_not_its_arrondissements_counted_twice(paris, raw):
    population = paris["population_rp"]
    assert population.value == pytest.approx(float(raw.loc[PARIS, "P18_POP"]))


@pytest.mark.parametrize(("arrondissement", "city", "name"), [
    ("75112", "75056", "Paris"), ("69381", "69123", "Lyon"), ("13201", "13055", "Marseille"),
])
def test_an_arrondissement_is_refused_with_its_commune(tmp_path: Path, arrondissement: str, city: str, name: str):
    out = tmp_path / "dossier"
    result = invoke("run", "--commune", arrondissement, "--offline", "--sortie", str(out))
    assert result.exit_code == 2, result.output
    assert arrondissement in result.output and "arrondissement municipal" in result.output
    assert f"--commune {city}" in result.output and name in result.output
    assert not out.exists()


# -- an EPCI across two départements, a list of communes --------------------------------------------


@pytest.mark.slow
def test_an_epci_across_two_departements_is_compared_with_both_and_both_regions(avignon: Rendered):
    territory = resolve_territory(epci=AVIGNON)
    assert [p.code for p in territory.departements] == ["30", "84"]
    assert [p.code for p in territory.regions] == ["76", "93"]
    _assert_user_sees_a_partial_dossier_with_a_map(avignon, "CA du Grand Avignon", _legal_population(territory))
    for place in ("Gard", "Vaucluse", "Occitanie", "Provence-Alpes-Côte d'Azur"):
        assert place in avignon.text, place
    for indicator_id in ("population_rp", "logements", "taux_chomage_15_64"):
        assert set(_comparisons(avignon.indicators[indicator_id])) == {"30", "84", "76", "93", "FR"}
    svg = _cover_map_svg(avignon.html)
    assert svg is not None and svg.count("<path") >= len(territory.communes)  # every commune drawn


@pytest.mark.slow
@needs_shared
def test_the_epci_s_two_departements_are_the_sums_of_their_communes(avignon: Rendered, raw):
    population = _comparisons(avignon.indicators["population_rp"])
    for departement in ("30", "84"):
        assert population[departement]["value"] == pytest.approx(
            _sum(raw, _departement_rows(raw, departement), "P18_POP"))
    codes = list(resolve_territory(epci=AVIGNON).commune_codes)
    assert avignon.indicators["population_rp"]["value"] == pytest.approx(_sum(raw, codes, "P18_POP"))


@pytest.mark.slow
def test_a_list_of_communes_outside_the_samples_gets_a_whole_dossier(listed: Rendered):
    territory = resolve_territory(communes=LIST, nom=LIST_NAME)
    assert [c.name for c in territory.communes] == ["Saillans", "Carpentras", "Pertuis"]
    _assert_user_sees_a_partial_dossier_with_a_map(listed, LIST_NAME, _legal_population(territory))
    for place in ("Drôme", "Vaucluse", "Auvergne-Rhône-Alpes", "Provence-Alpes-Côte d'Azur"):
        assert place in listed.text, place
    population = listed.indicators["population_rp"]
    assert nombre(population["value"]) in listed.text
    assert [(c["level"], c["code"]) for c in population["comparisons"]] == [
        ("departement", "26"), ("departement", "84"), ("region", "84"), ("region", "93"), ("france", "FR"),
    ]  # Vaucluse (84) and Auvergne-Rhône-Alpes (84): one code, two levels


@pytest.mark.slow
@needs_shared
def test_the_list_s_figures_are_the_sums_of_its_communes(listed: Rendered, raw):
    saillans = ["26289", "26371"]  # Saillans and the commune merged into it since the file's COG
    assert set(saillans) <= set(raw.index)
    codes = ["84031", "84089", *saillans]
    assert listed.indicators["population_rp"]["value"] == pytest.approx(_sum(raw, codes, "P18_POP"))


# -- codes that exist in no vintage ------------------------------------------------------------------


@pytest.mark.parametrize(("args", "shown", "form"), [
    (["--commune", "99999"], "99999", "codes INSEE de 5 caractères"),
    (["--epci", "200000000"], "200000000", "ex. 246900625"),  # a wrong check digit: the form of a SIREN
    (["--epci", "200000008"], "200000008", "un SIREN de 9 chiffres"),  # a valid SIREN, of no EPCI
    (["--communes", "84031,99999", "--nom", "Essai"], "99999", "codes INSEE de 5 caractères"),
])
def test_a_code_of_no_vintage_is_refused_in_french_and_nothing_is_written(
    tmp_path: Path, args: list[str], shown: str, form: str
):
    out = tmp_path / "dossier"
    result = invoke("run", *args, "--offline", "--sortie", str(out))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Erreur : ")
    assert shown in result.output and form in result.output
    assert "diagterr search NOM" in result.output  # the way to find a valid code
    assert not out.exists()


# -- helpers -------------------------------------------------------------------------------------------


def _dossier(territory: Territory) -> Dossier:
    from diagterr.pipeline import RunOptions, build_dossier, default_store

    return build_dossier(territory, default_store(), RunOptions(Path("unused"), offline=True), [], [])


def _indicators(dossier: Dossier) -> dict[str, Indicator]:
    return {i.id: i for s in dossier.sections for b in s.blocks if isinstance(b, IndicatorTable)
            for i in b.indicators}


def _boundaries(territory: Territory) -> gpd.GeoDataFrame:
    """The outlines an offline run gathers for the territory's map (pipeline.prepare)."""
    from diagterr.pipeline import RunOptions, default_store, prepare
    from diagterr.sources.http import HttpClient

    with HttpClient.from_settings(offline=True) as client:
        prepared = prepare(territory, RunOptions(Path("unused"), offline=True), default_store(), client)
    assert prepared.boundaries is not None
    assert not [g for g in prepared.gaps if g.source_id == "api_geo"]  # nothing to fetch: all shipped
    return prepared.boundaries
