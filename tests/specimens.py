"""The REAL API responses of ../shared/sources/specimens, read in place, and the bodies the tests
derive from them in code.

The specimens are third-party files (provenance in their `PROVENANCE.md`): the project reads
them, it does not copy them (../shared/README.md). Every builder below returns a new object (the
tests may change it) and its docstring says what is real and what is ours. No value is invented:
the builders only wrap, split, re-nest or blank what the specimens hold.

Tests that read a specimen are marked `@needs_specimens`: they skip where ../shared is absent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

SPECIMENS = Path(__file__).resolve().parents[2] / "shared" / "sources" / "specimens"
needs_specimens = pytest.mark.skipif(
    not SPECIMENS.is_dir(), reason="../shared/sources/specimens (réponses réelles enregistrées) absent"
)

# API Géo
GEO_77218_FEATURE = "geo__commune_77218_geojson_contour_feature.json"
GEO_DEFAULT_ITEMS = "geo__default_fields_items_from_docstrings.json"
# INSEE Melodi
MELODI_COM_44109 = "melodi__data_popref_COM-44109.json"
MELODI_EPCI_STAR_COM = "melodi__data_popref_EPCI-244400404_starCOM.json"
MELODI_UNKNOWN_DATASET_500 = "melodi__data_unknown_dataset_HTTP500.txt"
MELODI_CATALOG_DS_EC_DECES = "melodi__catalog_DS_EC_DECES.json"
MELODI_CATALOG_SUBSET = "melodi__catalog_subset.json"


def load_bytes(name: str) -> bytes:
    """A specimen's bytes, verbatim (to serve a REAL body as it was recorded)."""
    return (SPECIMENS / name).read_bytes()


def load_json(name: str) -> Any:
    """A specimen, decoded (a new object at each call)."""
    return json.loads(load_bytes(name))


def load_text(name: str) -> str:
    """A text specimen (e.g. the text/plain body of an HTTP error)."""
    return load_bytes(name).decode("utf-8")


def dumps(body: Any) -> bytes:
    """A built body as the UTF-8 JSON bytes a server sends."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# -- API Géo -------------------------------------------------------------------------------------


def feature_collection(*features: Mapping[str, Any]) -> dict[str, Any]:
    """A `FeatureCollection` holding `features` unchanged.

    REAL: the features given. OURS: the `{"type": "FeatureCollection", "features": [...]}`
    wrapper, the shape the list endpoints of API Géo return with `format=geojson` (its
    `server.js`). With no feature, it is what they return when nothing matches.
    """
    return {"type": "FeatureCollection", "features": [copy.deepcopy(dict(f)) for f in features]}


def departement_77_communes_contour() -> dict[str, Any]:
    """The answer used for `/departements/77/communes?format=geojson&geometry=contour&…`.

    REAL: the Feature of Grisy-sur-Seine (77218) of `geo__commune_77218_geojson_contour_feature.json`,
    verbatim: it keeps the API's default properties (a real `fields=code,nom,population` request
    returns only those three) and the `"id"` uMap added. OURS: the FeatureCollection wrapper; the
    real answer lists every commune of the département, this one only 77218.
    """
    return feature_collection(load_json(GEO_77218_FEATURE))


def geo_default_item(key: str) -> dict[str, Any]:
    """One item of `geo__default_fields_items_from_docstrings.json`, verbatim.

    `communes_item` is commune 01001 with the default fields of `/communes/{code}` (its
    `codeEpci` is 200069193), `epcis_item` is EPCI 200000172 with those of `/epcis/{code}`.
    REAL: the whole item. OURS: nothing.
    """
    return load_json(GEO_DEFAULT_ITEMS)[key]


def json_list(*items: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A JSON array of `items` unchanged (the shape of `/epcis/{code}/communes`, `format=json`).

    REAL: the items. OURS: the array around them; the real `/epcis/200069193/communes` lists more
    communes than the one item the specimens hold.
    """
    return [copy.deepcopy(dict(item)) for item in items]


# -- INSEE Melodi ------------------------------------------------------------------------------


