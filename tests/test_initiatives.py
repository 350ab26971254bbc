"""The consultant's inventory of initiatives (`--initiatives`, `diagterr initiatives modele`).

TEST CONTENT ONLY: every initiative below is invented for these tests and says so in its name
("Initiative de test …"), carrier ("… de test") and description ("donnée de test fictive"); the
addresses use the reserved `.test` domain. None of them is presented as, or mixed with, real data:
the real data of the dossier (ANCT programmes, communes) comes from the samples.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from diagterr import initiatives as inv
from diagterr.cli import app
from diagterr.cog import load_cog
from diagterr.dossier import CommuneMap, Note, Table
from diagterr.errors import BadInputError
from diagterr.pipeline import RunOptions, build_dossier, default_store
from diagterr.territory import resolve_territory
from helpers import runner

CCPA = "246900625"  # CC du Pays de l'Arbresle: 69010 L'Arbresle, 69021 Bessenay, 69032 Bully…

HEADER = "nom;porteur;theme;categorie;commune;statut;date_debut;contact;lien;description"
TEMPLATE_ROW = ";".join(inv.EXAMPLE_ROW[f] for f in inv.FIELDS)
VALID_ROWS = [
    ("Initiative de test A;Association de test;Mobilité;humaines;69010;en cours;2024-03-15;contact@exemple.test;"
     "http://exemple.test/a;Donnée de test fictive <script>alert(1)</script>"),
    ("Initiative de test B;Collectif de test;Alimentation;Agricoles;69021,69032;En projet;01/09/2025;;;"
     "Donnée de test fictive : file:///etc/passwd"),
    "Initiative de test C;;mobilité;Économiques;;terminé;;;;Donnée de test fictive sur tout le territoire.",
]
BROKEN_ROWS = [  # line 2 is the template's example row (skipped); problems on lines 3 to 7
    "Initiative de test 1;;;humaines;69999;en cours;2024-03-15;;;",
    ";Porteur de test;;naturelles;69010;;;;;Donnée de test fictive",
    "Initiative de test 3;;;sportives;69010;;2024-13-01;;;",
    "Initiative de test 4;;;culturelles;69010;;;;file:///etc/passwd;",
    "Initiative de test 5;;;;L'Arbresle;fini;15/03/24;;javascript:alert(1);",
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def csv_file(path: Path, rows: list[str], *, bom: bool = True, header: str = HEADER) -> Path:
    return write(path, "\n".join([header, TEMPLATE_ROW, *rows]) + "\n", "utf-8-sig" if bom else "utf-8")


@pytest.fixture(scope="module")
def ccpa():
    return resolve_territory(epci=CCPA)


def problems_of(path: Path, territory) -> list[str]:
    with pytest.raises(inv.InventoryError) as caught:
        inv.load_inventory(path, territory)
    assert caught.value.exit_code == 2
    return [str(p) for p in caught.value.problems]


# -- the template ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["initiatives.csv", "initiatives.yaml"])
def test_the_template_loads_as_an_empty_inventory_with_a_notice(tmp_path, ccpa, caplog, name):
    path = tmp_path / name
    inv.write_template(path)
    with caplog.at_level(logging.WARNING, logger="diagterr.initiatives"):
        loaded = inv.load_inventory(path, ccpa)
    assert loaded.initiatives == ()
    assert len(loaded.skipped_examples) == 1
    assert f"ligne {loaded.skipped_examples[0]} ignorée" in caplog.text
    assert inv.EXAMPLE_MARK in caplog.text


def test_the_csv_template_has_the_header_and_one_visible_placeholder_row(tmp_path):
    path = tmp_path / "modele.csv"
    inv.write_template(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets open the accents right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(inv.FIELDS)
    assert len(rows) == 2 and rows[1][0].startswith("Exemple — à remplacer")


def test_a_placeholder_row_filled_in_is_validated_like_any_other(tmp_path, ccpa):
    # The user renamed the example row but kept the placeholders of the other columns.
    row = TEMPLATE_ROW.replace(inv.EXAMPLE_ROW["nom"], "Initiative de test")
    problems = problems_of(write(tmp_path / "i.csv", f"{HEADER}\n{row}\n"), ccpa)
    assert {re.search(r"colonne (\w+)", p)[1] for p in problems} == {"categorie", "commune", "statut", "date_debut"}


def test_cli_writes_the_template_and_refuses_to_overwrite_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["initiatives", "modele"])
    assert first.exit_code == 0, first.output
    assert "initiatives.csv" in first.output
    template = (tmp_path / "initiatives.csv").read_bytes()
    (tmp_path / "initiatives.csv").write_text("mes initiatives", "utf-8")
    again = runner.invoke(app, ["initiatives", "modele"])
    assert again.exit_code == 2
    assert "existe déjà" in again.output and "--force" in again.output
    assert (tmp_path / "initiatives.csv").read_text("utf-8") == "mes initiatives"
    forced = runner.invoke(app, ["initiatives", "modele", "--force"])
    assert forced.exit_code == 0
    assert (tmp_path / "initiatives.csv").read_bytes() == template


def test_cli_writes_a_yaml_template_by_its_extension_and_refuses_other_ones(tmp_path):
    result = runner.invoke(app, ["initiatives", "modele", str(tmp_path / "inventaire.yml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inventaire.yml").read_text("utf-8").startswith("# Inventaire des initiatives")
    refused = runner.invoke(app, ["initiatives", "modele", str(tmp_path / "inventaire.xlsx")])
    assert refused.exit_code == 2 and "extension" in refused.output
    assert not (tmp_path / "inventaire.xlsx").exists()


# -- reading --------------------------------------------------------------------------------------


def test_csv_with_bom_and_semicolons(tmp_path, ccpa):
    loaded = inv.load_inventory(csv_file(tmp_path / "i.csv", VALID_ROWS, bom=True), ccpa)
    a, b, c = loaded.initiatives
    assert (a.nom, a.categorie, a.communes, a.statut, a.date_debut.isoformat()) == (
        "Initiative de test A", "humaines", ("69010",), "en cours", "2024-03-15")
    assert (b.categorie, b.communes, b.statut, b.date_debut.isoformat()) == (
        "agricoles", ("69021", "69032"), "en projet", "2025-09-01")
    assert (c.categorie, c.communes, c.statut) == ("economiques", (), "terminé")
    assert a.description == "Donnée de test fictive <script>alert(1)</script>"  # kept as text: the renderer escapes
    assert [i.line for i in loaded.initiatives] == [3, 4, 5]


def test_csv_with_commas_without_bom_and_crlf(tmp_path, ccpa):
    text = ("nom,commune,categorie,description\r\n"
            'Initiative de test A,"69010, 69021",numériques,"Donnée de test fictive, avec une virgule"\r\n'
            ",,,\r\n")  # a spreadsheet's trailing row of separators only
    loaded = inv.load_inventory(write(tmp_path / "i.csv", text), ccpa)
    (only,) = loaded.initiatives
    assert only.communes == ("69010", "69021") and only.categorie == "numeriques"
    assert only.description == "Donnée de test fictive, avec une virgule"


def test_headers_are_read_without_accents_case_or_spaces(tmp_path, ccpa):
    text = "Nom;Thème;Catégorie;Date de début;Code INSEE\nInitiative de test;Jeunesse;Matérielles;2024-01-31;69010\n"
    (only,) = inv.load_inventory(write(tmp_path / "i.csv", text), ccpa).initiatives
    assert (only.theme, only.categorie, only.date_debut.isoformat(), only.communes) == (
        "Jeunesse", "materielles", "2024-01-31", ("69010",))


def test_a_file_with_the_name_column_only(tmp_path, ccpa):
    loaded = inv.load_inventory(write(tmp_path / "i.csv", "nom\nInitiative de test\n"), ccpa)
    assert [i.nom for i in loaded.initiatives] == ["Initiative de test"]
    assert loaded.initiatives[0].communes == ()


@pytest.mark.parametrize(("text", "key"), [
    ("Ressources humaines", "humaines"), ("HUMAINE", "humaines"), ("economique", "economiques"),
    ("Numériques", "numeriques"), ("ressources culturelles", "culturelles"), ("sportives", None),
    ("humaines et culturelles", None),
])
def test_categories_ignore_accents_case_plural_and_the_word_ressources(text, key):
    assert inv.category_key(text) == key


def test_yaml_list_keeps_leading_zeros_and_reads_lists_of_codes(tmp_path):
    territory = resolve_territory(commune="07341")
    text = ("- nom: Initiative de test A\n"
            "  commune: 07341\n"  # unquoted: YAML would read an octal number; the text is kept
            "  date_debut: 2024-03-15\n"
            "  categorie: naturelles\n"
            "- nom: Initiative de test B\n"
            "  commune: [07341]\n"
            "  statut: Terminé\n"
            "  description: |\n"
            "    Donnée de test fictive\n"
            "    sur deux lignes.\n")
    a, b = inv.load_inventory(write(tmp_path / "i.yaml", text), territory).initiatives
    assert a.communes == ("07341",) and a.date_debut.isoformat() == "2024-03-15"
    assert b.communes == ("07341",) and b.statut == "terminé"
    assert b.description == "Donnée de test fictive sur deux lignes."


def test_yaml_mapping_with_an_initiatives_key(tmp_path, ccpa):
    text = "initiatives:\n  - nom: Initiative de test\n    commune: '69010'\n"
    (only,) = inv.load_inventory(write(tmp_path / "i.yml", text), ccpa).initiatives
    assert only.communes == ("69010",)


@pytest.mark.parametrize("text", ["", "# rien encore\n", "nom;commune\n"])
def test_an_empty_file_is_an_empty_inventory(tmp_path, ccpa, text):
    suffix = ".csv" if ";" in text else ".yaml"
    assert inv.load_inventory(write(tmp_path / f"i{suffix}", text), ccpa).initiatives == ()


# -- every problem, with its line and column ----------------------------------------------------


def test_a_broken_csv_gives_every_problem_with_its_line_and_column(tmp_path, ccpa):
    problems = problems_of(csv_file(tmp_path / "i.csv", BROKEN_ROWS), ccpa)
    assert problems == [
        "ligne 3, colonne commune : « 69999 » n'est pas une commune du territoire (CC du Pays de l'Arbresle (CCPA)).",
        "ligne 4, colonne nom : nom de l'initiative manquant (obligatoire).",
        ("ligne 5, colonne categorie : « sportives » n'est pas une catégorie de ressources de l'Atelier ; choix : "
         "humaines, naturelles, agricoles, économiques, matérielles, numériques, culturelles."),
        "ligne 5, colonne date_debut : « 2024-13-01 » : cette date n'existe pas.",
        "ligne 6, colonne lien : « file:///etc/passwd » : seule une adresse web http:// ou https:// est acceptée.",
        ("ligne 7, colonne commune : « L'Arbresle » : indiquez le code INSEE de la commune, pas son nom ; "
         "« L'Arbresle » a pour code 69010."),
        "ligne 7, colonne statut : « fini » : statut inconnu ; choix : en cours, en projet, terminé (ou vide).",
        ("ligne 7, colonne date_debut : « 15/03/24 » n'est pas une date au format AAAA-MM-JJ ou JJ/MM/AAAA "
         "(ex. 2024-03-15 ou 15/03/2024)."),
        "ligne 7, colonne lien : « javascript:alert(1) » : seule une adresse web http:// ou https:// est acceptée.",
    ]


def test_a_quoted_description_over_two_lines_keeps_the_line_where_its_row_starts(tmp_path, ccpa):
    text = f'{HEADER}\nInitiative de test;;;;69010;;;;;"Donnée de test\nsur deux lignes"\n;;;;69999;;;;;\n'
    assert problems_of(write(tmp_path / "i.csv", text), ccpa) == [
        "ligne 4, colonne nom : nom de l'initiative manquant (obligatoire).",
        "ligne 4, colonne commune : « 69999 » n'est pas une commune du territoire (CC du Pays de l'Arbresle (CCPA)).",
    ]


def test_a_commune_of_another_territory_is_named(tmp_path, ccpa):
    problems = problems_of(write(tmp_path / "i.csv", "nom;commune\nInitiative de test;07341\n"), ccpa)
    assert problems == [("ligne 2, colonne commune : « 07341 » (Villeneuve-de-Berg) n'est pas une commune du "
                         "territoire (CC du Pays de l'Arbresle (CCPA)).")]


def test_a_code_that_lost_its_leading_zero_gets_a_hint(tmp_path):
    problems = problems_of(write(tmp_path / "i.csv", "nom;commune\nInitiative de test;7341\n"),
                           resolve_territory(commune="07341"))
    assert "zéro initial (07341)" in problems[0]


def test_a_former_code_gives_the_current_one(tmp_path):
    former = next(code for code, current in sorted(load_cog().former_codes().items())
                  if current == "50592" and code.startswith("50") and code != "50592")
    problems = problems_of(write(tmp_path / "i.csv", f"nom;commune\nInitiative de test;{former}\n"),
                           resolve_territory(commune="50592"))
    assert f"« {former} » est un ancien code" in problems[0] and "code actuel 50592" in problems[0]


def test_unknown_and_repeated_columns_and_a_missing_name_column(tmp_path, ccpa):
    text = "intitulé;comune;theme;theme\nInitiative de test;69010;a;b\n"
    problems = problems_of(write(tmp_path / "i.csv", text), ccpa)
    assert problems == [
        ("ligne 1, colonne comune : nom inconnu (vouliez-vous dire « commune » ?) ; attendus : nom, porteur, theme, "
         "categorie, commune, statut, date_debut, contact, lien, description."),
        "ligne 1, colonne theme : colonne en double",
    ]
    missing = problems_of(write(tmp_path / "j.csv", "porteur;commune\nPorteur de test;69010\n"), ccpa)
    assert missing[0].startswith("ligne 1 : colonne « nom » absente (obligatoire)")


def test_a_row_with_more_values_than_columns(tmp_path, ccpa):
    text = "nom;commune;description\nInitiative de test;69010;Donnée de test; fictive\n"
    (problem,) = problems_of(write(tmp_path / "i.csv", text), ccpa)
    assert problem.startswith("ligne 2 : 4 valeurs pour 3 colonnes")


def test_too_long_a_text_is_refused(tmp_path, ccpa):
    text = f"nom;description\nInitiative de test;{'x' * 900}\n"
    (problem,) = problems_of(write(tmp_path / "i.csv", text), ccpa)
    assert problem == "ligne 2, colonne description : texte trop long (900 caractères, 800 au plus) : résumez-le."


def test_an_unreadable_csv_gives_its_line(tmp_path, ccpa):
    text = f"nom;description\nInitiative de test;{'x' * 200_000}\n"
    (problem,) = problems_of(write(tmp_path / "i.csv", text), ccpa)
    assert problem.startswith("ligne 2 : CSV illisible")


def test_yaml_problems_name_the_field_and_its_line(tmp_path, ccpa):
    text = ("# test\n"
            "- nom: Initiative de test 1\n"
            "  commune: 69999\n"
            "  date_debut: 2024-02-30\n"
            "- porteur: Porteur de test\n"
            "- nom: Initiative de test 3\n"
            "  comune: 69010\n")
    assert problems_of(write(tmp_path / "i.yaml", text), ccpa) == [
        "ligne 3, champ commune : « 69999 » n'est pas une commune du territoire (CC du Pays de l'Arbresle (CCPA)).",
        "ligne 4, champ date_debut : « 2024-02-30 » : cette date n'existe pas.",
        "ligne 5, champ nom : nom de l'initiative manquant (obligatoire).",
        ("ligne 7, champ comune : nom inconnu (vouliez-vous dire « commune » ?) ; attendus : nom, porteur, theme, "
         "categorie, commune, statut, date_debut, contact, lien, description."),
    ]


def test_unreadable_yaml_gives_its_line(tmp_path, ccpa):
    (problem,) = problems_of(write(tmp_path / "i.yaml", "- nom: Initiative de test\n  commune: [69010\n"), ccpa)
    assert problem.startswith("ligne 3 : YAML illisible")


def test_a_yaml_that_is_not_a_list(tmp_path, ccpa):
    (problem,) = problems_of(write(tmp_path / "i.yaml", "nom: Initiative de test\n"), ccpa)
    assert "liste d'initiatives" in problem


@pytest.mark.parametrize(("name", "data", "message"), [
    ("i.csv", "nom\nInitiative de test é\n".encode("cp1252"), "ligne 2 : le texte n'est pas en UTF-8"),
    ("i.xlsx", b"PK\x03\x04", "extension « .xlsx » non prise en charge"),
    ("i.csv", b"PK\x03\x04\x00\x00", "fichier binaire"),
])
def test_files_that_are_not_an_inventory(tmp_path, ccpa, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(BadInputError, match=re.escape(message)):
        inv.load_inventory(tmp_path / name, ccpa)


def test_a_missing_file(tmp_path, ccpa):
    with pytest.raises(BadInputError, match="introuvable"):
        inv.load_inventory(tmp_path / "absent.csv", ccpa)


# -- the section ----------------------------------------------------------------------------------


def section_of(dossier):
    return next(s for s in dossier.sections if s.id == "programmes")


def texts(section) -> str:
    parts = []
    for block in section.blocks:
        parts += [getattr(block, "title", ""), getattr(block, "text", "") or "", getattr(block, "note", "") or ""]
        parts += [str(cell) for row in getattr(block, "rows", ()) for cell in row]
    return "\n".join(parts)


def indicator_ids(dossier) -> list[str]:
    return [i.id for _, i in dossier.indicators() if i.id.startswith("programme_")]


def test_without_inventory_the_section_says_how_to_add_one(ccpa):
    dossier = build_dossier(ccpa, default_store(), RunOptions(Path("unused")), [], [])
    section = section_of(dossier)
    assert section.title == "Initiatives et programmes en cours"
    text = texts(section)
    # The chapter says plainly that no inventory was given; the commands are the consultant's, in the annex.
    assert "aucun fichier fourni" in text and "--initiatives" not in text
    method = " ".join(dossier.methods)
    assert "diagterr initiatives modele" in method and "--initiatives" in method
    # What offline cannot give: named plainly in the chapter's box, the source in the annex.
    assert "les quartiers prioritaires de la politique de la ville ; les friches recensées" in text
    detail = " ".join(p.detail or "" for p in dossier.missing if p.section_id == section.id)
    assert "Quartiers prioritaires de la politique de la ville (liste 2024) : non disponible hors ligne" in detail
    assert "Friches (Cartofriches, Cerema) : non disponible hors ligne" in detail
    assert "sans programme national connu" in text
    assert any(isinstance(b, Table) and b.title == "Programmes par commune" for b in section.blocks)
    assert indicator_ids(dossier)[0] == "programme_pvd"  # ids kept from "Programmes en cours"
    assert len(indicator_ids(dossier)) == 6


def test_saint_lo_quartiers_known_only_from_web_pages_are_not_listed():
    dossier = build_dossier(resolve_territory(epci="200066389"), default_store(), RunOptions(Path("unused")), [], [])
    text = texts(section_of(dossier))
    assert "les quartiers prioritaires de la politique de la ville" in text  # missing offline, said so
    assert "Dollée" not in text and "Val Saint-Jean" not in text


def test_the_inventory_is_grouped_by_category_with_counts(tmp_path, ccpa):
    loaded = inv.load_inventory(csv_file(tmp_path / "i.csv", VALID_ROWS), ccpa)
    dossier = build_dossier(ccpa, default_store(), RunOptions(Path("unused")), [], [], loaded)
    section = section_of(dossier)
    tables = {b.title: b for b in section.blocks if isinstance(b, Table)}
    summary = tables["Initiatives recensées par catégorie de ressources (3)"]
    assert summary.rows[0] == ("Ressources humaines", 1.0, 1.0, 0.0, 0.0)
    assert summary.rows[1] == ("Ressources naturelles", 0.0, 0.0, 0.0, 0.0)  # a question for the workshop
    assert summary.rows[-1] == ("Total", 3.0, 1.0, 1.0, 1.0)
    assert tables["Initiatives recensées par thème"].rows == (("Mobilité", 2.0), ("Alimentation", 1.0))
    humaines = tables["Ressources humaines : 1 initiative"]
    assert humaines.rows == ((
        "Initiative de test A", "L'Arbresle", "Mobilité ; en cours, début le 15 mars 2024",
        "Donnée de test fictive <script>alert(1)</script>",
        "Association de test — contact@exemple.test — http://exemple.test/a"),)
    assert tables["Ressources agricoles : 1 initiative"].rows[0][1] == "Bessenay, Bully"
    assert tables["Ressources économiques : 1 initiative"].rows[0][1:3] == ("Tout le territoire", "mobilité ; terminé")
    assert "Ressources naturelles : 0 initiative" not in tables
    carte = next(b for b in section.blocks if isinstance(b, CommuneMap) and b.id == "carte_initiatives")
    assert dict(carte.values)["69010"] == 1.0 and dict(carte.values)["69021"] == 1.0
    question = next(b for b in section.blocks if isinstance(b, Note) and "Question pour l'atelier" in b.text)
    assert "sans programme national ni initiative recensée" in question.text
    for name in ("Bessenay", "Bully", "L'Arbresle"):  # an initiative or a programme
        assert name not in question.text
    assert "Dommartin" in question.text
    assert "Sans compter l'initiative portant sur tout le territoire." in question.text
    annex = next(s for s in dossier.sources if s.source_id == "inventaire_initiatives")
    assert annex.title == "Inventaire des initiatives locales (i.csv)" and "ligne 2" in annex.method


def test_a_long_run_without_break_gets_break_opportunities_in_the_table_only(tmp_path, ccpa):
    link = "https://exemple.test/" + "a" * 90
    loaded = inv.load_inventory(write(tmp_path / "i.csv", f"nom;lien\nInitiative de test;{link}\n"), ccpa)
    assert loaded.initiatives[0].lien == link  # the data is kept as written
    section = section_of(build_dossier(ccpa, default_store(), RunOptions(Path("unused")), [], [], loaded))
    (row,) = next(b for b in section.blocks if isinstance(b, Table) and b.title.startswith(inv.UNCATEGORISED)).rows
    cell = row[-1]
    assert cell.replace("\u200b", "") == link
    assert all(len(part) <= 40 for part in re.split(r"[\u200b/]", cell))
    assert "\u200b" not in row[0]  # ordinary text is left alone


# -- end to end: diagterr run --initiatives ---------------------------------------------------------


def test_a_broken_file_stops_the_run_with_every_error_and_no_dossier(tmp_path, monkeypatch):
    from diagterr.sources.http import HttpClient

    def no_request(*args, **kwargs):
        raise AssertionError("a broken inventory must stop the run before any request")

    monkeypatch.setattr(HttpClient, "_get", no_request)
    out = tmp_path / "dossier"
    path = csv_file(tmp_path / "cassé.csv", BROKEN_ROWS)
    result = runner.invoke(app, ["run", "--epci", CCPA, "--offline", "--sortie", str(out), "--initiatives", str(path)])
    assert result.exit_code == 2, result.output
    assert "fichier d'initiatives « cassé.csv » : 9 problèmes, aucun dossier n'a été produit." in result.output
    for line in ("ligne 3, colonne commune", "ligne 4, colonne nom", "ligne 5, colonne categorie",
                 "ligne 5, colonne date_debut", "ligne 6, colonne lien", "ligne 7, colonne commune"):
        assert line in result.output
    assert not out.exists()


def test_a_missing_file_is_exit_code_2(tmp_path):
    result = runner.invoke(app, ["run", "--epci", CCPA, "--offline", "--sortie", str(tmp_path / "d"),
                                 "--initiatives", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2 and "introuvable" in result.output
    assert not (tmp_path / "d").exists()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The CCPA dossier built offline with the test inventory (BOM, `;`), every URL WeasyPrint
    asks recorded."""
    from diagterr.render import pdf
    from diagterr.sources.http import HttpClient

    base = tmp_path_factory.mktemp("initiatives")
    path = csv_file(base / "initiatives.csv", VALID_ROWS, bom=True)
    asked: list[str] = []
    original = pdf.LocalOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    def no_request(*args, **kwargs):
        raise AssertionError("no request: offline, and nothing of the inventory is fetched")

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIAGTERR_CACHE_DIR", str(base / "cache"))
        patch.setattr(pdf.LocalOnlyFetcher, "fetch", spy)
        patch.setattr(HttpClient, "_get", no_request)
        result = runner.invoke(app, ["run", "--epci", CCPA, "--offline", "--sortie", str(base / "out"),
                                     "--date-edition", "2026-11-21", "--initiatives", str(path)],
                               catch_exceptions=False)
    return result, base / "out", asked


