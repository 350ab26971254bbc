"""ANCT programme lists through the data.gouv.fr API (network blocked).

No body of the data.gouv.fr API was ever recorded (APIS.md §9): the listings in
tests/fixtures/programmes/ are written in the exact shape of the documented udata schema (see
that folder's README: documented file names, placeholder resource ids). The CSV files are built
here in the documented shape of each list (APIS.md §8.1) from the REAL ANCT table of
../shared/data (`ngeo-anct-cog2023.trimmed.csv`: real communes and identifiers); the documented
`date_signature` column is left empty, as no real signature date exists in ../shared.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from responses import matchers

from diagterr.cog import current_commune, load_cog
from diagterr.errors import SourceError, SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import anct_ort, anct_programmes, datagouv, online
from diagterr.sources.fetcher import FetchContext
from diagterr.store import Store
from diagterr.tables.programmes import CRTE, PROGRAMMES_ANCT
from diagterr.territory import resolve_territory
from diagterr.themes import programmes
from diagterr.themes.figures import Figures
from helpers import SHARED, needs_shared

FIXTURES = Path(__file__).parent / "fixtures" / "programmes"
ANCT_TABLE = SHARED / "data" / "raw" / "zero-logement-vacant" / "ngeo-anct-cog2023.trimmed.csv"
BY_KEY = {pl.key: pl for pl in anct_programmes.LISTS}
LISTINGS = {"pvd": "datagouv_resources_pvd.json", "acv": "datagouv_resources_acv.json",
            "va": "datagouv_resources_va.json", "ti": "datagouv_resources_ti_empty.json",
            "crte": "datagouv_resources_crte.json", "ort": "datagouv_resources_ort.json"}
ORT_TABLE = SHARED / "data" / "raw" / "zero-logement-vacant" / "ort.trimmed.csv"
CRTE_HEADER = ["siren_epci", "lib_groupement", "type_grp_crte", "date_signature", "nature_juridique", "id_crte"]


def listing(key: str) -> dict[str, Any]:
    return json.loads((FIXTURES / LISTINGS[key]).read_text("utf-8"))


def real_rows(column: str) -> list[dict[str, str]]:
    """REAL rows of the ANCT table (COG 2023) with a value in `column` (id_pvd, id_acv, id_va)."""
    with ANCT_TABLE.open(encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r[column]]


def list_csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    """A list file in the documented shape (`,`-separated, UTF-8); absent columns left empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return out.getvalue().encode("utf-8")


def pvd_csv(rows: list[dict[str, str]] | None = None) -> bytes:
    return list_csv(["insee_com", "lib_com", "id_pvd", "date_signature"], real_rows("id_pvd") if rows is None else rows)


def acv_csv() -> bytes:
    return list_csv(["insee_com", "lib_com", "id_acv", "lib_acv", "date_signature"], real_rows("id_acv"))


def va_csv() -> bytes:
    return list_csv(["insee_com", "lib_com", "id_va"], real_rows("id_va"))


def add_listing(mocked, key: str, body: Any) -> None:
    mocked.get(datagouv.resources_url(BY_KEY[key].dataset_id), json=body,
               match=[matchers.query_param_matcher({"page": "1", "page_size": "50"})])


def newest_url(key: str) -> str:
    return max(listing(key)["data"], key=lambda r: r["last_modified"])["url"]


# -- the data.gouv.fr resolver -------------------------------------------------------------------


def test_the_latest_csv_whose_file_name_matches_is_chosen(mocked, client):
    add_listing(mocked, "pvd", listing("pvd"))
    resource = datagouv.latest_resource(client, BY_KEY["pvd"].dataset_id, BY_KEY["pvd"].file_name,
                                        source_id="anct_datagouv")
    assert resource.file_name == "liste-pvd-com2025-20260427.csv"
    assert resource.last_modified.date().isoformat() == "2026-04-27"


