"""Issue 14, geography: one line per former commune, bassins de vie under a name of 2024, one row
per France services site in the samples.

Real data: the sample store (built from ../shared/data by scripts/build_samples.py) and the shipped
COG index. Tessy-Bocage (50592) is Tessy-sur-Vire and Fervaches merged on 1 January 2016, joined by
Pont-Farcy (Calvados, 14513, code 50649 as the commune déléguée) on 1 January 2018; its former code
14507 is named by no file of ../shared/data and in none of the yearly COG states (2008-2024).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from diagterr.cog import load_cog
from diagterr.dossier import Table
from diagterr.pipeline import default_store
from diagterr.store import Store
from diagterr.territory import resolve_territory
from diagterr.themes import territoire
from diagterr.themes.figures import Figures
from helpers import SHARED, load_script, needs_shared

LINEAGE_COLUMNS = ("Commune actuelle", "Code", "Ancienne commune", "Code(s) de l'ancienne commune",
                   "Fin de l'ancienne commune")


def lineage_table(**territory) -> Table:
    fig = Figures(default_store(), resolve_territory(**territory))
    return next(b for b in territoire.lineage_blocks(fig) if isinstance(b, Table))


def test_tessy_bocage_lists_each_former_commune_once_with_all_its_codes_and_dated_end():
    table = lineage_table(commune="50592")
    assert tuple(c.label for c in table.columns) == LINEAGE_COLUMNS
    assert [row[2:] for row in table.rows] == [
        ("Fervaches", "50180", "2016"),
        ("Pont-Farcy", "14513, 50649", "2018"),
        ("Tessy-sur-Vire", "50592", "2016"),  # the code Tessy-Bocage kept
        ("nom non établi", "14507", "avant 2008"),
    ]
    assert "aucun fichier de la source ne nomme" in table.note
    assert "absente du plus ancien état daté (COG 2008)" in table.note


@pytest.mark.parametrize("epci", ["200066389", "246300966", "246900625"])  # CC Berg et Coiron has none
def test_every_former_code_of_an_epci_is_on_exactly_one_line_named_and_dated(epci):
    table = lineage_table(epci=epci)
    cog = load_cog()
    perimeter = set(resolve_territory(epci=epci).commune_codes)
    expected = {old for old, new in cog.former_codes().items() if new in perimeter}
    listed = [code for row in table.rows for code in row[3].split(", ")]
    assert len(listed) == len(set(listed))
    assert expected <= set(listed)
    lines = {(row[1], row[2]) for row in table.rows if row[2] != "nom non établi"}
    assert len(lines) == len([row for row in table.rows if row[2] != "nom non établi"])  # no name twice
    # Every end is a year or « avant 2008 » in the samples: the yearly COG states date them all.
    assert all(row[4] is not None and (row[4].isdigit() or row[4] == "avant 2008") for row in table.rows)


def test_saint_lo_agglo_lists_the_former_communes_whose_code_the_commune_nouvelle_kept():
    rows = {(row[1], row[2]): row[3:] for row in lineage_table(epci="200066389").rows}
    assert rows[("50546", "Saint-Samson-de-Bonfossé")] == ("50546", "2016")
    assert rows[("50546", "Le Mesnil-Herman")] == ("50313", "2019")
    assert rows[("50601", "Torigni-sur-Vire")] == ("50601", "2016")
    assert rows[("50095", "Canisy")] == ("50095", "2017")  # same name: the year the other one stopped


def test_an_online_lineage_table_gives_one_line_per_former_commune_too(tmp_path):
    """The table de passage online (sources/insee_table_passage) has no `annee_fin_avant`; a former
    commune under two codes (a change of département, then the merger) is one line, its latest year."""
    from diagterr.sources import insee_table_passage as passage

    frame = passage.lineage_frame([
        {"commune": "50592", "nom_commune": "Tessy-Bocage", "ancien_code": old, "ancien_nom": name,
         "annee_fin": year, "nature": "fusion"}
        for old, name, year in (("14513", "Pont-Farcy", 2018), ("50649", "Pont-Farcy", None),
                                ("50180", "Fervaches", 2016), ("14507", None, None))])
    store = Store([tmp_path / "user"])
    store.write_table("communes_lineage", frame, passage.manifest(2025, "2026-11-22T00:00:00+00:00", len(frame)))
    table = next(b for b in territoire.lineage_blocks(Figures(store, resolve_territory(commune="50592")))
                 if isinstance(b, Table))
    assert [row[2:] for row in table.rows] == [
        ("Fervaches", "50180", "2016"), ("Pont-Farcy", "14513, 50649", "2018"), ("nom non établi", "14507", None)]
    assert "n.d. : la source ne date pas la fin de cette ancienne commune" in table.note


# -- bassins de vie 2022, named in 2024 (national base) ---------------------------------------------


def zonings(**territory) -> Table:
    table = territoire.zonings_table(Figures(default_store(), resolve_territory(**territory)))
    assert table is not None
    return table


def test_a_bassin_de_vie_2022_whose_commune_keeps_its_name_is_shown_as_is():
    table = zonings(commune="50592")
    assert [row[1] for row in table.rows if row[0] == "Bassin de vie 2022"] == ["Torigny-les-Villes (50601)"]
    rows = zonings(epci="200066389").rows
    bassins = [row[1] for row in rows if row[0] == "Bassin de vie 2022"]
    assert "Saint-Lô (50502)" in bassins and "Villedieu-les-Poêles-Rouffigny (50639)" in bassins
    assert not [row for row in rows if "nom de" in row[1]]  # every BV of Saint-Lô Agglo bears today's name


def test_a_bassin_de_vie_named_after_a_commune_renamed_since_2024_says_nom_de_2024():
    """Sauzé-Vaussais (79307) is part of Sauzé-entre-Bois since 2025; its BV 2022 keeps the 2024 name."""
    table = zonings(commune="16142")
    assert [row[1] for row in table.rows if row[0] == "Bassin de vie 2022"] == ["Sauzé-Vaussais (nom de 2024) (79307)"]
    assert "Sauzé-Vaussais : nom de 2024 de la commune qui donne son nom à la zone, aujourd'hui " \
           "Sauzé-entre-Bois (COG 2026)." in table.note


def test_renamed_commune_reads_todays_names_from_the_cog():
    cog = load_cog()
    assert territoire.renamed_commune(cog, "50601", "Torigni-sur-Vire") == "Torigny-les-Villes"
    assert territoire.renamed_commune(cog, "50502", "Saint-Lô") is None
    assert territoire.renamed_commune(cog, "50592", "Tessy Bocage") is None  # spelling aside
    assert territoire.renamed_commune(cog, "50180", "Fervaches") == "Tessy-Bocage"  # a former code
    assert territoire.renamed_commune(cog, "63047", "La Bourboule-Mont-Dore") is None  # named after two communes


# -- France services: one row per site in the samples ---------------------------------------------


def services_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["programme"].str.startswith("France services")]


def test_the_sample_programmes_table_has_one_row_per_france_services_site():
    services = services_rows(default_store().read("programmes"))
    assert not services.duplicated(["commune", "identifiant"]).any()
    assert set(services["programme"]) == {"France services"}
    tessy = services[services["commune"] == "50592"]
    assert tessy[["identifiant", "detail"]].values.tolist() == [
        ["917", "Pôle des solidarités — 1 place JC Lemoine (Espace labellisé 01/09/2020)"]]
    method = default_store().manifest("programmes").method
    assert "France services : une ligne par site" in method


@needs_shared
def test_build_programmes_writes_one_row_per_site_of_the_two_lists(tmp_path):
    build = load_script("build_samples")
    shared = build.SharedData(SHARED / "data")
    store = Store([tmp_path])
    codes = build.sample_communes(shared)
    build.build_programmes(shared, store, codes, build.current_communes(load_cog()))
    services = services_rows(store.read("programmes"))
    assert len(services) == len(services.drop_duplicates(["commune", "identifiant"])) == 8
    sites = json.loads((SHARED / "data/raw/anct-carto-france-services/france_services.trimmed.geojson").read_text())
    mapped = {(f["properties"]["insee_com"], str(f["properties"]["MATRICULE"])) for f in sites["features"]
              if f["properties"]["insee_com"] in codes}
    assert mapped <= set(zip(services["commune"], services["identifiant"], strict=True))
    assert services.loc[services["detail"].ne(""), "commune"].tolist() == ["07341", "50592", "63236"]
