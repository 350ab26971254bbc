"""INSEE Melodi source, on the REAL bodies recorded by INSEE's R package.

The bodies are the specimens of ../shared/sources/specimens, read in place; the variants the
tests need (pages, a secret measure, a catalogue array…) are built from them by tests/specimens.py.
Tests that read a specimen skip where ../shared is absent. The few bodies the project wrote
itself (comparison levels) are in tests/fixtures/melodi (README there).

Every response is replayed with `responses`; the network is blocked (pytest-socket). The client
is an in-memory HttpClient whose sleep and clock are fakes: nothing waits.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import responses

from diagterr.errors import BadInputError, SourceError, SourceSchemaError
from diagterr.sources import melodi
from diagterr.sources.http import SourceStats
from diagterr.sources.melodi import (
    BASE_URL,
    CatalogEntry,
    Observation,
    data_url,
    fetch_catalog,
    fetch_catalog_entry,
    fetch_code_list,
    fetch_count,
    fetch_observations,
    fetch_range,
    latest_period,
    observations_for_territory,
    request_count_for,
    territory_requests,
)
from diagterr.sources.registry import SOURCES
from diagterr.store import OBSERVATION_COLUMNS, Store
from diagterr.territory import resolve_territory
from specimens import (
    MELODI_CATALOG_DS_EC_DECES,
    MELODI_CATALOG_SUBSET,
    MELODI_COM_44109,
    MELODI_EPCI_STAR_COM,
    MELODI_UNKNOWN_DATASET_500,
    catalog_all,
    dumps,
    load_bytes,
    load_json,
    needs_specimens,
    two_pages,
    with_first_url,
    with_secret_measure,
)

WRITTEN = Path(__file__).parent / "fixtures" / "melodi"  # bodies the project wrote (README there)
POPREF = "DS_POPULATIONS_REFERENCE"
DATA = f"{BASE_URL}/data/{POPREF}"
pytestmark = pytest.mark.waits  # retries are tested: `client` waits on fake_time


def first_url(name: str) -> str:
    """The request URL a REAL body records in `paging.first`, without its `&page=1`."""
    return load_json(name)["paging"]["first"].removesuffix("&page=1")


def written(name: str) -> bytes:
    """A body the project wrote in the shape of the specimens (tests/fixtures/melodi/README.md)."""
    return (WRITTEN / name).read_bytes()


def pcap_index(body: Mapping[str, Any]) -> int:
    return next(i for i, o in enumerate(body["observations"]) if o["dimensions"]["POPREF_MEASURE"] == "PCAP")


def secret_com_44109() -> dict[str, Any]:
    """The REAL COM-44109 body with its PCAP measure blanked to `{}` (the secret shape)."""
    real = load_json(MELODI_COM_44109)
    return with_secret_measure(real, pcap_index(real))


def epci_pages() -> tuple[dict[str, Any], dict[str, Any]]:
    """The REAL EPCI-244400404*COM observations in two pages (1-40, 41-72) of our client's URL."""
    return two_pages(load_json(MELODI_EPCI_STAR_COM), popref_url("EPCI-244400404*COM"), at=40)


def catalog_body() -> bytes:
    """`/catalog/all` built from the REAL subset and the REAL DS_EC_DECES item."""
    subset = load_json(MELODI_CATALOG_SUBSET)["datasets"]
    return dumps(catalog_all(subset, load_json(MELODI_CATALOG_DS_EC_DECES)))



def serve(mocked: responses.RequestsMock, url: str, content: str | bytes | Any, **kwargs: Any) -> None:
    """Answer exactly `url` (query string included) with a specimen (by name, verbatim), bytes,
    or a built body."""
    if isinstance(content, str):
        content = load_bytes(content)
    elif not isinstance(content, bytes):
        content = dumps(content)
    mocked.get(url, body=content, content_type="application/json", **kwargs)


def popref_url(geo: str, **filters: str) -> str:
    return data_url(POPREF, filters, geo=geo, extra=[("maxResult", "10000")])


def urls_called(mocked: responses.RequestsMock) -> list[str]:
    return [call.request.url for call in mocked.calls]


# -- /data: parsing the REAL bodies -------------------------------------------------------------


