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
from diagterr.dossier import Comparables, Dossier, Enjeu, Indicator, PeerRow
from diagterr.texts import say

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


def enjeu_record(enjeu: Enjeu) -> dict[str, Any]:
    """One enjeu of page 4 as a JSON object: its kind, chapter, sentence as printed, rule and indicators."""
    return {
        "kind": str(enjeu.kind),
        "theme": enjeu.theme,
        "text": enjeu.text,
        "rule": enjeu.rule,
        "indicators": list(enjeu.indicators or ((enjeu.indicator_id,) if enjeu.indicator_id else ())),
    }


def _all_indicators(dossier: Dossier) -> list[tuple[str, Indicator]]:
    """Key figures (section "en_bref") first, then every indicator of the sections."""
    return [(KEY_FIGURES_SECTION, ind) for ind in dossier.key_figures] + dossier.indicators()


# The groups of the comparable territories: JSON key and CSV level (« niveau »).
PEER_GROUPS = (("nearest", "proche"), ("similar", "semblable"), ("chosen", "choisi"))
COMPARABLES_SECTION = "comparables"


def _peer_record(row: PeerRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "departements": [{"code": c, "name": n} for c, n in row.departements],
        "distance_km": _number(row.distance_km),
        "similarity_rank": row.similarity_rank,
        "closest": list(row.closest),
        "values": {variable: _number(value) for variable, value in row.values},
    }


def comparables_record(comparables: Comparables | None) -> dict[str, Any] | None:
    """The comparable territories as a JSON object (null for a list of communes): the territory,
    then its nearest and its most similar (or the team's chosen list), each with every figure of
    the profile, so that a spreadsheet rebuilds the chapter's tables."""
    if comparables is None:
        return None
    record: dict[str, Any] = {
        "level": comparables.level,
        "method": comparables.method,
        "source_id": comparables.source.source_id,
        "vintage": comparables.source.vintage,
        "geo_vintage": comparables.source.geo_vintage,
        "variables": [{"id": v.id, "label": v.label, "unit": v.unit, "kind": v.kind, "period": v.period}
                      for v in comparables.variables],
        "similarity_variables": list(comparables.similarity_variables),
        "missing_reason": comparables.missing_reason,
        "territory": _peer_record(comparables.territory),
    }
    for key, _ in PEER_GROUPS:
        rows: tuple[PeerRow, ...] = getattr(comparables, key)
        if rows or key == "nearest":  # "similar" or "chosen": the one the chapter shows
            record[key] = [_peer_record(row) for row in rows]
    return record


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
        "enjeux": [enjeu_record(e) for e in dossier.enjeux],
        "comparables": comparables_record(dossier.comparables),
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
    if dossier.comparables is not None:
        for row in _comparables_rows(dossier.comparables):
            writer.writerow(row)
    return buffer.getvalue()


def _comparables_rows(comparables: Comparables) -> list[list[str]]:
    """The comparable territories in indicateurs.csv: one row per territory and figure (section
    « comparables », niveau « territoire », « proche », « semblable » or « choisi »), the distance
    between the centres as the figure « distance_km »."""
    source = comparables.source
    rows = []
    groups = (("territoire", (comparables.territory,)),
              *((level, getattr(comparables, key)) for key, level in PEER_GROUPS))
    for level, peers in groups:
        for peer in peers:
            values = dict(peer.values)
            if level != "territoire":
                rows.append(_csv_row(COMPARABLES_SECTION, "distance_km", say("comparables.csv_distance"), level, peer.code,
                                     peer.name, "km", None, None, None, None, None, None,
                                     number=peer.distance_km))
            for v in comparables.variables:
                value = values.get(v.id)
                rows.append(_csv_row(COMPARABLES_SECTION, v.id, v.label, level, peer.code, peer.name,
                                     v.unit, v.period, source.source_id, source.vintage, source.geo_vintage,
                                     comparables.missing_reason if value is None else None, None, number=value))
    return rows


def write_exports(dossier: Dossier, out_dir: Path) -> tuple[Path, Path]:
    """Write indicateurs.json and indicateurs.csv in `out_dir`; returns their paths."""
    json_path = out_dir / "indicateurs.json"
    csv_path = out_dir / "indicateurs.csv"
    write_bytes_atomic(json_path, indicators_json(dossier).encode("utf-8"))
    # utf-8-sig: the BOM makes Excel (French Windows) read the file as UTF-8.
    write_bytes_atomic(csv_path, indicators_csv(dossier).encode("utf-8-sig"))
    return json_path, csv_path
