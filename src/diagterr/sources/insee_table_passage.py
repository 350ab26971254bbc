"""INSEE's table de passage of communes since 2003: which former commune became which current one.

File and layout DOCUMENTED (no recorded body; ../shared/sources/APIS.md §3 and the public code of
projects that read it): `URL` is a zip holding `table_passage_geo2003_geo{YYYY}.xlsx`, five title
rows, the header on row 6, three sheets:
- « Table de passage »: `CODGEO_INI` (a code of any COG since 2003), `CODGEO_{YYYY}` (the
  commune of the COG of 1 January YYYY it lies in), `LIBGEO_{YYYY}` (its name); one row per pair;
- « Liste des fusions » and « Liste des scissions »: `ANNEE_MODIF` (the COG year — 1 January — of
  the change), `COM_INI`, `COM_FIN`, `LIB_COM_INI`, `LIB_COM_FIN`; one row per former and new code.

`parse` turns it into the lineage table `COMMUNES_LINEAGE` (tables/geography.py): one row per former code and
current commune, the year the former code stopped being a commune (`annee_fin`: the latest
ANNEE_MODIF of a fusion or scission of that code into another; missing when the lists do not
give it, never guessed), its name, and `nature` « fusion » (one successor) or « scission »
(several). The file's communes of YYYY are brought to diagterr's COG through its former codes.
Another sheet name, header row or column set, a malformed code or year raises SourceSchemaError.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import UTC, datetime

import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE, CogIndex, load_cog
from diagterr.errors import SourceSchemaError
from diagterr.harmonise import RULE
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.tables.geography import COMMUNES_LINEAGE

log = logging.getLogger(__name__)

SOURCE_ID = "insee_table_passage"
# The edition read: the geography it leads to is read from the file (CODGEO_YYYY), never from here.
URL = "https://www.insee.fr/fr/statistiques/fichier/7671867/table_passage_geo2003_geo2025.zip"
PAGE = "https://www.insee.fr/fr/information/7671867"
PASSAGE_SHEET = "Table de passage"
FUSIONS_SHEET = "Liste des fusions"
SCISSIONS_SHEET = "Liste des scissions"
HEADER_ROW = 6  # 1-based, as INSEE says "first row 6"; five title rows above
CHANGE_HEADER = ("ANNEE_MODIF", "COM_INI", "COM_FIN", "LIB_COM_INI", "LIB_COM_FIN")
_XLSX = re.compile(r"^table_passage_geo2003_geo(\d{4})\.xlsx$")
_YEAR = re.compile(r"^(\d{4})(?:\.0)?$")


def fetch_lineage(client: HttpClient, store: Store, *, now: datetime | None = None) -> Manifest | None:
    """Download the national table de passage (one request, cached) and write `COMMUNES_LINEAGE` whole.

    The table is national (every former code of France): one download serves every territory.
    Nothing is downloaded when the store's own table (first root) already comes from `URL`,
    unless the client refreshes.
    """
    own = Store(store.roots[:1]).manifest(COMMUNES_LINEAGE.name)  # the user's store only, never the samples
    if own is not None and own.params.get("url") == URL and not client.refresh:
        log.debug("%s: already in the store from %s", COMMUNES_LINEAGE.name, URL)
        return None
    body = client.get_bytes(URL, source_id=SOURCE_ID)
    frame, target_year = parse(body)
    retrieved = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return store.write_table(COMMUNES_LINEAGE.name, frame, manifest(target_year, retrieved, len(frame)))


def fetch(context: FetchContext) -> list[Manifest] | None:
    """The fetcher's entry: the file is national, the territory does not change the request."""
    written = fetch_lineage(context.client, context.store)
    return [written] if written is not None else None


# Run first of all: Melodi's figures published under former codes are mapped through it.
FETCHER = Fetcher(SOURCE_ID, "Communes fusionnées depuis 2003 (table de passage de l'INSEE)",
                  "Table de passage des communes de l'INSEE indisponible", fetch)


