"""API Recherche d'entreprises: the largest establishments of an area, on the REAL-ish specimen.

Bodies: `recherche_entreprises__search_commune_coise_2023.json` (REAL-ish: a 2023 answer for the
commune of Coise, 69062, copied by a third party and trimmed: no `matching_etablissements`), read
in place from ../shared, and results built from the DOCUMENTED example values of the official
OpenAPI schemas (`recherche_entreprises__openapi_schemas_DOCUMENTED.json`: La Poste, an
establishment of Paris 15e, 75115). What is OURS is said at each builder. Every response is
replayed with `responses`; the network is blocked; clock and sleep are fakes.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from diagterr.errors import BadInputError, SourceSchemaError
from diagterr.sources import http
from diagterr.sources import recherche_entreprises as re_api
from diagterr.sources.http import HttpClient, url_with_params
from diagterr.tables.economy import GRANDS_ETABLISSEMENTS
from diagterr.territory import resolve_territory
from specimens import load_json, needs_specimens

COISE = "recherche_entreprises__search_commune_coise_2023.json"
SCHEMAS = "recherche_entreprises__openapi_schemas_DOCUMENTED.json"
pytestmark = pytest.mark.waits  # retries and the provider's limit are tested: `client` waits on fake_time


def coise_body() -> dict[str, Any]:
    """The REAL-ish answer, verbatim (one result: the commune of Coise, siège in 69062, band 02)."""
    return load_json(COISE)


def documented_result() -> dict[str, Any]:
    """A result made of the OpenAPI's example values (DOCUMENTED): La Poste (unit band 53) with one
    matching establishment in Paris 15e (75115, band 12). OURS: the assembly; `siege` is left null
    as in the examples, and the establishment is put in `matching_etablissements`."""
    schemas = load_json(SCHEMAS)["schemas"]
    result = {k: v.get("example") for k, v in schemas["result"]["properties"].items()}
    establishment = {k: v.get("example") for k, v in schemas["etablissement"]["properties"].items()}
    result["matching_etablissements"] = [establishment]
    return result


def page(results: list[dict[str, Any]], *, number: int = 1, total_pages: int = 1) -> dict[str, Any]:
    """The `/search` envelope (DOCUMENTED `payload` schema) around results. OURS: the paging values."""
    return {"results": copy.deepcopy(results), "total_results": len(results), "page": number,
            "per_page": re_api.PER_PAGE, "total_pages": total_pages}



def search_url(**kwargs: Any) -> str:
    return url_with_params(re_api.SEARCH_URL, re_api.search_params(**kwargs))


def test_the_query_asks_every_band_from_the_floor_up_and_the_largest_pages():
    params = re_api.search_params(communes=["69062"])
    assert params["code_commune"] == "69062"
    assert params["tranche_effectif_salarie"] == "11,12,21,22,31,32,41,42,51,52,53"  # 10 salariés or more
    assert params["etat_administratif"] == "A"
    assert params["per_page"] == "25" and params["limite_matching_etablissements"] == "100"
    assert re_api.search_params(epci="246900625")["epci"] == "246900625"
    assert "NN" not in re_api.bands_from("00")


def test_the_provider_limit_is_seven_requests_per_second():
    assert re_api.RATE_LIMITS == {"https://recherche-entreprises.api.gouv.fr": (7, 1.0)}


def test_whole_plm_cities_and_bad_codes_are_refused_with_the_arrondissements_to_use():
    with pytest.raises(BadInputError, match="75101 à 75120"):
        re_api.search_params(communes=["75056"])
    with pytest.raises(BadInputError):
        re_api.search_params(communes=["6906"])
    with pytest.raises(BadInputError):
        re_api.bands_from("99")


@needs_specimens
def test_the_real_ish_answer_gives_the_siege_of_coise_with_its_band(client, mocked):
    mocked.get(search_url(communes=["69062"], min_band="00"), json=coise_body())
    found, urls = re_api.fetch_establishments(client, communes=["69062"], min_band="00")
    assert len(urls) == 1 and len(found) == 1
    coise = found[0]
    assert coise.siret == "21690062100014" and coise.siren == "216900621"
    assert coise.nom == "COMMUNE DE COISE" and coise.enseigne == "MAIRIE"
    assert coise.commune == "69062" and coise.libelle_commune == "COISE"
    assert coise.activite_principale == "84.11Z" and coise.section == "O"
    assert coise.tranche_effectif == "02" and coise.tranche_libelle == "3 à 5 salariés"
    assert coise.est_siege is True and coise.date_mise_a_jour == "2023-05-06"
    assert coise.annee_tranche is None  # not published in this answer: never guessed


@needs_specimens
def test_establishments_are_ranked_by_their_own_band_and_the_floor_is_applied():
    coise = re_api.parse_establishments(coise_body(), "coise", communes=["69062"])
    poste = re_api.parse_establishments(page([documented_result()]), "poste", communes=["75115"])
    both = coise + poste
    ranked = re_api.largest(both, n=10, min_band="00")
    assert [e.nom for e in ranked] == ["la poste", "COMMUNE DE COISE"]  # band 12 (20-49) before 02 (3-5)
    assert ranked[0].tranche_libelle == "20 à 49 salariés" and ranked[0].annee_tranche == "2020"
    assert [e.nom for e in re_api.largest(both)] == ["la poste"]  # default floor: 10 salariés or more


@needs_specimens
def test_matching_establishments_outside_the_area_or_closed_are_left_out():
    result = documented_result()
    elsewhere = copy.deepcopy(result["matching_etablissements"][0])
    elsewhere["commune"] = "69062"  # OURS: the same establishment moved to another commune
    closed = copy.deepcopy(result["matching_etablissements"][0])
    closed["etat_administratif"] = "F"  # OURS: closed
    result["matching_etablissements"] += [elsewhere, closed]
    found = re_api.parse_establishments(page([result]), "url", communes=["75115"])
    assert [(e.commune, e.siret) for e in found] == [("75115", "35600000000048")]


@needs_specimens
def test_every_page_is_read(client, mocked):
    first = coise_body()
    first["total_pages"] = 2  # OURS: the real answer had one page
    mocked.get(search_url(communes=["69062"], min_band="00"), json=first)
    mocked.get(search_url(communes=["69062"], min_band="00", page=2), json=page([], number=2, total_pages=2))
    found, urls = re_api.fetch_establishments(client, communes=["69062"], min_band="00")
    assert len(found) == 1 and len(urls) == 2


@needs_specimens
def test_a_result_without_the_documented_fields_names_them(client, mocked):
    body = coise_body()
    del body["results"][0]["siren"]
    del body["results"][0]["siege"]["tranche_effectif_salarie"]
    with pytest.raises(SourceSchemaError, match="« siren »"):
        re_api.parse_establishments(body, "url", communes=["69062"])
    body = coise_body()
    del body["results"][0]["siege"]["tranche_effectif_salarie"]
    with pytest.raises(SourceSchemaError, match="« tranche_effectif_salarie »"):
        re_api.parse_establishments(body, "url", communes=["69062"])
    with pytest.raises(SourceSchemaError, match="« total_pages »"):
        re_api.parse_establishments({"results": []}, "url", communes=["69062"])


@needs_specimens
def test_the_eighth_request_in_a_second_waits_for_the_provider_limit(fake_time, mocked):
    """With the limit merged into the client's limits, 8 pages in a row: the 8th waits ~1 s."""
    pages = 8
    for number in range(1, pages + 1):
        body = coise_body()
        body["page"], body["total_pages"] = number, pages  # OURS: the same real result on 8 pages
        mocked.get(search_url(communes=["69062"], min_band="00", page=number), json=body)
    limits = {**http.RATE_LIMITS, **re_api.RATE_LIMITS}
    with HttpClient(backend="memory", rate_limits=limits, sleep=fake_time.sleep, clock=fake_time.clock) as limited:
        found, urls = re_api.fetch_establishments(limited, communes=["69062"], min_band="00")
    assert len(urls) == pages and len(found) == 1  # the same SIRET on every page is kept once
    assert len(fake_time.sleeps) == 1 and fake_time.sleeps[0] == pytest.approx(1.0)


