"""Page 4 as the opening of a workshop: the territory's internal contrasts (the communes that make
or drag its growth, the bourg-centre against the others), the Atelier's own theme leading the
page (and saying what this edition lacks of it), the consultant's inventory beside the enjeux.

TEST CONTENT ONLY for the inventory: every initiative below is invented for these tests and says
so in its name (« Initiative de test … »); the communes and figures come from the shipped samples.
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from diagterr import initiatives as inv
from diagterr.dossier import EnjeuKind, Table
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.render.html import render_html
from diagterr.territory import resolve_territory

CCPA, SAINT_LO, TESSY = {"epci": "246900625"}, {"epci": "200066389"}, {"commune": "50592"}
INVENTORY = """nom;porteur;theme;categorie;commune;statut
Initiative de test covoiturage;Association de test;Mobilité;humaines;69010;en cours
Initiative de test vélo;Collectif de test;mobilité douce;matérielles;69021,69032;en projet
Initiative de test friche;Commune de test;Friches;naturelles;69010;en projet
Initiative de test marché;;Alimentation;agricoles;;terminé
"""


def _dossier(territory: dict[str, str], focus: str | None = None, inventory: inv.Inventory | None = None):
    return build_dossier(resolve_territory(**territory), default_store(), RunOptions(Path("unused"), focus=focus),
                         [], [], inventory)


def _en_bref(dossier) -> str:
    """The HTML of « En bref » (pages 3 and 4), its entities read back (« n'a », not « n&#39;a »)."""
    html = render_html(dossier, {}, cover_svg=None)
    return unescape(html[html.index('id="en-bref"'):html.index('id="sec-')])


@pytest.fixture(scope="module")
def ccpa():
    return _dossier(CCPA)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory) -> inv.Inventory:
    path = tmp_path_factory.mktemp("inventaire") / "initiatives.csv"
    path.write_text(INVENTORY, "utf-8")
    return inv.load_inventory(path, resolve_territory(**CCPA))


# -- internal contrasts ---------------------------------------------------------------------------


def test_the_communes_that_make_the_growth_of_the_pays_de_l_arbresle_are_named(ccpa):
    texts = {e.rule: e.text for e in ccpa.reading.contrasts}
    # three communes make 913 of the 1 281 inhabitants gained between the legal populations 2018 and 2023
    assert texts["contraste_croissance_concentree"].startswith(
        "Lentilly, Bully et Sain-Bel font 71\u00a0% de la croissance du territoire (+913 habitants sur +1\u202f281")
    # the bourg-centre is the most populous commune, said as such, against the others' summed pace
    assert texts["contraste_bourg_croissance"].startswith("Lentilly, la commune la plus peuplée, croît de +1,54 %")
    assert "Courzieu" in texts["contraste_revenus_ecart"] and "Dommartin" in texts["contraste_revenus_ecart"]
    for enjeu in ccpa.reading.contrasts:
        assert enjeu.kind is EnjeuKind.QUESTION and enjeu.text.endswith("?")
        assert enjeu.rule and enjeu.indicators and enjeu.theme in {"demographie", "habitat", "economie"}


def test_the_chart_of_the_growth_by_commune_sums_to_the_territory(ccpa):
    chart = ccpa.reading.contrast_chart
    assert chart is not None and chart.chart == "hbar"
    [series] = chart.series
    assert series.x[0] == "Lentilly" and series.y[0] == 486.0
    assert series.x[-1] == "11 autres communes"
    assert sum(v or 0 for v in series.y) == 1281.0 and "+1\u202f281 habitants" in (chart.note or "")


def test_saint_lo_agglo_names_its_centre_and_its_villages(tmp_path):
    reading = _dossier(SAINT_LO).reading
    text = " ".join(e.text for e in reading.contrasts)
    assert "Saint-Lô" in text and "Agneaux" in text
    assert reading.contrast_chart is not None and reading.contrast_chart.series[0].x[0] == "Saint-Lô"


def test_a_single_commune_has_no_internal_contrast_and_page_four_says_nothing_of_it():
    dossier = _dossier(TESSY)
    assert dossier.reading.contrasts == () and dossier.reading.contrast_chart is None
    assert "Contrastes entre les communes" not in _en_bref(dossier)


def test_the_contrasts_are_on_page_four_with_their_chart(ccpa):
    page = _en_bref(ccpa)
    assert "Contrastes entre les communes" in page and 'id="fig-contrastes_croissance_communes"' in page
    assert "Habitants gagnés ou perdus par commune entre 2018 et 2023" in page
    assert 'src="data:image/svg+xml;base64,' in page[page.index("fig-contrastes_croissance_communes"):]


