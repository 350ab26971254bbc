"""The EPCI's RP 2022 housing shares and Filosofi 2021 republished by a third party (samples only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.territory import resolve_territory


@pytest.fixture(scope="module")
def sancy():
    store = default_store()
    return build_dossier(resolve_territory(epci="246300966"), store, RunOptions(Path("unused")), [], []), store


def _indicator(dossier, indicator_id):
    return next(i for _, i in dossier.indicators() if i.id == indicator_id)


def test_offline_the_epci_median_comes_from_the_republished_file_and_feeds_page_two(sancy):
    dossier, store = sancy
    frame = store.read("rp2022_ptod_epci")
    expected = frame[(frame["geo_code"] == "246300966") & (frame["variable"] == "mediane_niveau_vie")
                     & (frame["period"] == "2021")]["value"].iloc[0]
    median = _indicator(dossier, "mediane_niveau_vie_tiers")
    assert median.value == expected
    assert median.source.vintage == "Filosofi 2021" and median.source.source_id == "ptod_epci"
    assert median.comparisons == ()  # no département / région in the file, France row not traceable
    assert "mediane_niveau_vie_tiers" in [k.id for k in dossier.key_figures]


def test_offline_the_housing_shares_2022_are_shown_as_a_republication(sancy):
    dossier, _ = sancy
    section = next(s for s in dossier.sections if s.id == "habitat")
    titles = [getattr(b, "title", "") for b in section.blocks]
    assert "Parc de logements, recensements 2018 à 2022" in titles  # the 2022 rows in the stock's series
    assert any(getattr(b, "text", "").startswith("Recensement 2022 : parts de l'EPCI calculées et republiées par un tiers")
               for b in section.blocks)
    assert _indicator(dossier, "part_residences_secondaires_2022_tiers").source.vintage == "RP 2022"


def test_a_commune_dossier_does_not_borrow_its_epci_value():
    dossier = build_dossier(resolve_territory(commune="07341"), default_store(), RunOptions(Path("unused")), [], [])
    assert "mediane_niveau_vie_tiers" not in [i.id for _, i in dossier.indicators()]
