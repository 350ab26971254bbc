"""INSEE Melodi API (api.insee.fr/melodi): catalogue, ranges, code lists and observations.

Shapes and behaviour from the REAL cassettes of INSEE's R package InseeFrLab/melodi (the
specimens of ../shared/sources/specimens, see tests/specimens.py). Pitfalls handled here:
- no API key may be sent (401 with a Sirene key): `HttpClient` drops it, we never set one;
  every request says `Accept: application/json` (APIS.md §2);
- GEO values read `<COG year>-<LEVEL>-<code>` (`2025-COM-44109`), split on "-" in at most 3 parts;
- the measure key changes by dataset (`OBS_VALUE_NIVEAU`, `OBS_VALUE_INDICE_DE_PRIX`…): we read
  the first measure's `value`; `{}`, `{"value": null}` or a "missing" OBS_STATUS is a secret
  value, kept as NaN, never 0;
- an unknown dataset answers HTTP 500 (text/plain), a filter without match 200 with no
  observations (an empty list here: the caller decides). A 500 of `/data` is retried once only
  (a real 5xx can be transient), not five times with 15 s of waits;
- `*` of `EPCI-<siren>*COM` is sent as `%2A`, as the recorded URLs show;
- pages of at most 10 000 observations, following `paging.next` until `paging.isLast`;
- 30 requests per minute: the limit lives in `HttpClient.RATE_LIMITS`.
The vintage is never hard-coded: it is the latest TIME_PERIOD of the data, or the catalogue's
`temporal.endPeriod`.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd
import requests

from diagterr.errors import BadInputError, SourceError, SourceSchemaError
from diagterr.sources.http import MAX_RETRIES, RETRY_STATUSES, HttpClient
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, observation_frame
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "insee_melodi"
BASE_URL = "https://api.insee.fr/melodi"
CATALOG_URL = f"{BASE_URL}/catalog/all"
CATALOG_EXPIRE_AFTER = timedelta(days=7)
HEADERS = {"Accept": "application/json"}  # APIS.md §2
# `/data` retries: 429 and 502-504 as usual, 500 once (an unknown dataset answers 500 for good).
DATA_RETRY_STATUSES = {**dict.fromkeys(RETRY_STATUSES, MAX_RETRIES), 500: 1}
PAGE_SIZE = 10_000  # "10 000 résultats max par appel" (R package vignette); pynsee uses the same
MAX_PAGES = 100  # 1 million observations: far beyond any territorial request; guards a loop
# SDMX CL_OBS_STATUS "missing value" codes: L (data exist but were not collected, seen in
# INSEE datasets), M (data cannot exist), O (missing value), Q (suppressed: confidential).
MISSING_OBS_STATUS = frozenset({"L", "M", "O", "Q"})
SECRET = "secret"
TOTAL = "_T"  # the total of a dimension, in every Melodi cube
_MAX_SUGGESTIONS = 5

_DATASET_ID = re.compile(r"^[A-Za-z0-9_]+$")
_CODE_LIST = re.compile(r"^CL_[A-Za-z0-9_]+$")
_DIMENSION = re.compile(r"^[A-Z][A-Z0-9_]*$")
# GEO filter: LEVEL, LEVEL-code, or LEVEL-code*SUBLEVEL (REG, DEP-69, EPCI-246900625*COM).
_GEO_FILTER = re.compile(r"^[A-Z][A-Z0-9]*(?:-[0-9A-Za-z]+(?:\*[A-Z][A-Z0-9]*)?)?$")
_GEO_VALUE = re.compile(r"^\d{4}$")
# Arrondissements municipaux (COG): Paris 75101-75120, Lyon 69381-69389, Marseille 13201-13216.
_ARRONDISSEMENTS = (range(75101, 75121), range(69381, 69390), range(13201, 13217))
# Our store's geo_level for the GEO levels of Melodi (an arrondissement is a commune of ours).
_STORE_LEVEL = {"COM": "COM", "ARM": "COM", "EPCI": "EPCI", "DEP": "DEP", "REG": "REG", "FRANCE": "FR"}

Filters = Mapping[str, str | Sequence[str]]


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One dataset of the catalogue. Dates are ISO `YYYY-MM-DD` (periods, COG date)."""

    identifier: str
    title_fr: str
    start_period: str | None
    end_period: str | None
    spatial_resolution: tuple[str, ...]  # GEO levels: COM, EPCI, DEP, REG, FRANCE…
    spatial_temporal: str | None  # date of the COG of the GEO codes
    modified: str | None

    @property
    def end_year(self) -> str | None:
        """Year of `end_period` (the dataset's latest vintage), e.g. "2022"."""
        return self.end_period[:4] if self.end_period else None


