"""An online run brings the economy sources into the dossier: URSSAF salaried jobs per commune
and the largest establishments (recherche-entreprises), through their fetchers in sources.online.

The transport is faked with `responses` (network blocked by pytest-socket); the bodies are:
- URSSAF: no real record exists (APIS.md §6); records in the DOCUMENTED Explore v2.1 shape with
  the communes' REAL headcounts of the third-party URSSAF file in ../shared (built by
  `test_urssaf.documented_record`, which says what is ours);
- recherche-entreprises: the REAL-ish Coise answer verbatim, and a result made of the
  DOCUMENTED example values of the official OpenAPI (La Poste, an establishment of Paris 15e,
  75115, band 12, year 2020), assembled by `test_recherche_entreprises.documented_result`.
"""

from __future__ import annotations

from datetime import date

import pytest

from diagterr import pipeline
from diagterr.dossier import Note, Table
from diagterr.pipeline import RunOptions, build_dossier
from diagterr.resources import samples_dir
from diagterr.sources import online, urssaf
from diagterr.sources import recherche_entreprises as re_api
from diagterr.sources.fetcher import FetchContext
from diagterr.sources.http import url_with_params
from diagterr.store import Store
from diagterr.tables.economy import GRANDS_ETABLISSEMENTS, URSSAF_EFFECTIFS, URSSAF_JOBS
from diagterr.territory import resolve_territory
from helpers import needs_shared
from specimens import load_json, needs_specimens
from test_recherche_entreprises import documented_result, page
from test_urssaf import documented_record, envelope, real_headcounts

ECONOMY_SOURCES = (urssaf.SOURCE_ID, re_api.SOURCE_ID)
COISE = "recherche_entreprises__search_commune_coise_2023.json"


@pytest.fixture
def economy_steps():
    """Only the economy fetchers of sources.online (the other sources have their own tests)."""
    steps = tuple(f for f in online.AFTER_BOUNDARIES if f.source_id in ECONOMY_SOURCES)
    assert [s.source_id for s in steps] == list(ECONOMY_SOURCES)  # both are wired, in this order
    return steps


def urssaf_url(codes) -> str:
    return url_with_params(urssaf.RECORDS_URL, urssaf.records_params(sorted(codes)))


def search_url(territory) -> str:
    if territory.kind == "epci":
        params = re_api.search_params(epci=territory.code)
    else:
        params = re_api.search_params(communes=territory.commune_codes)
    return url_with_params(re_api.SEARCH_URL, params)


def fetch(territory, store, client, fetchers):
    context = FetchContext(client, store, territory)
    pipeline.fetch_online(context, fetchers)
    return context.gaps


def economy_section(territory, store, tmp_path):
    dossier = build_dossier(territory, store, RunOptions(tmp_path / "out"), [], [])
    return next(s for s in dossier.sections if s.id == "economie"), dossier


@needs_shared
@needs_specimens
def test_ccpa_online_reads_its_communes_from_urssaf_and_keeps_the_other_territories(
    economy_steps, client, mocked, tmp_path
):
    ccpa = resolve_territory(epci="246900625")
    records = [documented_record(code) for code in ccpa.commune_codes]
    mocked.get(urssaf_url(ccpa.commune_codes), json=envelope(*records))
    mocked.get(search_url(ccpa), json=load_json(COISE))  # its only result lies in Coise, outside the EPCI
    store = Store([tmp_path / "user", samples_dir()])

    gaps = fetch(ccpa, store, client, economy_steps)

    assert gaps == []
    # One request each: 17 communes in one ODSQL filter (≤ 50), 17 records on one page; one /search page.
    assert {sid: (s.network, s.cache_hits) for sid, s in client.stats.items()} == {
        urssaf.SOURCE_ID: (1, 0), re_api.SOURCE_ID: (1, 0),
    }
    table = store.read(URSSAF_EFFECTIFS.name)
    ccpa_rows = table[(table["geo_level"] == "COM") & table["geo_code"].isin(ccpa.commune_codes)]
    assert set(ccpa_rows["source_id"]) == {urssaf.SOURCE_ID}
    arbresle = ccpa_rows[(ccpa_rows["geo_code"] == "69010") & (ccpa_rows["variable"] == URSSAF_JOBS)]
    assert dict(zip(arbresle["period"], arbresle["value"], strict=True)) == {
        y: float(v) for y, v in real_headcounts("69010").items()
    }
    sancy = resolve_territory(epci="246300966")
    others = table[table["geo_code"].isin(sancy.commune_codes)]
    assert not others.empty and set(others["source_id"]) == {"urssaf_ptod"}  # the samples stay
    assert set(table.loc[table["geo_level"] == "FR", "source_id"]) == {"urssaf_ptod"}

    section, dossier = economy_section(ccpa, store, tmp_path)
    method = next(b for b in section.blocks if isinstance(b, Note) and "open.urssaf.fr" in b.text
                  and b.tone == "limit")
    assert "republication tierce" in method.text  # France and the zones d'emploi still are
    sources = {s.source_id for s in dossier.sources}
    assert {"urssaf_open_data", "urssaf_ptod"} <= sources
    jobs = next(i for b in section.blocks if hasattr(b, "indicators") for i in b.indicators
                if i.id == "effectifs_salaries_prives")
    assert jobs.value == sum(real_headcounts(c)["2024"] for c in ccpa.commune_codes)
    # The Coise siège is outside the EPCI: no list of largest establishments is shown for it.
    assert not any(isinstance(b, Table) and b.title.startswith("Les plus grands") for b in section.blocks)


