"""End to end, as a user runs it: `diagterr run` builds a real PDF dossier from the samples."""

from __future__ import annotations

import csv
import json
import re

import pytest
import responses
from pypdf import PdfReader

from diagterr.cli import app
from diagterr.formatting import nombre
from diagterr.pipeline import default_store
from helpers import SHARED, needs_shared, runner
from pdf_outline import outline_titles
from specimens import (
    MELODI_CATALOG_SUBSET,
    catalog_all,
    departement_77_communes_contour,
    dumps,
    load_json,
    needs_specimens,
)

CHAPTERS = ["En bref", "Sommaire", "Le territoire", "Territoires comparables", "Démographie", "Habitat",
            "Économie et emploi",
            "Climat, risques et sols", "Horizon 2050", "Initiatives et programmes en cours", "Sources et méthodes"]


@pytest.fixture(scope="module")
def ccpa(tmp_path_factory):
    out = tmp_path_factory.mktemp("ccpa")
    result = runner.invoke(
        app, ["run", "--epci", "246900625", "--offline", "--sortie", str(out), "--date-edition", "2026-11-21"],
        catch_exceptions=False,
    )
    return result, out


@pytest.mark.slow
def test_ccpa_dossier_is_built_offline_from_the_samples(ccpa):
    result, out = ccpa
    # Built whole from the samples, and partial: offline, what only an online run reads is missing.
    assert result.exit_code == 4, result.output
    for name in ("dossier.pdf", "dossier.html", "indicateurs.json", "indicateurs.csv"):
        assert (out / name).stat().st_size > 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary file left behind"


@pytest.mark.slow
def test_ccpa_pdf_outline_pages_and_metadata(ccpa):
    _, out = ccpa
    reader = PdfReader(out / "dossier.pdf")
    # Nine chapters and the annex: about 50 pages offline (the comparables with their région maps and
    # Horizon 2050 added ten); a runaway table or a map per page would pass 60.
    assert 12 <= len(reader.pages) <= 60
    titles = outline_titles(reader)
    positions = [next(i for i, t in enumerate(titles) if t.startswith(chapter)) for chapter in CHAPTERS]
    assert positions == sorted(positions), titles
    assert "CC du Pays de l'Arbresle" in reader.metadata.title


