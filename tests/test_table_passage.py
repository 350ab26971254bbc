"""INSEE's table de passage (lineage of communes), the samples' lineage and the harmonisation through it.

No recorded body of `table_passage_geo2003_geo2025.zip` exists. The workbooks below are written
by this test IN THE EXACT SHAPE OF THE DOCUMENTED LAYOUT (../shared/sources/APIS.md §3, and the
public code of projects that read the file): one `table_passage_geo2003_geo2025.xlsx` in the zip,
five title rows, the header on row 6; sheet « Table de passage » `CODGEO_INI, CODGEO_2025,
LIBGEO_2025`; sheets « Liste des fusions » and « Liste des scissions » `ANNEE_MODIF, COM_INI,
COM_FIN, LIB_COM_INI, LIB_COM_FIN`. Their rows are taken from the real shared data
(../shared/data): the former communes of the sample territories (anciensCodes of territories.json,
decoupage-administratif 6.0.0), their names (communes déléguées of decoupage-administratif, INSEE
base-pop-historiques in the 2017 geography) and, for the five former communes still separate in
2017, the year they stopped being communes as the dated snapshots of the shared data show it
(COG 2017 → 2018 → 2019; SOURCES-2.md §2, SOURCES.md §3a). No figure is invented.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import responses
from openpyxl import Workbook

from diagterr.errors import SourceSchemaError
from diagterr.harmonise import correspondence, to_current_geography
from diagterr.pipeline import RunOptions, build_dossier
from diagterr.resources import samples_dir
from diagterr.sources import insee_table_passage as passage
from diagterr.sources.fetcher import FetchContext
from diagterr.sources.http import HttpClient
from diagterr.store import Store, observation_frame
from diagterr.tables.geography import COMMUNES_LINEAGE
from diagterr.territory import resolve_territory
from helpers import needs_shared

SAINT_LO_AGGLO = "200066389"  # CA Saint-Lô Agglo: Tessy-Bocage 50592 and Bourgvallées 50546 (territories.json)

# (CODGEO_INI, CODGEO_2025, LIBGEO_2025): former codes of territories.json and the communes themselves.
PASSAGE_ROWS = [
    ("14507", "50592", "Tessy-Bocage"),
    ("14513", "50592", "Tessy-Bocage"),
    ("50180", "50592", "Tessy-Bocage"),
    ("50592", "50592", "Tessy-Bocage"),
    ("50213", "50546", "Bourgvallées"),
    ("50313", "50546", "Bourgvallées"),
    ("50546", "50546", "Bourgvallées"),
    ("50581", "50546", "Bourgvallées"),
    ("50248", "50409", "Pont-Hébert"),
    ("50409", "50409", "Pont-Hébert"),
    ("63127", "63335", "Saint-Diéry"),
    ("63335", "63335", "Saint-Diéry"),
]
# (ANNEE_MODIF, COM_INI, COM_FIN, LIB_COM_INI, LIB_COM_FIN): the five merges the shared data dates.
FUSION_ROWS = [
    ("2018", "14513", "50592", "Pont-Farcy", "Tessy-Bocage"),
    ("2018", "50592", "50592", "Tessy-Bocage", "Tessy-Bocage"),
    ("2018", "50248", "50409", "Le Hommet-d'Arthenay", "Pont-Hébert"),
    ("2018", "50409", "50409", "Pont-Hébert", "Pont-Hébert"),
    ("2019", "50313", "50546", "Le Mesnil-Herman", "Bourgvallées"),
    ("2019", "50581", "50546", "Soulles", "Bourgvallées"),
    ("2019", "50546", "50546", "Bourgvallées", "Bourgvallées"),
    ("2019", "63127", "63335", "Creste", "Saint-Diéry"),
    ("2019", "63335", "63335", "Saint-Diéry", "Saint-Diéry"),
]
CHANGE_HEADER = ["ANNEE_MODIF", "COM_INI", "COM_FIN", "LIB_COM_INI", "LIB_COM_FIN"]


def workbook(passage_header=("CODGEO_INI", "CODGEO_2025", "LIBGEO_2025"), passage_rows=PASSAGE_ROWS,
             fusion_header=CHANGE_HEADER, fusion_rows=FUSION_ROWS, sheets=None,
             xlsx_name="table_passage_geo2003_geo2025.xlsx") -> bytes:
    """The zip as INSEE documents it: title rows 1-5, header on row 6, data from row 7."""
    book = Workbook()
    book.remove(book.active)
    content = {
        "Table de passage": (list(passage_header), passage_rows),
        "Liste des fusions": (list(fusion_header), fusion_rows),
        "Liste des scissions": (CHANGE_HEADER, []),
    }
    for title in sheets or content:
        header, rows = content[title]
        sheet = book.create_sheet(title)
        sheet["A1"] = "Table de passage des communes depuis 2003"  # INSEE's title rows
        sheet["A2"] = "Géographie au 01/01/2025"
        sheet["A4"] = "Source : Insee, code officiel géographique"
        sheet.append([])
        sheet.append(header)  # row 6
        for row in rows:
            sheet.append(list(row))
    xlsx = io.BytesIO()
    book.save(xlsx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(xlsx_name, xlsx.getvalue())
    return out.getvalue()


def test_the_documented_workbook_gives_each_former_commune_its_current_commune_name_and_year():
    frame, year = passage.parse(workbook())
    assert year == 2025
    by = frame.set_index("ancien_code")
    assert list(frame.columns) == list(COMMUNES_LINEAGE.columns)
    assert by.loc["63127", ["commune", "nom_commune", "ancien_nom", "annee_fin"]].tolist() == [
        "63335", "Saint-Diéry", "Creste", 2019]
    assert by.loc["50248", "commune"] == "50409" and by.loc["50248", "annee_fin"] == 2018
    assert set(by.index[by["commune"] == "50546"]) == {"50213", "50313", "50581"}
    assert by.loc["14513", ["commune", "ancien_nom", "annee_fin"]].tolist() == ["50592", "Pont-Farcy", 2018]
    # A merge the lists do not date keeps its year missing, never guessed.
    assert pd.isna(by.loc["50213", "annee_fin"]) and pd.isna(by.loc["14507", "ancien_nom"])
    # The identity rows (a commune that kept its code) are not former codes.
    assert "50546" not in by.index and "63335" not in by.index
    assert set(frame["nature"]) == {"fusion"}


def test_a_code_split_into_several_communes_is_a_scission():
    rows = [*PASSAGE_ROWS, ("63127", "63038", "Besse-et-Saint-Anastaise")]
    frame, _ = passage.parse(workbook(passage_rows=rows))
    assert set(frame.loc[frame["ancien_code"] == "63127", "nature"]) == {"scission"}
    assert set(frame.loc[frame["ancien_code"] == "63127", "commune"]) == {"63335", "63038"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passage_header": ("CODGEO_INI", "CODGEO_2024", "LIBGEO_2024")}, "en-tête inattendu"),
        ({"passage_header": ("CODGEO_INI", "CODGEO_2025")}, "en-tête inattendu"),
        ({"fusion_header": ["ANNEE", "COM_INI", "COM_FIN", "LIB_COM_INI", "LIB_COM_FIN"]}, "en-tête inattendu"),
        ({"sheets": ["Table de passage", "Liste des fusions"]}, "Liste des scissions"),
        ({"xlsx_name": "table_passage_annuelle_2025.xlsx"}, "un seul fichier"),
        ({"passage_rows": [("6312", "63335", "Saint-Diéry")]}, "code commune « 6312 »"),
        ({"fusion_rows": [("deux mille", "63127", "63335", "Creste", "Saint-Diéry")]}, "année « deux mille »"),
    ],
)
def test_another_layout_fails_loudly(change, message):
    with pytest.raises(SourceSchemaError, match=message):
        passage.parse(workbook(**change))


def test_a_body_that_is_not_a_zip_fails_loudly():
    with pytest.raises(SourceSchemaError, match="archive zip"):
        passage.parse(b"<html>maintenance</html>")


def test_the_online_step_downloads_the_national_file_once_and_writes_the_lineage(tmp_path):
    store = Store([tmp_path / "user", samples_dir()])
    client = HttpClient(tmp_path / "http.sqlite", backend="memory", rate_limits={}, sleep=lambda s: pytest.fail("waited"))
    with responses.RequestsMock() as mocked:
        mocked.get(passage.URL, body=workbook(), content_type="application/zip")
        passage.FETCHER.fetch(FetchContext(client, store, None))
        passage.FETCHER.fetch(FetchContext(client, store, None))  # a second territory: nothing asked
        assert len(mocked.calls) == 1
    manifest = Store([tmp_path / "user"]).manifest(COMMUNES_LINEAGE.name)
    assert manifest.source_id == "insee_table_passage" and manifest.params["url"] == passage.URL
    assert manifest.vintage == "Table de passage géographie 2003 - géographie 2025"
    assert len(store.read(COMMUNES_LINEAGE.name)) == 8  # the 8 former codes of the workbook


def _counts(*rows):
    return observation_frame([
        {"geo_level": "COM", "geo_code": code, "variable": "pop", "period": "2016", "value": value,
         "status": None, "source_id": "test"} for code, value in rows
    ])


def test_harmonisation_reads_the_lineage_table_sums_merged_counts_and_keeps_splits_apart(tmp_path):
    """Counts: population municipale 2015 in the 2017 geography (INSEE base-pop-historiques of the
    shared data: 50546 2 553, 50313 139, 50581 489, 14513 537). The split of 14513 between 50592
    and 50601 did not happen: it is added to the documented-shape workbook to test the rule."""
    store = Store([tmp_path / "user"])
    rows = [*PASSAGE_ROWS, ("14513", "50601", "Torigny-les-Villes")]
    frame, year = passage.parse(workbook(passage_rows=rows))
    store.write_table(COMMUNES_LINEAGE.name, frame, passage.manifest(year, "2026-11-22T00:00:00+00:00", len(frame)))
    data = _counts(("50546", 2553.0), ("50313", 139.0), ("50581", 489.0), ("14513", 537.0))
    out = to_current_geography(data, store, lambda variable: True)
    by = out.frame.set_index("geo_code")["value"]
    assert by["50546"] == 3181.0  # = 2 553 + 139 + 489, the INSEE 2015 figure of Bourgvallées today
    assert out.merged == {"50546": ("50313", "50546", "50581")}
    # The split code is given to neither heir: kept under its own code, and named in the rule.
    assert by["14513"] == 537.0 and "50592" not in by.index and "50601" not in by.index
    assert out.split == {"14513": ("50592", "50601")}
    assert "14513 → 50592, 50601" in out.rule()
    table = correspondence(store)
    assert table.former["63127"] == "63335" and "14513" not in table.former
    assert "69144" in table.former  # a code the lineage does not have: the COG's former codes


def test_without_a_lineage_table_the_cog_former_codes_are_used(tmp_path):
    out = to_current_geography(_counts(("50546", 2553.0), ("50313", 139.0), ("50581", 489.0)),
                               Store([tmp_path / "empty"]), lambda variable: True)
    assert out.frame.set_index("geo_code")["value"]["50546"] == 3181.0
    assert out.split == {}


@needs_shared
def test_the_saint_lo_dossier_lists_the_communes_nouvelles_with_their_former_communes_and_year():
    territory = resolve_territory(epci=SAINT_LO_AGGLO)
    store = Store([samples_dir()])
    dossier = build_dossier(territory, store, RunOptions(Path("unused")), [], [])
    section = next(s for s in dossier.sections if s.id == "territoire")
    table = next(b for b in section.blocks if getattr(b, "title", "").startswith("Communes nouvelles du périmètre"))
    rows = {code: row for row in table.rows for code in row[3].split(", ")}
    assert rows["14513"] == ("Tessy-Bocage", "50592", "Pont-Farcy", "14513, 50649", "2018")
    assert rows["50313"] == ("Bourgvallées", "50546", "Le Mesnil-Herman", "50313", "2019")
    assert rows["50581"] == ("Bourgvallées", "50546", "Soulles", "50581", "2019")
    assert rows["50248"][0] == "Pont-Hébert" and rows["50248"][4] == "2018"
    assert rows["50180"][4] == "2016"  # dated by the yearly COG states 2008-2024 of the shared data
    assert "63127" not in rows  # Saint-Diéry is not in this EPCI
    rules = [b.text for b in section.blocks if getattr(b, "text", "").startswith("Règle d'harmonisation")]
    assert len(rules) == 1 and "comptages sont additionnés" in rules[0]
    assert any(entry.title == "Communes nouvelles des sites et leurs anciennes communes" for entry in dossier.sources)


def test_without_the_lineage_table_the_section_lists_the_cog_former_codes_without_a_year(tmp_path):
    from diagterr.themes.figures import Figures
    from diagterr.themes.territoire import lineage_blocks

    fig = Figures(Store([tmp_path / "empty"]), resolve_territory(commune="50592"))
    table, rule = lineage_blocks(fig)
    assert [row[3] for row in table.rows] == ["14507", "14513", "50180", "50649"]
    assert all(row[4] is None for row in table.rows)
    assert "Table de passage de l'INSEE absente du magasin" in table.note
    assert rule.text.startswith("Règle d'harmonisation") and "scindée" in rule.text
