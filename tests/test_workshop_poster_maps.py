"""The workshop kit's poster and map pack (issue 18), and `--formats`, as their users open them:
pypdf reads the A3 poster, pyogrio the GeoPackage QGIS opens, the folder shows which files a
choice of formats writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyogrio
import pytest
from pypdf import PdfReader

from diagterr.formatting import nombre
from diagterr.outputs import OUTPUT_FORMATS
from diagterr.pipeline import default_store
from helpers import invoke

CCPA = "246900625"
SAINT_PAUL = "97411"  # La Réunion
A3_LANDSCAPE_PT = (1190.55, 841.89)


def _run(out: Path, *args: str) -> object:
    return invoke("run", *args, "--offline", "--sortie", str(out), "--date-edition", "2026-11-21")


@pytest.fixture(scope="module")
def ccpa(tmp_path_factory):
    """One full offline run of the CC du Pays de l'Arbresle: every format."""
    out = tmp_path_factory.mktemp("ccpa-kit")
    result = _run(out, "--epci", CCPA)
    assert result.exit_code == 4, result.output  # offline: partial, built whole from the samples
    return out, result


def _legal_population(codes: list[str]) -> float:
    legal = default_store().observations("populations_legales", "COM", variables=["pmun"])
    return legal[(legal["period"] == "2023") & legal["geo_code"].isin(codes)]["value"].sum()


@pytest.mark.slow
def test_the_poster_is_one_a3_landscape_page_with_the_name_and_legal_population(ccpa):
    out, _ = ccpa
    reader = PdfReader(out / "affiche-a3.pdf")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A3_LANDSCAPE_PT, abs=1)
    text = reader.pages[0].extract_text()
    assert "CC du Pays de l'Arbresle" in text
    communes = json.loads((out / "indicateurs.json").read_text("utf-8"))["territory"]["communes"]
    codes = [c["code"] if isinstance(c, dict) else c[0] for c in communes]
    assert nombre(_legal_population(codes)) in text  # "39 338", summed from the communes' legal populations
    # The enjeux the page could hold, and where the others are: said on the poster.
    assert "Atouts" in text and "Questions" in text and "au début du dossier" in text
    assert "Sources" in text and "INSEE" in text


def test_the_poster_stylesheet_states_its_minimum_font_sizes():
    from diagterr.resources import templates_dir

    css = (templates_dir() / "affiche.css").read_text("utf-8")
    assert "--min-body: 14pt" in css and "--min-small: 11pt" in css
    sizes = [float(size) for size in re.findall(r"font-size:\s*([0-9.]+)pt", css)]
    assert sizes and min(sizes) >= 14  # every literal size is at least the body's minimum


@pytest.mark.slow
def test_the_map_pack_has_each_map_as_svg_and_png_and_a_geopackage_for_qgis(ccpa):
    out, result = ccpa
    maps = out / "cartes"
    svgs = {p.stem for p in maps.glob("*.svg")}
    pngs = {p.stem for p in maps.glob("*.png")}
    assert svgs == pngs
    assert {"couverture", "carte_communes", "carte_variation_population"} <= svgs
    assert any(name.startswith("carte_region_") for name in svgs)  # the ZoneMaps of « Territoires comparables »
    from PIL import Image

    with Image.open(maps / "carte_variation_population.png") as image:
        assert round(image.info["dpi"][0]) == 300
    gpkg = out / "territoire.gpkg"
    assert [name for name, _ in pyogrio.list_layers(gpkg)] == ["perimetre", "communes", "communes_voisines"]
    for layer in ("perimetre", "communes", "communes_voisines"):
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:2154"
    communes = pyogrio.read_info(gpkg, layer="communes")
    assert communes["features"] == 17
    fields = list(communes["fields"])
    assert {"code", "nom", "carte_variation_population"} <= set(fields)
    assert all(len(name) <= 63 for name in fields)
    values = pyogrio.read_dataframe(gpkg, layer="communes")
    assert values["carte_variation_population"].notna().sum() > 0
    neighbours = pyogrio.read_dataframe(gpkg, layer="communes_voisines")
    assert len(neighbours) > 0 and not set(neighbours["code"]) & set(values["code"])
    assert pyogrio.read_info(gpkg, layer="perimetre")["features"] == 1
    # The run lists what it wrote: the folder of maps in one line.
    assert "cartes" in result.output and "affiche-a3.pdf" in result.output