@needs_specimens
def test_commune_body_values_geo_split_and_cog_year(mocked, client):
    url = popref_url("COM-44109", FREQ="A")
    assert url == f"{DATA}?FREQ=A&GEO=COM-44109&maxResult=10000"
    serve(mocked, url, MELODI_COM_44109)

    observations = fetch_observations(client, POPREF, {"FREQ": "A"}, geo="COM-44109")

    by_measure = {o.dimension("POPREF_MEASURE"): o for o in observations}
    assert {k: o.value for k, o in by_measure.items()} == {"PMUN": 327734.0, "PTOT": 332515.0, "PCAP": 4781.0}
    pmun = by_measure["PMUN"]
    assert (pmun.geo_level, pmun.geo_code, pmun.cog_year) == ("COM", "44109", 2025)
    assert pmun.time_period == "2023"
    assert pmun.dimensions == (("FREQ", "A"), ("POPREF_MEASURE", "PMUN"))
    assert (pmun.status, pmun.attributes, pmun.measure) == (None, (), "OBS_VALUE_NIVEAU")
    assert latest_period(observations) == "2023"
    assert urls_called(mocked) == [url]
    assert client.stats["insee_melodi"] == SourceStats(network=1, cache_hits=0, retries=0)


@needs_specimens
def test_epci_star_com_sends_star_as_percent_2a_and_returns_every_commune(mocked, client):
    real = load_json(MELODI_EPCI_STAR_COM)
    url = popref_url("EPCI-244400404*COM")
    assert "GEO=EPCI-244400404%2ACOM" in url
    assert url.startswith(first_url(MELODI_EPCI_STAR_COM).split("&")[0])
    serve(mocked, url, MELODI_EPCI_STAR_COM)

    observations = fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")

    assert len(observations) == len(real["observations"]) == 72
    assert load_json("melodi__data_popref_EPCI-244400404_starCOM_count.json")["paging"]["count"] == 72
    assert {o.geo_level for o in observations} == {"COM"}
    assert {o.cog_year for o in observations} == {2025}
    assert len({o.geo_code for o in observations}) == 24
    assert "GEO=EPCI-244400404%2ACOM" in mocked.calls[0].request.url
    nantes = [o for o in observations if o.geo_code == "44109" and o.dimension("POPREF_MEASURE") == "PMUN"]
    assert [o.value for o in nantes] == [327734.0]


@needs_specimens
def test_departement_body(mocked, client):
    serve(mocked, popref_url("DEP-69"), "melodi__data_popref_DEP-69.json")
    observations = fetch_observations(client, POPREF, {}, geo="DEP-69")
    assert {(o.geo_level, o.geo_code, o.dimension("POPREF_MEASURE"), o.value) for o in observations} == {
        ("DEP", "69", "PMUN", 1914667.0),
        ("DEP", "69", "PCAP", 25348.0),
        ("DEP", "69", "PTOT", 1940015.0),
    }


@needs_specimens
def test_a_filter_without_match_is_an_empty_list(mocked, client):
    url = popref_url("COM-44109", TIME_PERIOD="1900")
    serve(mocked, url, "melodi__data_popref_empty_TIME_PERIOD-1900.json")
    assert fetch_observations(client, POPREF, {"TIME_PERIOD": "1900"}, geo="COM-44109") == []
    assert latest_period([]) is None


@needs_specimens
@pytest.mark.parametrize(
    ("name", "filters", "geo", "count"),
    [
        ("melodi__data_popref_COM-44109_count.json", {"FREQ": "A"}, "COM-44109", 3),
        ("melodi__data_popref_EPCI-244400404_starCOM_count.json", {}, "EPCI-244400404*COM", 72),
        ("melodi__data_popref_empty_TIME_PERIOD-1900.json", {"TIME_PERIOD": "1900"}, "COM-44109", 0),
        ("melodi__data_popref_nofilter_count.json", {}, None, 106065),
    ],
)
def test_count_requests_are_the_recorded_urls_and_read_paging_count(mocked, client, name, filters, geo, count):
    url = first_url(name)  # the URL INSEE's R package sent, as the server echoed it
    serve(mocked, url, name)
    assert fetch_count(client, POPREF, filters, geo=geo) == count
    assert urls_called(mocked) == [url]


