"""URSSAF open data (open.urssaf.fr, Opendatasoft Explore v2.1): private-sector employer
establishments and salaried jobs per commune × APE, yearly.

Everything here is DOCUMENTED, not recorded (APIS.md §6): no real record of this dataset was
found. Field names are those four third-party ingestion repositories agree on; the envelope is
the Explore v2.1 one. Check a real answer before relying on the details. Pitfalls handled here:
- `/records` returns at most 100 records per page (`limit`), paged by `offset`, and refuses
  offset + limit > 10 000 (HTTP 400): a request that matches more raises a French message
  before asking the page the API would refuse (the `exports` endpoint, uncapped, is for bulk);
- the ODSQL filter is `code_commune IN ("35238", "35047")`; records are ordered by commune and
  APE so that pages do not shift while they are read;
- `code_commune` can come without its leading zero (an integer, or a CSV round trip): it is
  zero-padded to 5 characters and checked, never parsed as a number;
- the series are wide and year-suffixed (`effectifs_salaries_2006 … _2025`,
  `nombre_d_etablissements_…`): matched by regex, and the years found are the vintage;
- a null is a secret or missing value, never 0: a commune-year in which one APE row is null
  has no total (status "absent") — a partial sum is not a total; the dossier then shows the
  EPCI's published row where the store has it (store_salaried_jobs);
- field: private sector, régime général, establishments with at least one salaried employee,
  headcount at the end of the year (dataset description).
No rate limit is published for open.urssaf.fr.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

import pandas as pd

from diagterr.errors import BadInputError, SourceError, SourceSchemaError
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient, url_with_params
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, Store, observation_frame
from diagterr.tables.economy import URSSAF_EFFECTIFS, URSSAF_ESTABLISHMENTS, URSSAF_JOBS
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "urssaf_open_data"
BASE_URL = "https://open.urssaf.fr/api/explore/v2.1"
DATASET_ID = "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last"
RECORDS_URL = f"{BASE_URL}/catalog/datasets/{DATASET_ID}/records"
PAGE_SIZE = 100  # `limit` ≤ 100 on /records
OFFSET_CAP = 10_000  # offset + limit ≤ 10 000, else HTTP 400
COMMUNES_PER_REQUEST = 50  # keeps the ODSQL `IN (…)` list and each answer small

# Fields every record must carry (the year series are checked apart: their names move each year).
REQUIRED_FIELDS = ("code_commune", "code_ape")
_SERIES = {
    URSSAF_JOBS: re.compile(r"^effectifs_salaries_(\d{4})$"),
    URSSAF_ESTABLISHMENTS: re.compile(r"^nombre_d_etablissements_(\d{4})$"),
}
_COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
ABSENT = "absent"


class UrssafTable(NamedTuple):
    frame: pd.DataFrame  # store.OBSERVATION_COLUMNS, COM rows
    manifest: Manifest


def where_communes(codes: Sequence[str]) -> str:
    """The ODSQL filter of a list of communes: `code_commune IN ("69010", "69021")`."""
    checked = [_commune_code(c) for c in codes]
    if not checked:
        raise BadInputError("URSSAF : aucune commune demandée.")
    return "code_commune IN (" + ", ".join(f'"{c}"' for c in checked) + ")"


def records_params(codes: Sequence[str], offset: int = 0, limit: int = PAGE_SIZE) -> dict[str, str]:
    """Query parameters of one `/records` page for `codes`."""
    if not 1 <= limit <= PAGE_SIZE:
        raise ValueError(f"limit must be 1..{PAGE_SIZE}, got {limit}")
    return {
        "where": where_communes(codes),
        "order_by": "code_commune, code_ape",
        "limit": str(limit),
        "offset": str(offset),
    }


def fetch_records(
    client: HttpClient, codes: Sequence[str], *, page_size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every record of `codes` (all pages of `page_size`, by groups of communes), and the URLs asked.

    Raises SourceSchemaError naming the fields a record lacks, SourceError when a group of
    communes matches more records than `/records` can page through.
    """
    wanted = sorted({_commune_code(c) for c in codes})
    records: list[dict[str, Any]] = []
    urls: list[str] = []
    for start in range(0, len(wanted), COMMUNES_PER_REQUEST):
        group = wanted[start : start + COMMUNES_PER_REQUEST]
        offset = 0
        while True:
            params = records_params(group, offset, page_size)
            url = url_with_params(RECORDS_URL, params)
            urls.append(url)
            body = client.get_json(RECORDS_URL, params, source_id=SOURCE_ID)
            total, page = _envelope(body, url)
            if total > OFFSET_CAP:  # the page beyond the cap would answer HTTP 400
                raise SourceError(
                    f"URSSAF : {total} enregistrements pour {len(group)} commune(s) ({url}) : l'API /records "
                    f"ne pagine que {OFFSET_CAP} enregistrements ; utilisez l'export du jeu de données."
                )
            records += [_checked(record, url) for record in page]
            offset += len(page)
            if not page or offset >= total:
                break
    logger.info("URSSAF: %d records for %d communes in %d requests", len(records), len(wanted), len(urls))
    return records, urls


