"""Open-Meteo climate API: CMIP6 HighResMIP projections at a territory's main point, per model.

Facts from ../shared/sources/APIS.md §5 and the REAL specimen
`openmeteo__climate_FGOALS_f3_H_daily_fahrenheit_inch.json`:
- `GET climate-api.open-meteo.com/v1/climate?latitude&longitude&start_date(≥1950-01-01)&end_date(≤2050-12-31)&models=…&daily=…`;
  the models are downscaled and bias-corrected to ERA5 by Open-Meteo;
- with 2+ models, every daily key gets a `_<model>` suffix (`temperature_2m_max_EC_Earth3P_HR`),
  with one model the names are plain; a model without a variable answers `null` values: that
  model is then missing for that variable, never a zero;
- units may come back in °F and inch (the specimen): parse_daily converts them to °C and mm.

What is kept: for each model, the mean over a window of years of the yearly mean temperature and
of the yearly count of hot days (maximum ≥ 30 °C), for the reference window 1976-2005 (the one
the observed climate uses) and the horizon 2041-2050 (the last decade the API serves). A window
is computed only when every one of its years is complete. The figure shown is the range of the
models, never one of them, nor their mean, as a certain number.

Cost: the climate API weighs a request by its length and its number of series (its docs show a
default request "equivalent to 1844.5 calls", which is what 101 years × 7 models × 1 variable give
with weeks/2 × series/10: our reading of the rule, not a documented formula). Two requests (the reference window and the horizon) × 7 models × 2 variables weigh
about 1 460 calls of the free daily quota of 10 000: only ONE point is asked per territory, the
one that stands for the most inhabitants, and the answer is cached for a year (a simulation
does not change).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from diagterr.errors import SourceError, SourceSchemaError
from diagterr.sources import open_meteo
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.registry import source_info
from diagterr.store import Manifest, Store
from diagterr.tables.climate import CLIMAT_CMIP6, HORIZON, MODELS, REFERENCE, territory_key, window_label
from diagterr.territory import Territory

logger = logging.getLogger(__name__)

SOURCE_ID = "open_meteo_cmip6"
CLIMATE_URL = "https://climate-api.open-meteo.com/v1/climate"
CUSTOMER_CLIMATE_URL = "https://customer-climate-api.open-meteo.com/v1/climate"
DAILY_VARIABLES = ("temperature_2m_mean", "temperature_2m_max")
# Yearly variable of the table (CLIMAT_CMIP6.variables) → the daily variable it is computed from.
YEARLY_VARIABLES = {"temperature_moyenne": "temperature_2m_mean", "jours_tx_30": "temperature_2m_max"}
WINDOWS = (REFERENCE, HORIZON)
EXPIRE_AFTER = timedelta(days=365)
RETRY_STATUSES = {429: 1, 500: 2, 502: 2, 503: 2, 504: 2}
MISSING_VARIABLE = "variable absente du modèle"


@dataclass(frozen=True)
class ModelWindow:
    """One model's mean of a yearly variable over a window (NaN with a status when not computable)."""

    model: str
    variable: str
    period: str
    value: float
    years: int
    status: str | None


def climate_request(point: open_meteo.ClimatePoint, window: tuple[int, int],
                    models: Sequence[str] = MODELS) -> tuple[str, dict[str, str]]:
    """URL and parameters of the daily series of every model over a window (no key included)."""
    return CLIMATE_URL, {
        "latitude": f"{point.latitude:.4f}",
        "longitude": f"{point.longitude:.4f}",
        "start_date": date(window[0], 1, 1).isoformat(),
        "end_date": date(window[1], 12, 31).isoformat(),
        "models": ",".join(models),
        "daily": ",".join(DAILY_VARIABLES),
    }


