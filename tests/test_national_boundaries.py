"""The national outlines (data/national, table boundaries_communes, scripts/build_national.py): every
commune of the COG 2026 the IGN files cover has one outline, communes nouvelles created since 2018 are
one outline dissolved from their former communes, and the table stays small enough to ship."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from diagterr.cog import load_cog
from diagterr.dossier import CommuneMap, SourceRef
from diagterr.render.maps import map_svg, missing_geometries
from diagterr.resources import national_dir, samples_dir
from diagterr.store import Store
from diagterr.tables.geography import BOUNDARIES_COMMUNES, BOUNDARIES_DEPARTEMENTS
from helpers import SHARED, load_script, needs_shared

RAW = SHARED / "data" / "raw" / "france-geojson-communes-par-departement"
TABLE = national_dir() / "tables" / f"{BOUNDARIES_COMMUNES.name}.parquet"
AVIGNON = "248400251"  # CA du Grand Avignon: no sample commune
VALSERHONE = "01033"  # commune nouvelle of 2019: Bellegarde-sur-Valserine, Châtillon-en-Michaille, Lancrans
MAX_BYTES = 15_000_000


@pytest.fixture(scope="module")
def national() -> gpd.GeoDataFrame:
    frame = Store([national_dir()]).read_geo(BOUNDARIES_COMMUNES.name)
    assert frame is not None, "data/national has no boundaries_communes (scripts/build_national.py --only boundaries)"
    return frame


@pytest.mark.parametrize("departement", ["01", "2A", "75", "971"])
def test_every_commune_of_the_cog_2026_has_one_outline(national: gpd.GeoDataFrame, departement: str):
    expected = {r.code for r in load_cog().all_communes()
                if r.type == "commune-actuelle" and r.departement == departement}
    rows = national[national["code"].isin(expected)]
    assert len(expected) > 0
    assert sorted(rows["code"]) == sorted(expected)  # each once, none missing
    assert rows.geometry.is_valid.all() and not rows.geometry.is_empty.any()
    assert rows.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_only_current_communes_and_the_missing_ones_are_stated(national: gpd.GeoDataFrame):
    cog = load_cog()
    current = {r.code: r for r in cog.all_communes() if r.type == "commune-actuelle"}
    assert set(national["code"]) <= set(current)  # no former commune, no arrondissement municipal
    assert {"75056", "69123", "13055"} <= set(national["code"])  # Paris, Lyon, Marseille whole
    manifest = Store([national_dir()]).manifest(BOUNDARIES_COMMUNES.name)
    assert manifest is not None and manifest.method is not None
    missing = set(current) - set(national["code"])
    # Without an outline: the communes of the collectivités d'outre-mer (not in the IGN files) and
    # the few communes restored since 2018, each named in the method the annex prints.
    restored = {code for code in missing if current[code].zone != "com"}
    assert 0 < len(restored) < 20
    assert all(code in manifest.method for code in restored)
    assert national["name"].tolist() == [current[c].name for c in national["code"]]  # names of the COG 2026


def test_the_table_is_small_enough_to_ship_and_states_its_vintage_and_simplification():
    assert TABLE.stat().st_size < MAX_BYTES
    manifest = Store([national_dir()]).manifest(BOUNDARIES_COMMUNES.name)
    assert manifest is not None and manifest.method is not None
    assert manifest.geo_vintage == "IGN ADMIN EXPRESS COG 2018, communes ramenées au COG 2026"
    assert "tolérance de 150 m" in manifest.method
    assert f"{TABLE.stat().st_size / 1e6:.1f} Mo" in manifest.method


@needs_shared
def test_a_commune_nouvelle_since_2018_is_one_polygon_covering_its_former_communes(national: gpd.GeoDataFrame):
    raw = gpd.read_file(RAW / "communes-01-ain.geojson")
    former = load_cog().former_codes()
    parts = raw[raw["code"].map(lambda c: former.get(c, c)) == VALSERHONE]
    assert sorted(parts["code"]) == ["01033", "01091", "01205"]  # three communes of 2018
    outline = national[national["code"] == VALSERHONE]
    assert len(outline) == 1
    assert outline.geom_type.iloc[0] == "Polygon"
    assert not set(national["code"]) & {"01091", "01205"}
    area = outline.to_crs("EPSG:2154").area.iloc[0]
    assert area == pytest.approx(parts.to_crs("EPSG:2154").area.sum(), rel=0.01)


@needs_shared
def test_the_build_dissolves_and_reports_restored_communes():
    build = load_script("build_national")
    raw = gpd.read_file(RAW / "communes-15-cantal.geojson")
    frame, merges, absent = build.national_outlines(raw, load_cog())
    cantal = {code: why for code, why in absent.items() if code.startswith("15")}
    # Neussargues en Pinatelle (a commune nouvelle of 2017) gave back four communes since 2018.
    assert cantal == dict.fromkeys(["15031", "15035", "15047", "15171"], build.RESTORED)
    assert frame["code"].is_unique and frame.crs == "EPSG:4326"
    assert all(len(codes) > 1 for codes in merges.values())


def test_a_non_sample_epci_gets_a_map_with_every_commune_offline():
    epci = load_cog().epci(AVIGNON)
    assert epci is not None
    members = epci.members
    store = Store([samples_dir(), national_dir()])
    boundaries = store.read_geo(BOUNDARIES_COMMUNES.name)
    assert boundaries is not None
    boundaries = boundaries[boundaries["code"].isin(members)]
    block = CommuneMap("carte", "Communes", tuple((code, 1.0) for code in members), None, "",
                       SourceRef("contours_2018", "ADMIN EXPRESS COG 2018", "COG 2026"))
    assert missing_geometries(block, boundaries) == []
    context = store.read_geo(BOUNDARIES_DEPARTEMENTS.name)
    assert context is not None
    context = context[context["code"].isin(["30", "84"])]  # the map's grey surround: Gard, Vaucluse
    assert sorted(context["name"]) == ["Gard", "Vaucluse"]
    assert context.union_all().contains(boundaries.union_all().buffer(-1e-4))
    svg = map_svg(block, boundaries, context, plain=True)
    assert svg is not None and svg.count("<path") >= len(members)
    assert set(pd.unique(boundaries["code"])) == set(members)
