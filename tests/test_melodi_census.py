"""The census, Filosofi and civil-registration datasets of Melodi: from the answers to the store,
to the dossier; few requests; older geographies brought to today's communes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from diagterr.harmonise import to_current_communes
from diagterr.pipeline import build_dossier, prepare
from diagterr.sources import melodi
from diagterr.sources.melodi_census import (
    CENSUS_DATASETS,
    FILOSOFI,
    RP_LOGEMENT,
    RP_POPULATION,
)
from diagterr.store import observation_frame
from diagterr.tables import TABLES
from specimens import needs_specimens


def observation(**dimensions: str) -> melodi.Observation:
    return melodi.Observation("COM", "69010", 2025, tuple(sorted(dimensions.items())), "2021", 1.0, None)


def test_a_variable_is_read_only_where_every_other_breakdown_is_at_its_total():
    total = observation(RP_MEASURE="POP", SEX="_T", AGE="_T", FREQ="A")
    women_young = observation(RP_MEASURE="POP", SEX="F", AGE="Y15T29", FREQ="A")
    all_young = observation(RP_MEASURE="POP", SEX="_T", AGE="Y15T29", FREQ="A")
    women_all_ages = observation(RP_MEASURE="POP", SEX="F", AGE="_T", FREQ="A")
    assert RP_POPULATION.variable_of(total) == "pop"
    assert RP_POPULATION.variable_of(women_young) == "pop_F_Y15T29"
    assert RP_POPULATION.variable_of(all_young) == "pop_T_Y15T29"
    assert RP_POPULATION.variable_of(women_all_ages) is None  # not a variable we keep
    # Owners among main homes: every other breakdown (construction period…) must be a total.
    owners = observation(RP_MEASURE="DWELLINGS", OCS="DW_MAIN", TSH="100", BUILD_END="_T")
    owners_old = observation(RP_MEASURE="DWELLINGS", OCS="DW_MAIN", TSH="100", BUILD_END="ACH1919")
    assert RP_LOGEMENT.variable_of(owners) == "rp_statut_100"
    assert RP_LOGEMENT.variable_of(owners_old) is None


def test_a_code_the_data_does_not_answer_is_named_not_zeroed():
    frame = observation_frame([{"geo_level": "COM", "geo_code": "69010", "variable": "pop", "period": "2021",
                                "value": 1.0, "status": None, "source_id": "insee_melodi"}])
    assert "pop_{SEX}_{AGE}" in RP_POPULATION.unanswered(frame)
    assert "pop" not in RP_POPULATION.unanswered(frame)


def _rows(*rows):
    return observation_frame([
        {"geo_level": "COM", "geo_code": c, "variable": v, "period": "2021", "value": x,
         "status": None if x is not None else "secret", "source_id": "insee_melodi"}
        for c, v, x in rows
    ])


def test_each_dataset_writes_a_declared_table_with_the_variables_it_declares():
    for dataset in CENSUS_DATASETS:
        declared = TABLES[dataset.table]
        assert declared.source_id == "insee_melodi"
        assert tuple(s.variable for s in dataset.selections) == declared.variables, dataset.dataset_id


def test_merged_communes_are_summed_into_the_commune_nouvelle_medians_are_not():
    former = {"50313": "50546", "50581": "50546"}  # Bourgvallées (COG): 50546 = 50313 + 50546 + 50581
    frame = _rows(("50313", "pop", 100.0), ("50546", "pop", 200.0), ("50581", "pop", 30.0),
                  ("50313", "mediane_niveau_vie", 21000.0), ("50546", "mediane_niveau_vie", 22000.0),
                  ("50581", "mediane_niveau_vie", 20000.0), ("50592", "pop", 7.0))
    out = to_current_communes(frame, {"50546", "50592"}, former, FILOSOFI.additive)
    by = out.frame.set_index(["geo_code", "variable"])
    assert by.loc[("50546", "pop"), "value"] == 330.0
    assert pd.isna(by.loc[("50546", "mediane_niveau_vie"), "value"])
    assert by.loc[("50546", "mediane_niveau_vie"), "status"] == "absent"
    assert by.loc[("50592", "pop"), "value"] == 7.0
    assert out.merged == {"50546": ("50313", "50546", "50581")}
    assert "50546 = somme de 50313, 50546, 50581" in out.rule()


def test_a_secret_part_makes_the_merged_sum_missing_never_smaller():
    frame = _rows(("50313", "pop", 100.0), ("50546", "pop", None), ("50581", "pop", 30.0))
    out = to_current_communes(frame, {"50546"}, {"50313": "50546", "50581": "50546"}, lambda v: True)
    row = out.frame.iloc[0]
    assert pd.isna(row["value"]) and row["status"] == "partial:1"


@pytest.mark.slow
@needs_specimens
def test_a_cold_epci_needs_about_forty_melodi_calls_and_a_warm_one_none(online):
    territory, store, client, options, mocked = online
    prepared = prepare(territory, options, store, client)
    melodi_calls = [c for c in mocked.calls if "api.insee.fr/melodi" in c.request.url]
    datasets = [re.search(r"/melodi/data/([A-Z0-9_]+)", c.request.url) for c in melodi_calls]
    census = [d for d in datasets if d and d[1] in {c.dataset_id for c in CENSUS_DATASETS}]
    # Catalogue once; 4 per census dataset (communes, DEP, REG, France), +1 for Filosofi's EPCI,
    # communes only for civil registration; the legal populations 2023 are already in the store.
    assert len(census) + 1 == 1 + 8 * 4 + (4 + 1) + 2 <= 40
    # The economy (Flores ×3 with the EPCI's own counts, SIDE ×2, tourism: 4 levels each) and
    # France services from the BPE: France first; its written answer is empty (no real count in
    # the samples), which the step treats as an unknown facility code, so the communes are not asked.
    assert len(melodi_calls) == 40 + (6 * 4 + 3) + 1
    assert any(g.source_id == "insee_bpe_france_services" for g in prepared.gaps)
    assert not [g for g in prepared.gaps if g.source_id == "insee_melodi"]
    for dataset in CENSUS_DATASETS:
        assert store.manifest(dataset.table) is not None, dataset.table
    before = len(mocked.calls)
    prepare(territory, options, store, client)
    # Warm: nothing, but the France services answer the failed step refused (never kept in the cache).
    again = [c.request.url for c in mocked.calls[before:] if "api.insee.fr/melodi" in c.request.url]
    assert [url for url in again if "/data/DS_BPE?" not in url] == [] and len(again) == 1
    assert client.stats["insee_melodi"].network == len(melodi_calls) + 1


@pytest.mark.slow
@needs_specimens
def test_the_census_read_from_melodi_makes_the_dossier_sections(online):
    territory, store, client, options, _ = online
    prepared = prepare(territory, options, store, client)
    dossier = build_dossier(territory, store, options, prepared.gaps, prepared.manifests)
    sections = {s.id: s for s in dossier.sections}
    assert {"demographie", "habitat", "economie", "mobilites"} <= set(sections)
    text = repr(sections["demographie"])
    assert "Structure par âge" in text and "RP 2021" in text
    mobility = repr(sections["mobilites"]) + repr([p for p in dossier.missing if p.section_id == "mobilites"])
    assert "DS_RP_NAVETTES_PRINC" in mobility and "aucune observation" in mobility  # the detail is the annex's
    sources = " ".join(f"{s.title} {s.vintage} {s.method}" for s in dossier.sources)
    assert "DS_RP_POPULATION_PRINC 2021" in sources
    assert "Codes sans réponse dans les données (variables non publiées) : pop_{SEX}_{AGE}" in sources  # age by sex is not in the written answers: said so


@pytest.mark.slow
@needs_specimens
def test_activity_and_the_epci_published_income_come_with_their_comparisons(online):
    territory, store, client, options, _ = online
    prepared = prepare(territory, options, store, client)
    dossier = build_dossier(territory, store, options, prepared.gaps, prepared.manifests)
    economy = next(s for s in dossier.sections if s.id == "economie")
    tables = {b.title: b for b in economy.blocks if hasattr(b, "indicators")}
    residents = next(t for title, t in tables.items() if title.startswith("Activité et emploi, recensements"))
    unemployment = next(i for i in residents.indicators if i.id == "taux_chomage_15_64_rp")
    assert unemployment.value is not None and 0 < unemployment.value < 30
    # The written answers have no EPCI value (none in the real data we hold): said, never averaged.
    income = tables["Revenus publiés pour le territoire (Filosofi 2019)"]
    median = income.indicators[0]
    assert median.value is None and "absente de la réponse" in median.missing_reason
    assert all(c.value is not None or c.missing_reason for c in median.comparisons)

