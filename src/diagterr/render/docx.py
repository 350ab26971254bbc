"""The dossier as an editable Word file (dossier.docx), written with python-docx.

    from diagterr.render.docx import write_docx
    write_docx(dossier, draw_figures(dossier, boundaries, png=True), staging / "dossier.docx")

The consultant rewrites it in their own words and house style, so it keeps Word's own structure:
chapters in « Heading 1 » and blocks' titles in « Heading 2 » (the navigation pane and the table
of contents field at the start read them; Word fills that field on opening), every table a real
Word table with its header row and its source line, every chart and map a PNG at 300 dpi (taken
from the very matplotlib drawing of the SVG the PDF prints, `draw_figures`: the same picture, no
second drawing) with its caption and source, the key figures and the enjeux as editable text, the
annex of sources as a table, and last the workshop sheets (render/workshop_sheets.py).

Numbers arrive formatted by DossierView (diagterr.formatting); every label comes from
templates/texts/docx.yaml. The file is deterministic: core properties dated from the edition
and every zip entry stamped with the edition date, so one edition gives one file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph

from diagterr import __version__
from diagterr.dossier import (
    Chart,
    CommuneMap,
    Dossier,
    EnjeuKind,
    IndicatorTable,
    Note,
    Section,
    SourceRef,
    Table,
    ZoneMap,
)
from diagterr.render import COVER_PNG, Figures
from diagterr.render.html import DossierView, cellule
from diagterr.render.workshop_sheets import ADDED_PAGES, Sheet, workshop_sheets
from diagterr.texts import say

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = Mm(18), Mm(20), Mm(18)
TEXT_WIDTH = Emu(PAGE_WIDTH - 2 * MARGIN_SIDE)  # 174 mm: the A4 column the figures are drawn for
COVER_MAP_HEIGHT = Mm(140)
LANGUAGE = "fr-FR"
BODY_FONT = "Calibri"  # Word's own; LibreOffice shows it as Carlito, metric-compatible
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x5F, 0x6B, 0x78)
HEADER_FILL = "E9EEF4"
EMU_PER_PT = 12700
RULED_LINES = {0: 20, 1: 18, 2: 17, 3: 15}  # lines to write on a sheet, by its number of figures
ADDED_LINES = 24
ENJEU_GROUPS = ((EnjeuKind.ATOUT, "docx.atouts"), (EnjeuKind.FRAGILITE, "docx.fragilites"),
                (EnjeuKind.QUESTION, "docx.questions"))
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"', re.DOTALL)


# --- figures

def svg_width(svg: str) -> Emu | None:
    """The drawn width of a matplotlib SVG (its `width="…pt"`), in EMU; None when unstated."""
    found = _SVG_SIZE.search(svg[:2000])
    return Emu(round(float(found.group(1)) * EMU_PER_PT)) if found else None


def svg_height(svg: str) -> Emu | None:
    found = _SVG_SIZE.search(svg[:2000])
    return Emu(round(float(found.group(2)) * EMU_PER_PT)) if found else None


# --- low-level Word helpers

_UNSET = object()
_RIGHT = '<w:jc w:val="right"/>'
_SUPERSCRIPT = '<w:vertAlign w:val="superscript"/>'


def _text_xml(text: str) -> str:
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


def _run_xml(text: str, props: str = "") -> str:
    """A `<w:r>` as python-docx's `add_run(text)` writes it: `props` (run properties) first, the
    text in `<w:t>` pieces, a tab as `<w:tab/>`, a line break (\\n or \\r) as `<w:br/>`."""
    inner = f"<w:rPr>{props}</w:rPr>" if props else ""
    if not text:
        return f"<w:r>{inner}</w:r>" if inner else "<w:r/>"
    if "\t" not in text and "\n" not in text and "\r" not in text:
        return f"<w:r>{inner}{_text_xml(text)}</w:r>"
    pieces = [inner]
    for chunk in re.split(r"([\t\r\n])", text):
        if chunk == "\t":
            pieces.append("<w:tab/>")
        elif chunk in ("\r", "\n"):
            pieces.append("<w:br/>")
        elif chunk:
            pieces.append(_text_xml(chunk))
    return f"<w:r>{''.join(pieces)}</w:r>"


def _set_cell_fill(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: Any) -> None:
    """The row is repeated at the top of each page the table runs onto."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _field_char(kind: str) -> Any:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def _instruction(code: str) -> Any:
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = code
    return element


