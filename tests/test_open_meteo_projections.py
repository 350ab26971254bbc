"""CMIP6 projections from Open-Meteo's climate API on the REAL specimen
`openmeteo__climate_FGOALS_f3_H_daily_fahrenheit_inch.json` (one model, 32 days of 2030, °F and
inch), read in place from ../shared (never copied).

What is OURS is said where it is done: keys renamed with a model suffix (the shape the API gives
with two models or more, APIS.md §5), a model answering nulls, the same body served for both
windows. Tables marked SYNTHETIC hold made-up numbers (arithmetic, no climate) to exercise the
range and the wording of the section; they never reach the samples.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import responses
from responses import matchers

from diagterr.dossier import Chart, IndicatorTable, Note, Table
from diagterr.errors import SourceSchemaError
from diagterr.resources import samples_dir
from diagterr.sources import open_meteo
from diagterr.sources import open_meteo_projections as projections
from diagterr.sources.http import HttpClient
from diagterr.store import Store
from diagterr.tables.climate import CLIMAT_CMIP6, HORIZON, REFERENCE, territory_key, window_label
from diagterr.territory import resolve_territory
from diagterr.themes import climat
from diagterr.themes.figures import Figures
from specimens import load_json, needs_specimens

CLIMATE_FGOALS = "openmeteo__climate_FGOALS_f3_H_daily_fahrenheit_inch.json"


def suffixed(body: dict, model: str) -> dict:
    """OURS: the REAL body's keys renamed `<variable>_<model>` (values and units unchanged)."""
    body = {**body}
    for part in ("daily", "daily_units"):
        body[part] = {(k if k == "time" else f"{k}_{model}"): v for k, v in body[part].items()}
    return body


def two_models(body: dict) -> dict:
    """OURS: FGOALS as sent, plus EC_Earth3P_HR answering nulls for every day (a model without the
    variable, as APIS.md §5 says the API answers)."""
    merged = suffixed(body, "FGOALS_f3_H")
    n = len(body["daily"]["time"])
    merged["daily"]["temperature_2m_max_EC_Earth3P_HR"] = [None] * n
    merged["daily_units"]["temperature_2m_max_EC_Earth3P_HR"] = "°F"
    return merged


@needs_specimens
def test_the_real_single_model_body_is_read_in_celsius():
    body = load_json(CLIMATE_FGOALS)
    [(model, series)] = projections.parse_models(body, ["FGOALS_f3_H"], "specimen",
                                                 variables=("temperature_2m_max",)).items()
    assert model == "FGOALS_f3_H"
    fahrenheit = np.array(body["daily"]["temperature_2m_max"])
    assert series.values["temperature_2m_max"] == pytest.approx((fahrenheit - 32) * 5 / 9)
    assert series.units == {"temperature_2m_max": "°C"}


@needs_specimens
def test_a_model_without_the_variable_is_left_out_never_zero():
    body = two_models(load_json(CLIMATE_FGOALS))
    found = projections.parse_models(body, ["FGOALS_f3_H", "EC_Earth3P_HR"], "specimen",
                                     variables=("temperature_2m_max",))
    assert set(found) == {"FGOALS_f3_H"}


@needs_specimens
def test_a_key_absent_from_the_answer_fails_loudly():
    body = two_models(load_json(CLIMATE_FGOALS))
    with pytest.raises(SourceSchemaError, match="temperature_2m_max_MRI_AGCM3_2_S"):
        projections.parse_models(body, ["FGOALS_f3_H", "MRI_AGCM3_2_S"], "specimen", variables=("temperature_2m_max",))
    plain = load_json(CLIMATE_FGOALS)  # plain names with several models asked: not the documented shape
    with pytest.raises(SourceSchemaError, match="temperature_2m_max_FGOALS_f3_H"):
        projections.parse_models(plain, ["FGOALS_f3_H", "EC_Earth3P_HR"], "specimen", variables=("temperature_2m_max",))


@needs_specimens
def test_a_window_with_an_incomplete_year_gives_no_mean():
    """32 REAL days of 2030: the window 2030-2030 has no complete year, so no value at all."""
    body = load_json(CLIMATE_FGOALS)
    series = projections.parse_models(body, ["FGOALS_f3_H"], "s", variables=("temperature_2m_max",))["FGOALS_f3_H"]
    means = {m.variable: m for m in projections.window_means(series, "FGOALS_f3_H", (2030, 2030))}
    assert math.isnan(means["jours_tx_30"].value) and means["jours_tx_30"].status == "incomplet:0/1 années"
    assert means["temperature_moyenne"].status == projections.MISSING_VARIABLE  # mean not in this body


def test_the_request_asks_every_model_over_whole_years():
    point = open_meteo.ClimatePoint(45.5, 2.8, ("63038",), "63038", 1)
    url, params = projections.climate_request(point, HORIZON)
    assert url == projections.CLIMATE_URL
    assert params["models"].split(",") == list(projections.MODELS) and len(projections.MODELS) == 7
    assert (params["start_date"], params["end_date"]) == ("2041-01-01", "2050-12-31")
    assert params["daily"] == "temperature_2m_mean,temperature_2m_max"