def parse_models(body: Any, models: Sequence[str], where: str,
                 variables: Sequence[str] = DAILY_VARIABLES) -> dict[str, open_meteo.DailySeries]:
    """One daily series per model of a climate-API body; a variable a model lacks is left out.

    Keys are `<variable>_<model>` with several models, plain with one. A key absent from the
    body, a unit this module does not know or a malformed array fails loudly (SourceSchemaError);
    a key present with only nulls (or null) is that model's missing variable.
    """
    if not isinstance(body, Mapping):
        raise SourceSchemaError(f"Open-Meteo (climat) : {where} devait renvoyer un objet JSON.")
    if body.get("error") is True:
        raise SourceError(f"Open-Meteo (climat) : {where} : requête refusée ({body.get('reason', 'sans motif')}).")
    daily = body.get("daily")
    if not isinstance(daily, Mapping) or not isinstance(daily.get("time"), list):
        raise SourceSchemaError(f"Open-Meteo (climat) : la réponse de {where} n'a pas de champ « daily.time ».")
    several = len(models) > 1
    found: dict[str, open_meteo.DailySeries] = {}
    for model in models:
        present = []
        for variable in variables:
            key = f"{variable}_{model}" if several else variable
            if key not in daily:
                raise SourceSchemaError(f"Open-Meteo (climat) : la réponse de {where} n'a pas de champ « daily.{key} ».")
            raw = daily[key]
            if raw is None or (isinstance(raw, list) and all(v is None for v in raw)):
                continue  # the model does not simulate this variable here
            present.append(variable)
        if not present:
            continue
        found[model] = open_meteo.parse_daily(body, present, where, model=model if several else None)
    return found


def window_means(series: open_meteo.DailySeries, model: str, window: tuple[int, int]) -> list[ModelWindow]:
    """The model's mean over `window` of each yearly variable its series allows."""
    yearly = open_meteo.yearly_aggregates(series)
    rows = []
    for variable, daily_name in YEARLY_VARIABLES.items():
        if daily_name not in series.values:
            rows.append(ModelWindow(model, variable, window_label(window), math.nan, 0, MISSING_VARIABLE))
            continue
        chosen = yearly[(yearly["variable"] == variable) & yearly["year"].between(*window)]
        complete = chosen.dropna(subset=["value"])
        expected = window[1] - window[0] + 1
        if len(complete) == expected:
            rows.append(ModelWindow(model, variable, window_label(window), float(complete["value"].mean()),
                                    expected, None))
        else:
            rows.append(ModelWindow(model, variable, window_label(window), math.nan, len(complete),
                                    f"{open_meteo.INCOMPLETE}:{len(complete)}/{expected} années"))
    return rows


def main_point(points: Sequence[open_meteo.ClimatePoint]) -> open_meteo.ClimatePoint:
    """The point that stands for the most inhabitants (ties: the commune code)."""
    if not points:
        raise SourceError("Projections climatiques : aucun point de calcul pour ce territoire.")
    return min(points, key=lambda p: (-p.population, p.main_commune))


def fetch_window(client: HttpClient, point: open_meteo.ClimatePoint,
                 window: tuple[int, int]) -> tuple[dict[str, open_meteo.DailySeries], list[ModelWindow]]:
    url, params = climate_request(point, window)
    key = os.environ.get(open_meteo.API_KEY_ENV, "").strip()
    if key:
        url, params = CUSTOMER_CLIMATE_URL, {**params, open_meteo.KEY_PARAM: key}
    where = f"{CLIMATE_URL} (point {point.label}, {window_label(window)})"
    with open_meteo._secret_redacted(key):
        try:
            body = client.get_json(url, params, source_id=SOURCE_ID, expire_after=EXPIRE_AFTER,
                                   retry_statuses=RETRY_STATUSES)
        except SourceError as error:
            raise open_meteo._explained(error, key) from None
    by_model = parse_models(body, MODELS, where)
    rows = []
    for model in MODELS:
        if model in by_model:
            rows += window_means(by_model[model], model, window)
        else:
            rows += [ModelWindow(model, v, window_label(window), math.nan, 0, MISSING_VARIABLE) for v in YEARLY_VARIABLES]
    return by_model, rows