def test_other_formats_and_names_are_ignored(mocked, client):
    body = listing("pvd")
    newest = max(body["data"], key=lambda r: r["last_modified"])
    pdf = copy.deepcopy(newest) | {"format": "pdf", "last_modified": "2026-09-01T00:00:00+00:00"}
    other = copy.deepcopy(newest) | {"title": "liste-pvd-grpt2025.csv",
                                     "url": newest["url"].replace("com2025-20260427", "grpt2025"),
                                     "last_modified": "2026-09-01T00:00:00+00:00"}
    body["data"] += [pdf, other]
    add_listing(mocked, "pvd", body)
    resource = datagouv.latest_resource(client, BY_KEY["pvd"].dataset_id, BY_KEY["pvd"].file_name,
                                        source_id="anct_datagouv")
    assert resource.file_name == "liste-pvd-com2025-20260427.csv"


def test_the_pages_are_followed(mocked, client):
    body = listing("pvd")
    first, second = copy.deepcopy(body), copy.deepcopy(body)
    url = datagouv.resources_url(BY_KEY["pvd"].dataset_id)
    first["data"], first["next_page"] = body["data"][:1], f"{url}?page=2&page_size=50"
    second["data"], second["page"] = body["data"][1:], 2
    add_listing(mocked, "pvd", first)
    mocked.get(url, json=second, match=[matchers.query_param_matcher({"page": "2", "page_size": "50"})])
    resources = datagouv.list_resources(client, BY_KEY["pvd"].dataset_id, source_id="anct_datagouv")
    assert [r.file_name for r in resources] == ["liste-pvd-com2023-20240102.csv", "liste-pvd-com2025-20260427.csv"]


@pytest.mark.parametrize("drop", ["next_page", "data", "total"])
def test_a_page_of_another_shape_is_a_schema_error(mocked, client, drop):
    body = listing("pvd")
    del body[drop]
    add_listing(mocked, "pvd", body)
    with pytest.raises(SourceSchemaError, match="data, next_page, page, page_size, total"):
        datagouv.list_resources(client, BY_KEY["pvd"].dataset_id, source_id="anct_datagouv")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("last_modified", None, "last_modified"), ("last_modified", "hier", "last_modified"),
    ("url", "ftp://example.org/f.csv", "adresse inattendue"),
])
def test_a_resource_of_another_shape_is_a_schema_error(mocked, client, field, value, message):
    body = listing("pvd")
    body["data"][0][field] = value
    add_listing(mocked, "pvd", body)
    with pytest.raises(SourceSchemaError, match=message):
        datagouv.list_resources(client, BY_KEY["pvd"].dataset_id, source_id="anct_datagouv")


def test_no_matching_resource_names_the_dataset_and_the_pattern(mocked, client):
    add_listing(mocked, "ti", listing("ti"))
    with pytest.raises(SourceError, match="5fc1472f114718d419e42f8a.*liste-ti-com"):
        datagouv.latest_resource(client, BY_KEY["ti"].dataset_id, BY_KEY["ti"].file_name, source_id="anct_datagouv")


# -- reading a list ------------------------------------------------------------------------------


def resource_of(key: str) -> datagouv.Resource:
    item = max(listing(key)["data"], key=lambda r: r["last_modified"])
    return datagouv._resource(item, BY_KEY[key].dataset_id)


@needs_shared
def test_the_real_pvd_rows_are_read_per_commune():
    frame = anct_programmes.parse_list(BY_KEY["pvd"], resource_of("pvd"), pvd_csv(), load_cog())
    assert list(frame.columns) == list(PROGRAMMES_ANCT.columns)
    arbresle = frame[frame["commune"] == "69010"].iloc[0]
    assert (arbresle["programme"], arbresle["identifiant"]) == ("Petites villes de demain", "pvd-84-69-2")
    assert arbresle["fichier"] == "liste-pvd-com2025-20260427.csv" and arbresle["mise_en_ligne"] == "2026-04-27"
    assert frame["date_signature"].isna().all()  # the column is there, empty in this fixture
    assert set(frame["commune"]) == {"07341", "50139", "50292", "50601", "63038", "63047", "63236", "69010", "69171"}


