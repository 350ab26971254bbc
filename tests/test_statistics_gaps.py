"""What the dossier says is missing for a territory outside the samples once Melodi read its census."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagterr.errors import OfflineUnavailableError
from diagterr.pipeline import RunOptions, statistics_gaps
from diagterr.store import Manifest, Store, observation_frame
from diagterr.tables.census import RP_POPULATION
from diagterr.territory import resolve_territory

# CC Plaine Limagne: not a sample territory.
EPCI = "200071199"


def _store_with_live_census(tmp_path: Path, territory) -> Store:
    """A user store where Melodi's census answered for every commune. The rows carry no value
    (status "absent"): only which communes are covered matters to the gap report."""
    store = Store([tmp_path / "store"])
    rows = [
        {"geo_level": "COM", "geo_code": code, "variable": "pop", "period": "2022", "value": None,
         "status": "absent", "source_id": "insee_melodi"}
        for code in territory.commune_codes
    ]
    manifest = Manifest(RP_POPULATION.name, RP_POPULATION.source_id, "t", "INSEE", "https://api.insee.fr/melodi",
                        "RP 2022", "COG 2025", "Licence Ouverte", "2026-11-22")
    store.write_table(RP_POPULATION.name, observation_frame(rows), manifest)
    return store


@pytest.fixture
def territory():
    return resolve_territory(epci=EPCI)


def test_online_the_live_census_replaces_the_sample_only_files_and_says_so(tmp_path, territory):
    gaps = statistics_gaps(_store_with_live_census(tmp_path, territory), territory, RunOptions(tmp_path))
    text = " ".join(g.message for g in gaps)
    assert "rp2021" not in text  # the sample-only compilations are not reported as missing
    comparateur = next(g for g in gaps if "comparateur" in g.message.lower() or g.source_id == "insee_comparateur")
    assert "lus dans l'API Melodi" in comparateur.message
    assert f"{len(territory.communes)} commune(s) sur {len(territory.communes)}" in comparateur.message


def test_without_the_live_census_the_gap_points_to_melodi(tmp_path, territory):
    gaps = statistics_gaps(Store([tmp_path / "empty"]), territory, RunOptions(tmp_path))
    assert any("un dossier en ligne, qui lit le recensement dans l'API Melodi" in g.message for g in gaps)


def test_offline_a_census_cached_from_melodi_is_enough_to_build(tmp_path, territory):
    store = _store_with_live_census(tmp_path, territory)
    statistics_gaps(store, territory, RunOptions(tmp_path, offline=True))  # no exit 3
    with pytest.raises(OfflineUnavailableError):
        statistics_gaps(Store([tmp_path / "empty"]), territory, RunOptions(tmp_path, offline=True))
