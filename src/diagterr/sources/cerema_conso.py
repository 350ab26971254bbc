"""Consumption of natural, agricultural and forest land (NAF) per commune and year: the Cerema's
"API Données foncières", indicators `conso_espace`.

Facts from ../shared/sources/APIS.md §8.2 and the Cerema's own client `rcadot/py.apifoncier`
(`ind_conso_espace.py`, notebook `conso_enaf.ipynb` at commit 11b98a41…):
- `GET https://apidf-preprod.cerema.fr/indicateurs/conso_espace/communes/{code_insee}/?annee_min=&annee_max=`
  (the code is in the PATH); no authentication, no published rate limit (http.RATE_LIMITS
  throttles us);
- a Django REST Framework list page `{count, next, previous, results}`, `next` an absolute URL;
- one record per year: `annee`, `idcom`, `conso_act` (activité), `conso_hab` (habitat),
  `conso_mix` (mixte), `conso_inc` (destination inconnue), in m² (12 records, 2009-2020, for
  commune 59009 in the notebook). A year N is the land consumed between 1 January N and
  1 January N+1, as the Cerema derives it from the fichiers fonciers.

No recorded body exists here: the parser is strict (a page of another shape, a record without
one of the six fields, a code other than the one asked, a year twice, a non-numeric surface, a
`count` that does not match the records read: SourceSchemaError), so that a real answer that
differs fails loudly instead of being read wrongly.

Table `conso_naf` (observation shape): geo_level COM, geo_code, variable (`conso_act`,
`conso_hab`, `conso_mix`, `conso_inc`), period (year), value (m², as published), status, source_id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from diagterr.errors import SourceSchemaError
from diagterr.sources import cerema_api
from diagterr.sources.cerema_api import BASE_URL
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.registry import source_info
from diagterr.store import OBSERVATION_COLUMNS, Manifest, Store
from diagterr.tables.climate import CONSO_FIRST_YEAR, CONSO_NAF, DESTINATIONS
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "cerema_conso_naf"
COMMUNE_URL = BASE_URL + "/indicateurs/conso_espace/communes/{code}/"
MAX_PAGES = 20  # a commune has one record per year: one page; a loop of `next` links ends here
REQUIRED = ("annee", "idcom", *DESTINATIONS)


def fetch_commune(client: HttpClient, code: str) -> list[dict[str, Any]]:
    """Observation rows (m²) of one commune, every year the API has from CONSO_FIRST_YEAR."""
    url = COMMUNE_URL.format(code=code)
    params: dict[str, str] | None = {"annee_min": str(CONSO_FIRST_YEAR)}
    records, count = [], None
    for body, where in cerema_api.pages(client, url, params, source_id=SOURCE_ID,
                                        label="Cerema (consommation d'espaces)", max_pages=MAX_PAGES):
        if count is None:
            count = body.get("count")
        records += [_record(item, code, where) for item in body["results"]]
    if not isinstance(count, int) or isinstance(count, bool) or count != len(records):
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : {url} annonce {count!r} enregistrements, "
                                f"{len(records)} lus.")
    years = [r["annee"] for r in records]
    if len(set(years)) != len(years):
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : une même année revient deux fois dans {url}.")
    rows = []
    for record in sorted(records, key=lambda r: r["annee"]):
        for variable in DESTINATIONS:
            value = record[variable]
            rows.append({"geo_level": "COM", "geo_code": code, "variable": variable, "period": str(record["annee"]),
                         "value": float("nan") if value is None else float(value),
                         "status": "absent" if value is None else None, "source_id": SOURCE_ID})
    return rows


def fetch_for_territory(client: HttpClient, store: Store, territory: Territory, _boundaries: Any = None) -> Manifest:
    """The pipeline's step: every commune of the territory (one request each), into `conso_naf`.

    Rows of other communes in the user's store stay; any failure raises and writes nothing.
    """
    rows: list[dict[str, Any]] = []
    for code in territory.commune_codes:
        rows += fetch_commune(client, code)
    fresh = frame_of(rows)
    existing = Store([store.roots[0]]).read(CONSO_NAF.name)
    if existing is not None:
        fresh = pd.concat([existing[~existing["geo_code"].isin(territory.commune_codes)], fresh], ignore_index=True)
    fresh = frame_of(fresh.to_dict("records")).sort_values(["geo_code", "variable", "period"]).reset_index(drop=True)
    years = sorted(fresh["period"].unique())
    retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
    logger.info("Cerema conso NAF: %d commune(s) for %s", len(territory.commune_codes), territory.code)
    return store.write_table(CONSO_NAF.name, fresh, conso_manifest(years, retrieved_at))


def fetch(context: FetchContext) -> list[Manifest]:
    """The fetcher's entry: every commune of the territory."""
    return [fetch_for_territory(context.client, context.store, context.territory)]


FETCHER = Fetcher(SOURCE_ID, "Consommation d'espaces (Cerema)", "Consommation d'espaces indisponible", fetch)


def frame_of(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(OBSERVATION_COLUMNS))
    for column in ("geo_level", "geo_code", "variable", "period", "status", "source_id"):
        frame[column] = frame[column].astype("string")
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    return frame


def conso_manifest(years: Sequence[str], retrieved_at: str) -> Manifest:
    info = source_info(SOURCE_ID)
    span = f"{years[0]}-{years[-1]}" if years else "—"
    return Manifest(
        table=CONSO_NAF.name,
        source_id=SOURCE_ID,
        title="Consommation d'espaces naturels, agricoles et forestiers par commune et par année (Cerema)",
        producer=info.producer,
        origin=COMMUNE_URL.format(code="{code_insee}") + f"?annee_min={CONSO_FIRST_YEAR}",
        vintage=f"fichiers fonciers, consommation {span}",
        geo_vintage="communes de l'API (non vérifié : millésime du COG non publié par l'API)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"annee_min": str(CONSO_FIRST_YEAR)},
        method=(
            "Une requête par commune ; surfaces en m² telles que publiées, par destination (habitat, activité, "
            "mixte, inconnue), additionnées sur les communes du territoire ; une année N est la consommation du "
            "1er janvier N au 1er janvier N+1."
        ),
    )


# -- internals ---------------------------------------------------------------------------------


def _record(item: Any, code: str, where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : un enregistrement de {where} n'est pas un objet.")
    missing = [name for name in REQUIRED if name not in item]
    if missing:
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : un enregistrement de {where} n'a pas le(s) "
                                f"champ(s) {', '.join(missing)} : le schéma de la source a changé.")
    if str(item["idcom"]) != code:
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : {where} renvoie la commune {item['idcom']!r}, "
                                f"demandée : {code}.")
    year = item["annee"]
    if isinstance(year, str) and year.isdigit():
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool) or not CONSO_FIRST_YEAR <= year <= 2100:
        raise SourceSchemaError(f"Cerema (consommation d'espaces) : année illisible {item['annee']!r} dans {where}.")
    record: dict[str, Any] = {"annee": year}
    for variable in DESTINATIONS:
        value = item[variable]
        if value is None:  # not published: missing, never 0
            record[variable] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SourceSchemaError(f"Cerema (consommation d'espaces) : « {variable} » de {year} dans {where} n'est "
                                    f"pas un nombre ({value!r}).")
        record[variable] = value
    return record

