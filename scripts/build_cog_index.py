#!/usr/bin/env python3
"""Build the offline COG index shipped in `src/diagterr/data/cog/`.

Reads the npm tarball of `@etalab/decoupage-administratif@6.0.0` (COG 2026, EPCI DGCL 2026)
straight from the archive (nothing is extracted to disk) and writes four parquet tables plus a
`manifest.json`. The output is deterministic: two runs give byte-identical files.

Usage: python scripts/build_cog_index.py [--shared DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_DIR.parent / "shared"
DEFAULT_OUT = REPO_DIR / "src" / "diagterr" / "data" / "cog"

PACKAGE_NAME = "@etalab/decoupage-administratif"
PACKAGE_VERSION = "6.0.0"
TARBALL_RELPATH = Path(
    "data/raw/etalab-decoupage-administratif-npm/etalab-decoupage-administratif-6.0.0.tgz"
)
COG_VINTAGE = "COG 2026"  # must equal diagterr.cog.COG_VINTAGE (checked by the tests)

COMMUNE_TYPES = (
    "commune-actuelle",
    "arrondissement-municipal",
    "commune-deleguee",
    "commune-associee",
)
EPCI_TYPES = ("CC", "CA", "CU", "METRO", "MET69")

COMMUNES_SCHEMA = pa.schema(
    [
        ("type", pa.string()),
        ("code", pa.string()),
        ("nom", pa.string()),
        ("departement", pa.string()),
        ("region", pa.string()),
        ("zone", pa.string()),
        ("codes_postaux", pa.list_(pa.string())),
        ("anciens_codes", pa.list_(pa.string())),
        ("parent", pa.string()),  # arrondissement: `commune`; déléguée/associée: `chefLieu`
        ("population", pa.int64()),  # population municipale, PL 2023
        ("siren", pa.string()),  # SIREN of the commune itself
        ("epci", pa.string()),  # SIREN of its EPCI (communes actuelles only)
    ]
)
EPCI_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("nom", pa.string()),
        ("type", pa.string()),
        ("population_municipale", pa.int64()),  # epci.json: PL 2022
        ("membres", pa.list_(pa.string())),
    ]
)
DEPARTEMENTS_SCHEMA = pa.schema(
    [("code", pa.string()), ("nom", pa.string()), ("region", pa.string()), ("zone", pa.string())]
)
REGIONS_SCHEMA = pa.schema([("code", pa.string()), ("nom", pa.string()), ("zone", pa.string())])


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_package_json(tarball: Path) -> dict[str, Any]:
    """The JSON files of the npm package, read from the tarball without extracting it."""
    wanted = ("communes", "epci", "departements", "regions")
    data: dict[str, Any] = {}
    with tarfile.open(tarball, mode="r:gz") as archive:
        package = json.load(_member(archive, "package/package.json"))
        if package.get("name") != PACKAGE_NAME or package.get("version") != PACKAGE_VERSION:
            raise SystemExit(
                f"Paquet inattendu dans {tarball} : {package.get('name')}@{package.get('version')}"
                f" (attendu {PACKAGE_NAME}@{PACKAGE_VERSION})."
            )
        for name in wanted:
            data[name] = json.load(_member(archive, f"package/data/{name}.json"))
    return data


def files_date(tarball: Path) -> str:
    """The date (UTC) of the package's data files, as the tarball records it: the COG index's date."""
    with tarfile.open(tarball, mode="r:gz") as archive:
        latest = max(archive.getmember(f"package/data/{n}.json").mtime
                     for n in ("communes", "epci", "departements", "regions"))
    return datetime.fromtimestamp(latest, UTC).date().isoformat()


def _member(archive: tarfile.TarFile, name: str) -> Any:
    handle = archive.extractfile(name)
    if handle is None:
        raise SystemExit(f"Fichier {name} absent de l'archive {archive.name}.")
    return handle


def _codes(values: Any) -> list[str]:
    """A list of codes as sorted, deduplicated strings."""
    return sorted({str(v) for v in values or ()})


def build_tables(data: dict[str, Any]) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """The four index tables and notes for the manifest."""
    epci_rows = []
    epci_of: dict[str, str] = {}
    for item in data["epci"]:
        siren = str(item["code"])
        if item["type"] not in EPCI_TYPES:
            raise SystemExit(f"Type d'EPCI inattendu : {item['type']} ({siren}).")
        members = _codes(m["code"] for m in item["membres"])
        for code in members:
            if code in epci_of:
                raise SystemExit(f"Commune {code} membre de deux EPCI : {epci_of[code]}, {siren}.")
            epci_of[code] = siren
        epci_rows.append(
            {
                "code": siren,
                "nom": str(item["nom"]),
                "type": str(item["type"]),
                "population_municipale": int(item["populationMunicipale"]),
                "membres": members,
            }
        )

    commune_rows = []
    for item in data["communes"]:
        kind = item["type"]
        if kind not in COMMUNE_TYPES:
            raise SystemExit(f"Type de commune inattendu : {kind} ({item['code']}).")
        code = str(item["code"])
        parent = item.get("commune") if kind == "arrondissement-municipal" else item.get("chefLieu")
        population = item.get("population")
        commune_rows.append(
            {
                "type": kind,
                "code": code,
                "nom": str(item["nom"]),
                "departement": str(item["departement"]),
                "region": str(item["region"]),
                "zone": str(item["zone"]),
                "codes_postaux": _codes(item.get("codesPostaux")),
                "anciens_codes": _codes(item.get("anciensCodes")),
                "parent": str(parent) if parent is not None else None,
                "population": int(population) if population is not None else None,
                "siren": str(item["siren"]) if item.get("siren") else None,
                "epci": epci_of.get(code) if kind == "commune-actuelle" else None,
            }
        )
    current = {r["code"] for r in commune_rows if r["type"] == "commune-actuelle"}
    unknown_members = sorted(set(epci_of) - current)
    if unknown_members:
        raise SystemExit(f"Membres d'EPCI absents des communes actuelles : {unknown_members[:10]}")

    departement_rows = [
        {"code": str(d["code"]), "nom": str(d["nom"]), "region": str(d["region"]), "zone": str(d["zone"])}
        for d in data["departements"]
    ]
    region_rows = [
        {"code": str(r["code"]), "nom": str(r["nom"]), "zone": str(r["zone"])} for r in data["regions"]
    ]

    type_rank = {t: i for i, t in enumerate(COMMUNE_TYPES)}
    commune_rows.sort(key=lambda r: (r["code"], type_rank[r["type"]]))
    epci_rows.sort(key=lambda r: r["code"])
    departement_rows.sort(key=lambda r: r["code"])
    region_rows.sort(key=lambda r: r["code"])

    # Former codes named twice (anciensCodes of one commune, chefLieu of a déléguée elsewhere):
    # the index trusts anciensCodes; the manifest lists them.
    former_to_current = {a: r["code"] for r in commune_rows for a in r["anciens_codes"]}
    conflicts = sorted(
        f"{r['code']}: anciensCodes de {former_to_current[r['code']]}, chefLieu {r['parent']}"
        for r in commune_rows
        if r["type"] in ("commune-deleguee", "commune-associee")
        and r["code"] in former_to_current
        and former_to_current[r["code"]] != r["parent"]
    )
    notes = {"former_code_conflicts": conflicts, "communes_without_epci": len(current - set(epci_of))}

    tables = {
        "communes": _table(commune_rows, COMMUNES_SCHEMA),
        "epci": _table(epci_rows, EPCI_SCHEMA),
        "departements": _table(departement_rows, DEPARTEMENTS_SCHEMA),
        "regions": _table(region_rows, REGIONS_SCHEMA),
    }
    return tables, notes


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """An arrow table with an explicit schema, built through pandas (string dtypes)."""
    frame = pd.DataFrame.from_records(rows, columns=schema.names)
    for field in schema:
        if pa.types.is_string(field.type):
            frame[field.name] = frame[field.name].astype("string")
        elif pa.types.is_integer(field.type):
            frame[field.name] = frame[field.name].astype("Int64")
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    # No pandas metadata: it embeds the pandas version, and the arrow schema is explicit.
    return table.replace_schema_metadata(None)


def write_index(tables: dict[str, pa.Table], out_dir: Path) -> dict[str, dict[str, Any]]:
    """Write the parquet files; return name → {rows, sha256}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Any]] = {}
    for name, table in tables.items():
        path = out_dir / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=19,
            use_dictionary=True,
            write_statistics=False,
            store_schema=False,
        )
        tmp.replace(path)
        written[path.name] = {"rows": table.num_rows, "sha256": sha256_of(path)}
    return written


