"""Commune maps that cost little in the PDF (issue 19): labels written as real text in the shipped
font, which a reader's software finds and copies, with their white halo; outlines simplified once to
what an A4 map shows, shared edges still shared (no gap, no overlap between communes)."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pypdf import PdfReader
from shapely.geometry import LineString, Polygon

from diagterr.pipeline import default_store
from diagterr.render.maps import map_outlines, map_svg
from diagterr.tables.geography import BOUNDARIES_COMMUNES
from diagterr.territory import resolve_territory

CCPA = "246900625"  # CC du Pays de l'Arbresle: 17 communes of the Rhône
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SVG_NS = "{http://www.w3.org/2000/svg}"
# The plain commune map of the CCPA weighed 386 KB with its labels drawn as glyph outlines (twice,
# for the halo); about 35 KB with real text. A third of the old size leaves room for small changes.
CCPA_MAP_MAX_BYTES = 130_000


@pytest.fixture(scope="module")
def ccpa_boundaries() -> gpd.GeoDataFrame:
    codes = list(resolve_territory(epci=CCPA).commune_codes)
    frame = default_store().read_geo(BOUNDARIES_COMMUNES.name, filters=[[("code", "in", codes)]])
    assert frame is not None and len(frame) == 17
    return frame


@pytest.fixture(scope="module")
def ccpa_svg(ccpa_boundaries) -> str:
    svg = map_svg(None, ccpa_boundaries)
    assert svg is not None
    return svg


def _label_groups(svg: str) -> list[list[ET.Element]]:
    """The `<text>` elements of each group made only of texts (a label, its lines and halos)."""
    root = ET.fromstring(svg)
    groups = []
    for group in root.iter(f"{SVG_NS}g"):
        children = list(group)
        if children and all(child.tag == f"{SVG_NS}text" for child in children):
            groups.append(children)
    return groups


def _is_halo(text: ET.Element) -> bool:
    return "stroke: #ffffff" in text.get("style", "")


def test_each_commune_name_is_text_in_the_map_with_a_white_halo(ccpa_svg, ccpa_boundaries):
    labels = {}
    for texts in _label_groups(ccpa_svg):
        fills = [t for t in texts if not _is_halo(t)]
        halos = [t for t in texts if _is_halo(t)]
        label = "".join(t.text or "" for t in fills)
        labels[label.replace(" ", "")] = (fills, halos)
    for name in ccpa_boundaries["name"]:
        assert name.replace(" ", "") in labels, name
        fills, halos = labels[name.replace(" ", "")]
        # Every line of the label has its white copy under it, with the same words.
        assert [t.text for t in halos] == [t.text for t in fills]
        assert all("Source Sans Pro" in t.get("style", "") for t in fills)


def test_the_commune_map_of_the_ccpa_is_light(ccpa_svg):
    assert len(ccpa_svg.encode()) < CCPA_MAP_MAX_BYTES
    assert "<use" not in ccpa_svg  # no glyph outlines left: the text is text


def test_weasyprint_writes_the_labels_as_text_in_the_shipped_font(ccpa_svg, ccpa_boundaries):
    """As the dossier embeds a map: an image in an HTML page whose @font-face names the font."""
    weasyprint = pytest.importorskip("weasyprint")
    data = base64.b64encode(ccpa_svg.encode()).decode()
    html = ("<style>@font-face { font-family: 'Source Sans Pro'; src: url('fonts/SourceSansPro-Regular.ttf'); }"
            "@page { size: A4; margin: 1cm }</style>"
            f'<img src="data:image/svg+xml;base64,{data}" style="width: 17cm">')
    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES) + "/").write_pdf()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text().replace("\n", "").replace(" ", "")
    for name in ccpa_boundaries["name"]:
        assert name.replace(" ", "") in text, name
    fonts = set()

    def collect(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
        for xobject in (resources.get("/XObject") or {}).values():
            collect(xobject.get_object().get("/Resources"))

    collect(page["/Resources"])
    # The shipped file (it names itself "Source-Sans-Pro"), no fallback (DejaVu, Liberation...).
    assert fonts and all("SourceSansPro" in font.replace("-", "") for font in fonts), fonts


def _zigzag_pair() -> gpd.GeoDataFrame:
    """Two communes near Lyon sharing a finely drawn border (800 vertices 5 m apart, wiggling by 30 cm:
    finer than the half point, about 5 m, of their map)."""
    xs = [4.60 + 0.05 * i / 800 for i in range(801)]
    border = LineString([(x, 45.82 + 0.000003 * ((i % 7) - 3) / 3) for i, x in enumerate(xs)])
    north = Polygon([*border.coords, (4.65, 45.86), (4.60, 45.86)])
    south = Polygon([*border.coords, (4.65, 45.78), (4.60, 45.78)])
    return gpd.GeoDataFrame({"code": ["69001", "69002"], "name": ["Nord", "Sud"]},
                            geometry=[north, south], crs="EPSG:4326")


@pytest.mark.parametrize("which", ["zigzag", "ccpa"])
def test_simplified_outlines_keep_shared_borders_shared(which, ccpa_boundaries):
    frame = _zigzag_pair() if which == "zigzag" else ccpa_boundaries
    simple = map_outlines(frame)
    original = frame.to_crs(simple.crs)
    geometries = list(simple.geometry)
    # No gap and no overlap: the communes still tile the territory's area exactly.
    union = shapely.union_all(geometries)
    assert union.area == pytest.approx(sum(g.area for g in geometries), rel=1e-9)
    assert union.area == pytest.approx(original.geometry.union_all().area, rel=1e-3)
    holes = sum(len(p.interiors) for p in getattr(union, "geoms", [union]))
    original_union = original.geometry.union_all()
    assert holes == sum(len(p.interiors) for p in getattr(original_union, "geoms", [original_union]))
    # Neighbours before are neighbours after, along a border, not at a point.
    before = list(original.geometry)
    for i in range(len(before)):
        for j in range(i + 1, len(before)):
            if before[i].intersection(before[j]).length > 1.0:
                assert geometries[i].intersection(geometries[j]).length > 1.0, (i, j)
    if which == "zigzag":  # a border finer than half a point is drawn with far fewer vertices
        assert shapely.get_num_coordinates(simple.geometry.values).sum() < 200
    assert map_outlines(simple) is simple  # prepared once: a run's maps reuse it as it is
