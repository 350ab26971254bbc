"""The cohort synthesis of a batch: `synthese.pdf` and `synthese.csv`, sites side by side.

Reads each site's `indicateurs.json` (plain data), lays the key figures out in one table with
France as the reference, and writes both files atomically.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from diagterr import formatting
from diagterr.atomic import write_bytes_atomic
from diagterr.render.html import environment
from diagterr.render.pdf import write_pdf
from diagterr.texts import say

TEMPLATE = "synthese.html.j2"


@dataclass(frozen=True)
class SynthesisRow:
    id: str
    label: str
    unit: str
    period: str
    cells: tuple[str, ...]
    france: str
    raw: tuple[float | None, ...]
    france_raw: float | None


def synthesis_rows(sites: list[tuple[str, dict[str, Any]]]) -> list[SynthesisRow]:
    """One row per key figure of any site, in the order they first appear."""
    order: list[str] = []
    records: dict[str, dict[str, dict[str, Any]]] = {}
    for name, document in sites:
        for record in document.get("key_figures", []):
            if record["id"] not in records:
                order.append(record["id"])
                records[record["id"]] = {}
            records[record["id"]][name] = record
    rows = []
    for indicator_id in order:
        by_site = records[indicator_id]
        first = next(iter(by_site.values()))
        values = tuple(by_site.get(name, {}).get("value") for name, _ in sites)
        france = next(
            (c["value"] for r in by_site.values() for c in r.get("comparisons", [])
             if c["level"] == "france" and c.get("value") is not None),
            None,
        )
        def fmt(value: float | None, record: dict[str, Any] = first) -> str:
            if value is None:
                return formatting.MISSING
            return formatting.valeur(value, record["kind"], record.get("decimals"))

        rows.append(
            SynthesisRow(indicator_id, first["label"], first["unit"], first["period"],
                         tuple(fmt(v) for v in values), fmt(france), values, france)
        )
    return rows


def write_synthesis(sites: list[tuple[str, dict[str, Any]]], folder: Path, edition_date: date) -> tuple[Path, Path]:
    """Write synthese.pdf and synthese.csv into `folder`; returns their paths."""
    rows = synthesis_rows(sites)
    names = [name for name, _ in sites]
    html = environment().get_template(TEMPLATE).render(
        title=say("synthese.title"),
        edition_date=edition_date,
        sites=names,
        rows=rows,
        notes=[say("synthese.note_values"), say("synthese.note_france")],
    )
    pdf = folder / "synthese.pdf"
    write_pdf(html, pdf)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    from diagterr.render.exports import spreadsheet_text  # site names are the user's: never a formula

    writer.writerow(["indicateur", "libelle", "unite", "periode", *map(spreadsheet_text, names), "France"])
    for row in rows:
        writer.writerow([*map(spreadsheet_text, (row.id, row.label, row.unit, row.period)),
                         *(_csv_number(v) for v in row.raw), _csv_number(row.france_raw)])
    path_csv = folder / "synthese.csv"
    write_bytes_atomic(path_csv, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return pdf, path_csv


def _csv_number(value: float | None) -> str:
    from diagterr.render.exports import csv_number

    return csv_number(value)
