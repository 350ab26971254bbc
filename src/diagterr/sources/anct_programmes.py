"""ANCT programme lists on data.gouv.fr: the latest list of each programme, per commune.

Dataset ids, file names and columns from ../shared/sources/APIS.md §8.1 and
`anct__programme_datasets_DOCUMENTED.json` (DOCUMENTED, no recorded body); each list's programme is
declared in diagterr.tables.programmes:

| list | dataset | file | columns (`,`-separated) |
|---|---|---|---|
| Petites villes de demain | 5fc1259b703620ed60a49d97 | liste-pvd-com{COG}-{YYYYMMDD}.csv | insee_com, lib_com, id_pvd, date_signature |
| Action cœur de ville | 5acc7eddc751df5e21efdf20 | liste-acv-com{COG}-{YYYYMMDD}.csv | insee_com, lib_com, id_acv, lib_acv, date_signature |
| Villages d'avenir | 65a11234a86f08c56f0c47b0 | liste-va-com{COG}-{YYYYMMDD}.csv | insee_com (others not documented) |
| Territoires d'industrie | 5fc1472f114718d419e42f8a | liste-ti-com{COG}-{YYYYMMDD}.csv | insee_com, lib_ti |
| CRTE | 60799532757dbdef335c00c5 | liste-crte-grpt{COG}-{YYYYMMDD}.csv | siren_epci, lib_groupement, type_grp_crte, date_signature, nature_juridique |
| ORT | 63c69d70de98bf9a1fa11948 | XLSX resource ec3eb2fc-…, sheet « Suivi conventions » | see diagterr.sources.anct_ort |

CRTE: the file « suivi du périmètre » has one row per signatory groupement, not per commune. Rule:
`siren_epci` is the SIREN of the groupement; an EPCI à fiscalité propre of the current COG stands
for all its member communes (current composition), a commune's own SIREN for that commune; any
other SIREN (an EPCI dissolved or merged since, a syndicate) is logged and left out. Optional
`id_crte` and `lib_crte` are read when the header has them.

France services: no data.gouv.fr dataset id is documented (APIS.md §8.1) and the resolver has no
search; see diagterr.sources.bpe_france_services (INSEE BPE, facility A128, through Melodi).

Each list is national: a commune absent from the latest list is not in the programme. The table
`PROGRAMMES_ANCT` holds every row of every list fetched (codes of the file's COG brought to the current COG
through the former codes); the theme uses it in place of the samples' rows of the same programmes.
A missing documented column, another separator, a malformed commune code, SIREN or date raises
SourceSchemaError: the dossier never guesses.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE, SIREN_RE, CogIndex, current_commune, load_cog
from diagterr.errors import SourceError, SourceSchemaError
from diagterr.sources import anct_ort, datagouv
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.tables.programmes import (
    ACV,
    CRTE,
    ORT,
    PROGRAMMES_ANCT,
    PVD,
    TERRITOIRES_INDUSTRIE,
    VILLAGES_AVENIR,
    Programme,
)

logger = logging.getLogger(__name__)

SOURCE_ID = "anct_datagouv"
PRODUCER = "Agence nationale de la cohésion des territoires (ANCT)"
LICENCE = "Licence Ouverte / Etalab 2.0"


@dataclass(frozen=True, slots=True)
class ProgrammeList:
    of: Programme  # the programme listed (diagterr.tables.programmes)
    dataset_id: str
    file_name: re.Pattern[str]  # documented file name, with groups `cog` and `day`
    required: tuple[str, ...]  # documented columns; another header fails
    id_column: str | None = None  # read when the header has it
    label_column: str | None = None
    date_column: str | None = None
    code_column: str = "insee_com"
    grain: str = "commune"  # "groupement": `code_column` holds the SIREN of an EPCI or of a commune
    resource_id: str | None = None  # a resource replaced in place (ORT): chosen by id, not by name

    @property
    def key(self) -> str:
        """"pvd": the `liste` column and the manifest's params."""
        return self.of.key

    @property
    def programme(self) -> str:
        """Label of the programme, as in the samples' table `programmes`."""
        return self.of.label

    @property
    def page(self) -> str:
        return f"https://www.data.gouv.fr/fr/datasets/{self.dataset_id}/"