@needs_shared
def test_a_file_with_another_separator_is_a_schema_error():
    body = pvd_csv().replace(b",", b";")
    with pytest.raises(SourceSchemaError, match="insee_com"):
        anct_programmes.parse_list(BY_KEY["pvd"], resource_of("pvd"), body, load_cog())


@needs_shared
@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r | {"insee_com": r["insee_com"].lstrip("0")}, "code commune"),
    (lambda r: r | {"date_signature": "bientôt"}, "date de signature illisible"),
])
def test_a_malformed_value_is_a_schema_error(change, message):
    rows = real_rows("id_pvd")
    rows[0] = change(rows[0])  # 07341: its leading zero lost, or a date that is not one
    with pytest.raises(SourceSchemaError, match=message):
        anct_programmes.parse_list(BY_KEY["pvd"], resource_of("pvd"), pvd_csv(rows), load_cog())


def test_codes_of_merged_communes_go_to_the_commune_nouvelle():
    cog = load_cog()
    # Tessy-Bocage (50592) merged, among others, 50180 and 50649 (COG index shipped with diagterr).
    assert [current_commune(c, cog) for c in ("50180", "50649", "50592")] == ["50592"] * 3
    assert current_commune("99999", cog) is None


# -- online step and section ---------------------------------------------------------------------


def answer_every_list(mocked, pvd_body: bytes) -> None:
    for key in ("pvd", "acv", "va", "ti", "crte", "ort"):
        add_listing(mocked, key, listing(key))
    mocked.get(newest_url("pvd"), body=pvd_body)
    mocked.get(newest_url("acv"), body=acv_csv())
    mocked.get(newest_url("va"), body=va_csv())
    mocked.get(newest_url("crte"), body=crte_csv())
    mocked.get(ort_url(), body=ort_workbook())


def programme_rows(section) -> list[tuple]:
    table = next(b for b in section.blocks if getattr(b, "title", "") == "Programmes par commune")
    return list(table.rows)


@needs_shared
def test_the_online_lists_replace_the_samples_rows_of_their_programmes(mocked, client, tmp_path):
    """A PVD list trimmed to the REAL row of Sain-Bel (a test file: the real list is national):
    L'Arbresle, PVD in the samples' table, is no longer shown as PVD; France services, not fetched
    here, keeps the samples' rows; the ORT comes from the workbook (real rows) with its signature
    date; the TI list that cannot be found is a gap naming it, and the others are written."""
    answer_every_list(mocked, pvd_csv([r for r in real_rows("id_pvd") if r["insee_com"] == "69171"]))
    store = Store([tmp_path / "store", samples_dir()])
    step = next(s for s in online.FETCHERS if s.source_id == anct_programmes.SOURCE_ID)
    with pytest.raises(SourceError, match="Territoires d'industrie"):
        step.fetch(FetchContext(client, store, resolve_territory(epci="246900625")))
    assert len(mocked.calls) == 11  # six listings, five files
    section = programmes.analyse(Figures(store, resolve_territory(epci="246900625")))
    rows = programme_rows(section)
    assert ("Sain-Bel", "Petites villes de demain", "identifiant pvd-84-69-16") in rows
    assert not any(r[:2] == ("L'Arbresle", "Petites villes de demain") for r in rows)
    assert ("Bessenay", "Villages d'avenir", "identifiant va-69-02") in rows
    assert any(r[:2] == ("L'Arbresle", "France services") for r in rows)
    assert ("L'Arbresle", "Opération de revitalisation de territoire (ORT)",
            "2. Commune PVD ; signée ; signature le 22 mars 2023 ; fiche actualisée le 8 juin 2023") in rows
    notes = [b.text for b in section.blocks if hasattr(b, "text")]
    assert any("Petites villes de demain (liste-pvd-com2025-20260427.csv)" in n
               and "Villages d'avenir (liste-va-com2025-20260602.csv)" in n for n in notes)
    pvd = next(i for b in section.blocks if hasattr(b, "indicators") for i in b.indicators
               if i.id == "programme_pvd")
    assert (pvd.value, pvd.note) == (1.0, "Sain-Bel")
    assert pvd.source.source_id == "anct_datagouv"


