"""The workshop sheets (fiches-atelier.pdf): one A4 sheet per question of page 4, to print for the
tables of the first workshop, then blank pages for « les enjeux que l'atelier ajoute ».

    from diagterr.render.workshop_sheets import workshop_sheets, write_workshop_sheets
    write_workshop_sheets(dossier, staging / "fiches-atelier.pdf")

Each sheet gives the question, the figures it rests on (the ids of `Enjeu.indicators`, looked up
in the dossier's indicator tables) with their département and France comparisons, and ruled room
to write; the sheets follow the chapters' order, grouped by theme (`Enjeu.theme`, a section id).
`workshop_sheets` is the one reading of the dossier: the PDF here and the last part of
dossier.docx (render/docx.py) print the same sheets. Numbers go through DossierView's helpers
(diagterr.formatting), never by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from diagterr.dossier import Comparison, Dossier, Enjeu, EnjeuKind, Indicator, IndicatorTable
from diagterr.render.html import ABSENT, DossierView, _level_headers, environment
from diagterr.resources import templates_dir
from diagterr.texts import say

logger = logging.getLogger(__name__)

TEMPLATE = "fiches.html.j2"
STYLESHEET = "fiches.css"
LEVELS_SHOWN = ("departement", "france")  # the comparisons a sheet prints, as the key-figure cards do
MAX_FIGURES = 3  # « the two or three figures it rests on »
ADDED_PAGES = 2  # blank pages « Les enjeux que l'atelier ajoute »


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One figure of a sheet, formatted in French: the territory, then each comparison column."""

    label: str
    unit: str | None  # beside the label when the number does not carry it (habitants)
    territory: str
    levels: tuple[str, ...]
    period: str


@dataclass(frozen=True, slots=True)
class Sheet:
    number: int  # 1-based, in print order
    theme: str  # the chapter title the question speaks of
    question: str
    levels: tuple[str, ...]  # the comparison columns' headers: the département(s), then France
    rows: tuple[SheetRow, ...]
    notes: tuple[str, ...]  # why a cell says "n.d.", a perimeter other than the column's
    sources: tuple[str, ...]  # « Source : … » of the figures, each once


def page_questions(dossier: Dossier) -> list[Enjeu]:
    """Every question page 4 prints: the rules' questions (those of the Atelier's theme included),
    then those the focus theme's missing figures would have answered; each text once."""
    found: list[Enjeu] = []
    seen: set[str] = set()
    candidates = [e for e in dossier.enjeux if e.kind == EnjeuKind.QUESTION]
    if dossier.reading.focus_lacking:
        candidates.extend(dossier.reading.focus_questions)
    for enjeu in candidates:
        if enjeu.text not in seen:
            seen.add(enjeu.text)
            found.append(enjeu)
    return found


def _indicator_index(dossier: Dossier) -> dict[str, Indicator]:
    """Indicator id -> the first indicator of that id, the chapters' tables before the key figures."""
    index: dict[str, Indicator] = {}
    for _, ind in dossier.indicators():
        index.setdefault(ind.id, ind)
    for ind in dossier.key_figures:
        index.setdefault(ind.id, ind)
    return index


def _sheet(number: int, theme: str, enjeu: Enjeu, indicators: list[Indicator], view: DossierView) -> Sheet:
    levels = [(level, code, name) for level, code, name in _level_headers(IndicatorTable("", tuple(indicators)))
              if level in LEVELS_SHOWN]
    rows: list[SheetRow] = []
    notes: list[str] = []
    sources: list[str] = []
    absent = False

    def note(text: str) -> None:
        if text not in notes:
            notes.append(text)

    for ind in indicators:
        by_level: dict[tuple[str, str], Comparison] = {(c.level, c.code): c for c in ind.comparisons}
        cells: list[str] = []
        for level, code, header in levels:
            comparison = by_level.get((level, code))
            if comparison is None:
                cells.append(ABSENT)
                absent = True
                continue
            cells.append(view.table_value(comparison.value, ind))
            if comparison.value is None:
                note(say("fiches.note_missing", label=comparison.name,
                         reason=comparison.missing_reason or say("fiches.reason_unknown")))
            elif comparison.name != header:
                note(say("fiches.note_perimeter", label=ind.label, header=header, name=comparison.name))
        if ind.value is None:
            note(say("fiches.note_missing", label=ind.label, reason=ind.missing_reason or say("fiches.reason_unknown")))
        rows.append(SheetRow(label=ind.label, unit=view.unit_label(ind, in_table=True),
                             territory=view.table_value(ind.value, ind), levels=tuple(cells), period=ind.period))
        caption = view.caption(ind.source)
        if caption not in sources:
            sources.append(caption)
    if absent:
        notes.append(say("fiches.note_absent"))
    return Sheet(number=number, theme=theme, question=enjeu.text, levels=tuple(name for _, _, name in levels),
                 rows=tuple(rows), notes=tuple(notes), sources=tuple(sources))


def workshop_sheets(dossier: Dossier) -> list[Sheet]:
    """The sheets in print order: by the chapter each question speaks of (the dossier's order),
    the questions of no chapter last; within a theme, the order of page 4."""
    titles = {section.id: section.title for section in dossier.sections}
    order = {section.id: n for n, section in enumerate(dossier.sections)}
    index = _indicator_index(dossier)
    view = DossierView(dossier, {})
    questions = sorted(page_questions(dossier), key=lambda e: order.get(e.theme or "", len(order)))
    sheets = []
    for number, enjeu in enumerate(questions, start=1):
        ids = enjeu.indicators or ((enjeu.indicator_id,) if enjeu.indicator_id else ())
        indicators = [index[i] for i in dict.fromkeys(ids) if i in index][:MAX_FIGURES]
        theme = titles.get(enjeu.theme or "") or say("fiches.other_theme")
        sheets.append(_sheet(number, theme, enjeu, indicators, view))
    return sheets


def sheets_html(dossier: Dossier) -> str:
    """The sheets as one HTML document (templates/fiches.html.j2, styled by templates/fiches.css)."""
    sheets = workshop_sheets(dossier)
    return environment().get_template(TEMPLATE).render(
        dossier=dossier, territory=dossier.territory, sheets=sheets, total=len(sheets),
        added_pages=ADDED_PAGES, say=say,
    )


def write_workshop_sheets(dossier: Dossier, target: Path) -> int:
    """Write fiches-atelier.pdf (atomically); returns its number of pages."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from diagterr.atomic import write_with_atomic
    from diagterr.render.pdf import LocalOnlyFetcher, _can_subset_fonts, collect_weasyprint_warnings

    root = templates_dir()
    fetcher = LocalOnlyFetcher(root)
    fonts = FontConfiguration()
    with collect_weasyprint_warnings() as warnings:
        stylesheet = CSS(filename=str(root / STYLESHEET), url_fetcher=fetcher, font_config=fonts)
        document = HTML(string=sheets_html(dossier), base_url=str(root) + "/", url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=fonts
        )
        write_with_atomic(target, lambda tmp: document.write_pdf(tmp, full_fonts=not _can_subset_fonts()))
    for message in warnings:
        logger.warning("WeasyPrint : %s", message)
    return len(document.pages)


__all__ = ["Sheet", "SheetRow", "page_questions", "sheets_html", "workshop_sheets", "write_workshop_sheets"]
