"""The workshop kit's editable dossier (dossier.docx) and workshop sheets (fiches-atelier.pdf), read
as their users' software reads them: python-docx re-opens the Word file, pypdf reads the sheets.
One offline run of the CC du Pays de l'Arbresle for the whole module."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from docx import Document
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from diagterr.formatting import nombre
from diagterr.pipeline import default_store
from helpers import CCPA, invoke
from pdf_outline import outline_titles

EDITION = "2026-11-21"
A4_PORTRAIT_PT = (595, 842)


@pytest.fixture(scope="module")
def ccpa(tmp_path_factory: pytest.TempPathFactory):
    """The CCPA offline, on a cache of its own (the module fixture runs before the per-test one)."""
    out = tmp_path_factory.mktemp("ccpa-kit")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIAGTERR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        result = invoke("run", "--epci", CCPA, "--offline", "--sortie", str(out), "--date-edition", EDITION)
    assert result.exit_code == 4, result.output  # offline: partial, what only an online run reads is missing
    return out


@pytest.fixture(scope="module")
def word(ccpa) -> WordDocument:
    return Document(str(ccpa / "dossier.docx"))


def body(document: WordDocument) -> list[Paragraph | WordTable]:
    """The paragraphs and tables of the body in reading order."""
    return list(document.iter_inner_content())


def squeeze(text: str) -> str:
    """Text compared across formats: any run of spaces (narrow, no-break, line breaks) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def page_questions(out) -> list[str]:
    data = json.loads((out / "indicateurs.json").read_text("utf-8"))
    return [e["text"] for e in data["enjeux"] if e["kind"] == "question"]


@pytest.mark.slow
def test_every_chapter_of_the_pdf_is_a_heading_1_under_a_contents_field(ccpa, word):
    chapters = [t for t in outline_titles(PdfReader(ccpa / "dossier.pdf")) if t != "Sommaire"]
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    # The PDF's top-level bookmarks are its chapters; the Word file has each, in order, then the sheets.
    top = [t for t in chapters if t in headings]
    assert top == [h for h in headings if h in chapters]
    for chapter in ("En bref", "Le territoire", "Démographie", "Habitat", "Économie et emploi", "Annexes"):
        assert chapter in headings
    assert headings[-1] == "Fiches pour l'atelier"
    assert any(p.style.name == "Heading 2" for p in word.paragraphs)
    # A table-of-contents field after the synthesis (as in the PDF), which Word fills on opening.
    xml = word.element.body.xml
    assert re.search(r"<w:instrText[^>]*>\s*TOC \\o", xml)
    assert xml.index(">En bref<") < xml.index("TOC \\o") < xml.index(">Annexes<")
    assert word.settings.element.find(qn("w:updateFields")) is not None


@pytest.mark.slow
def test_tables_are_word_tables_holding_the_figures_in_french_with_their_source(ccpa, word):
    communes = json.loads((ccpa / "indicateurs.json").read_text("utf-8"))["territory"]["communes"]
    codes = [c["code"] for c in communes]
    legal = default_store().observations("populations_legales", "COM", variables=["pmun"])
    population_2023 = legal[(legal["period"] == "2023") & legal["geo_code"].isin(codes)]["value"].sum()
    printed = nombre(population_2023)  # e.g. "39 338" with a narrow no-break space, as in the PDF
    assert "\u202f" in printed
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(ccpa / "dossier.pdf").pages)
    assert printed in pdf_text

    content = body(word)
    holding = [n for n, item in enumerate(content) if isinstance(item, WordTable)
               and any(cell.text == printed for row in item.rows for cell in row.cells)]
    assert holding, f"no Word table cell reads {printed!r}"
    table = content[holding[0]]
    assert table.rows[0].cells[0].text == "Indicateur"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
    # Under the table: its notes, then the source line.
    after = [item.text for item in content[holding[0] + 1:holding[0] + 12] if isinstance(item, Paragraph)]
    assert any(text.startswith(("Source :", "Sources :")) for text in after), after
    tables = [item for item in content if isinstance(item, WordTable)]
    assert len(tables) >= 20


@pytest.mark.slow
def test_every_chart_and_map_is_an_image_at_print_resolution(ccpa, word):
    html = (ccpa / "dossier.html").read_text("utf-8")
    figures = len(re.findall(r'<figure class="block block-(?:chart|map)', html))
    assert figures >= 10
    shapes = word.inline_shapes
    assert len(shapes) >= figures + 1  # and the cover map
    with zipfile.ZipFile(ccpa / "dossier.docx") as package:
        images = [name for name in package.namelist() if name.startswith("word/media/")]
    assert images and all(name.endswith(".png") for name in images)
    for shape in shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = word.part.related_parts[blip.embed].image
        inches = shape.width / 914400  # EMU: a figure wider than the column is shown smaller, never larger
        assert image.px_width / inches >= 300 * 0.99


