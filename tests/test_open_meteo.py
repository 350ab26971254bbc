"""Open-Meteo (ERA5 archive, climate API) on the REAL specimens of ../shared/sources/specimens.

Specimens (read in place, never copied; PROVENANCE.md):
- `openmeteo__archive_daily_temperature_2m_max_timezone.json`: REAL archive body (Brasília cell,
  11 days from 2022-12-29, daily temperature_2m_max, °C);
- `openmeteo__archive_era5_recording_2026.json`: three REAL archive bodies (models=era5, 3 days of
  January 2025, Bergen and Oslo); the request keys were rebuilt by the researcher;
- `openmeteo__climate_FGOALS_f3_H_daily_fahrenheit_inch.json`: REAL climate-API body (°F, inch).
What is OURS in a test is said where it is done: a blanked day, renamed keys, a body served as the
answer to another point's request, the error bodies (shapes from APIS.md §5, texts ours unless
quoted there). No value is invented: expected numbers are computed from the specimens.
"""

from __future__ import annotations

import copy
import logging
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from responses import matchers

from diagterr.errors import SourceError, SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import open_meteo
from diagterr.store import Store
from diagterr.tables.climate import CLIMAT_ERA5, YEARLY
from diagterr.territory import resolve_territory
from specimens import load_json, needs_specimens

ARCHIVE_BRASILIA = "openmeteo__archive_daily_temperature_2m_max_timezone.json"
ERA5_RECORDING = "openmeteo__archive_era5_recording_2026.json"
CLIMATE_FGOALS = "openmeteo__climate_FGOALS_f3_H_daily_fahrenheit_inch.json"
pytestmark = pytest.mark.waits  # retries are tested: `client` waits on fake_time (`sleeps`)


def era5_bodies() -> dict[str, dict]:
    """The three REAL bodies of the ERA5 recording, keyed by their (rebuilt) request."""
    return load_json(ERA5_RECORDING)["responses"]


def era5_bergen_celsius() -> dict:
    """The REAL body with temperature_2m_max, temperature_2m_min, precipitation_sum (°C, mm)."""
    return next(body for body in era5_bodies().values() if "precipitation_sum" in body["daily"])


def era5_bergen_four_variables() -> dict:
    """OURS: two REAL bodies of the same cell (Bergen, 60.5 N 5.25 E) and days merged into one: the
    °C body (maximum, minimum, precipitation) plus `temperature_2m_mean` of the °F body, with its
    unit "°F" (the parser converts it). Values unchanged; the merged body is what one request for
    the four variables would look like."""
    celsius = era5_bergen_celsius()
    fahrenheit = next(
        body for body in era5_bodies().values()
        if body["daily_units"].get("temperature_2m_mean") == "°F"
    )
    assert (fahrenheit["latitude"], fahrenheit["longitude"]) == (celsius["latitude"], celsius["longitude"])
    assert fahrenheit["daily"]["time"] == celsius["daily"]["time"]
    celsius["daily"]["temperature_2m_mean"] = fahrenheit["daily"]["temperature_2m_mean"]
    celsius["daily_units"]["temperature_2m_mean"] = fahrenheit["daily_units"]["temperature_2m_mean"]
    return celsius


# -- parsing the real bodies ----------------------------------------------------------------------


@needs_specimens
def test_the_archive_body_is_read_as_sent():
    body = load_json(ARCHIVE_BRASILIA)
    series = open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen")
    assert (series.latitude, series.longitude, series.elevation) == (body["latitude"], body["longitude"], body["elevation"])
    assert [d.isoformat() for d in series.days] == body["daily"]["time"]
    assert series.values["temperature_2m_max"].tolist() == body["daily"]["temperature_2m_max"]
    assert series.units == {"temperature_2m_max": "°C"}


@needs_specimens
def test_fahrenheit_and_inches_of_the_climate_api_are_converted():
    body = load_json(CLIMATE_FGOALS)
    series = open_meteo.parse_daily(body, ["temperature_2m_max", "precipitation_sum"], "specimen")
    fahrenheit = np.array(body["daily"]["temperature_2m_max"])
    inches = np.array(body["daily"]["precipitation_sum"])
    assert series.values["temperature_2m_max"] == pytest.approx((fahrenheit - 32) * 5 / 9)
    assert series.values["precipitation_sum"] == pytest.approx(inches * 25.4)
    assert series.units == {"temperature_2m_max": "°C", "precipitation_sum": "mm"}


