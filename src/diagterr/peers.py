"""The comparable territories of a commune or an EPCI, found on the national profiles, offline.

Read only from the table `territory_profiles` of the national base (`tables.profiles`), with
pandas and numpy:

- the nearest: the N territories of the same kind (communes for a commune, EPCI for an EPCI) whose
  centroid is nearest, in great-circle kilometres, within the same zone (mainland France, or the
  subject's own overseas département: a DROM's nearest are in that DROM);
- the most similar: the N territories of the same kind across France whose profile is nearest.
  The variables (SIMILARITY_VARIABLES: size as the logarithm of the population, density level,
  growth, natural balance, second homes, vacancy, unemployment, jobs per 100 workers, owners) are
  each standardised as a z-score over every unit of that level in France that has it; the
  distance is the Euclidean distance of the z-scores, on the variables both units have, scaled
  up to the full number of variables; a unit sharing fewer than MIN_SHARED variables with the
  subject is not ranked. `PeerSet.method` says all that in French, with each mean and standard
  deviation;
- the chosen: the consultant's own list (--comparer), checked by `check_comparer`.

A list of communes (territory kind "communes") has no peers: a PeerSet is only for a single
commune (level "COM") or an EPCI (level "EPCI").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from diagterr.errors import BadInputError, DiagterrError
from diagterr.store import Store
from diagterr.tables.profiles import PROFILE_LEVELS, PROFILE_VARIABLES, TERRITORY_PROFILES
from diagterr.texts import say

DEFAULT_N = 8
EARTH_RADIUS_KM = 6371.0088
# profile variables of the similarity, in this order ("population" enters as its logarithm)
SIMILARITY_VARIABLES = (
    "population", "density_level", "growth_pct_year", "natural_balance_pct_year", "second_homes_pct",
    "vacancy_pct", "unemployment_pct", "jobs_per_100_workers", "owners_pct",
)
MIN_SHARED = 6  # variables two units must both have to be compared

SIREN = re.compile(r"^\d{9}$")
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_METRO = "metro"


@dataclass(frozen=True, slots=True)
class Peer:
    code: str
    name: str
    level: str
    distance_km: float | None  # great-circle distance between the centroids; None without a centroid
    similarity_rank: int | None  # rank among the ranked units of the level (1 = most similar); None if unranked


@dataclass(frozen=True, slots=True)
class PeerSet:
    level: str  # "COM" or "EPCI"
    subject: str  # the territory's code (EPCI SIREN or commune code)
    nearest: tuple[Peer, ...]  # the N nearest of the same kind by centroid distance (great-circle km)
    similar: tuple[Peer, ...]  # the N most similar across France on the profile (itself excluded)
    chosen: tuple[Peer, ...]  # the consultant's --comparer list, in its order (empty if none)
    variables: tuple[str, ...]  # the profile variables used (ids of PROFILE_VARIABLES)
    method: str  # French, printed in the dossier: standardisation, distance, N, universe


_CACHE: dict[tuple[str, str], pd.DataFrame] = {}


def load_profiles(store: Store) -> pd.DataFrame:
    """The table territory_profiles (codes as str, figures as float64), cached per file."""
    manifest = store.manifest(TERRITORY_PROFILES.name)
    if manifest is None:
        raise DiagterrError(say("comparables.no_profiles"))
    key = (str(store.roots), manifest.sha256)
    if key not in _CACHE:
        frame = store.read(TERRITORY_PROFILES.name)
        if frame is None:
            raise DiagterrError(say("comparables.no_profiles"))
        for column in ("level", "code", "name", "departements", "region"):
            frame[column] = frame[column].astype(str)
        numeric = ["lon", "lat", "area_km2", *PROFILE_VARIABLES]
        frame[numeric] = frame[numeric].astype("float64")
        _CACHE[key] = frame
    return _CACHE[key]


def find_peers(profiles: pd.DataFrame, level: str, code: str, *, n: int = DEFAULT_N,
               chosen: Sequence[str] = ()) -> PeerSet:
    """The nearest, the most similar and the chosen territories of commune or EPCI `code`."""
    if level not in PROFILE_LEVELS:
        raise ValueError(f"peers are found for one commune or one EPCI, not for level {level!r}")
    units = _level(profiles, level)
    where = np.flatnonzero(units["code"].to_numpy() == code)
    if where.size == 0:
        raise BadInputError(say("comparables.unknown_subject", value=code, kind=say(f"comparables.kind_{level}")))
    subject = int(where[0])
    chosen_codes = check_comparer(chosen, level, code, profiles) if chosen else ()

    distances = _distances_km(units, subject)
    zones = _zones(units["departements"])
    same_zone = (zones == zones[subject]) & np.isfinite(distances)
    same_zone[subject] = False
    candidates = np.flatnonzero(same_zone)
    nearest = candidates[np.lexsort((units["code"].to_numpy()[candidates], distances[candidates]))][:n]

    z, stats, variables = _zscores(units)
    gaps = _profile_distances(z, subject)
    ranked = np.flatnonzero(np.isfinite(gaps))
    ranked = ranked[ranked != subject]
    order = ranked[np.lexsort((units["code"].to_numpy()[ranked], gaps[ranked]))]
    rank = np.full(len(units), -1)
    rank[order] = np.arange(1, len(order) + 1)

    def peer(i: int) -> Peer:
        d = distances[i]
        return Peer(code=str(units["code"].iat[i]), name=str(units["name"].iat[i]), level=level,
                    distance_km=float(d) if np.isfinite(d) else None,
                    similarity_rank=int(rank[i]) if rank[i] > 0 else None)

    position = {c: i for i, c in enumerate(units["code"])}
    method = say(
        "comparables.method", n=n, kind_plural=say(f"comparables.kind_plural_{level}"),
        overseas=zones[subject] != _METRO, universe=len(order) + 1, min_shared=MIN_SHARED, ranked=len(order) > 0,
        variables=[{"label": _label(v), **stats[v]} for v in variables],
    )
    return PeerSet(
        level=level, subject=code,
        nearest=tuple(peer(int(i)) for i in nearest),
        similar=tuple(peer(int(i)) for i in order[:n]),
        chosen=tuple(peer(position[c]) for c in chosen_codes),
        variables=variables, method=method,
    )


def profile_rows(profiles: pd.DataFrame, level: str, codes: Sequence[str]) -> pd.DataFrame:
    """The profile rows of these territories of `level`, in the order given (side-by-side table).
    KeyError for a code the table does not hold at that level."""
    units = _level(profiles, level).set_index("code", drop=False)
    absent = [c for c in codes if c not in units.index]
    if absent:
        raise KeyError(f"not in {TERRITORY_PROFILES.name} at level {level}: {absent}")
    return units.loc[list(codes)].reset_index(drop=True)


def check_comparer(codes: Sequence[str], level: str, subject: str, profiles: pd.DataFrame) -> tuple[str, ...]:
    """The consultant's comparison list, normalised (blanks dropped, "2a" read "2A"), or a
    BadInputError naming the value and the valid form: a code of no known form, a mix of communes
    and EPCI, codes of the other kind than the territory, a duplicate, the territory itself, a
    code the national base does not know."""
    form = say(f"comparables.form_{level}")
    given = [c.strip().upper() for c in codes if c.strip()]
    kinds = []
    for value in given:
        kind = "EPCI" if SIREN.match(value) else "COM" if COMMUNE_CODE.match(value) else None
        if kind is None:
            raise BadInputError(say("comparables.comparer_malformed", value=value, form=form))
        kinds.append(kind)
    if len(set(kinds)) > 1:
        commune = given[kinds.index("COM")]
        epci = given[kinds.index("EPCI")]
        raise BadInputError(say("comparables.comparer_mixed", commune=commune, epci=epci, form=form))
    for value, kind in zip(given, kinds, strict=True):
        if kind != level:
            raise BadInputError(say("comparables.comparer_wrong_kind", value=value, form=form,
                                    given=say(f"comparables.given_{kind}"), expected=say(f"comparables.given_{level}")))
    seen: set[str] = set()
    for value in given:
        if value in seen:
            raise BadInputError(say("comparables.comparer_duplicate", value=value))
        seen.add(value)
    if subject in seen:
        raise BadInputError(say("comparables.comparer_itself", value=subject, form=form))
    known = set(_level(profiles, level)["code"])
    for value in given:
        if value not in known:
            raise BadInputError(say("comparables.comparer_unknown", value=value, form=form,
                                    kind=say(f"comparables.kind_{level}")))
    return tuple(given)


def closest_variables(profiles: pd.DataFrame, level: str, subject: str, codes: Sequence[str],
                      k: int = 3) -> dict[str, tuple[str, ...]]:
    """For each territory of `codes`, the `k` similarity variables on which it is nearest the
    subject (smallest gap of the z-scores, both values known), nearest first."""
    units = _level(profiles, level)
    position = {c: i for i, c in enumerate(units["code"])}
    z, _, variables = _zscores(units)
    found: dict[str, tuple[str, ...]] = {}
    for code in codes:
        gaps = np.abs(z[position[code]] - z[position[subject]])
        known = np.flatnonzero(np.isfinite(gaps))
        order = known[np.argsort(gaps[known], kind="stable")][:k]
        found[code] = tuple(variables[int(i)] for i in order)
    return found


def comparer_level(kind: str) -> str | None:
    """The profile level of a territory kind ("commune" -> "COM", "epci" -> "EPCI"); None for a
    list of communes, which has no peers."""
    return {"commune": "COM", "epci": "EPCI"}.get(kind)


def split_comparer(value: str | Sequence[str]) -> list[str]:
    """The codes of a --comparer value ("CODE,CODE,…") or of a batch list (items may hold commas)."""
    items = [value] if isinstance(value, str) else list(value)
    return [part for item in items for part in str(item).split(",")]


def check_territory_comparer(value: str | Sequence[str], kind: str, subject: str,
                             store: Store) -> tuple[str, ...]:
    """The consultant's comparison list for this territory, validated before any work
    (`check_comparer`), or a BadInputError: an empty list, or any list for a list of communes."""
    codes = split_comparer(value)
    level = comparer_level(kind)
    if level is None:
        raise BadInputError(say("comparables.comparer_for_communes"))
    if not any(code.strip() for code in codes):
        raise BadInputError(say("comparables.comparer_empty", form=say(f"comparables.form_{level}")))
    return check_comparer(codes, level, subject, load_profiles(store))


# -- internals ------------------------------------------------------------------------------------


def _level(profiles: pd.DataFrame, level: str) -> pd.DataFrame:
    return profiles[profiles["level"] == level].sort_values("code").reset_index(drop=True)


def _zones(departements: pd.Series) -> np.ndarray:
    """"metro" for mainland France (Corsica included), else the overseas département's code."""
    first = departements.astype(str).str.split(";").str[0]
    return np.where(first.str.len() == 3, first, _METRO)