@pytest.mark.slow
def test_the_sources_annex_is_a_table_of_every_source(ccpa, word):
    html = (ccpa / "dossier.html").read_text("utf-8")
    listed = len(re.findall(r'<tr id="src-\d+"', html))
    assert listed >= 10
    content = body(word)
    start = next(n for n, item in enumerate(content)
                 if isinstance(item, Paragraph) and item.style.name == "Heading 2" and item.text == "Sources et méthodes")
    table = next(item for item in content[start:] if isinstance(item, WordTable))
    assert [c.text for c in table.rows[0].cells][:2] == ["N°", "Source et producteur"]
    assert [row.cells[0].text for row in table.rows[1:]] == [str(n) for n in range(1, listed + 1)]
    assert any("Licence" in row.cells[3].text for row in table.rows[1:])


@pytest.mark.slow
def test_the_word_file_is_dated_from_the_edition(ccpa, word):
    props = word.core_properties
    assert props.title == "CC du Pays de l'Arbresle (CCPA)"
    assert props.created == props.modified == datetime(2026, 11, 21, tzinfo=UTC)
    assert props.language == "fr-FR"
    with zipfile.ZipFile(ccpa / "dossier.docx") as package:
        assert {info.date_time[:3] for info in package.infolist()} == {(2026, 11, 21)}


@pytest.mark.slow
def test_the_workshop_sheets_hold_each_question_of_page_4(ccpa, word):
    questions = page_questions(ccpa)
    assert len(questions) >= 5
    reader = PdfReader(ccpa / "fiches-atelier.pdf")
    pages = [squeeze(page.extract_text()) for page in reader.pages]
    # One A4 portrait sheet per question, then two blank pages for the enjeux the workshop adds.
    assert len(pages) == len(questions) + 2
    assert {tuple(round(float(v)) for v in page.mediabox[2:]) for page in reader.pages} == {A4_PORTRAIT_PT}
    for question in questions:
        assert sum(squeeze(question) in page for page in pages) == 1, question
    assert all("Les enjeux que l'atelier ajoute" in page for page in pages[-2:])
    # Each sheet gives the figure the question rests on, as the dossier prints it.
    growth = next(page for page in pages if "rythme d'accueil" in page)
    assert "Variation annuelle moyenne de la population" in growth and "0,66 %" in squeeze(growth)
    # The Word file ends with the same sheets.
    sheets = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    for question in questions:
        assert question in sheets


def test_a_table_cell_reads_back_as_python_docx_writes_it():
    """The DOCX's tables are written as XML in one pass: a cell with a tab, a line break, spaces at
    its ends, markup characters, a footnote and a missing value reads back in Word (python-docx
    here) as the same cell written through python-docx's own runs."""
    import io
    from types import SimpleNamespace

    from diagterr.render.docx import _Writer

    texts = ["  Logements <vacants> & autres ", "a\tb\nc\rd", "", "n.d."]
    document = Document()
    writer = SimpleNamespace(doc=document, table_style=document.styles["Normal"], _table_grid_id=lambda: None)
    _Writer.table(writer, ["Indicateur", "Valeur", "Vide", "Absent"],
                  [[(texts[0], None, False), (texts[1], 2, False), (texts[2], None, False), (texts[3], 1, True)]],
                  [False, True, False, True], [2.0, 1.0, 1.0, 1.0])
    reference = document.add_table(rows=1, cols=len(texts))
    for cell, text, note in zip(reference.rows[0].cells, texts, [None, 2, None, 1], strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.add_run(text)
        if note is not None:
            paragraph.add_run(str(note)).font.superscript = True
    buffer = io.BytesIO()
    document.save(buffer)
    reopened = Document(io.BytesIO(buffer.getvalue()))
    written, expected = reopened.tables
    assert [cell.text for cell in written.rows[0].cells] == ["Indicateur", "Valeur", "Vide", "Absent"]
    assert [cell.text for cell in written.rows[1].cells] == [cell.text for cell in expected.rows[0].cells]
    assert written.rows[1].cells[0].text == texts[0]  # spaces kept (xml:space="preserve"), markup escaped
    missing = written.rows[1].cells[3].paragraphs[0].runs
    assert missing[0].italic and missing[1].font.superscript
