"""The profile of every commune and EPCI of France, from the national base (table territory_profiles).

`build_profile_frame` turns the national comparateur (long format), the communes' places (centroid
and outline area in a metric projection), the EPCI membership and the density grid into the rows
of `tables.profiles.TERRITORY_PROFILES`. The build script (scripts/national_profiles.py) calls it
on the real tables; tests call it on tiny frames.

Honest numbers: a commune's figure whose part is missing or secret (a status in the comparateur)
is NaN; an EPCI's count is the sum over its member communes and is NaN as soon as one member
holding a row has that part missing (a sum with a missing part is not a total); its rates are
recomputed from the summed counts. A member commune with no row at all in the comparateur (a
commune restored since 2018, whose figures the file counts in the commune nouvelle it left) adds
nothing and blanks nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagterr.tables.profiles import PROFILE_VARIABLES, TERRITORY_PROFILES

CENSUS_YEAR, START_YEAR = "2018", "2013"
YEARS = 5.0

# (variable, period) of the comparateur -> column of the wide frame of counts
COUNTS = {
    ("pop", CENSUS_YEAR): "pop",
    ("pop", START_YEAR): "pop_start",
    ("naissances", f"{START_YEAR}-{CENSUS_YEAR}"): "births",
    ("deces", f"{START_YEAR}-{CENSUS_YEAR}"): "deaths",
    ("superficie_km2", "geographie"): "superficie",
    ("logements", CENSUS_YEAR): "dwellings",
    ("residences_secondaires", CENSUS_YEAR): "second_homes",
    ("logements_vacants", CENSUS_YEAR): "vacant",
    ("residences_principales", CENSUS_YEAR): "main_homes",
    ("rp_proprietaires", CENSUS_YEAR): "owners",
    ("actifs_15_64", CENSUS_YEAR): "active",
    ("chomeurs_15_64", CENSUS_YEAR): "unemployed",
    ("emplois", CENSUS_YEAR): "jobs",
}
DENSITY_LEVELS = tuple(range(1, 8))


def build_profile_frame(
    comparateur: pd.DataFrame,
    communes: pd.DataFrame,
    epcis: pd.DataFrame,
    places: pd.DataFrame,
    density: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows of territory_profiles (columns TERRITORY_PROFILES.columns, communes then EPCI).

    - `comparateur`: the comparateur table (geo_level, geo_code, variable, period, value, status);
      only its COM rows are read.
    - `communes`: the current communes (code, name, departement, region), arrondissements excluded.
    - `epcis`: the membership (epci, name, commune), one row per member commune.
    - `places`: per commune with an outline: code, lon, lat (WGS84 of its centroid), x, y (that
      centroid in metres), crs (the metric projection of x, y), weight (outline area in m²).
    - `density`: the density grid (commune, dens, pmun21, p1…p7) or None (density_level is NaN).
    """
    counts = _commune_counts(comparateur)
    communes = communes.astype({"code": str}).sort_values("code").reset_index(drop=True)
    com = communes[["code", "name", "departement", "region"]].merge(counts, how="left", left_on="code",
                                                                     right_index=True)
    com = com.merge(places[["code", "lon", "lat"]], how="left", on="code")
    com["departements"] = com["departement"]
    com["area_km2"] = com["superficie"]
    com["density_level"] = _commune_density_level(com["code"], density)
    com = _rates(com)

    epci_rows = _epci_frame(com, epcis, places, density)
    frame = pd.concat([com.assign(level="COM"), epci_rows.assign(level="EPCI")], ignore_index=True)
    frame = frame[list(TERRITORY_PROFILES.columns)]
    for column in ("level", "code", "name", "departements", "region"):
        frame[column] = frame[column].astype(str)
    # float32: seven significant digits, more than any figure shown, in two thirds of the bytes
    numeric = ["lon", "lat", "area_km2", *PROFILE_VARIABLES]
    frame[numeric] = frame[numeric].astype("float32")
    return frame.reset_index(drop=True)


