"""Géorisques API v1 (georisques.gouv.fr/api/v1): natural risks known per commune (GASPAR),
CatNat decrees, seismic zoning and radon potential.

No real body of this API was ever recorded (APIS.md §4: DOCUMENTED and THIRD-PARTY only). The
field names below are those the official listing, france_opendata, mutafriches and several test
stubs agree on. The fields we read are required: a missing one or a value of another shape fails
(SourceSchemaError naming the field) for that endpoint and commune only: the endpoint's facts are
a gap, the other endpoints go on. A field we do not read is tolerated (third-party declarations
already disagree: one lists `libelle_commune` in `zonage_sismique`) and logged once at debug level.

- `gaspar/risques?code_insee=`: data items `{code_insee, libelle_commune, risques_detail:
  [{num_risque, libelle_risque_long, zone_sismicite?}]}`;
- `gaspar/catnat?code_insee=&page=&page_size=`: paginated envelope `{results, page, total_pages,
  data, response_code, message, next, previous}` (mutafriches `CatnatApiResponse`), items
  `{code_national_catnat, date_debut_evt, date_fin_evt, date_publication_arrete,
  date_publication_jo, libelle_risque_jo, code_insee, libelle_commune}`, dates `dd/mm/yyyy`;
  every page is read (page 1-based, page_size ≤ 100) and the count must equal `results`;
- `radon?code_insee=`: items `{code_insee, libelle_commune?, classe_potentiel: "1"|"2"|"3"}`;
- `zonage_sismique?code_insee=`: items `{code_insee, code_zone, zone_sismicite}`.
Every item must carry the commune asked. A commune is "read" (row `commune`) once its risks and
its CatNat decrees are read: a missing list must never read as "none recorded". Paris is `75056` (arrondissements not guaranteed).
Rate limit: 1000 requests/min per IP (api.gouv.fr), in `HttpClient.RATE_LIMITS`.

The table `georisques` has one row per fact and commune: `jeu` = "commune" (the commune was
read: an empty list after it is a true "none recorded"), "risque", "catnat", "sismicite",
"radon"; then `code`, `libelle` and, for CatNat, ISO dates.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from diagterr.errors import BadInputError, SourceSchemaError
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient, url_with_params
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, Store
from diagterr.tables.climate import GEORISQUES
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "georisques"
BASE_URL = "https://www.georisques.gouv.fr/api/v1"
PAGE_SIZE = 100  # page_size ≤ 100 (france_opendata)
MAX_PAGES = 100
ENDPOINTS = ("gaspar/risques", "gaspar/catnat", "radon", "zonage_sismique")
# What the reader loses when an endpoint's answer cannot be read (first words of its gap).
ENDPOINT_GAPS = {
    "gaspar/risques": "Risques recensés (GASPAR) illisibles, communes concernées non lues",
    "gaspar/catnat": "Arrêtés CatNat illisibles, communes concernées non lues",
    "radon": "Potentiel radon illisible",
    "zonage_sismique": "Zone de sismicité illisible",
}

Keys = tuple[frozenset[str], frozenset[str]]  # (required, known optional); any other key is tolerated

# Envelope: `data` is required, the other keys documented may be there; others are tolerated.
ENVELOPE_KEYS = frozenset({"results", "page", "total_pages", "data", "response_code", "message", "next", "previous"})
PAGINATION_KEYS = ("results", "page", "total_pages")
RISQUES_KEYS: Keys = (frozenset({"code_insee", "libelle_commune", "risques_detail"}), frozenset())
RISQUE_DETAIL_KEYS: Keys = (frozenset({"num_risque", "libelle_risque_long"}), frozenset({"zone_sismicite"}))
CATNAT_DATES = ("date_debut_evt", "date_fin_evt", "date_publication_arrete", "date_publication_jo")
CATNAT_KEYS: Keys = (
    frozenset({"code_national_catnat", *CATNAT_DATES, "libelle_risque_jo", "code_insee", "libelle_commune"}),
    frozenset(),
)
RADON_KEYS: Keys = (frozenset({"code_insee", "classe_potentiel"}), frozenset({"libelle_commune"}))
RADON_CLASSES = frozenset({"1", "2", "3"})
ZONAGE_KEYS: Keys = (frozenset({"code_insee", "code_zone", "zone_sismicite"}), frozenset({"libelle_commune"}))
SEISMIC_ZONES = frozenset({"1", "2", "3", "4", "5"})

_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


# -- one commune ---------------------------------------------------------------------------------


def fetch_risques(client: HttpClient, code: str) -> tuple[str | None, list[dict[str, str]]]:
    """The commune's name and the risks GASPAR knows there: [{"code": num_risque, "libelle": …}]."""
    url, params = _request("gaspar/risques", code)
    items = _data(client.get_json(url, params, source_id=SOURCE_ID), url_with_params(url, params))
    name: str | None = None
    risks: list[dict[str, str]] = []
    for index, item in enumerate(items):
        where = f"{url_with_params(url, params)}, data[{index}]"
        _check_keys(item, RISQUES_KEYS, where)
        _check_commune(item, code, where)
        name = _text(item, "libelle_commune", where)
        details = item["risques_detail"]
        if not isinstance(details, list):
            raise _schema(where, "risques_detail", "une liste")
        for position, detail in enumerate(details):
            here = f"{where}.risques_detail[{position}]"
            _check_keys(detail, RISQUE_DETAIL_KEYS, here)
            risks.append({"code": _text(detail, "num_risque", here), "libelle": _text(detail, "libelle_risque_long", here)})
    return name, risks