@needs_shared
def test_a_second_fetch_is_served_by_the_cache(mocked, client, tmp_path):
    answer_every_list(mocked, pvd_csv())
    store = Store([tmp_path / "store", samples_dir()])
    for _ in range(2):
        with pytest.raises(SourceError, match="Territoires d'industrie"):
            anct_programmes.fetch_lists(client, store)
    assert client.stats["anct_datagouv"].network == 11
    frame = store.read(PROGRAMMES_ANCT.name)
    assert set(frame["liste"]) == {"pvd", "acv", "va", "crte", "ort"}
    assert re.search("Action cœur de ville : liste-acv-com2025-20250704.csv", store.manifest(PROGRAMMES_ANCT.name).vintage)


# -- CRTE: signatory groupements -----------------------------------------------------------------


def crte_rows() -> list[dict[str, str]]:
    """One row per (REAL id_crte of the ANCT table, REAL EPCI of its communes in the COG index):
    siren_epci, lib_groupement and nature_juridique are the EPCI's SIREN, name and type of the COG
    index; type_grp_crte and date_signature are left empty (no real value in ../shared)."""
    cog = load_cog()
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for record in real_rows("id_crte"):
        code = current_commune(record["insee_com"], cog)
        epci = cog.epci_of_commune(code) if code else None
        if epci is not None:
            pairs[(record["id_crte"], epci.code)] = {"siren_epci": epci.code, "lib_groupement": epci.name,
                                                     "nature_juridique": epci.type, "id_crte": record["id_crte"]}
    return list(pairs.values())


def crte_csv(rows: list[dict[str, str]] | None = None, header: list[str] = CRTE_HEADER) -> bytes:
    """The « suivi du périmètre » in its documented columns (APIS.md §8.1), plus `id_crte`, read
    when present (third-party readers of this file read it)."""
    return list_csv(header, crte_rows() if rows is None else rows)


@needs_shared
def test_a_crte_signed_by_an_epci_covers_each_of_its_communes():
    frame = anct_programmes.parse_list(BY_KEY["crte"], resource_of("crte"), crte_csv(), load_cog())
    arbresle = load_cog().epci("246900625")
    covered = frame[frame["commune"].isin(arbresle.members)]
    assert set(covered["commune"]) == set(arbresle.members)
    expected = {r["id_crte"] for r in real_rows("id_crte") if r["insee_com"] == "69010"}
    assert set(covered["identifiant"]) == expected
    assert set(covered["detail"]) == {f"signataire : {arbresle.name}"}
    assert (covered["programme"] == CRTE.label).all()


@needs_shared
def test_a_commune_signatory_stands_for_itself_and_an_unknown_siren_for_none():
    cog = load_cog()
    arbresle = cog.commune("69010")
    rows = [{"siren_epci": arbresle.siren, "lib_groupement": arbresle.name, "nature_juridique": "COM",
             "id_crte": "crte-84-69-2"},
            {"siren_epci": "000000000", "lib_groupement": "SIREN absent du COG (test)", "nature_juridique": "CC"}]
    frame = anct_programmes.parse_list(BY_KEY["crte"], resource_of("crte"), crte_csv(rows), cog)
    assert list(frame["commune"]) == ["69010"]