def two_pages(body: Mapping[str, Any], base_url: str, *, at: int = 40) -> tuple[dict[str, Any], dict[str, Any]]:
    """A REAL `/data` body split into the two pages a paginated answer gives.

    REAL: the envelope (identifier, title, publisher) and the observations, values and order
    unchanged: page 1 holds observations [0, at), page 2 the rest. OURS: only `paging`, the
    shape pynsee follows (APIS.md §2): `{first, next, isLast: false}` then `{first, isLast: true}`,
    with `first`/`next` = `base_url` (the URL our client asks) + `&page=1` / `&page=2`. A real
    server splits at `maxResult`, not at 40: the split only exercises the pagination.
    """
    observations = body["observations"]
    if not 0 < at < len(observations):
        raise ValueError(f"cannot split {len(observations)} observations at {at}")
    first, following = f"{base_url}&page=1", f"{base_url}&page=2"
    page1 = _with(body, observations=observations[:at], paging={"first": first, "next": following, "isLast": False})
    page2 = _with(body, observations=observations[at:], paging={"first": first, "isLast": True})
    return page1, page2


def with_secret_measure(body: Mapping[str, Any], index: int) -> dict[str, Any]:
    """A REAL `/data` body whose observation `index` has its measure blanked to `{}`.

    REAL: everything else, and the measure's key (`{"OBS_VALUE_NIVEAU": {}}`). OURS: the empty
    measure, the statistical-secret shape reported by two third-party repositories (APIS.md §2,
    THIRD-PARTY CLAIM, no recording holds it).
    """
    secret = copy.deepcopy(dict(body))
    measures = secret["observations"][index]["measures"]
    name = next(iter(measures))
    measures[name] = {}
    return secret


def with_first_url(body: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """A REAL `/data` body presented as the answer to another request: `paging.first` becomes
    `base_url` (the URL our client asks) + `&page=1`.

    Used for `GEO=DEP-44%2ACOM` from the `EPCI-244400404*COM` body: REAL: the envelope and the 72
    observations, unchanged (the 24 communes of Nantes Métropole). OURS: `paging.first`. The real
    `DEP-44*COM` answer holds all 207 communes of Loire-Atlantique: this is a subset of it, enough
    to test the filtering to a list of communes.
    """
    return _with(body, paging={"first": f"{base_url}&page=1"})


def catalog_all(subset: Iterable[Mapping[str, Any]], *verbatim: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A `/catalog/all` body (a JSON array, APIS.md §2) from the researcher's catalogue subset.

    `subset`: the `datasets` of `melodi__catalog_subset.json` (REAL catalogue data, keys flattened
    by the researcher); `verbatim`: REAL catalogue items kept as they are (`/catalog/DS_EC_DECES`).
    OURS: the subset's items re-nested into the API's shape: `title_fr` → `title: [{"lang": "fr",
    "content": …}]` (same for subtitle, description), `spatialResolution` ids → `[{"id": …}]`
    (the subset has no labels), `spatialTemporal_COG` → `spatialTemporal`, `dsd` →
    `structure.dsd`; `issued`, `modified`, `temporal`, `product`, `numObservations` unchanged.
    English labels, `ordreComposants` and the other catalogue keys are left out. Items are
    sorted by identifier.
    """
    items = [_catalog_item(item) for item in subset] + [copy.deepcopy(dict(item)) for item in verbatim]
    return sorted(items, key=lambda item: item["identifier"])


def _catalog_item(flat: Mapping[str, Any]) -> dict[str, Any]:
    flat = copy.deepcopy(dict(flat))
    item: dict[str, Any] = {"identifier": flat["identifier"]}
    for key in ("title", "subtitle", "description"):
        if flat.get(f"{key}_fr") is not None:
            item[key] = [{"lang": "fr", "content": flat[f"{key}_fr"]}]
    for key in ("issued", "modified", "temporal"):
        if key in flat:
            item[key] = flat[key]
    item["spatialResolution"] = [{"id": level} for level in flat.get("spatialResolution", [])]
    if "spatialTemporal_COG" in flat:
        item["spatialTemporal"] = flat["spatialTemporal_COG"]
    if "dsd" in flat:
        item["structure"] = {"dsd": flat["dsd"]}
    for key in ("product", "numObservations"):
        if key in flat:
            item[key] = flat[key]
    return item


def _with(body: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `body` with `changes`, keys in the body's order (new keys last)."""
    changed = copy.deepcopy(dict(body))
    changed.update(copy.deepcopy(changes))
    return changed
