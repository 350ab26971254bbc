"""Build data/national/, the national base shipped with diagterr, from ../shared/data only.

    python scripts/build_national.py [--shared ../shared] [--out data/national] [--only STEP[,STEP]]

A store root like data/samples/, read after it (store roots: user store, samples, national; an
earlier root's row wins): any commune or EPCI of France gets, offline, the census figures of the
comparateur against its département, région and France, and a map.

Steps (STEPS):
- "comparateur": table insee_comparateur for ALL communes of the INSEE national file (codes brought to
  the COG 2026; département, région and France sums with their statuses).
- "boundaries": table boundaries_communes, the outlines of every commune of the IGN files (Admin Express
  COG 2018, metropole and DROM) brought to the COG 2026 (communes nouvelles dissolved from their former
  communes), coverage-simplified for A4 maps (build_boundaries: tolerance, grid and size cap).

Legal populations are NOT rebuilt here: the sample store's populations_legales already holds the PL
2023 of every current commune of France (and the sums per département, région and France), read from
the COG index shipped with diagterr (scripts/build_samples.build_legal_populations); the shared data
hold the older vintages only for the sample communes (derived/population_legale_history.csv).

Every figure written traces to a file of ../shared/data, named with its sha256 in the table's
manifest. Deterministic: run twice, same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "scripts"))

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from build_samples import SharedData  # noqa: E402
from national_profiles import build_boundaries_epci, build_profiles  # noqa: E402
from national_typologies import build_typologies  # noqa: E402

from diagterr.cog import load_cog  # noqa: E402
from diagterr.render.maps import crs_for_codes  # noqa: E402
from diagterr.sources.insee_comparateur import import_comparateur  # noqa: E402
from diagterr.store import ROW_GROUP_ROWS, Manifest, Store  # noqa: E402
from diagterr.tables.geography import BOUNDARIES_COMMUNES, BOUNDARIES_DEPARTEMENTS  # noqa: E402

BOUNDARIES_DIR = "raw/france-geojson-communes-par-departement"
BOUNDARIES_TOLERANCE_M = 150.0  # coverage simplification (Visvalingam-Whyatt), metres in the zone's projection
BOUNDARIES_GRID_DEG = 2.0**-15  # coordinates snapped to this grid (about 3 m): a third fewer parquet bytes
BOUNDARIES_MAX_BYTES = 15_000_000
COMPARATEUR_FILE = "raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"


def build_comparateur(shared: SharedData, store: Store) -> None:
    _, stats = import_comparateur(
        shared.path(COMPARATEUR_FILE),
        store,
        load_cog(),
        keep_communes=None,
        retrieved_at="2022-01-12",
        geo_vintage="COG 2021",
        inputs=(shared.input(COMPARATEUR_FILE),),
    )
    print(
        f"  comparateur : {stats['rows']} lignes lues, {stats['arrondissements_dropped']} arrondissements "
        f"municipaux écartés, {stats['merged_into_current']} codes fusionnés depuis dans une commune nouvelle, "
        f"{stats['unmapped']} codes inconnus"
    )


def build_boundaries(shared: SharedData, store: Store) -> None:
    """`boundaries_communes` of every commune of France the IGN files have, brought to the COG 2026.

    The 2018 outlines of the former communes of a commune nouvelle are dissolved into one (the
    lineage of the shipped COG index, `former_codes()`), then each zone (mainland, each DROM) is
    simplified as one coverage in its legal projection (Visvalingam-Whyatt, shared edges once: no
    gaps nor overlaps between neighbours) and its coordinates snapped to a binary grid in degrees,
    which the parquet compression turns into a third less bytes.
    """
    files = sorted(p.name for p in shared.path(BOUNDARIES_DIR).glob("communes-*.geojson"))
    if len(files) != 101:
        sys.exit(f"contours : {len(files)} fichiers départementaux dans {BOUNDARIES_DIR} (101 attendus)")
    raw = pd.concat([gpd.read_file(shared.path(f"{BOUNDARIES_DIR}/{name}")) for name in files], ignore_index=True)
    cog = load_cog()
    frame, merges, absent = national_outlines(raw, cog)
    size = _parquet_size(frame)
    if size > BOUNDARIES_MAX_BYTES:
        sys.exit(f"contours : {size / 1e6:.1f} Mo, au-delà du plafond de {BOUNDARIES_MAX_BYTES / 1e6:.0f} Mo")
    manifest = _boundaries_manifest(shared, files, merges, absent, size)
    store.write_table(BOUNDARIES_COMMUNES.name, frame, manifest)
    restored = [code for code, why in absent.items() if why == RESTORED]
    print(f"  contours : {len(frame)} communes, {len(merges)} communes nouvelles unies, {size / 1e6:.1f} Mo ; "
          f"sans contour : {len(restored)} communes rétablies depuis 2018 ({', '.join(restored)}), "
          f"{len(absent) - len(restored)} communes des collectivités d'outre-mer")
    # The map's context: the outline of each département, the union of its communes' outlines.
    departement_of = {r.code: r.departement for r in cog.all_communes() if r.type == "commune-actuelle"}
    rows = []
    for code, communes in frame.groupby(frame["code"].map(departement_of), sort=True):
        record = cog.departement(code)
        assert record is not None
        outline = shapely.set_precision(shapely.coverage_union_all(communes.geometry.to_numpy()), BOUNDARIES_GRID_DEG)
        rows.append({"code": code, "name": record.name, "geometry": outline})
    departements = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    store.write_table(BOUNDARIES_DEPARTEMENTS.name, departements, replace(
        manifest,
        title="Contours des départements de France (IGN ADMIN EXPRESS COG 2018 simplifié)",
        method=f"Union des contours des communes de chaque département de la table {BOUNDARIES_COMMUNES.name} "
        f"(même simplification, fond de carte de contexte). Fichier de {_parquet_size(departements) / 1e6:.1f} Mo.",
    ))
    print(f"  contours : {len(departements)} départements, {_parquet_size(departements) / 1e6:.1f} Mo")


def _parquet_size(frame: gpd.GeoDataFrame) -> int:
    """Bytes of the parquet file Store.write_table writes for this frame (same call, same bytes)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, row_group_size=ROW_GROUP_ROWS)
    return buffer.getbuffer().nbytes