@dataclass(frozen=True, slots=True)
class RangeValue:
    """An allowed value of a dimension; GEO values also carry their level and full id."""

    code: str
    label_fr: str | None
    type_code: str | None = None  # GEO only: DEP, COM…
    id: str | None = None  # GEO only: "2022-DEP-01"


@dataclass(frozen=True, slots=True)
class CodeListItem:
    code: str
    label_fr: str | None


@dataclass(frozen=True, slots=True)
class Observation:
    """One observation. `dimensions` holds every dimension except GEO and TIME_PERIOD.

    A secret value (`{}`, `{"value": null}` or a missing OBS_STATUS) has value None and
    status "secret": it is never 0.
    """

    geo_level: str  # COM, ARM, EPCI, DEP, REG, FRANCE…
    geo_code: str  # "44109", "69", "F"
    cog_year: int  # COG of the GEO code, e.g. 2025
    dimensions: tuple[tuple[str, str], ...]  # sorted (code, value)
    time_period: str
    value: float | None
    status: str | None
    attributes: tuple[tuple[str, str], ...] = ()  # sorted, e.g. (("OBS_STATUS", "A"),)
    measure: str | None = None  # the measure's key, e.g. OBS_VALUE_NIVEAU

    def dimension(self, code: str) -> str | None:
        return dict(self.dimensions).get(code)

    def attribute(self, code: str) -> str | None:
        return dict(self.attributes).get(code)


@dataclass(frozen=True, slots=True)
class GeoRequest:
    """One `/data` request of a territory: its GEO filter and the observations it keeps."""

    geo: str  # "EPCI-246900625*COM", "DEP-69", "FRANCE-F"
    levels: frozenset[str]  # Melodi levels kept from the answer
    codes: frozenset[str] | None = None  # codes kept (None: all of those levels)


class MelodiTable(NamedTuple):
    frame: pd.DataFrame  # store.OBSERVATION_COLUMNS
    manifest: Manifest


# -- catalogue, ranges, code lists ------------------------------------------------------------


def fetch_catalog(client: HttpClient) -> list[CatalogEntry]:
    """Every dataset of `/catalog/all` (cached a week)."""
    body = _get_reference(client, CATALOG_URL)
    return _catalog(body, CATALOG_URL)


def fetch_catalog_entry(client: HttpClient, dataset_id: str) -> CatalogEntry:
    """One dataset of the catalogue (`/catalog/{id}`)."""
    url = f"{BASE_URL}/catalog/{_dataset_id(dataset_id)}"
    body = _get_reference(client, url)
    return _catalog_entry(body, url)


def fetch_range(client: HttpClient, dataset_id: str) -> dict[str, tuple[RangeValue, ...]]:
    """Dimension code → its allowed values (`/range/{id}`)."""
    url = f"{BASE_URL}/range/{_dataset_id(dataset_id)}"
    body = _get_reference(client, url)
    if not isinstance(body, Mapping) or not isinstance(body.get("range"), list):
        raise _schema(url, "range")
    ranges: dict[str, tuple[RangeValue, ...]] = {}
    for item in body["range"]:
        concept = item.get("concept") if isinstance(item, Mapping) else None
        if not isinstance(concept, Mapping) or not isinstance(concept.get("code"), str):
            raise _schema(url, "concept.code")
        values = item.get("values")
        if not isinstance(values, list):
            raise _schema(url, f"values ({concept['code']})")
        ranges[concept["code"]] = tuple(
            _range_value(value) for value in values if isinstance(value, Mapping) and "code" in value
        )
    return ranges