@pytest.mark.slow
def test_the_pdf_shows_the_initiatives_grouped_by_category(rendered):
    result, out, _ = rendered
    assert result.exit_code == 4, result.output  # offline: partial (what only an online run reads)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(out / "dossier.pdf").pages).split())
    order = ["Initiatives et programmes en cours Ce qui est déjà engagé", "Programmes par commune",
             "Initiatives recensées par catégorie de ressources (3)", "Ressources humaines : 1 initiative",
             "Initiative de test A", "Ressources agricoles : 1 initiative", "Initiative de test B",
             "Ressources économiques : 1 initiative", "Initiative de test C", "Sources et méthodes",
             "Inventaire des initiatives locales (initiatives.csv)"]
    position = 0
    for part in order:  # each found after the one before
        position = text.find(part, position)
        assert position >= 0, f"« {part} » absent, or out of order"


@pytest.mark.slow
def test_the_description_is_escaped_in_the_html(rendered):
    _, out, _ = rendered
    html = (out / "dossier.html").read_text("utf-8")
    assert "Donnée de test fictive &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


@pytest.mark.slow
def test_links_and_paths_of_the_file_are_printed_never_fetched(rendered):
    _, out, asked = rendered
    html = (out / "dossier.html").read_text("utf-8")
    assert "http://exemple.test/a" in html and "file:///etc/passwd" in html  # as text
    assert not re.search(r"""(src|href)=["'](http://exemple|file:///etc)""", html)
    assert asked, "the spy saw nothing: the test no longer watches the fetcher"
    assert not [url for url in asked if "exemple.test" in url or "passwd" in url]
    assert all(url.startswith(("data:", "file:")) for url in asked)


def test_every_text_of_the_inventory_is_used_and_every_use_exists():
    from diagterr.texts import keys

    source = Path(inv.__file__).read_text("utf-8")
    used = set(re.findall(r'"initiatives\.(?!csv")([a-z0-9_]+)"', source))
    examples = {f"example_{name}" for name in inv.FIELDS if name not in ("categorie", "statut")}  # say(f"…_{name}")
    assert used | examples == keys("initiatives")
