"""Géorisques API v1: the parser (required fields strict, extra fields tolerated) and the territory
fetch, on SYNTHETIC bodies.

SYNTHETIC FIXTURES. No real body of the Géorisques API was ever recorded (../shared/sources/
APIS.md §4): every body below is written by us from the documented field lists of APIS.md §4,
with the documented example values only, and is no evidence of what the live API returns. Where
each value comes from:
- CatNat item: `code_national_catnat` "INTE0100460A", `date_debut_evt` "06/07/2001",
  `libelle_risque_jo` "Inondations et/ou Coulées de Boue", `code_insee` "75056": the truncated
  "vérifié live" Paris response quoted in APIS.md §4. `libelle_commune` "Paris": the name of 75056
  in the COG. `date_fin_evt`, `date_publication_arrete`, `date_publication_jo`: NO documented value;
  they hold the one documented date, 06/07/2001, as a PLACEHOLDER, not the real dates of that decree;
- envelope `{results, page, total_pages, data, response_code, message, next, previous}`: the
  mutafriches `CatnatApiResponse` type; `response_code` 200, `message` "" and the `next`/`previous`
  URLs are OURS;
- `gaspar/risques`: `num_risque` "11" / `libelle_risque_long` "Inondation" (the stubs APIS.md cites);
- `zonage_sismique`: `code_zone` "2", `zone_sismicite` "2 - FAIBLE" (APIS.md §4);
- `radon`: `classe_potentiel` "1" (one of the documented values "1|2|3").
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from responses import matchers

from diagterr.errors import SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import georisques
from diagterr.sources.fetcher import FetchContext
from diagterr.store import Store
from diagterr.tables.climate import GEORISQUES
from diagterr.territory import resolve_territory

PARIS = "75056"
URL = georisques.BASE_URL


def catnat_item() -> dict:
    """SYNTHETIC (see the module docstring): the documented Paris item, placeholders for the dates
    without a documented value."""
    return {
        "code_national_catnat": "INTE0100460A",
        "date_debut_evt": "06/07/2001",
        "date_fin_evt": "06/07/2001",  # placeholder
        "date_publication_arrete": "06/07/2001",  # placeholder
        "date_publication_jo": "06/07/2001",  # placeholder
        "libelle_risque_jo": "Inondations et/ou Coulées de Boue",
        "code_insee": PARIS,
        "libelle_commune": "Paris",
    }


def envelope(data: list, *, page: int = 1, total_pages: int = 1, results: int | None = None) -> dict:
    """SYNTHETIC: the documented paginated envelope around `data`."""
    return {
        "results": len(data) if results is None else results,
        "page": page,
        "total_pages": total_pages,
        "data": data,
        "response_code": 200,
        "message": "",
        "next": None if page >= total_pages else f"{URL}/gaspar/catnat?code_insee={PARIS}&page={page + 1}",
        "previous": None if page == 1 else f"{URL}/gaspar/catnat?code_insee={PARIS}&page={page - 1}",
    }


def risques_body() -> dict:
    """SYNTHETIC: one documented risk."""
    return envelope([
        {"code_insee": PARIS, "libelle_commune": "Paris",
         "risques_detail": [{"num_risque": "11", "libelle_risque_long": "Inondation"}]}
    ])


def radon_body() -> dict:
    """SYNTHETIC: the `{"data": [...]}` shape of APIS.md, classe_potentiel "1"."""
    return {"data": [{"code_insee": PARIS, "classe_potentiel": "1"}]}


def zonage_body() -> dict:
    """SYNTHETIC: the documented item."""
    return {"data": [{"code_insee": PARIS, "code_zone": "2", "zone_sismicite": "2 - FAIBLE"}]}


def page_params(page: int) -> dict:
    return {"code_insee": PARIS, "page": str(page), "page_size": str(georisques.PAGE_SIZE)}


def add_commune(mocked, catnat_pages: list[dict] | None = None) -> None:
    mocked.get(f"{URL}/gaspar/risques", json=risques_body(), match=[matchers.query_param_matcher({"code_insee": PARIS})])
    for number, body in enumerate(catnat_pages or [envelope([catnat_item()])], start=1):
        mocked.get(f"{URL}/gaspar/catnat", json=body, match=[matchers.query_param_matcher(page_params(number))])
    mocked.get(f"{URL}/radon", json=radon_body(), match=[matchers.query_param_matcher({"code_insee": PARIS})])
    mocked.get(f"{URL}/zonage_sismique", json=zonage_body(), match=[matchers.query_param_matcher({"code_insee": PARIS})])


# -- parsing ---------------------------------------------------------------------------------------


def test_catnat_dates_dd_mm_yyyy_become_iso(mocked, client):
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([catnat_item()]))
    [decree] = georisques.fetch_catnat(client, PARIS)
    assert decree == {
        "code": "INTE0100460A",
        "libelle": "Inondations et/ou Coulées de Boue",
        "date_debut": "2001-07-06",
        "date_fin": "2001-07-06",
        "date_arrete": "2001-07-06",
        "date_jo": "2001-07-06",
    }


def test_every_catnat_page_is_read_and_the_count_checked(mocked, client):
    """SYNTHETIC: the same documented item on two pages, only to exercise the paging."""
    pages = [envelope([catnat_item()], page=1, total_pages=2, results=2),
             envelope([catnat_item()], page=2, total_pages=2, results=2)]
    for number, body in enumerate(pages, start=1):
        mocked.get(f"{URL}/gaspar/catnat", json=body, match=[matchers.query_param_matcher(page_params(number))])
    assert len(georisques.fetch_catnat(client, PARIS)) == 2
    assert len(mocked.calls) == 2


def test_fewer_decrees_than_announced_fail_loudly(mocked, client):
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([catnat_item()], results=3))
    with pytest.raises(SourceSchemaError, match="3 arrêtés CatNat annoncés"):
        georisques.fetch_catnat(client, PARIS)


def test_a_renamed_key_fails_naming_the_missing_field(mocked, client):
    item = catnat_item()
    item["libelle_risque"] = item.pop("libelle_risque_jo")  # a provider renaming the field
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([item]))
    with pytest.raises(SourceSchemaError) as caught:
        georisques.fetch_catnat(client, PARIS)
    message = str(caught.value)
    assert "absent(s) « libelle_risque_jo »" in message
    assert "data[0]" in message and "schéma" in message


def test_an_added_key_is_tolerated_and_logged_once_at_debug_level(mocked, client, caplog):
    """Fails before issue 15: any key outside the documented list stopped the read."""
    item = catnat_item()
    item["nouveau_champ"] = "x"
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([item]))
    with caplog.at_level("DEBUG", logger="diagterr.sources.georisques"):
        assert georisques.fetch_catnat(client, PARIS)[0]["code"] == "INTE0100460A"
        georisques.fetch_catnat(client, PARIS)
    logged = [r for r in caplog.records if "nouveau_champ" in r.getMessage()]
    assert len(logged) <= 1 and all(r.levelname == "DEBUG" for r in logged)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b.pop("data"), "« data »"),
        (lambda b: b.update(data={}), "« data »"),
        (lambda b: b.update(total_pages="1"), "« total_pages »"),
    ],
)
def test_a_changed_envelope_fails_loudly(mocked, client, change, field):
    body = envelope([catnat_item()])
    change(body)
    mocked.get(f"{URL}/gaspar/catnat", json=body)
    with pytest.raises(SourceSchemaError, match=field):
        georisques.fetch_catnat(client, PARIS)


@pytest.mark.parametrize("value", ["2001-07-06", "6/7/2001", "31/02/2001", None])
def test_a_date_in_another_form_fails_naming_the_field(mocked, client, value):
    item = catnat_item()
    item["date_fin_evt"] = value
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([item]))
    with pytest.raises(SourceSchemaError, match="« date_fin_evt ».*jj/mm/aaaa"):
        georisques.fetch_catnat(client, PARIS)


def test_an_item_of_another_commune_fails(mocked, client):
    item = catnat_item()
    item["code_insee"] = "75101"  # an arrondissement instead of the commune asked
    mocked.get(f"{URL}/gaspar/catnat", json=envelope([item]))
    with pytest.raises(SourceSchemaError, match="75101 au lieu de 75056"):
        georisques.fetch_catnat(client, PARIS)


def test_risks_radon_and_seismic_zone(mocked, client):
    body = risques_body()
    body["data"][0]["risques_detail"][0]["zone_sismicite"] = "2"  # optional key documented by the stubs
    mocked.get(f"{URL}/gaspar/risques", json=body)
    mocked.get(f"{URL}/radon", json=radon_body())
    mocked.get(f"{URL}/zonage_sismique", json=zonage_body())
    assert georisques.fetch_risques(client, PARIS) == ("Paris", [{"code": "11", "libelle": "Inondation"}])
    assert georisques.fetch_radon(client, PARIS) == "1"
    assert georisques.fetch_zonage_sismique(client, PARIS) == ("2", "2 - FAIBLE")


@pytest.mark.parametrize(
    "endpoint, body, field",
    [
        ("radon", {"data": [{"code_insee": PARIS, "classe_potentiel": "4"}]}, "classe_potentiel"),
        ("radon", {"data": [{"code_insee": PARIS, "classe_potentiel": 1}]}, "classe_potentiel"),
        ("zonage_sismique", {"data": [{"code_insee": PARIS, "code_zone": "2"}]}, "zone_sismicite"),
    ],
)
def test_radon_and_zoning_values_are_checked(mocked, client, endpoint, body, field):
    mocked.get(f"{URL}/{endpoint}", json=body)
    fetch = georisques.fetch_radon if endpoint == "radon" else georisques.fetch_zonage_sismique
    with pytest.raises(SourceSchemaError, match=field):
        fetch(client, PARIS)


def test_a_risk_detail_without_its_label_fails(mocked, client):
    body = risques_body()
    del body["data"][0]["risques_detail"][0]["libelle_risque_long"]
    mocked.get(f"{URL}/gaspar/risques", json=body)
    with pytest.raises(SourceSchemaError, match="« libelle_risque_long ».*risques_detail\\[0\\]"):
        georisques.fetch_risques(client, PARIS)


# -- the territory ----------------------------------------------------------------------------------


def test_a_commune_costs_four_requests_and_its_rows_replace_the_old_ones(mocked, client, tmp_path):
    paris = resolve_territory(commune=PARIS)
    add_commune(mocked)
    store = Store([tmp_path / "user", samples_dir()])
    manifest = georisques.fetch_risks_for_territory(client, store, paris)
    assert len(mocked.calls) == georisques.requests_for(paris.commune_codes) == 4
    table = store.read(GEORISQUES.name)
    assert sorted(table["jeu"]) == ["catnat", "commune", "radon", "risque", "sismicite"]
    catnat = table[table["jeu"] == "catnat"].iloc[0]
    assert (catnat["code"], catnat["date_debut"]) == ("INTE0100460A", "2001-07-06")
    assert manifest.source_id == georisques.SOURCE_ID and "état au" in manifest.vintage
    assert not (Path(samples_dir()) / "tables" / f"{GEORISQUES.name}.parquet").exists()
    # Read again (from the cache): same rows, not twice.
    georisques.fetch_risks_for_territory(client, store, paris)
    assert len(store.read(GEORISQUES.name)) == len(table)


def test_a_commune_whose_risks_cannot_be_read_leaves_the_table_unchanged(mocked, client, tmp_path):
    paris = resolve_territory(commune=PARIS)
    add_commune(mocked)
    body = risques_body()
    body["data"][0]["libelle"] = body["data"][0].pop("libelle_commune")
    mocked.replace(mocked.GET, f"{URL}/gaspar/risques", json=body)
    store = Store([tmp_path / "user"])
    with pytest.raises(SourceSchemaError, match="libelle_commune"):
        georisques.fetch_risks_for_territory(client, store, paris, {})
    assert store.read(GEORISQUES.name) is None


def test_an_endpoint_missing_a_required_field_is_its_gap_the_others_go_on(mocked, client, tmp_path):
    """Fails before issue 15: a `zonage_sismique` item without `code_zone` stopped the whole chapter."""
    paris = resolve_territory(commune=PARIS)
    add_commune(mocked)
    mocked.replace(mocked.GET, f"{URL}/zonage_sismique", json={"data": [{"code_insee": PARIS,
                                                                         "zone_sismicite": "2 - FAIBLE"}]})
    store = Store([tmp_path / "user"])
    context = FetchContext(client, store, paris)
    georisques.fetch(context)
    table = store.read(GEORISQUES.name)
    assert sorted(table["jeu"]) == ["catnat", "commune", "radon", "risque"]
    [gap] = context.gaps
    assert gap.source_id == "georisques"
    assert gap.message.startswith("Zone de sismicité illisible (1 commune(s) sur 1)") and "« code_zone »" in gap.message


def test_fixtures_hold_only_documented_values():
    """Guard of this file's promise: the SYNTHETIC bodies carry the documented example values."""
    item = catnat_item()
    assert {k: item[k] for k in ("code_national_catnat", "date_debut_evt", "libelle_risque_jo", "code_insee")} == {
        "code_national_catnat": "INTE0100460A",
        "date_debut_evt": "06/07/2001",
        "libelle_risque_jo": "Inondations et/ou Coulées de Boue",
        "code_insee": "75056",
    }
    assert set(item) == georisques.CATNAT_KEYS[0]
    assert copy.deepcopy(zonage_body())["data"][0]["zone_sismicite"] == "2 - FAIBLE"