@needs_specimens
def test_attributes_are_kept(mocked, client):
    filters = {"IND_TYPE": "IX", "TIME_PERIOD": "2026-01", "PRODUCT_GROUP": "4000"}
    url = data_url("DS_IPC_PRINC", filters, geo="DEP-974", extra=[("maxResult", "10000")])
    serve(mocked, url, "melodi__data_ipc_attributes_DEP-974.json")

    [observation] = fetch_observations(client, "DS_IPC_PRINC", filters, geo="DEP-974")

    assert observation.attributes == (("CONF_STATUS", "F"), ("DECIMALS", "2"), ("OBS_STATUS", "A"))
    assert observation.attribute("OBS_STATUS") == "A"
    assert (observation.value, observation.status, observation.measure) == (99.14, None, "OBS_VALUE_INDICE_DE_PRIX")
    assert (observation.geo_level, observation.geo_code, observation.time_period) == ("DEP", "974", "2026-01")
    assert latest_period([observation]) == "2026-01"


# -- secrecy ----------------------------------------------------------------------------------


@needs_specimens
def test_an_empty_measure_is_secret_and_never_zero(mocked, client):
    serve(mocked, popref_url("COM-44109"), secret_com_44109())
    observations = fetch_observations(client, POPREF, {}, geo="COM-44109")
    pcap = next(o for o in observations if o.dimension("POPREF_MEASURE") == "PCAP")
    assert (pcap.value, pcap.status) == (None, "secret")
    others = [o for o in observations if o is not pcap]
    assert [o.status for o in others] == [None, None]


def _variant(change) -> bytes:
    real = load_json(MELODI_COM_44109)
    change(real["observations"][pcap_index(real)])
    return dumps(real)


@needs_specimens
@pytest.mark.parametrize(
    "change",
    [
        lambda o: o.update(measures={"OBS_VALUE_NIVEAU": {"value": None}}),
        lambda o: o.update(attributes={"OBS_STATUS": "L"}),  # a missing status beside a value
        lambda o: o.update(measures={}),
    ],
    ids=["value-null", "obs-status-L", "no-measure"],
)
def test_other_secret_shapes_are_secret(mocked, client, change):
    mocked.get(popref_url("COM-44109"), body=_variant(change), content_type="application/json")
    observations = fetch_observations(client, POPREF, {}, geo="COM-44109")
    pcap = next(o for o in observations if o.dimension("POPREF_MEASURE") == "PCAP")
    assert (pcap.value, pcap.status) == (None, "secret")


# -- pagination --------------------------------------------------------------------------------


@needs_specimens
def test_pages_are_followed_through_paging_next_until_is_last(mocked, client):
    page1, page2 = epci_pages()
    serve(mocked, popref_url("EPCI-244400404*COM"), page1)
    serve(mocked, page1["paging"]["next"], page2)
    serve(mocked, popref_url("DEP-69"), MELODI_EPCI_STAR_COM)  # same REAL values, in one body

    paged = fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")
    whole = fetch_observations(client, POPREF, {}, geo="DEP-69")

    assert len(paged) == 72
    assert paged == whole
    assert urls_called(mocked)[:2] == [popref_url("EPCI-244400404*COM"), page1["paging"]["next"]]
    assert urls_called(mocked)[1].endswith("&page=2")


@needs_specimens
def test_a_full_page_without_paging_asks_the_next_page(mocked, client, monkeypatch):
    monkeypatch.setattr(melodi, "PAGE_SIZE", 40)
    page1, page2 = epci_pages()
    del page1["paging"]["next"], page1["paging"]["isLast"]
    del page2["paging"]["isLast"]
    first = data_url(POPREF, {}, geo="EPCI-244400404*COM", extra=[("maxResult", "40")])
    mocked.get(first, json=page1)
    mocked.get(first + "&page=2", json=page2)

    observations = fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")

    assert len(observations) == 72
    assert urls_called(mocked) == [first, first + "&page=2"]


@needs_specimens
def test_a_paging_loop_is_stopped(mocked, client):
    page, _ = epci_pages()
    url = popref_url("EPCI-244400404*COM")
    page["paging"]["next"] = url
    mocked.get(url, json=page)
    with pytest.raises(SourceSchemaError, match="boucle"):
        fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")


