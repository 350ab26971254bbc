"""Open-Meteo: the ERA5 reanalysis (daily, since 1950) at a territory's representative points.

Facts from ../shared/sources/APIS.md §5 and the REAL specimens (`openmeteo__*.json`). What this
module does and the pitfalls it handles:
- the archive (`archive-api.open-meteo.com/v1/archive`, `models=era5`) answers the snapped ERA5
  grid cell (0.25°) of the point asked, with the `elevation` used for the point; the body holds
  `daily_units` and `daily` (one array per variable, `time` first). Units are checked: °C and mm
  as asked; °F and inch (the climate API specimen) are converted; anything else fails loudly;
- a `null` day stays missing: a year is aggregated only when every one of its days has a value,
  otherwise it is "incomplete" (NaN with the count of days), never a partial sum or count;
- with several models (climate API), every variable key gets a `_<model>` suffix;
- errors: HTTP 400 `{"error": true, "reason": "…"}`, HTTP 429 "Daily API request limit
  exceeded" (text). A 429 is retried once only: the daily limit does not lift in seconds.

Terms: the free API is for non-commercial use (600 calls/min, 5 000/h, 10 000/day). A customer
key, read from the environment variable DIAGTERR_OPENMETEO_API_KEY (never hard-coded, never
logged, never written to a manifest or an error message), sends the requests to the `customer-`
host with `apikey=`; requests-cache already keeps `apikey` out of its keys and stored URLs.

Points (`representative_points`): the communes are grouped by the ERA5 cell (0.25° grid node)
that holds their representative point (a point inside each commune); each group gets one point,
the centre of its communes' representative points weighted by their legal population (PL 2023 of
the COG index). A small commune gets one point; an EPCI spanning several cells (large, or
mountainous with valleys in several cells) gets one per cell, with the altitude Open-Meteo
reports. At most MAX_POINTS (one request each): beyond, the groups with the most inhabitants
keep their point and the communes of the others join the nearest kept point.

The table `climat_era5` holds yearly aggregates per point and per territory: `territoire`
(`<kind>:<code>`), `commune` (the most populous commune of the point's group: the key the
themes filter on), `communes` (every commune of the group), the point asked, the cell answered
and its altitude, then `variable`, `period` (year), `value`, `status`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from diagterr.errors import SourceError, SourceSchemaError
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, Store
from diagterr.tables.climate import CLIMAT_ERA5, ERA5_FIRST_YEAR, territory_key
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "open_meteo_era5"
ARCHIVE_URL = "https://archive-api.open-meteo.com/v1/archive"
CUSTOMER_ARCHIVE_URL = "https://customer-archive-api.open-meteo.com/v1/archive"
API_KEY_ENV = "DIAGTERR_OPENMETEO_API_KEY"
KEY_PARAM = "apikey"
MODEL = "era5"
GRID_STEP = 0.25  # ERA5 grid of Open-Meteo's `era5` model (60.39, 5.32 → 60.5, 5.25 in the specimen)
MAX_POINTS = 8
DAILY_VARIABLES = ("temperature_2m_max", "temperature_2m_min", "temperature_2m_mean", "precipitation_sum")
# ERA5 of past years does not change once final; a month-old preliminary December may: 90 days.
EXPIRE_AFTER = timedelta(days=90)
# 429 once (the minute limit may lift, the daily one will not), 5xx twice.
RETRY_STATUSES = {429: 1, 500: 2, 502: 2, 503: 2, 504: 2}

HOT_DAY_TX_C = 30.0  # jour très chaud : température maximale ≥ 30 °C
FROST_DAY_TN_C = 0.0  # jour de gel : température minimale < 0 °C
TROPICAL_NIGHT_TN_C = 20.0  # nuit tropicale : température minimale ≥ 20 °C

INCOMPLETE = "incomplet"
PARTIAL = "partiel"

_UNITS = {"°C": ("°C", lambda v: v), "°F": ("°C", lambda v: (v - 32.0) * 5.0 / 9.0),
          "mm": ("mm", lambda v: v), "inch": ("mm", lambda v: v * 25.4)}
_EXPECTED_UNIT = {"temperature": "°C", "precipitation": "mm"}


@dataclass(frozen=True, slots=True)
class ClimatePoint:
    """A point asked to Open-Meteo and the communes it stands for."""

    latitude: float
    longitude: float
    communes: tuple[str, ...]  # sorted
    main_commune: str  # the most populous commune of the group
    population: int  # legal population of the group (PL 2023 of the COG index)

    @property
    def label(self) -> str:
        return f"{self.latitude:.4f},{self.longitude:.4f}"


@dataclass(frozen=True)
class DailySeries:
    """One daily body: the cell answered, its altitude, the days and one array per variable (NaN = null)."""

    latitude: float
    longitude: float
    elevation: float | None
    days: tuple[date, ...]
    values: Mapping[str, np.ndarray]
    units: Mapping[str, str] = field(default_factory=dict)  # after conversion: °C, mm


# -- points ------------------------------------------------------------------------------------


def grid_node(latitude: float, longitude: float, step: float = GRID_STEP) -> tuple[float, float]:
    """The ERA5 grid node nearest a point (half-way rounds up, not to even)."""
    return (math.floor(latitude / step + 0.5) * step, math.floor(longitude / step + 0.5) * step)


def representative_points(territory: Territory, boundaries: Any, max_points: int = MAX_POINTS) -> list[ClimatePoint]:
    """The points where the climate of `territory` is read (rule in the module docstring).

    `boundaries`: the commune contours the pipeline gathered (GeoDataFrame, EPSG:4326, columns
    code and geometry). Raises SourceError when it is absent or lacks communes of the territory.
    """
    codes = territory.commune_codes
    if boundaries is None:
        raise SourceError("Climat observé : contours des communes indisponibles, points de calcul impossibles à placer.")
    frame = boundaries[boundaries["code"].isin(codes)]
    missing = sorted(set(codes) - set(frame["code"]))
    if missing:
        raise SourceError(
            f"Climat observé : pas de contour pour {len(missing)} commune(s) ({', '.join(missing[:6])}) : "
            "points de calcul impossibles à placer."
        )
    population = {c.code: c.population or 0 for c in territory.communes}
    groups: dict[tuple[float, float], list[tuple[str, float, float]]] = {}
    for code, geometry in zip(frame["code"], frame.geometry, strict=True):
        inside = geometry.representative_point()
        groups.setdefault(grid_node(inside.y, inside.x), []).append((str(code), inside.y, inside.x))
    points = []
    for members in groups.values():
        weights = [max(population[code], 0) for code, _, _ in members]
        total = sum(weights)
        if total == 0:  # no population known: plain centre
            weights, total = [1] * len(members), len(members)
        lat = sum(w * y for w, (_, y, _) in zip(weights, members, strict=True)) / total
        lon = sum(w * x for w, (_, _, x) in zip(weights, members, strict=True)) / total
        main = max(members, key=lambda m: (population[m[0]], m[0]))[0]
        points.append(
            ClimatePoint(round(lat, 4), round(lon, 4), tuple(sorted(c for c, _, _ in members)), main,
                         sum(population[c] for c, _, _ in members))
        )
    points.sort(key=lambda p: (-p.population, p.main_commune))
    kept, dropped = points[:max_points], points[max_points:]
    if dropped:
        # The communes of the cells beyond the cap join the nearest kept point (its place unchanged):
        # every commune keeps a point, and the request count stays bounded.
        extra: dict[int, list[str]] = {}
        inside = {code: (y, x) for members in groups.values() for code, y, x in members}
        for point in dropped:
            for code in point.communes:
                y, x = inside[code]
                nearest = min(range(len(kept)), key=lambda i: (kept[i].latitude - y) ** 2 + (kept[i].longitude - x) ** 2)
                extra.setdefault(nearest, []).append(code)
        kept = [
            replace(point, communes=tuple(sorted((*point.communes, *extra[i]))),
                    population=point.population + sum(population[c] for c in extra[i]))
            if i in extra else point
            for i, point in enumerate(kept)
        ]
    return sorted(kept, key=lambda p: p.main_commune)


# -- requests ----------------------------------------------------------------------------------


def archive_request(point: ClimatePoint, start: date, end: date) -> tuple[str, dict[str, str]]:
    """URL and parameters of the daily ERA5 series of a point (the key, if any, is not included)."""
    params = {
        "latitude": f"{point.latitude:.4f}",
        "longitude": f"{point.longitude:.4f}",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "daily": ",".join(DAILY_VARIABLES),
        "timezone": "auto",
        "models": MODEL,
    }
    return ARCHIVE_URL, params


def fetch_point(client: HttpClient, point: ClimatePoint, start: date, end: date) -> DailySeries:
    """The daily ERA5 series of `point` from `start` to `end` (one request, cached)."""
    url, params = archive_request(point, start, end)
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        url, params = CUSTOMER_ARCHIVE_URL, {**params, KEY_PARAM: key}
    where = f"{ARCHIVE_URL} (point {point.label})"
    with _secret_redacted(key):
        try:
            body = client.get_json(
                url, params, source_id=SOURCE_ID, expire_after=EXPIRE_AFTER, retry_statuses=RETRY_STATUSES
            )
        except SourceError as error:
            raise _explained(error, key) from None
    return parse_daily(body, DAILY_VARIABLES, where)


def parse_daily(body: Any, variables: Sequence[str], where: str, model: str | None = None) -> DailySeries:
    """The daily series of a body of the archive or climate API, units converted to °C and mm.

    `model`: with several models the keys read `<variable>_<model>`; with one, plain names.
    Raises SourceError for an error body, SourceSchemaError naming the field that is missing or
    malformed, or a unit this module does not know.
    """
    if isinstance(body, Mapping) and body.get("error") is True:
        raise SourceError(f"Open-Meteo : {where} : requête refusée ({body.get('reason', 'sans motif')}).")
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"Open-Meteo : {where} devait renvoyer un objet JSON.")
    for name in ("latitude", "longitude", "daily_units", "daily"):
        if name not in body:
            raise SourceSchemaError(f"Open-Meteo : la réponse de {where} n'a pas de champ « {name} ».")
    daily, units = body["daily"], body["daily_units"]
    if not isinstance(daily, Mapping) or not isinstance(units, Mapping):
        raise SourceSchemaError(f"Open-Meteo : « daily » ou « daily_units » de {where} n'est pas un objet.")
    if not isinstance(daily.get("time"), list):
        raise SourceSchemaError(f"Open-Meteo : la réponse de {where} n'a pas de champ « daily.time ».")
    days = _days(daily["time"], where)
    values: dict[str, np.ndarray] = {}
    converted: dict[str, str] = {}
    for variable in variables:
        key = variable if model is None else f"{variable}_{model}"
        values[variable], converted[variable] = _daily_values(daily.get(key), units.get(key), variable, key,
                                                              len(days), where)
    elevation = body.get("elevation")
    return DailySeries(
        latitude=float(body["latitude"]),
        longitude=float(body["longitude"]),
        elevation=float(elevation) if isinstance(elevation, (int, float)) and not isinstance(elevation, bool) else None,
        days=days,
        values=values,
        units=converted,
    )


def _days(times: list[Any], where: str) -> tuple[date, ...]:
    """The days of `daily.time`, strictly increasing."""
    try:
        days = tuple(date.fromisoformat(t) for t in times)
    except (TypeError, ValueError):
        raise SourceSchemaError(f"Open-Meteo : « daily.time » de {where} contient une date illisible.") from None
    if any(b <= a for a, b in itertools.pairwise(days)):
        raise SourceSchemaError(f"Open-Meteo : les dates de « daily.time » de {where} ne sont pas croissantes.")
    return days


def _daily_values(raw: Any, unit: Any, variable: str, key: str, days: int, where: str) -> tuple[np.ndarray, str]:
    """One daily array (NaN for null) converted to °C or mm, and its unit after conversion."""
    if not isinstance(raw, list):
        raise SourceSchemaError(f"Open-Meteo : la réponse de {where} n'a pas de champ « daily.{key} ».")
    if len(raw) != days:
        raise SourceSchemaError(
            f"Open-Meteo : « daily.{key} » de {where} a {len(raw)} valeurs pour {days} jours."
        )
    if any(v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))) for v in raw):
        raise SourceSchemaError(f"Open-Meteo : « daily.{key} » de {where} contient une valeur non numérique.")
    if unit not in _UNITS:
        raise SourceSchemaError(f"Open-Meteo : unité inconnue « {unit} » pour « daily_units.{key} » ({where}).")
    target, convert = _UNITS[unit]
    expected = next((u for prefix, u in _EXPECTED_UNIT.items() if variable.startswith(prefix)), None)
    if expected is not None and target != expected:
        raise SourceSchemaError(f"Open-Meteo : unité « {unit} » inattendue pour « {key} » ({where}).")
    return convert(np.array([np.nan if v is None else float(v) for v in raw], dtype=float)), target


# -- yearly aggregates -------------------------------------------------------------------------


def yearly_aggregates(series: DailySeries, *, require_complete: bool = True) -> pd.DataFrame:
    """Yearly values of a daily series: columns year, variable, value, days, status.

    A variable of a year is computed only when every day of that calendar year has a value
    (`days` = the days with a value); otherwise value is NaN and status "incomplet:<days>/<in
    year>": a missing day is never counted as a day without frost, nor as 0 mm. With
    `require_complete=False` (a reader of a short period; the store never keeps such rows) the
    value of an incomplete year is that of the days present, status "partiel:<days>/<in year>".
    Needs temperature_2m_mean
    (mean), precipitation_sum (sum), temperature_2m_max (hot days) and temperature_2m_min (frost
    days, tropical nights); a variable absent from the series gives no row.
    """
    frame = pd.DataFrame({"day": pd.to_datetime(list(series.days))})
    for name, array in series.values.items():
        frame[name] = array
    frame["year"] = frame["day"].dt.year
    recipes = {
        "temperature_moyenne": ("temperature_2m_mean", lambda v: float(np.mean(v))),
        "precipitations": ("precipitation_sum", lambda v: float(np.sum(v))),
        "jours_tx_30": ("temperature_2m_max", lambda v: float(np.count_nonzero(v >= HOT_DAY_TX_C))),
        "jours_gel": ("temperature_2m_min", lambda v: float(np.count_nonzero(v < FROST_DAY_TN_C))),
        "nuits_tropicales": ("temperature_2m_min", lambda v: float(np.count_nonzero(v >= TROPICAL_NIGHT_TN_C))),
    }
    rows = []
    for year, group in frame.groupby("year", sort=True):
        in_year = 366 if _leap(int(year)) else 365
        for variable, (daily_name, reduce) in recipes.items():
            if daily_name not in group:
                continue
            present = group[daily_name].to_numpy()
            present = present[~np.isnan(present)]
            complete = len(present) == in_year
            if complete:
                value, status = reduce(present), None
            elif require_complete or len(present) == 0:
                value, status = math.nan, f"{INCOMPLETE}:{len(present)}/{in_year}"
            else:
                value, status = reduce(present), f"{PARTIAL}:{len(present)}/{in_year}"
            rows.append({"year": int(year), "variable": variable, "value": value, "days": len(present), "status": status})
    return pd.DataFrame(rows, columns=["year", "variable", "value", "days", "status"])


# -- the territory -----------------------------------------------------------------------------


def period_of(today: date) -> tuple[date, date]:
    """1 January 1950 to 31 December of the last complete year."""
    return date(ERA5_FIRST_YEAR, 1, 1), date(today.year - 1, 12, 31)


def fetch_climate_for_territory(
    client: HttpClient,
    store: Store,
    territory: Territory,
    points: Sequence[ClimatePoint],
    *,
    today: date | None = None,
) -> Manifest:
    """Fetch the ERA5 series of every point (one request each), write their yearly aggregates.

    The rows of this territory in `climat_era5` are replaced (first root of `store`); other
    territories' rows stay. Raises SourceError (French) when a point cannot be fetched: no
    row of the territory is written then, so a dossier never mixes points of two fetches.
    """
    if not points:
        raise SourceError("Climat observé : aucun point de calcul pour ce territoire.")
    today = today or datetime.now(UTC).date()
    start, end = period_of(today)
    key = territory_key(territory)
    retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
    frames = []
    for point in points:
        series = fetch_point(client, point, start, end)
        yearly = yearly_aggregates(series)
        yearly = yearly[(yearly["year"] >= start.year) & (yearly["year"] <= end.year)]
        frames.append(
            pd.DataFrame(
                {
                    "territoire": key,
                    "commune": point.main_commune,
                    "communes": ",".join(point.communes),
                    "point_latitude": point.latitude,
                    "point_longitude": point.longitude,
                    "latitude": series.latitude,
                    "longitude": series.longitude,
                    "altitude": series.elevation if series.elevation is not None else math.nan,
                    "variable": yearly["variable"].to_numpy(),
                    "period": yearly["year"].astype(str).to_numpy(),
                    "value": yearly["value"].to_numpy(),
                    "status": yearly["status"].to_numpy(),
                    "days": yearly["days"].to_numpy(),
                    "retrieved_at": retrieved_at,
                    "source_id": SOURCE_ID,
                }
            )
        )
    fresh = _typed(pd.concat(frames, ignore_index=True))
    existing = _first_root_table(store)
    if existing is not None:
        fresh = pd.concat([existing[existing["territoire"] != key], fresh], ignore_index=True)
    fresh = _typed(fresh).sort_values(["territoire", "commune", "variable", "period"]).reset_index(drop=True)
    manifest = climate_manifest(start, end, retrieved_at, keyed=bool(os.environ.get(API_KEY_ENV, "").strip()))
    logger.info("Open-Meteo ERA5: %d point(s) for %s, %d-%d", len(points), key, start.year, end.year)
    return store.write_table(CLIMAT_ERA5.name, fresh, manifest)


def fetch(context: FetchContext) -> list[Manifest]:
    """The fetcher's entry: the territory's representative points, then their ERA5 series."""
    points = representative_points(context.territory, context.boundaries)
    return [fetch_climate_for_territory(context.client, context.store, context.territory, points)]


# The representative points need the communes' outlines (context.boundaries).
FETCHER = Fetcher(SOURCE_ID, "Climat observé (Open-Meteo, ERA5)", "Climat observé indisponible", fetch)


def climate_manifest(start: date, end: date, retrieved_at: str, *, keyed: bool = False) -> Manifest:
    """Provenance of the table. It holds the rows of every territory fetched (each row keeps its
    point and retrieval date); the URL is the public one, never with the key."""
    info = source_info(SOURCE_ID)
    params = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "daily": ",".join(DAILY_VARIABLES),
        "timezone": "auto",
        "models": MODEL,
    }
    return Manifest(
        table=CLIMAT_ERA5.name,
        source_id=SOURCE_ID,
        title="Climat observé : réanalyse ERA5 aux points des territoires (moyennes et cumuls annuels)",
        producer=info.producer,
        origin=f"{ARCHIVE_URL}?latitude=…&longitude=…&" + "&".join(f"{k}={v}" for k, v in params.items()),
        vintage=f"ERA5 {start.year}-{end.year}",
        geo_vintage=f"points de la grille ERA5 ({GRID_STEP:.2f}°)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params=params,
        method=(
            f"Séries quotidiennes ERA5 (modèle era5 d'Open-Meteo) depuis le 1er janvier {start.year}, une requête "
            "par point" + (" (accès client d'Open-Meteo, avec clé)" if keyed else "") + ". Points : communes "
            "regroupées par maille ERA5 (0,25°) de leur point intérieur ; un point par maille, au centre des "
            "communes pondéré par leur population légale ; coordonnées et altitude de chaque point dans la table. "
            "Agrégats annuels : moyenne des températures moyennes quotidiennes, cumul des précipitations, nombre "
            "de jours à maximale ≥ 30 °C, à minimale < 0 °C, à minimale ≥ 20 °C ; une année dont un jour manque "
            "n'est pas calculée (« incomplet »)."
        ),
    )


# -- internals ---------------------------------------------------------------------------------


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.loc[:, list(CLIMAT_ERA5.columns)].copy()
    for column in ("territoire", "commune", "communes", "variable", "period", "status", "retrieved_at", "source_id"):
        frame[column] = frame[column].astype("string")
    for column in ("point_latitude", "point_longitude", "latitude", "longitude", "altitude", "value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["days"] = frame["days"].astype("int64")
    return frame


def _first_root_table(store: Store) -> pd.DataFrame | None:
    """The table of the store's first root only (the user's store, where fetches write)."""
    return Store([store.roots[0]]).read(CLIMAT_ERA5.name)


def _explained(error: SourceError, key: str) -> SourceError:
    """The HTTP layer's error in words a user can act on, with the key (if any) blanked."""
    message = _redact(str(error), key)
    if error.status == 429:
        message += (
            " Limite d'appels du service gratuit d'Open-Meteo atteinte (600 par minute, 5 000 par heure, "
            f"10 000 par jour) : réessayez plus tard, ou utilisez une clé client ({API_KEY_ENV})."
        )
    elif error.status == 400:
        message += " Open-Meteo a refusé les paramètres de la requête (motif ci-dessus)."
    return type(error)(message, status=error.status)


def _redact(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


_URL_LOGGERS = ("diagterr.sources.http", "urllib3.connectionpool", "requests_cache.session", "requests_cache.policy.actions")


class _RedactKey(logging.Filter):
    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.key in message:
            record.msg, record.args = _redact(message, self.key), None
        return True


@contextlib.contextmanager
def _secret_redacted(key: str) -> Iterator[None]:
    """While a keyed request runs, the key is blanked in the log lines that could show its URL."""
    if not key:
        yield
        return
    # Loggers that write request URLs, and every handler of the root logger (records propagated
    # from anywhere pass through them).
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _URL_LOGGERS]
    targets += logging.getLogger().handlers
    redact = _RedactKey(key)
    for target in targets:
        target.addFilter(redact)
    try:
        yield
    finally:
        for target in targets:
            target.removeFilter(redact)
