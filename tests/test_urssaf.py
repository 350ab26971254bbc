"""URSSAF open data (open.urssaf.fr, Explore v2.1), on bodies in the DOCUMENTED shape.

No real record of the commune × APE dataset exists anywhere we can read (APIS.md §6). The bodies
below are written in code, in the documented envelope `{"total_count": N, "results": [...]}`,
with the field names APIS.md lists, and with VALUES TAKEN FROM A REAL FILE: the URSSAF
private-sector headcounts (`eff_total`) of ../shared/data/raw/ptod-observatoire-territorial/
urssaf_serie_indice100.trimmed.parquet, read at test time (a third-party republication of URSSAF
figures, see SOURCES.md §4d). What is OURS: one record per commune holding the commune's total
(the real dataset has one record per APE code: `code_ape`, `ape` and `grand_secteur_d_activite`
are null here rather than invented), `intitule_commune` built from the shipped COG index, and
the paging fields. No establishment counts: the real file has none, so none are written.

Every response is replayed with `responses`; the network is blocked (pytest-socket).
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from diagterr.cog import load_cog
from diagterr.errors import BadInputError, SourceError, SourceSchemaError
from diagterr.sources import urssaf
from diagterr.store import OBSERVATION_COLUMNS
from diagterr.tables.economy import URSSAF_JOBS
from helpers import SHARED, needs_shared

PTOD = SHARED / "data/raw/ptod-observatoire-territorial/urssaf_serie_indice100.trimmed.parquet"


def real_headcounts(code: str) -> dict[str, int]:
    """Year → `eff_total` of a commune in the real (third-party) file."""
    frame = pd.read_parquet(PTOD)
    rows = frame[(frame["echelon"] == "communes") & (frame["code"] == code)]
    return {str(r.year): int(r.eff_total) for r in rows.itertuples()}


def documented_record(code: str) -> dict[str, Any]:
    """One record in the documented field names; the headcounts are the commune's real ones."""
    names = {c.code: c.name for c in load_cog().all_communes()}
    record: dict[str, Any] = {
        "code_commune": code,
        "intitule_commune": f"{code} {names[code]}",  # shape of the documented "94065 Rungis"
        "code_departement": code[:2],
        "code_ape": None,  # OURS: the real dataset splits a commune by APE; these rows are totals
        "ape": None,
        "grand_secteur_d_activite": None,
    }
    for year, value in real_headcounts(code).items():
        record[f"effectifs_salaries_{year}"] = value
    return record


def envelope(*records: dict[str, Any], total: int | None = None) -> dict[str, Any]:
    """The Explore v2.1 `/records` envelope (DOCUMENTED) around `records`."""
    return {"total_count": len(records) if total is None else total, "results": [copy.deepcopy(r) for r in records]}


def records_url(codes: list[str], offset: int = 0, limit: int = urssaf.PAGE_SIZE) -> str:
    from diagterr.sources.http import url_with_params

    return url_with_params(urssaf.RECORDS_URL, urssaf.records_params(codes, offset, limit))


def test_the_query_is_the_documented_odsql_filter_ordered_for_stable_pages():
    params = urssaf.records_params(["69010", "07341"])
    assert params["where"] == 'code_commune IN ("69010", "07341")'
    assert params["order_by"] == "code_commune, code_ape"
    assert params["limit"] == "100" and params["offset"] == "0"
    assert urssaf.RECORDS_URL == (
        "https://open.urssaf.fr/api/explore/v2.1/catalog/datasets/"
        "etablissements-et-effectifs-salaries-au-niveau-commune-x-ape-last/records"
    )
    with pytest.raises(ValueError):
        urssaf.records_params(["69010"], limit=101)  # the API caps `limit` at 100
    with pytest.raises(BadInputError, match="7341"):
        urssaf.where_communes(["7341"])  # a code that lost its leading zero is refused, not guessed