@needs_specimens
def test_several_models_suffix_every_key_with_the_model():
    """OURS: the REAL climate body with its keys renamed `<variable>_FGOALS_f3_H`, the shape the
    API gives with two models or more (APIS.md §5); values and units unchanged."""
    body = load_json(CLIMATE_FGOALS)
    for part in ("daily", "daily_units"):
        body[part] = {(k if k == "time" else f"{k}_FGOALS_f3_H"): v for k, v in body[part].items()}
    series = open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen", model="FGOALS_f3_H")
    assert len(series.values["temperature_2m_max"]) == len(body["daily"]["time"])
    with pytest.raises(SourceSchemaError, match="daily.temperature_2m_max"):
        open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen")


@needs_specimens
def test_the_cell_answered_is_the_era5_grid_node_of_the_point_asked():
    """The recording's request keys were rebuilt by the researcher (PROVENANCE.md)."""
    for request, body in era5_bodies().items():
        latitude = float(request.split("latitude=")[1].split("&")[0])
        longitude = float(request.split("longitude=")[1].split("&")[0])
        assert open_meteo.grid_node(latitude, longitude) == (body["latitude"], body["longitude"])


@needs_specimens
def test_a_missing_field_or_an_unknown_unit_fails_loudly_naming_it():
    body = era5_bergen_celsius()
    with pytest.raises(SourceSchemaError, match="daily.temperature_2m_mean"):
        open_meteo.parse_daily(body, open_meteo.DAILY_VARIABLES, "specimen")
    changed = copy.deepcopy(body)
    changed["daily_units"]["temperature_2m_max"] = "K"  # OURS: a unit this module does not know
    with pytest.raises(SourceSchemaError, match="daily_units.temperature_2m_max"):
        open_meteo.parse_daily(changed, ["temperature_2m_max"], "specimen")
    shorter = copy.deepcopy(body)
    shorter["daily"]["temperature_2m_min"].pop()  # OURS: one value fewer than days
    with pytest.raises(SourceSchemaError, match="3 jours"):
        open_meteo.parse_daily(shorter, ["temperature_2m_min"], "specimen")


# -- yearly aggregates ------------------------------------------------------------------------------


