"""API Géo (geo.api.gouv.fr): communes, EPCI and commune boundaries of the current COG.

Endpoints and fields from the official swagger (`definition.yml`) and `server.js` of
datagouv/api-geo. Pitfalls handled here:
- `/departements/{code}/communes` lists only `commune-actuelle`; the arrondissements municipaux
  of Paris, Lyon and Marseille come from `/communes?codeDepartement=..&type=arrondissement-municipal`;
- polygons need `format=geojson&geometry=contour` (`format=geojson` alone gives the centre point);
- the EPCI code is its SIREN.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from diagterr.errors import BadInputError, NotFoundAtSourceError, SourceSchemaError
from diagterr.sources.http import HttpClient, url_with_params
from diagterr.sources.registry import source_info
from diagterr.store import Manifest
from diagterr.tables.geography import API_GEO_BOUNDARIES

logger = logging.getLogger(__name__)

SOURCE_ID = "api_geo"
BASE_URL = "https://geo.api.gouv.fr"
BOUNDARY_PARAMS: dict[str, str] = {
    "format": "geojson",
    "geometry": "contour",
    "fields": "code,nom,population",
}

_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_SIREN = re.compile(r"^\d{9}$")
# Arrondissements municipaux (COG): Paris 75101-75120, Lyon 69381-69389, Marseille 13201-13216.
_ARRONDISSEMENTS = (range(75101, 75121), range(69381, 69390), range(13201, 13217))


def fetch_commune(client: HttpClient, code: str) -> dict[str, Any]:
    """One commune (or arrondissement municipal) with the API's default fields."""
    url = f"{BASE_URL}/communes/{_commune_code(code)}"
    return _record(client.get_json(url, source_id=SOURCE_ID), url)


def fetch_epci(client: HttpClient, siren: str) -> dict[str, Any]:
    """One EPCI with the API's default fields (nom, code, codesDepartements, codesRegions, population)."""
    url = f"{BASE_URL}/epcis/{_siren(siren)}"
    return _record(client.get_json(url, source_id=SOURCE_ID), url)


def fetch_epci_communes(client: HttpClient, siren: str) -> list[dict[str, Any]]:
    """The communes of an EPCI (commune-actuelle), with the API's default fields."""
    url = f"{BASE_URL}/epcis/{_siren(siren)}/communes"
    body = client.get_json(url, source_id=SOURCE_ID)
    if not isinstance(body, list):
        raise SourceSchemaError(f"API Géo : {url} devait renvoyer une liste, reçu {type(body).__name__}.")
    return [_record(item, url) for item in body]


def boundary_requests(codes: Sequence[str]) -> list[tuple[str, dict[str, str]]]:
    """The (url, params) fetched for the boundaries of `codes`: one per département and kind."""
    communes: set[str] = set()
    arrondissement_deps: set[str] = set()
    for code in codes:
        dep = _departement_of(_commune_code(code))
        if _is_arrondissement(code):
            arrondissement_deps.add(dep)
        else:
            communes.add(dep)
    requests_: list[tuple[str, dict[str, str]]] = [
        (f"{BASE_URL}/departements/{dep}/communes", dict(BOUNDARY_PARAMS)) for dep in sorted(communes)
    ]
    requests_ += [
        (
            f"{BASE_URL}/communes",
            {"codeDepartement": dep, "type": "arrondissement-municipal", **BOUNDARY_PARAMS},
        )
        for dep in sorted(arrondissement_deps)
    ]
    return requests_