@needs_shared
def test_a_commune_gives_its_real_headcounts_as_tidy_observations(client, mocked):
    record = documented_record("69010")
    mocked.get(records_url(["69010"]), json=envelope(record))
    table = urssaf.fetch_salaried_jobs(client, ["69010"], retrieved_at="2026-11-21")
    frame = table.frame
    assert list(frame.columns) == list(OBSERVATION_COLUMNS)
    assert set(frame["variable"]) == {URSSAF_JOBS}
    values = dict(zip(frame["period"], frame["value"], strict=True))
    assert values == {year: float(v) for year, v in real_headcounts("69010").items()}
    assert values["2014"] == 2046.0 and values["2024"] == 2088.0  # L'Arbresle in the real file
    assert frame["status"].isna().all() and set(frame["geo_level"]) == {"COM"}
    manifest = table.manifest
    assert manifest.source_id == "urssaf_open_data" and manifest.vintage == "URSSAF 2014-2024"
    assert manifest.origin == records_url(["69010"]) and manifest.retrieved_at == "2026-11-21"
    assert len(mocked.calls) == 1


@needs_shared
def test_pages_are_read_by_offset_until_total_count(client, mocked):
    first, second = documented_record("69010"), documented_record("69021")
    mocked.get(records_url(["69010", "69021"], 0, 1), json=envelope(first, total=2))
    mocked.get(records_url(["69010", "69021"], 1, 1), json=envelope(second, total=2))
    records, urls = urssaf.fetch_records(client, ["69021", "69010"], page_size=1)
    assert [r["code_commune"] for r in records] == ["69010", "69021"]
    assert urls == [records_url(["69010", "69021"], 0, 1), records_url(["69010", "69021"], 1, 1)]


@needs_shared
def test_a_commune_code_without_its_leading_zero_is_padded(client, mocked):
    record = documented_record("07341")
    record["code_commune"] = 7341  # what a CSV round trip or an integer field gives
    mocked.get(records_url(["07341"]), json=envelope(record))
    frame = urssaf.fetch_salaried_jobs(client, ["07341"]).frame
    assert set(frame["geo_code"]) == {"07341"}


@needs_shared
def test_a_null_year_is_missing_never_zero_and_the_commune_total_is_not_a_partial_sum():
    first, second = documented_record("69010"), documented_record("69010")
    second["effectifs_salaries_2024"] = None  # OURS: the null of a secret or missing year
    frame = urssaf.observations([first, second])
    row = frame[frame["period"] == "2024"].iloc[0]
    assert pd.isna(row["value"]) and row["status"] == "absent"
    both = frame[frame["period"] == "2014"].iloc[0]
    assert both["value"] == 2 * real_headcounts("69010")["2014"]  # two APE rows are summed


@needs_shared
def test_a_record_without_the_documented_fields_names_what_is_missing(client, mocked):
    record = documented_record("69010")
    del record["code_ape"]
    for key in [k for k in record if k.startswith("effectifs_salaries_")]:
        del record[key]
    mocked.get(records_url(["69010"]), json=envelope(record))
    with pytest.raises(SourceSchemaError) as error:
        urssaf.fetch_records(client, ["69010"])
    assert "« code_ape »" in str(error.value) and "effectifs_salaries_<année>" in str(error.value)


def test_an_envelope_without_total_count_is_a_schema_error(client, mocked):
    mocked.get(records_url(["69010"]), json={"results": []})
    with pytest.raises(SourceSchemaError, match="total_count"):
        urssaf.fetch_records(client, ["69010"])


def test_more_records_than_the_offset_cap_asks_for_the_export(client, mocked):
    mocked.get(records_url(["69010"]), json={"total_count": 10_001, "results": []})
    with pytest.raises(SourceError, match="10000 enregistrements|export"):
        urssaf.fetch_records(client, ["69010"])
    assert len(mocked.calls) == 1  # the refused page beyond the cap is never asked


def test_a_commune_without_record_has_no_row(client, mocked):
    mocked.get(records_url(["07242"]), json=envelope())
    table = urssaf.fetch_salaried_jobs(client, ["07242"])
    assert table.frame.empty
    assert "07242" in table.manifest.method