def national_outlines(raw: pd.DataFrame, cog) -> tuple[gpd.GeoDataFrame, dict[str, list[str]], dict[str, str]]:
    """The simplified outlines of the current communes (code, name, geometry; EPSG:4326), the
    dissolutions applied (current code -> its 2018 codes) and the current communes without an
    outline (code -> French reason)."""
    current = {r.code: r for r in cog.all_communes() if r.type == "commune-actuelle"}
    former = cog.former_codes()
    raw = raw.assign(current=raw["code"].map(lambda c: c if c in current else former.get(c)))
    if raw["current"].isna().any():
        sys.exit(f"contours sans commune actuelle : {sorted(raw.loc[raw['current'].isna(), 'code'])}")
    rows, merges = [], {}
    for code, parts in raw.groupby("current", sort=True):
        geometries = list(shapely.make_valid(parts.geometry.to_numpy()))
        if len(parts) > 1:
            merges[code] = sorted(parts["code"])
        rows.append({"code": code, "name": current[code].name, "zone": crs_for_codes([code]),
                     "geometry": shapely.union_all(geometries) if len(geometries) > 1 else geometries[0]})
    dissolved = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    zones = []
    for crs, zone in dissolved.groupby("zone", sort=True):
        projected = zone.to_crs(crs)
        simplified = shapely.coverage_simplify(projected.geometry.to_numpy(), BOUNDARIES_TOLERANCE_M)
        zones.append(gpd.GeoDataFrame(zone[["code", "name"]], geometry=list(simplified), crs=crs).to_crs("EPSG:4326"))
    out = pd.concat(zones).sort_values("code")
    geometry = shapely.set_precision(out.geometry.to_numpy(), BOUNDARIES_GRID_DEG)
    frame = gpd.GeoDataFrame(out[["code", "name"]].reset_index(drop=True), geometry=list(geometry), crs="EPSG:4326")
    if not frame.geometry.is_valid.all() or frame.geometry.is_empty.any():
        sys.exit(f"contours invalides après simplification : {sorted(frame.loc[~frame.is_valid, 'code'])}")
    absent = {code: _why_absent(current[code]) for code in sorted(set(current) - set(frame["code"]))}
    return frame, merges, absent


