"""Territoires comparables (diagterr.peers) on the national profiles (data/national, table
territory_profiles): the nearest of the same kind stay in their zone, the most similar exclude the
territory, the EPCI figures are recomputed from summed counts, --comparer refuses bad lists with
the value and the valid form; build_profile_frame never turns a missing part into 0."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from diagterr.errors import BadInputError
from diagterr.national_profile import build_profile_frame
from diagterr.peers import check_comparer, find_peers, load_profiles, profile_rows
from diagterr.resources import national_dir, samples_dir
from diagterr.store import Store
from diagterr.tables.profiles import PROFILE_VARIABLES, TERRITORY_PROFILES

CCPA = "246900625"  # CC du Pays de l'Arbresle (Rhône)
AVIGNON = "248400251"  # CA du Grand Avignon: Vaucluse and Gard
PROFILES_FILE = national_dir() / "tables" / f"{TERRITORY_PROFILES.name}.parquet"

needs_profiles = pytest.mark.skipif(not PROFILES_FILE.is_file(), reason="territory_profiles absente de data/national")


@pytest.fixture(scope="module")
def profiles() -> pd.DataFrame:
    return load_profiles(Store([samples_dir(), national_dir()]))


# -- the real national table ---------------------------------------------------------------------


@needs_profiles
def test_the_nearest_epci_of_the_ccpa_are_its_neighbours_of_the_rhone(profiles):
    outlines = gpd.read_parquet(national_dir() / "tables" / "boundaries_epci.parquet").set_index("code")
    ccpa = outlines.geometry[CCPA]
    touching = {code for code, shape in outlines.geometry.items() if code != CCPA and shape.distance(ccpa) < 1e-3}
    rows = profiles[profiles["level"] == "EPCI"].set_index("code")
    of_the_rhone = {code for code in touching if "69" in rows.at[code, "departements"].split(";")}
    assert of_the_rhone  # the outlines say who borders the CCPA

    peers = find_peers(profiles, "EPCI", CCPA)
    nearest = [p.code for p in peers.nearest]
    assert len(nearest) == 8
    assert nearest[0] in touching
    assert of_the_rhone & set(nearest)
    distances = [p.distance_km for p in peers.nearest]
    assert distances == sorted(distances) and all(d is not None and 0 < d < 60 for d in distances)


@needs_profiles
def test_the_most_similar_exclude_the_territory_and_are_ranked(profiles):
    peers = find_peers(profiles, "EPCI", CCPA)
    assert len(peers.similar) == 8
    assert CCPA not in {p.code for p in peers.similar}
    assert [p.similarity_rank for p in peers.similar] == list(range(1, 9))
    assert set(peers.variables) <= set(PROFILE_VARIABLES)
    assert "écart-type" in peers.method and "euclidienne" in peers.method and "8 EPCI" in peers.method
    commune = find_peers(profiles, "COM", "69010", n=5)
    assert len(commune.similar) == 5 and "69010" not in {p.code for p in commune.similar}


@needs_profiles
@pytest.mark.parametrize("commune", ["97611", "97101"])  # Mamoudzou (Mayotte), Les Abymes (Guadeloupe)
def test_overseas_nearest_stay_in_their_departement(profiles, commune):
    peers = find_peers(profiles, "COM", commune)
    assert len(peers.nearest) == 8
    assert {p.code[:3] for p in peers.nearest} == {commune[:3]}
    assert "outre-mer" in peers.method


@needs_profiles
def test_paris_is_one_commune_and_its_arrondissements_are_not_territories(profiles):
    communes = set(profiles.loc[profiles["level"] == "COM", "code"])
    assert "75056" in communes and "75101" not in communes
    with pytest.raises(BadInputError, match="75101"):
        check_comparer(["75101"], "COM", "75056", profiles)


@needs_profiles
def test_epci_rates_are_recomputed_from_the_summed_counts_of_its_communes(profiles):
    from diagterr.cog import load_cog

    members = list(load_cog().epci(AVIGNON).members)
    comparateur = pd.read_parquet(national_dir() / "tables" / "insee_comparateur.parquet",
                                  filters=[[("geo_level", "=", "COM"), ("geo_code", "in", members)]])
    census = comparateur[comparateur["period"] == "2018"].pivot(index="geo_code", columns="variable", values="value")
    unemployed, active = census["chomeurs_15_64"].sum(), census["actifs_15_64"].sum()
    jobs = census["emplois"].sum()
    row = profile_rows(profiles, "EPCI", [AVIGNON]).iloc[0]
    assert row["departements"] == "30;84"
    assert row["population"] == pytest.approx(census["pop"].sum(), rel=1e-6)
    assert row["unemployment_pct"] == pytest.approx(unemployed / active * 100, rel=1e-5)
    assert row["jobs_per_100_workers"] == pytest.approx(jobs / (active - unemployed) * 100, rel=1e-5)
    mean_of_rates = (census["chomeurs_15_64"] / census["actifs_15_64"] * 100).mean()
    assert abs(row["unemployment_pct"] - mean_of_rates) > 0.1  # not an average of the communes' rates


@needs_profiles
def test_chosen_peers_keep_the_consultants_order(profiles):
    peers = find_peers(profiles, "EPCI", CCPA, chosen=["200046977", "246900724"])
    assert [p.code for p in peers.chosen] == ["200046977", "246900724"]
    assert peers.chosen[0].name == "Métropole de Lyon" and peers.chosen[0].distance_km is not None


@needs_profiles
@pytest.mark.parametrize(
    ("codes", "level", "named", "form"),
    [
        (["99999"], "COM", "99999", "5 caractères"),  # unknown commune
        (["246900724", "246900724"], "EPCI", "246900724", "plusieurs fois"),  # duplicate
        ([CCPA], "EPCI", CCPA, "lui-même"),  # the territory itself
        (["69010", "246900724"], "EPCI", "69010", "246900724"),  # communes and EPCI mixed
        (["69010"], "EPCI", "69010", "SIREN d'EPCI à 9 chiffres"),  # a commune for an EPCI
        (["246900724"], "COM", "246900724", "5 caractères"),  # an EPCI for a commune
        (["Lyon"], "COM", "Lyon", "5 caractères"),  # no code at all
        (["123456789"], "EPCI", "123456789", "SIREN d'EPCI à 9 chiffres"),  # unknown SIREN
    ],
)
def test_check_comparer_names_the_value_and_the_valid_form(profiles, codes, level, named, form):
    subject = CCPA if level == "EPCI" else "69010"
    with pytest.raises(BadInputError) as error:
        check_comparer(codes, level, subject, profiles)
    message = str(error.value)
    assert f"« {named} »" in message or named in message
    assert form in message


@needs_profiles
def test_check_comparer_accepts_a_good_list_normalised(profiles):
    assert check_comparer([" 2a004", "69010 ", ""], "COM", "69020", profiles) == ("2A004", "69010")


@needs_profiles
def test_epci_outlines_cover_their_communes():
    epci = gpd.read_parquet(national_dir() / "tables" / "boundaries_epci.parquet").set_index("code")
    communes = gpd.read_parquet(national_dir() / "tables" / "boundaries_communes.parquet").set_index("code")
    from diagterr.cog import load_cog

    members = [c for c in load_cog().epci(CCPA).members if c in communes.index]
    union = communes.geometry[members].to_crs("EPSG:2154").union_all()
    outline = gpd.GeoSeries([epci.geometry[CCPA]], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]
    assert outline.symmetric_difference(union).area / union.area < 0.02


# -- build_profile_frame on a tiny frame ---------------------------------------------------------


def _tiny(secret_commune: str | None = None, absent_variable: str = "chomeurs_15_64") -> pd.DataFrame:
    rows = []
    figures = {
        "A": {"pop": (100, 90), "actifs_15_64": 50, "chomeurs_15_64": 5, "emplois": 30, "logements": 60,
              "residences_secondaires": 6, "logements_vacants": 3, "residences_principales": 51,
              "rp_proprietaires": 40},
        "B": {"pop": (300, 310), "actifs_15_64": 150, "chomeurs_15_64": 30, "emplois": 240, "logements": 140,
              "residences_secondaires": 4, "logements_vacants": 6, "residences_principales": 130,
              "rp_proprietaires": 65},
    }
    for code, values in figures.items():
        for variable, value in values.items():
            if variable == "pop":
                rows += [("COM", code, "pop", "2018", value[0], None), ("COM", code, "pop", "2013", value[1], None)]
                continue
            status = "secret" if code == secret_commune and variable == absent_variable else None
            rows.append(("COM", code, variable, "2018", float("nan") if status else value, status))
        rows += [("COM", code, "naissances", "2013-2018", 10, None), ("COM", code, "deces", "2013-2018", 4, None),
                 ("COM", code, "superficie_km2", "geographie", 10, None)]
    return pd.DataFrame(rows, columns=["geo_level", "geo_code", "variable", "period", "value", "status"])


def _frame(comparateur: pd.DataFrame) -> pd.DataFrame:
    communes = pd.DataFrame({"code": ["A", "B", "C"], "name": ["a", "b", "c"], "departement": ["01", "01", "02"],
                             "region": ["84", "84", "27"]})
    epcis = pd.DataFrame({"epci": ["E", "E", "E"], "name": ["CC E"] * 3, "commune": ["A", "B", "C"]})
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform([5.0, 5.3], [45.0, 45.0])
    places = pd.DataFrame({"code": ["A", "B"], "lon": [5.0, 5.3], "lat": [45.0, 45.0], "x": x, "y": y,
                           "crs": ["EPSG:2154"] * 2, "weight": [1.0, 2.0]})
    density = pd.DataFrame({"commune": ["A", "B"], "dens": [6, 3], "pmun21": [100, 300],
                            **{f"p{k}": [0.0] * 2 for k in range(1, 8)}})
    density.loc[0, "p6"], density.loc[1, "p3"], density.loc[1, "p4"] = 100.0, 40.0, 60.0
    return build_profile_frame(comparateur, communes, epcis, places, density).set_index(["level", "code"])


def test_a_secret_part_gives_nan_never_zero_for_the_commune_and_its_epci():
    frame = _frame(_tiny(secret_commune="A"))
    assert math.isnan(frame.at[("COM", "A"), "unemployment_pct"])
    assert math.isnan(frame.at[("COM", "A"), "jobs_per_100_workers"])
    assert frame.at[("COM", "B"), "unemployment_pct"] == pytest.approx(20.0)
    assert math.isnan(frame.at[("EPCI", "E"), "unemployment_pct"])  # a sum with a missing part is no total
    assert frame.at[("EPCI", "E"), "vacancy_pct"] == pytest.approx(9 / 200 * 100, rel=1e-6)
    # commune C holds no row of the comparateur: it adds nothing and blanks nothing
    assert frame.at[("EPCI", "E"), "population"] == 400
    assert np.isnan(frame.loc[("COM", "C"), list(PROFILE_VARIABLES)].drop("density_level").astype(float)).all()


def test_epci_figures_are_sums_then_rates_with_its_own_density_level_and_region():
    frame = _frame(_tiny())
    epci = frame.loc[("EPCI", "E")]
    assert epci["unemployment_pct"] == pytest.approx(35 / 200 * 100, rel=1e-6)
    assert epci["jobs_per_100_workers"] == pytest.approx(270 / 165 * 100, rel=1e-6)
    assert epci["growth_pct_year"] == pytest.approx(((400 / 400) ** 0.2 - 1) * 100, abs=1e-6)
    assert epci["natural_balance_pct_year"] == pytest.approx(12 / (400 * 5) * 100, rel=1e-6)
    assert epci["density"] == pytest.approx(400 / 20, rel=1e-6)
    assert epci["departements"] == "01;02" and epci["region"] == "84"
    assert epci["density_level"] == 4  # 180 inhabitants in level 4, 120 in level 3, 100 in level 6
    assert frame.at[("COM", "A"), "density_level"] == 6
    assert epci["lon"] == pytest.approx(5.2, abs=0.01)  # two thirds of the way: B's outline is twice A's
