"""Build step "typologies" of scripts/build_national.py: the INSEE national typologies, COG 2026.

Two tables, each with its manifest:
- `densite_communes`: the INSEE grille communale de densité in 7 levels (2024 edition, population
  municipale 2021), one row per commune of the COG 2026 (columns of tables/geography.DENSITE_COMMUNES);
- `zonages`: the zonings of every commune, long format (tables/geography.ZONAGES): AAV2020, UU2020,
  BV2022, ZE2020 of the INSEE table d'appartenance géographique 2024 with the zones' names, the
  categories CATEAAV2020, TAAV2017, TUU2017 of the 2023 table (R package COGugaison) and the France
  Ruralités Revitalisation class of 10 July 2025.

Each file is in its own geography (2024, 2023, 2025); its codes are brought to the COG 2026 by the
lineage of the shipped COG index (`former_codes()`). A commune nouvelle whose former communes
disagree gets the population-weighted shares (density) or the value of its most populous part
(zonings); the rule is printed in each manifest's method.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from diagterr.cog import COG_VINTAGE, load_cog  # noqa: E402
from diagterr.store import Manifest, Store  # noqa: E402
from diagterr.tables.geography import DENSITE_COMMUNES, DENSITY_LEVELS, ZONAGES  # noqa: E402

GRID_FILE = "raw/insee-grille-densite-7-niveaux-2024/grille_densite_7_niveaux_2024.xlsx"
TAG_FILE = "raw/insee-table-appartenance-geo-2024/table-appartenance-geo-communes-2024.xlsx"
SUPRACOM_FILE = "raw/cogugaison-data-supracom/table_supracom_2023.extracted.csv"
FRR_FILE = "raw/frr-france-ruralites-2025/liste-communes-FRR-juillet2025.csv"
# Weights of the former communes of 2023 (absent from the 2024 grid when merged on 1 January 2024).
COMPARATEUR_FILE = "raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"

TAG_ZONINGS = ("AAV2020", "UU2020", "BV2022", "ZE2020")
SUPRACOM_CATEGORIES = ("CATEAAV2020", "TAAV2017", "TUU2017")
FRR_COLUMN = "Classement FRR et FRR+ au 10 juillet 2025"
FRR = "FRR"

LO = "Licence Ouverte / Etalab 2.0"
COGUGAISON_CREDIT = "« © Code Officiel Géographique (Insee) et package R COGugaison (http://github.com/antuki/COGugaison) »"
SHARES = tuple(f"p{level}" for level in DENSITY_LEVELS)


def build_typologies(shared, store: Store) -> None:
    cog = load_cog()
    current = {r.code for r in cog.all_communes() if r.type == "commune-actuelle"}
    former = cog.former_codes()

    def today(code: str) -> str | None:
        return code if code in current else former.get(code)

    grid = pd.read_excel(shared.path(GRID_FILE), sheet_name="Grille_Densite", skiprows=4, dtype={"CODGEO": str},
                         engine="calamine")  # same frame as openpyxl, five times faster
    grid = grid.assign(current=grid["CODGEO"].map(today))
    _refuse_unmapped("grille de densité", grid)
    density, merged_density = densite_frame(grid)
    restored = sorted(c for c in current - set(density["commune"]) if cog.commune(c) and cog.commune(c).zone != "com")
    store.write_table(DENSITE_COMMUNES.name, density, _density_manifest(shared, merged_density, restored))
    print(f"  densité : {len(density)} communes, {len(merged_density)} communes nouvelles recomposées, "
          f"sans niveau : {len(restored)} communes rétablies depuis 2024 ({', '.join(restored)}) et les "
          "communes des collectivités d'outre-mer")

    weights_2024 = dict(zip(grid["CODGEO"], grid["PMUN21"].astype(float), strict=True))
    with zipfile.ZipFile(shared.path(COMPARATEUR_FILE)) as archive:
        comparateur = pd.read_csv(io.BytesIO(archive.read("base_cc_comparateur.CSV")), sep=";", dtype=str,
                                  usecols=["CODGEO", "P18_POP"])
    weights_2018 = dict(zip(comparateur["CODGEO"], pd.to_numeric(comparateur["P18_POP"]), strict=True))

    with pd.ExcelFile(shared.path(TAG_FILE), engine="calamine") as workbook:  # openpyxl refuses its stylesheet
        tag = pd.read_excel(workbook, sheet_name="COM", skiprows=5, dtype=str)
        zones = pd.read_excel(workbook, sheet_name="Zones_supra_communales", skiprows=5, dtype=str)
    names = {(r.NIVGEO, r.CODGEO): r.LIBGEO for r in zones.itertuples()}
    supracom = pd.read_csv(shared.path(SUPRACOM_FILE), sep=";", dtype=str, keep_default_na=False)
    supracom = supracom[supracom["CODGEO"] != ""]
    frr = pd.read_csv(shared.path(FRR_FILE), sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
    frr = frr.rename(columns={"Code_insee": "CODGEO", FRR_COLUMN: FRR})

    rows: list[dict[str, str]] = []
    decided: dict[str, int] = {}
    undecided: dict[str, list[str]] = {}
    for frame, columns, weights, label in (
        (tag, TAG_ZONINGS, weights_2024, "TAG 2024"),
        (supracom, SUPRACOM_CATEGORIES, weights_2018, "COGugaison 2023"),
        (frr, (FRR,), weights_2024, "FRR 2025"),
    ):
        frame = frame.assign(current=frame["CODGEO"].map(today))
        _refuse_unmapped(label, frame)
        for column in columns:
            values, by_weight, unknown = zoning_of_current(frame, column, weights)
            decided[column], undecided[column] = by_weight, unknown
            rows += [{"commune": commune, "zonage": column, "code": code, "libelle": names.get((column, code), "")}
                     for commune, code in values.items()]
    zonings = (pd.DataFrame(rows, columns=list(ZONAGES.columns)).astype("string")
               .sort_values(["commune", "zonage"]).reset_index(drop=True))
    store.write_table(ZONAGES.name, zonings, _zonings_manifest(shared, decided, undecided))
    print(f"  zonages : {len(zonings)} lignes, {zonings['commune'].nunique()} communes ; valeur de la partie la plus "
          f"peuplée : {sum(decided.values())} cas ; indécidable : {sum(len(v) for v in undecided.values())}")


def _refuse_unmapped(label: str, frame: pd.DataFrame) -> None:
    if frame["current"].isna().any():
        sys.exit(f"{label} : codes sans commune du {COG_VINTAGE} : {sorted(frame.loc[frame['current'].isna(), 'CODGEO'])}")


def densite_frame(grid: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """One row per current commune: the grid's row, or for a commune nouvelle of several 2024
    communes its population summed, each share population-weighted from the parts, and the level
    of its largest share (the denser level on a tie); with the merges applied."""
    several = grid["current"].duplicated(keep=False)
    single = grid.loc[~several]
    frame = pd.DataFrame({"commune": single["current"], "dens": single["DENS"], "pmun21": single["PMUN21"],
                          **{p: single[f"P{k}"] for p, k in zip(SHARES, DENSITY_LEVELS, strict=True)}})
    rows, merges = [], {}
    for code, parts in grid.loc[several].groupby("current", sort=True):
        merges[str(code)] = sorted(parts["CODGEO"])
        weights = parts["PMUN21"].astype(float)
        shares = [float((parts[f"P{k}"] * weights).sum() / weights.sum()) for k in DENSITY_LEVELS]
        rows.append({"commune": str(code), "dens": DENSITY_LEVELS[shares.index(max(shares))],
                     "pmun21": int(parts["PMUN21"].sum()), **dict(zip(SHARES, shares, strict=True))})
    frame = pd.concat([frame, pd.DataFrame(rows, columns=list(DENSITE_COMMUNES.columns))], ignore_index=True)
    frame = frame.sort_values("commune").reset_index(drop=True)[list(DENSITE_COMMUNES.columns)]
    frame["commune"] = frame["commune"].astype("string")
    frame[["dens", "pmun21"]] = frame[["dens", "pmun21"]].astype("Int64")
    frame[list(SHARES)] = frame[list(SHARES)].astype("float64")
    return frame, merges


def zoning_of_current(frame: pd.DataFrame, column: str, weights: Mapping[str, float]
                      ) -> tuple[dict[str, str], int, list[str]]:
    """Current commune -> its zone of `column`: the value shared by all its parts, else that of
    the part with the largest population (`weights`, by former code); with how many were decided
    by population and the current communes left without a value (a part's population unknown)."""
    frame = frame[frame[column].fillna("") != ""]
    several = frame["current"].duplicated(keep=False)
    out = dict(zip(frame.loc[~several, "current"].astype(str), frame.loc[~several, column].astype(str), strict=True))
    by_weight, unknown = 0, []
    for code, parts in frame.loc[several].groupby("current", sort=True):
        values = sorted(set(parts[column]))
        if len(values) == 1:
            out[str(code)] = values[0]
            continue
        known = [(weights.get(c), v) for c, v in zip(parts["CODGEO"], parts[column], strict=True)]
        if any(w is None or pd.isna(w) for w, _ in known):
            unknown.append(str(code))
            continue
        out[str(code)] = max(known, key=lambda wv: (wv[0], -values.index(wv[1])))[1]
        by_weight += 1
    return dict(sorted(out.items())), by_weight, unknown


def _density_manifest(shared, merges: dict[str, list[str]], restored: list[str]) -> Manifest:
    rule = "; ".join(f"{code} = {' + '.join(parts)}" for code, parts in sorted(merges.items()))
    method = (
        "Feuille Grille_Densite lue telle quelle (CODGEO, DENS, PMUN21, P1 à P7), géographie au 01/01/2024, ramenée "
        f"au {COG_VINTAGE} par la lignée du découpage administratif (anciensCodes). Commune nouvelle formée de "
        "plusieurs communes de 2024 : population municipale 2021 sommée ; part de la population dans chaque niveau "
        "recalculée comme la moyenne des parts des communes, pondérée par leur population ; niveau = celui de la plus "
        f"grande part (à égalité, le plus dense). Communes recomposées : {len(merges)} ({rule}). Communes rétablies "
        f"depuis 2024, sans niveau : {', '.join(restored) or 'aucune'} (la ligne de la commune dont elles sont sorties "
        "porte la commune de 2024 entière). Collectivités d'outre-mer : hors grille. Regroupement en 3 niveaux "
        "(dense 1, intermédiaire 2 à 4, rural 5 à 7) : agrégation documentée par l'INSEE, absente du fichier."
    )
    return Manifest(
        table="",
        source_id="insee_grille_densite",
        title="Grille communale de densité à 7 niveaux (INSEE, édition 2024)",
        producer="INSEE",
        origin="https://github.com/TommyRahita/Reporting-analyse-multifactorielles (commit e42fa8e0, copie du "
               "fichier de l'INSEE mis en ligne le 28/05/2024)",
        vintage="Grille de densité 2024, population municipale 2021",
        geo_vintage=f"communes au 01/01/2024, ramenées au {COG_VINTAGE}",
        licence=LO,
        retrieved_at="2024-05-28",
        inputs=(shared.input(GRID_FILE),),
        method=method,
    )


def _zonings_manifest(shared, decided: dict[str, int], undecided: dict[str, list[str]]) -> Manifest:
    left = "; ".join(f"{column} : {', '.join(codes)}" for column, codes in undecided.items() if codes)
    method = (
        "Feuilles COM et Zones_supra_communales de la table d'appartenance géographique 2024 (AAV2020, UU2020, "
        "BV2022, ZE2020, avec le nom de chaque zone) ; catégories CATEAAV2020, TAAV2017 et TUU2017 de la table "
        "table_supracom_2023 du package R COGugaison (géographie 2023, conversion CSV) ; classement France Ruralités "
        f"Revitalisation au 10 juillet 2025 (COG 2025). Codes ramenés au {COG_VINTAGE} par la lignée du découpage "
        "administratif. Commune nouvelle dont les anciennes communes ont la même zone : cette zone ; sinon la zone de "
        "l'ancienne commune la plus peuplée (population municipale 2021 de la grille de densité 2024 pour la table 2024 "
        "et la liste FRR, population 2018 du comparateur de territoires pour la table 2023). Cas tranchés ainsi : "
        + ", ".join(f"{column} {count}" for column, count in decided.items())
        + f". Sans valeur faute de population d'une partie : {left or 'aucun'}. Communes rétablies depuis 2023 ou "
        "2024 : absentes des tables de leur année. Libellés des catégories : codes documentés de l'INSEE. "
        f"Données COGugaison sous ODbL 1.0 : {COGUGAISON_CREDIT}."
    )
    return Manifest(
        table="",
        source_id=ZONAGES.source_id,
        title="Zonages d'étude de l'INSEE (table d'appartenance 2024, catégories 2023 via COGugaison) "
              "et classement France Ruralités Revitalisation 2025",
        producer="INSEE ; catégories reprises par K. Antunez (COGugaison) ; FRR : ministère chargé de la cohésion "
                 "des territoires (liste reprise par l'ADEME, Bénéfriches)",
        origin="https://www.insee.fr/fr/information/2028028 (copie : InseeFrLab/cartiflette, commit 0ada7632) ; "
               "https://github.com/antuki/COGugaison (commit 37a6d4c9) ; "
               "https://github.com/incubateur-ademe/benefriches (commit ff601707)",
        vintage="Zonages 2020, BV 2022 (TAG 2024) ; catégories 2023 ; FRR 10/07/2025",
        geo_vintage=f"communes au 01/01/2024 (TAG), 2023 (catégories), 2025 (FRR), ramenées au {COG_VINTAGE}",
        licence=f"{LO} (INSEE, liste FRR) ; catégories COGugaison : ODbL 1.0, {COGUGAISON_CREDIT}",
        retrieved_at="2024-03-18",
        inputs=(shared.input(TAG_FILE), shared.input(SUPRACOM_FILE), shared.input(FRR_FILE),
                shared.input(GRID_FILE), shared.input(COMPARATEUR_FILE)),
        method=method,
    )
