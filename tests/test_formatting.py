"""French formatting: the exact strings a reader sees (U+202F thousands, decimal comma, CLDR spaces)."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from babel.numbers import format_currency, format_percent

from diagterr.dossier import Indicator, SourceRef
from diagterr.formatting import (
    MINUS,
    NARROW_NBSP,
    PERCENT_SPACE,
    date_longue,
    euros,
    nombre,
    pourcent,
    signe,
    valeur,
)
from diagterr.render.axes import axis_formatter
from diagterr.render.html import FILTERS, environment

NNBSP = "\u202f"
NBSP = "\u00a0"


def _indicator(value: float | None, kind: str, decimals: int | None = None, unit: str = "") -> Indicator:
    return Indicator("x", "X", value, unit, kind, "2021", SourceRef("s", "RP 2021", "COG 2024"),
                     missing_reason=None if value is not None else "secret", decimals=decimals)


def test_thousands_are_separated_by_a_narrow_no_break_space():
    assert NARROW_NBSP == NNBSP
    assert nombre(12345) == f"12{NNBSP}345"
    assert nombre(1234567.891, 2) == f"1{NNBSP}234{NNBSP}567,89"
    assert nombre(999) == "999"


def test_decimals_use_a_comma_and_round_half_up():
    assert nombre(12345.6, 1) == f"12{NNBSP}345,6"
    assert nombre(0.25, 1) == "0,3"  # babel alone would give "0,2" (half-even)
    assert nombre(2.675, 2) == "2,68"
    assert nombre(12345.6) == f"12{NNBSP}346"


def test_negative_numbers_use_the_minus_sign_and_never_show_minus_zero():
    assert MINUS == "\u2212"
    assert nombre(-1234.5, 1) == f"\u22121{NNBSP}234,5"
    assert nombre(-0.04, 1) == "0,0"


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_values_read_nd(missing):
    assert nombre(missing) == "n.d."
    assert pourcent(missing) == "n.d."
    assert euros(missing) == "n.d."
    assert signe(missing) == "n.d."
    assert valeur(missing, "rate") == "n.d."


def test_percent_uses_the_cldr_space_before_the_sign():
    # The space CLDR puts before "%" in French, as babel's own pattern has it: U+00A0.
    assert format_percent(0.5, locale="fr_FR") == f"50{NBSP}%"
    assert PERCENT_SPACE == NBSP
    assert pourcent(4.71) == f"4,7{NBSP}%"
    assert pourcent(12.345, 2) == f"12,35{NBSP}%"
    assert pourcent(1234.5, 0) == f"1{NNBSP}235{NBSP}%"


def test_euros_follow_the_cldr_currency_pattern_without_cents():
    assert format_currency(1, "EUR", locale="fr_FR").endswith(f"{NBSP}€")
    assert euros(21540) == f"21{NNBSP}540{NBSP}€"


def test_signed_changes():
    assert signe(1.2) == "+1,2"
    assert signe(-0.4) == "\u22120,4"
    assert signe(0.01) == "0,0"
    assert signe(2, 0) == "+2"


@pytest.mark.parametrize(
    ("value", "kind", "decimals", "expected"),
    [
        (12345, "count", None, f"12{NNBSP}345"),
        (4.71, "rate", None, f"4,7{NBSP}%"),
        (84.25, "ratio", None, "84,3"),
        (21540.4, "median", None, f"21{NNBSP}540{NBSP}€"),
        (1500000, "amount", None, f"1{NNBSP}500{NNBSP}000{NBSP}€"),
        (96.44, "index", None, "96,4"),
        (146.52, "area", None, f"146,5{NBSP}km²"),
        (2.314, "ratio", 2, "2,31"),
        (4.71, "rate", 0, f"5{NBSP}%"),
    ],
)
def test_valeur_formats_by_kind(value, kind, decimals, expected):
    assert valeur(value, kind, decimals) == expected
    assert valeur(_indicator(value, kind, decimals)) == expected


def test_valeur_of_a_missing_indicator_is_nd():
    assert valeur(_indicator(None, "median")) == "n.d."


def test_dates_are_written_in_words():
    assert date_longue(date(2026, 11, 21)) == "21 novembre 2026"
    assert date_longue(date(2026, 3, 1)) == "1er mars 2026"
    assert date_longue(datetime(2026, 2, 3, 14, 5)) == "3 février 2026"
    assert date_longue("2026-11-20") == "20 novembre 2026"
    assert date_longue("2026-11-20T08:30:00+00:00") == "20 novembre 2026"
    assert date_longue("fichier de 2024") == "fichier de 2024"


def test_axis_formatter_follows_the_tick_step():
    rate = axis_formatter("rate")
    assert rate.format_ticks([0, 2.5, 5]) == [f"0,0{NBSP}%", f"2,5{NBSP}%", f"5,0{NBSP}%"]
    count = axis_formatter("count")
    assert count.format_ticks([0, 10000, 20000]) == ["0", f"10{NNBSP}000", f"20{NNBSP}000"]
    assert axis_formatter("median").format_ticks([20000]) == [f"20{NNBSP}000{NBSP}€"]
    assert axis_formatter("index").format_ticks([-5, 0, 5]) == ["\u22125", "0", "5"]


def test_filters_are_registered_in_the_jinja_environment():
    env = environment()
    for name, function in FILTERS.items():
        assert env.filters[name] is function
    rendered = env.from_string("{{ 12345|nombre }} · {{ 4.71|pourcent }} · {{ d|date_longue }}").render(
        d=date(2026, 11, 21)
    )
    assert rendered == f"12{NNBSP}345 · 4,7{NBSP}% · 21 novembre 2026"