@needs_specimens
def test_pages_are_capped(mocked, client, monkeypatch):
    monkeypatch.setattr(melodi, "MAX_PAGES", 1)
    page1, _ = epci_pages()
    serve(mocked, popref_url("EPCI-244400404*COM"), page1)
    with pytest.raises(SourceError, match="dépasse 1 pages"):
        fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")
    assert page1["paging"]["next"] not in urls_called(mocked)


@needs_specimens
def test_a_next_link_outside_melodi_is_refused(mocked, client):
    page, _ = epci_pages()
    page["paging"]["next"] = "https://example.org/data?page=2"
    mocked.get(popref_url("EPCI-244400404*COM"), json=page)
    with pytest.raises(SourceSchemaError, match="paging.next"):
        fetch_observations(client, POPREF, {}, geo="EPCI-244400404*COM")


# -- errors ------------------------------------------------------------------------------------


@needs_specimens
def test_unknown_dataset_http_500_is_a_french_error_without_a_catalogue_call(mocked, client, fake_time):
    url = data_url("DS_NEXISTEPAS", {}, geo="COM-44109", extra=[("maxResult", "10000")])
    mocked.get(url, status=500, body=load_bytes(MELODI_UNKNOWN_DATASET_500), content_type="text/plain")

    with pytest.raises(SourceError) as caught:
        fetch_observations(client, "DS_NEXISTEPAS", {}, geo="COM-44109")

    message = str(caught.value)
    assert message.startswith(
        "Melodi : le jeu de données « DS_NEXISTEPAS » est inconnu ou indisponible (HTTP 500)."
    )
    assert "Catalogue non disponible en cache" in message
    assert caught.value.status == 500
    # A 500 of /data is retried once (it can be transient), not 5 times with 15 s of waits.
    assert urls_called(mocked) == [url, url]
    assert fake_time.sleeps == [1.0]
    assert client.stats["insee_melodi"] == SourceStats(network=0, cache_hits=0, retries=1)


@needs_specimens
def test_unknown_dataset_suggests_close_ids_from_the_cached_catalogue(mocked, client, fake_time):
    serve(mocked, melodi.CATALOG_URL, catalog_body())
    fetch_catalog(client)  # cached now
    url = data_url("DS_POPULATIONS_REFERENC", {}, geo="COM-44109", extra=[("maxResult", "10000")])
    mocked.get(url, status=500, body=load_bytes(MELODI_UNKNOWN_DATASET_500), content_type="text/plain")

    with pytest.raises(SourceError, match="Jeux connus proches : DS_POPULATIONS_REFERENCE"):
        fetch_observations(client, "DS_POPULATIONS_REFERENC", {}, geo="COM-44109")
    assert urls_called(mocked).count(melodi.CATALOG_URL) == 1


@needs_specimens
def test_a_500_on_a_catalogued_dataset_says_the_service_may_be_down(mocked, client, fake_time):
    serve(mocked, melodi.CATALOG_URL, catalog_body())
    fetch_catalog(client)
    mocked.get(popref_url("COM-44109"), status=500, body=load_bytes(MELODI_UNKNOWN_DATASET_500))
    with pytest.raises(SourceError, match="figure pourtant au catalogue"):
        fetch_observations(client, POPREF, {}, geo="COM-44109")
    assert urls_called(mocked).count(popref_url("COM-44109")) == 2


@needs_specimens
def test_a_transient_500_on_data_is_retried_once_then_served(mocked, client, fake_time):
    url = popref_url("COM-44109")
    mocked.get(url, status=500, body=load_bytes(MELODI_UNKNOWN_DATASET_500), content_type="text/plain")
    serve(mocked, url, MELODI_COM_44109)

    observations = fetch_observations(client, POPREF, {}, geo="COM-44109")

    assert len(observations) == 3
    assert urls_called(mocked) == [url, url]
    assert fake_time.sleeps == [1.0]
    assert client.stats["insee_melodi"] == SourceStats(network=1, cache_hits=0, retries=1)


@needs_specimens
def test_other_5xx_on_data_keep_the_usual_retries(mocked, client, fake_time):
    url = popref_url("COM-44109")
    for _ in range(4):
        mocked.get(url, status=503, body=b"")
    serve(mocked, url, MELODI_COM_44109)

    assert len(fetch_observations(client, POPREF, {}, geo="COM-44109")) == 3
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(mocked.calls) == 5