def write_manifest(
    out_dir: Path, tarball: Path, written: dict[str, dict[str, Any]], notes: dict[str, Any]
) -> Path:
    """The manifest: provenance, licence, what was kept."""
    manifest = {
        "cog": COG_VINTAGE,
        "source": {
            "npm_package": PACKAGE_NAME,
            "version": PACKAGE_VERSION,
            "tarball": tarball.name,
            "tarball_sha256": sha256_of(tarball),
            "files_date": files_date(tarball),  # date of package/data/*.json in the tarball
            "files_read": [f"package/data/{n}.json" for n in ("communes", "epci", "departements", "regions")],
            "upstream": "INSEE Code officiel géographique 2026, DGCL liste des EPCI à fiscalité propre 2026, "
            "INSEE populations légales, La Poste codes postaux (README du paquet)",
        },
        "licence": "Licence Ouverte (données) ; code du paquet sous MIT",
        "populations": {
            "communes.population": "population municipale de communes.json : populations légales 2023 "
            "(INSEE 8680726) ; Mayotte : population INSEE 2017 ; COM : page INSEE 8680702 (README du paquet)",
            "epci.population_municipale": "population municipale de epci.json, populations légales 2022",
        },
        "kept": {
            "communes.parquet": "communes actuelles, arrondissements municipaux, communes déléguées et "
            "associées : type, code, nom, departement, region, zone (metro/drom/com), codes_postaux, "
            "anciens_codes, parent (arrondissement → commune ; déléguée/associée → chefLieu), "
            "population, siren (de la commune), epci (SIREN de l'EPCI des communes actuelles, "
            "d'après epci.json membres)",
            "epci.parquet": "EPCI à fiscalité propre : code (SIREN), nom, type (CC/CA/CU/METRO/MET69), "
            "population_municipale, membres (codes communes)",
            "departements.parquet": "code, nom, region, zone",
            "regions.parquet": "code, nom, zone",
        },
        "dropped": "typeLiaison, rangChefLieu, arrondissement départemental, populationTotale, "
        "arrondissements.json, ept.json",
        "notes": notes,
        "files": written,
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description="Construit l'index COG hors ligne de diagterr.")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="dossier des données partagées")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dossier de sortie de l'index")
    args = parser.parse_args(argv)

    tarball = args.shared / TARBALL_RELPATH
    if not tarball.is_file():
        print(f"Archive npm introuvable : {tarball} (option --shared DIR).", file=sys.stderr)
        return 2
    log.info("Reading %s", tarball)
    data = read_package_json(tarball)
    tables, notes = build_tables(data)
    written = write_index(tables, args.out)
    write_manifest(args.out, tarball, written, notes)

    size = sum((args.out / name).stat().st_size for name in written) + (args.out / "manifest.json").stat().st_size
    types = tables["communes"].column("type").to_pylist()
    print(
        f"Index {COG_VINTAGE} écrit dans {args.out} : "
        f"{types.count('commune-actuelle')} communes actuelles, "
        f"{types.count('arrondissement-municipal')} arrondissements municipaux, "
        f"{types.count('commune-deleguee') + types.count('commune-associee')} communes déléguées/associées, "
        f"{tables['epci'].num_rows} EPCI, {tables['departements'].num_rows} départements, "
        f"{tables['regions'].num_rows} régions ; {size / 1e6:.2f} Mo."
    )
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    sys.exit(main())