@needs_specimens
def test_the_largest_establishments_are_listed_with_their_band_year_and_date(
    economy_steps, client, mocked, tmp_path
):
    paris15 = resolve_territory(commune="75115")
    mocked.get(urssaf_url(["75115"]), json=envelope())  # no record: nothing is written for it
    mocked.get(search_url(paris15), json=page([documented_result()]))
    store = Store([tmp_path / "user", samples_dir()])

    assert fetch(paris15, store, client, economy_steps) == []

    section, dossier = economy_section(paris15, store, tmp_path)
    table = next(b for b in section.blocks if isinstance(b, Table) and b.title.startswith("Les plus grands"))
    assert table.rows == (
        ("la poste", "53.10Z — Transports et entreposage", "20 à 49 salariés", "2020",
         "Paris 15e Arrondissement"),
    )
    assert f"liste établie le {date.today().isoformat()}" in table.note
    assert "recherche_entreprises" in {s.source_id for s in dossier.sources}
    assert len(mocked.calls) == 2


@needs_specimens
def test_a_second_territory_keeps_the_first_ones_list(economy_steps, client, mocked, tmp_path):
    """In a batch every site is fetched before any is drawn: each list must survive the next fetch."""
    paris15, coise = resolve_territory(commune="75115"), resolve_territory(commune="69062")
    mocked.get(urssaf_url(["75115"]), json=envelope())
    mocked.get(urssaf_url(["69062"]), json=envelope())
    mocked.get(search_url(paris15), json=page([documented_result()]))
    mocked.get(search_url(coise), json=load_json(COISE))
    store = Store([tmp_path / "user", samples_dir()])
    fetch(paris15, store, client, economy_steps)
    fetch(coise, store, client, economy_steps)
    saved = store.read(GRANDS_ETABLISSEMENTS.name)
    assert list(saved["territoire"]) == ["commune:75115"]  # Coise's mairie (band 02) is under the floor
    section, _ = economy_section(paris15, store, tmp_path)
    assert any(isinstance(b, Table) and b.title.startswith("Les plus grands") for b in section.blocks)


@needs_shared
def test_a_failing_source_is_one_gap_and_the_samples_are_kept(economy_steps, client, mocked, tmp_path):
    ccpa = resolve_territory(epci="246900625")
    mocked.get(urssaf_url(ccpa.commune_codes), json={"results": []})  # no total_count: schema changed
    mocked.get(search_url(ccpa), status=400, json={"erreur": "Veuillez indiquer au moins un paramètre."})
    store = Store([tmp_path / "user", samples_dir()])
    gaps = fetch(ccpa, store, client, economy_steps)
    assert [g.source_id for g in gaps] == list(ECONOMY_SOURCES)
    assert gaps[0].message.startswith("Emploi salarié privé (URSSAF) indisponible : ")
    assert "total_count" in gaps[0].message
    assert not (tmp_path / "user" / "tables" / "urssaf_effectifs.parquet").exists()
    section, _ = economy_section(ccpa, store, tmp_path)
    assert any(getattr(b, "id", None) == "effectifs_salaries_indice" for b in section.blocks)


@needs_shared
@needs_specimens
def test_online_an_incomplete_sum_of_fetched_communes_gives_the_epcis_published_row(
    economy_steps, client, mocked, tmp_path
):
    """Same rule as offline: the Sancy's fetched communes miss some years (communes without record,
    a null APE cell), so the dossier shows the EPCI's published row, labelled, not « n.d. »."""
    sancy = resolve_territory(epci="246300966")
    records = [documented_record(code) for code in sancy.commune_codes if real_headcounts(code)]
    records[0]["effectifs_salaries_2024"] = None  # OURS: a secret (null) year of one commune
    mocked.get(urssaf_url(sancy.commune_codes), json=envelope(*records))
    mocked.get(search_url(sancy), json=load_json(COISE))
    store = Store([tmp_path / "user", samples_dir()])
    assert fetch(sancy, store, client, economy_steps) == []
    table = store.read(URSSAF_EFFECTIFS.name)
    fetched = table[(table["geo_level"] == "COM") & table["geo_code"].isin(sancy.commune_codes)]
    assert set(fetched["source_id"]) == {urssaf.SOURCE_ID}
    row = table[(table["geo_level"] == "EPCI") & (table["geo_code"] == sancy.code)].set_index("period")["value"]
    section, _ = economy_section(sancy, store, tmp_path)
    jobs = next(i for b in section.blocks if hasattr(b, "indicators") for i in b.indicators
                if i.id == "effectifs_salaries_prives")
    assert jobs.value == row["2024"] and "valeur publiée pour l'EPCI" in jobs.note