def parse(body: bytes, cog: CogIndex | None = None) -> tuple[pd.DataFrame, int]:
    """The lineage frame (columns of COMMUNES_LINEAGE, diagterr's COG) and the COG year the file leads to."""
    name, workbook = _open_zip(body)
    target_year = int(_XLSX.match(name)[1])  # type: ignore[index]
    sheets = _read_sheets(workbook, name)
    passage = _table(sheets, PASSAGE_SHEET, ("CODGEO_INI", f"CODGEO_{target_year}", f"LIBGEO_{target_year}"),
                     ("CODGEO_INI", f"CODGEO_{target_year}"), name)
    passage.columns = ["ini", "fin", "lib_fin"]
    changes = pd.concat(
        [_table(sheets, sheet, CHANGE_HEADER, ("COM_INI", "COM_FIN"), name) for sheet in (FUSIONS_SHEET, SCISSIONS_SHEET)],
        ignore_index=True,
    )
    changes["year"] = [_year(value, target_year, name) for value in changes["ANNEE_MODIF"]]
    moved = passage[passage["ini"] != passage["fin"]]
    if moved.empty:
        raise SourceSchemaError(f"Table de passage INSEE : aucun code ancien dans la feuille « {PASSAGE_SHEET} » de {name}.")
    left = changes[changes["COM_INI"] != changes["COM_FIN"]].sort_values("year")
    end_year = left.groupby("COM_INI")["year"].max()
    names = left.groupby("COM_INI")["LIB_COM_INI"].last()  # the name the lists give on its latest change
    successors = moved.groupby("ini")["fin"].nunique()
    cog = cog or load_cog()
    rows = []
    for record in moved.itertuples(index=False):
        current, current_name = _in_cog(record.fin, record.lib_fin, cog)
        rows.append({
            "commune": current, "nom_commune": current_name, "ancien_code": record.ini,
            "ancien_nom": names.get(record.ini), "annee_fin": end_year.get(record.ini),
            "nature": "scission" if successors[record.ini] > 1 else "fusion",
        })
    # Communes of the file's COG merged since, in diagterr's COG: stopped being communes on
    # 1 January of the next year when diagterr's COG is the file's next one, else year unknown.
    cog_year = int(COG_VINTAGE.removeprefix("COG "))
    for code, lib in passage.loc[passage["ini"] == passage["fin"], ["fin", "lib_fin"]].drop_duplicates().itertuples(index=False):
        if cog.commune(code) is None and (merged := cog.current_commune_for_former_code(code)) is not None:
            rows.append({"commune": merged.code, "nom_commune": merged.name, "ancien_code": code, "ancien_nom": lib,
                         "annee_fin": cog_year if cog_year == target_year + 1 else None, "nature": "fusion"})
    return lineage_frame(rows), target_year


def lineage_frame(rows: list[dict]) -> pd.DataFrame:
    """The lineage table with its columns and dtypes, sorted, one row per (commune, ancien_code)."""
    frame = pd.DataFrame(rows, columns=list(COMMUNES_LINEAGE.columns))
    for column in ("commune", "nom_commune", "ancien_code", "ancien_nom", "nature"):
        frame[column] = frame[column].astype("string")
    frame["annee_fin"] = pd.array(
        [None if pd.isna(v) else int(v) for v in frame["annee_fin"]], dtype="Int64"
    )
    frame = frame.drop_duplicates(["commune", "ancien_code"])
    return frame.sort_values(["commune", "ancien_code"]).reset_index(drop=True)


def manifest(target_year: int, retrieved_at: str, rows: int) -> Manifest:
    return Manifest(
        table=COMMUNES_LINEAGE.name,
        source_id=SOURCE_ID,
        title=f"Table de passage des communes (codes depuis 2003 vers le COG {target_year})",
        producer="INSEE",
        origin=URL,
        vintage=f"Table de passage géographie 2003 - géographie {target_year}",
        geo_vintage=f"COG {target_year} ramené au {COG_VINTAGE}",
        licence="Licence Ouverte / Etalab 2.0",
        retrieved_at=retrieved_at,
        params={"url": URL},
        method=(
            "Une ligne par code ancien et commune actuelle (feuille « Table de passage ») ; année où le code a cessé "
            "d'être une commune : dernière année de modification (ANNEE_MODIF) des listes des fusions et des "
            "scissions, laissée vide quand elles ne la donnent pas. " + RULE
        ),
    )