# -- the Atelier's theme ----------------------------------------------------------------------------


def test_a_focus_whose_data_the_edition_lacks_says_so_and_asks_its_questions(ccpa):
    focused = _dossier(CCPA, focus="mobilites")
    page, plain = _en_bref(focused), _en_bref(ccpa)
    assert page != plain and "Thème de l'atelier" not in plain
    lead = page[page.index("Thème de l'atelier : Mobilités"):page.index("Atouts")]
    assert "Cette édition n'a pas les modes de transport domicile-travail" in lead
    assert "Comment les actifs vont-ils travailler" in lead
    assert all(q.kind is EnjeuKind.QUESTION and q.theme == "mobilites" for q in focused.reading.focus_questions)


def test_a_focus_with_figures_leads_page_four_with_its_enjeux_once():
    dossier = _dossier(TESSY, focus="demographie")
    page = _en_bref(dossier)
    lead = page[page.index("Thème de l'atelier : Démographie"):page.index("<h3>Atouts")]
    own = [e for e in dossier.enjeux if e.theme == "demographie"]
    assert own and all(e.text in lead for e in own)
    for enjeu in own:  # led, not repeated in the columns
        assert page.count(enjeu.text) == 1
    others = [e for e in dossier.enjeux if e.theme != "demographie"]
    assert others and all(e.text not in lead for e in others)
    assert "Cette édition n'a pas" in lead  # the pyramid of the census by sex is only online


# -- the consultant's inventory -------------------------------------------------------------------


def test_the_inventory_changes_page_four(ccpa, inventory):
    with_inventory = _dossier(CCPA, inventory=inventory)
    page, plain = _en_bref(with_inventory), _en_bref(ccpa)
    assert "Initiatives recensées par thème" in page and "Initiatives recensées par thème" not in plain
    assert "Mobilités : 2 initiatives recensées : Initiative de test covoiturage, Initiative de test vélo." in page
    assert "Climat, risques et sols : 1 initiative recensée : Initiative de test friche." in page
    # chapters with enjeux and no initiative: one question naming them
    assert "Aucune initiative recensée sur les thèmes « Démographie » et « Habitat »" in page
    # the communes no initiative names (one initiative covers the whole territory)
    line = next(text for text in [with_inventory.reading.without_initiative] if text)
    assert line.startswith("14 communes sur 17 sans initiative nommée") and "Dommartin" in line
    assert "L'Arbresle" not in line and "Bessenay" not in line


def test_the_inventory_is_shown_in_the_chapter_of_its_theme(inventory):
    dossier = _dossier(CCPA, focus="mobilites", inventory=inventory)
    tables = {s.id: [b for b in s.blocks if isinstance(b, Table) and b.title.startswith("Initiatives recensées par")]
              for s in dossier.sections}
    [mobility] = tables["mobilites"]
    assert [row[0] for row in mobility.rows] == ["Initiative de test covoiturage", "Initiative de test vélo"]
    assert mobility.rows[0][2] == "Association de test"  # the actor, with its initiative
    [land] = tables["climat"]  # a brownfield goes to the chapter of land take
    assert land.rows[0][0] == "Initiative de test friche"
    page = _en_bref(dossier)
    lead = page[page.index("Thème de l'atelier"):page.index("<h3>Atouts")]
    assert "Mobilités : 2 initiatives recensées" in lead  # the focus theme's initiatives lead with it


@pytest.mark.parametrize(("theme", "chapter"), [("Mobilité douce", "mobilites"), ("Friches", "climat"),
                                                 ("Logement des jeunes", "habitat"), ("Alimentation", "economie"),
                                                 ("Solidarité", "demographie"), ("Sport", None)])
def test_a_free_text_theme_finds_its_chapter(theme, chapter):
    assert inv.chapter_of(theme) == chapter


# -- the synthesis pages ---------------------------------------------------------------------------


@pytest.mark.slow
def test_en_bref_of_the_pays_de_l_arbresle_keeps_to_two_pages_with_its_contrasts(ccpa, tmp_path):
    from pypdf import PdfReader

    from diagterr.render.pdf import write_pdf

    pdf = tmp_path / "dossier.pdf"
    write_pdf(render_html(ccpa, {}, cover_svg=None), pdf)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages[:6]]
    # cover, then « En bref » on pages 2 and 3 (contrasts included), the contents on page 4
    assert "Contrastes entre les communes" in pages[2]
    assert pages[3].startswith("Sommaire") or "Sommaire" in pages[3].split("En bref")[0]