def fetch_catnat(client: HttpClient, code: str) -> list[dict[str, str]]:
    """Every CatNat recognition of the commune (all pages), dates as ISO strings."""
    decrees: list[dict[str, str]] = []
    page, total_pages, announced = 1, 1, 0
    while page <= total_pages:
        if page > MAX_PAGES:
            raise SourceSchemaError(f"Géorisques : plus de {MAX_PAGES} pages d'arrêtés CatNat pour {code}.")
        url, params = _request("gaspar/catnat", code, page=page)
        where = url_with_params(url, params)
        body = client.get_json(url, params, source_id=SOURCE_ID)
        items = _data(body, where)
        for name in PAGINATION_KEYS:
            if not isinstance(body.get(name), int) or isinstance(body.get(name), bool):
                raise _schema(where, name, "un entier")
        if body["page"] != page:
            raise SourceSchemaError(f"Géorisques : {where} renvoie la page {body['page']} au lieu de {page}.")
        total_pages, announced = body["total_pages"], body["results"]
        for index, item in enumerate(items):
            here = f"{where}, data[{index}]"
            _check_keys(item, CATNAT_KEYS, here)
            _check_commune(item, code, here)
            decrees.append(
                {
                    "code": _text(item, "code_national_catnat", here),
                    "libelle": _text(item, "libelle_risque_jo", here),
                    "date_debut": _iso_date(item, "date_debut_evt", here),
                    "date_fin": _iso_date(item, "date_fin_evt", here),
                    "date_arrete": _iso_date(item, "date_publication_arrete", here),
                    "date_jo": _iso_date(item, "date_publication_jo", here),
                }
            )
        if not items:
            break
        page += 1
    if len(decrees) != announced:
        raise SourceSchemaError(
            f"Géorisques : {announced} arrêtés CatNat annoncés (« results ») pour {code}, {len(decrees)} lus."
        )
    return decrees


def fetch_radon(client: HttpClient, code: str) -> str | None:
    """The radon potential class ("1", "2" or "3") of the commune, None when not listed."""
    url, params = _request("radon", code)
    where = url_with_params(url, params)
    classes = set()
    for index, item in enumerate(_data(client.get_json(url, params, source_id=SOURCE_ID), where)):
        here = f"{where}, data[{index}]"
        _check_keys(item, RADON_KEYS, here)
        _check_commune(item, code, here)
        value = _text(item, "classe_potentiel", here)
        if value not in RADON_CLASSES:
            raise _schema(here, "classe_potentiel", "« 1 », « 2 » ou « 3 »")
        classes.add(value)
    return _single(classes, where, "classe_potentiel")


def fetch_zonage_sismique(client: HttpClient, code: str) -> tuple[str, str] | None:
    """(code_zone, zone_sismicite) of the commune, e.g. ("2", "2 - FAIBLE"); None when not listed."""
    url, params = _request("zonage_sismique", code)
    where = url_with_params(url, params)
    zones = set()
    for index, item in enumerate(_data(client.get_json(url, params, source_id=SOURCE_ID), where)):
        here = f"{where}, data[{index}]"
        _check_keys(item, ZONAGE_KEYS, here)
        _check_commune(item, code, here)
        zone = _text(item, "code_zone", here)
        if zone not in SEISMIC_ZONES:
            raise _schema(here, "code_zone", "une zone de « 1 » à « 5 »")
        zones.add((zone, _text(item, "zone_sismicite", here)))
    return _single(zones, where, "zone_sismicite")


