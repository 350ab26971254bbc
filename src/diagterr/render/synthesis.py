"""The cohort synthesis of a batch: `synthese.pdf` and `synthese.csv`, sites side by side.

Reads each site's `indicateurs.json` (plain data), lays the key figures out in one table with
France as the reference, then each site among its comparable territories (its rank among its
nearest and among its most similar, or the team's chosen list, on a few key figures, read from the
`comparables` of its indicateurs.json), and writes both files atomically.
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


# The figures on which each site is ranked among its comparable territories (profile variable ids).
PEER_FIGURES = ("growth_pct_year", "unemployment_pct", "jobs_per_100_workers")


@dataclass(frozen=True)
class PeerRank:
    """A site's figure and its rank among a group of comparable territories (1 = highest)."""

    value: str  # formatted
    nearest: str  # « 2e sur 9 », or n.d.
    others: str  # among the most similar or the chosen ones
    raw: float | None
    nearest_rank: int | None
    others_rank: int | None


@dataclass(frozen=True)
class PeerSiteRow:
    site: str
    chosen: bool  # ranked among the team's chosen list rather than the most similar
    cells: tuple[PeerRank, ...]


def _rank(value: float | None, group: list[dict[str, Any]], variable: str) -> tuple[int | None, int]:
    """(the rank of `value` among itself and the group's known values, 1 = highest; how many ranked)."""
    known = [v for row in group if (v := (row.get("values") or {}).get(variable)) is not None]
    if value is None:
        return None, len(known) + 1
    return 1 + sum(1 for v in known if v > value), len(known) + 1


def _rank_text(rank: int | None, among: int) -> str:
    if rank is None:
        return formatting.MISSING
    return say("comparables.synthesis_rank", rank=rank, among=among)


def peer_rows(sites: list[tuple[str, dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[PeerSiteRow]]:
    """The figures ranked (id, label, unit, kind, period) and one row per site that has comparable
    territories (none for a list of communes)."""
    variables: dict[str, dict[str, Any]] = {}
    rows = []
    for name, document in sites:
        peers = document.get("comparables")
        if not peers:
            continue
        for record in peers.get("variables", []):
            if record["id"] in PEER_FIGURES:
                variables.setdefault(record["id"], {**record, "short": say(f"comparables.synthesis_{record['id']}")})
        chosen = bool(peers.get("chosen"))
        others = peers.get("chosen") or peers.get("similar") or []
        own = peers["territory"].get("values") or {}
        cells = []
        for variable in PEER_FIGURES:
            value = own.get(variable)
            near, near_of = _rank(value, peers.get("nearest") or [], variable)
            other, other_of = _rank(value, others, variable)
            record = variables.get(variable, {})
            shown = (formatting.MISSING if value is None
                     else formatting.valeur(value, record.get("kind", "ratio"), 0 if variable == "jobs_per_100_workers" else None))
            cells.append(PeerRank(shown, _rank_text(near, near_of), _rank_text(other, other_of), value, near, other))
        rows.append(PeerSiteRow(name, chosen, tuple(cells)))
    return [variables[v] for v in PEER_FIGURES if v in variables], rows


def write_synthesis(sites: list[tuple[str, dict[str, Any]]], folder: Path, edition_date: date) -> tuple[Path, Path]:
    """Write synthese.pdf and synthese.csv into `folder`; returns their paths."""
    rows = synthesis_rows(sites)
    names = [name for name, _ in sites]
    peer_figures, peer_sites = peer_rows(sites)
    html = environment().get_template(TEMPLATE).render(
        title=say("synthese.title"),
        edition_date=edition_date,
        sites=names,
        rows=rows,
        notes=[say("synthese.note_values"), say("synthese.note_france")],
        peers={"title": say("comparables.synthesis_title"), "lead": say("comparables.synthesis_lead"),
               "nearest": say("comparables.synthesis_nearest"), "others": say("comparables.synthesis_others"),
               "value": say("comparables.synthesis_value"), "chosen": say("comparables.synthesis_chosen"),
               "site": say("comparables.synthesis_site"), "note": say("comparables.synthesis_note"),
               "figures": peer_figures, "rows": peer_sites},
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
    ranked = {peer.site: peer for peer in peer_sites}
    for index, figure in enumerate(peer_figures):
        for group in ("nearest", "others"):
            ranks = [getattr(ranked[n].cells[index], f"{group}_rank") if n in ranked else None for n in names]
            label = say(f"comparables.synthesis_csv_{group}", label=figure["label"])
            writer.writerow([*map(spreadsheet_text, (f"rang_{group}_{figure['id']}", label, "rang", figure["period"])),
                             *(_csv_number(r) for r in ranks), ""])
    path_csv = folder / "synthese.csv"
    write_bytes_atomic(path_csv, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return pdf, path_csv


def _csv_number(value: float | None) -> str:
    from diagterr.render.exports import csv_number

    return csv_number(value)