def test_only_the_status_500_means_an_unknown_dataset(mocked, client, fake_time):
    url = popref_url("COM-44109")
    mocked.get(url, status=503, body=b"")  # persistent: 5 attempts, then HTTP 503
    with pytest.raises(SourceError) as persistent:
        fetch_observations(client, POPREF, {}, geo="COM-44109")
    assert persistent.value.status == 503
    assert "inconnu" not in str(persistent.value)

    bad = popref_url("COM-44110")
    mocked.get(bad, status=400, body="HTTP 500 upstream")  # a text naming 500 is not a 500
    with pytest.raises(SourceError) as refused:
        fetch_observations(client, POPREF, {}, geo="COM-44110")
    assert refused.value.status == 400
    assert "inconnu" not in str(refused.value)
    assert urls_called(mocked).count(bad) == 1  # a 400 is not retried
    assert fake_time.sleeps == [1.0, 2.0, 4.0, 8.0]


@needs_specimens
def test_every_request_asks_for_json(mocked, client):
    serve(mocked, f"{BASE_URL}/catalog/DS_EC_DECES", MELODI_CATALOG_DS_EC_DECES)
    serve(mocked, f"{BASE_URL}/range/DS_EC_DECES", "melodi__range_DS_EC_DECES_truncated.json")
    serve(mocked, f"{BASE_URL}/rmes/listeCode/CL_AGE", "melodi__rmes_listeCode_CL_AGE.json")
    serve(mocked, melodi.CATALOG_URL, catalog_body())
    serve(mocked, popref_url("COM-44109"), MELODI_COM_44109)
    count_url = first_url("melodi__data_popref_COM-44109_count.json")
    serve(mocked, count_url, "melodi__data_popref_COM-44109_count.json")

    fetch_catalog_entry(client, "DS_EC_DECES")
    fetch_range(client, "DS_EC_DECES")
    fetch_code_list(client, "CL_AGE")
    fetch_catalog(client)
    fetch_observations(client, POPREF, {}, geo="COM-44109")
    fetch_count(client, POPREF, {"FREQ": "A"}, geo="COM-44109")

    assert len(mocked.calls) == 6
    for call in mocked.calls:
        assert call.request.headers["Accept"] == "application/json"
        assert "X-INSEE-Api-Key-Integration" not in call.request.headers


@needs_specimens
def test_429_then_200_waits_through_the_injected_sleep(mocked, client, fake_time):
    url = popref_url("COM-44109")
    mocked.get(url, status=429, body=b"")
    serve(mocked, url, MELODI_COM_44109)

    observations = fetch_observations(client, POPREF, {}, geo="COM-44109")

    assert len(observations) == 3
    assert fake_time.sleeps == [1.0]
    assert client.stats["insee_melodi"] == SourceStats(network=1, cache_hits=0, retries=1)
    for call in mocked.calls:
        assert "X-INSEE-Api-Key-Integration" not in call.request.headers
        assert "Authorization" not in call.request.headers


@needs_specimens
@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda b: b.pop("observations"), "observations"),
        (lambda b: b["observations"][0].pop("dimensions"), "dimensions"),
        (lambda b: b["observations"][0].pop("measures"), "measures"),
        (lambda b: b["observations"][0]["dimensions"].pop("GEO"), "dimensions.GEO"),
    ],
)
def test_schema_errors_name_the_missing_key(mocked, client, change, key):
    real = load_json(MELODI_COM_44109)
    change(real)
    mocked.get(popref_url("COM-44109"), json=real)
    with pytest.raises(SourceSchemaError, match=f"« {key} »"):
        fetch_observations(client, POPREF, {}, geo="COM-44109")


@needs_specimens
def test_an_unexpected_geo_value_is_a_schema_error(mocked, client):
    real = load_json(MELODI_COM_44109)
    real["observations"][0]["dimensions"]["GEO"] = "COM-44109"
    mocked.get(popref_url("COM-44109"), json=real)
    with pytest.raises(SourceSchemaError, match="GEO inattendue"):
        fetch_observations(client, POPREF, {}, geo="COM-44109")


