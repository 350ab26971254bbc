"""Opérations de revitalisation de territoire (ORT): the DGALN/ANCT workbook on data.gouv.fr.

Dataset `63c69d70de98bf9a1fa11948`; APIS.md §8.1 says to use the XLSX resource (the CSV resource is
reported broken), `anct__programme_datasets_DOCUMENTED.json` names it: resource
`ec3eb2fc-c7a6-4c9f-b9ee-b471ed88e6fc`, sheet « Suivi conventions ». The resource is replaced in
place (an export link), so it is found by its id in the dataset's resources, not by a dated name.

No recorded workbook exists. Its columns are those of the real ORT table in ../shared/data
(`zero-logement-vacant/ort.trimmed.csv`, a copy of the same ANCT table): one row per commune and
convention, « Code commune », « Statut de la commune », « Signée ? », « Si signée, date de
signature », « Dernière actualisation »…; « Avancement » and a « doublon » flag are read when
present (a row flagged as a duplicate is skipped). A missing sheet or column, a malformed commune
code or date raises SourceSchemaError naming it.

The rows are returned for diagterr.sources.anct_programmes, which stores them with the lists.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import date, datetime

import pandas as pd

from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE, CogIndex
from diagterr.errors import SourceSchemaError
from diagterr.sources import datagouv

logger = logging.getLogger(__name__)

RESOURCE_ID = "ec3eb2fc-c7a6-4c9f-b9ee-b471ed88e6fc"
SHEET = "Suivi conventions"
CODE = "Code commune"
STATUS = "Statut de la commune"
SIGNED = "Signée ?"
SIGNED_ON = "Si signée, date de signature"
UPDATED = "Dernière actualisation"
PROGRESS = "Avancement"
DUPLICATE = "doublon"
REQUIRED = (CODE, STATUS, SIGNED, SIGNED_ON, UPDATED)
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_DATE_FR = re.compile(r"^(\d{2})[-/](\d{2})[-/](\d{4})(?: .*)?$")


def parse_workbook(body: bytes, resource: datagouv.Resource, cog: CogIndex) -> pd.DataFrame:
    """One row per commune and convention (current COG): commune, identifiant, detail,
    date_signature, fichier, mise_en_ligne (the row's own « Dernière actualisation »)."""
    where = f"ORT ({resource.title})"
    try:
        sheets = pd.read_excel(io.BytesIO(body), sheet_name=None, dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as error:
        raise SourceSchemaError(f"ANCT : le fichier {where} n'est pas un classeur XLSX lisible ({error}).") from None
    if SHEET not in sheets:
        raise SourceSchemaError(f"ANCT : le classeur {where} n'a pas de feuille « {SHEET} » (feuilles lues : "
                                f"{', '.join(map(str, sheets)) or 'aucune'}).")
    sheet = sheets[SHEET]
    header = [str(c) for c in sheet.columns]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceSchemaError(
            f"ANCT : la feuille « {SHEET} » de {where} n'a pas la ou les colonnes {', '.join(missing)} (en-tête "
            f"lu : {', '.join(header)}) : le format du classeur a changé."
        )
    sheet.columns = header
    rows = []
    unknown: list[str] = []
    for line, record in enumerate(sheet.to_dict("records"), start=2):
        if all(_blank(v) for v in record.values()):
            continue
        if DUPLICATE in record and _text(record[DUPLICATE]).lower() in {"true", "vrai", "1", "oui"}:
            continue
        code = _code(record[CODE], where, line)
        current = code if cog.commune(code) is not None else getattr(cog.current_commune_for_former_code(code),
                                                                       "code", None)
        if current is None:
            unknown.append(code)
            continue
        status, signed = _text(record[STATUS]), _text(record[SIGNED])
        if not signed:
            raise SourceSchemaError(f"ANCT : ligne {line} de la feuille « {SHEET} » : colonne « {SIGNED} » vide.")
        signed_on = _date(record[SIGNED_ON], SIGNED_ON, where, line)
        updated = _date(record[UPDATED], UPDATED, where, line)
        parts = [status, signed.lower()]
        progress = _text(record.get(PROGRESS))
        if progress:
            parts.append(f"avancement : {progress}")
        rows.append({"commune": current, "identifiant": "", "detail": " ; ".join(p for p in parts if p),
                     "date_signature": signed_on, "fichier": resource.title,
                     "mise_en_ligne": updated or resource.last_modified.date().isoformat()})
    if unknown:
        logger.warning("ORT: %d code(s) absent(s) du %s, ignoré(s) : %s", len(unknown), COG_VINTAGE,
                       ", ".join(sorted(unknown)[:10]))
    if not rows:
        raise SourceSchemaError(f"ANCT : la feuille « {SHEET} » de {where} ne contient aucune commune.")
    return pd.DataFrame(rows)


def _code(value: object, where: str, line: int) -> str:
    """A commune code; a numeric cell lost its leading zero (7341 for 07341): four digits are padded."""
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = f"{int(value):05d}" if 1000 <= int(value) <= 99999 else str(value)
    else:
        text = _text(value)
    if not COMMUNE_CODE_RE.match(text):
        raise SourceSchemaError(f"ANCT : ligne {line} de {where} : code commune « {text} » invalide.")
    return text


def _date(value: object, column: str, where: str, line: int) -> str | None:
    """ISO date of a date cell, "2023-04-05", "2023-04-05 00:00:00" or "06-04-2023 13:34"; None if empty."""
    if _blank(value):
        return None
    if isinstance(value, (datetime, date)):  # pandas.Timestamp is a datetime
        return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()
    text = str(value).strip()
    try:
        if match := _DATE_ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        if match := _DATE_FR.match(text):
            return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
    except ValueError:
        pass
    raise SourceSchemaError(f"ANCT : ligne {line} de {where} : date « {text} » illisible (colonne « {column} »).")


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (isinstance(value, str) and
                                                                                 not value.strip())


def _text(value: object) -> str:
    return "" if _blank(value) else str(value).strip()