def fetch_commune_boundaries(client: HttpClient, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """Contours of `codes`: columns code, name, population, geometry (EPSG:4326), sorted by code.

    Raises NotFoundAtSourceError naming the codes the API does not list (a merged commune's old
    code, for instance), SourceSchemaError when a feature lacks a field we need.
    """
    wanted = {_commune_code(c) for c in codes}
    rows: dict[str, dict[str, Any]] = {}
    for url, params in boundary_requests(sorted(wanted)):
        body = client.get_json(url, params, source_id=SOURCE_ID)
        where = url_with_params(url, params)
        for feature in _features(body, where):
            properties = feature.get("properties") if isinstance(feature, Mapping) else None
            if not isinstance(properties, Mapping) or "code" not in properties:
                raise SourceSchemaError(f"API Géo : une commune de {where} n'a pas de champ « code ».")
            code = str(properties["code"])
            if code in wanted:
                rows[code] = _boundary_row(code, properties, feature, where)
    missing = sorted(wanted - rows.keys())
    if missing:
        raise NotFoundAtSourceError(
            f"API Géo : pas de contour pour {', '.join(missing)} (code absent de l'API Géo, "
            "peut-être une commune fusionnée : utilisez le code de la commune nouvelle)."
        )
    logger.info("API Géo: %d commune boundaries", len(rows))
    columns = ["code", "name", "population", "geometry"]
    frame = pd.DataFrame([rows[c] for c in sorted(rows)], columns=columns)
    frame = frame.astype({"code": "string", "name": "string", "population": "Int64"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def boundaries_manifest(codes: Sequence[str], retrieved_at: str) -> Manifest:
    """Provenance of the boundaries table of `codes` (rows and checksum are set by the store)."""
    info = source_info(SOURCE_ID)
    urls = [url_with_params(u, p) for u, p in boundary_requests(codes)]
    return Manifest(
        table=API_GEO_BOUNDARIES.name,
        source_id=SOURCE_ID,
        title="Contours des communes (API Géo)",
        producer=info.producer,
        origin=" ; ".join(urls),
        vintage="COG de l'API Géo (année en cours)",
        geo_vintage="COG de l'API Géo (année en cours)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"codes": ",".join(sorted(set(codes))), **BOUNDARY_PARAMS},
        method=(
            "Contours (geometry=contour) de l'API Géo, une requête par département, "
            "restreints aux communes du territoire ; population municipale de l'API Géo."
        ),
    )


# -- internals ---------------------------------------------------------------------------------


def _commune_code(code: str) -> str:
    if not isinstance(code, str) or not _COMMUNE_CODE.match(code):
        raise BadInputError(
            f"Code commune invalide : « {code} » "
            "(code INSEE à 5 caractères attendu, par exemple 07341 ou 2A004)."
        )
    return code


def _siren(siren: str) -> str:
    if not isinstance(siren, str) or not _SIREN.match(siren):
        raise BadInputError(
            f"Code EPCI invalide : « {siren} » (SIREN à 9 chiffres attendu, par exemple 200046977)."
        )
    return siren


def _departement_of(code: str) -> str:
    """Département of a commune code: 3 characters overseas (971…), else 2 (01…, 2A, 2B)."""
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def _is_arrondissement(code: str) -> bool:
    return code.isdigit() and any(int(code) in r for r in _ARRONDISSEMENTS)


def _record(body: Any, where: str) -> dict[str, Any]:
    """A JSON object of the API that has at least `code` and `nom` (always returned)."""
    if not isinstance(body, dict):
        raise SourceSchemaError(f"API Géo : {where} devait renvoyer un objet, reçu {type(body).__name__}.")
    for name in ("code", "nom"):
        if name not in body:
            raise SourceSchemaError(f"API Géo : la réponse de {where} n'a pas de champ « {name} ».")
    return body


def _features(body: Any, where: str) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (what list endpoints return with format=geojson)."""
    is_collection = isinstance(body, Mapping) and body.get("type") == "FeatureCollection"
    if not is_collection or not isinstance(body.get("features"), list):
        raise SourceSchemaError(f"API Géo : {where} devait renvoyer une FeatureCollection GeoJSON.")
    return body["features"]


def _boundary_row(
    code: str, properties: Mapping[str, Any], feature: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """One row of the boundaries table, after checking the feature has what the table needs."""
    for name in ("nom", "population"):
        if name not in properties:
            raise SourceSchemaError(f"API Géo : la commune {code} de {where} n'a pas de champ « {name} ».")
    geometry = feature.get("geometry")
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise SourceSchemaError(
            f"API Géo : la commune {code} de {where} n'a pas de « geometry » "
            "de type Polygon ou MultiPolygon."
        )
    return {
        "code": code,
        "name": properties["nom"],
        "population": properties["population"],
        "geometry": shape(geometry),
    }