def commune_code(raw: Any) -> str:
    """`code_commune` as a 5-character string: 1001 → "01001", " 35238" → "35238"."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise SourceSchemaError(f"URSSAF : code commune inattendu {raw!r}.")
    text = f"{raw:05d}" if isinstance(raw, int) else raw.strip().upper()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    if not _COMMUNE_CODE.match(text):
        raise SourceSchemaError(f"URSSAF : code commune inattendu {raw!r} (5 caractères attendus).")
    return text


def years(records: Iterable[Mapping[str, Any]], variable: str = URSSAF_JOBS) -> list[str]:
    """The years of a series present in the records, sorted ("2014", …)."""
    pattern = _SERIES[variable]
    return sorted({m.group(1) for record in records for key in record if (m := pattern.match(key))})


def observations(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Commune totals per year (sum of the APE rows) as tidy observations.

    Variables: `effectifs_salaries_prives` and, when the records carry them,
    `etablissements_employeurs_prives`. A commune-year with a null APE cell has no value
    (status "absent"); a commune with no record has no row.
    """
    rows: list[dict[str, Any]] = []
    by_commune: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_commune.setdefault(commune_code(record["code_commune"]), []).append(record)
    for variable in _SERIES:
        for year in years(records, variable):
            key = f"{'effectifs_salaries' if variable == URSSAF_JOBS else 'nombre_d_etablissements'}_{year}"
            for code, group in sorted(by_commune.items()):
                values = [_number(r.get(key), key) for r in group]
                complete = all(v is not None for v in values)
                rows.append(
                    {
                        "geo_level": "COM",
                        "geo_code": code,
                        "variable": variable,
                        "period": year,
                        "value": sum(values) if complete else None,
                        "status": None if complete else ABSENT,
                        "source_id": SOURCE_ID,
                    }
                )
    return observation_frame(rows)


def fetch_salaried_jobs(client: HttpClient, codes: Sequence[str], retrieved_at: str | None = None) -> UrssafTable:
    """Salaried jobs and employer establishments of the communes `codes`, with the manifest."""
    records, urls = fetch_records(client, codes)
    frame = observations(records)
    found = set(frame["geo_code"])
    missing = sorted({_commune_code(c) for c in codes} - found)
    if missing:
        logger.warning("URSSAF: no record for %s", ", ".join(missing))
    return UrssafTable(frame, manifest(codes, urls, records, retrieved_at or date.today().isoformat(), missing))


def manifest(
    codes: Sequence[str],
    urls: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    retrieved_at: str,
    missing: Sequence[str] = (),
) -> Manifest:
    """Provenance of a fetched table (rows and checksum are set by the store)."""
    info = source_info(SOURCE_ID)
    found = years(records)
    vintage = f"URSSAF {found[0]}-{found[-1]}" if found else "URSSAF (aucun enregistrement)"
    method = (
        f"API Explore v2.1 d'open.urssaf.fr, jeu {DATASET_ID} : enregistrements commune × APE, "
        f"pages de {PAGE_SIZE} ; total de la commune = somme de ses lignes APE ; une année où une ligne "
        "APE est vide n'a pas de total (jamais 0)."
    )
    if missing:
        method += f" Communes sans enregistrement : {', '.join(missing)}."
    return Manifest(
        table=URSSAF_EFFECTIFS.name,
        source_id=SOURCE_ID,
        title=info.title,
        producer=info.producer,
        origin=" ; ".join(urls),
        vintage=vintage,
        geo_vintage="COG de la source (année de la mise à jour)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"dataset": DATASET_ID, "communes": ",".join(sorted(set(codes)))},
        method=method,
    )


