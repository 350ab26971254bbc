"""The dossier as HTML: one Jinja2 environment, the French filters, and small view helpers.

Templates receive the dossier's frozen dataclasses as they are, the pre-rendered SVG of each
chart and map keyed by block id, and a `DossierView` of helpers for what a template should not
compute (footnote numbering, source captions, the levels of a table). Numbers are formatted only
by the filters of formatting.py.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from diagterr import __version__, formatting
from diagterr.dossier import (
    ENJEUX_WANTED,
    Chart,
    Column,
    CommuneMap,
    Comparison,
    Dossier,
    Indicator,
    IndicatorTable,
    MissingPart,
    Section,
    SourceEntry,
    SourceRef,
)
from diagterr.resources import templates_dir
from diagterr.texts import say

MAIN_TEMPLATE = "dossier.html.j2"
STYLESHEET = "dossier.css"

LEVEL_ORDER = {"departement": 0, "region": 1, "france": 2}
# In indicator tables the unit of these kinds goes beside the label, not in every cell: a column
# of "543 940,0 km²" is wider than the page allows with four comparison levels.
UNIT_BESIDE_LABEL_IN_TABLES = {"area"}
ABSENT = "—"  # no comparison at this level (not published, not applicable)
DEFAULT_MISSING_REASON = "Valeur non disponible."
GAP_NO_BOUNDARIES = "Carte indisponible : contours non disponibles"
GLOSSARY_FILE = "texts/glossaire.yaml"


def cellule(value: str | float | None, column: Column) -> str:
    """A table cell in French: text as is, numbers by the column's kind, missing as "n.d."."""
    if value is None:
        return formatting.MISSING
    if column.kind == "text" or isinstance(value, str):
        return str(value)
    return formatting.valeur(value, column.kind, column.decimals)


FILTERS = {
    **formatting.FILTERS,
    "cellule": cellule,
}