@needs_specimens
def test_a_429_waits_the_retry_after_then_reads_the_answer(client, fake_time, mocked):
    url = search_url(communes=["69062"], min_band="00")
    mocked.get(url, status=429, headers={"Retry-After": "2"}, json={"erreur": "trop de requêtes"})
    mocked.get(url, json=coise_body())
    found, _ = re_api.fetch_establishments(client, communes=["69062"], min_band="00")
    assert len(found) == 1 and fake_time.sleeps == [2.0]


@needs_specimens
def test_the_table_of_a_territory_carries_the_band_its_label_and_its_date(client, mocked):
    mocked.get(search_url(communes=["69062"], min_band="00"), json=coise_body())
    territory = resolve_territory(commune="69062")
    table = re_api.fetch_largest_establishments(client, territory, min_band="00", retrieved_at="2026-11-21")
    row = table.frame.iloc[0]
    assert list(table.frame.columns) == list(GRANDS_ETABLISSEMENTS.columns)
    assert (row["commune"], row["tranche_effectif"], row["tranche_libelle"]) == ("69062", "02", "3 à 5 salariés")
    assert table.manifest.table == "grands_etablissements" and table.manifest.source_id == "recherche_entreprises"
    assert table.manifest.retrieved_at == "2026-11-21" and "intervalle" in table.manifest.method