def test_bad_arguments_are_refused_before_any_request(client):
    with pytest.raises(BadInputError, match="filtre géographique invalide"):
        fetch_observations(client, POPREF, {}, geo="COM-44109&maxResult=1")
    with pytest.raises(BadInputError, match="identifiant de jeu de données invalide"):
        fetch_observations(client, "../catalog/all", {}, geo="COM-44109")
    with pytest.raises(ValueError, match="GEO goes in geo="):
        fetch_observations(client, POPREF, {"GEO": "COM-44109"}, geo="COM-44109")
    with pytest.raises(BadInputError, match="liste de codes invalide"):
        fetch_code_list(client, "AGE")


def test_several_values_of_a_dimension_repeat_the_parameter():
    url = data_url("DS_RP_POPULATION_PRINC", {"SEX": "_T", "AGE": ["Y_LT15", "Y15T29"]}, geo="DEP-69")
    assert url == f"{BASE_URL}/data/DS_RP_POPULATION_PRINC?AGE=Y_LT15&AGE=Y15T29&SEX=_T&GEO=DEP-69"


# -- catalogue, range, code lists ---------------------------------------------------------------


@needs_specimens
def test_catalog_entry_of_a_real_body(mocked, client):
    serve(mocked, f"{BASE_URL}/catalog/DS_EC_DECES", MELODI_CATALOG_DS_EC_DECES)
    assert fetch_catalog_entry(client, "DS_EC_DECES") == CatalogEntry(
        identifier="DS_EC_DECES",
        title_fr="Décès quotidiens et mensuels",
        start_period="2015-01-01",
        end_period="2025-10-31",
        spatial_resolution=("DEP", "REG", "FRANCE", "OTHER"),
        spatial_temporal="2022-01-01",
        modified="2025-11-28T11:56:10",
    )


@needs_specimens
def test_catalog_all_matches_the_real_subset_and_is_cached_a_week(mocked, client):
    serve(mocked, melodi.CATALOG_URL, catalog_body())
    catalog = fetch_catalog(client)

    subset = load_json(MELODI_CATALOG_SUBSET)["datasets"]
    by_id = {entry.identifier: entry for entry in catalog}
    assert len(catalog) == len(subset) + 1  # the subset plus the verbatim DS_EC_DECES item
    for item in subset:
        entry = by_id[item["identifier"]]
        assert entry.title_fr == item["title_fr"]
        assert entry.start_period == item["temporal"]["startPeriod"][:10]
        assert entry.end_period == item["temporal"]["endPeriod"][:10]
        assert entry.spatial_resolution == tuple(item["spatialResolution"])
        assert entry.spatial_temporal == item["spatialTemporal_COG"][:10]
        assert entry.modified == item["modified"]
    assert by_id[POPREF].end_year == "2023"
    assert by_id["DS_RP_POPULATION_PRINC"].end_year == "2022"
    assert by_id["DS_EC_DECES"].end_period == "2025-10-31"

    cache = client.session.cache
    cached = cache.get_response(cache.create_key(requests.Request("GET", melodi.CATALOG_URL)))
    assert cached.expires - cached.created_at == pytest.approx(timedelta(days=7), abs=timedelta(seconds=5))
    fetch_catalog(client)
    assert len(mocked.calls) == 1


@needs_specimens
def test_range_of_a_real_truncated_body(mocked, client):
    serve(mocked, f"{BASE_URL}/range/DS_EC_DECES", "melodi__range_DS_EC_DECES_truncated.json")
    ranges = fetch_range(client, "DS_EC_DECES")

    assert list(ranges) == [
        "GEO", "EC_MEASURE", "SEX", "FREQ", "DTH_PLACE", "TIME_PERIOD", "AGE", "MEASURE", "OBS_STATUS_FR",
    ]
    assert len(ranges["GEO"]) == 8  # the researcher's {"_note": …} item is not a value
    ain = ranges["GEO"][0]
    assert (ain.code, ain.label_fr, ain.type_code, ain.id) == ("01", "Ain", "DEP", "2022-DEP-01")
    assert ranges["TIME_PERIOD"][0].code == "2024"
    assert [v.code for v in ranges["MEASURE"]] == ["OBS_VALUE_NIVEAU"]
    assert [(v.code, v.label_fr) for v in ranges["OBS_STATUS_FR"]] == [("D", "Définitif"), ("PROV", "Provisoire")]