def fetch_projections_for_territory(client: HttpClient, store: Store, territory: Territory,
                                    boundaries: Any) -> Manifest:
    """The pipeline's step: the two windows at the territory's main point, written to `climat_cmip6`.

    Rows of other territories stay; a failure raises SourceError and writes nothing.
    """
    point = main_point(open_meteo.representative_points(territory, boundaries))
    retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    cell: open_meteo.DailySeries | None = None
    for window in WINDOWS:
        by_model, means = fetch_window(client, point, window)
        cell = cell or next(iter(by_model.values()), None)
        rows += [
            {
                "model": m.model, "variable": m.variable, "period": m.period, "value": m.value, "years": m.years,
                "status": m.status,
            }
            for m in means
        ]
    frame = pd.DataFrame(rows)
    frame["territoire"] = territory_key(territory)
    frame["commune"] = point.main_commune
    frame["communes"] = ",".join(point.communes)
    frame["point_latitude"], frame["point_longitude"] = point.latitude, point.longitude
    frame["latitude"] = cell.latitude if cell else math.nan
    frame["longitude"] = cell.longitude if cell else math.nan
    frame["altitude"] = cell.elevation if cell and cell.elevation is not None else math.nan
    frame["retrieved_at"] = retrieved_at
    frame["source_id"] = SOURCE_ID
    fresh = typed(frame)
    existing = Store([store.roots[0]]).read(CLIMAT_CMIP6.name)
    if existing is not None:
        fresh = pd.concat([existing[existing["territoire"] != territory_key(territory)], fresh],
                          ignore_index=True)
    fresh = typed(fresh).sort_values(["territoire", "model", "variable", "period"]).reset_index(drop=True)
    logger.info("Open-Meteo CMIP6: point %s for %s", point.label, territory_key(territory))
    return store.write_table(CLIMAT_CMIP6.name, fresh, projections_manifest(retrieved_at))


def fetch(context: FetchContext) -> list[Manifest]:
    """The fetcher's entry (the main point needs the communes' outlines: context.boundaries)."""
    return [fetch_projections_for_territory(context.client, context.store, context.territory, context.boundaries)]


FETCHER = Fetcher(SOURCE_ID, "Projections climatiques (Open-Meteo, CMIP6)", "Projections climatiques indisponibles",
                  fetch)


def projections_manifest(retrieved_at: str) -> Manifest:
    info = source_info(SOURCE_ID)
    return Manifest(
        table=CLIMAT_CMIP6.name,
        source_id=SOURCE_ID,
        title="Projections climatiques CMIP6 (HighResMIP) au point principal des territoires, par modèle",
        producer=info.producer,
        origin=f"{CLIMATE_URL}?latitude=…&longitude=…&models={','.join(MODELS)}&daily={','.join(DAILY_VARIABLES)}",
        vintage=f"CMIP6 HighResMIP, {window_label(REFERENCE)} et {window_label(HORIZON)}",
        geo_vintage="point principal du territoire (maille du modèle, réduite d'échelle par Open-Meteo)",
        licence=info.licence,
        retrieved_at=retrieved_at,
        params={"models": ",".join(MODELS), "daily": ",".join(DAILY_VARIABLES),
                "windows": f"{window_label(REFERENCE)},{window_label(HORIZON)}"},
        method=(
            f"Séries quotidiennes des {len(MODELS)} modèles CMIP6 HighResMIP de l'API climat d'Open-Meteo (réduites "
            "d'échelle et corrigées de leurs biais par rapport à ERA5 par Open-Meteo), au point qui représente le "
            f"plus d'habitants ; deux requêtes, {window_label(REFERENCE)} et {window_label(HORIZON)}. Par modèle et "
            "par période : moyenne des températures moyennes annuelles et du nombre annuel de jours à maximale "
            "≥ 30 °C, calculée seulement quand toutes les années de la période sont complètes. Le dossier montre "
            "la fourchette des modèles, jamais un seul chiffre."
        ),
    )


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.loc[:, list(CLIMAT_CMIP6.columns)].copy()
    for column in ("territoire", "commune", "communes", "model", "variable", "period", "status", "retrieved_at",
                   "source_id"):
        frame[column] = frame[column].astype("string")
    for column in ("point_latitude", "point_longitude", "latitude", "longitude", "altitude", "value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["years"] = frame["years"].astype("int64")
    return frame