def _commune_counts(comparateur: pd.DataFrame) -> pd.DataFrame:
    """Wide counts per commune code (columns of COUNTS); a part with a status is NaN."""
    rows = comparateur[comparateur["geo_level"] == "COM"]
    key = list(zip(rows["variable"], rows["period"], strict=True))
    rows = rows.assign(column=[COUNTS.get(k) for k in key])
    rows = rows[rows["column"].notna()]
    value = rows["value"].astype("float64").where(rows["status"].isna())
    wide = pd.DataFrame({"code": rows["geo_code"].astype(str), "column": rows["column"], "value": value})
    wide = wide.pivot_table(index="code", columns="column", values="value", aggfunc="first", dropna=False)
    # every commune holding a row: a column it lacks entirely is missing, NaN
    wide = wide.reindex(columns=list(COUNTS.values()))
    wide["held"] = True  # the comparateur has a row of this commune (even if every part is missing)
    return wide


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The profile variables from the counts (NaN where a part is NaN or a denominator is 0)."""

    def ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 100.0) -> pd.Series:
        return (numerator / denominator.where(denominator != 0)) * scale

    pop, start = frame["pop"], frame["pop_start"]
    out = frame.copy()
    out["population"] = pop
    out["population_2013"] = start
    out["growth_pct_year"] = ((pop / start.where(start > 0)) ** (1.0 / YEARS) - 1.0) * 100.0
    out["density"] = ratio(pop, frame["superficie"], 1.0)
    # the dossier's own definition (themes.demographie.natural_balance_pct): births − deaths over the
    # period, per year, over the mean of the two census populations
    out["natural_balance_pct_year"] = ratio(frame["births"] - frame["deaths"], (start + pop) / 2 * YEARS)
    out["second_homes_pct"] = ratio(frame["second_homes"], frame["dwellings"])
    out["vacancy_pct"] = ratio(frame["vacant"], frame["dwellings"])
    out["unemployment_pct"] = ratio(frame["unemployed"], frame["active"])
    out["jobs_per_100_workers"] = ratio(frame["jobs"], frame["active"] - frame["unemployed"])
    out["owners_pct"] = ratio(frame["owners"], frame["main_homes"])
    return out


def _commune_density_level(codes: pd.Series, density: pd.DataFrame | None) -> pd.Series:
    if density is None:
        return pd.Series(np.nan, index=codes.index)
    levels = pd.to_numeric(density.set_index(density["commune"].astype(str))["dens"], errors="coerce")
    levels = levels[~levels.index.duplicated()]
    return codes.map(levels).astype("float64")


def _epci_frame(com: pd.DataFrame, epcis: pd.DataFrame, places: pd.DataFrame,
                density: pd.DataFrame | None) -> pd.DataFrame:
    members = epcis.astype({"epci": str, "commune": str})
    joined = members.merge(com, how="left", left_on="commune", right_on="code", suffixes=("", "_commune"))
    count_columns = list(COUNTS.values())
    held = joined[joined["held"].eq(True)]  # the members the comparateur holds
    sums = held.groupby("epci")[count_columns].sum(min_count=1)
    incomplete = held[count_columns].isna().groupby(held["epci"]).any()
    sums = sums.mask(incomplete)
    names = members.drop_duplicates("epci").set_index("epci")["name"]
    out = pd.DataFrame(index=names.index.sort_values())
    out = out.join(names).join(sums)
    out["departements"] = joined.groupby("epci")["departement"].agg(lambda s: ";".join(sorted(set(s.dropna()))))
    out["region"] = _dominant(joined, "region")
    out["area_km2"] = out["superficie"]
    out[["lon", "lat"]] = _epci_centroids(members, places).reindex(out.index)
    out["density_level"] = _epci_density_level(members, density).reindex(out.index)
    out = _rates(out)
    return out.rename_axis("code").reset_index()


def _dominant(joined: pd.DataFrame, column: str) -> pd.Series:
    """Per EPCI, the value of `column` holding the largest 2018 population (then the most communes)."""
    weights = joined.assign(_pop=joined["pop"].fillna(0.0), _n=1)
    grouped = weights.groupby(["epci", column], sort=True)[["_pop", "_n"]].sum().reset_index()
    grouped = grouped.sort_values(["epci", "_pop", "_n", column], ascending=[True, False, False, True])
    return grouped.drop_duplicates("epci").set_index("epci")[column]


def _epci_centroids(members: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Per EPCI, lon and lat of the area-weighted mean of its communes' metric centroids."""
    from pyproj import Transformer

    joined = members.merge(places, how="inner", left_on="commune", right_on="code")
    rows = {}
    for epci, part in joined.groupby("epci", sort=True):
        crs = part["crs"].mode().iloc[0]
        part = part[part["crs"] == crs]
        weight = part["weight"].to_numpy(dtype=float)
        if weight.sum() <= 0:
            continue
        x = float(np.average(part["x"].to_numpy(dtype=float), weights=weight))
        y = float(np.average(part["y"].to_numpy(dtype=float), weights=weight))
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        rows[epci] = (lon, lat)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["lon", "lat"])


def _epci_density_level(members: pd.DataFrame, density: pd.DataFrame | None) -> pd.Series:
    """Per EPCI, the density level holding the largest share of its 2021 population: the population
    of each level summed over its communes (PMUN21 × P1…P7 when the grid gives them, else each
    commune's whole PMUN21 in its own level DENS); ties go to the denser level."""
    if density is None:
        return pd.Series(dtype="float64")
    grid = density.assign(commune=density["commune"].astype(str)).drop_duplicates("commune")
    joined = members.merge(grid, how="inner", on="commune")
    pmun = pd.to_numeric(joined["pmun21"], errors="coerce")
    shares = [f"p{k}" for k in DENSITY_LEVELS]
    if set(shares) <= set(joined.columns):
        by_level = pd.DataFrame({k: pmun * pd.to_numeric(joined[f"p{k}"], errors="coerce") / 100.0
                                 for k in DENSITY_LEVELS})
    else:
        dens = pd.to_numeric(joined["dens"], errors="coerce")
        by_level = pd.DataFrame({k: pmun.where(dens == k, 0.0) for k in DENSITY_LEVELS})
    totals = by_level.groupby(joined["epci"]).sum(min_count=1)
    known = totals.notna().any(axis=1) & (totals.fillna(0.0).sum(axis=1) > 0)
    return totals[known].fillna(0.0).idxmax(axis=1).astype("float64")