@needs_specimens
def test_code_list_of_a_real_body(mocked, client):
    serve(mocked, f"{BASE_URL}/rmes/listeCode/CL_AGE", "melodi__rmes_listeCode_CL_AGE.json")
    codes = fetch_code_list(client, "CL_AGE")
    assert len(codes) == 281
    assert (codes[0].code, codes[0].label_fr) == ("_Z", "Non applicable")
    assert "Y_GE15" in {c.code for c in codes}


@needs_specimens
def test_an_unknown_code_list_is_an_error_naming_it(mocked, client):
    serve(mocked, f"{BASE_URL}/rmes/listeCode/CL_DOESNOTEXIST", "melodi__rmes_listeCode_unknown.json")
    with pytest.raises(SourceError, match="« CL_DOESNOTEXIST » est inconnue"):
        fetch_code_list(client, "CL_DOESNOTEXIST")


# -- territory ----------------------------------------------------------------------------------


def popref_variable(observation: Observation) -> str | None:
    return {"PMUN": "population_municipale", "PTOT": "population_totale"}.get(
        observation.dimension("POPREF_MEASURE") or ""
    )


def serve_levels(mocked, filters: dict[str, str] | None = None) -> None:
    filters = filters or {}
    serve(mocked, popref_url("DEP-44", **filters), written("written_DEP-44_PMUN.json"))
    serve(mocked, popref_url("REG-52", **filters), written("written_REG-52_PMUN.json"))
    serve(mocked, popref_url("FRANCE-F", **filters), written("written_FRANCE-F_PMUN.json"))


@needs_specimens
def test_epci_dossier_is_four_requests_and_a_tidy_table(mocked, client, tmp_path):
    territory = resolve_territory(epci="244400404")
    assert [r.geo for r in territory_requests(territory)] == ["EPCI-244400404*COM", "DEP-44", "REG-52", "FRANCE-F"]
    assert request_count_for(territory) == 4
    serve(mocked, popref_url("EPCI-244400404*COM"), MELODI_EPCI_STAR_COM)
    serve_levels(mocked)

    frame, manifest = observations_for_territory(
        client, POPREF, territory, {}, popref_variable, retrieved_at="2026-11-20"
    )

    assert len(mocked.calls) == 4
    assert tuple(frame.columns) == OBSERVATION_COLUMNS
    communes = frame[frame["geo_level"] == "COM"]
    assert set(communes["geo_code"]) == set(territory.commune_codes)
    assert len(communes) == 48  # 24 communes × PMUN, PTOT (PCAP is skipped by variable_of)
    nantes = communes[(communes["geo_code"] == "44109") & (communes["variable"] == "population_municipale")]
    assert nantes["value"].tolist() == [327734.0]
    levels = frame[frame["geo_level"] != "COM"].set_index(["geo_level", "geo_code"])["value"].to_dict()
    assert levels == {("DEP", "44"): 1487570.0, ("REG", "52"): 3907156.0, ("FR", "FR"): 68094280.0}
    assert set(frame["period"]) == {"2023"}
    assert set(frame["source_id"]) == {"insee_melodi"}
    assert frame["status"].isna().all()

    assert manifest.source_id == "insee_melodi"
    assert manifest.title == "Populations de référence"  # from the body: no catalogue cached
    assert manifest.vintage == "DS_POPULATIONS_REFERENCE 2023"
    assert manifest.geo_vintage == "COG 2025"
    assert manifest.origin.split(" ; ") == urls_called(mocked)
    assert manifest.licence == SOURCES["insee_melodi"].licence == "Licence Ouverte / Etalab 2.0"
    assert manifest.retrieved_at == "2026-11-20"
    assert "absentes" not in (manifest.method or "")

    store = Store([tmp_path / "store"])
    written = store.write_table(manifest.table, frame, manifest)
    assert written.rows == len(frame)
    assert store.observations(manifest.table, geo_level="FR")["value"].tolist() == [68094280.0]