def commune_rows(
    client: HttpClient, code: str, name: str | None = None, failures: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """The rows of table `georisques` for one commune (4 requests, more for CatNat pages).

    An endpoint whose answer lacks a field we read (SourceSchemaError) is skipped for this
    commune: its message goes to `failures[endpoint]` (raised when `failures` is None) and the
    other endpoints are still read. The commune is marked read (row `commune`) only when its
    risks and its CatNat decrees were both read.
    """
    code = _commune_code(code)

    def read(endpoint: str, reader: Any) -> Any:
        try:
            return True, client.transactional(reader, client, code)  # a refused answer is not cached
        except SourceSchemaError as error:
            if failures is None:
                raise
            failures.setdefault(endpoint, []).append(str(error))
            logger.warning("Géorisques %s, commune %s: %s", endpoint, code, error)
            return False, None

    risks_read, risques = read("gaspar/risques", fetch_risques)
    catnat_read, decrees = read("gaspar/catnat", fetch_catnat)
    _, radon = read("radon", fetch_radon)
    _, zone = read("zonage_sismique", fetch_zonage_sismique)
    rows = []
    if risks_read and catnat_read:
        label, risks = risques
        rows.append(_row(code, "commune", code, label or name or ""))
        rows += [_row(code, "risque", r["code"], r["libelle"]) for r in risks]
        rows += [_row(code, "catnat", d["code"], d["libelle"], d) for d in decrees]
    if zone is not None:
        rows.append(_row(code, "sismicite", zone[0], zone[1]))
    if radon is not None:
        rows.append(_row(code, "radon", radon, ""))
    return rows


# -- the territory ---------------------------------------------------------------------------------


def requests_for(codes: Sequence[str]) -> int:
    """Requests a fetch of `codes` makes at least (one more per extra page of CatNat decrees)."""
    return len(ENDPOINTS) * len(set(codes))


def fetch_risks_for_territory(
    client: HttpClient, store: Store, territory: Territory, failures: dict[str, list[str]] | None = None
) -> Manifest:
    """Read every commune of `territory` and replace their rows in `georisques` (first root).

    All communes are read before anything is written. An endpoint that cannot be parsed for a
    commune is a partial failure recorded in `failures` (endpoint → messages); when no commune
    could be read at all (or `failures` is None and one endpoint fails), SourceError is raised and
    the table is left as it was.
    """
    rows: list[dict[str, Any]] = []
    collected: dict[str, list[str]] = {} if failures is None else failures
    for commune in territory.communes:
        rows += commune_rows(client, commune.code, commune.name, collected)
    if collected and (failures is None or not any(r["jeu"] == "commune" for r in rows)):
        first = next(iter(collected.values()))[0]
        raise SourceSchemaError(first if failures is None else f"aucune commune lue : {first}")
    fresh = frame_of(rows)
    existing = Store([store.roots[0]]).read(GEORISQUES.name)
    if existing is not None:
        fresh = frame_of(
            existing[~existing["commune"].isin(territory.commune_codes)].to_dict("records") + fresh.to_dict("records")
        )
    logger.info("Géorisques: %d communes, %d rows", len(territory.communes), len(rows))
    retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
    return store.write_table(GEORISQUES.name, fresh, risks_manifest(territory, retrieved_at))


def fetch(context: FetchContext) -> list[Manifest]:
    """The fetcher's entry: every commune of the territory; an endpoint that could not be parsed
    is one gap naming it (the facts of the other endpoints are kept)."""
    failures: dict[str, list[str]] = {}
    manifest = fetch_risks_for_territory(context.client, context.store, context.territory, failures)
    if failures:  # one gap per source (dossier.Gap), naming each endpoint lost
        total = len(context.territory.communes)
        context.gap(SOURCE_ID, " ; ".join(
            f"{ENDPOINT_GAPS[endpoint]} ({len(messages)} commune(s) sur {total}) : {messages[0]}"
            for endpoint, messages in failures.items()
        ))
    return [manifest]


FETCHER = Fetcher(SOURCE_ID, "Risques naturels (Géorisques)", "Risques naturels indisponibles", fetch)


def frame_of(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    columns = GEORISQUES.columns
    frame = pd.DataFrame(list(rows), columns=list(columns)).astype({c: "string" for c in columns})
    return frame.sort_values(["commune", "jeu", "date_debut", "code"], na_position="first").reset_index(drop=True)


def risks_manifest(territory: Territory, retrieved_at: str) -> Manifest:
    info = source_info(SOURCE_ID)
    return Manifest(
        table=GEORISQUES.name,
        source_id=SOURCE_ID,
        title="Risques naturels par commune : GASPAR (risques recensés, arrêtés CatNat), zonage sismique, "
        "potentiel radon (API Géorisques v1)",
        producer=info.producer,
        origin=f"{BASE_URL}/ ({', '.join(ENDPOINTS)}, par code_insee)",
        vintage=f"Géorisques, état au {_french_date(retrieved_at)}",
        geo_vintage="communes du COG en vigueur",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"communes": str(len(territory.communes)), "page_size": str(PAGE_SIZE)},
        method=(
            "Quatre requêtes par commune (plus une par page supplémentaire d'arrêtés CatNat). Les champs lus "
            "sont exigés (un champ absent ou d'une autre forme rend la réponse de ce point d'accès illisible pour "
            "la commune, les autres points d'accès restent lus) ; un champ supplémentaire est ignoré. Une commune "
            "lue sans arrêté CatNat en compte zéro ; une commune non lue reste sans valeur."
        ),
    )


# -- internals ---------------------------------------------------------------------------------


def _french_date(iso: str) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _commune_code(code: str) -> str:
    if not isinstance(code, str) or not _COMMUNE_CODE.match(code):
        raise BadInputError(f"Géorisques : code commune invalide « {code} » (code INSEE à 5 caractères).")
    return code


def _request(endpoint: str, code: str, page: int | None = None) -> tuple[str, dict[str, str]]:
    params = {"code_insee": _commune_code(code)}
    if page is not None:
        params.update(page=str(page), page_size=str(PAGE_SIZE))
    return f"{BASE_URL}/{endpoint}", params


def _schema(where: str, name: str, expected: str | None = None) -> SourceSchemaError:
    detail = f" : {expected} attendu" if expected else ""
    return SourceSchemaError(f"Géorisques : champ « {name} » inattendu dans {where}{detail}.")


def _data(body: Any, where: str) -> list[Any]:
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"Géorisques : {where} devait renvoyer un objet JSON.")
    _log_unknown(body, ENVELOPE_KEYS, where)
    if "data" not in body:
        raise SourceSchemaError(f"Géorisques : la réponse de {where} n'a pas de champ « data ».")
    if not isinstance(body["data"], list):
        raise _schema(where, "data", "une liste")
    return body["data"]