@needs_shared
@pytest.mark.parametrize(("change", "message"), [
    (lambda h: [c for c in h if c != "nature_juridique"], "nature_juridique"),
    (lambda h: [c if c != "siren_epci" else "siren_groupement" for c in h], "siren_epci"),
])
def test_a_crte_file_without_a_documented_column_is_a_schema_error(change, message):
    with pytest.raises(SourceSchemaError, match=message):
        anct_programmes.parse_list(BY_KEY["crte"], resource_of("crte"), crte_csv(header=change(CRTE_HEADER)),
                                   load_cog())


@needs_shared
def test_a_malformed_siren_is_a_schema_error():
    rows = crte_rows()
    rows[0] = rows[0] | {"siren_epci": rows[0]["siren_epci"][:8]}
    with pytest.raises(SourceSchemaError, match="SIREN"):
        anct_programmes.parse_list(BY_KEY["crte"], resource_of("crte"), crte_csv(rows), load_cog())


# -- ORT: the workbook ---------------------------------------------------------------------------


def ort_url() -> str:
    return next(r["url"] for r in listing("ort")["data"] if r["id"] == anct_ort.RESOURCE_ID)


def ort_records() -> list[dict[str, str]]:
    """The REAL rows of the ORT table in ../shared/data (the ANCT table, as a CSV)."""
    with ORT_TABLE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ort_workbook(records: list[dict[str, Any]] | None = None, sheet: str = anct_ort.SHEET,
                 drop: str | None = None) -> bytes:
    """A workbook in the documented shape (XLSX, sheet « Suivi conventions ») holding the REAL rows
    of ORT_TABLE: text cells as in the table, the signature dates as date cells (as a spreadsheet
    holds them)."""
    records = ort_records() if records is None else records
    header = [c for c in records[0] if c != drop]
    book = openpyxl.Workbook()
    book.active.title = sheet
    book.active.append(header)
    for record in records:
        cells = []
        for column in header:
            value = record[column]
            if column == anct_ort.SIGNED_ON and isinstance(value, str) and value:
                value = datetime.fromisoformat(value)
            cells.append(value)
        book.active.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ort_resource() -> datagouv.Resource:
    item = next(r for r in listing("ort")["data"] if r["id"] == anct_ort.RESOURCE_ID)
    return datagouv._resource(item, BY_KEY["ort"].dataset_id)


@needs_shared
def test_the_real_ort_rows_keep_status_signature_date_and_update():
    frame = anct_ort.parse_workbook(ort_workbook(), ort_resource(), load_cog())
    by_commune = frame.set_index("commune")
    assert by_commune.loc["69010", "date_signature"] == "2023-03-22"
    assert by_commune.loc["69010", "detail"] == "2. Commune PVD ; signée"
    assert by_commune.loc["69010", "mise_en_ligne"] == "2023-06-08"
    tessy = by_commune.loc["50592"]
    assert pd.isna(tessy["date_signature"]) and tessy["detail"] == "3. Autre ; non signée ; avancement : Phase d'étude"
    assert len(frame) == len(ort_records())


@needs_shared
def test_a_code_read_as_a_number_gets_its_leading_zero_back():
    records = ort_records()
    records[0] = records[0] | {"Code commune": 7341}
    frame = anct_ort.parse_workbook(ort_workbook(records), ort_resource(), load_cog())
    assert "07341" in set(frame["commune"])


@needs_shared
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sheet": "Feuille 1"}, "Suivi conventions"),
    ({"drop": "Signée ?"}, "Signée \\?"),
    ({"drop": "Code commune"}, "Code commune"),
])
def test_a_workbook_of_another_shape_is_a_schema_error(kwargs, message):
    with pytest.raises(SourceSchemaError, match=message):
        anct_ort.parse_workbook(ort_workbook(**kwargs), ort_resource(), load_cog())


@needs_shared
def test_an_unreadable_ort_date_is_a_schema_error():
    records = ort_records()
    records[2] = records[2] | {"Dernière actualisation": "juin 2023"}
    with pytest.raises(SourceSchemaError, match="Dernière actualisation"):
        anct_ort.parse_workbook(ort_workbook(records), ort_resource(), load_cog())


