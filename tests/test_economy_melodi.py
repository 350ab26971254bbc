"""The INSEE economy datasets of Melodi (Flores, SIDE, tourism capacity): which observation becomes
which variable, how many requests a dossier costs, and what the economy section says when Melodi
has no figure or a secret one.

No Flores, SIDE or DS_TOUR_CAP `/data` body has ever been recorded (APIS.md §2). The answers here
are WRITTEN in the exact shape of the REAL specimens (`melodi__data_popref_*.json`: `identifier`,
`title`, `observations[]` of `{"dimensions": {"GEO": "<COG year>-<LEVEL>-<code>", "FREQ", "TIME_PERIOD",
…}, "measures": {"OBS_VALUE_NIVEAU": …}}`, `paging.first`), served like tests/melodi_census_answers.py.
The samples hold no Flores, SIDE or tourism figure at the levels a dossier asks (communes, EPCI,
département, région, France; ptod's Flores A38 is per zone d'emploi, a level diagterr does not ask):
so the answers carry no value at all — empty, or the documented secrecy shape `{"OBS_VALUE_NIVEAU": {}}`
— and the tests check that the dossier says the figure is missing, never 0.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from diagterr.pipeline import build_dossier, prepare
from diagterr.sources import melodi
from diagterr.sources.melodi_economy import (
    ECONOMY_DATASETS,
    FLORES_SECTORS,
    FLORES_SIZES,
    SIDE_CREATIONS,
    TOURISM,
)
from diagterr.territory import resolve_territory
from diagterr.themes.economie.sectors import _bands
from helpers import online_run
from melodi_census_answers import RECIPES, CensusAnswers
from specimens import needs_specimens

SANCY = "246300966"  # CC du Massif du Sancy: two départements (63, 15), tourism matters there
ECONOMY_IDS = {d.dataset_id for d in ECONOMY_DATASETS}


def observation(**dimensions: str) -> melodi.Observation:
    return melodi.Observation("COM", "63047", 2025, tuple(sorted(dimensions.items())), "2023", None, "secret")


def test_flores_variables_keep_every_employer_and_the_totals_of_other_breakdowns():
    jobs = {"FLORES_MEASURE": "EMPL3112", "LEGAL_FORM_WITH_PUBLIC": "1T9X7", "NUMBER_EMPL": "_T", "FREQ": "A"}
    assert FLORES_SECTORS.variable_of(observation(**jobs, ACTIVITY="_T")) == "emplois_salaries"
    assert FLORES_SECTORS.variable_of(observation(**jobs, ACTIVITY="QB")) == "emplois_QB"
    # Private employers only (5T9X7) is not the whole field: never read as the total.
    assert FLORES_SECTORS.variable_of(observation(**{**jobs, "LEGAL_FORM_WITH_PUBLIC": "5T9X7"}, ACTIVITY="_T")) is None
    # A size band is not a sector total.
    assert FLORES_SECTORS.variable_of(observation(**{**jobs, "NUMBER_EMPL": "E1T4"}, ACTIVITY="QB")) is None
    sizes = {"FLORES_MEASURE": "UNIT_LOC", "LEGAL_FORM_WITH_PUBLIC": "1T9X7", "ACTIVITY": "_T"}
    assert FLORES_SIZES.variable_of(observation(**sizes, NUMBER_EMPL="E5T9")) == "etablissements_employeurs_E5T9"


def test_tourism_capacity_reads_each_accommodation_in_its_own_unit():
    rooms = observation(TOUR_MEASURE="PLACE", ACTIVITY="I551", L_STAY="_T", UNIT_LOC_RANKING="_T")
    pitches = observation(TOUR_MEASURE="PLACE", ACTIVITY="I553", L_STAY="_T", UNIT_LOC_RANKING="_T")
    hotels = observation(TOUR_MEASURE="UNIT_LOC", ACTIVITY="I551", L_STAY="_T", UNIT_LOC_RANKING="_T")
    yearly_pitches = observation(TOUR_MEASURE="PLACE", ACTIVITY="I553", L_STAY="LONG", UNIT_LOC_RANKING="_T")
    three_stars = observation(TOUR_MEASURE="UNIT_LOC", ACTIVITY="I551", L_STAY="_T", UNIT_LOC_RANKING="3")
    assert TOURISM.variable_of(rooms) == "tourisme_PLACE_I551"
    assert TOURISM.variable_of(pitches) == "tourisme_PLACE_I553"  # rooms and pitches never share a variable
    assert TOURISM.variable_of(hotels) == TOURISM.probe_variable == "tourisme_UNIT_LOC_I551"
    assert TOURISM.variable_of(yearly_pitches) is None and TOURISM.variable_of(three_stars) is None
    creations = observation(SIDE_MEASURE="UNIT_LOC_BURE", ACTIVITY="_T", LEGAL_FORM="_T")
    assert SIDE_CREATIONS.variable_of(creations) == "creations_etablissements"


def test_the_share_of_small_establishments_never_counts_a_band_twice():
    import pandas as pd

    names = ["etablissements_employeurs", *(f"etablissements_employeurs_{c}" for c in
                                            ("E0", "E1T4", "E5T9", "E1T9", "E10T19", "E_GE500"))]
    frame = pd.DataFrame({"variable": names})
    kept = {code for code, _, _ in _bands(frame)}
    assert kept == {"E0", "E1T4", "E5T9", "E10T19", "E_GE500"}  # E1T9 holds E1T4 and E5T9


def _economy_body(answers: CensusAnswers, url: str) -> bytes:
    """Flores A38 for the communes: each commune's total jobs, as a secret value (no figure);
    every other request: the samples' answer (empty for the economy), or an empty one for a
    dataset the census answers do not know."""
    dataset = urlsplit(url).path.rsplit("/", 1)[-1]
    query = dict(parse_qsl(urlsplit(url).query))
    if dataset in RECIPES and (dataset != "DS_FLORES_A38" or not query["GEO"].endswith("*COM")):
        return answers.body(url)
    observations = [] if dataset != "DS_FLORES_A38" else [
        {"dimensions": {"GEO": f"2025-COM-{code}", "FREQ": "A", "TIME_PERIOD": "2023", "FLORES_MEASURE": "EMPL3112",
                        "ACTIVITY": "_T", "NUMBER_EMPL": "_T", "LEGAL_FORM_WITH_PUBLIC": "1T9X7"},
         "measures": {"OBS_VALUE_NIVEAU": {}}}
        for code in answers.territory.commune_codes
    ]
    return json.dumps({"identifier": dataset, "title": {"fr": dataset, "en": dataset},
                       "observations": observations, "paging": {"first": f"{url}&page=1"}}).encode()


@pytest.fixture
def online(tmp_path):
    """An online Sancy run against written answers and the REAL Melodi catalogue."""
    territory = resolve_territory(epci=SANCY)
    answers = CensusAnswers(territory)
    with online_run(tmp_path, territory, lambda url: _economy_body(answers, url)) as run:
        yield run


def _economy_calls(mocked, since: int = 0) -> Counter:
    datasets = (urlsplit(c.request.url).path.rsplit("/", 1)[-1] for c in mocked.calls[since:]
                if "api.insee.fr/melodi/data/" in c.request.url)
    return Counter(d for d in datasets if d in ECONOMY_IDS)


@pytest.mark.slow
@needs_specimens
def test_one_request_per_dataset_and_level_cold_and_none_warm(online):
    territory, store, client, options, mocked = online
    prepare(territory, options, store, client)
    # Communes (one request), the two départements, the région, France: 5; Flores also asks the
    # EPCI's own published counts: 6. 32 requests for the six datasets, none repeated.
    assert _economy_calls(mocked) == {
        "DS_FLORES_A38": 6, "DS_FLORES_ECONOMIC_SPHERE": 6, "DS_FLORES_A5": 6,
        "DS_SIDE_STOCKS_ET_COM": 5, "DS_SIDE_CREA_ETAB_COM": 5, "DS_TOUR_CAP": 5,
    }
    urls = [c.request.url for c in mocked.calls if "/data/DS_" in c.request.url]
    side = [u for u in urls if "/DS_SIDE_CREA_ETAB_COM?" in u]
    assert all("SIDE_MEASURE=UNIT_LOC_BURE" in u and "LEGAL_FORM=_T" in u for u in side)  # filtered on the measure
    a38 = [u for u in urls if "/DS_FLORES_A38?" in u]
    assert all("LEGAL_FORM_WITH_PUBLIC=1T9X7" in u and "NUMBER_EMPL=_T" in u for u in a38)
    for dataset in ECONOMY_DATASETS:
        assert store.manifest(dataset.table) is not None, dataset.table  # asked, even when answered empty
    before = len(mocked.calls)
    prepare(territory, options, store, client)
    assert _economy_calls(mocked, before) == Counter()


@pytest.mark.slow
@needs_specimens
def test_the_economy_section_says_what_melodi_did_not_give_and_a_secret_is_never_zero(online, tmp_path):
    territory, store, client, options, _ = online
    prepared = prepare(territory, options, store, client)
    dossier = build_dossier(territory, store, options, prepared.gaps, prepared.manifests)
    economy = next(s for s in dossier.sections if s.id == "economie")  # "Économie et emploi"
    indicators = {i.id: i for b in economy.blocks if hasattr(b, "indicators") for i in b.indicators}
    assert all(i.isascii() and i.replace("_", "").isalnum() and i.islower() for i in indicators), sorted(indicators)
    jobs = indicators["emplois_salaries_flores"]
    assert jobs.value is None and "secret statistique" in jobs.missing_reason  # not 0
    assert all(c.value is None and c.missing_reason for c in jobs.comparisons)
    text = repr(economy.blocks) + repr([p for p in dossier.missing if p.section_id == "economie"])  # box + annex
    for dataset in ("DS_SIDE_STOCKS_ET_COM", "DS_SIDE_CREA_ETAB_COM", "DS_TOUR_CAP", "DS_FLORES_ECONOMIC_SPHERE"):
        assert f"(jeu {dataset}) n'a renvoyé aucune valeur" in text, dataset
    # Without Flores sectors for the territory, the zones d'emploi view of the samples stays.
    assert "Profil sectoriel des zones d'emploi d'Issoire et de Clermont-Ferrand (pas le territoire)" in text
    assert "Non disponible hors ligne" not in text or "DS_SIDE_CREA_ETAB_COM (API Melodi)" not in text
    sources = " ".join(f"{s.vintage} {s.method}" for s in dossier.sources)
    assert "DS_FLORES_A38 2023" in sources
    assert "Codes sans réponse dans les données (variables non publiées) : emplois_{ACTIVITY}" in sources
    from diagterr.render import render_dossier

    files = render_dossier(dossier, prepared.boundaries, tmp_path / "rendu")
    rows = json.loads(files.json.read_text("utf-8"))["indicators"]
    flores = next(r for r in rows if r["id"] == "emplois_salaries_flores")
    assert flores["value"] is None