@cache
def environment() -> Environment:
    """The Jinja2 environment of the dossier (autoescaped, strict, French filters)."""
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def anchor(text: str) -> str:
    """An HTML id from a section or block id ("démographie 2" → "d-mographie-2")."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "x"


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    note: int | None = None  # number of the footnote that gives the reason it is missing
    missing: bool = False


@dataclass(frozen=True, slots=True)
class SourceMark:
    """How a row or a figure points to the annex: "[3]", or the vintage when not listed there."""

    text: str
    anchor: str | None  # html id of the annex row


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    indicator: Indicator
    unit_label: str | None  # unit shown beside the label (habitants, hab./km²), None if inline
    territory: Cell
    levels: tuple[Cell, ...]
    sources: tuple[SourceMark, ...]


@dataclass(slots=True)
class IndicatorTableView:
    levels: list[tuple[str, str, str]]  # (level, code, name), département(s) → région(s) → France
    rows: list[IndicatorRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # numbered reasons for "n.d."
    coverage_notes: list[str] = field(default_factory=list)  # those of `notes` that qualify a value shown
    remarks: list[tuple[str, str]] = field(default_factory=list)  # (label, note)
    sources: list[str] = field(default_factory=list)  # captions of the distinct sources, in order
    has_absent: bool = False


def svg_data_url(svg: str | None) -> str | None:
    """An SVG as a base64 data: URL.

    Figures go in <img> rather than inline <svg>: each SVG is then its own document, so the ids
    matplotlib writes (glyphs, clip paths) cannot collide between figures or with the HTML
    anchors, and WeasyPrint does not run the CSS cascade over thousands of path elements.
    """
    if not svg:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class DossierView:
    """Helpers the templates call: numbering, captions, lookups. No formatting rules here."""

    def __init__(self, dossier: Dossier, svgs: Mapping[str, str | None]):
        self.dossier = dossier
        self._svgs = svgs
        # Several annex rows may share a source id (every Melodi dataset is "insee_melodi"): a
        # reference finds its row by table, then by vintage, then takes the first.
        self._sources: dict[str, list[tuple[int, SourceEntry]]] = {}
        for number, entry in enumerate(dossier.sources, start=1):
            self._sources.setdefault(entry.source_id, []).append((number, entry))

    # --- chapters
    def section_anchor(self, section: Section) -> str:
        return "sec-" + anchor(section.id)

    def chapter_number(self, section: Section) -> str:
        return f"{self.dossier.sections.index(section) + 1:02d}"

    # --- figures
    def svg(self, block_id: str) -> str | None:
        """The block's SVG as a data: URL for an <img>, or None when it could not be drawn."""
        return svg_data_url(self._svgs.get(block_id))

    def map_gap(self, block: CommuneMap) -> str:
        return GAP_NO_BOUNDARIES

    # --- sources
    @staticmethod
    def source_ids(ref_or_id: SourceRef | str) -> list[str]:
        """The registry ids of a reference; "a+b" names a figure built from two sources."""
        source_id = ref_or_id.source_id if isinstance(ref_or_id, SourceRef) else ref_or_id
        return [part.strip() for part in source_id.split("+") if part.strip()]

    def _entry(self, part: str, ref: SourceRef | None = None) -> tuple[int, SourceEntry] | None:
        """The annex row (number, entry) of one source id of a reference."""
        rows = self._sources.get(part)
        if not rows:
            return None
        if ref is not None:
            if ref.table:
                for row in rows:
                    if row[1].table == ref.table:
                        return row
            for row in rows:
                if ref.vintage and row[1].vintage == ref.vintage:
                    return row
        return rows[0]

    def source_number(self, source_id: str) -> int | None:
        """Number of the source in the annex (the first listed part of a composite id)."""
        for part in self.source_ids(source_id):
            if part in self._sources:
                return self._sources[part][0][0]
        return None

    def source_marks(self, ref: SourceRef) -> tuple[SourceMark, ...]:
        """"[3]" per annex source of the reference; the vintage when none is in the annex."""
        rows = [self._entry(part, ref) for part in self.source_ids(ref)]
        marks = tuple(SourceMark(f"[{n}]", self.source_anchor(n)) for n, _ in filter(None, rows))
        return marks or (SourceMark(ref.vintage or ref.source_id, None),)

    @staticmethod
    def source_anchor(number: int) -> str:
        """The annex row's anchor: its number, unique even where rows share a source id."""
        return f"src-{number}"

    def source_names(self, ref: SourceRef) -> str:
        """"<producer>, <title>" of each source of the reference."""
        names = []
        for part in self.source_ids(ref):
            found = self._entry(part, ref if isinstance(ref, SourceRef) else None)
            names.append(f"{found[1].producer}, {found[1].title}" if found else part)
        return " ; ".join(names)

    @staticmethod
    def _details(vintages: list[str], geo_vintage: str) -> str:
        details = [", ".join(vintages)] if vintages else []
        if geo_vintage:
            details.append(f"géographie {geo_vintage}")
        return " — " + ", ".join(details) if details else ""

    def source_text(self, ref: SourceRef) -> str:
        """"<producer>, <title> — RP 2021, géographie COG 2024" (no "Source :" prefix)."""
        return self.source_names(ref) + self._details([ref.vintage] if ref.vintage else [], ref.geo_vintage)

    def caption(self, ref: SourceRef | None) -> str:
        """"Source : <producer>, <title> — RP 2021, géographie COG 2024"."""
        if ref is None:
            return ""
        prefix = "Sources : " if len(self.source_ids(ref)) > 1 else "Source : "
        return prefix + self.source_text(ref)

    # --- key figures
    def card_comparisons(self, indicator: Indicator) -> list[tuple[str, str]]:
        """(name, value) of the département(s) and France, as on the key-figure cards."""
        kept = [c for c in indicator.comparisons if c.level in ("departement", "france")]
        kept.sort(key=lambda c: LEVEL_ORDER.get(c.level, 9))
        return [(c.name, formatting.valeur(c.value, indicator.kind, indicator.decimals)) for c in kept]

    def compact_comparisons(self, indicator: Indicator) -> str:
        """"Rhône 1,4 % · France 0,4 %": the same comparisons on one line."""
        return " · ".join(f"{name}\u00a0{text}" for name, text in self.card_comparisons(indicator))

    @staticmethod
    def unit_label(indicator: Indicator, *, in_table: bool = False) -> str | None:
        """The unit to print beside a label when the number does not carry it."""
        if in_table and indicator.kind in UNIT_BESIDE_LABEL_IN_TABLES:
            return formatting.INLINE_UNIT[indicator.kind]
        if indicator.kind in formatting.INLINE_UNIT or not indicator.unit or indicator.unit == "%":
            return None
        return indicator.unit

    @staticmethod
    def table_value(value: float | None, indicator: Indicator) -> str:
        """A value in an indicator table (the unit of area goes beside the label)."""
        if indicator.kind in UNIT_BESIDE_LABEL_IN_TABLES:
            places = indicator.decimals
            if places is None:
                places = formatting.DEFAULT_DECIMALS[indicator.kind]
            return formatting.nombre(value, places)
        return formatting.valeur(value, indicator.kind, indicator.decimals)

    # --- indicator tables
    def indicator_table(self, block: IndicatorTable) -> IndicatorTableView:
        view = IndicatorTableView(levels=_level_headers(block))
        note_numbers: dict[str, int] = {}
        used_sources: dict[tuple[str, str, str], list[str]] = {}

        def cell(value: float | None, reason: str | None, ind: Indicator, coverage: str | None = None) -> Cell:
            if value is not None and not coverage:
                return Cell(self.table_value(value, ind))
            text = coverage or reason or DEFAULT_MISSING_REASON
            if text not in note_numbers:
                view.notes.append(text)
                note_numbers[text] = len(view.notes)
                if coverage:
                    view.coverage_notes.append(text)
            if value is not None:  # a comparison lacking a few communes: shown, its coverage in a note
                return Cell(self.table_value(value, ind), note_numbers[text])
            return Cell(formatting.MISSING, note_numbers[text], missing=True)

        for ind in block.indicators:
            by_level: dict[tuple[str, str], Comparison] = {(c.level, c.code): c for c in ind.comparisons}
            cells = []
            for level, code, header in view.levels:
                comparison = by_level.get((level, code))
                if comparison is None:
                    cells.append(Cell(ABSENT))
                    view.has_absent = True
                else:
                    perimeter = comparison.name if comparison.name != header else None
                    qualifier = " ; ".join(filter(None, [perimeter, comparison.coverage])) or None
                    cells.append(cell(comparison.value, comparison.missing_reason, ind, qualifier))
            view.rows.append(
                IndicatorRow(
                    indicator=ind,
                    unit_label=self.unit_label(ind, in_table=True),
                    territory=cell(ind.value, ind.missing_reason, ind),
                    levels=tuple(cells),
                    sources=self.source_marks(ind.source),
                )
            )
            marks = " ".join(m.text for m in self.source_marks(ind.source))
            key = (marks, self.source_names(ind.source), ind.source.geo_vintage)
            vintages = used_sources.setdefault(key, [])
            if ind.source.vintage and ind.source.vintage not in vintages:
                vintages.append(ind.source.vintage)
            if ind.note:
                view.remarks.append((ind.label, ind.note))
        # One line per source and geography, its vintages together: "[4] INSEE, … — RP 2018, RP 2013-2018".
        view.sources = [
            f"{marks} {names}{self._details(vintages, geo)}" for (marks, names, geo), vintages in used_sources.items()
        ]
        return view

    # --- what the edition lacks
    def missing_by_chapter(self) -> list[tuple[str, list[MissingPart]]]:
        """(chapter title, its missing parts) in reading order, for the annex « Données manquantes »."""
        chapters: dict[str, tuple[str, list[MissingPart]]] = {}
        for part in self.dossier.missing:
            chapters.setdefault(part.section_id, (part.section_title, []))[1].append(part)
        order = {section.id: n for n, section in enumerate(self.dossier.sections)}
        return [chapters[key] for key in sorted(chapters, key=lambda key: order.get(key, len(order)))]

    def gaps_summary(self) -> list[str]:
        """The plain sentences of "En bref" on what the edition lacks (chapters, count of sources)."""
        titles = [title for title, _ in self.missing_by_chapter()]
        sentences = [say("lacunes.summary_chapters", chapters=titles)] if titles else []
        return [*sentences, say("lacunes.summary_sources", count=len(self.dossier.gaps))]

    # --- enjeux
    def enjeux(self, kind: str) -> list[str]:
        """The enjeux of one column; those of the Atelier's theme lead the page instead."""
        focus = self.dossier.reading.focus
        return [e.text for e in self.dossier.enjeux if e.kind == kind and (focus is None or e.theme != focus)]

    def focus_enjeux(self) -> list[tuple[str, str]]:
        """(kind, text) of the enjeux of the Atelier's theme, atouts first, then fragilités, questions."""
        focus = self.dossier.reading.focus
        order = list(ENJEUX_WANTED)
        chosen = [e for e in self.dossier.enjeux if focus is not None and e.theme == focus]
        return [(str(e.kind), e.text) for e in sorted(chosen, key=lambda e: order.index(e.kind))]

    def focus_none(self) -> str:
        """What page 4 says when the Atelier's theme has figures but no enjeu."""
        return say("atelier.focus_none")

    def initiatives_of(self, theme: str) -> str | None:
        """The inventory's sentence for one chapter (« 2 initiatives recensées : … »), or None."""
        return next((text for section_id, text in self.dossier.reading.initiatives if section_id == theme), None)

    def enjeux_shortfall(self, kind: str) -> str | None:
        """The plain sentence under a column with fewer enjeux than the page aims at (None: enough)."""
        count = sum(1 for e in self.dossier.enjeux if e.kind == kind)
        return say(f"en_bref.peu_{kind}", count=count) if count < ENJEUX_WANTED.get(kind, 0) else None