def fetch_code_list(client: HttpClient, code_list: str) -> tuple[CodeListItem, ...]:
    """The codes of a list such as CL_AGE (`/rmes/listeCode/{id}`).

    An unknown list answers 200 with no code: that is an error here, naming the list.
    """
    if not isinstance(code_list, str) or not _CODE_LIST.match(code_list):
        raise BadInputError(f"Melodi : liste de codes invalide « {code_list} » (attendu CL_…, ex. CL_AGE).")
    url = f"{BASE_URL}/rmes/listeCode/{code_list}"
    body = _get_reference(client, url)
    if not isinstance(body, Mapping) or not isinstance(body.get("codes"), list):
        raise _schema(url, "codes")
    if not body["codes"]:
        raise SourceError(
            f"Melodi : la liste de codes « {code_list} » est inconnue ou vide "
            f"({url} ne renvoie aucun code). Vérifiez son identifiant dans le catalogue de l'INSEE."
        )
    items: list[CodeListItem] = []
    for code in body["codes"]:
        if not isinstance(code, Mapping) or not isinstance(code.get("code"), str):
            raise _schema(url, "codes[].code")
        items.append(CodeListItem(code["code"], _label_fr(code.get("label"))))
    return tuple(items)


# -- observations -----------------------------------------------------------------------------


def data_url(dataset_id: str, filters: Filters, *, geo: str | None, extra: Iterable[tuple[str, str]] = ()) -> str:
    """The `/data` URL: filters (sorted), GEO, then `extra`; `*` is encoded as %2A."""
    pairs: list[tuple[str, str]] = []
    for key in sorted(filters):
        if not _DIMENSION.match(key) or key == "GEO":
            raise ValueError(f"invalid Melodi filter {key!r} (UPPERCASE dimension code; GEO goes in geo=)")
        value = filters[key]
        values = [value] if isinstance(value, str) else list(value)
        if not values or not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"invalid values for Melodi filter {key!r}: {value!r}")
        # Several values: the parameter is repeated (seen in third-party URLs, not in a recording).
        pairs += [(key, v) for v in values]
    if geo is not None:
        pairs.append(("GEO", _geo_filter(geo)))
    pairs += list(extra)
    # urlencode quotes "*" as %2A (quote_plus keeps only letters, digits and "_.-~").
    return f"{BASE_URL}/data/{_dataset_id(dataset_id)}?{urlencode(pairs)}"


def fetch_count(client: HttpClient, dataset_id: str, filters: Filters, *, geo: str | None = None) -> int:
    """Number of observations a request would return (`totalCount=TRUE&maxResult=0`)."""
    url = data_url(dataset_id, filters, geo=geo, extra=[("totalCount", "TRUE"), ("maxResult", "0")])
    body = _get_data(client, dataset_id, url)
    paging = body.get("paging") if isinstance(body, Mapping) else None
    count = paging.get("count") if isinstance(paging, Mapping) else None
    if not isinstance(count, int) or isinstance(count, bool):
        raise _schema(url, "paging.count")
    return count


def fetch_observations(client: HttpClient, dataset_id: str, filters: Filters, *, geo: str) -> list[Observation]:
    """Every observation matching `filters` and the GEO filter `geo`, all pages.

    `geo`: "COM-07341", "EPCI-246900625*COM", "DEP-69", "REG-84", "FRANCE-F"… No match gives
    an empty list. An unknown dataset raises SourceError (HTTP 500 at Melodi).
    """
    return _fetch(client, dataset_id, filters, geo).observations


def latest_period(observations: Iterable[Observation]) -> str | None:
    """The latest TIME_PERIOD ("2023", "2026-01"), None when there is none."""
    periods = [o.time_period for o in observations]
    return max(periods) if periods else None


# -- territory --------------------------------------------------------------------------------