# -- reading the workbook ------------------------------------------------------------------------


def _open_zip(body: bytes) -> tuple[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile:
        raise SourceSchemaError(f"Table de passage INSEE : {URL} n'est pas une archive zip.") from None
    with archive:
        names = [n for n in archive.namelist() if _XLSX.match(n.rsplit("/", 1)[-1])]
        if len(names) != 1:
            raise SourceSchemaError(
                "Table de passage INSEE : l'archive devrait contenir un seul fichier "
                f"table_passage_geo2003_geoAAAA.xlsx ; elle contient : {', '.join(archive.namelist()) or 'rien'}."
            )
        return names[0].rsplit("/", 1)[-1], archive.read(names[0])


def _read_sheets(workbook: bytes, name: str) -> dict[str, pd.DataFrame]:
    try:
        sheets = pd.read_excel(io.BytesIO(workbook), sheet_name=None, header=None, dtype=str, engine="openpyxl")
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SourceSchemaError(f"Table de passage INSEE : {name} n'est pas un classeur lisible ({error}).") from None
    missing = [s for s in (PASSAGE_SHEET, FUSIONS_SHEET, SCISSIONS_SHEET) if s not in sheets]
    if missing:
        raise SourceSchemaError(
            f"Table de passage INSEE : feuille(s) {', '.join(f'« {s} »' for s in missing)} absente(s) de {name} "
            f"(feuilles lues : {', '.join(sheets)})."
        )
    return sheets


def _table(sheets: dict[str, pd.DataFrame], sheet: str, header: tuple[str, ...], code_columns: tuple[str, ...],
           name: str) -> pd.DataFrame:
    """The rows under row HEADER_ROW, whose cells must name every column of `header` (a column we
    do not read is tolerated); codes checked."""
    raw = sheets[sheet]
    labels = raw.iloc[HEADER_ROW - 1].str.strip() if len(raw) >= HEADER_ROW else pd.Series(dtype="string")
    found = labels.dropna().tolist()
    if any(found.count(column) != 1 for column in header):
        raise SourceSchemaError(
            f"Table de passage INSEE : en-tête inattendu ligne {HEADER_ROW} de la feuille « {sheet} » de {name} : "
            f"{', '.join(found) or 'vide'} (attendu : {', '.join(header)})."
        )
    body = raw.iloc[HEADER_ROW:].copy()
    body.columns = labels
    body = body.loc[:, list(header)].dropna(how="all").reset_index(drop=True)
    for column in code_columns:
        bad = body.loc[~body[column].fillna("").str.match(COMMUNE_CODE_RE), column]
        if len(bad):
            raise SourceSchemaError(
                f"Table de passage INSEE : code commune « {bad.iloc[0]} » illisible (colonne {column}) dans la "
                f"feuille « {sheet} » de {name}."
            )
    return body


def _year(value: object, target_year: int, name: str) -> int:
    match = _YEAR.match(value.strip()) if isinstance(value, str) else None
    if match is None or not 2003 <= int(match[1]) <= target_year:
        raise SourceSchemaError(
            f"Table de passage INSEE : année « {value} » illisible dans la colonne ANNEE_MODIF de {name} "
            f"(attendu : une année de 2003 à {target_year})."
        )
    return int(match[1])


def _in_cog(code: str, name: str | None, cog: CogIndex) -> tuple[str, str | None]:
    """A commune of the file's COG in diagterr's COG: itself, or the commune nouvelle it joined since."""
    record = cog.commune(code) or cog.current_commune_for_former_code(code)
    if record is None:
        log.warning("Table de passage : %s (%s) inconnue du %s, gardée telle quelle", code, name, COG_VINTAGE)
        return code, name
    return record.code, record.name
