"""Build steps "boundaries_epci" and "profiles" of scripts/build_national.py.

- "boundaries_epci": table boundaries_epci, the outline of every EPCI of the COG 2026, the coverage
  union of its member communes' outlines of the national table boundaries_communes.
- "profiles": table territory_profiles, the profile of every current commune and EPCI of France
  (diagterr.national_profile.build_profile_frame) from the national tables insee_comparateur,
  boundaries_communes and, when the step "typologies" has written it, densite_communes.

Both read the national store only (built from ../shared/data by the earlier steps), so they run
after "comparateur", "boundaries" (and "typologies").
"""

from __future__ import annotations

import io
import sys
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import shapely

from diagterr.cog import load_cog
from diagterr.national_profile import build_profile_frame
from diagterr.render.maps import crs_for_codes
from diagterr.store import ROW_GROUP_ROWS, InputFile, Manifest, Store
from diagterr.tables.census import COMPARATEUR
from diagterr.tables.geography import BOUNDARIES_COMMUNES, BOUNDARIES_EPCI
from diagterr.tables.profiles import PROFILE_VARIABLES, TERRITORY_PROFILES

BOUNDARIES_GRID_DEG = 2.0**-15  # the grid of build_national.BOUNDARIES_GRID_DEG (about 3 m)
# The union of the communes' outlines (already simplified at 150 m) simplified again as one coverage
# per zone (no gap nor overlap between neighbouring EPCI): maps of a région by EPCI need no more.
BOUNDARIES_EPCI_TOLERANCE_M = 200.0
BOUNDARIES_EPCI_MAX_BYTES = 2_500_000
PROFILES_MAX_BYTES = 5_000_000
DENSITY_TABLE = "densite_communes"


def _parquet_size(frame: pd.DataFrame) -> int:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, row_group_size=ROW_GROUP_ROWS)
    return buffer.getbuffer().nbytes


def _communes_outlines(store: Store) -> tuple[gpd.GeoDataFrame, Manifest]:
    # the national root only: a user's or a sample's outline must not enter the national base
    outlines = store.read_geo(BOUNDARIES_COMMUNES.name)
    manifest = store.manifest(BOUNDARIES_COMMUNES.name)
    if outlines is None or manifest is None:
        sys.exit(f"{BOUNDARIES_COMMUNES.name} absente : lancer d'abord l'étape « boundaries »")
    return outlines, manifest


def build_boundaries_epci(shared: object, store: Store) -> None:
    """`boundaries_epci`: per EPCI (SIREN), the coverage union of its member communes' outlines."""
    outlines, source = _communes_outlines(store)
    by_code = dict(zip(outlines["code"], outlines.geometry, strict=True))
    rows, lacking = [], {}
    for epci in load_cog().all_epcis():
        parts = [by_code[c] for c in epci.members if c in by_code]
        missing = [c for c in epci.members if c not in by_code]
        if missing:
            lacking[epci.code] = missing
        if parts:
            rows.append({"code": epci.code, "name": epci.name, "zone": crs_for_codes(epci.members),
                         "geometry": shapely.coverage_union_all(parts)})
    unions = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    zones = []
    for crs, zone in unions.groupby("zone", sort=True):
        simplified = shapely.coverage_simplify(zone.to_crs(crs).geometry.to_numpy(), BOUNDARIES_EPCI_TOLERANCE_M)
        zones.append(gpd.GeoDataFrame(zone[["code", "name"]], geometry=list(simplified), crs=crs).to_crs("EPSG:4326"))
    out = pd.concat(zones).sort_values("code")
    geometry = shapely.set_precision(out.geometry.to_numpy(), BOUNDARIES_GRID_DEG)
    frame = gpd.GeoDataFrame(out[["code", "name"]].reset_index(drop=True), geometry=list(geometry), crs="EPSG:4326")
    if not frame.geometry.is_valid.all() or frame.geometry.is_empty.any():
        sys.exit(f"contours d'EPCI invalides : {sorted(frame.loc[~frame.is_valid, 'code'])}")
    size = _parquet_size(frame)
    if size > BOUNDARIES_EPCI_MAX_BYTES:
        sys.exit(f"contours d'EPCI : {size / 1e6:.2f} Mo, au-delà du plafond de {BOUNDARIES_EPCI_MAX_BYTES / 1e6} Mo")
    lacking_text = ", ".join(f"{e} ({', '.join(c)})" for e, c in sorted(lacking.items())) or "aucun"
    method = (
        f"Union de couverture (shapely coverage_union) des contours des communes membres de chaque EPCI du COG 2026 "
        f"(composition @etalab/decoupage-administratif 6.0.0), contours pris dans la table "
        f"{BOUNDARIES_COMMUNES.name}, puis simplification de couverture (Visvalingam-Whyatt, bords partagés "
        f"simplifiés une seule fois : ni trou ni chevauchement entre EPCI voisins) d'une tolérance de "
        f"{BOUNDARIES_EPCI_TOLERANCE_M:.0f} m dans la projection légale de chaque zone, pour les cartes par EPCI ; "
        f"coordonnées arrondies à la même grille de 2^-15 degré. "
        f"Membres sans contour (communes rétablies depuis 2018, comprises dans le contour 2018 de la commune "
        f"nouvelle dont elles sont sorties) : {lacking_text}. Contours pour des cartes, pas pour mesurer des "
        f"surfaces. Fichier de {size / 1e6:.2f} Mo."
    )
    manifest = replace(
        source, table="", title="Contours des EPCI de France (union des contours communaux IGN ADMIN EXPRESS COG 2018 "
        "simplifiés, composition COG 2026)", geo_vintage="IGN ADMIN EXPRESS COG 2018, EPCI du COG 2026",
        method=method, rows=0, sha256="",
    )
    store.write_table(BOUNDARIES_EPCI.name, frame, manifest)
    print(f"  contours d'EPCI : {len(frame)} EPCI, {size / 1e6:.2f} Mo ; membres sans contour : {lacking_text}")