def territory_requests(
    territory: Territory, *, comparisons: bool = True, territory_level: bool = False
) -> tuple[GeoRequest, ...]:
    """The `/data` requests (first pages) a territory needs for one dataset.

    Communes: one `EPCI-<siren>*COM` for an EPCI, one `COM-<code>` (or `ARM-<code>`) for a
    commune, one `DEP-<dep>*COM` per département for a list (filtered to the list), plus one
    `ARM-<code>` per arrondissement municipal of a list. With `territory_level`, the EPCI's own
    published value (`EPCI-<siren>`: a median is never recomputed from communes). With
    `comparisons`, one request per département and région, and `FRANCE-F`. No multi-value GEO
    filter: none is documented or recorded.
    """
    plan: list[GeoRequest] = []
    if territory.kind == "epci":
        plan.append(GeoRequest(f"EPCI-{territory.code}*COM", frozenset({"COM"})))
    elif territory.kind == "commune":
        code = territory.code
        if _is_arrondissement(code):
            plan.append(GeoRequest(f"ARM-{code}", frozenset({"ARM"}), frozenset({code})))
        else:
            plan.append(GeoRequest(f"COM-{code}", frozenset({"COM"}), frozenset({code})))
    else:
        by_dep: dict[str, set[str]] = {}
        for commune in territory.communes:
            if _is_arrondissement(commune.code):
                plan.append(GeoRequest(f"ARM-{commune.code}", frozenset({"ARM"}), frozenset({commune.code})))
            else:
                by_dep.setdefault(commune.departement, set()).add(commune.code)
        plan += [
            GeoRequest(f"DEP-{dep}*COM", frozenset({"COM"}), frozenset(codes)) for dep, codes in sorted(by_dep.items())
        ]
    if territory_level and territory.kind == "epci":
        plan.append(GeoRequest(f"EPCI-{territory.code}", frozenset({"EPCI"}), frozenset({territory.code})))
    if comparisons:
        plan += [GeoRequest(f"DEP-{p.code}", frozenset({"DEP"}), frozenset({p.code})) for p in territory.departements]
        plan += [GeoRequest(f"REG-{p.code}", frozenset({"REG"}), frozenset({p.code})) for p in territory.regions]
        plan.append(GeoRequest("FRANCE-F", frozenset({"FRANCE"})))
    return tuple(plan)


def request_count_for(territory: Territory) -> int:
    """Requests of one dataset for a cold cache, extra pages and the catalogue left aside.

    A one-département EPCI costs 4 (communes, DEP, REG, FRANCE), a commune 4, a list
    (n départements) + n + regions + 1. Ten datasets for such an EPCI cost 40 requests: at
    Melodi's 30 requests per minute, the last 10 wait about a minute.
    """
    return len(territory_requests(territory))


def observations_for_territory(
    client: HttpClient,
    dataset_id: str,
    territory: Territory,
    filters: Filters,
    variable_of: Callable[[Observation], str | None],
    *,
    table: str | None = None,
    catalog_entry: CatalogEntry | None = None,
    retrieved_at: str | None = None,
    comparisons: bool = True,
    territory_level: bool = False,
) -> MelodiTable:
    """The territory's communes and comparison levels as a tidy observation table, with its manifest.

    `variable_of(observation)` names the store variable of an observation (None: skipped). The
    commune level keeps what Melodi returns for an EPCI (its COG can differ from ours: the
    differences are logged and written in the manifest), only the listed communes for a list.
    """
    urls: list[str] = []
    body_title: str | None = None
    plan = territory_requests(territory, comparisons=comparisons, territory_level=territory_level)
    found: dict[tuple[str, str, str, str], list[Observation]] = {}
    ranges: dict[str, tuple[RangeValue, ...]] = {}  # /range of the dataset, once read
    pinned: dict[str, frozenset[str]] = {}
    for request in plan:
        fetched = _fetch(client, dataset_id, filters, request.geo)
        urls += fetched.urls
        body_title = body_title or fetched.title
        matching = [
            o
            for o in fetched.observations
            if o.geo_level in request.levels and (request.codes is None or o.geo_code in request.codes)
        ]
        if not matching:
            logger.warning("Melodi %s: no observation for GEO=%s", dataset_id, request.geo)
        for observation in matching:
            variable = variable_of(observation)
            if variable is None:
                continue
            level = _STORE_LEVEL.get(observation.geo_level, observation.geo_level)
            code = "FR" if level == "FR" else observation.geo_code
            found.setdefault((level, code, variable, observation.time_period), []).append(observation)
        # Checked after each request: an ambiguous rule stops before the other requests are made.
        pinned = _pin_to_totals(client, dataset_id, found, ranges)
    rows: list[dict[str, Any]] = []
    kept: list[Observation] = []
    commune_codes: set[str] = set()
    for (level, code, variable, period), observations in found.items():
        observations = [o for o in observations if all(o.dimension(d) == TOTAL for d in pinned.get(variable, ()))]
        if not observations:
            continue
        observation = observations[0]
        kept.append(observation)
        if level == "COM":
            commune_codes.add(code)
        rows.append(
            {
                "geo_level": level,
                "geo_code": code,
                "variable": variable,
                "period": period,
                "value": observation.value,
                "status": observation.status,
                "source_id": SOURCE_ID,
            }
        )
    notes = _commune_differences(territory, commune_codes, dataset_id) if kept else []
    for variable, dimensions in sorted(pinned.items()):
        notes.append(f"variable « {variable} » : dimension(s) {', '.join(sorted(dimensions))} fixée(s) à leur total "
                     f"({TOTAL}, offert par /range/{dataset_id}), la réponse portant plusieurs valeurs")
    manifest = _manifest(
        dataset_id,
        territory,
        filters,
        kept,
        urls,
        title=_title(client, dataset_id, catalog_entry, body_title),
        table=table or f"melodi_{dataset_id.lower()}",
        retrieved_at=retrieved_at or date.today().isoformat(),
        notes=notes,
        plan=plan,
    )
    logger.info(
        "Melodi %s: %d rows for %s %s in %d requests",
        dataset_id, len(rows), territory.kind, territory.code, len(urls),
    )
    return MelodiTable(observation_frame(rows), manifest)