def _check_keys(item: Any, keys: Keys, where: str) -> None:
    required, optional = keys
    if not isinstance(item, Mapping):
        raise SourceSchemaError(f"Géorisques : {where} devait être un objet JSON.")
    missing = sorted(required - set(item))
    _log_unknown(item, required | optional, where)
    if missing:
        raise SourceSchemaError(
            f"Géorisques : champ(s) absent(s) {', '.join(f'« {k} »' for k in missing)} dans {where} (réponse "
            "différente de la documentation : le schéma de l'API a peut-être changé)."
        )


_LOGGED_UNKNOWN: set[tuple[str, str]] = set()


def _log_unknown(item: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    """Fields we do not read are tolerated; each one is logged once per endpoint, at debug level."""
    endpoint = urlsplit(where).path.rsplit("/api/v1/", 1)[-1]
    for name in sorted(set(item) - known):
        if (endpoint, name) not in _LOGGED_UNKNOWN:
            _LOGGED_UNKNOWN.add((endpoint, name))
            logger.debug("Géorisques %s: field %r not documented, ignored (first seen in %s)", endpoint, name, where)


def _text(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _schema(where, name, "un texte non vide")
    return value.strip()


def _check_commune(item: Mapping[str, Any], code: str, where: str) -> None:
    found = _text(item, "code_insee", where)
    if found != code:
        raise SourceSchemaError(f"Géorisques : {where} concerne la commune {found} au lieu de {code}.")


def _iso_date(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    match = _DATE.match(value) if isinstance(value, str) else None
    if match is None:
        raise _schema(where, name, "une date jj/mm/aaaa")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise _schema(where, name, "une date jj/mm/aaaa existante") from None


def _single(values: set, where: str, name: str) -> Any:
    if len(values) > 1:
        raise SourceSchemaError(f"Géorisques : plusieurs « {name} » différents pour une même commune ({where}).")
    return next(iter(values), None)


def _row(commune: str, jeu: str, code: str, libelle: str, dates: Mapping[str, str] | None = None) -> dict[str, Any]:
    dates = dates or {}
    return {
        "commune": commune,
        "jeu": jeu,
        "code": code,
        "libelle": libelle,
        "date_debut": dates.get("date_debut"),
        "date_fin": dates.get("date_fin"),
        "date_arrete": dates.get("date_arrete"),
        "date_jo": dates.get("date_jo"),
        "source_id": SOURCE_ID,
    }