def _distances_km(units: pd.DataFrame, subject: int) -> np.ndarray:
    lon = np.radians(units["lon"].to_numpy(dtype=float))
    lat = np.radians(units["lat"].to_numpy(dtype=float))
    dlat, dlon = lat - lat[subject], lon - lon[subject]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat) * np.cos(lat[subject]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _zscores(units: pd.DataFrame) -> tuple[np.ndarray, dict[str, dict[str, Any]], tuple[str, ...]]:
    """The z-scores (units × variables), each variable's mean and standard deviation (of the values
    as standardised: log of the population) and the variables kept (those with a spread)."""
    columns, stats, kept = [], {}, []
    for variable in SIMILARITY_VARIABLES:
        values = units[variable].to_numpy(dtype=float)
        if variable == "population":
            values = np.log(np.where(values > 0, values, np.nan))
        finite = values[np.isfinite(values)]
        if finite.size < 2 or not np.std(finite) > 0:
            continue
        mean, std = float(np.mean(finite)), float(np.std(finite))
        columns.append((values - mean) / std)
        stats[variable] = {"mean": mean, "std": std, "decimals": 2}
        kept.append(variable)
    z = np.column_stack(columns) if columns else np.empty((len(units), 0))
    return z, stats, tuple(kept)


def _profile_distances(z: np.ndarray, subject: int) -> np.ndarray:
    """Euclidean distance of each unit's z-scores to the subject's, on the variables both have,
    scaled to the full number of variables; NaN for fewer than MIN_SHARED shared variables."""
    if z.shape[1] == 0:
        return np.full(z.shape[0], np.nan)
    diff = z - z[subject]
    shared = np.isfinite(diff)
    count = shared.sum(axis=1)
    squares = np.where(shared, diff, 0.0) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        gaps = np.sqrt(squares.sum(axis=1) * z.shape[1] / count)
    gaps[count < min(MIN_SHARED, z.shape[1])] = np.nan
    return gaps


def _label(variable: str) -> str:
    if variable == "population":
        return say("comparables.method_log_population")
    return PROFILE_VARIABLES[variable][0]