# -- internals: requests ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fetched:
    observations: list[Observation]
    urls: list[str]
    title: str | None


def _fetch(client: HttpClient, dataset_id: str, filters: Filters, geo: str) -> _Fetched:
    """All pages of one request."""
    url: str | None = data_url(dataset_id, filters, geo=geo, extra=[("maxResult", str(PAGE_SIZE))])
    observations: list[Observation] = []
    urls: list[str] = []
    title: str | None = None
    while url is not None:
        if url in urls:
            raise SourceSchemaError(f"Melodi : la pagination de {urls[0]} boucle ({url} déjà lue).")
        if len(urls) >= MAX_PAGES:
            raise SourceError(
                f"Melodi : {urls[0]} dépasse {MAX_PAGES} pages de {PAGE_SIZE} observations : "
                "filtrez davantage la requête."
            )
        urls.append(url)
        body = _get_data(client, dataset_id, url)
        page = _observations(body, url)
        observations += page
        title = title or _label_fr(body.get("title"))
        url = _next_page(body, url, len(page), len(urls))
    if not observations:
        logger.info("Melodi %s: no observation for %s", dataset_id, urls[0])
    return _Fetched(observations, urls, title)


def _get_reference(client: HttpClient, url: str) -> Any:
    """A catalogue, range or code-list body (cached a week)."""
    return client.get_json(url, source_id=SOURCE_ID, expire_after=CATALOG_EXPIRE_AFTER, headers=HEADERS)


def _get_data(client: HttpClient, dataset_id: str, url: str) -> Mapping[str, Any]:
    """A `/data` body; the HTTP 500 of an unknown dataset becomes a French message with suggestions."""
    try:
        body = client.get_json(url, source_id=SOURCE_ID, headers=HEADERS, retry_statuses=DATA_RETRY_STATUSES)
    except SourceError as exc:
        if exc.status == 500:
            raise SourceError(_unknown_dataset_message(client, dataset_id), status=500) from exc
        raise
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"Melodi : {url} devait renvoyer un objet JSON, reçu {type(body).__name__}.")
    return body


def _next_page(body: Mapping[str, Any], url: str, size: int, pages_read: int) -> str | None:
    """The URL of the next page, or None on the last one."""
    paging = body.get("paging")
    paging = paging if isinstance(paging, Mapping) else {}
    is_last = paging.get("isLast")
    if is_last is True or str(is_last).lower() == "true":
        return None
    following = paging.get("next")
    if isinstance(following, str) and following:
        if not following.startswith(f"{BASE_URL}/data/"):
            raise SourceSchemaError(f"Melodi : lien « paging.next » inattendu dans {url} : {following}")
        return following
    if size >= PAGE_SIZE:
        # A full page and no link to the next one: ask for it rather than truncate silently.
        logger.warning("Melodi: full page without paging.next at %s, asking page %d", url, pages_read + 1)
        return _with_page(url, pages_read + 1)
    return None


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(page))])))


