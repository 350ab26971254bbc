"""The sample store: rebuilt from ../shared/data it is identical, and its figures trace to the files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from diagterr.resources import samples_dir
from diagterr.sources.insee_comparateur import COLUMN_RULES
from diagterr.store import Store, sha256_of
from diagterr.tables import TableSpec, census, geography
from helpers import SHARED, load_script, needs_shared

FULL_COMPARATEUR = SHARED / "data/raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"


@pytest.fixture(scope="module")
def store() -> Store:
    return Store([samples_dir()])


@pytest.fixture(scope="module")
def comparateur_file() -> pd.DataFrame:
    with zipfile.ZipFile(FULL_COMPARATEUR) as archive:
        return pd.read_csv(io.BytesIO(archive.read("base_cc_comparateur.CSV")), sep=";", dtype=str)


def _build_samples(out: Path) -> None:
    module = load_script("build_samples")
    assert module.main(["--shared", str(SHARED), "--out", str(out)]) == 0


@pytest.mark.slow
@needs_shared
def test_building_the_samples_twice_gives_the_same_files_and_the_shipped_tables(tmp_path):
    _build_samples(tmp_path / "a")
    _build_samples(tmp_path / "b")
    built = sorted(p.name for p in (tmp_path / "a" / "tables").iterdir())
    assert built == sorted(p.name for p in (tmp_path / "b" / "tables").iterdir())
    for name in built:
        assert sha256_of(tmp_path / "a" / "tables" / name) == sha256_of(tmp_path / "b" / "tables" / name), name
    # The shipped store holds the same tables (compared by content: parquet bytes carry the
    # writer's version, which CI may not share with the machine that built the samples).
    assert built == sorted(p.name for p in (samples_dir() / "tables").iterdir())
    for name in (n for n in built if n.endswith(".parquet")):
        fresh = pd.read_parquet(tmp_path / "a" / "tables" / name)
        shipped = pd.read_parquet(samples_dir() / "tables" / name)
        pd.testing.assert_frame_equal(fresh, shipped, check_dtype=False)


def test_every_table_has_a_manifest_with_provenance(store):
    names = store.table_names()
    assert {"insee_comparateur", "populations_legales", "boundaries_communes", "programmes"} <= set(names)
    for name in names:
        manifest = store.manifest(name)
        assert manifest.source_id and manifest.vintage and manifest.geo_vintage and manifest.licence
        assert manifest.inputs, f"{name}: no input file named"
        assert all(i.path.startswith("shared/data/") and len(i.sha256) == 64 for i in manifest.inputs)
        assert manifest.sha256 == sha256_of(samples_dir() / "tables" / f"{name}.parquet")


def test_the_census_and_geography_tables_hold_what_the_catalogue_declares(store):
    assert {rule.variable for rule in COLUMN_RULES} == set(census.COMPARATEUR.variables)
    specs = [v for module in (census, geography) for v in vars(module).values() if isinstance(v, TableSpec)]
    found = [spec for spec in specs if spec.name in store.table_names() and spec.kind != "geo"]
    # zonages: in the national base since the TAG 2024 (tests/test_typologies.py), not in the samples
    assert {"insee_comparateur", "rp2021_iris", "communes_lineage"} <= {spec.name for spec in found}
    for spec in found:
        frame = store.read(spec.name)
        if spec.kind == "observations":
            assert set(frame["variable"]) <= set(spec.variables), spec.name
        else:
            assert tuple(frame.columns) == spec.columns, spec.name


@needs_shared
def test_commune_figures_are_the_rows_of_the_national_file(store, comparateur_file):
    row = comparateur_file.set_index("CODGEO").loc["69010"]
    obs = store.observations("insee_comparateur", "COM", ["69010"])
    values = {(r.variable, r.period): r.value for r in obs.itertuples()}
    assert values[("pop", "2018")] == float(row["P18_POP"])
    assert values[("logements_vacants", "2018")] == pytest.approx(float(row["P18_LOGVAC"]))
    assert values[("mediane_niveau_vie", "2019")] == float(row["MED19"])


@needs_shared
def test_arrondissements_are_not_counted_twice_in_france(store, comparateur_file):
    pop = pd.to_numeric(comparateur_file["P18_POP"], errors="coerce")
    arrondissements = comparateur_file["CODGEO"].str.match(r"^(751\d\d|6938\d|132\d\d)$")
    assert arrondissements.sum() == 45
    france = store.observations("insee_comparateur", "FR", ["FR"], ["pop"])
    france_2018 = france[france["period"] == "2018"].iloc[0]
    assert france_2018["value"] == pop[~arrondissements].sum()
    assert france_2018["value"] != pop.sum()
    assert france_2018["status"] == "hors:976"  # Mayotte: census not published in this file


@needs_shared
def test_departement_is_the_sum_of_its_communes(store, comparateur_file):
    rhone = comparateur_file[
        comparateur_file["CODGEO"].str.startswith("69") & ~comparateur_file["CODGEO"].str.match(r"^6938\d$")
    ]
    expected = pd.to_numeric(rhone["P18_LOG"]).sum()
    obs = store.observations("insee_comparateur", "DEP", ["69"], ["logements"])
    assert obs.iloc[0]["value"] == pytest.approx(expected)


def test_secret_values_stay_missing_never_zero(store):
    poverty = store.observations("insee_comparateur", "COM", variables=["taux_pauvrete_pct"])
    secret = poverty[poverty["value"].isna()]
    assert len(secret) > 50  # small communes: not published by INSEE
    assert (secret["status"] == "absent").all()
    assert not (poverty["value"] == 0).any()


def test_merged_commune_boundaries_are_unioned(store):
    boundaries = store.read_geo("boundaries_communes")
    assert len(boundaries) == 111 and boundaries["code"].is_unique
    manifest = store.manifest("boundaries_communes")
    assert "50546 (Bourgvallées) = union de 50313, 50546, 50581" in manifest.method
    assert "63335 (Saint-Diéry) = union de 63127, 63335" in manifest.method
    assert all(g.is_valid and not g.is_empty for g in boundaries.geometry)