def _level_headers(block: IndicatorTable) -> list[tuple[str, str, str]]:
    """(level, code, name) of the table's columns, département(s) → région(s) → France.

    « France » over « France hors Mayotte »: the plain level heads a column whose cells differ in
    perimeter (a perimeter's label starts with the level's name); those cells name theirs in a note.
    """
    levels: dict[tuple[str, str], str] = {}
    for ind in block.indicators:
        for c in ind.comparisons:
            known = levels.get((c.level, c.code))
            levels[(c.level, c.code)] = c.name if known is None or len(c.name) < len(known) else known
    ordered = sorted(levels.items(), key=lambda kv: LEVEL_ORDER.get(kv[0][0], 9))
    return [(lvl, code, name) for (lvl, code), name in ordered]


# --- glossary: only the terms the dossier uses

@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    definition: Markup  # trusted HTML of the glossary file (<sup>)
    clues: tuple[str, ...]  # the words that reveal the term is used ("artificialis*": a prefix)


@cache
def glossary_entries() -> tuple[GlossaryEntry, ...]:
    """Every entry of templates/texts/glossaire.yaml, in the order of the annex."""
    path = templates_dir() / GLOSSARY_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = []
    for item in data if isinstance(data, list) else [None]:
        if not isinstance(item, dict) or set(item) != {"terme", "definition", "indices"} or not item["indices"]:
            raise ValueError(f"{path}: each entry needs terme, definition and a non-empty list of indices")
        entries.append(GlossaryEntry(str(item["terme"]), Markup(str(item["definition"]).strip()),
                                     tuple(str(clue) for clue in item["indices"])))
    return tuple(entries)


