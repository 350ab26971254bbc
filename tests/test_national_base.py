"""The national base (data/national, scripts/build_national.py): any territory of France gets, offline,
its census figures of the comparateur against its département, région and France; the annex cites the
store root that supplied them; the sample sites keep their own tables."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from diagterr.cog import load_cog
from diagterr.resources import national_dir, samples_dir
from diagterr.store import Manifest, Store, observation_frame
from diagterr.tables.census import COMPARATEUR
from diagterr.territory import resolve_territory
from diagterr.themes.figures import Figures
from helpers import SHARED, invoke, needs_shared

AVIGNON = "248400251"  # CA du Grand Avignon: Vaucluse and Gard, no sample commune
PUJAUT = "30209"  # a commune of the Gard, outside the samples
CCPA = "246900625"
COMPARATEUR_ZIP = SHARED / "data" / "raw" / "insee-base-cc-comparateur-2022-full" / "base_cc_comparateur_csv.zip"


def _manifest(table: str, title: str) -> Manifest:
    return Manifest(table, "test", title, "INSEE", "https://example.org", "RP 2018", "COG 2026", "LO", "2026-01-01")


def _raw_comparateur() -> pd.DataFrame:
    with zipfile.ZipFile(COMPARATEUR_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.lower() == "base_cc_comparateur.csv")
        return pd.read_csv(io.BytesIO(archive.read(name)), sep=";", dtype=str)


def _national_store() -> Store:
    return Store([samples_dir(), national_dir()])


# -- the store: union of roots, manifest of the supplying root ------------------------------------


def test_read_geo_is_the_union_of_roots_an_earlier_root_winning(tmp_path: Path):
    first, second = Store([tmp_path / "a"]), Store([tmp_path / "b"])
    first.write_table("contours", gpd.GeoDataFrame(
        {"code": ["07341"], "name": ["échantillon"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326"),
        _manifest("contours", "échantillon"))
    second.write_table("contours", gpd.GeoDataFrame(
        {"code": ["07341", "84007"], "name": ["national", "national"]},
        geometry=[box(0, 0, 2, 2), box(5, 5, 6, 6)], crs="EPSG:4326"), _manifest("contours", "national"))
    merged = Store([tmp_path / "a", tmp_path / "b"]).read_geo("contours")
    assert merged is not None
    assert dict(zip(merged["code"], merged["name"], strict=True)) == {"07341": "échantillon", "84007": "national"}
    assert merged.crs == "EPSG:4326"
    assert merged.set_index("code").geometry["07341"].area == 1.0  # the sample outline, not the national one


def test_the_manifest_is_that_of_the_root_supplying_the_communes(tmp_path: Path):
    def rows(codes: list[str]) -> pd.DataFrame:
        return observation_frame([{"geo_level": "COM", "geo_code": c, "variable": "pop", "period": "2018",
                                   "value": 1.0, "status": None, "source_id": "test"} for c in codes])

    Store([tmp_path / "a"]).write_table("obs", rows(["07341"]), _manifest("obs", "échantillon"))
    Store([tmp_path / "b"]).write_table("obs", rows(["07341", "84007"]), _manifest("obs", "national"))
    store = Store([tmp_path / "a", tmp_path / "b"])
    assert [m.title for m in store.manifests("obs", ["84007"])] == ["national"]
    assert [m.title for m in store.manifests("obs")] == ["échantillon", "national"]  # no communes: every root
    assert [m.title for m in store.manifests("obs", ["07341"])] == ["échantillon"]
    assert [m.title for m in store.manifests("obs", ["07341", "84007"])] == ["échantillon", "national"]


def test_a_figure_s_source_is_the_root_supplying_the_territory_s_communes(tmp_path: Path):
    territory = resolve_territory(commune=PUJAUT)
    for root, codes, geo_vintage in (("samples", ["07341"], "COG 2021"), ("national", [PUJAUT], "COG 2026")):
        frame = observation_frame([{"geo_level": "COM", "geo_code": c, "variable": "pop", "period": "2018",
                                    "value": 1.0, "status": None, "source_id": "test"} for c in codes])
        manifest = Manifest("obs", f"src_{root}", root, "INSEE", "https://example.org", "RP 2018", geo_vintage,
                            "LO", "2026-01-01")
        Store([tmp_path / root]).write_table("obs", frame, manifest)
    source = Figures(Store([tmp_path / "samples", tmp_path / "national"]), territory).source("obs")
    assert (source.source_id, source.geo_vintage) == ("src_national", "COG 2026")


def test_a_territory_outside_the_samples_cites_the_national_comparateur():
    territory = resolve_territory(epci=AVIGNON)
    store = _national_store()
    fig = Figures(store, territory)
    source = fig.source(COMPARATEUR)
    national = Store([national_dir()]).manifest(COMPARATEUR.name)
    assert national is not None and "toutes les communes" in (national.method or "")
    cited = store.manifests(COMPARATEUR.name, territory.commune_codes)
    assert [m.sha256 for m in cited] == [national.sha256]
    assert (source.source_id, source.geo_vintage) == (national.source_id, national.geo_vintage)
    # a sample site keeps citing the samples' comparateur only
    ccpa = resolve_territory(epci=CCPA)
    samples = Store([samples_dir()]).manifest(COMPARATEUR.name)
    assert samples is not None
    assert [m.sha256 for m in store.manifests(COMPARATEUR.name, ccpa.commune_codes)] == [samples.sha256]


def test_offline_a_territory_of_the_national_base_is_no_longer_without_statistics(tmp_path: Path):
    from diagterr.pipeline import RunOptions, default_store, statistics_gaps

    territory = resolve_territory(epci=AVIGNON)
    gaps = statistics_gaps(default_store(), territory, RunOptions(tmp_path, offline=True))  # no exit 3
    assert not any(g.source_id == COMPARATEUR.source_id for g in gaps)


def test_the_national_base_is_small_and_has_a_manifest_per_table():
    tables = national_dir() / "tables"
    size = sum(p.stat().st_size for p in tables.iterdir())
    assert size < 25 * 1024 * 1024
    for parquet in tables.glob("*.parquet"):
        manifest = Manifest.from_json((tables / f"{parquet.stem}.manifest.json").read_text("utf-8"))
        assert manifest.inputs and manifest.vintage and manifest.geo_vintage and manifest.licence
        assert manifest.rows > 0


# -- whole dossiers, against the INSEE file ---------------------------------------------------------


@pytest.mark.slow
@needs_shared
def test_an_epci_outside_the_samples_offline_gets_its_census_figures(tmp_path: Path):
    out = tmp_path / "avignon"
    result = invoke("run", "--epci", AVIGNON, "--offline", "--sortie", str(out))
    assert result.exit_code == 4, result.output  # partial, not "no statistics offline" (3)
    data = json.loads((out / "indicateurs.json").read_text("utf-8"))
    by_id = {i["id"]: i for i in data["indicators"]}
    territory = resolve_territory(epci=AVIGNON)
    raw = _raw_comparateur().set_index("CODGEO")
    codes = list(territory.commune_codes)
    assert set(codes) <= set(raw.index)  # no commune of the EPCI merged since the file's COG
    population = by_id["population_rp"]
    assert population["value"] == pytest.approx(raw.loc[codes, "P18_POP"].astype(float).sum())
    vaucluse = raw[raw.index.str.startswith("84")]
    comparisons = {c["code"]: c["value"] for c in population["comparisons"]}
    assert comparisons["84"] == pytest.approx(vaucluse["P18_POP"].astype(float).sum())
    assert by_id["logements"]["value"] == pytest.approx(raw.loc[codes, "P18_LOG"].astype(float).sum())
    cog = load_cog()
    legal = by_id["population_legale"]["value"]
    assert legal == sum(record.population or 0 for code in codes if (record := cog.commune(code)) is not None)
    html = (out / "dossier.html").read_text("utf-8")
    assert "Communes : toutes les communes" in html  # the national base's manifest
    assert "les 111 communes retenues" not in html  # not the samples' one


@needs_shared
def test_a_commune_outside_the_samples_gets_its_census_figures_offline():
    from diagterr.pipeline import RunOptions, build_dossier, default_store

    territory = resolve_territory(commune=PUJAUT)
    dossier = build_dossier(territory, default_store(), RunOptions(Path("unused"), offline=True), [], [])
    indicators = {i.id: i for s in dossier.sections for i in _indicators(s)}
    raw = _raw_comparateur().set_index("CODGEO")
    assert indicators["population_rp"].value == pytest.approx(float(raw.loc[PUJAUT, "P18_POP"]))
    gard = raw[raw.index.str.startswith("30")]["P18_POP"].astype(float).sum()
    assert {c.code: c.value for c in indicators["population_rp"].comparisons}["30"] == pytest.approx(gard)
    comparateur = [s for s in dossier.sources if s.table == COMPARATEUR.name]
    assert [s.method and "toutes les communes" in s.method for s in comparateur] == [True]


def _indicators(section):
    from diagterr.dossier import IndicatorTable

    return [i for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators]
