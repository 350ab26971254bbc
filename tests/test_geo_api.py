"""API Géo fetchers on the real specimens of ../shared/sources/specimens, network blocked.

The bodies are built from the specimens by tests/specimens.py (what is real and what is ours is
in each builder's docstring); tests that read a specimen skip where ../shared is absent.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pytest
import responses
from responses import matchers

from diagterr.errors import BadInputError, NotFoundAtSourceError, SourceSchemaError
from diagterr.sources import geo_api
from diagterr.store import Manifest, Store
from diagterr.tables.geography import API_GEO_BOUNDARIES
from specimens import (
    departement_77_communes_contour,
    feature_collection,
    geo_default_item,
    json_list,
    needs_specimens,
)

BOUNDARY_PARAMS = {"format": "geojson", "geometry": "contour", "fields": "code,nom,population"}
DEP77_URL = "https://geo.api.gouv.fr/departements/77/communes"


def commune_01001() -> dict[str, Any]:
    """The REAL `/communes/01001` item (default fields)."""
    return geo_default_item("communes_item")


def add_dep77(mocked: responses.RequestsMock, body: object = None) -> None:
    """Answer the boundaries request of département 77: by default the REAL Feature of
    Grisy-sur-Seine (77218) inside a FeatureCollection wrapper of ours."""
    if body is None:
        body = departement_77_communes_contour()
    mocked.get(DEP77_URL, json=body, match=[matchers.query_param_matcher(BOUNDARY_PARAMS)])


# -- communes and EPCI --------------------------------------------------------------------------


@needs_specimens
def test_fetch_commune_returns_the_default_fields(mocked, client):
    mocked.get("https://geo.api.gouv.fr/communes/01001", json=commune_01001())
    commune = geo_api.fetch_commune(client, "01001")
    assert commune["nom"] == "L'Abergement-Clémenciat"
    assert commune["codeEpci"] == "200069193"
    assert commune["population"] == 859


def test_an_unknown_commune_is_not_found_at_source(mocked, client):
    mocked.get("https://geo.api.gouv.fr/communes/01999", status=404, body="Not Found")
    with pytest.raises(NotFoundAtSourceError, match="01999"):
        geo_api.fetch_commune(client, "01999")


@needs_specimens
def test_fetch_epci_and_its_communes(mocked, client):
    mocked.get("https://geo.api.gouv.fr/epcis/200000172", json=geo_default_item("epcis_item"))
    # The REAL commune 01001 (codeEpci 200069193) in a JSON array of ours: the real list is longer.
    mocked.get("https://geo.api.gouv.fr/epcis/200069193/communes", json=json_list(commune_01001()))
    epci = geo_api.fetch_epci(client, "200000172")
    assert epci["nom"] == "CC Faucigny - Glières"
    assert (epci["population"], epci["codesDepartements"]) == (28363, ["74"])
    communes = geo_api.fetch_epci_communes(client, "200069193")
    assert [c["code"] for c in communes] == ["01001"]
    assert all(c["codeEpci"] == "200069193" for c in communes)


@pytest.mark.parametrize(
    ("call", "code"),
    [(geo_api.fetch_commune, "1001"), (geo_api.fetch_commune, "01/01"), (geo_api.fetch_epci, "20000017")],
)
def test_malformed_codes_are_refused_before_any_request(mocked, client, call, code):
    with pytest.raises(BadInputError, match="invalide"):
        call(client, code)
    assert len(mocked.calls) == 0


@needs_specimens
def test_a_record_without_code_is_a_schema_error(mocked, client):
    body = {k: v for k, v in commune_01001().items() if k != "code"}
    mocked.get("https://geo.api.gouv.fr/communes/01001", json=body)
    with pytest.raises(SourceSchemaError, match="« code »"):
        geo_api.fetch_commune(client, "01001")


# -- boundaries ---------------------------------------------------------------------------------


@needs_specimens
def test_boundaries_of_a_commune_from_its_departement(mocked, client):
    add_dep77(mocked)
    frame = geo_api.fetch_commune_boundaries(client, ["77218"])
    assert isinstance(frame, gpd.GeoDataFrame)
    assert list(frame.columns) == ["code", "name", "population", "geometry"]
    assert frame.crs.to_epsg() == 4326
    row = frame.iloc[0]
    assert (row["code"], row["name"], row["population"]) == ("77218", "Grisy-sur-Seine", 107)
    assert row.geometry.geom_type == "Polygon" and row.geometry.is_valid
    assert row.geometry.exterior.coords[0] == (3.350602, 48.438077)  # first vertex of the specimen
    minx, miny, maxx, maxy = row.geometry.bounds
    assert 3.2 < minx < maxx < 3.5 and 48.3 < miny < maxy < 48.5  # Seine-et-Marne, south-east


@needs_specimens
def test_boundaries_survive_a_round_trip_through_the_store(mocked, client, tmp_path):
    add_dep77(mocked)
    frame = geo_api.fetch_commune_boundaries(client, ["77218"])
    store = Store([tmp_path / "store"])
    written = store.write_table(
        API_GEO_BOUNDARIES.name, frame, geo_api.boundaries_manifest(["77218"], "2026-11-21T10:00:00+01:00")
    )
    assert written.rows == 1
    back = store.read_geo(API_GEO_BOUNDARIES.name)
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0])
    assert back["code"].tolist() == ["77218"]


@needs_specimens
def test_a_code_the_departement_does_not_list_is_not_found(mocked, client):
    add_dep77(mocked)
    with pytest.raises(NotFoundAtSourceError, match="pas de contour pour 77999"):
        geo_api.fetch_commune_boundaries(client, ["77218", "77999"])


def test_arrondissements_are_asked_with_their_type(mocked, client):
    # An empty FeatureCollection is what the list endpoints return when nothing matches.
    mocked.get(
        "https://geo.api.gouv.fr/communes",
        json=feature_collection(),
        match=[
            matchers.query_param_matcher(
                {"codeDepartement": "75", "type": "arrondissement-municipal", **BOUNDARY_PARAMS}
            )
        ],
    )
    with pytest.raises(NotFoundAtSourceError, match="75101"):
        geo_api.fetch_commune_boundaries(client, ["75101"])


def test_one_request_per_departement_and_kind():
    plan = geo_api.boundary_requests(["77218", "77001", "75056", "75101", "75120", "2A004", "97101"])
    assert plan == [
        ("https://geo.api.gouv.fr/departements/2A/communes", BOUNDARY_PARAMS),
        ("https://geo.api.gouv.fr/departements/75/communes", BOUNDARY_PARAMS),
        ("https://geo.api.gouv.fr/departements/77/communes", BOUNDARY_PARAMS),
        ("https://geo.api.gouv.fr/departements/971/communes", BOUNDARY_PARAMS),
        (
            "https://geo.api.gouv.fr/communes",
            {"codeDepartement": "75", "type": "arrondissement-municipal", **BOUNDARY_PARAMS},
        ),
    ]


@needs_specimens
@pytest.mark.parametrize(
    ("mutate", "missing"),
    [
        (lambda f: f.pop("geometry"), "geometry"),  # the server omits an undefined geometry
        (lambda f: f["properties"].pop("code"), "code"),
        (lambda f: f["properties"].pop("population"), "population"),
    ],
)
def test_a_feature_without_a_needed_field_is_a_schema_error(mocked, client, mutate, missing):
    body = departement_77_communes_contour()  # a new object: the mutation stays in this test
    mutate(body["features"][0])
    add_dep77(mocked, body)
    with pytest.raises(SourceSchemaError, match=f"« {missing} »"):
        geo_api.fetch_commune_boundaries(client, ["77218"])


@needs_specimens
def test_a_json_list_instead_of_geojson_is_a_schema_error(mocked, client):
    add_dep77(mocked, json_list(commune_01001()))  # the shape of a `format=json` answer
    with pytest.raises(SourceSchemaError, match="FeatureCollection"):
        geo_api.fetch_commune_boundaries(client, ["77218"])


def test_boundaries_manifest_describes_the_requests():
    manifest = geo_api.boundaries_manifest(["77218", "77001"], "2026-11-21T10:00:00+01:00")
    assert manifest.source_id == "api_geo"
    assert manifest.producer == "Etalab / DINUM"
    assert manifest.licence == "Licence Ouverte / Etalab 2.0"
    assert manifest.origin == (
        "https://geo.api.gouv.fr/departements/77/communes?format=geojson&geometry=contour"
        "&fields=code%2Cnom%2Cpopulation"
    )
    assert manifest.vintage == manifest.geo_vintage == "COG de l'API Géo (année en cours)"
    assert manifest.params["codes"] == "77001,77218"
    assert Manifest.from_json(manifest.to_json()) == manifest