def fold(text: str) -> str:
    """Text for matching: no accents, no case, words separated by one space, a space at each end."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " " + " ".join(re.findall(r"[0-9a-z]+", bare.casefold())) + " "


def clue_found(clue: str, folded: str) -> bool:
    """Whether the clue's words occur in the folded text (whole words; "word*" a prefix)."""
    if clue.endswith("*"):
        return fold(clue[:-1]).rstrip() in folded
    return fold(clue) in folded


# Elements whose text is not the dossier's use of a term: the glossary, and the boxes that say a
# datum is missing (class "gaps-box", "note-gap": a source a gap names is not something shown).
IGNORED_CLASS = re.compile(r"(^|-)gaps?(-|$)|^glossary$")  # one class name
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _BodyText(HTMLParser):
    """The text of <body>, without the glossary nor the missing-data boxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_body = False
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, whether it starts an ignored subtree)
        self._ignored = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._in_body = True
            return
        if tag in VOID_ELEMENTS:
            return
        classes = (dict(attrs).get("class") or "").split()
        ignored = tag in ("script", "style") or any(IGNORED_CLASS.search(c) for c in classes)
        self._open.append((tag, ignored))
        self._ignored += ignored

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self._in_body = False
        elif any(name == tag for name, _ in self._open):
            # Close up to the matching element (an optional end tag, </li> or </p>, may be left out).
            while self._open:
                name, ignored = self._open.pop()
                self._ignored -= ignored
                if name == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._ignored:
            self.parts.append(data)


def body_text(document: str) -> str:
    """The reader's text of a dossier's HTML, as the glossary looks for its terms in it."""
    parser = _BodyText()
    parser.feed(document)
    parser.close()
    return " ".join(parser.parts)


def used_glossary(document: str, entries: Sequence[GlossaryEntry] | None = None) -> tuple[GlossaryEntry, ...]:
    """The glossary entries one of whose clues occurs in the document's body text."""
    folded = fold(body_text(document))
    return tuple(e for e in (glossary_entries() if entries is None else entries)
                 if any(clue_found(clue, folded) for clue in e.clues))