def _unknown_dataset_message(client: HttpClient, dataset_id: str) -> str:
    message = f"Melodi : le jeu de données « {dataset_id} » est inconnu ou indisponible (HTTP 500)."
    catalog = _cached_catalog(client)
    if catalog is None:
        return message + (
            " Catalogue non disponible en cache : consultez https://catalogue-donnees.insee.fr "
            "pour les identifiants des jeux de données."
        )
    ids = [entry.identifier for entry in catalog]
    if dataset_id in ids:
        return message + (
            " Il figure pourtant au catalogue : le service est peut-être indisponible, réessayez plus tard."
        )
    near = difflib.get_close_matches(dataset_id, ids, n=_MAX_SUGGESTIONS, cutoff=0.6)
    return message + " Jeux connus proches : " + (", ".join(near) if near else "aucun") + "."


def _cached_catalog(client: HttpClient) -> list[CatalogEntry] | None:
    """The catalogue if the HTTP cache holds it (even expired), without any network call."""
    cache = client.session.cache
    try:
        key = cache.create_key(requests.Request("GET", CATALOG_URL))
        response = cache.get_response(key)
        if response is None:
            return None
        return _catalog(json.loads(response.content), CATALOG_URL)
    except (ValueError, SourceError) as exc:  # unreadable entry: no suggestion, no failure
        logger.debug("cached Melodi catalogue unreadable: %s", exc)
        return None


# -- internals: parsing -----------------------------------------------------------------------


def _observations(body: Mapping[str, Any], url: str) -> list[Observation]:
    items = body.get("observations")
    if not isinstance(items, list):
        raise _schema(url, "observations")
    return [_observation(item, url) for item in items]


def _observation(item: Any, url: str) -> Observation:
    if not isinstance(item, Mapping):
        raise _schema(url, "observations[]")
    for name in ("dimensions", "measures"):
        if not isinstance(item.get(name), Mapping):
            raise _schema(url, name)
    dimensions = dict(item["dimensions"])
    for code, value in dimensions.items():
        if not isinstance(value, str):
            raise SourceSchemaError(f"Melodi : la dimension « {code} » de {url} n'est pas une chaîne : {value!r}.")
    geo = dimensions.pop("GEO", None)
    if geo is None:
        raise _schema(url, "dimensions.GEO")
    period = dimensions.pop("TIME_PERIOD", None)
    if period is None:
        raise _schema(url, "dimensions.TIME_PERIOD")
    year, level, code = _split_geo(geo, url)
    attributes = item.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise _schema(url, "attributes")
    measure, value = _measure(item["measures"], url)
    obs_status = attributes.get("OBS_STATUS")
    status = None
    if value is None or obs_status in MISSING_OBS_STATUS:
        value, status = None, SECRET
    return Observation(
        geo_level=level,
        geo_code=code,
        cog_year=year,
        dimensions=tuple(sorted(dimensions.items())),
        time_period=period,
        value=value,
        status=status,
        attributes=tuple(sorted((str(k), str(v)) for k, v in attributes.items())),
        measure=measure,
    )


def _split_geo(geo: str, url: str) -> tuple[int, str, str]:
    """`2025-COM-44109` → (2025, "COM", "44109"), split in at most 3 parts like the R package."""
    parts = geo.split("-", 2)
    if len(parts) != 3 or not _GEO_VALUE.match(parts[0]) or not parts[1] or not parts[2]:
        raise SourceSchemaError(
            f"Melodi : valeur GEO inattendue « {geo} » dans {url} (attendu <année COG>-<niveau>-<code>)."
        )
    return int(parts[0]), parts[1], parts[2]


def _measure(measures: Mapping[str, Any], url: str) -> tuple[str | None, float | None]:
    """The first measure's (key, value); a value that is absent or null is None."""
    if not measures:
        return None, None
    name, measure = next(iter(measures.items()))
    if len(measures) > 1:
        logger.debug("Melodi: %d measures at %s, reading %s", len(measures), url, name)
    if not isinstance(measure, Mapping):
        raise _schema(url, f"measures.{name}")
    raw = measure.get("value")
    if raw is None:
        return name, None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise SourceSchemaError(f"Melodi : valeur non numérique dans {url} : {raw!r}.")
    try:
        return name, float(raw)
    except ValueError as exc:
        raise SourceSchemaError(f"Melodi : valeur non numérique dans {url} : {raw!r}.") from exc


