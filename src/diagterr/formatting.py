"""French formatting of numbers and dates: the one place where a value becomes text.

Everything the reader sees goes through here (Jinja filters, chart axes, map legends), with
babel and the CLDR data of `fr_FR`: U+202F NARROW NO-BREAK SPACE between thousands, a decimal
comma, U+00A0 NO-BREAK SPACE before "%" and "€" (the CLDR patterns `#,##0 %` and
`#,##0.00 ¤` of fr carry U+00A0), U+2212 MINUS SIGN for negatives.

Rounding is half-up on the decimal value the reader would write (2.675 → "2,68"), not
babel's default half-even: a published table rounds 0,25 to 0,3.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from diagterr.dossier import Indicator, ValueKind

LOCALE = "fr_FR"

NARROW_NBSP = "\u202f"  # CLDR fr grouping separator
NBSP = "\u00a0"
MINUS = "\u2212"
MISSING = "n.d."  # non disponible

# The space CLDR puts between a number and "%" / "€" in French, read from babel rather than
# assumed (it is U+00A0 in CLDR 46; tests pin it).
PERCENT_SPACE = format_percent(0, locale=LOCALE)[1:-1]  # "0 %" → the space
CURRENCY_SPACE = format_currency(0, "EUR", locale=LOCALE).split("0")[-1][:-1]  # "0,00 €"

DEFAULT_DECIMALS: dict[str, int] = {
    "count": 0,
    "rate": 1,
    "ratio": 1,
    "median": 0,
    "amount": 0,
    "index": 1,
    "area": 1,
}

# Unit printed with the number itself; other units (habitants, hab./km²) go beside the label.
INLINE_UNIT: dict[str, str] = {"rate": "%", "median": "€", "amount": "€", "area": "km²"}


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _rounded(x: float, decimals: int) -> Decimal:
    """`x` rounded half-up to `decimals` places, without a negative zero."""
    value = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(value) if value == 0 else value


def nombre(x: float | None, decimals: int = 0) -> str:
    """A number in French: `nombre(12345.6, 1)` → "12 345,6" (U+202F between thousands)."""
    if x is None or _is_missing(x):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(_rounded(x, decimals), format=pattern, locale=LOCALE)
    return text.replace("-", MINUS)


def pourcent(x_pct: float | None, decimals: int = 1) -> str:
    """A percentage already expressed in percent: `pourcent(4.71)` → "4,7 %" (U+00A0 before %)."""
    if _is_missing(x_pct):
        return MISSING
    return f"{nombre(x_pct, decimals)}{PERCENT_SPACE}%"


def euros(x: float | None, decimals: int = 0) -> str:
    """An amount in euros: `euros(21540)` → "21 540 €"."""
    if _is_missing(x):
        return MISSING
    return f"{nombre(x, decimals)}{CURRENCY_SPACE}€"


def signe(x: float | None, decimals: int = 1) -> str:
    """A signed change: "+1,2", "−0,4" (U+2212), "0,0" for a change that rounds to zero."""
    if x is None or _is_missing(x):
        return MISSING
    text = nombre(x, decimals)
    if _rounded(x, decimals) > 0:
        return "+" + text
    return text


def valeur(x: Indicator | float | None, kind: ValueKind | None = None, decimals: int | None = None) -> str:
    """A value formatted by its kind, with its unit when the unit belongs with the number.

    `valeur(indicator)` reads the value, kind and decimals of the indicator; `valeur(12.3, "rate")`
    formats a bare value (a comparison, a table cell). count → "12 345", rate → "4,7 %",
    ratio/index → "84,2", median/amount → "21 540 €", area → "12,3 km²", missing → "n.d.".
    """
    if isinstance(x, Indicator):
        kind = x.kind if kind is None else kind
        decimals = x.decimals if decimals is None else decimals
        x = x.value
    if _is_missing(x):
        return MISSING
    kind = kind or "ratio"
    places = DEFAULT_DECIMALS.get(kind, 1) if decimals is None else decimals
    if kind == "rate":
        return pourcent(x, places)
    if kind in ("median", "amount"):
        return euros(x, places)
    if kind == "area":
        return f"{nombre(x, places)}{NBSP}km²"
    return nombre(x, places)


def date_longue(d: date | str) -> str:
    """A date in words: "21 novembre 2026", and "1er novembre 2026" as French writes the first.

    An ISO string ("2026-11-20", or a timestamp) is read as its date; any other text is
    returned as it is (a manifest may say "fichier de 2024").
    """
    if isinstance(d, str):
        written, iso = d, d.strip()
        try:
            d = datetime.fromisoformat(iso).date() if "T" in iso else date.fromisoformat(iso)
        except ValueError:
            return written
    elif isinstance(d, datetime):
        d = d.date()
    text = format_date(d, format="long", locale=LOCALE)
    if d.day == 1 and text.startswith("1 "):
        text = "1er" + text[1:]
    return text


# The French filters by the names templates and text files use (`{{ x | nombre(1) }}`): the one
# set, shared by the dossier's Jinja environment (render/html.py) and the text files (texts.py).
FILTERS = {
    "nombre": nombre,
    "pourcent": pourcent,
    "euros": euros,
    "valeur": valeur,
    "signe": signe,
    "date_longue": date_longue,
}