def _name(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^liste-{prefix}-com(?P<cog>\d{{4}})-(?P<day>\d{{8}})\.csv$", re.IGNORECASE)


LISTS: tuple[ProgrammeList, ...] = (
    ProgrammeList(PVD, "5fc1259b703620ed60a49d97", _name("pvd"),
                  ("insee_com", "lib_com", "id_pvd", "date_signature"), "id_pvd", None, "date_signature"),
    ProgrammeList(ACV, "5acc7eddc751df5e21efdf20", _name("acv"),
                  ("insee_com", "lib_com", "id_acv", "lib_acv", "date_signature"), "id_acv", "lib_acv",
                  "date_signature"),
    ProgrammeList(VILLAGES_AVENIR, "65a11234a86f08c56f0c47b0", _name("va"), ("insee_com",), "id_va"),
    ProgrammeList(TERRITOIRES_INDUSTRIE, "5fc1472f114718d419e42f8a", _name("ti"),
                  ("insee_com", "lib_ti"), None, "lib_ti"),
    ProgrammeList(CRTE, "60799532757dbdef335c00c5",
                  re.compile(r"^liste-crte-grpt(?P<cog>\d{4})-(?P<day>\d{8})\.csv$", re.IGNORECASE),
                  ("siren_epci", "lib_groupement", "type_grp_crte", "date_signature", "nature_juridique"),
                  "id_crte", "lib_crte", "date_signature", code_column="siren_epci", grain="groupement"),
    ProgrammeList(ORT, "63c69d70de98bf9a1fa11948", re.compile(r".*"), anct_ort.REQUIRED,
                  resource_id=anct_ort.RESOURCE_ID),
)
_DATE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DATE_FR = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def fetch_lists(client: HttpClient, store: Store, lists: Sequence[ProgrammeList] = LISTS) -> Manifest | None:
    """Resolve, download and read the latest file of each list; write `PROGRAMMES_ANCT` (first root).

    Two requests per list (the resources, the file), cached. A list that fails keeps the rows a
    previous fetch gave; the others are written, then a SourceError names the lists that failed.
    """
    cog = load_cog()
    fresh: dict[str, tuple[pd.DataFrame, str]] = {}
    failures: list[str] = []
    for programme_list in lists:
        try:
            resource = _resource(client, programme_list)
            body = datagouv.download(client, resource, source_id=SOURCE_ID)
            if programme_list.resource_id is not None:
                frame = _frame(anct_ort.parse_workbook(body, resource, cog).assign(
                    programme=programme_list.programme, liste=programme_list.key))
            else:
                frame = parse_list(programme_list, resource, body, cog)
            fresh[programme_list.key] = (frame, file_label(resource))
        except SourceError as error:
            failures.append(f"{programme_list.programme} : {error}")
    written = None
    if fresh:
        previous = Store([store.roots[0]]).read(PROGRAMMES_ANCT.name)
        kept = [] if previous is None else [previous[~previous["liste"].isin(list(fresh))]]
        frame = _frame(pd.concat([*kept, *(f for f, _ in fresh.values())], ignore_index=True))
        old = Store([store.roots[0]]).manifest(PROGRAMMES_ANCT.name)
        files = {k: v for k, v in (old.params.items() if old else ()) if k in {pl.key for pl in LISTS}}
        files |= {key: name for key, (_, name) in fresh.items()}
        written = store.write_table(PROGRAMMES_ANCT.name, frame,
                                    manifest(files, datetime.now(UTC).isoformat(timespec="seconds")))
    if failures:
        raise SourceError(" ; ".join(failures))
    return written


def _fetch(context: FetchContext) -> list[Manifest] | None:
    written = fetch_lists(context.client, context.store)
    return [written] if written is not None else None


FETCHER = Fetcher(SOURCE_ID, "Programmes de l'ANCT (listes data.gouv.fr)", "Listes de programmes de l'ANCT incomplètes",
                  _fetch)


def _resource(client: HttpClient, programme_list: ProgrammeList) -> datagouv.Resource:
    if programme_list.resource_id is None:
        return datagouv.latest_resource(client, programme_list.dataset_id, programme_list.file_name,
                                        source_id=SOURCE_ID)
    for resource in datagouv.list_resources(client, programme_list.dataset_id, source_id=SOURCE_ID):
        if resource.id == programme_list.resource_id:
            return resource
    raise SourceError(f"data.gouv.fr : le jeu {programme_list.dataset_id} n'a plus la ressource "
                      f"{programme_list.resource_id} ({programme_list.programme}) : le producteur l'a remplacée.")


def file_label(resource: datagouv.Resource) -> str:
    """The file name of the resource's URL, or its title when the URL has none (an export link)."""
    name = resource.file_name
    return name if re.search(r"\.[A-Za-z0-9]{2,5}$", name) else resource.title


def parse_list(programme_list: ProgrammeList, resource: datagouv.Resource, body: bytes, cog: CogIndex) -> pd.DataFrame:
    """The rows of one list file: one row per commune (current COG), the columns of PROGRAMMES_ANCT."""
    where = f"{programme_list.programme} ({resource.file_name})"
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceSchemaError(f"ANCT : le fichier {where} n'est pas en UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text), delimiter=",")
    header = reader.fieldnames or []
    missing = [c for c in programme_list.required if c not in header]
    if missing:
        raise SourceSchemaError(
            f"ANCT : le fichier {where} n'a pas la ou les colonnes {', '.join(missing)} (en-tête lu : "
            f"{', '.join(header) or 'vide'}) : le format de la liste a changé."
        )
    rows = []
    unknown: list[str] = []
    for line, record in enumerate(reader, start=2):
        if None in record or any(record[c] is None for c in programme_list.required):
            raise SourceSchemaError(f"ANCT : ligne {line} du fichier {where} : nombre de champs différent de l'en-tête.")
        code = record[programme_list.code_column].strip()
        if programme_list.grain == "groupement":
            communes = communes_of_groupement(code, cog, where, line)
            detail = _groupement_detail(programme_list, record)
        else:
            if not COMMUNE_CODE_RE.match(code):
                raise SourceSchemaError(f"ANCT : ligne {line} du fichier {where} : code commune « {code} » invalide.")
            current = current_commune(code, cog)
            communes = [] if current is None else [current]
            detail = (record.get(programme_list.label_column) or "").strip() if programme_list.label_column else ""
        if not communes:
            unknown.append(code)
            continue
        identifier = (record.get(programme_list.id_column) or "").strip() if programme_list.id_column else ""
        signed = _date(record[programme_list.date_column], where, line) if programme_list.date_column else None
        rows += [{"commune": commune, "programme": programme_list.programme, "identifiant": identifier,
                  "detail": detail, "date_signature": signed, "liste": programme_list.key,
                  "fichier": resource.file_name, "mise_en_ligne": resource.last_modified.date().isoformat()}
                 for commune in communes]
    if unknown:
        logger.warning("ANCT %s: %d code(s) absent(s) du %s, ignoré(s) : %s", programme_list.key, len(unknown),
                       COG_VINTAGE, ", ".join(sorted(unknown)[:10]))
    if not rows:
        raise SourceSchemaError(f"ANCT : le fichier {where} ne contient aucune commune.")
    return _frame(pd.DataFrame(rows).drop_duplicates(["commune", "identifiant", "detail", "date_signature"]))


def communes_of_groupement(siren: str, cog: CogIndex, where: str, line: int) -> list[str]:
    """The current communes a signatory groupement stands for: an EPCI's members, a commune itself,
    none for another SIREN (logged by the caller)."""
    if not SIREN_RE.match(siren):
        raise SourceSchemaError(f"ANCT : ligne {line} du fichier {where} : SIREN « {siren} » invalide.")
    epci = cog.epci(siren)
    if epci is not None:
        return list(epci.members)
    commune = cog.commune_by_siren(siren)
    return [commune.code] if commune is not None else []


def _groupement_detail(programme_list: ProgrammeList, record: dict[str, str]) -> str:
    """"CRTE du Pays de l'Arbresle ; signataire : CC du Pays de l'Arbresle"."""
    name = (record.get(programme_list.label_column) or "").strip() if programme_list.label_column else ""
    signatory = (record.get("lib_groupement") or "").strip()
    return " ; ".join(p for p in (name, f"signataire : {signatory}" if signatory else "") if p)


def manifest(files: dict[str, str], retrieved_at: str) -> Manifest:
    """Provenance of the table; `files`: list key -> file name read."""
    by_key = {pl.key: pl for pl in LISTS}
    described = [f"{by_key[k].programme} : {name}" for k, name in sorted(files.items()) if k in by_key]
    cogs = sorted({m["cog"] for k, name in files.items() if k in by_key
                   for m in [by_key[k].file_name.match(name)] if m and m.groupdict().get("cog")})
    return Manifest(
        table=PROGRAMMES_ANCT.name,
        source_id=SOURCE_ID,
        title="Listes des communes des programmes de l'ANCT (data.gouv.fr)",
        producer=PRODUCER,
        origin=" ; ".join(by_key[k].page for k in sorted(files) if k in by_key),
        vintage="Listes ANCT : " + " ; ".join(described),
        geo_vintage=(f"COG {', '.join(cogs)} ramené au {COG_VINTAGE}" if cogs else COG_VINTAGE),
        licence=LICENCE,
        retrieved_at=retrieved_at,
        params=dict(sorted(files.items())),
        method=("Dernier fichier de chaque liste (ressources du jeu de données triées par date de modification ; "
                "ORT : la ressource XLSX du jeu, feuille « Suivi conventions ») ; une ligne par commune et "
                "programme ; codes des communes fusionnées ramenés à la commune nouvelle. CRTE : le fichier de "
                "suivi du périmètre donne les groupements signataires ; un EPCI signataire couvre toutes ses "
                "communes membres (composition du " + COG_VINTAGE + "), une commune signataire elle-même."),
    )


def _date(value: str | None, where: str, line: int) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        if _DATE_ISO.match(text):
            return date.fromisoformat(text[:10]).isoformat()
        match = _DATE_FR.match(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
    except ValueError:
        pass
    raise SourceSchemaError(f"ANCT : ligne {line} du fichier {where} : date de signature illisible « {text} ».")


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.loc[:, list(PROGRAMMES_ANCT.columns)].astype("string")
    return frame.sort_values(["liste", "commune", "identifiant"]).reset_index(drop=True)