@pytest.mark.slow
def test_a_reunion_commune_gets_its_official_projection(tmp_path):
    result = _run(tmp_path, "--commune", SAINT_PAUL, "--formats", "cartes")
    assert result.exit_code in (0, 4), result.output
    gpkg = tmp_path / "territoire.gpkg"
    for layer in ("perimetre", "communes"):
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == "EPSG:2975"  # RGR92 / UTM 40S
    assert pyogrio.read_info(gpkg, layer="communes")["features"] == 1
    assert not (tmp_path / "dossier.pdf").exists()


@pytest.mark.slow
def test_formats_pdf_writes_the_pdf_and_the_indicators_only(tmp_path):
    result = _run(tmp_path, "--epci", CCPA, "--formats", "pdf")
    assert result.exit_code == 4, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dossier.pdf", "indicateurs.csv", "indicateurs.json"]


def test_an_unknown_format_is_refused_before_any_work(tmp_path):
    out = tmp_path / "sortie"
    result = _run(out, "--epci", CCPA, "--formats", "pdf,nope")
    assert result.exit_code == 2
    assert "nope" in result.output
    assert all(name in result.output for name in OUTPUT_FORMATS)
    assert not out.exists()


def test_the_help_lists_the_short_names():
    for command in ("run", "batch"):
        text = invoke(command, "--help").output
        assert "--formats" in text and all(name in text for name in OUTPUT_FORMATS)


def test_a_batch_site_with_an_unknown_format_is_refused_with_its_line(tmp_path):
    from diagterr import batch

    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n"
                    "  - nom: Tessy-Bocage\n    commune: \"50592\"\n    formats: pdf, nope\n", "utf-8")
    result = invoke("batch", str(path), "--offline")
    assert result.exit_code == 2
    assert "ligne 4" in result.output and "nope" in result.output
    assert not list(tmp_path.glob("*-07341"))
    path.write_text("sites:\n  - nom: Tessy-Bocage\n    commune: \"50592\"\n    formats: [pdf, affiche]\n", "utf-8")
    assert batch.load_sites(path)[0].formats == {"pdf", "affiche"}
    bad = invoke("batch", str(path), "--offline", "--formats", "nope")
    assert bad.exit_code == 2 and "nope" in bad.output


@pytest.mark.slow
def test_batch_json_lists_each_sites_files(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sortie: lot\nsites:\n  - nom: Villeneuve-de-Berg\n    commune: \"07341\"\n    formats: html\n",
                    "utf-8")
    result = invoke("batch", str(path), "--offline", "--jobs", "1", "--date-edition", "2026-11-21")
    assert result.exit_code == 4, result.output
    site = json.loads((tmp_path / "lot" / "batch.json").read_text("utf-8"))["sites"][0]
    assert sorted(Path(f).name for f in site["files"]) == ["dossier.html", "indicateurs.csv", "indicateurs.json"]
    assert all(Path(f).is_file() for f in site["files"])
    # The same inputs again: unchanged, and its files still listed.
    again = invoke("batch", str(path), "--offline", "--jobs", "1", "--date-edition", "2026-11-21")
    site = json.loads((tmp_path / "lot" / "batch.json").read_text("utf-8"))["sites"][0]
    assert again.exit_code == 4 and site["status"] == "inchange"
    assert sorted(Path(f).name for f in site["files"]) == ["dossier.html", "indicateurs.csv", "indicateurs.json"]
