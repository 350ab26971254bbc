"""Every online parser: the fields it reads are required, a field it does not read is tolerated
(issue 15, point 5). A provider adding a column or a key must not take a chapter away.

Audit of sources/*.py at the start of issue 15: Géorisques (every key checked against the
documented list), the QPV list (header compared whole) and the INSEE table de passage (header
compared whole) refused any extra field: the first tests below fail on that code. The other parsers
(API Géo, Melodi, Open-Meteo, recherche-entreprises, Cartofriches, Cerema, data.gouv.fr, ANCT,
URSSAF, TRACC) already read named fields only; the guards at the end hold them to it, on the REAL
specimens (tests/specimens.py) with one field added by the test.

What is real: the specimens named, read in place. What is ours: the field added to each variant
(`champ_ajoute_par_le_test`), and the SYNTHETIC Géorisques and QPV bodies of test_georisques.py and
tests/fixtures/programmes (no real body of either was ever recorded, APIS.md §4, §8.1).
"""

from __future__ import annotations

import copy

import pytest

from diagterr.errors import SourceSchemaError
from diagterr.sources import geo_api, georisques, melodi, open_meteo, qpv
from diagterr.sources import insee_table_passage as passage
from diagterr.sources import recherche_entreprises as re_api
from specimens import MELODI_COM_44109, geo_default_item, load_json, needs_specimens
from test_georisques import PARIS, URL, envelope, risques_body, zonage_body
from test_qpv import FICTIONAL_LIST, resource
from test_table_passage import FUSION_ROWS, PASSAGE_ROWS, workbook

EXTRA = "champ_ajoute_par_le_test"

# -- parsers that were strict ------------------------------------------------------------------------


def test_a_zonage_item_listing_libelle_commune_is_read(mocked, client):
    """A third-party declaration of `zonage_sismique` lists `libelle_commune` beside the documented keys."""
    body = zonage_body()
    body["data"][0]["libelle_commune"] = "Paris"
    mocked.get(f"{URL}/zonage_sismique", json=body)
    assert georisques.fetch_zonage_sismique(client, PARIS) == ("2", "2 - FAIBLE")


def test_georisques_extra_keys_in_the_envelope_items_and_details_are_tolerated(mocked, client, caplog):
    body = risques_body()
    body[EXTRA] = 1
    body["data"][0][EXTRA] = "x"
    body["data"][0]["risques_detail"][0][EXTRA] = None
    mocked.get(f"{URL}/gaspar/risques", json=body)
    with caplog.at_level("DEBUG", logger="diagterr.sources.georisques"):
        assert georisques.fetch_risques(client, PARIS) == ("Paris", [{"code": "11", "libelle": "Inondation"}])
    assert all(r.levelname == "DEBUG" for r in caplog.records if EXTRA in r.getMessage())


def test_georisques_a_required_field_of_the_wrong_type_still_fails(mocked, client):
    body = envelope([{"code_insee": PARIS, "code_zone": 2, "zone_sismicite": "2 - FAIBLE", EXTRA: "x"}])
    mocked.get(f"{URL}/zonage_sismique", json=body)
    with pytest.raises(SourceSchemaError, match="« code_zone »"):
        georisques.fetch_zonage_sismique(client, PARIS)


def test_a_qpv_list_with_one_more_column_gives_the_same_rows():
    lines = FICTIONAL_LIST.decode("utf-8-sig").splitlines()
    widened = "\n".join([f"{lines[0]};{EXTRA}", *(f"{line};x" for line in lines[1:] if line)]).encode()
    assert qpv.parse_list(widened, resource()).equals(qpv.parse_list(FICTIONAL_LIST, resource()))


def test_a_qpv_list_without_a_documented_column_still_fails():
    lines = FICTIONAL_LIST.decode("utf-8-sig").splitlines()
    renamed = "\n".join([lines[0].replace("lib_epci", "libelle_epci"), *lines[1:]]).encode()
    with pytest.raises(SourceSchemaError, match="colonnes absentes : lib_epci"):
        qpv.parse_list(renamed, resource())


def test_a_table_de_passage_with_one_more_column_gives_the_same_lineage():
    widened = workbook(passage_header=("CODGEO_INI", "CODGEO_2025", "LIBGEO_2025", EXTRA),
                       passage_rows=[(*row, "x") for row in PASSAGE_ROWS],
                       fusion_header=[*passage.CHANGE_HEADER, EXTRA], fusion_rows=[(*r, "x") for r in FUSION_ROWS])
    frame, year = passage.parse(widened)
    expected, expected_year = passage.parse(workbook())
    assert year == expected_year and frame.equals(expected)


# -- guards: parsers that read named fields only --------------------------------------------------------


@needs_specimens
def test_guard_api_geo_reads_a_real_item_with_one_more_property(mocked, client):
    item = geo_default_item("communes_item")
    item[EXTRA] = "x"
    mocked.get("https://geo.api.gouv.fr/communes/01001", json=item)
    assert geo_api.fetch_commune(client, "01001")["codeEpci"] == "200069193"


@needs_specimens
def test_guard_melodi_reads_a_real_body_with_one_more_key_per_level(mocked, client):
    body = load_json(MELODI_COM_44109)
    body[EXTRA] = "x"
    for observation in body["observations"]:
        observation[EXTRA] = {"x": 1}
    url = melodi.data_url("DS_POPULATIONS_REFERENCE", {}, geo="COM-44109", extra=[("maxResult", "10000")])
    mocked.get(url, json=body)
    observations = melodi.fetch_observations(client, "DS_POPULATIONS_REFERENCE", {}, geo="COM-44109")
    assert {o.dimension("POPREF_MEASURE"): o.value for o in observations}["PMUN"] == 327734.0


@needs_specimens
def test_guard_open_meteo_reads_a_real_archive_body_with_one_more_key():
    body = load_json("openmeteo__archive_daily_temperature_2m_max_timezone.json")
    plain = open_meteo.parse_daily(copy.deepcopy(body), ["temperature_2m_max"], "specimen")
    body[EXTRA] = "x"
    body["daily"][f"{EXTRA}_daily"] = [None] * len(body["daily"]["time"])
    widened = open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen")
    assert widened.days == plain.days and (widened.values["temperature_2m_max"] == plain.values["temperature_2m_max"]).all()


@needs_specimens
def test_guard_recherche_entreprises_reads_a_real_ish_answer_with_one_more_key():
    body = load_json("recherche_entreprises__search_commune_coise_2023.json")
    body[EXTRA] = 1
    body["results"][0][EXTRA] = "x"
    body["results"][0]["siege"][EXTRA] = "x"
    [coise] = re_api.parse_establishments(body, "coise", communes=["69062"])
    assert coise.siret == "21690062100014"
