"""The national typologies (issue 16 §1): INSEE density grid 2024, zonings of the TAG 2024, AAV
categories 2023 (COGugaison) and France Ruralités Revitalisation 2025, in the national base at the
COG 2026 (scripts/national_typologies.py), and what the territory chapter says of them for any
commune or EPCI of France."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from diagterr.dossier import Table
from diagterr.pipeline import default_store
from diagterr.resources import national_dir
from diagterr.store import Store, sha256_of
from diagterr.tables.geography import (
    DENSITE_COMMUNES,
    DENSITY_LABELS,
    FRR_CLASSES,
    FRR_NOT_CLASSED,
    ZONAGES,
)
from diagterr.territory import resolve_territory
from diagterr.themes import territoire
from diagterr.themes.figures import Figures
from helpers import SHARED, load_script, needs_shared

CCPA = "246900625"
PUJAUT = "30209"  # Gard, outside the four sample sites
GRID = SHARED / "data" / "raw/insee-grille-densite-7-niveaux-2024/grille_densite_7_niveaux_2024.xlsx"
FRR_FILE = SHARED / "data" / "raw/frr-france-ruralites-2025/liste-communes-FRR-juillet2025.csv"


def _build(out: Path) -> Store:
    module = load_script("national_typologies")
    shared = load_script("build_samples").SharedData(SHARED / "data")
    store = Store([out])
    module.build_typologies(shared, store)
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Store:
    if not (SHARED / "data" / "territories.json").is_file():
        pytest.skip("../shared (données tierces) absent")
    return _build(tmp_path_factory.mktemp("typologies"))


@pytest.fixture(scope="module")
def density(built) -> pd.DataFrame:
    frame = built.read(DENSITE_COMMUNES.name)
    assert frame is not None
    return frame.set_index("commune")


@pytest.fixture(scope="module")
def zonings(built) -> dict[tuple[str, str], str]:
    frame = built.read(ZONAGES.name)
    assert frame is not None
    return {(r.commune, r.zonage): r.code for r in frame.itertuples()}


# -- the build step, on the real files ------------------------------------------------------------


@needs_shared
def test_the_built_tables_are_the_shipped_ones_with_the_declared_columns(built):
    for spec in (DENSITE_COMMUNES, ZONAGES):
        fresh, shipped = built.read(spec.name), Store([national_dir()]).read(spec.name)
        assert tuple(fresh.columns) == spec.columns
        pd.testing.assert_frame_equal(fresh, shipped)
    density = built.read(DENSITE_COMMUNES.name)
    assert str(density["dens"].dtype) == "Int64" and str(density["pmun21"].dtype) == "Int64"
    assert all(density[f"p{k}"].dtype == "float64" for k in range(1, 8))


@pytest.mark.slow
@needs_shared
def test_building_twice_gives_the_same_bytes(built, tmp_path):
    again = _build(tmp_path)
    for name in (DENSITE_COMMUNES.name, ZONAGES.name):
        assert sha256_of(again.roots[0] / "tables" / f"{name}.parquet") == \
            sha256_of(built.roots[0] / "tables" / f"{name}.parquet")


@needs_shared
def test_known_communes_of_sources_4(density, zonings):
    assert density.loc["75056", "dens"] == 1
    assert density.loc["69010", "dens"] == 2
    assert density.loc["50592", "dens"] == 5
    assert zonings[("69010", "AAV2020")] == "002" and zonings[("69010", "CATEAAV2020")] == "20"
    assert zonings[("50592", "FRR")] == "FRR socle"
    assert zonings[("50592", "BV2022")] == "50601" and zonings[("50592", "UU2020")] == "50000"
    assert zonings[("75056", "TAAV2017")] == "5" and zonings[("75056", "TUU2017")] == "8"
    assert zonings[("75056", "FRR")] == FRR_NOT_CLASSED


@needs_shared
def test_the_labels_and_classes_the_dossier_shows_are_those_of_the_files():
    grid = pd.read_excel(GRID, sheet_name="Grille_Densite", skiprows=4, usecols=["DENS", "LIBDENS"],
                         engine="calamine").drop_duplicates()
    assert dict(zip(grid["DENS"], grid["LIBDENS"], strict=True)) == dict(DENSITY_LABELS)
    frr = pd.read_csv(FRR_FILE, sep=";", dtype=str, keep_default_na=False)
    assert set(frr.iloc[:, 3]) == {*FRR_CLASSES, FRR_NOT_CLASSED}


@needs_shared
def test_a_commune_nouvelle_since_2024_sums_its_parts_and_weights_their_shares(density, built):
    """61275 (Orne) is five communes of the 2024 grid merged since; its population is their sum,
    each share their population-weighted mean, its level the level of its largest share."""
    grid = pd.read_excel(GRID, sheet_name="Grille_Densite", skiprows=4, dtype={"CODGEO": str}, engine="calamine")
    parts = grid[grid["CODGEO"].isin(["61017", "61188", "61192", "61275", "61310"])]
    assert len(parts) == 5 and "61017" not in density.index
    row = density.loc["61275"]
    assert row["pmun21"] == parts["PMUN21"].sum()
    for k in range(1, 8):
        assert row[f"p{k}"] == pytest.approx((parts[f"P{k}"] * parts["PMUN21"]).sum() / parts["PMUN21"].sum())
    shares = [row[f"p{k}"] for k in range(1, 8)]
    assert row["dens"] == shares.index(max(shares)) + 1
    assert sum(shares) == pytest.approx(100, abs=0.05)
    assert "61275 = 61017 + 61188 + 61192 + 61275 + 61310" in built.manifest(DENSITE_COMMUNES.name).method


@needs_shared
def test_parts_that_disagree_get_the_zone_of_the_most_populous_part_and_the_rule_is_printed(built, zonings):
    """85223 (Vendée) = 85223 + 85233 of 2024: the TAG gives them two bassins de vie."""
    grid = pd.read_excel(GRID, sheet_name="Grille_Densite", skiprows=4, dtype={"CODGEO": str}, engine="calamine")
    population = dict(zip(grid["CODGEO"], grid["PMUN21"], strict=True))
    tag = pd.read_excel(SHARED / "data/raw/insee-table-appartenance-geo-2024/table-appartenance-geo-communes-2024.xlsx",
                        sheet_name="COM", skiprows=5, dtype=str, engine="calamine").set_index("CODGEO")
    bassins = {code: tag.loc[code, "BV2022"] for code in ("85223", "85233")}
    assert len(set(bassins.values())) == 2
    larger = max(bassins, key=lambda code: population[code])
    assert zonings[("85223", "BV2022")] == bassins[larger]
    manifest = built.manifest(ZONAGES.name)
    assert "la zone de l'ancienne commune la plus peuplée" in manifest.method
    assert "package R COGugaison" in manifest.licence and "ODbL 1.0" in manifest.licence
    assert {i.path.rsplit("/", 1)[-1] for i in manifest.inputs} >= {
        "table-appartenance-geo-communes-2024.xlsx", "table_supracom_2023.extracted.csv",
        "liste-communes-FRR-juillet2025.csv"}


# -- the territory chapter ----------------------------------------------------------------------------


def _tables(**territory) -> dict[str, Table]:
    section = territoire.analyse(Figures(default_store(), resolve_territory(**territory)))
    return {block.title: block for block in section.blocks if isinstance(block, Table)}


def _find(tables: dict[str, Table], start: str) -> Table:
    return next(table for title, table in tables.items() if title.startswith(start))


def test_ccpa_states_its_population_by_density_level_summing_to_100_and_the_couronne_of_lyon():
    tables = _tables(epci=CCPA)
    density = _find(tables, "Population par niveau de densité")
    assert "grille communale de densité INSEE 2024, population 2021" in density.title
    levels, groups = density.rows[:7], density.rows[7:]
    assert sum(row[1] for row in levels) == pytest.approx(100, abs=0.05)
    assert sum(row[1] for row in groups) == pytest.approx(100, abs=0.05)
    assert sum(row[2] for row in levels) == 17  # each commune counted once, at its level
    assert [row[0].split(" (")[0] for row in groups] == ["Dense", "Intermédiaire", "Rural"]
    assert all("regroupement de l'INSEE" in row[0] for row in groups)
    zonings = _find(tables, "Zonages d'étude de l'INSEE")
    assert "bassins de vie 2022" in zonings.title and "zonage en aires d'attraction des villes 2020" in zonings.title
    assert ("Place dans l'aire d'attraction", "couronne de l'aire d'attraction de Lyon (002)", 17.0) in zonings.rows
    communes = _find(tables, "Les 17 communes dans les typologies")
    arbresle = next(row for row in communes.rows if row[1] == "69010")
    assert arbresle[2:] == ("2 – Centres urbains intermédiaires", "couronne de l'aire d'attraction de Lyon (002)",
                            "L'Arbresle (69010)", "Non classée")


def test_saint_lo_agglo_counts_its_communes_in_frr():
    frr = _find(_tables(epci="200066389"), "France Ruralités Revitalisation (classement au 10 juillet 2025)")
    counts = {row[0]: row[1] for row in frr.rows}
    assert counts["FRR socle"] + counts["Non classée"] == 61
    assert counts["Communes classées, en tout ou en partie"] == counts["FRR socle"]


def test_a_commune_outside_the_samples_gets_its_typologies_from_the_national_base():
    tables = _tables(commune=PUJAUT)
    row = _find(tables, "La commune dans les typologies").rows[0]
    assert row == ("Pujaut", PUJAUT, "5 – Bourgs ruraux", "couronne de l'aire d'attraction d'Avignon (040)",
                   "Avignon (84007)", "Non classée")
    zonings = _find(tables, "Zonages d'étude de l'INSEE")
    assert zonings.source is not None and "TAG 2024" in zonings.source.vintage
    assert ("Zone d'emploi 2020", "Avignon (0053)", 1.0) in zonings.rows


def test_a_commune_restored_since_2024_has_no_level_and_the_note_says_why():
    """Celles (15031) left Neussargues en Pinatelle on 1 January 2025: no row in the 2024 grid."""
    tables = _tables(commune="15031")
    assert not any(title.startswith("Population par niveau de densité") for title in tables)
    row = _find(tables, "La commune dans les typologies").rows[0]
    assert row[2] is None and row[5] == "FRR socle"  # the FRR list of 2025 has it
    assert "n.d. : commune absente du fichier de cette édition" in _find(tables, "La commune dans").note