def _catalog(body: Any, url: str) -> list[CatalogEntry]:
    if not isinstance(body, list):
        raise SourceSchemaError(f"Melodi : {url} devait renvoyer une liste de jeux de données.")
    return [_catalog_entry(item, url) for item in body]


def _catalog_entry(item: Any, url: str) -> CatalogEntry:
    if not isinstance(item, Mapping) or not isinstance(item.get("identifier"), str):
        raise _schema(url, "identifier")
    temporal_field = item.get("temporal")
    temporal: Mapping[str, Any] = temporal_field if isinstance(temporal_field, Mapping) else {}
    resolution = item.get("spatialResolution") or []
    if not isinstance(resolution, list):
        raise _schema(url, "spatialResolution")
    return CatalogEntry(
        identifier=item["identifier"],
        title_fr=_label_fr(item.get("title")) or item["identifier"],
        start_period=_date(temporal.get("startPeriod")),
        end_period=_date(temporal.get("endPeriod")),
        spatial_resolution=tuple(
            r["id"] for r in resolution if isinstance(r, Mapping) and isinstance(r.get("id"), str)
        ),
        spatial_temporal=_date(item.get("spatialTemporal")),
        modified=item.get("modified") if isinstance(item.get("modified"), str) else None,
    )


def _range_value(value: Mapping[str, Any]) -> RangeValue:
    kind = value.get("type")
    return RangeValue(
        code=str(value["code"]),
        label_fr=_label_fr(value.get("label")),
        type_code=kind.get("code") if isinstance(kind, Mapping) else None,
        id=value.get("id") if isinstance(value.get("id"), str) else None,
    )


def _label_fr(label: Any) -> str | None:
    """The French text of the label shapes of Melodi: {"fr": …}, [{"lang","content"}], [{"langue","contenu"}]."""
    if isinstance(label, str):
        return label
    if isinstance(label, Mapping):
        text = label.get("fr")
        return text if isinstance(text, str) else None
    if isinstance(label, list):
        for item in label:
            if isinstance(item, Mapping) and (item.get("lang") or item.get("langue")) == "fr":
                text = item.get("content", item.get("contenu"))
                return text if isinstance(text, str) else None
    return None


def _date(value: Any) -> str | None:
    """`2025-01-01T01:00:00` → `2025-01-01`."""
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _schema(url: str, key: str) -> SourceSchemaError:
    return SourceSchemaError(f"Melodi : la réponse de {url} n'a pas de champ « {key} » (schéma inattendu).")


# -- internals: checks and provenance ----------------------------------------------------------


def _dataset_id(dataset_id: str) -> str:
    if not isinstance(dataset_id, str) or not _DATASET_ID.match(dataset_id):
        raise BadInputError(
            f"Melodi : identifiant de jeu de données invalide « {dataset_id} » (ex. DS_POPULATIONS_REFERENCE)."
        )
    return dataset_id


def _geo_filter(geo: str) -> str:
    if not isinstance(geo, str) or not _GEO_FILTER.match(geo):
        raise BadInputError(
            f"Melodi : filtre géographique invalide « {geo} » (ex. COM-07341, EPCI-246900625*COM, DEP-69, FRANCE-F)."
        )
    return geo


def _is_arrondissement(code: str) -> bool:
    return code.isdigit() and any(int(code) in r for r in _ARRONDISSEMENTS)


def _describe(observation: Observation) -> str:
    return ", ".join(f"{k}={v}" for k, v in observation.dimensions) or "sans autre dimension"