@pytest.mark.slow
def test_ccpa_key_figures_are_in_the_text_in_french_format(ccpa):
    _, out = ccpa
    reader = PdfReader(out / "dossier.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    store = default_store()
    legal = store.observations("populations_legales", "COM", variables=["pmun"])
    communes = json.loads((out / "indicateurs.json").read_text("utf-8"))["territory"]["communes"]
    codes = [c["code"] if isinstance(c, dict) else c[0] for c in communes]
    assert len(codes) == 17
    population_2023 = legal[(legal["period"] == "2023") & legal["geo_code"].isin(codes)]["value"].sum()
    assert nombre(population_2023) in text  # e.g. "39 338" with a narrow no-break space
    assert "\u202f" in nombre(population_2023)
    assert "Situation connue" in text and "populations légales 2023" in text
    assert "21 novembre 2026" in text
    assert "Page 2 /" in text or "2 / " in text
    assert "L'Arbresle" in text and "Petites villes de demain" in text


@pytest.mark.slow
def test_ccpa_exports_carry_every_indicator_with_source_and_comparisons(ccpa):
    _, out = ccpa
    data = json.loads((out / "indicateurs.json").read_text("utf-8"))
    flat = json.dumps(data, ensure_ascii=False)
    assert "population_legale" in flat and "taux_chomage_15_64" in flat
    assert "insee_comparateur" in flat and "RP 2018" in flat
    with (out / "indicateurs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert rows and {"departement", "region", "france"} <= {r.get("niveau") for r in rows}


@pytest.mark.slow
@needs_specimens
@responses.activate
def test_commune_outside_the_samples_online_gives_a_partial_dossier(tmp_path):
    body = departement_77_communes_contour()  # the REAL Feature of 77218 in a FeatureCollection
    responses.get("https://geo.api.gouv.fr/departements/77/communes", json=body)
    # The REAL Melodi catalogue announces PL 2023, which the samples hold for every commune: no data
    # call for it; the census datasets are asked and refused (HTTP 400, not retried).
    responses.get("https://api.insee.fr/melodi/catalog/all",
                  body=dumps(catalog_all(load_json(MELODI_CATALOG_SUBSET)["datasets"])))
    responses.get(re.compile(r"https://api\.insee\.fr/melodi/data/.*"), status=400, body="Bad Request")
    # The other sources fail (HTTP 400, not retried): the dossier is still made, the gaps are marked in it.
    responses.get(re.compile(r"https://archive-api\.open-meteo\.com/.*"), status=400,
                  json={"error": True, "reason": "Parameter 'latitude' is out of range"})
    responses.get(re.compile(r"https://www\.georisques\.gouv\.fr/.*"), status=400, body="Bad Request")
    responses.get(re.compile(r"https://(open\.urssaf\.fr|recherche-entreprises\.api\.gouv\.fr|"
                             r"apidf-preprod\.cerema\.fr|www\.data\.gouv\.fr|climate-api\.open-meteo\.com|www\.insee\.fr)/.*"),
                  status=400, body="Bad Request")
    out = tmp_path / "grisy"
    result = runner.invoke(app, ["run", "--commune", "77218", "--sortie", str(out)], catch_exceptions=False)
    assert result.exit_code == 4, result.output
    assert (out / "dossier.pdf").exists()
    text = "\n".join(p.extract_text() for p in PdfReader(out / "dossier.pdf").pages)
    assert "Grisy-sur-Seine" in text
    assert "n.d." in text
    assert "Climat observé indisponible" in text and "Risques naturels indisponibles" in text


@pytest.mark.slow
@needs_shared
def test_import_of_the_national_file_then_any_commune_offline(tmp_path):
    """`diagterr import` loads the whole comparateur once; a commune outside the samples then
    gets its census figures offline, the rest marked missing (exit 4, partial)."""
    national = SHARED / "data/raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"
    result = runner.invoke(app, ["import", str(national)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "RP 2018" in result.output
    out = tmp_path / "clermont"
    result = runner.invoke(
        app, ["run", "--commune", "63113", "--offline", "--sortie", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 4, result.output
    data = json.loads((out / "indicateurs.json").read_text("utf-8"))
    by_id = {i["id"]: i for i in data["indicators"]}
    assert by_id["population_rp"]["value"] > 100_000  # Clermont-Ferrand, from the national file
    assert by_id["mediane_niveau_vie"]["value"] is not None  # a single commune: its published median


def test_import_of_a_missing_file_is_a_bad_input(tmp_path):
    result = runner.invoke(app, ["import", str(tmp_path / "absent.zip")], catch_exceptions=False)
    assert result.exit_code == 2
    assert "introuvable" in result.output


@pytest.mark.slow
@responses.activate
def test_without_any_network_a_sample_site_is_built_as_offline(tmp_path):
    """No network at all (names do not resolve): the run says so and goes on as with --offline."""
    import requests
    import urllib3

    url = "https://www.insee.fr/"  # every host: no name resolves
    dns = urllib3.exceptions.NameResolutionError("www.insee.fr", None, OSError("Name or service not known"))
    responses.get(re.compile(r"https?://.*"),
                  body=requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, reason=dns)))
    out = tmp_path / "villeneuve"
    result = runner.invoke(app, ["run", "--commune", "07341", "--sortie", str(out)], catch_exceptions=False)
    assert result.exit_code == 4, result.output  # as offline: partial, what only an online run reads is missing
    assert "Pas de réseau" in result.output
    assert (out / "dossier.pdf").exists()
    assert len(responses.calls) == 1  # nothing else was tried