def store_salaried_jobs(client: HttpClient, store: Store, territory: Territory) -> Manifest:
    """Fetch the territory's communes and add their rows to `urssaf_effectifs` (first root).

    Row by row: the fetched communes replace their own rows only; the other territories' rows
    (and the samples' EPCI, zone d'emploi and France rows, read through the store's overlay)
    stay. No EPCI row is ever written from the fetched communes (a sum of communes is not a
    published EPCI value): where the fetched communes' sum is incomplete (a commune without record,
    a year with a null APE cell), the dossier shows the EPCI's published row if the store has one
    (the samples' republication), labelled « valeur publiée pour l'EPCI » — the same rule as
    offline (themes/economie/salaried_jobs.published_epci_series).
    The manifest is that of the table, not of one territory: its origin is the dataset's
    records endpoint; every territory's request is in the HTTP cache. Nothing is written when a
    page fails (SourceError).
    """
    table = fetch_salaried_jobs(client, territory.commune_codes)
    manifest = replace(
        table.manifest,
        origin=f"{RECORDS_URL} (filtre where=code_commune IN (…) sur les communes de chaque territoire)",
        params={"dataset": DATASET_ID},
        method=(
            f"API Explore v2.1 d'open.urssaf.fr, jeu {DATASET_ID} : enregistrements commune × APE, pages de "
            f"{PAGE_SIZE} ; total de la commune = somme de ses lignes APE ; une année où une ligne APE est vide "
            "n'a pas de total (jamais 0) ; une commune sans enregistrement n'a pas de ligne."
        ),
    )
    return store.upsert_observations(URSSAF_EFFECTIFS.name, table.frame, manifest)


def _fetch(context: FetchContext) -> list[Manifest]:
    return [store_salaried_jobs(context.client, context.store, context.territory)]


FETCHER = Fetcher(SOURCE_ID, "Emploi salarié privé par commune (URSSAF)", "Emploi salarié privé (URSSAF) indisponible",
                  _fetch)


# -- internals ---------------------------------------------------------------------------------


def _envelope(body: Any, url: str) -> tuple[int, list[Any]]:
    """(total_count, results) of an Explore v2.1 answer, after checking its shape."""
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"URSSAF : {url} devait renvoyer un objet JSON, reçu {type(body).__name__}.")
    missing = [name for name in ("total_count", "results") if name not in body]
    if missing:
        raise SourceSchemaError(
            f"URSSAF : la réponse de {url} n'a pas de champ {', '.join(f'« {m} »' for m in missing)} "
            "(schéma inattendu)."
        )
    total, results = body["total_count"], body["results"]
    if isinstance(total, bool) or not isinstance(total, int) or not isinstance(results, list):
        raise SourceSchemaError(f"URSSAF : « total_count » ou « results » de {url} n'a pas le type attendu.")
    return total, results


def _checked(record: Any, url: str) -> dict[str, Any]:
    """A record that has the fields we read; the error names every field it lacks."""
    if not isinstance(record, Mapping):
        raise SourceSchemaError(f"URSSAF : un enregistrement de {url} n'est pas un objet.")
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    if not any(_SERIES[URSSAF_JOBS].match(key) for key in record):
        missing.append("effectifs_salaries_<année>")
    if missing:
        raise SourceSchemaError(
            f"URSSAF : un enregistrement de {url} n'a pas de champ "
            + ", ".join(f"« {m} »" for m in missing)
            + f" (champs reçus : {', '.join(sorted(record)) or 'aucun'}). Le schéma du jeu a changé ?"
        )
    return dict(record)


def _number(raw: Any, key: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise SourceSchemaError(f"URSSAF : valeur non numérique pour {key} : {raw!r}.")
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise SourceSchemaError(f"URSSAF : valeur non numérique pour {key} : {raw!r}.") from exc


def _commune_code(code: str) -> str:
    if not isinstance(code, str) or not _COMMUNE_CODE.match(code):
        raise BadInputError(
            f"Code commune invalide : « {code} » (code INSEE à 5 caractères attendu, par exemple 07341 ou 2A004)."
        )
    return code