def _set_style(paragraph: Paragraph, style_id: str) -> None:
    """Give a paragraph a style by id (python-docx's `paragraph.style = …` looks the style up by
    name in the whole styles part on every call: seconds over the cells of a dossier)."""
    paragraph._p.get_or_add_pPr().style = style_id


def _page_break_before(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.page_break_before = True


class _Writer:
    """Builds the Word document block by block; one instance per file."""

    def __init__(self, dossier: Dossier, figures: Figures):
        self.dossier = dossier
        self.svgs = figures.svgs
        self.pngs = figures.pngs
        self.view = DossierView(dossier, self.svgs)
        self.doc: WordDocument = Document()
        self._style_ids: dict[str, str | None] = {}
        self._grid_style_id: object = _UNSET
        self._setup()

    # --- set-up: page, language, styles, properties
    def _setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.left_margin = section.right_margin = MARGIN_SIDE
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.size = Pt(10)
        normal.paragraph_format.space_after = Pt(4)
        self._run_defaults()
        self.table_style = styles.add_style(say("docx.style_table"), WD_STYLE_TYPE.PARAGRAPH)
        self.table_style.base_style = normal
        self.table_style.font.size = Pt(8.5)
        self.table_style.paragraph_format.space_after = Pt(0)
        self.source_style = styles.add_style(say("docx.style_source"), WD_STYLE_TYPE.PARAGRAPH)
        self.source_style.base_style = normal
        self.source_style.font.size = Pt(7.5)
        self.source_style.font.color.rgb = GREY
        self.source_style.paragraph_format.space_after = Pt(8)
        self.note_style = styles.add_style(say("docx.style_note"), WD_STYLE_TYPE.PARAGRAPH)
        self.note_style.base_style = normal
        self.note_style.font.size = Pt(9)
        self.note_style.paragraph_format.left_indent = Mm(4)
        self.cover_style = styles.add_style(say("docx.style_cover"), WD_STYLE_TYPE.PARAGRAPH)
        self.cover_style.base_style = normal
        self.cover_style.font.size = Pt(12)
        self.cover_style.font.color.rgb = ACCENT
        self._settings()
        self._properties()

    def _run_defaults(self) -> None:
        """The default run properties: French as the language (spelling, hyphenation), and the body
        font named (the template's theme gives Cambria, a serif, to the body; headings are Calibri)."""
        styles = self.doc.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
        rpr = rpr_default.find(qn("w:rPr")) if rpr_default is not None else None
        if rpr is None:
            return
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None:
            for name in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(name), None)
            for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                fonts.set(qn(name), BODY_FONT)
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)

    def _settings(self) -> None:
        """Word fills the table of contents on opening (w:updateFields); French number settings."""
        settings = self.doc.settings.element
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        # CT_Settings is a sequence: updateFields comes before hdrShapeDefaults, footnotePr, … compat.
        later = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids")
        anchor = next((found for tag in later if (found := settings.find(qn(tag))) is not None), None)
        if anchor is not None:
            anchor.addprevious(update)
        else:
            settings.append(update)
        for tag, value in (("w:themeFontLang", LANGUAGE), ("w:decimalSymbol", ","), ("w:listSeparator", ";")):
            element = settings.find(qn(tag))
            if element is not None:
                element.set(qn("w:val"), value)

    def _properties(self) -> None:
        d = self.dossier
        t = d.territory
        stamp = datetime(d.edition_date.year, d.edition_date.month, d.edition_date.day, tzinfo=UTC)
        props = self.doc.core_properties
        props.title = t.name
        props.subject = say("docx.document_subject", name=t.name, kind=t.kind_label, code=t.code,
                            situation=d.situation_date)
        props.keywords = say("docx.document_keywords", name=t.name)
        props.author = props.last_modified_by = "diagterr"
        props.comments = ""
        props.category = say("docx.kicker")
        props.language = LANGUAGE
        props.created = props.modified = stamp
        props.revision = 1
        props.version = __version__

    # --- small writers
    def paragraph(self, text: str = "", style: Any = None) -> Paragraph:
        """`Document.add_paragraph`, the style's id looked up once per style (python-docx looks it
        up, and whether it is the default style, in the whole styles part on every call)."""
        paragraph = self.doc.add_paragraph(text)
        if style is not None:
            key = style if isinstance(style, str) else style.style_id
            if key not in self._style_ids:
                self._style_ids[key] = self.doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            if (style_id := self._style_ids[key]) is not None:
                _set_style(paragraph, style_id)
        return paragraph

    def heading(self, text: str, level: int) -> Paragraph:
        """`Document.add_heading` through `paragraph` (the same style, looked up once)."""
        return self.paragraph(text, "Title" if level == 0 else f"Heading {level}")

    def source_line(self, ref: SourceRef | None) -> None:
        if ref is not None:
            marks = " ".join(m.text for m in self.view.source_marks(ref) if m.anchor)
            self.paragraph(self.view.caption(ref) + (f" {marks}" if marks else ""), self.source_style)

    def bullets(self, items: Sequence[str]) -> None:
        for text in items:
            self.paragraph(text, "List Bullet")

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[tuple[str, int | None, bool]]],
              numeric: Sequence[bool], widths: Sequence[float]) -> WordTable:
        """A Word table: a shaded header row (repeated on each page), then the rows; each cell is
        (text, footnote number or None, missing). Numeric columns are right-aligned.

        Written as one XML string parsed once (the same elements python-docx's table, row, cell and
        run objects write, without their per-cell lookups: a fifth of the time)."""
        total = sum(widths) or 1.0
        twips = [Emu(int(TEXT_WIDTH * w / total)).twips for w in widths]
        paragraph_style = self.table_style.style_id
        pprs = [f'<w:pPr><w:pStyle w:val="{paragraph_style}"/>{_RIGHT if right else ""}</w:pPr>' for right in numeric]
        grid_style = self._table_grid_id()
        parts = [f'<w:tbl {nsdecls("w")}><w:tblPr>',
                 f'<w:tblStyle w:val="{grid_style}"/>' if grid_style else "",
                 '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>',
                 ('<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0"'
                  ' w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>'),
                 *(f'<w:gridCol w:w="{w}"/>' for w in twips), '</w:tblGrid>',
                 '<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>']
        for text, ppr, w in zip(headers, pprs, twips, strict=True):
            parts.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/><w:shd w:val="clear" w:color="auto"'
                         f' w:fill="{HEADER_FILL}"/></w:tcPr><w:p>{ppr}{_run_xml(text, "<w:b/>")}</w:p></w:tc>')
        parts.append("</w:tr>")
        missing_props = f'<w:i/><w:color w:val="{GREY}"/>'
        for values in rows:
            parts.append("<w:tr>")
            for (text, note, missing), ppr, w in zip(values, pprs, twips, strict=True):
                parts.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr><w:p>{ppr}')
                parts.append(_run_xml(text, missing_props if missing else ""))
                if note is not None:
                    parts.append(_run_xml(str(note), _SUPERSCRIPT))
                parts.append("</w:p></w:tc>")
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        tbl = parse_xml("".join(parts))
        self.doc.element.body._insert_tbl(tbl)
        return WordTable(tbl, self.doc._body)

    def _table_grid_id(self) -> str | None:
        if self._grid_style_id is _UNSET:
            self._grid_style_id = self.doc.part.get_style_id(self.doc.styles["Table Grid"], WD_STYLE_TYPE.TABLE)
        return self._grid_style_id  # type: ignore[return-value]

    def picture(self, key: str, svg: str | None, title: str, gap: str, *, max_height: int | None = None) -> None:
        """The figure `key` (block id, or COVER_PNG) as its PNG, at the size its SVG is drawn."""
        png = self.pngs.get(key)
        if not svg or png is None:
            note = self.paragraph(say("docx.note_gap") + " : ", self.note_style)
            note.runs[0].bold = True
            note.add_run(gap)
            return
        width = min(svg_width(svg) or TEXT_WIDTH, TEXT_WIDTH)
        height = svg_height(svg)
        if max_height is not None and height is not None:
            natural = svg_width(svg) or TEXT_WIDTH
            if height * width // natural > max_height:
                width = Emu(int(natural * max_height // height))
        paragraph = self.paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        shape = paragraph.add_run().add_picture(io.BytesIO(png), width=Emu(width))
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", title)
        doc_pr.set("name", title[:250])

    # --- parts of the dossier
    def cover(self, cover_svg: str | None) -> None:
        d, t = self.dossier, self.dossier.territory
        self.paragraph(say("docx.kicker"), self.cover_style)
        self.paragraph(t.name, "Title")
        self.paragraph(say("docx.cover_kind", kind=t.kind_label, code=t.code), self.cover_style)
        places = [f"{name} ({code})" for code, name in t.departements]
        self.paragraph(say("docx.cover_places", departements=places, regions=[name for _, name in t.regions]))
        if t.communes:
            self.paragraph(say("docx.cover_communes", count=len(t.communes)))
        self.picture(COVER_PNG, cover_svg, say("docx.cover_map_alt", name=t.name), say("docx.map_gap"),
                     max_height=COVER_MAP_HEIGHT)
        situation = self.paragraph(say("docx.cover_situation", situation=d.situation_date))
        situation.runs[0].bold = True
        self.paragraph(say("docx.cover_edition", date=d.edition_date))
        self.paragraph(say("docx.cover_producer", version=__version__), self.source_style)

    def contents(self, entries: Sequence[str]) -> None:
        """« Sommaire » and a TOC field; its cached result lists the chapters (what a reader sees
        before the field is updated: LibreOffice's export, a viewer), Word rebuilds it with pages."""
        heading = self.paragraph(say("docx.sommaire"), "TOC Heading")
        _page_break_before(heading)
        for n, entry in enumerate(entries):
            paragraph = self.paragraph()
            if n == 0:
                run = paragraph.add_run()
                run._r.append(_field_char("begin"))
                run._r.append(_instruction(' TOC \\o "1-2" \\h \\z \\u '))
                run._r.append(_field_char("separate"))
            paragraph.add_run(entry)
            if n == len(entries) - 1:
                paragraph.add_run()._r.append(_field_char("end"))
        self.paragraph(say("docx.toc_hint"), self.source_style)

    def chapter(self, title: str) -> Paragraph:
        heading = self.heading(title, 1)
        _page_break_before(heading)
        return heading

    def en_bref(self) -> None:
        d = self.dossier
        self.chapter(say("docx.en_bref"))
        if d.gaps:
            box = self.paragraph(say("docx.gaps_title"), self.note_style)
            box.runs[0].bold = True
            for sentence in self.view.gaps_summary():
                self.paragraph(sentence, self.note_style)
        self.heading(say("docx.key_figures"), 2)
        vintages: list[str] = []
        for ind in d.key_figures:
            label = say("docx.republished", vintage=ind.source.vintage) if ind.id.endswith("_tiers") \
                else ind.source.vintage
            if label and label not in vintages:
                vintages.append(label)
        if vintages:
            self.paragraph(say("docx.key_vintages", vintages=vintages))
        if d.key_figures:
            self.indicator_table(IndicatorTable(say("docx.key_figures"), d.key_figures), titled=False)
        self.enjeux()

    def enjeux(self) -> None:
        reading = self.dossier.reading
        self.heading(say("docx.enjeux"), 2)
        if reading.focus:
            self.heading(say("docx.focus", title=reading.focus_title), 3)
            lead = self.view.focus_enjeux()
            for kind, text in lead:
                paragraph = self.paragraph(style="List Bullet")
                paragraph.add_run(say(f"docx.kind_{kind}") + " : ").bold = True
                paragraph.add_run(text)
            if not lead and not reading.focus_lacking:
                self.paragraph(self.view.focus_none())
            if reading.focus_lacking:
                self.paragraph(reading.focus_lacking)
                self.bullets([q.text for q in reading.focus_questions])
            if own := self.view.initiatives_of(reading.focus):
                self.paragraph(own)
        for kind, title in ENJEU_GROUPS:
            self.heading(say(title), 3)
            self.bullets(self.view.enjeux(kind))
            if shortfall := self.view.enjeux_shortfall(kind):
                self.paragraph(shortfall, self.note_style)
        if reading.contrasts or reading.contrast_chart:
            self.heading(say("docx.contrasts"), 3)
            self.bullets([item.text for item in reading.contrasts])
            chart = reading.contrast_chart
            if chart is not None:
                self.paragraph(chart.title).runs[0].bold = True
                self.picture(chart.id, self.svgs.get(chart.id), chart.title, say("docx.figure_gap"))
                if chart.note:
                    self.paragraph(chart.note, self.source_style)
        if reading.initiatives or reading.without_initiative:
            self.heading(say("docx.inventory"), 3)
            items = [text for theme, text in reading.initiatives if theme != reading.focus]
            self.bullets(items + ([reading.without_initiative] if reading.without_initiative else []))

    def section(self, section: Section) -> None:
        self.chapter(section.title)
        if section.intro:
            self.paragraph(section.intro).runs[0].italic = True
        for block in section.blocks:
            if isinstance(block, IndicatorTable):
                self.indicator_table(block)
            elif isinstance(block, Table):
                self.plain_table(block)
            elif isinstance(block, Chart):
                self.figure(block.id, block.title, block.source, [block.note], say("docx.figure_gap"))
            elif isinstance(block, ZoneMap):
                self.figure(block.id, block.title, block.source, [block.breaks, block.note], say("docx.map_gap"))
            elif isinstance(block, CommuneMap):
                self.figure(block.id, block.title, block.source, [block.note], say("docx.map_gap"))
            elif isinstance(block, Note):
                self.note(block)

    def indicator_table(self, block: IndicatorTable, *, titled: bool = True) -> None:
        t = self.view.indicator_table(block)
        if titled:
            self.heading(block.title, 2)
        headers = [say("docx.col_indicator"), say("docx.col_territory"), *(name for _, _, name in t.levels),
                   say("docx.col_period"), say("docx.col_source")]
        rows = []
        for row in t.rows:
            label = row.indicator.label + (f" ({row.unit_label})" if row.unit_label else "")
            rows.append([(label, None, False), (row.territory.text, row.territory.note, row.territory.missing),
                         *((c.text, c.note, c.missing) for c in row.levels),
                         (row.indicator.period, None, False), (" ".join(m.text for m in row.sources), None, False)])
        numeric = [False, True, *(True for _ in t.levels), False, False]
        self.table(headers, rows, numeric, [3.2, 1.2, *(1.2 for _ in t.levels), 1.0, 0.9])
        for number, reason in enumerate(t.notes, start=1):
            paragraph = self.paragraph(style=self.source_style)
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run(str(number)).font.superscript = True
            text = reason if reason in t.coverage_notes else say("docx.note_missing", reason=reason)
            paragraph.add_run(" " + text)
        if t.has_absent:
            self.paragraph(say("docx.note_absent"), self.source_style).paragraph_format.space_after = Pt(0)
        for label, remark in t.remarks:
            paragraph = self.paragraph(style=self.source_style)
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run(label).italic = True
            paragraph.add_run(" : " + remark)
        for n, line in enumerate(t.sources):
            lead = say("docx.sources_lead", count=len(t.sources)) + " " if n == 0 else ""
            self.paragraph(lead + line, self.source_style)

    def plain_table(self, block: Table) -> None:
        self.heading(block.title, 2)
        numeric = [column.kind != "text" for column in block.columns]
        rows = [[(cellule(value, column), None, value is None) for value, column in zip(row, block.columns,
                                                                                         strict=True)]
                for row in block.rows]
        widths = [1.0 if right else 2.0 for right in numeric]
        self.table([column.label for column in block.columns], rows, numeric, widths)
        if block.note:
            self.paragraph(block.note, self.note_style)
        self.source_line(block.source)

    def figure(self, block_id: str, title: str, source: SourceRef, notes: Sequence[str | None], gap: str) -> None:
        self.heading(title, 2)
        self.picture(block_id, self.svgs.get(block_id), title, gap)
        for text in notes:
            if text:
                self.paragraph(text, "Caption")
        self.source_line(source)

    def note(self, block: Note) -> None:
        paragraph = self.paragraph(style=self.note_style)
        label = {"limit": "docx.note_limit", "gap": "docx.note_gap"}.get(block.tone)
        if label:
            paragraph.add_run(say(label) + " : ").bold = True
        paragraph.add_run(block.text)

    def annexes(self) -> None:
        d = self.dossier
        self.chapter(say("docx.annexes"))
        if d.gaps:
            self.heading(say("docx.missing_data"), 2)
            for title, parts in self.view.missing_by_chapter():
                self.heading(title, 3)
                for part in parts:
                    paragraph = self.paragraph(style="List Bullet")
                    paragraph.add_run(part.what).bold = True
                    if part.detail:
                        paragraph.add_run(" — " + part.detail)
            self.heading(say("docx.missing_sources"), 3)
            self.bullets([gap.message for gap in d.gaps])
        self.heading(say("docx.sources_title"), 2)
        if d.sources:
            rows = []
            for number, entry in enumerate(d.sources, start=1):
                title = "\n".join(filter(None, [entry.title, entry.producer,
                                                say("docx.src_method", method=entry.method) if entry.method else None]))
                vintage = entry.vintage + "\n" + say("docx.src_geo", geo=entry.geo_vintage)
                origin = "\n".join([entry.origin, say("docx.src_retrieved", date=entry.retrieved), entry.licence])
                rows.append([(str(number), None, False), (title, None, False), (vintage, None, False),
                             (origin, None, False)])
            headers = [say("docx.src_num"), say("docx.src_title"), say("docx.src_vintage"), say("docx.src_origin")]
            self.table(headers, rows, [False] * 4, [0.4, 3.2, 1.3, 2.6])
        else:
            self.paragraph(say("docx.no_sources"))
        if d.methods:
            self.heading(say("docx.methods"), 2)
            for text in d.methods:
                self.paragraph(text)

    def sheets(self, sheets: Sequence[Sheet]) -> None:
        """The workshop sheets, one per page (as fiches-atelier.pdf), then the pages to add enjeux."""
        self.chapter(say("fiches.title"))
        self.paragraph(say("fiches.intro"))
        total = len(sheets)
        for sheet in sheets:
            kicker = self.paragraph(say("fiches.sheet_kicker", number=sheet.number, total=total, theme=sheet.theme),
                                    self.cover_style)
            _page_break_before(kicker)
            kicker.paragraph_format.keep_with_next = True
            self.heading(sheet.question, 2)
            self.heading(say("fiches.figures_title"), 3)
            if sheet.rows:
                headers = [say("docx.col_indicator"), say("docx.col_territory"), *sheet.levels, say("docx.col_period")]
                rows = [[(r.label + (f" ({r.unit})" if r.unit else ""), None, False), (r.territory, None, False),
                         *((cell, None, False) for cell in r.levels), (r.period, None, False)] for r in sheet.rows]
                numeric = [False, True, *(True for _ in sheet.levels), False]
                self.table(headers, rows, numeric, [3.4, 1.2, *(1.2 for _ in sheet.levels), 1.0])
                for text in (*sheet.notes, *sheet.sources):
                    self.paragraph(text, self.source_style).paragraph_format.space_after = Pt(0)
            else:
                self.paragraph(say("fiches.no_figure"))
            self.heading(say("fiches.write_label"), 3)
            self.ruled(RULED_LINES[min(len(sheet.rows), 3)])
        for number in range(1, ADDED_PAGES + 1):
            kicker = self.paragraph(say("fiches.added_page", number=number, total=ADDED_PAGES), self.cover_style)
            _page_break_before(kicker)
            self.heading(say("fiches.added_title"), 2)
            self.paragraph(say("fiches.added_hint"))
            self.ruled(ADDED_LINES)

    def ruled(self, lines: int) -> None:
        """Room to write: a one-column table of empty rows, ruled by its horizontal borders only."""
        table = self.doc.add_table(rows=lines, cols=1)
        table.autofit = False
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            element = OxmlElement(f"w:{edge}")
            visible = edge in ("bottom", "insideH")
            element.set(qn("w:val"), "single" if visible else "nil")
            if visible:
                element.set(qn("w:sz"), "4")
                element.set(qn("w:space"), "0")
                element.set(qn("w:color"), "9AA4AE")
            borders.append(element)
        # CT_TblPr is a sequence: tblBorders before shd, tblLayout, tblCellMar and tblLook.
        properties = table._tbl.tblPr
        later = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
        anchor = next((found for tag in later if (found := properties.find(qn(tag))) is not None), None)
        if anchor is not None:
            anchor.addprevious(borders)
        else:
            properties.append(borders)
        for row in table.rows:
            row.height = Mm(9)
            row.cells[0].width = TEXT_WIDTH

    # --- the whole file
    def build(self, cover_svg: str | None) -> WordDocument:
        d = self.dossier
        self.cover(cover_svg)
        self.en_bref()  # the synthesis first, as in the PDF; the contents after it
        entries = [say("docx.en_bref"), *(s.title for s in d.sections), say("docx.annexes"), say("fiches.title")]
        self.contents(entries)
        for section in d.sections:
            self.section(section)
        self.annexes()
        self.sheets(workshop_sheets(d))
        return self.doc


class _StampedZipWriter:
    """python-docx's physical package writer (`write(pack_uri, blob)`), every zip entry dated from
    the edition: one edition, one file, byte for byte."""

    def __init__(self, target: zipfile.ZipFile, day: date):
        self.target = target
        self.stamp = (day.year, day.month, day.day, 0, 0, 0)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.target.writestr(info, blob)


def _stamped(document: bytes, day: date) -> bytes:
    """The same zip with every entry dated from the edition (`_StampedZipWriter`'s entries)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(document)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        writer = _StampedZipWriter(target, day)
        for item in source.infolist():
            writer.write(_MemberName(item.filename), source.read(item.filename))
    return out.getvalue()


class _MemberName:
    def __init__(self, membername: str):
        self.membername = membername


def _save_stamped(document: WordDocument, day: date) -> bytes:
    """`Document.save` writing the stamped entries at once (python-docx's own writer, then
    `_stamped`, deflated every part twice and inflated it once: a quarter of the DOCX's time).
    Goes through python-docx's PackageWriter steps; when they are not there (another python-docx),
    saves and stamps."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    steps = ("_write_content_types_stream", "_write_pkg_rels", "_write_parts")
    if not all(hasattr(PackageWriter, step) for step in steps):  # pragma: no cover - python-docx changed
        buffer = io.BytesIO()
        document.save(buffer)
        return _stamped(buffer.getvalue(), day)
    for part in package.parts:
        part.before_marshal()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        writer: Any = _StampedZipWriter(target, day)  # python-docx's PhysPkgWriter interface
        PackageWriter._write_content_types_stream(writer, package.parts)
        PackageWriter._write_pkg_rels(writer, package.rels)
        PackageWriter._write_parts(writer, package.parts)
    return out.getvalue()


def docx_bytes(dossier: Dossier, figures: Figures) -> bytes:
    """The dossier as the bytes of a .docx file; `figures`: drawn with their PNGs
    (`draw_figures(..., png=True)`; a figure without one is said missing)."""
    document = _Writer(dossier, figures).build(figures.cover)
    return _save_stamped(document, dossier.edition_date)


def write_docx(dossier: Dossier, figures: Figures, target: Path) -> Path:
    """Write dossier.docx (atomically) from the dossier and its figures (`docx_bytes`)."""
    from diagterr.atomic import write_bytes_atomic

    write_bytes_atomic(target, docx_bytes(dossier, figures))
    return target


__all__ = ["docx_bytes", "write_docx"]