def page_four_chart_svg(chart: Chart) -> str:
    """The contrasts' chart as an SVG drawn at the width of its column on page 4."""
    from diagterr.render.charts import page_four_chart_images

    return page_four_chart_images(chart)[0]


EMPTY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"></svg>'


def render_html(
    dossier: Dossier,
    svgs: Mapping[str, str | None],
    *,
    cover_svg: str | None = None,
    standalone: bool = False,
) -> str:
    """The dossier as one HTML document.

    `svgs` maps each chart/map block id to its inline SVG (None: the map could not be drawn).
    `standalone` inlines the stylesheet (the `dossier.html` file handed to the user); the PDF
    path passes the stylesheet to WeasyPrint separately, with its font configuration.
    The template is rendered twice: the first pass, without a glossary nor drawings, gives the text
    in which the glossary looks for the terms the dossier uses.
    """
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8") if standalone else None
    chart = dossier.reading.contrast_chart
    if chart is not None and chart.id not in svgs:  # the chart of page 4 is no chapter's block
        svgs = {**svgs, chart.id: page_four_chart_svg(chart)}
    template = environment().get_template(MAIN_TEMPLATE)
    values = {
        "dossier": dossier,
        "territory": dossier.territory,
        "view": DossierView(dossier, svgs),
        "cover_svg": svg_data_url(cover_svg),
        "version": __version__,
        "inline_css": Markup(css) if css else None,
        "document_title": document_title(dossier),
    }
    # The draft's figures are empty placeholders: their drawing holds no reader's term, and
    # parsing megabytes of SVG only to skip them would double the cost of the HTML.
    placeholders = {key: EMPTY_SVG if svg else svg for key, svg in svgs.items()}
    draft = template.render(**{**values, "view": DossierView(dossier, placeholders),
                               "cover_svg": svg_data_url(EMPTY_SVG) if cover_svg else None}, glossary=())
    return template.render(**values, glossary=used_glossary(draft))


def document_title(dossier: Dossier) -> str:
    """Title of the document (HTML <title>, PDF metadata)."""
    return f"Diagnostic territorial — {dossier.territory.name}"
