"""What changed since the last edition: the indicators whose value, vintage or perimeter moved.

Compares the previous `indicateurs.json` of a dossier with the new dossier (plain data in,
a Section out): a new census vintage, a revised figure, a perimeter change.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from diagterr.dossier import Column, Dossier, Indicator, Note, Section, Table
from diagterr.tables.programmes import FORMER_INDICATOR_IDS
from diagterr.texts import say

SECTION_ID = "changements"
# A relative change below this is rounding, not a revision.
_TOLERANCE = 1e-9


def load_previous(out_dir: Path) -> dict[str, Any] | None:
    """The previous edition's indicateurs.json in the output folder, if any and readable."""
    try:
        return json.loads((out_dir / "indicateurs.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)


def changes_section(previous: dict[str, Any], dossier: Dossier) -> Section | None:
    """A section listing what changed since `previous`, or None when nothing did."""
    # An id renamed since (tables.programmes.FORMER_INDICATOR_IDS) is compared under its new name.
    before = {FORMER_INDICATOR_IDS.get(record["id"], record["id"]): record for record in previous.get("indicators", [])}
    rows: list[tuple[str | float | None, ...]] = []
    for _, indicator in dossier.indicators():
        old = before.pop(indicator.id, None)
        if old is None:
            rows.append((indicator.label, say("pipeline.changes_new"), None, indicator.value, _vintage(indicator)))
            continue
        moved = []
        if old.get("vintage") != indicator.source.vintage or old.get("period") != indicator.period:
            moved.append(say("pipeline.changes_vintage", before=old.get("vintage") or old.get("period"),
                             now=indicator.source.vintage))
        if old.get("geo_vintage") != indicator.source.geo_vintage:
            moved.append(say("pipeline.changes_geography", before=old.get("geo_vintage"),
                             now=indicator.source.geo_vintage))
        if not _same(old.get("value"), indicator.value):
            moved.append(say("pipeline.changes_value_revised" if not moved else "pipeline.changes_value"))
        if moved:
            rows.append((indicator.label, " ; ".join(moved), old.get("value"), indicator.value, _vintage(indicator)))
    for record in before.values():
        rows.append((record.get("label", record["id"]), say("pipeline.changes_removed"), record.get("value"), None, ""))

    perimeter_before = [c["code"] for c in previous.get("territory", {}).get("communes", [])]
    perimeter_now = [code for code, _ in dossier.territory.communes]
    blocks: list = []
    if sorted(perimeter_before) != sorted(perimeter_now):
        added = sorted(set(perimeter_now) - set(perimeter_before))
        removed = sorted(set(perimeter_before) - set(perimeter_now))
        blocks.append(Note(say("pipeline.changes_perimeter", added=added, removed=removed), tone="limit"))
    if not rows and not blocks:
        return None
    if rows:
        blocks.append(
            Table(
                title=say("pipeline.changes_table", count=len(rows), edition=previous.get("edition_date", "?")),
                columns=(
                    Column("Indicateur"), Column("Changement"), Column("Avant", "ratio", decimals=2),
                    Column("Maintenant", "ratio", decimals=2), Column("Source"),
                ),
                rows=tuple(rows),
            )
        )
    return Section(
        id=SECTION_ID,
        title=say("pipeline.changes_title"),
        intro=say("pipeline.changes_intro", edition=previous.get("edition_date", "?"),
                  situation=previous.get("situation_date", "?")),
        blocks=tuple(blocks),
    )


def _vintage(indicator: Indicator) -> str:
    return f"{indicator.source.vintage}, {indicator.source.geo_vintage}"