def commune_places(outlines: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per commune outline: centroid in the zone's metric projection (x, y, crs), the same centroid
    in WGS84 (lon, lat) and the outline's area in that projection (weight, m²)."""
    zone = outlines["code"].map(lambda c: crs_for_codes([c]))
    parts = []
    for crs, group in outlines.groupby(zone, sort=True):
        projected = group.to_crs(crs)
        centroids = projected.geometry.centroid
        wgs84 = gpd.GeoSeries(centroids, crs=crs).to_crs("EPSG:4326")
        parts.append(pd.DataFrame({
            "code": group["code"].astype(str).to_numpy(), "x": centroids.x.to_numpy(), "y": centroids.y.to_numpy(),
            "crs": crs, "weight": projected.geometry.area.to_numpy(),
            "lon": wgs84.x.to_numpy(), "lat": wgs84.y.to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True).sort_values("code").reset_index(drop=True)


def build_profiles(shared: object, store: Store) -> None:
    """`territory_profiles`: one row per current commune and per EPCI (diagterr.national_profile)."""
    cog = load_cog()
    comparateur = store.read(COMPARATEUR.name, filters=[[("geo_level", "=", "COM")]])
    comparateur_manifest = store.manifest(COMPARATEUR.name)
    if comparateur is None or comparateur_manifest is None:
        sys.exit(f"{COMPARATEUR.name} absente : lancer d'abord l'étape « comparateur »")
    outlines, outlines_manifest = _communes_outlines(store)
    density = store.read(DENSITY_TABLE)
    density_manifest = store.manifest(DENSITY_TABLE)
    if density is not None:
        density = density.rename(columns=str.lower)
    communes = pd.DataFrame(
        [(r.code, r.name, r.departement, r.region) for r in cog.all_communes() if r.type == "commune-actuelle"],
        columns=["code", "name", "departement", "region"],
    )
    epcis = pd.DataFrame([(e.code, e.name, m) for e in cog.all_epcis() for m in e.members],
                         columns=["epci", "name", "commune"])
    frame = build_profile_frame(comparateur, communes, epcis, commune_places(outlines), density)
    size = _parquet_size(frame)
    if size > PROFILES_MAX_BYTES:
        sys.exit(f"profils : {size / 1e6:.2f} Mo, au-delà du plafond de {PROFILES_MAX_BYTES / 1e6} Mo")
    inputs: list[InputFile] = [*comparateur_manifest.inputs, *outlines_manifest.inputs]
    if density_manifest is not None:
        inputs.extend(density_manifest.inputs)
    density_text = (
        f"niveau de densité : grille communale de densité à 7 niveaux ({density_manifest.title}, "
        f"{density_manifest.vintage}) ; pour un EPCI, le niveau où vit la plus grande part de sa population 2021 "
        "(PMUN21 × P1…P7 sommés sur ses communes)"
        if density_manifest is not None
        else "niveau de densité : non renseigné (table densite_communes absente lors de la construction)"
    )
    method = (
        "Une ligne par commune actuelle du COG 2026 (Paris, Lyon et Marseille entières, sans arrondissement) et par "
        "EPCI du COG 2026. Chiffres du comparateur de territoires de l'INSEE (RP 2013 et 2018, naissances et décès "
        "2013-2018, superficie) ; pour un EPCI, effectifs sommés sur ses communes puis taux recalculés sur ces "
        "sommes ; une valeur dont une composante est absente ou secrète est vide, jamais 0. Évolution annuelle : "
        "taux annuel moyen (P2018/P2013)^(1/5) − 1 ; solde naturel : (naissances − décès) 2013-2018 par an, "
        "rapportés à la moyenne des populations 2013 et 2018 ; emplois pour 100 actifs occupés de 15-64 ans "
        "(actifs moins chômeurs) ; densité : population 2018 / superficie. Centre : centroïde du contour communal "
        "calculé dans la projection légale de la zone (Lambert-93, UTM des DROM), en WGS84 ; pour un EPCI, moyenne "
        "des centroïdes de ses communes pondérée par la surface de leur contour. Surface : superficie du "
        f"comparateur. Valeurs en flottants de 32 bits (7 chiffres significatifs). {density_text}. Le vieillissement n'y est pas : le fichier national ne donne pas la "
        "population par âge."
    )
    manifest = Manifest(
        table="", source_id=TERRITORY_PROFILES.source_id,
        title="Profils des communes et EPCI de France (comparateur de territoires INSEE, grille de densité)",
        producer="INSEE ; contours IGN ; calcul diagterr",
        origin=comparateur_manifest.origin,
        vintage="RP 2013 et 2018" + (f", {density_manifest.vintage}" if density_manifest is not None else ""),
        geo_vintage="COG 2026", licence="Licence Ouverte / Etalab 2.0",
        retrieved_at=comparateur_manifest.retrieved_at, inputs=tuple(inputs), method=method,
        params={"variables": ",".join(PROFILE_VARIABLES)},
    )
    store.write_table(TERRITORY_PROFILES.name, frame, manifest)
    levels = frame["level"].value_counts()
    print(f"  profils : {levels.get('COM', 0)} communes, {levels.get('EPCI', 0)} EPCI, {size / 1e6:.2f} Mo ; "
          f"{density_text}")