RESTORED = "commune rétablie depuis 2018, comprise dans le contour 2018 de la commune nouvelle dont elle est sortie"
OVERSEAS_COLLECTIVITY = "commune d'une collectivité d'outre-mer, absente des fichiers IGN"


def _why_absent(commune) -> str:
    return OVERSEAS_COLLECTIVITY if commune.zone == "com" else RESTORED


def _boundaries_manifest(shared: SharedData, files: list[str], merges: dict[str, list[str]],
                         absent: dict[str, str], size: int) -> Manifest:
    restored = [code for code, why in absent.items() if why == RESTORED]
    overseas = [code for code, why in absent.items() if why == OVERSEAS_COLLECTIVITY]
    method = (
        "Contours IGN ADMIN EXPRESS COG 2018 déjà simplifiés par france-geojson (Visvalingam 25 %, 101 fichiers "
        f"départementaux entiers, DROM compris), ramenés aux communes du COG 2026 : {len(merges)} communes nouvelles "
        "créées depuis 2018 sont l'union des contours de leurs anciennes communes (lignée de "
        "@etalab/decoupage-administratif 6.0.0, anciensCodes) ; Paris, Lyon et Marseille sont entières. Puis "
        "simplification de couverture (Visvalingam-Whyatt, bords partagés simplifiés une seule fois : ni trou ni "
        f"chevauchement entre voisines) d'une tolérance de {BOUNDARIES_TOLERANCE_M:.0f} m dans la projection légale de "
        "chaque zone (Lambert-93 en métropole, UTM des DROM), retour en WGS84 et coordonnées arrondies à une grille de "
        f"2^-15 degré (environ 3 m). Contours pour des cartes, pas pour mesurer des surfaces. Communes du COG 2026 sans "
        f"contour : {len(restored)} communes rétablies depuis 2018, comprises dans le contour 2018 de la commune "
        f"nouvelle dont elles sont sorties ({', '.join(restored) or 'aucune'}) ; {len(overseas)} communes des "
        f"collectivités d'outre-mer, absentes des fichiers IGN. Fichier de {size / 1e6:.1f} Mo. Noms du COG 2026."
    )
    return Manifest(
        table="",
        source_id="contours_2018",
        title="Contours des communes de France (IGN ADMIN EXPRESS COG 2018 simplifié, ramené au COG 2026)",
        producer="IGN ; mise en forme G. David (france-geojson)",
        origin="https://github.com/gregoiredavid/france-geojson (commit 5d34ee6d, 2018-10-16)",
        vintage="ADMIN EXPRESS COG 2018",
        geo_vintage="IGN ADMIN EXPRESS COG 2018, communes ramenées au COG 2026",
        licence="Licence Ouverte / Etalab 2.0",
        retrieved_at="2018-08-01",
        inputs=tuple(shared.input(f"{BOUNDARIES_DIR}/{name}") for name in files),
        method=method,
    )


STEPS: dict[str, Callable[[SharedData, Store], None]] = {
    "comparateur": build_comparateur,
    "boundaries": build_boundaries,
    "typologies": build_typologies,
    "boundaries_epci": build_boundaries_epci,
    "profiles": build_profiles,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="dossier shared/ (défaut : ../shared)")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "national", help="magasin à écrire")
    parser.add_argument("--only", default="", metavar="ÉTAPES",
                        help=f"reconstruire seulement ces tables, séparées par des virgules ({', '.join(STEPS)})")
    args = parser.parse_args(argv)
    only = [step for step in args.only.split(",") if step]
    unknown = [step for step in only if step not in STEPS]
    if unknown:
        parser.error(f"étape inconnue : {', '.join(unknown)} (choix : {', '.join(STEPS)})")
    shared = SharedData(args.shared.resolve() / "data")
    out = args.out.resolve()
    store = Store([out])
    print(f"Base nationale -> {out}")
    for name, build in STEPS.items():
        if not only or name in only:
            build(shared, store)
    for name in store.table_names():
        manifest = store.manifest(name)
        assert manifest is not None
        print(f"  {name:<26} {manifest.rows:>8} lignes  sha256 {manifest.sha256[:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