@needs_specimens
def test_years_with_missing_days_are_never_aggregated():
    """11 REAL days astride two years: no year is complete, so no yearly value, never 0."""
    body = load_json(ARCHIVE_BRASILIA)
    yearly = open_meteo.yearly_aggregates(open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen"))
    days_per_year = pd.Series(body["daily"]["time"]).str[:4].value_counts().to_dict()
    assert yearly["variable"].tolist() == ["jours_tx_30", "jours_tx_30"]
    assert yearly["value"].isna().all()
    assert yearly["status"].tolist() == [
        f"incomplet:{days_per_year['2022']}/365",
        f"incomplet:{days_per_year['2023']}/365",
    ]


@needs_specimens
def test_hot_days_are_counted_from_the_real_daily_maxima(monkeypatch):
    body = load_json(ARCHIVE_BRASILIA)
    series = open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen")
    by_year: dict[str, list[float]] = {}
    for day, value in zip(body["daily"]["time"], body["daily"]["temperature_2m_max"], strict=True):
        by_year.setdefault(day[:4], []).append(value)
    partial = open_meteo.yearly_aggregates(series, require_complete=False).set_index("year")
    for year, values in by_year.items():
        assert partial.loc[int(year), "value"] == sum(v >= open_meteo.HOT_DAY_TX_C for v in values)
        assert partial.loc[int(year), "status"].startswith("partiel:")
    # The same count with a threshold the Brasília maxima cross (26 °C): the days are those of the file.
    monkeypatch.setattr(open_meteo, "HOT_DAY_TX_C", 26.0)
    partial = open_meteo.yearly_aggregates(series, require_complete=False).set_index("year")
    for year, values in by_year.items():
        assert partial.loc[int(year), "value"] == sum(v >= 26.0 for v in values) > 0


@needs_specimens
def test_a_null_day_stays_missing_and_is_not_counted():
    """OURS: one REAL day blanked to null, the shape of a day Open-Meteo does not have yet."""
    body = load_json(ARCHIVE_BRASILIA)
    hot = body["daily"]["temperature_2m_max"]
    blanked = hot.index(max(hot))
    body["daily"]["temperature_2m_max"][blanked] = None
    series = open_meteo.parse_daily(body, ["temperature_2m_max"], "specimen")
    assert math.isnan(series.values["temperature_2m_max"][blanked])
    year = int(body["daily"]["time"][blanked][:4])
    partial = open_meteo.yearly_aggregates(series, require_complete=False).set_index("year")
    in_year = [t for t in body["daily"]["time"] if t.startswith(str(year))]
    assert partial.loc[year, "days"] == len(in_year) - 1


@needs_specimens
def test_frost_days_mean_and_rain_of_the_era5_recording(monkeypatch):
    body = era5_bergen_celsius()
    series = open_meteo.parse_daily(body, ["temperature_2m_max", "temperature_2m_min", "precipitation_sum"], "x")
    partial = open_meteo.yearly_aggregates(series, require_complete=False).set_index("variable")
    daily = body["daily"]
    assert partial.loc["precipitations", "value"] == pytest.approx(sum(daily["precipitation_sum"]))
    assert partial.loc["jours_gel", "value"] == sum(v < 0 for v in daily["temperature_2m_min"])
    assert "temperature_moyenne" not in partial.index  # temperature_2m_mean not in that body


# -- fetching ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sancy():
    return resolve_territory(epci="246300966")


@pytest.fixture(scope="module")
def sample_boundaries():
    return Store([samples_dir()]).read_geo("boundaries_communes")


def test_points_one_per_era5_cell_of_the_communes(sancy, sample_boundaries):
    points = open_meteo.representative_points(sancy, sample_boundaries)
    assert 1 < len(points) <= open_meteo.MAX_POINTS
    communes = [c for p in points for c in p.communes]
    assert sorted(communes) == sorted(sancy.commune_codes)  # every commune in exactly one group
    nodes = {open_meteo.grid_node(p.latitude, p.longitude) for p in points}
    assert len(nodes) == len(points)  # one point per cell
    for point in points:
        assert point.main_commune in point.communes
        assert point.population == sum(c.population for c in sancy.communes if c.code in point.communes)


def test_beyond_the_cap_every_commune_joins_a_kept_point(sample_boundaries):
    saint_lo = resolve_territory(epci="200066389")  # 61 communes over several ERA5 cells
    uncapped = open_meteo.representative_points(saint_lo, sample_boundaries)
    capped = open_meteo.representative_points(saint_lo, sample_boundaries, max_points=2)
    assert len(uncapped) > 2 and len(capped) == 2
    assert sorted(c for p in capped for c in p.communes) == sorted(saint_lo.commune_codes)
    most_populous = sorted(uncapped, key=lambda p: -p.population)[:2]
    assert {(p.latitude, p.longitude) for p in capped} == {(p.latitude, p.longitude) for p in most_populous}
    assert sum(p.population for p in capped) == sum(p.population for p in uncapped)


def test_a_single_commune_gets_one_point(sample_boundaries):
    tessy = resolve_territory(commune="50592")
    [point] = open_meteo.representative_points(tessy, sample_boundaries)
    geometry = sample_boundaries.set_index("code").loc["50592", "geometry"]
    assert point.communes == ("50592",)
    assert geometry.contains(geometry.representative_point())
    assert (point.latitude, point.longitude) == (
        round(geometry.representative_point().y, 4), round(geometry.representative_point().x, 4)
    )


def test_points_need_the_boundaries(sancy):
    with pytest.raises(SourceError, match="contours"):
        open_meteo.representative_points(sancy, None)


def archive_matcher(point: open_meteo.ClimatePoint, today: date) -> list:
    _, params = open_meteo.archive_request(point, *open_meteo.period_of(today))
    return [matchers.query_param_matcher(params)]


@needs_specimens
def test_a_territory_costs_one_request_per_point_and_keeps_other_territories(
    mocked, client, sancy, sample_boundaries, tmp_path
):
    """OURS: the merged REAL Bergen body answers every point (3 days of 2025): only the request
    count, the table and its honesty are tested, not the climate of the Sancy."""
    today = date(2026, 3, 1)
    points = open_meteo.representative_points(sancy, sample_boundaries)
    for point in points:
        mocked.get(open_meteo.ARCHIVE_URL, json=era5_bergen_four_variables(), match=archive_matcher(point, today))
    store = Store([tmp_path / "user", samples_dir()])
    manifest = open_meteo.fetch_climate_for_territory(client, store, sancy, points, today=today)
    assert len(mocked.calls) == len(points)
    assert client.stats[open_meteo.SOURCE_ID].network == len(points)
    table = store.read(CLIMAT_ERA5.name)
    assert set(table["territoire"]) == {"epci:246300966"}
    assert set(table["commune"]) == {p.main_commune for p in points}
    assert table["value"].isna().all()  # 3 days of 2025: no complete year, nothing made up
    assert (table["status"] == "incomplet:3/365").all()
    assert set(table["variable"]) == set(YEARLY)
    assert set(table["altitude"]) == {era5_bergen_celsius()["elevation"]}  # the altitude Open-Meteo reports
    assert manifest.source_id == open_meteo.SOURCE_ID and "1950-2025" in manifest.vintage
    # Another territory's fetch adds its rows and leaves the Sancy's.
    tessy = resolve_territory(commune="50592")
    [point] = open_meteo.representative_points(tessy, sample_boundaries)
    mocked.get(open_meteo.ARCHIVE_URL, json=era5_bergen_four_variables(), match=archive_matcher(point, today))
    open_meteo.fetch_climate_for_territory(client, store, tessy, [point], today=today)
    assert set(store.read(CLIMAT_ERA5.name)["territoire"]) == {"epci:246300966", "commune:50592"}


def one_point() -> open_meteo.ClimatePoint:
    return open_meteo.ClimatePoint(45.5, 2.75, ("63047",), "63047", 1)


def test_http_400_with_its_reason_is_a_french_error(mocked, client):
    """Shape of Open-Meteo's 400 from APIS.md §5; the reason text is OURS."""
    mocked.get(open_meteo.ARCHIVE_URL, status=400, json={"error": True, "reason": "motif de test"})
    with pytest.raises(SourceError) as caught:
        open_meteo.fetch_point(client, one_point(), date(1950, 1, 1), date(2025, 12, 31))
    assert caught.value.status == 400
    assert "motif de test" in str(caught.value) and "refusé" in str(caught.value)


def test_an_error_body_with_status_200_is_refused():
    with pytest.raises(SourceError, match="requête refusée \\(motif de test\\)"):
        open_meteo.parse_daily({"error": True, "reason": "motif de test"}, ["temperature_2m_max"], "x")


def test_daily_limit_429_is_retried_once_then_explained(mocked, client, sleeps):
    """The 429 text is the one open-meteo issue #438 quotes (APIS.md §5)."""
    mocked.get(open_meteo.ARCHIVE_URL, status=429, body="Daily API request limit exceeded")
    with pytest.raises(SourceError) as caught:
        open_meteo.fetch_point(client, one_point(), date(1950, 1, 1), date(2025, 12, 31))
    assert len(mocked.calls) == 2 and len(sleeps) == 1
    assert caught.value.status == 429
    assert "10 000 par jour" in str(caught.value) and open_meteo.API_KEY_ENV in str(caught.value)


def test_a_customer_key_goes_to_the_customer_host_and_is_never_shown(mocked, client, sleeps, monkeypatch, caplog):
    secret = "cle-de-test-0123456789"  # OURS: not a real key
    monkeypatch.setenv(open_meteo.API_KEY_ENV, secret)
    mocked.get(open_meteo.CUSTOMER_ARCHIVE_URL, status=503, body="indisponible")
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceError) as caught:
        open_meteo.fetch_point(client, one_point(), date(1950, 1, 1), date(2025, 12, 31))
    assert len(mocked.calls) == 3  # 503 retried twice
    assert all(f"apikey={secret}" in call.request.url for call in mocked.calls)
    assert secret not in str(caught.value) and "***" in str(caught.value)
    assert secret not in caplog.text
    manifest = open_meteo.climate_manifest(date(1950, 1, 1), date(2025, 12, 31), "2026-01-01", keyed=True)
    assert secret not in manifest.to_json() and "avec clé" in manifest.method


def test_without_a_key_the_free_host_is_asked(mocked, client, monkeypatch):
    monkeypatch.delenv(open_meteo.API_KEY_ENV, raising=False)
    mocked.get(open_meteo.ARCHIVE_URL, status=400, json={"error": True, "reason": "motif de test"})
    with pytest.raises(SourceError):
        open_meteo.fetch_point(client, one_point(), date(1950, 1, 1), date(2025, 12, 31))
    assert "apikey" not in mocked.calls[0].request.url
    assert "models=era5" in mocked.calls[0].request.url


def test_the_period_ends_with_the_last_complete_year():
    assert open_meteo.period_of(date(2026, 1, 3)) == (date(1950, 1, 1), date(2025, 12, 31))


def test_the_table_is_written_in_the_users_store_only(tmp_path):
    """A fetch never writes into the shipped samples (first root only)."""
    store = Store([tmp_path / "user", samples_dir()])
    assert open_meteo._first_root_table(store) is None
    assert not (Path(samples_dir()) / "tables" / f"{CLIMAT_ERA5.name}.parquet").exists()
