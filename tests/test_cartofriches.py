"""Cartofriches (Cerema): fetch by commune and schema checks on the REAL rows of the specimens,
read in place from ../shared/sources/specimens (network blocked).

- `cartofriches__friches_59350_head_from_notebook.csv`: five REAL sites of Lille (59350), as
  pandas printed them in the Cerema client's notebook;
- `cartofriches__geofriches_feature_via_geopandas.json`: one REAL site of Gouy (02352) with its
  outline, re-serialised by geopandas.

What is ours in each body is said by the builder that makes it.
"""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest
from responses import matchers

from diagterr.errors import BadInputError, OfflineUnavailableError, SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import cartofriches, online
from diagterr.sources.fetcher import FetchContext
from diagterr.sources.http import HttpClient
from diagterr.store import Store
from diagterr.tables.programmes import CARTOFRICHES, CARTOFRICHES_COVERAGE
from diagterr.territory import resolve_territory
from diagterr.themes import programmes
from diagterr.themes.figures import Figures
from specimens import load_json, load_text, needs_specimens

FRICHES_59350 = "cartofriches__friches_59350_head_from_notebook.csv"
GEOFRICHES_FEATURE = "cartofriches__geofriches_feature_via_geopandas.json"
LIST_FIELDS = ("proprio_type_lib",)  # a JSON list in the API (the GeoJSON specimen), printed "[…]" by pandas
NUMBER_FIELDS = ("unite_fonciere_surface",)


def friches_59350_results() -> list[dict[str, Any]]:
    """The five REAL sites of the CSV specimen as the JSON objects of `results`.

    REAL: every field name and value. OURS: the JSON types restored from pandas' printing: "None"
    → null, "[DEPARTEMENT]" → ["DEPARTEMENT"] (a list, as in the GeoJSON specimen), the surface as
    a number; codes stay strings ("59350", "59").
    """
    rows = []
    for record in csv.DictReader(io.StringIO(load_text(FRICHES_59350))):
        item: dict[str, Any] = {}
        for key, value in record.items():
            if value == "None":
                item[key] = None
            elif key in LIST_FIELDS and value.startswith("[") and value.endswith("]"):
                item[key] = [part.strip() for part in value[1:-1].split(",")]
            elif key in NUMBER_FIELDS:
                item[key] = float(value)
            else:
                item[key] = value
        rows.append(item)
    return rows


def drf_page(key: str, items: list[Any], next_url: str | None = None, count: int | None = None) -> dict[str, Any]:
    """A Django REST Framework page around REAL items. OURS: the `{count, next, previous, <key>}`
    wrapper (APIS.md §8.2 and the Cerema client's `utils.py`)."""
    return {"count": len(items) if count is None else count, "next": next_url, "previous": None,
            key: copy.deepcopy(items)}


def geofriches_feature() -> dict[str, Any]:
    """The REAL feature of Gouy (02352), without the `"id"` geopandas added (the DataFrame index)."""
    feature = load_json(GEOFRICHES_FEATURE)["feature"]
    feature.pop("id")
    return feature


def params(code: str) -> dict[str, str]:
    return {"code_insee": code, "page_size": "500"}


def add_friches(mocked, code: str, body: Any) -> None:
    mocked.get(cartofriches.FRICHES_URL, json=body, match=[matchers.query_param_matcher(params(code))])


# -- friches ------------------------------------------------------------------------------------


@needs_specimens
def test_the_real_sites_of_lille_are_read_with_their_fields(mocked, client):
    add_friches(mocked, "59350", drf_page("results", friches_59350_results()))
    frame = cartofriches.fetch_friches(client, ["59350"])
    assert list(frame.columns) == list(CARTOFRICHES.columns)
    assert frame["site_id"].tolist() == ["59350_10190", "59350_10192", "59350_10209", "59350_10210", "59350_10211"]
    first = frame.iloc[0]
    assert (first["commune"], first["site_nom"], first["site_statut"]) == ("59350", "Teinturerie", "friche potentielle")
    assert first["surface_m2"] == pytest.approx(234.17)
    assert first["source_nom"] == "Site Basias ou Basol non vérifié par le Cerema"
    assert set(frame["commune_nom"]) == {"LILLE"}
    assert len(mocked.calls) == 1


@needs_specimens
def test_pages_are_followed_through_next(mocked, client):
    sites = friches_59350_results()
    page2_url = f"{cartofriches.FRICHES_URL}?code_insee=59350&page=2&page_size=500"
    add_friches(mocked, "59350", drf_page("results", sites[:3], next_url=page2_url, count=5))
    mocked.get(cartofriches.FRICHES_URL, json=drf_page("results", sites[3:], count=5),
               match=[matchers.query_param_matcher({"code_insee": "59350", "page": "2", "page_size": "500"})])
    frame = cartofriches.fetch_friches(client, ["59350"])
    assert len(frame) == 5 and len(mocked.calls) == 2


