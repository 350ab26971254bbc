"""`diagterr import`: load a national file of INSEE into the user's store, once for every territory.

A batch over many territories then needs no per-territory API call. The file is a path the
consultant already downloaded, or an https:// address fetched through the HTTP layer (cached).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from diagterr.atomic import write_bytes_atomic
from diagterr.cog import load_cog
from diagterr.errors import BadInputError
from diagterr.settings import cache_dir
from diagterr.sources import insee_comparateur
from diagterr.sources.http import HttpClient
from diagterr.store import InputFile, Store, sha256_of
from diagterr.tables.census import COMPARATEUR

log = logging.getLogger(__name__)

FORMATS = {"comparateur": COMPARATEUR.name}


@dataclass(frozen=True)
class ImportResult:
    table: str
    rows: int
    vintage: str
    path: Path


def user_store() -> Store:
    return Store([cache_dir() / "store"])


def _local_copy(source: str, offline: bool) -> tuple[Path, str]:
    """The file to read, and its origin for the manifest (a URL is downloaded through the cache)."""
    if source.startswith(("http://", "https://")):
        with HttpClient.from_settings(offline=offline) as client:
            data = client.get_bytes(source, source_id=insee_comparateur.SOURCE_ID)
        name = source.rstrip("/").rsplit("/", 1)[-1] or "fichier"
        target = cache_dir() / "downloads" / name
        write_bytes_atomic(target, data)
        return target, source
    path = Path(source).expanduser()
    if not path.is_file():
        raise BadInputError(
            f"Fichier « {source} » introuvable. Donnez le chemin d'un fichier .zip ou .csv déjà téléchargé, "
            f"ou son adresse https:// (ex. {insee_comparateur.URL})."
        )
    return path, f"fichier local {path.name}"


def import_national_file(source: str, format: str, *, offline: bool = False) -> ImportResult:
    if format not in FORMATS:
        raise BadInputError(f"Format « {format} » inconnu. Choix : {', '.join(sorted(FORMATS))}.")
    path, origin = _local_copy(source, offline)
    store = user_store()
    manifest, stats = insee_comparateur.import_comparateur(
        path,
        store,
        load_cog(),
        origin=origin,
        retrieved_at=date.today().isoformat(),
        inputs=(InputFile(path=origin, sha256=sha256_of(path)),),
    )
    log.info(
        "%d lignes lues, %d arrondissements municipaux écartés, %d codes ramenés à une commune nouvelle, "
        "%d codes inconnus du COG ignorés",
        stats["rows"], stats["arrondissements_dropped"], stats["merged_into_current"], stats["unmapped"],
    )
    return ImportResult(manifest.table, manifest.rows, manifest.vintage, store.roots[0])
