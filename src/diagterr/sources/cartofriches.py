"""Cartofriches (Cerema, API « Données foncières »): brownfields (friches) per commune.

Endpoints and fields from ../shared/sources/APIS.md §8.2 and the Cerema's own client
`rcadot/py.apifoncier` (`cartofriches.py`, `utils.py`):

- `GET {BASE_URL}/cartofriches/friches/?code_insee=CODE&page_size=500`: a Django REST Framework
  page `{count, next, previous, results}`; `next` is an absolute URL, followed until null;
- `GET {BASE_URL}/cartofriches/geofriches/?code_insee=CODE&page_size=500`: the same page with
  `features` (GeoJSON) instead of `results`;
- no authentication, no published rate limit (one request per commune and page, cached); updated
  quarterly; Licence Ouverte 2.0.

The summary fields used here are those of the real rows (specimens
`cartofriches__friches_59350_head_from_notebook.csv`, `…geofriches_feature_via_geopandas.json`):
`site_id, site_nom, site_type, site_adresse, site_statut, comm_nom, comm_insee, dep,
proprio_personne, unite_fonciere_surface` (m²)`, unite_fonciere_refcad, source_nom,
proprio_type_lib, source_nature, urba_zone_type`. A missing field, or a page of another shape,
raises SourceSchemaError: the provider changed its schema, the dossier must not guess.

Online, `FETCHER` (see diagterr.sources.online) writes the sites of the territory's communes into
`CARTOFRICHES` and one row per commune asked into `CARTOFRICHES_COVERAGE` (date of the request,
number of sites): a commune asked with no site is a true "none recorded", a commune never asked is
"not available". Offline, the samples hold neither table: the section says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE
from diagterr.errors import BadInputError, SourceSchemaError
from diagterr.sources import cerema_api
from diagterr.sources.cerema_api import BASE_URL
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.tables.programmes import CARTOFRICHES, CARTOFRICHES_COVERAGE
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "cartofriches"
TITLE = "Cartofriches, inventaire national des friches (API Données foncières)"
PRODUCER = "Cerema"
LICENCE = "Licence Ouverte / Etalab 2.0"
FRICHES_URL = f"{BASE_URL}/cartofriches/friches/"
GEOFRICHES_URL = f"{BASE_URL}/cartofriches/geofriches/"
PAGE_SIZE = 500
MAX_PAGES = 200  # 100 000 sites: far beyond any commune; a loop of `next` links ends here

# Fields every site must have (the summary fields of the real answers). A geofriches feature has
# no `site_id` in its properties (REAL specimen): the Cerema client indexes the features by their
# `id`, read here when present.
REQUIRED_FIELDS = ("site_nom", "site_statut", "comm_insee", "unite_fonciere_surface")
REQUIRED_IN_RESULTS = ("site_id", *REQUIRED_FIELDS)


def fetch_friches(client: HttpClient, codes: Sequence[str]) -> pd.DataFrame:
    """The brownfields of the communes `codes`: one row per site, the columns of CARTOFRICHES, sorted.

    One request per commune (and per page), as the Cerema's client does. A commune without
    brownfield gives no row.
    """
    rows: list[dict[str, Any]] = []
    for code in _codes(codes):
        for item in _pages(client, FRICHES_URL, code, "results"):
            rows.append(_row(item, code, FRICHES_URL, REQUIRED_IN_RESULTS))
    return _frame(rows)


def fetch_geofriches(client: HttpClient, codes: Sequence[str]) -> gpd.GeoDataFrame:
    """The same sites with their outline (EPSG:4326): the columns of CARTOFRICHES and geometry."""
    rows: list[dict[str, Any]] = []
    geometries = []
    for code in _codes(codes):
        for feature in _pages(client, GEOFRICHES_URL, code, "features"):
            properties = feature.get("properties") if isinstance(feature, Mapping) else None
            if not isinstance(properties, Mapping):
                raise SourceSchemaError(f"Cartofriches : un site de {GEOFRICHES_URL} (commune {code}) n'a pas de "
                                        "« properties ».")
            site = dict(properties)
            if "site_id" not in site and feature.get("id") is not None:
                site["site_id"] = feature["id"]
            rows.append(_row(site, code, GEOFRICHES_URL, REQUIRED_FIELDS))
            geometries.append(_geometry(feature, properties, code))
    frame = pd.DataFrame(rows, columns=list(CARTOFRICHES.columns))
    result = gpd.GeoDataFrame(frame, geometry=geometries, crs="EPSG:4326")
    order = result.sort_values(["commune", "site_id"]).index
    texts = {c: "string" for c in CARTOFRICHES.columns if c != "surface_m2"}
    return result.loc[order].reset_index(drop=True).astype(texts)


def fetch_for_territory(client: HttpClient, store: Store, territory: Territory,
                        today: str | None = None) -> Manifest:
    """Read the brownfields of every commune of `territory`; replace their rows in `CARTOFRICHES` and
    `CARTOFRICHES_COVERAGE` (first root), keeping the rows of the other communes fetched before.

    Every commune is read before anything is written: a failure (SourceError) leaves both tables
    as they were. `today`: ISO date of the request (the clock of a test).
    """
    codes = _codes(territory.commune_codes)
    sites = fetch_friches(client, codes)
    day = today or datetime.now(UTC).date().isoformat()
    counts = sites.groupby("commune").size()
    coverage = pd.DataFrame(
        {"commune": codes, "releve": [day] * len(codes), "sites": [int(counts.get(c, 0)) for c in codes]}
    )
    own = Store([store.roots[0]])
    previous_sites, previous_coverage = own.read(CARTOFRICHES.name), own.read(CARTOFRICHES_COVERAGE.name)
    if previous_sites is not None:
        sites = _frame(previous_sites[~previous_sites["commune"].isin(codes)].to_dict("records")
                       + sites.to_dict("records"))
    if previous_coverage is not None:
        coverage = pd.concat([previous_coverage[~previous_coverage["commune"].isin(codes)], coverage])
    coverage = (coverage.astype({"commune": "string", "releve": "string", "sites": "int64"})
                .sort_values("commune").reset_index(drop=True))
    all_codes = list(coverage["commune"])
    store.write_table(CARTOFRICHES_COVERAGE.name, coverage, manifest(all_codes, day))
    return store.write_table(CARTOFRICHES.name, sites, manifest(all_codes, day))


def _fetch(context: FetchContext) -> list[Manifest]:
    return [fetch_for_territory(context.client, context.store, context.territory)]


FETCHER = Fetcher(SOURCE_ID, "Friches (Cartofriches, Cerema)", "Friches indisponibles", _fetch)


def manifest(codes: Sequence[str], retrieved_at: str) -> Manifest:
    """Provenance of the table of `codes` (rows and checksum are set by the store)."""
    codes = _codes(codes)
    return Manifest(
        table=CARTOFRICHES.name,
        source_id=SOURCE_ID,
        title=TITLE,
        producer=PRODUCER,
        origin=(f"{FRICHES_URL}?code_insee=<code commune>&page_size={PAGE_SIZE} "
                f"(une requête par commune, {len(codes)} commune(s))"),
        vintage=f"Cartofriches au {retrieved_at[:10]} (mise à jour trimestrielle)",
        geo_vintage=f"codes communes de la source (comparés au {COG_VINTAGE})",
        licence=LICENCE,
        retrieved_at=retrieved_at,
        params={"codes": ",".join(_codes(codes)), "page_size": str(PAGE_SIZE)},
        method="Champs de synthèse de Cartofriches, un site par ligne ; surface de l'unité foncière en m². "
        f"Date de relevé par commune dans la table {CARTOFRICHES_COVERAGE.name}.",
    )


# -- internals ---------------------------------------------------------------------------------


def _codes(codes: Sequence[str]) -> list[str]:
    for code in codes:
        if not isinstance(code, str) or not COMMUNE_CODE_RE.match(code):
            raise BadInputError(f"Code commune invalide pour Cartofriches : « {code} » (code INSEE à 5 caractères).")
    return sorted(set(codes))


def _params(code: str) -> dict[str, str]:
    return {"code_insee": code, "page_size": str(PAGE_SIZE)}






def _row(item: Any, code: str, url: str, required: Sequence[str]) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise SourceSchemaError(f"Cartofriches : un site de {url} (commune {code}) n'est pas un objet JSON.")
    missing = [name for name in required if name not in item]
    if missing:
        raise SourceSchemaError(
            f"Cartofriches : un site de {url} (commune {code}) n'a pas le(s) champ(s) {', '.join(missing)} : "
            "le schéma de la source a changé."
        )
    commune = _text(item["comm_insee"])
    if commune != code:
        raise SourceSchemaError(f"Cartofriches : le site {item.get('site_id') or item['site_nom']} est à la commune "
                                f"{commune}, demandée : {code}.")
    surface = item["unite_fonciere_surface"]
    if surface is not None and (isinstance(surface, bool) or not isinstance(surface, int | float)):
        raise SourceSchemaError(f"Cartofriches : surface non numérique pour le site {item.get('site_id') or item['site_nom']} "
                                f": {surface!r}.")
    return {
        "commune": commune,
        "site_id": _text(item.get("site_id")),
        "site_nom": _text(item["site_nom"]),
        "site_type": _text(item.get("site_type")),
        "site_statut": _text(item["site_statut"]),
        "surface_m2": None if surface is None else float(surface),
        "commune_nom": _text(item.get("comm_nom")),
        "source_nom": _text(item.get("source_nom")),
        "source_nature": _text(item.get("source_nature")),
        "urba_zone_type": _text(item.get("urba_zone_type")),
        "proprio_personne": _text(item.get("proprio_personne")),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):  # proprio_type_lib and a few others are lists
        return " ; ".join(str(v) for v in value)
    return str(value)


def _geometry(feature: Mapping[str, Any], properties: Mapping[str, Any], code: str):
    geometry = feature.get("geometry")
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise SourceSchemaError(
            f"Cartofriches : le site {properties.get('site_nom')} (commune {code}) n'a pas de « geometry » "
            "de type Polygon ou MultiPolygon."
        )
    return shape(geometry)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(CARTOFRICHES.columns))
    frame = frame.astype({c: "string" for c in CARTOFRICHES.columns if c != "surface_m2"} | {"surface_m2": "Float64"})
    frame = frame.sort_values(["commune", "site_id"]).reset_index(drop=True)
    logger.info("Cartofriches: %d site(s)", len(frame))
    return frame


def _pages(client: HttpClient, url: str, code: str, key: str) -> Iterator[Any]:
    """Items of every page (`results` or `features`) of one commune's answer."""
    for body, _where in cerema_api.pages(client, url, _params(code), source_id=SOURCE_ID, label="Cartofriches",
                                         key=key, max_pages=MAX_PAGES):
        yield from body[key]