@needs_specimens
def test_a_next_link_written_http_by_a_proxy_is_followed_in_https(mocked, client):
    sites = friches_59350_results()
    page2 = cartofriches.FRICHES_URL.replace("https://", "http://") + "?code_insee=59350&page=2&page_size=500"
    add_friches(mocked, "59350", drf_page("results", sites[:1], next_url=page2, count=2))
    mocked.get(cartofriches.FRICHES_URL, json=drf_page("results", sites[1:2], count=2),
               match=[matchers.query_param_matcher({"code_insee": "59350", "page": "2", "page_size": "500"})])
    assert len(cartofriches.fetch_friches(client, ["59350"])) == 2
    assert mocked.calls[1].request.url.startswith("https://")


@needs_specimens
def test_a_next_link_to_another_host_is_refused(mocked, client):
    add_friches(mocked, "59350", drf_page("results", friches_59350_results(), next_url="https://example.org/p2"))
    with pytest.raises(SourceSchemaError, match="next"):
        cartofriches.fetch_friches(client, ["59350"])


def test_a_commune_without_brownfield_gives_no_row(mocked, client):
    add_friches(mocked, "69010", drf_page("results", []))
    frame = cartofriches.fetch_friches(client, ["69010"])
    assert frame.empty and list(frame.columns) == list(CARTOFRICHES.columns)


@needs_specimens
@pytest.mark.parametrize("missing", ["site_id", "site_nom", "site_statut", "comm_insee", "unite_fonciere_surface"])
def test_a_site_without_a_summary_field_is_a_schema_error(mocked, client, missing):
    sites = friches_59350_results()
    del sites[2][missing]
    add_friches(mocked, "59350", drf_page("results", sites))
    with pytest.raises(SourceSchemaError, match=missing):
        cartofriches.fetch_friches(client, ["59350"])


@needs_specimens
def test_a_page_of_another_shape_is_a_schema_error(mocked, client):
    add_friches(mocked, "59350", {"data": friches_59350_results()})
    with pytest.raises(SourceSchemaError, match="count, next, previous, results"):
        cartofriches.fetch_friches(client, ["59350"])


@needs_specimens
def test_a_site_of_another_commune_is_a_schema_error(mocked, client):
    add_friches(mocked, "59009", drf_page("results", friches_59350_results()))
    with pytest.raises(SourceSchemaError, match="59350"):
        cartofriches.fetch_friches(client, ["59009"])


@needs_specimens
def test_a_surface_that_is_not_a_number_is_a_schema_error(mocked, client):
    sites = friches_59350_results()
    sites[0]["unite_fonciere_surface"] = "234,17"
    add_friches(mocked, "59350", drf_page("results", sites))
    with pytest.raises(SourceSchemaError, match="surface"):
        cartofriches.fetch_friches(client, ["59350"])


@pytest.mark.parametrize("code", ["5935", "59 350", "lille"])
def test_malformed_codes_are_refused_before_any_request(mocked, client, code):
    with pytest.raises(BadInputError, match="Code commune invalide"):
        cartofriches.fetch_friches(client, [code])
    assert len(mocked.calls) == 0


def test_offline_without_cache_says_so(tmp_path):
    with HttpClient(offline=True, rate_limits={}) as offline, pytest.raises(OfflineUnavailableError, match="cache"):
        cartofriches.fetch_friches(offline, ["59350"])


def test_manifest_names_the_request_and_the_licence():
    manifest = cartofriches.manifest(["59350", "59009"], "2026-11-21")
    assert manifest.origin == ("https://apidf-preprod.cerema.fr/cartofriches/friches/?code_insee=<code commune>"
                               "&page_size=500 (une requête par commune, 2 commune(s))")
    assert manifest.params["codes"] == "59009,59350"
    assert manifest.licence == "Licence Ouverte / Etalab 2.0" and manifest.producer == "Cerema"


# -- geofriches ---------------------------------------------------------------------------------


@needs_specimens
def test_the_real_feature_is_read_with_its_outline(mocked, client):
    # OURS: the page around the REAL feature, answered to code_insee=02352 (the notebook asked a bbox).
    mocked.get(cartofriches.GEOFRICHES_URL, json=drf_page("features", [geofriches_feature()]),
               match=[matchers.query_param_matcher(params("02352"))])
    frame = cartofriches.fetch_geofriches(client, ["02352"])
    assert frame.crs.to_epsg() == 4326
    row = frame.iloc[0]
    assert (row["commune"], row["commune_nom"], row["site_statut"]) == ("02352", "GOUY", "friche potentielle")
    assert row["site_nom"] == "Carosserie Industrielle de l'Escaut ; TABARY"
    assert row["surface_m2"] == pytest.approx(6040.32)
    assert row.geometry.geom_type == "MultiPolygon" and row.geometry.is_valid
    minx, miny, maxx, maxy = row.geometry.bounds
    assert 3.25 < minx < maxx < 3.26 and 50.0 < miny < maxy < 50.01


