"""The indicators of the dossier as files a consultant reuses: indicateurs.json and indicateurs.csv.

JSON keeps raw numbers (a float, or null with the reason it is missing), a stable key order and
UTF-8 text. CSV is for a spreadsheet in French: `;` separator, UTF-8 with a BOM, decimal comma,
no thousands separator, one row per indicator and level; a text that a spreadsheet would take for a
formula (« =… », « +… », « -… », « @… ») is prefixed with « ' ». Both are written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from diagterr import __version__
from diagterr.atomic import write_bytes_atomic
from diagterr.dossier import Dossier, Indicator

KEY_FIGURES_SECTION = "en_bref"

CSV_COLUMNS = (
    "section", "id", "label", "niveau", "code", "nom", "valeur", "unite", "periode",
    "source", "millesime", "geographie", "manquant_motif", "couverture",
)

# "departement" etc. are already the French level names of the CSV; the territory is added.
TERRITORY_LEVEL = "territoire"


def _number(value: float | None) -> float | int | None:
    """A JSON number: None for missing (NaN never reaches the file), ints kept as ints."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):  # pragma: no cover - a themes bug, not a number
        raise TypeError("booléen à la place d'un nombre")
    if isinstance(value, int):
        return value
    return float(value)


def indicator_record(section_id: str, indicator: Indicator) -> dict[str, Any]:
    """One indicator as a JSON object (key order is part of the format)."""
    return {
        "id": indicator.id,
        "section": section_id,
        "label": indicator.label,
        "value": _number(indicator.value),
        "unit": indicator.unit,
        "kind": indicator.kind,
        "decimals": indicator.decimals,
        "period": indicator.period,
        "source_id": indicator.source.source_id,
        "vintage": indicator.source.vintage,
        "geo_vintage": indicator.source.geo_vintage,
        "comparisons": [
            {
                "level": c.level,
                "code": c.code,
                "name": c.name,
                "value": _number(c.value),
                "missing_reason": c.missing_reason,
                "coverage": c.coverage,
            }
            for c in indicator.comparisons
        ],
        "missing_reason": indicator.missing_reason,
        "note": indicator.note,
    }


def _all_indicators(dossier: Dossier) -> list[tuple[str, Indicator]]:
    """Key figures (section "en_bref") first, then every indicator of the sections."""
    return [(KEY_FIGURES_SECTION, ind) for ind in dossier.key_figures] + dossier.indicators()


def indicators_json(dossier: Dossier) -> str:
    """The text of indicateurs.json."""
    t = dossier.territory
    document = {
        "territory": {
            "code": t.code,
            "name": t.name,
            "kind_label": t.kind_label,
            "communes": [{"code": c, "name": n} for c, n in t.communes],
            "departements": [{"code": c, "name": n} for c, n in t.departements],
            "regions": [{"code": c, "name": n} for c, n in t.regions],
        },
        "edition_date": dossier.edition_date.isoformat(),
        "situation_date": dossier.situation_date,
        "generator": f"diagterr {__version__}",
        "key_figures": [indicator_record(KEY_FIGURES_SECTION, ind) for ind in dossier.key_figures],
        "indicators": [indicator_record(section, ind) for section, ind in dossier.indicators()],
        "gaps": [{"source_id": g.source_id, "message": g.message} for g in dossier.gaps],
    }
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def csv_number(value: float | None) -> str:
    """A number for a French spreadsheet: full precision, decimal comma, no grouping, "" if missing.

    Excel and LibreOffice in a French locale read "12345,6" as a number; "12 345,6" (grouped) or
    "12345.6" would be read as text. No rounding: the PDF rounds, the export does not.
    """
    number = _number(value)
    if number is None:
        return ""
    if isinstance(number, int) or float(number).is_integer():
        return str(int(number))
    text = np.format_float_positional(float(number), trim="-")
    return text.replace(".", ",")


# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str | None) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula (« =HYPERLINK(…) », from a
    --nom or a site's name) is prefixed with « ' » (the OWASP rule). Numbers go through csv_number."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_row(*cells: str | None, number: float | None) -> list[str]:
    """A row of indicateurs.csv: every text neutralised, the value (7th column) a French number."""
    texts = [spreadsheet_text(cell) for cell in cells]
    return [*texts[:6], csv_number(number), *texts[6:]]


def indicators_csv(dossier: Dossier) -> str:
    """The text of indicateurs.csv (without the BOM, added when written)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    t = dossier.territory
    for section_id, ind in _all_indicators(dossier):
        unit, period = ind.unit, ind.period
        source, vintage, geo = ind.source.source_id, ind.source.vintage, ind.source.geo_vintage
        writer.writerow(_csv_row(section_id, ind.id, ind.label, TERRITORY_LEVEL, t.code, t.name,
                                 unit, period, source, vintage, geo, ind.missing_reason, None, number=ind.value))
        for c in ind.comparisons:
            writer.writerow(_csv_row(section_id, ind.id, ind.label, c.level, c.code, c.name,
                                     unit, period, source, vintage, geo, c.missing_reason, c.coverage,
                                     number=c.value))
    return buffer.getvalue()


def write_exports(dossier: Dossier, out_dir: Path) -> tuple[Path, Path]:
    """Write indicateurs.json and indicateurs.csv in `out_dir`; returns their paths."""
    json_path = out_dir / "indicateurs.json"
    csv_path = out_dir / "indicateurs.csv"
    write_bytes_atomic(json_path, indicators_json(dossier).encode("utf-8"))
    # utf-8-sig: the BOM makes Excel (French Windows) read the file as UTF-8.
    write_bytes_atomic(csv_path, indicators_csv(dossier).encode("utf-8-sig"))
    return json_path, csv_path
