"""Land take (consommation d'espaces NAF) from the Cerema's "API Données foncières".

No answer of `/indicateurs/conso_espace/communes/{code}/` was ever recorded. The fixture
tests/fixtures/climat/cerema_conso_59009_documented_shape.json is written IN THE SHAPE OF THE
DOCUMENTED SCHEMA (APIS.md §8.2: a Django REST Framework page; fields annee, idcom, conso_act,
conso_hab, conso_mix, conso_inc in m²), with the REAL values of commune 59009 printed by the
Cerema's client notebook (provenance inside the file). Everything else a test changes in it is
said where it is done. Tables marked SYNTHETIC hold made-up arithmetic to exercise the sums.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from responses import matchers

from diagterr.dossier import Chart, IndicatorTable, Note
from diagterr.errors import SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import cerema_conso
from diagterr.store import Store
from diagterr.tables.climate import CONSO_NAF
from diagterr.territory import resolve_territory
from diagterr.themes import climat
from diagterr.themes.figures import Figures

FIXTURE = Path(__file__).parent / "fixtures" / "climat" / "cerema_conso_59009_documented_shape.json"
URL_59009 = cerema_conso.COMMUNE_URL.format(code="59009")


def documented_body() -> dict:
    return copy.deepcopy(json.loads(FIXTURE.read_text("utf-8"))["body"])


def serve(mocked, body, url=URL_59009, **kwargs):
    mocked.get(url, json=body, match=[matchers.query_param_matcher({"annee_min": "2009"})], **kwargs)


def test_the_documented_page_is_read_year_by_year_in_m2(mocked, client):
    body = documented_body()
    serve(mocked, body)
    rows = pd.DataFrame(cerema_conso.fetch_commune(client, "59009"))
    assert len(mocked.calls) == 1
    assert sorted(rows["period"].unique()) == [str(y) for y in range(2009, 2021)]
    for record in body["results"]:
        for variable in cerema_conso.DESTINATIONS:
            value = rows[(rows["period"] == str(record["annee"])) & (rows["variable"] == variable)]["value"]
            assert value.item() == record[variable]
    assert set(rows["geo_code"]) == {"59009"} and rows["status"].isna().all()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda b: b["results"][0].pop("conso_hab"), "conso_hab"),
        (lambda b: b["results"][3].update(idcom="59350"), "59350"),
        (lambda b: b.update(count=13), "13"),
        (lambda b: b["results"].append(dict(b["results"][0])) or b.update(count=13), "deux fois"),
        (lambda b: b["results"][2].update(conso_act="4784 m²"), "pas un nombre"),
        (lambda b: b["results"][2].update(annee="deux mille onze"), "année illisible"),
        (lambda b: b.pop("results"), "count, next, previous, results"),
        (lambda b: b.update(next="https://ailleurs.example/page2"), "next"),
    ],
)
def test_an_answer_of_another_shape_fails_loudly(mocked, client, change, message):
    """OURS: the documented page altered one way at a time."""
    body = documented_body()
    change(body)
    serve(mocked, body)
    with pytest.raises(SourceSchemaError, match=message):
        cerema_conso.fetch_commune(client, "59009")


def test_a_null_surface_stays_missing_never_zero(mocked, client):
    """OURS: one REAL value of the fixture blanked to null."""
    body = documented_body()
    body["results"][0]["conso_mix"] = None
    serve(mocked, body)
    rows = pd.DataFrame(cerema_conso.fetch_commune(client, "59009"))
    blank = rows[(rows["period"] == "2009") & (rows["variable"] == "conso_mix")]
    assert math.isnan(blank["value"].item()) and blank["status"].item() == "absent"


def test_a_commune_costs_one_request_and_the_section_reads_hectares(mocked, client, tmp_path):
    body = documented_body()
    serve(mocked, body)
    store = Store([tmp_path / "user", samples_dir()])
    territory = resolve_territory(commune="59009")
    manifest = cerema_conso.fetch_for_territory(client, store, territory)
    assert len(mocked.calls) == 1 and client.stats[cerema_conso.SOURCE_ID].network == 1
    assert manifest.vintage == "fichiers fonciers, consommation 2009-2020"
    section = climat.analyse(Figures(store, territory))
    indicators = {i.id: i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators}
    expected = sum(r[v] for r in body["results"] if 2011 <= r["annee"] <= 2020 for v in cerema_conso.DESTINATIONS)
    assert indicators["conso_naf_reference"].value == pytest.approx(expected / 10_000)
    assert indicators["conso_naf_repere_zan"].value == pytest.approx(expected / 20_000)
    since = indicators["conso_naf_depuis_2021"]
    assert since.value is None and "aucune année après 2020" in since.missing_reason  # the data stop in 2020
    assert indicators["conso_hab_par_menage_supplementaire"].value is None  # no census of 59009 offline
    [chart] = [b for b in section.blocks if isinstance(b, Chart) and b.id == "conso_naf_par_annee"]
    assert chart.chart == "stacked_bar" and chart.series[0].label == "Habitat"
    assert chart.series[0].y[0] == pytest.approx(body["results"][0]["conso_hab"] / 10_000)
    text = " ".join(b.text for b in section.blocks if isinstance(b, Note))
    assert "article 191 de la loi n° 2021-1104 du 22 août 2021" in text
    assert "inférieure à la moitié de celle observée sur les dix années précédentes" in text
    assert "différenciée et territorialisée" in text and "non l'objectif qui s'impose" in text


def synthetic_conso(store: Store, codes: list[str], per_year_m2: float, missing: str | None = None) -> None:
    """SYNTHETIC `conso_naf` rows (made-up arithmetic): every commune, every destination, every year
    2009-2023 consumes `per_year_m2`; `missing` commune left out."""
    rows = [
        {"geo_level": "COM", "geo_code": code, "variable": v, "period": str(y), "value": per_year_m2, "status": None,
         "source_id": cerema_conso.SOURCE_ID}
        for code in codes if code != missing for v in cerema_conso.DESTINATIONS for y in range(2009, 2024)
    ]
    store.write_table(CONSO_NAF.name, cerema_conso.frame_of(rows),
                      cerema_conso.conso_manifest([str(y) for y in range(2009, 2024)], "2026-03-01"))


def test_per_additional_household_and_job_use_the_census_of_the_store(tmp_path):
    territory = resolve_territory(epci="246300966")
    codes = list(territory.commune_codes)
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_conso(store, codes, 1000.0)
    figures = Figures(store, territory)
    section = climat.analyse(figures)
    indicators = {i.id: i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators}
    assert indicators["conso_naf_reference"].value == pytest.approx(len(codes) * 4 * 10 * 1000 / 10_000)
    assert indicators["conso_naf_depuis_2021"].period == "2021-2023"
    assert indicators["conso_naf_part_repere"].value == pytest.approx(3 / 5 * 100)
    households = [figures.territory_total("insee_comparateur", "menages", "2018").value,
                  figures.territory_total("rp2021_compilation", "menages", "2021").value]
    per_household = indicators["conso_hab_par_menage_supplementaire"]
    assert per_household.period == "2018-2021"
    gained = households[1] - households[0]
    if gained >= 0.01 * households[0]:
        assert per_household.value == pytest.approx(len(codes) * 3 * 1000 / gained)
    else:
        assert per_household.value is None and "sans objet" in per_household.missing_reason
    jobs = [figures.territory_total("insee_comparateur", "emplois", p).value for p in ("2013", "2018")]
    per_job = indicators["conso_act_par_emploi_supplementaire"]
    assert per_job.period == "2013-2018"
    if jobs[1] - jobs[0] >= 0.01 * jobs[0]:
        assert per_job.value == pytest.approx(len(codes) * 5 * 1000 / (jobs[1] - jobs[0]))
    else:
        assert per_job.value is None and "sans objet" in per_job.missing_reason


def test_a_commune_without_data_leaves_the_totals_missing(tmp_path):
    territory = resolve_territory(epci="246300966")
    codes = list(territory.commune_codes)
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_conso(store, codes, 1000.0, missing=codes[-1])
    section = climat.analyse(Figures(store, territory))
    indicators = {i.id: i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators}
    assert indicators["conso_naf_reference"].value is None
    assert any("1 commune(s) sans données du Cerema" in f"{b.text} {b.detail}" for b in section.blocks
               if isinstance(b, Note))


def test_en_bref_takes_the_land_take_and_warns_when_faster_than_an_even_pace(tmp_path):
    from diagterr.pipeline import RunOptions, build_dossier

    territory = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_conso(store, list(territory.commune_codes), 1000.0)  # 3 years of 10 spent: 60 % of the half
    dossier = build_dossier(territory, store, RunOptions(tmp_path / "out"), [], [])
    [enjeu] = [e for e in dossier.enjeux if e.indicator_id == "conso_naf_part_repere"]
    # a benchmark, not the département and France: a question for the workshop, not a fragility
    assert enjeu.kind == "question" and "60,0\xa0%" in enjeu.text and "2021-2023" in enjeu.text
    offline = build_dossier(territory, Store([samples_dir()]), RunOptions(tmp_path / "o2"), [], [])
    assert not [e for e in offline.enjeux if e.indicator_id == "conso_naf_part_repere"]  # nothing made up offline