@needs_specimens
def test_commune_dossier_keeps_the_secret_as_nan_and_dates_today(mocked, client):
    territory = resolve_territory(commune="44109")
    assert [r.geo for r in territory_requests(territory)] == ["COM-44109", "DEP-44", "REG-52", "FRANCE-F"]
    serve(mocked, popref_url("COM-44109", FREQ="A"), secret_com_44109())
    serve_levels(mocked, {"FREQ": "A"})
    serve(mocked, melodi.CATALOG_URL, catalog_body())
    catalog = {e.identifier: e for e in fetch_catalog(client)}

    frame, manifest = observations_for_territory(
        client, POPREF, territory, {"FREQ": "A"}, lambda o: o.dimension("POPREF_MEASURE"),
        catalog_entry=catalog[POPREF],
    )

    pcap = frame[(frame["geo_code"] == "44109") & (frame["variable"] == "PCAP")]
    assert pcap["status"].tolist() == ["secret"]
    assert pd.isna(pcap["value"].iloc[0])
    assert (frame["value"] == 0).sum() == 0
    assert manifest.retrieved_at == date.today().isoformat()
    assert manifest.title == catalog[POPREF].title_fr
    assert manifest.params["FREQ"] == "A"


@needs_specimens
def test_a_list_of_communes_is_one_departement_request_filtered_to_the_list(mocked, client):
    territory = resolve_territory(communes="44109,44166", nom="Nantes et Saint-Herblain")
    assert [r.geo for r in territory_requests(territory)] == ["DEP-44*COM", "DEP-44", "REG-52", "FRANCE-F"]
    url = popref_url("DEP-44*COM")
    assert "GEO=DEP-44%2ACOM" in url
    # The REAL EPCI-244400404*COM body as the answer to DEP-44*COM (a subset of the real one).
    serve(mocked, url, with_first_url(load_json(MELODI_EPCI_STAR_COM), url))
    serve_levels(mocked)

    frame, _ = observations_for_territory(client, POPREF, territory, {}, popref_variable)

    communes = frame[frame["geo_level"] == "COM"]
    assert sorted(set(communes["geo_code"])) == ["44109", "44166"]
    assert len(communes) == 4
    assert "GEO=DEP-44%2ACOM" in mocked.calls[0].request.url


def test_request_plans_for_lists_arrondissements_and_two_departements():
    mixed = resolve_territory(communes="69381,69010,07341", nom="Essai")
    assert [r.geo for r in territory_requests(mixed)] == [
        "ARM-69381", "DEP-07*COM", "DEP-69*COM", "DEP-07", "DEP-69", "REG-84", "FRANCE-F",
    ]
    arrondissement = resolve_territory(commune="69381")
    assert territory_requests(arrondissement)[0].geo == "ARM-69381"
    sancy = resolve_territory(epci="246300966")  # 63 + 15132 Montgreleix (Cantal)
    assert [r.geo for r in territory_requests(sancy)] == [
        "EPCI-246300966*COM", "DEP-15", "DEP-63", "REG-84", "FRANCE-F",
    ]
    assert request_count_for(sancy) == 5
    assert request_count_for(resolve_territory(epci="246900625")) * 10 == 40  # ten datasets, cold cache


@needs_specimens
def test_an_ambiguous_variable_rule_is_refused(mocked, client):
    territory = resolve_territory(commune="44109")
    serve(mocked, popref_url("COM-44109"), MELODI_COM_44109)
    with pytest.raises(SourceError, match="plusieurs observations donnent la variable « population »"):
        observations_for_territory(client, POPREF, territory, {}, lambda o: "population")


@needs_specimens
def test_no_observation_anywhere_gives_an_empty_table_and_says_so(mocked, client):
    territory = resolve_territory(commune="44109")
    empty = load_json("melodi__data_popref_empty_TIME_PERIOD-1900.json")
    for request in territory_requests(territory):
        mocked.get(popref_url(request.geo, TIME_PERIOD="1900"), json=copy.deepcopy(empty))

    frame, manifest = observations_for_territory(client, POPREF, territory, {"TIME_PERIOD": "1900"}, popref_variable)

    assert frame.empty and tuple(frame.columns) == OBSERVATION_COLUMNS
    assert manifest.vintage == "DS_POPULATIONS_REFERENCE (aucune observation)"
    assert len(mocked.calls) == 4