@needs_specimens
def test_a_territory_costs_two_requests_at_one_point(tmp_path):
    """OURS: the REAL FGOALS body (suffixed) answers both windows: only the request count, the
    point chosen and the honesty of the table are tested (32 days: nothing is computable)."""
    sancy = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    boundaries = store.read_geo("boundaries_communes")
    points = open_meteo.representative_points(sancy, boundaries)
    main = projections.main_point(points)
    assert main.population == max(p.population for p in points)
    body = suffixed(load_json(CLIMATE_FGOALS), "FGOALS_f3_H")
    for model in projections.MODELS:  # every other model: the same REAL values under its name (OURS)
        for key in ("temperature_2m_max",):
            body["daily"][f"{key}_{model}"] = body["daily"]["temperature_2m_max_FGOALS_f3_H"]
            body["daily_units"][f"{key}_{model}"] = "°F"
        body["daily"][f"temperature_2m_mean_{model}"] = None  # the mean: not in the specimen
    with responses.RequestsMock() as mocked, HttpClient(backend="memory", rate_limits={}, sleep=lambda s: None) as client:
        for window in projections.WINDOWS:
            _, params = projections.climate_request(main, window)
            mocked.get(projections.CLIMATE_URL, json=body, match=[matchers.query_param_matcher(params)])
        projections.fetch_projections_for_territory(client, store, sancy, boundaries)
        assert len(mocked.calls) == 2 and client.stats[projections.SOURCE_ID].network == 2
    table = store.read(CLIMAT_CMIP6.name)
    assert set(table["commune"]) == {main.main_commune} and set(table["model"]) == set(projections.MODELS)
    assert table["value"].isna().all()  # nothing made up from 32 days
    section = climat.analyse(Figures(store, sancy))
    assert any("moins de deux modèles" in f"{b.text} {b.detail}" for b in section.blocks if isinstance(b, Note))


def synthetic_projections(store: Store, territory, models: list[str]) -> None:
    """SYNTHETIC `climat_cmip6` rows (made-up arithmetic, no climate): model i has 10 °C and 2 hot
    days in the reference window, 11 + 0.5 i °C and 5 + 3 i hot days at the horizon."""
    rows = []
    for i, model in enumerate(models):
        for variable, ref, hor in (("temperature_moyenne", 10.0, 11.0 + 0.5 * i), ("jours_tx_30", 2.0, 5.0 + 3 * i)):
            for period, value in ((window_label(REFERENCE), ref), (window_label(HORIZON), hor)):
                rows.append({"territoire": territory_key(territory), "commune": territory.commune_codes[0],
                             "communes": territory.commune_codes[0], "point_latitude": 45.5, "point_longitude": 2.8,
                             "latitude": 45.5, "longitude": 2.8, "altitude": 1000.0, "model": model,
                             "variable": variable, "period": period, "value": value, "years": 10, "status": None,
                             "retrieved_at": "2026-03-01T00:00:00+00:00", "source_id": projections.SOURCE_ID})
    store.write_table(CLIMAT_CMIP6.name, projections.typed(pd.DataFrame(rows)),
                      projections.projections_manifest("2026-03-01T00:00:00+00:00"))


def test_the_section_shows_every_model_and_their_range_never_one_number(tmp_path):
    sancy = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_projections(store, sancy, list(projections.MODELS[:3]))
    section = climat.analyse(Figures(store, sancy))
    [table] = [b for b in section.blocks if isinstance(b, Table) and b.title.startswith("Projections")]
    assert [row[0] for row in table.rows] == ["CMCC-CM2-VHR4", "FGOALS-f3-H", "HiRAM-SIT-HR"]
    assert [row[3] for row in table.rows] == [1.0, 1.5, 2.0]
    text = " ".join(b.text for b in section.blocks if isinstance(b, Note))
    assert "de +1,0 à +2,0 °C" in text and "de 5,0 à 11,0 par an en 2041-2050" in text
    assert "fourchette, pas une prévision" in text and "SSP5-8.5" in text and "+2,7 °C en 2050" in text
    [chart] = [b for b in section.blocks if isinstance(b, Chart) and b.id == "climat_projections_jours_chauds"]
    assert chart.chart == "hbar" and len(chart.series[0].x) == 3
    projected = [i.id for b in section.blocks if isinstance(b, IndicatorTable) for i in b.indicators]
    assert not [i for i in projected if "projection" in i]  # no single projected figure anywhere


def test_one_model_alone_gives_no_range(tmp_path):
    sancy = resolve_territory(epci="246300966")
    store = Store([tmp_path / "user", samples_dir()])
    synthetic_projections(store, sancy, ["FGOALS_f3_H"])
    section = climat.analyse(Figures(store, sancy))
    text = " ".join(f"{b.text} {b.detail or ''}" for b in section.blocks if isinstance(b, Note))
    assert "aucune fourchette" in text and "°C par rapport à celle" not in text