@needs_specimens
def test_a_feature_without_outline_is_a_schema_error(mocked, client):
    feature = geofriches_feature()
    feature["geometry"] = None
    mocked.get(cartofriches.GEOFRICHES_URL, json=drf_page("features", [feature]),
               match=[matchers.query_param_matcher(params("02352"))])
    with pytest.raises(SourceSchemaError, match="geometry"):
        cartofriches.fetch_geofriches(client, ["02352"])


# -- the section reads the table when the store has it -------------------------------------------


def brownfield_blocks(section) -> tuple[list, list]:
    tables = [b for b in section.blocks if getattr(b, "title", "").startswith("Friches recensées")]
    notes = [b.detail or b.text for b in section.blocks if "riche" in getattr(b, "text", "")]
    return tables, notes


def online_step(source_id: str):
    return next(fetcher for fetcher in online.FETCHERS if fetcher.source_id == source_id)


@needs_specimens
def test_the_online_step_brings_the_brownfields_into_the_section(mocked, client, tmp_path: Path):
    """The pipeline's Cartofriches step, answered with the five REAL sites of Lille (network
    blocked): the section lists them with commune, site, status and area, and the date of the request."""
    add_friches(mocked, "59350", drf_page("results", friches_59350_results()))
    store = Store([tmp_path / "store", samples_dir()])
    lille = resolve_territory(commune="59350")
    step = online_step("cartofriches")
    assert step.label == "Friches (Cartofriches, Cerema)"
    step.fetch(FetchContext(client, store, lille))
    section = programmes.analyse(Figures(store, lille))
    tables, notes = brownfield_blocks(section)
    (table,) = tables
    assert table.title.startswith("Friches recensées par Cartofriches (5 sites, relevé du ")
    assert [c.label for c in table.columns] == ["Commune", "Site", "Statut", "Type", "Surface de l'unité foncière (m²)"]
    assert ("Lille", "Teinturerie", "friche potentielle", "inconnu", 234.17) in table.rows
    assert ("Lille", "Station Service Esso", "friche potentielle", "inconnu", 234.17) in table.rows
    assert table.source.source_id == "cartofriches"
    assert not any("non disponible hors ligne" in n for n in notes)
    assert len(mocked.calls) == 1


@needs_specimens
def test_a_second_territory_keeps_the_first_ones_sites(mocked, client, tmp_path: Path):
    """Fetching Gouy (no site in this answer) after Lille: Lille's sites stay, Gouy says "none"."""
    add_friches(mocked, "59350", drf_page("results", friches_59350_results()))
    add_friches(mocked, "02352", drf_page("results", []))
    store = Store([tmp_path / "store", samples_dir()])
    cartofriches.fetch_for_territory(client, store, resolve_territory(commune="59350"), today="2026-11-20")
    cartofriches.fetch_for_territory(client, store, resolve_territory(commune="02352"), today="2026-11-21")
    lille_tables, _ = brownfield_blocks(programmes.analyse(Figures(store, resolve_territory(commune="59350"))))
    assert lille_tables[0].title == "Friches recensées par Cartofriches (5 sites, relevé du 20 novembre 2026)"
    gouy_tables, gouy_notes = brownfield_blocks(programmes.analyse(Figures(store, resolve_territory(commune="02352"))))
    assert gouy_tables == []
    assert any(n.startswith("Cartofriches (relevé du 21 novembre 2026) : aucune friche recensée à Gouy.") for n in gouy_notes)


def test_a_failed_fetch_writes_nothing(mocked, client, tmp_path: Path):
    mocked.get(cartofriches.FRICHES_URL, json={"detail": "erreur"}, match=[matchers.query_param_matcher(params("69010"))])
    store = Store([tmp_path / "store", samples_dir()])
    with pytest.raises(SourceSchemaError):
        cartofriches.fetch_for_territory(client, store, resolve_territory(commune="69010"))
    assert not store.has(CARTOFRICHES.name) and not store.has(CARTOFRICHES_COVERAGE.name)


def test_offline_the_section_says_the_brownfields_are_not_available():
    section = programmes.analyse(Figures(Store([samples_dir()]), resolve_territory(epci="246900625")))
    tables, notes = brownfield_blocks(section)
    assert tables == []
    assert any(n.startswith("Friches (Cartofriches, Cerema) : non disponible hors ligne.") for n in notes)
