"""The render layer: charts, maps, HTML, PDF and exports of the synthetic fixture dossier."""

from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import math
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from diagterr.dossier import Chart, CommuneMap, Series, SourceRef
from diagterr.render import cover_map_block, render_dossier, render_figures
from diagterr.render.charts import _spaced_ticks, chart_figure, chart_svg, house_style, series_values
from diagterr.render.exports import csv_number, indicators_csv, indicators_json
from diagterr.render.html import GAP_NO_BOUNDARIES, render_html
from diagterr.render.maps import (
    NEGATIVE_COLOURS,
    class_breaks,
    class_colours,
    class_labels,
    crs_for_codes,
    map_svg,
)
from diagterr.render.pdf import LocalOnlyFetcher, RefusedURLError
from diagterr.resources import templates_dir
from dossier_example import (
    EDITION_DATE,
    TERRITORY_NAME,
    example_boundaries,
    example_context,
    example_dossier,
)

NNBSP = "\u202f"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture dossier rendered once for the module, with every warning logged meanwhile."""
    out_dir = tmp_path_factory.mktemp("dossier")
    handler = _Collect()
    for name in ("diagterr", "weasyprint"):
        logging.getLogger(name).addHandler(handler)
    try:
        files = render_dossier(example_dossier(), example_boundaries(), out_dir, context=example_context())
    finally:
        for name in ("diagterr", "weasyprint"):
            logging.getLogger(name).removeHandler(handler)
    return files, handler.records


@pytest.fixture(scope="module")
def pdf_pages(rendered):
    files, _ = rendered
    reader = PdfReader(files.pdf)
    return reader, [page.extract_text() for page in reader.pages]


def _line_chart(y: tuple[float | None, ...]) -> Chart:
    x = tuple(str(1968 + 7 * i) for i in range(len(y)))
    return Chart("c", "Titre", "line", (Series("Territoire", x, y), Series("France", x, tuple(1.0 for _ in y))),
                 "count", "habitants", SourceRef("s", "RP 2021", "COG 2024"))


# ---------------------------------------------------------------- charts


def test_chart_svg_is_byte_reproducible():
    chart = _line_chart((100.0, 104.0, None, 110.0))
    first, second = chart_svg(chart), chart_svg(chart)
    assert first == second
    assert first.startswith("<svg")
    assert "<text" not in first  # text drawn as paths: no SVG text for the PDF renderer


def test_every_chart_type_of_the_fixture_renders_deterministically():
    charts = [b for s in example_dossier().sections for b in s.blocks if isinstance(b, Chart)]
    assert {c.chart for c in charts} == {"line", "bar", "hbar", "stacked_bar"}
    for chart in charts:
        assert chart_svg(chart) == chart_svg(chart)


def test_a_missing_value_is_a_gap_in_a_line_not_a_zero():
    chart = _line_chart((100.0, 104.0, None, 110.0))
    assert math.isnan(series_values(chart.series[0])[2])
    with house_style():
        fig = chart_figure(chart)
        line = fig.axes[0].get_lines()[0]
        y = line.get_ydata()
    assert math.isnan(y[2])
    assert 0 not in list(y)


def test_a_missing_bar_is_marked_nd_not_drawn_as_zero():
    chart = Chart("b", "Titre", "hbar", (Series("Taux", ("A", "B", "C"), (9.7, None, 14.5)),), "rate", "%",
                  SourceRef("s", "RP 2021", "COG 2024"))
    with house_style():
        fig = chart_figure(chart)
        ax = fig.axes[0]
        widths = [p.get_width() for p in ax.patches]
        texts = [t.get_text() for t in ax.texts]
    assert widths == [9.7, 14.5]
    assert "n.d." in texts
    assert "9,7\u00a0%" in texts


# ---------------------------------------------------------------- maps


def test_projection_is_chosen_by_commune_code():
    assert crs_for_codes(["69010", "69020"]) == "EPSG:2154"
    assert crs_for_codes(["2A004"]) == "EPSG:2154"
    assert crs_for_codes(["97101"]) == "EPSG:5490"
    assert crs_for_codes(["97209"]) == "EPSG:5490"
    assert crs_for_codes(["97302"]) == "EPSG:2972"
    assert crs_for_codes(["97411", "97415"]) == "EPSG:2975"
    assert crs_for_codes(["97611"]) == "EPSG:4471"


def test_choropleth_classes_and_french_legend():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    bins = class_breaks(values)
    assert len(bins) == 5 and bins[-1] == 10.0
    labels = class_labels(1.0, bins, "rate")
    assert labels[0] == "1,0 à 2,8\u00a0%"
    assert labels[-1].endswith("10,0\u00a0%")
    assert len(class_breaks([3.0, 3.0, 7.0])) == 2  # fewer distinct values, fewer classes


def test_values_across_zero_get_a_diverging_palette():
    values = [-0.9, -0.5, -0.2, 0.1, 0.4, 0.6, 1.0, 1.3, 2.0, 2.8]
    bins = class_breaks(values)
    colours = class_colours(-0.9, bins)
    assert colours[0] in NEGATIVE_COLOURS  # a loss is never drawn in the blues of a gain
    assert colours[-1] == "#1f3a5f"
    assert class_colours(1.0, class_breaks([1.0, 2.0, 3.0])) == ("#dfe7f0", "#7e9dbf", "#1f3a5f")
    assert class_labels(-0.9, bins, "rate")[0].startswith("\u22120,9 à ")


def test_year_axes_label_spaced_years_first_and_last():
    years = [1962, 1968, 1975, 1982, 1990, 1999, *range(2006, 2024)]
    kept = [years[i] for i in _spaced_ticks(years)]
    assert kept[0] == 1962 and kept[-1] == 2023
    assert all(b - a >= 6 for a, b in itertools.pairwise(kept))


def test_map_svg_is_reproducible_and_none_without_boundaries():
    block = next(b for s in example_dossier().sections for b in s.blocks
                 if isinstance(b, CommuneMap) and b.values)
    svg = map_svg(block, example_boundaries(), example_context())
    assert svg == map_svg(block, example_boundaries(), example_context())
    assert svg.startswith("<svg")
    assert map_svg(block, None) is None


def test_without_boundaries_the_maps_say_so():
    dossier = example_dossier()
    svgs, cover = render_figures(dossier, None)
    assert cover is None
    assert all(svgs[b.id] is None for s in dossier.sections for b in s.blocks if isinstance(b, CommuneMap))
    html = render_html(dossier, svgs, cover_svg=cover)
    assert html.count(GAP_NO_BOUNDARIES) >= 3  # the cover and each map block


def test_cover_map_is_the_first_map_of_the_territory_section():
    block = cover_map_block(example_dossier())
    assert block is not None and block.id == "carte_communes"


# ---------------------------------------------------------------- HTML


def test_html_escapes_the_territory_name():
    dossier = example_dossier(name="<script>alert('x')</script> & Cie")
    html = render_html(dossier, {}, cover_svg=None)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; Cie" in html


@pytest.mark.slow
def test_html_shows_missing_values_with_their_reason(rendered):
    html = rendered[0].html.read_text(encoding="utf-8")
    assert "n.d.<sup" in html
    assert "Valeur soumise au secret statistique." in html
    assert "Sources manquantes lors de cette édition" in html
    assert "<style>" in html  # the HTML file handed to the user carries its stylesheet


# ---------------------------------------------------------------- PDF


@pytest.mark.slow
def test_render_writes_the_four_files(rendered):
    files, _ = rendered
    for path in (files.pdf, files.html, files.json, files.csv):
        assert path.is_file() and path.stat().st_size > 0
    assert {p.name for p in (files.pdf, files.html, files.json, files.csv)} == {
        "dossier.pdf", "dossier.html", "indicateurs.json", "indicateurs.csv"}
    assert not list(files.pdf.parent.glob(".*.tmp"))


@pytest.mark.slow
def test_render_logs_no_weasyprint_warning(rendered):
    _, records = rendered
    assert [r.getMessage() for r in records] == []


@pytest.mark.slow
def test_pdf_text_has_titles_numbers_and_page_footer(pdf_pages):
    reader, pages = pdf_pages
    text = "\n".join(pages)
    for title in ("Sommaire", "En bref", "Le territoire", "Démographie", "Revenus et pauvreté", "Habitat",
                  "Annexes", "Sources et méthodes", "Glossaire"):
        assert title in text, title
    assert f"12{NNBSP}345" in text  # population, French thousands separator preserved in the PDF
    n = len(pages)
    assert "Page 1 /" not in pages[0]  # the cover has no footer
    assert f"Page 2 / {n}" in pages[1]
    assert f"Page {n} / {n}" in pages[-1]
    assert "diagterr · Édition du 21 novembre 2026" in pages[1]
    assert f"Diagnostic territorial — {TERRITORY_NAME}" == reader.metadata.title
    assert reader.metadata.author == "diagterr"
    assert reader.metadata.creation_date.date() == EDITION_DATE
    assert reader.trailer["/Root"].get("/Lang") == "fr"


@pytest.mark.slow
def test_pdf_outline_lists_the_chapters(pdf_pages):
    reader, _ = pdf_pages
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    # the synthesis opens the dossier (pages 2 to 4), the contents follow it
    assert top == ["En bref", "Sommaire", "Le territoire", "Démographie", "Revenus et pauvreté", "Habitat",
                   "Annexes"]


def _outline_pages(reader, items=None) -> dict[str, int]:
    """Bookmark title → 1-based page number, nested entries included."""
    found: dict[str, int] = {}
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found.update(_outline_pages(reader, item))
        else:
            found.setdefault(item.title, reader.get_destination_page_number(item) + 1)
    return found


@pytest.mark.slow
def test_sommaire_page_numbers_point_to_the_chapters(pdf_pages):
    reader, pages = pdf_pages
    where = _outline_pages(reader)
    toc = pages[where["Sommaire"] - 1]
    assert where["Sommaire"] > where["En bref"]
    titles = ("En bref", "Le territoire", "Démographie", "Revenus et pauvreté", "Habitat", "Annexes",
              "Sources et méthodes", "Glossaire")
    printed = {}
    for title in titles:
        match = re.search(re.escape(title) + r"[ .\u00a0]*(\d+)\s*$", toc, re.MULTILINE)
        assert match, (title, toc)
        printed[title] = int(match.group(1))
    assert printed == {title: where[title] for title in titles}
    assert printed["En bref"] == 2  # right after the cover
    assert sorted(printed.values()) == list(printed.values())
    assert "Démographie" in pages[printed["Démographie"] - 1]


@pytest.mark.slow
def test_pdf_embeds_the_shipped_font(pdf_pages):
    reader, _ = pdf_pages
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"].get("/Font", {}).values()}
    assert any("Source-Sans-Pro" in name for name in fonts), fonts


def test_shipped_font_has_the_french_thousands_separator():
    fonts = sorted((templates_dir() / "fonts").glob("*.ttf"))
    assert fonts
    for path in fonts:
        assert 0x202F in TTFont(path).getBestCmap(), path.name
    assert list((templates_dir() / "fonts").glob("OFL*.txt"))


@pytest.mark.slow
def test_a_failed_pdf_leaves_no_file_behind(tmp_path, monkeypatch):
    from weasyprint.document import Document

    def broken_write_pdf(self, target=None, *args, **kwargs):
        Path(target).write_bytes(b"%PDF-1.7 half a file")
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(Document, "write_pdf", broken_write_pdf)
    with pytest.raises(RuntimeError, match="panne simulée"):
        render_dossier(example_dossier(), example_boundaries(), tmp_path)
    assert not (tmp_path / "dossier.pdf").exists()
    # The edition is swapped in whole: no json, csv or html of an edition whose PDF failed.
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_keeps_the_previous_files_intact(tmp_path, monkeypatch):
    import diagterr.atomic
    from diagterr.render.exports import write_exports

    (tmp_path / "indicateurs.json").write_text("ancien", encoding="utf-8")

    def failing_replace(src, dst):
        raise OSError("disque plein (simulé)")

    monkeypatch.setattr(diagterr.atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disque plein"):
        write_exports(example_dossier(), tmp_path)
    assert (tmp_path / "indicateurs.json").read_text(encoding="utf-8") == "ancien"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["indicateurs.json"]


# ---------------------------------------------------------------- URL fetcher


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.css",
        "https://example.org/font.woff2",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "file://remote-host" + str(templates_dir() / "dossier.css"),
    ],
)
def test_fetcher_refuses_network_and_outside_files(url):
    with pytest.raises(RefusedURLError):
        LocalOnlyFetcher().fetch(url)


def test_fetcher_refuses_a_path_that_climbs_out_of_the_templates():
    url = (templates_dir() / "fonts").as_uri() + "/../../../../../../etc/passwd"
    with pytest.raises(RefusedURLError):
        LocalOnlyFetcher().fetch(url)


def test_fetcher_serves_templates_and_data_urls():
    fetcher = LocalOnlyFetcher()
    response = fetcher.fetch((templates_dir() / "dossier.css").as_uri())
    try:
        assert b"@font-face" in response.read()
    finally:
        response.close()
    response = fetcher.fetch("data:text/plain;base64,Ym9uam91cg==")
    try:
        assert response.read() == b"bonjour"
    finally:
        response.close()


# ---------------------------------------------------------------- exports


def _expected_records():
    dossier = example_dossier()
    return [("en_bref", ind) for ind in dossier.key_figures] + dossier.indicators()


@pytest.mark.slow
def test_json_export_has_every_indicator_and_comparison(rendered):
    data = json.loads(rendered[0].json.read_text(encoding="utf-8"))
    assert list(data) == ["territory", "edition_date", "situation_date", "generator", "key_figures",
                          "indicators", "gaps", "enjeux", "comparables"]
    assert [e["text"] for e in data["enjeux"]] == [e.text for e in example_dossier().enjeux]
    assert data["territory"]["name"] == TERRITORY_NAME
    assert data["edition_date"] == "2026-11-21"
    assert data["situation_date"] == "RP 2021"
    records = data["key_figures"] + data["indicators"]
    expected = _expected_records()
    assert [(r["section"], r["id"]) for r in records] == [(s, i.id) for s, i in expected]
    for record, (_, ind) in zip(records, expected, strict=True):
        assert list(record) == ["id", "section", "label", "value", "unit", "kind", "decimals", "period", "source_id",
                                "vintage", "geo_vintage", "comparisons", "missing_reason", "note"]
        assert record["value"] == ind.value
        assert [(c["level"], c["code"], c["value"], c["missing_reason"]) for c in record["comparisons"]] == [
            (c.level, c.code, c.value, c.missing_reason) for c in ind.comparisons]
    median = next(r for r in data["indicators"] if r["id"] == "mediane_niveau_vie")
    assert median["value"] is None and "médiane" in median["missing_reason"]
    assert "é" in rendered[0].json.read_text(encoding="utf-8")  # ensure_ascii=False


def test_json_export_is_stable():
    assert indicators_json(example_dossier()) == indicators_json(example_dossier())


@pytest.mark.slow
def test_csv_export_has_one_row_per_indicator_and_level(rendered):
    raw = rendered[0].csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    expected = _expected_records()
    assert len(rows) == sum(1 + len(ind.comparisons) for _, ind in expected)
    assert list(rows[0]) == ["section", "id", "label", "niveau", "code", "nom", "valeur", "unite", "periode",
                             "source", "millesime", "geographie", "manquant_motif", "couverture"]
    population = [r for r in rows if r["id"] == "population" and r["section"] == "demographie"]
    assert [(r["niveau"], r["valeur"]) for r in population] == [
        ("territoire", "12345"), ("departement", "654321"), ("region", "2345678"), ("france", "67000000")]
    density = next(r for r in rows if r["id"] == "densite" and r["niveau"] == "territoire")
    assert density["valeur"] == "84,25"  # decimal comma, full precision
    poverty_region = next(r for r in rows if r["id"] == "taux_pauvrete" and r["niveau"] == "region")
    assert poverty_region["valeur"] == "" and poverty_region["manquant_motif"] == "Valeur soumise au secret statistique."


def test_csv_numbers_are_for_a_french_spreadsheet():
    assert csv_number(12345.0) == "12345"
    assert csv_number(0.1 + 0.2) == "0,30000000000000004"
    assert csv_number(1e-7) == "0,0000001"
    assert csv_number(None) == ""
    assert csv_number(math.nan) == ""
    assert indicators_csv(example_dossier()).count("\r\n") == 1 + sum(
        1 + len(ind.comparisons) for _, ind in _expected_records())


# ---------------------------------------------------------------- robustness


def test_duplicate_block_ids_are_refused():
    import dataclasses

    dossier = example_dossier()
    first, *rest = dossier.sections
    chart = next(b for s in dossier.sections for b in s.blocks if isinstance(b, Chart))
    doubled = dataclasses.replace(first, blocks=(*first.blocks, chart))
    with pytest.raises(ValueError, match=chart.id):
        render_figures(dataclasses.replace(dossier, sections=(doubled, *rest)), None)


@pytest.mark.slow
def test_pdf_without_harfbuzz_subset_embeds_full_fonts_without_warning(tmp_path, monkeypatch):
    import diagterr.render.pdf as pdf_module

    monkeypatch.setattr(pdf_module, "_can_subset_fonts", lambda: False)
    html = render_html(example_dossier(), {}, cover_svg=None)
    result = pdf_module.write_pdf(html, tmp_path / "dossier.pdf")
    assert result.warnings == ()
    assert result.pages >= 8


def test_a_chapter_of_notes_only_follows_the_previous_one_instead_of_a_page_of_its_own():
    from dataclasses import replace

    from diagterr.dossier import Note, Section

    dossier = example_dossier()
    short = Section("mobilites", "Mobilités", "Comment les habitants vont au travail.",
                    (Note("Non disponible hors ligne.", tone="gap"),))
    html = render_html(replace(dossier, sections=(*dossier.sections, short)), {}, cover_svg=None)
    classes = {m.group(2): m.group(1) for m in re.finditer(r'<section class="([^"]*)" id="([^"]*)"', html)}
    assert classes["sec-mobilites"] == "chapter chapter-short"
    assert all(c == "chapter" for a, c in classes.items() if a.startswith("sec-") and a != "sec-mobilites")


def test_annex_rows_sharing_a_source_id_are_told_apart_by_their_table():
    """Every Melodi dataset is the source id "insee_melodi": a figure must point to its own row."""
    from dataclasses import replace

    from diagterr.dossier import Indicator, IndicatorTable, Section, SourceEntry

    census = SourceEntry("insee_melodi", "Population par sexe et âge", "INSEE", "RP 2022", "COG 2025",
                         "https://api.insee.fr/melodi", "2026-11-22", "LO", table="rp_population")
    income = SourceEntry("insee_melodi", "Indicateurs sur la pauvreté", "INSEE", "Filosofi 2021", "COG 2025",
                         "https://api.insee.fr/melodi", "2026-11-22", "LO", table="filosofi")
    dossier = example_dossier()
    first = len(dossier.sources) + 1
    figure = Indicator("pop", "Population", 1.0, "habitants", "count", "2022",
                       SourceRef("insee_melodi", "RP 2022", "COG 2025", table="rp_population"))
    median = Indicator("med", "Médiane", 1.0, "€", "median", "2021",
                       SourceRef("insee_melodi", "Filosofi 2021", "COG 2025", table="filosofi"))
    section = Section("essai", "Essai", "", (IndicatorTable("t", (figure, median)),))
    dossier = replace(dossier, sources=(*dossier.sources, income, census), sections=(*dossier.sections, section))
    html = render_html(dossier, {}, cover_svg=None)
    anchors = re.findall(r'<tr id="(src-[^"]+)"', html)
    assert len(anchors) == len(set(anchors)) == len(dossier.sources)
    table = html[html.index('id="sec-essai"'):]
    table = table[:table.index("</section>")]
    assert f'href="#src-{first + 1}">[{first + 1}]' in table  # the census row, not the first insee_melodi one
    assert f'href="#src-{first}">[{first}]' in table
    assert "Population par sexe et âge" in table and "Indicateurs sur la pauvreté" in table


def test_page_two_lists_failed_sources_in_one_short_line_each_and_the_annex_in_full():
    """Many failed sources must not push the key figures off page 2: the request and the answer
    are in the annex only."""
    from dataclasses import replace

    from diagterr.dossier import Gap

    detail = "https://www.georisques.gouv.fr/api/v1/gaspar/risques?code_insee=69010 a répondu HTTP 400 (Bad Request)"
    gaps = tuple(Gap(f"s{i}", f"Source {i} indisponible : {detail}") for i in range(12))
    html = render_html(replace(example_dossier(), gaps=gaps), {}, cover_svg=None)
    en_bref = html[html.index('id="en-bref"'):html.index('id="sec-')]
    annex = html[html.index('id="annexes"'):]
    assert "12 sources en cause" in en_bref and "georisques" not in en_bref and "Source 3" not in en_bref
    assert "en annexe, « Données manquantes »" in en_bref
    assert annex.count("gaspar/risques") == 12