def test_a_csv_body_is_not_read_as_the_workbook():
    with pytest.raises(SourceSchemaError, match="XLSX"):
        anct_ort.parse_workbook(b"Code commune,Signee\n69010,Oui\n", ort_resource(), load_cog())


def test_the_ort_resource_gone_from_the_dataset_is_a_gap_naming_it(mocked, client, tmp_path):
    body = listing("ort")
    body["data"] = [r for r in body["data"] if r["id"] != anct_ort.RESOURCE_ID]
    add_listing(mocked, "ort", body)
    with pytest.raises(SourceError, match="ec3eb2fc"):
        anct_programmes.fetch_lists(client, Store([tmp_path]), [BY_KEY["ort"]])


@needs_shared
def test_online_crte_and_ort_reach_the_section_with_their_dates(mocked, client, tmp_path):
    answer_every_list(mocked, pvd_csv())
    store = Store([tmp_path / "store", samples_dir()])
    with pytest.raises(SourceError, match="Territoires d'industrie"):
        anct_programmes.fetch_lists(client, store)
    section = programmes.analyse(Figures(store, resolve_territory(epci="246900625")))
    notes = [b.text for b in section.blocks if hasattr(b, "text")]
    crte = next(n for n in notes if n.startswith("Contrat(s) pour la réussite"))
    assert "signataire : CC du Pays de l'Arbresle" in crte
    assert f"{len(load_cog().epci('246900625').members)} communes du périmètre" in crte
    assert "couvre toutes ses communes membres" in crte
    rows = programme_rows(section)
    assert ("Sain-Bel", "Opération de revitalisation de territoire (ORT)",
            "2. Commune PVD ; signée ; signature le 22 mars 2023 ; fiche actualisée le 8 juin 2023") in rows
    ort = next(i for b in section.blocks if hasattr(b, "indicators") for i in b.indicators
               if i.id == "programme_ort")
    assert ort.source.source_id == "anct_datagouv" and ort.note == "L'Arbresle, Sain-Bel"


def test_the_counts_have_stable_ids_and_a_previous_edition_is_read_under_them():
    """The ids of indicateurs.json are chosen by hand (an interface for spreadsheets); a previous
    edition written with the ids derived from the labels is compared under the new ones: the
    chapter « Ce qui a changé » lists no programme as removed and new."""
    from diagterr.edition_changes import changes_section
    from diagterr.pipeline import RunOptions, build_dossier
    from diagterr.tables.programmes import FORMER_INDICATOR_IDS, HEADLINE

    dossier = build_dossier(resolve_territory(commune="07341"), Store([samples_dir()]), RunOptions(Path("unused")),
                            [], [])
    ids = [i.id for _, i in dossier.indicators() if i.id.startswith("programme_")]
    assert ids == ["programme_pvd", "programme_acv", "programme_villages_avenir", "programme_territoires_industrie",
                   "programme_france_services", "programme_ort"]
    assert ids == [p.indicator for p in HEADLINE] and all(i.isascii() for i in ids)
    former = {new: old for old, new in FORMER_INDICATOR_IDS.items()}
    previous = {"indicators": [
        {"id": former.get(i.id, i.id), "label": i.label, "value": i.value, "period": i.period,
         "vintage": i.source.vintage, "geo_vintage": i.source.geo_vintage}
        for _, i in dossier.indicators()
    ], "territory": {"communes": [{"code": code} for code, _ in dossier.territory.communes]}}
    assert changes_section(previous, dossier) is None


def test_every_text_of_the_chapter_is_used_and_every_use_exists():
    from diagterr.texts import keys

    source = Path(programmes.__file__).read_text("utf-8")
    assert set(re.findall(r'"programmes\.([a-z0-9_]+)"', source)) == keys("programmes")