def _pin_to_totals(
    client: HttpClient,
    dataset_id: str,
    found: Mapping[tuple[str, str, str, str], list[Observation]],
    ranges: dict[str, tuple[RangeValue, ...]],
) -> dict[str, frozenset[str]]:
    """Variable → the dimensions to pin to their total `_T` where several observations give it.

    Two observations name one variable at one place and period when a dimension the rule leaves
    free carries several codes. When one of them holds that dimension's total `_T` and the range
    of the dataset (`/range/{id}`, read only then, cached a week) offers `_T` for it, the variable
    is read at that total (everywhere, so that every place is read alike). Otherwise the rule is
    ambiguous: SourceError, as before.
    """
    pinned: dict[str, set[str]] = {}
    for (level, code, variable, period), observations in found.items():
        if len(observations) < 2:
            continue
        first, other = observations[0], observations[1]
        differing = sorted({d for o in observations for d, _ in o.dimensions
                            if len({x.dimension(d) for x in observations}) > 1})
        ambiguous = SourceError(
            f"Melodi : dans {dataset_id}, plusieurs observations donnent la variable « {variable} » "
            f"pour {level} {code} en {period} ({_describe(first)} et "
            f"{_describe(other)}) : les filtres ou la règle de nommage sont ambigus."
        )
        at_total = [o for o in observations if all(o.dimension(d) == TOTAL for d in differing)]
        if not differing or len(at_total) != 1:
            raise ambiguous
        if not ranges:
            try:
                ranges.update(fetch_range(client, dataset_id))
            except SourceError as error:
                raise SourceError(f"{ambiguous} (plage des dimensions illisible : {error})") from error
        if not all(any(v.code == TOTAL for v in ranges.get(d, ())) for d in differing):
            raise ambiguous
        pinned.setdefault(variable, set()).update(differing)
    return {variable: frozenset(dimensions) for variable, dimensions in pinned.items()}


def _commune_differences(territory: Territory, returned: set[str], dataset_id: str) -> list[str]:
    """French notes on communes of the territory absent from the answer, or answered in excess."""
    expected = set(territory.commune_codes)
    notes: list[str] = []
    missing = sorted(expected - returned)
    extra = sorted(returned - expected)
    if missing:
        logger.warning("Melodi %s: communes without data: %s", dataset_id, ", ".join(missing))
        notes.append(f"communes du territoire absentes de la réponse : {', '.join(missing)}")
    if extra:
        logger.warning("Melodi %s: communes outside the territory's COG: %s", dataset_id, ", ".join(extra))
        notes.append(f"communes renvoyées hors de la liste du territoire (COG différent) : {', '.join(extra)}")
    return notes


def _title(client: HttpClient, dataset_id: str, entry: CatalogEntry | None, body_title: str | None) -> str:
    if entry is None:
        entry = next((e for e in _cached_catalog(client) or [] if e.identifier == dataset_id), None)
    if entry is not None:
        return entry.title_fr
    return body_title or dataset_id


def _manifest(
    dataset_id: str,
    territory: Territory,
    filters: Filters,
    observations: list[Observation],
    urls: list[str],
    *,
    title: str,
    table: str,
    retrieved_at: str,
    notes: list[str],
    plan: tuple[GeoRequest, ...] | None = None,
) -> Manifest:
    info = source_info(SOURCE_ID)
    latest = latest_period(observations)
    years = sorted({o.cog_year for o in observations})
    params = {key: ",".join([v] if isinstance(v, str) else v) for key, v in sorted(filters.items())}
    params["dataset"] = dataset_id
    plan = plan if plan is not None else territory_requests(territory)
    params["GEO"] = " ; ".join(r.geo for r in plan)
    levels = [r.geo.split("-", 1)[0] for r in plan[1:]]
    also = []
    if "EPCI" in levels:
        also.append("une pour l'EPCI lui-même (valeur publiée)")
    if "FRANCE" in levels:
        also.append("une par département, région et pour la France")
    method = (
        f"API Melodi, jeu {dataset_id} : une requête (et ses pages) pour les communes"
        + (", puis " + ", ".join(also) if also else "")
        + " ; valeurs publiées, sans recalcul ; secret statistique conservé comme valeur manquante."
    )
    if notes:
        text = " ; ".join(notes)
        method += f" {text[0].upper()}{text[1:]}."
    return Manifest(
        table=table,
        source_id=SOURCE_ID,
        title=title,
        producer=info.producer,
        origin=" ; ".join(urls),
        vintage=f"{dataset_id} {latest}" if latest else f"{dataset_id} (aucune observation)",
        geo_vintage="COG " + "/".join(str(y) for y in years) if years else "COG inconnu (aucune observation)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params=params,
        method=method,
    )
