"""Quartiers prioritaires de la politique de la ville 2024: the national list, per commune.

From ../shared/sources/APIS.md §8.1 and `anct__programme_datasets_DOCUMENTED.json` (DOCUMENTED,
no recorded body): data.gouv.fr dataset `5a561801c751df42d7fca9b6`, the CSV resource titled
"liste des quartiers prioritaires de la politique de la ville 2024", `;`-separated, header
`code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci`.
`insee_com` is protected for spreadsheets and may list several communes: `="13055;13070"` once
the CSV field is read. Paris, Lyon and Marseille are whole communes (13055).

The list gives no population: the dossier says so rather than estimate one. One row per quartier
and commune in `QPV_2024` (a quartier on two communes appears under both). A header that lacks a
documented column, a row with another number of fields than the header, or a commune code that is
not one raises SourceSchemaError; a column we do not read is tolerated.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, datetime

import pandas as pd

from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE, current_commune, load_cog
from diagterr.errors import SourceSchemaError
from diagterr.sources import datagouv
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.tables.programmes import QPV_2024

logger = logging.getLogger(__name__)

SOURCE_ID = "qpv_2024"
DATASET_ID = "5a561801c751df42d7fca9b6"
PAGE = f"https://www.data.gouv.fr/fr/datasets/{DATASET_ID}/"
TITLE = re.compile(r"liste des quartiers prioritaires de la politique de la ville 2024", re.IGNORECASE)
HEADER = ("code_qp", "lib_qp", "insee_reg", "lib_reg", "insee_dep", "lib_dep", "insee_com", "lib_com",
          "siren_epci", "lib_epci")
_PROTECTED = re.compile(r'^="(.*)"$')
_QP_CODE = re.compile(r"^Q[A-Z0-9]{7}$")  # QN01341I (APIS.md §8.1)


def fetch_list(client: HttpClient, store: Store) -> Manifest:
    """Resolve, download and read the latest list; write `QPV_2024` (first root). Two requests, cached."""
    resource = datagouv.latest_resource(client, DATASET_ID, TITLE, source_id=SOURCE_ID)
    frame = parse_list(datagouv.download(client, resource, source_id=SOURCE_ID), resource)
    return store.write_table(QPV_2024.name, frame, manifest(resource, datetime.now(UTC).isoformat(timespec="seconds")))


def _fetch(context: FetchContext) -> list[Manifest]:
    return [fetch_list(context.client, context.store)]


FETCHER = Fetcher(SOURCE_ID, "Quartiers prioritaires 2024 (ANCT, data.gouv.fr)",
                  "Liste des quartiers prioritaires indisponible", _fetch)


def parse_list(body: bytes, resource: datagouv.Resource) -> pd.DataFrame:
    """One row per quartier and commune (current COG), the columns of QPV_2024."""
    where = resource.file_name
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceSchemaError(f"QPV : le fichier {where} n'est pas en UTF-8.") from None
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = tuple(name.strip() for name in next(reader, ()))
    missing = [name for name in HEADER if name not in header]
    if missing:
        raise SourceSchemaError(
            f"QPV : en-tête inattendu dans {where} : {';'.join(header) or 'vide'} (colonnes absentes : "
            f"{', '.join(missing)} ; attendu au moins : {';'.join(HEADER)})."
        )
    extra = [name for name in header if name not in HEADER]
    if extra:  # a column we do not read is tolerated
        logger.debug("QPV: columns not documented, ignored in %s: %s", where, ", ".join(extra))
    cog = load_cog()
    rows = []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            raise SourceSchemaError(
                f"QPV : ligne {line} de {where} : {len(fields)} champs au lieu de {len(header)} (colonne insee_com "
                "mal protégée ?)."
            )
        record = dict(zip(header, fields, strict=True))
        if not _QP_CODE.match(record["code_qp"]):
            raise SourceSchemaError(f"QPV : ligne {line} de {where} : code de quartier « {record['code_qp']} » inattendu.")
        codes = communes_of(record["insee_com"], where, line)
        current = [current_commune(code, cog) or code for code in codes]
        for code in dict.fromkeys(current):
            rows.append({"commune": code, "code_qp": record["code_qp"], "lib_qp": record["lib_qp"],
                         "communes_qp": ",".join(dict.fromkeys(current)), "lib_com": record["lib_com"],
                         "siren_epci": record["siren_epci"], "lib_epci": record["lib_epci"], "fichier": where,
                         "mise_en_ligne": resource.last_modified.date().isoformat()})
    if not rows:
        raise SourceSchemaError(f"QPV : le fichier {where} ne contient aucun quartier.")
    frame = pd.DataFrame(rows, columns=list(QPV_2024.columns)).astype("string")
    return frame.sort_values(["commune", "code_qp"]).reset_index(drop=True)


def communes_of(value: str, where: str, line: int) -> list[str]:
    """`="13055;13070"` (or a bare `13055`) -> ["13055", "13070"]."""
    match = _PROTECTED.match(value.strip())
    codes = [c.strip() for c in (match[1] if match else value).split(";")]
    if not codes or any(not COMMUNE_CODE_RE.match(c) for c in codes):
        raise SourceSchemaError(f"QPV : ligne {line} de {where} : communes « {value} » illisibles.")
    return codes


def manifest(resource: datagouv.Resource, retrieved_at: str) -> Manifest:
    return Manifest(
        table=QPV_2024.name,
        source_id=SOURCE_ID,
        title="Liste des quartiers prioritaires de la politique de la ville 2024",
        producer="Agence nationale de la cohésion des territoires (ANCT)",
        origin=f"{PAGE} ({resource.file_name})",
        vintage=f"QPV 2024, fichier {resource.file_name} mis en ligne le {resource.last_modified.date().isoformat()}",
        geo_vintage=f"codes communes de la liste (ramenés au {COG_VINTAGE})",
        licence="Licence Ouverte / Etalab 2.0",
        retrieved_at=retrieved_at,
        params={"fichier": resource.file_name},
        method="Une ligne par quartier et par commune ; un quartier sur plusieurs communes figure sous chacune. "
        "La liste ne donne pas la population des quartiers.",
    )
