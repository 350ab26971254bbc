"""Themes read honest numbers: sums of counts, rates from summed parts, medians never averaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.render.html import DossierView
from diagterr.territory import resolve_territory


def dossier_of(**territory):
    store = default_store()
    return build_dossier(resolve_territory(**territory), store, RunOptions(Path("unused")), [], []), store


@pytest.fixture(scope="module")
def ccpa():
    return dossier_of(epci="246900625")


def indicator(dossier, indicator_id):
    return next(i for _, i in dossier.indicators() if i.id == indicator_id)


def test_legal_population_is_the_sum_of_the_communes(ccpa):
    dossier, store = ccpa
    codes = [c for c, _ in dossier.territory.communes]
    rows = store.observations("populations_legales", "COM", codes, ["pmun"])
    expected = rows[rows["period"] == "2023"]["value"].sum()
    assert len(codes) == 17
    assert indicator(dossier, "population_legale").value == expected


def test_unemployment_rate_is_recomputed_from_summed_parts_not_averaged(ccpa):
    dossier, store = ccpa
    codes = [c for c, _ in dossier.territory.communes]
    obs = store.observations("insee_comparateur", "COM", codes, ["chomeurs_15_64", "actifs_15_64"])
    wide = obs[obs["period"] == "2018"].pivot(index="geo_code", columns="variable", values="value")
    from_sums = wide["chomeurs_15_64"].sum() / wide["actifs_15_64"].sum() * 100
    mean_of_rates = (wide["chomeurs_15_64"] / wide["actifs_15_64"] * 100).mean()
    rate = indicator(dossier, "taux_chomage_15_64")
    assert rate.value == pytest.approx(from_sums)
    assert rate.value != pytest.approx(mean_of_rates, abs=1e-6)
    assert [c.level for c in rate.comparisons] == ["departement", "region", "france"]
    assert all(c.value is not None for c in rate.comparisons)


def test_median_of_an_epci_is_the_published_epci_value_never_an_average(ccpa):
    """The communes' medians do not combine: the EPCI shows INSEE's own EPCI value (Filosofi 2019,
    republished by a third party), labelled as such, and never a mean of the communes' medians."""
    dossier, store = ccpa
    assert not [i for _, i in dossier.indicators() if i.id == "mediane_niveau_vie"]
    median = indicator(dossier, "mediane_niveau_vie_2019_tiers")
    codes = [code for code, _ in dossier.territory.communes]
    communes = store.observations("insee_comparateur", "COM", codes, ["mediane_niveau_vie"])
    assert median.value is not None and median.value != pytest.approx(communes["value"].mean())
    assert median.kind == "median"


def test_median_of_a_single_commune_is_its_published_value():
    dossier, store = dossier_of(commune="07341")
    published = store.observations("insee_comparateur", "COM", ["07341"], ["mediane_niveau_vie"]).iloc[0]["value"]
    assert indicator(dossier, "mediane_niveau_vie").value == published


def test_epci_straddling_two_departements_compares_with_both():
    dossier, _ = dossier_of(epci="246300966")  # CC du Massif du Sancy: 63 and 15 (Montgreleix)
    population = indicator(dossier, "population_legale")
    assert [c.code for c in population.comparisons] == ["15", "63", "84", "FR"]


def test_secondary_homes_of_the_sancy_and_a_question_for_the_workshop():
    dossier, _ = dossier_of(epci="246300966")
    share = indicator(dossier, "part_residences_secondaires")
    assert share.value > 50
    assert any(e.indicator_id == "part_residences_secondaires" and e.kind == "question" for e in dossier.enjeux)


def test_key_figures_and_enjeux_are_tied_to_figures(ccpa):
    dossier, _ = ccpa
    assert 8 <= len(dossier.key_figures) <= 12
    assert all(k.value is not None for k in dossier.key_figures)
    ids = {i.id for _, i in dossier.indicators()}
    assert all(e.indicator_id in ids for e in dossier.enjeux if e.indicator_id)


def test_programmes_of_the_sample_sites():
    dossier, _ = dossier_of(commune="07341")
    programmes = indicator(dossier, "programme_pvd")
    assert programmes.value == 1
    dossier, _ = dossier_of(commune="50592")
    assert indicator(dossier, "programme_villages_avenir").value == 1


def test_every_source_of_the_dossier_is_in_the_annex(ccpa):
    dossier, _ = ccpa
    annex = {s.source_id for s in dossier.sources}
    # "a+b" names a figure built from two sources: each must be in the annex (as the renderer reads it).
    used = {part for _, i in dossier.indicators() for part in DossierView.source_ids(i.source)}
    assert used <= annex
    assert "cog_decoupage" in annex


def test_legal_population_is_compared_with_the_sums_of_every_commune(ccpa):
    from diagterr.cog import load_cog

    dossier, _ = ccpa
    population = indicator(dossier, "population_legale")
    by_level = {c.level: c for c in population.comparisons}
    rhone = sum(c.population or 0 for c in load_cog().all_communes()
                if c.type == "commune-actuelle" and c.departement == "69")
    assert by_level["departement"].value == rhone
    assert by_level["france"].value is not None and by_level["france"].value > 60_000_000
