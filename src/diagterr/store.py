"""The store: normalized tables (parquet) with one provenance manifest per table.

Live fetchers, national-file importers and the sample builder all write here; themes only
read. A store is a list of roots read in order: the user's store (in the cache dir, written
by fetchers) first, then the sample store shipped with the package, then the national base
(data/national: the comparateur and the outlines of every commune). An earlier root's row wins.

Two shapes of table:
- observations, tidy: OBSERVATION_COLUMNS, one row per (geography, variable, period);
- anything else (boundaries as GeoParquet, programme lists, zonings) with its own columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from diagterr.atomic import write_text_atomic, write_with_atomic

if TYPE_CHECKING:
    import geopandas as gpd

# geo_level: COM (commune, current COG), DEP, REG, FR, EPCI
# status: None when published; "secret" for statistical secrecy; "absent" when the source has
# no value. A secret or absent value is NaN, never 0.
OBSERVATION_COLUMNS = ("geo_level", "geo_code", "variable", "period", "value", "status", "source_id")

OBSERVATION_KEY = ("geo_level", "geo_code", "variable", "period")

_TABLES = "tables"


@dataclass(frozen=True)
class InputFile:
    """A file a table was built from, with its checksum (provenance of the samples)."""

    path: str  # relative to the shared data folder, or a URL
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Provenance of one table: what the annex 'Sources et méthodes' is made from."""

    table: str
    source_id: str
    title: str
    producer: str
    origin: str  # URL of the service or file, or the dataset's page
    vintage: str  # "RP 2018", "PL 2016-2023"
    geo_vintage: str  # "COG 2022"
    licence: str
    retrieved_at: str  # ISO date (time) of the fetch, or the date of the input file
    params: dict[str, str] = field(default_factory=dict)
    inputs: tuple[InputFile, ...] = ()
    method: str | None = None  # French: trimming, aggregation, harmonisation rule
    rows: int = 0
    sha256: str = ""  # of the parquet file

    def to_json(self) -> str:
        data = asdict(self)
        data["inputs"] = [asdict(i) for i in self.inputs]
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["inputs"] = tuple(InputFile(**i) for i in data.get("inputs", ()))
        return cls(**data)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Rows per parquet row group: a read filtered by code skips the groups whose statistics exclude it
# (the national comparateur, sorted by level and code: 0.18 s → 0.012 s for one territory).
ROW_GROUP_ROWS = 16_384


class Store:
    """Tables under one or more roots; writes go to the first root, reads take the first hit."""

    def __init__(self, roots: list[Path]):
        if not roots:
            raise ValueError("a store needs at least one root")
        self.roots = [Path(r) for r in roots]
        # `_supplying_roots` by table, codes and the state of the files read (a write changes it).
        self._supplying: dict[tuple[object, ...], list[Path]] = {}

    # -- writing ---------------------------------------------------------------------------

    def write_table(self, name: str, frame: pd.DataFrame, manifest: Manifest) -> Manifest:
        """Write `frame` (a GeoDataFrame is written as GeoParquet) and its manifest, atomically."""
        target = self._path(self.roots[0], name, ".parquet")

        def write(tmp: Path) -> None:
            # GeoDataFrame.to_parquet writes GeoParquet; plain frames go through pyarrow.
            frame.to_parquet(tmp, index=False, row_group_size=ROW_GROUP_ROWS)

        write_with_atomic(target, write)
        final = _replace(manifest, table=name, rows=len(frame), sha256=sha256_of(target))
        write_text_atomic(self._path(self.roots[0], name, ".manifest.json"), final.to_json())
        return final

    # -- reading ---------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        return self._find(name) is not None

    def read(self, name: str, filters: list[Any] | None = None) -> pd.DataFrame | None:
        """The table, or None where no root has it.

        An observation table present in several roots is their union, row by row: a row of an
        earlier root (the user's fetches and imports) replaces the same row of a later one (the
        samples), so a fetch for one territory never hides the others. Other tables come whole
        from the first root that has them.

        `filters`: pyarrow row filters (DNF, e.g. `[[("geo_code", "in", codes)]]`), applied while
        reading, so a national table is never loaded whole for one territory.
        """
        roots = self._roots_with(name)
        if not roots:
            return None
        frames = [read_parquet_rows(self._path(root, name, ".parquet"), filters) for root in roots]
        if len(frames) == 1 or not set(OBSERVATION_KEY) <= set(frames[0].columns):
            return frames[0]
        merged = pd.concat(frames, ignore_index=True)
        return merged.drop_duplicates(list(OBSERVATION_KEY), keep="first").reset_index(drop=True)

    def codes_present(self, name: str, column: str, codes: Sequence[str]) -> set[str]:
        """Which of `codes` occur in `column` of the table, in any root; only that column is read,
        filtered while reading (a national table is never loaded for one territory)."""
        wanted = list(codes)
        found: set[str] = set()
        for root in self._roots_with(name):
            path = self._path(root, name, ".parquet")
            if column not in self._columns_at(root, name):
                continue
            frame = pd.read_parquet(path, columns=[column], filters=[[(column, "in", wanted)]])
            found.update(frame[column].astype(str))
        return found & set(wanted)

    def upsert_observations(self, name: str, frame: pd.DataFrame, manifest: Manifest) -> Manifest:
        """Add or replace rows of an observation table in the first root (e.g. a fetch)."""
        target = self._path(self.roots[0], name, ".parquet")
        if target.exists():
            existing = pd.read_parquet(target)
            frame = pd.concat([frame, existing], ignore_index=True).drop_duplicates(
                list(OBSERVATION_KEY), keep="first"
            )
        return self.write_table(name, observation_frame(frame), manifest)

    def manifests(self, name: str, codes: Sequence[str] | None = None, *, fallback: bool = True) -> list[Manifest]:
        """The manifests of a table in every root that has it (first root first).

        With `codes` (communes, and département, région, "FR" codes), only the roots that supply rows of those once the roots
        are merged (an earlier root's row wins): the annex cites the files the territory's figures
        come from, not a sample store that has none of its communes. A table without a commune
        column, or where no root has a row of those communes, gives every root's manifest (none
        with `fallback=False`).
        """
        roots = self._roots_with(name)
        if codes is not None and roots:
            supplying = self._supplying_roots(name, roots, list(codes))
            roots = supplying or (roots if fallback else [])
        return [self._manifest_at(root, name) for root in roots]

    def columns(self, name: str) -> list[str]:
        """Column names of a table (read from the parquet schema only)."""
        root = self._find(name)
        return [] if root is None else self._columns_at(root, name)

    def read_geo(self, name: str, filters: list[Any] | None = None) -> gpd.GeoDataFrame | None:
        """A GeoParquet table as a GeoDataFrame, or None.

        Present in several roots, it is their union keyed by `code`: a row of an earlier root
        wins (a sample site keeps its sample outlines, any other commune gets the national one).
        """
        import geopandas as gpd

        roots = self._roots_with(name)
        if not roots:
            return None
        frames = [gpd.read_parquet(self._path(root, name, ".parquet"), filters=filters) for root in roots]
        if len(frames) == 1 or "code" not in frames[0].columns:
            return frames[0]
        crs = next((f.crs for f in frames if f.crs is not None), None)
        frames = [f if f.crs is None or crs is None or f.crs == crs else f.to_crs(crs) for f in frames]
        merged = pd.concat(frames, ignore_index=True)
        merged = merged.drop_duplicates("code", keep="first").reset_index(drop=True)
        return gpd.GeoDataFrame(merged, geometry=frames[0].geometry.name, crs=crs)

    def manifest(self, name: str, codes: Sequence[str] | None = None) -> Manifest | None:
        """The first root's manifest; with `codes`, that of the first root supplying rows of those
        communes (see `manifests`)."""
        found = self.manifests(name, codes) if codes is not None else None
        if found:
            return found[0]
        root = self._find(name)
        return None if root is None else self._manifest_at(root, name)

    def table_names(self) -> list[str]:
        names: set[str] = set()
        for root in self.roots:
            folder = root / _TABLES
            if folder.is_dir():
                names.update(p.name.removesuffix(".manifest.json") for p in folder.glob("*.manifest.json"))
        return sorted(names)

    def observations(
        self,
        name: str,
        geo_level: str | None = None,
        geo_codes: list[str] | tuple[str, ...] | None = None,
        variables: list[str] | tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        """Rows of an observation table, filtered; an empty frame where the table is absent."""
        conditions: list[tuple[str, str, Any]] = []
        if geo_level is not None:
            conditions.append(("geo_level", "=", geo_level))
        if geo_codes is not None:
            conditions.append(("geo_code", "in", list(geo_codes)))
        if variables is not None:
            conditions.append(("variable", "in", list(variables)))
        conditions = [c for c in conditions if c[2] != []]  # pyarrow refuses an empty "in" (the mask applies it)
        frame = self.read(name, filters=[conditions] if conditions else None)
        if frame is None:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in OBSERVATION_COLUMNS})
        mask = pd.Series(True, index=frame.index)
        if geo_level is not None:
            mask &= frame["geo_level"] == geo_level
        if geo_codes is not None:
            mask &= frame["geo_code"].isin(list(geo_codes))
        if variables is not None:
            mask &= frame["variable"].isin(list(variables))
        return frame.loc[mask].reset_index(drop=True)

    # -- internals -------------------------------------------------------------------------

    def _manifest_at(self, root: Path, name: str) -> Manifest:
        return Manifest.from_json(self._path(root, name, ".manifest.json").read_text("utf-8"))

    def _columns_at(self, root: Path, name: str) -> list[str]:
        import pyarrow.parquet as pq

        return list(pq.read_schema(self._path(root, name, ".parquet")).names)

    def _supplying_roots(self, name: str, roots: list[Path], codes: list[str]) -> list[Path]:
        """The roots whose rows of these communes survive the merge of the roots (first wins), as
        `read` merges an observation table and `read_geo` a table keyed by `code`; any other table
        is read whole from its first root. Asked again for the same files, the answer is kept (an
        annex asks it once per indicator)."""
        states = []
        for root in roots:
            info = self._path(root, name, ".parquet").stat()
            states.append((str(root), info.st_mtime_ns, info.st_size))
        key = (name, tuple(codes), tuple(states))
        if key not in self._supplying:
            self._supplying[key] = self._read_supplying_roots(name, roots, codes)
        return list(self._supplying[key])

    def _read_supplying_roots(self, name: str, roots: list[Path], codes: list[str]) -> list[Path]:
        columns = self._columns_at(roots[0], name)
        if set(OBSERVATION_KEY) <= set(columns):
            # any level: the communes, and the codes of the comparison levels when the caller gives them
            key, filters = list(OBSERVATION_KEY), [[("geo_code", "in", codes)]]
        elif "code" in columns:
            key, filters = ["code"], [[("code", "in", codes)]]
        elif "commune" in columns:
            first = pd.read_parquet(self._path(roots[0], name, ".parquet"), columns=["commune"],
                                    filters=[[("commune", "in", codes)]])
            return roots[:1] if not first.empty else []
        else:
            return []
        parts = [
            pd.read_parquet(self._path(root, name, ".parquet"), columns=key, filters=filters).assign(_root=index)
            for index, root in enumerate(roots)
        ]
        merged = pd.concat(parts, ignore_index=True).drop_duplicates(key, keep="first")
        return [roots[i] for i in sorted(set(merged["_root"]))]

    def _find(self, name: str) -> Path | None:
        roots = self._roots_with(name)
        return roots[0] if roots else None

    def _roots_with(self, name: str) -> list[Path]:
        return [
            root
            for root in self.roots
            if self._path(root, name, ".manifest.json").exists() and self._path(root, name, ".parquet").exists()
        ]

    @staticmethod
    def _path(root: Path, name: str, suffix: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid table name: {name!r}")
        return root / _TABLES / f"{name}{suffix}"


def read_parquet_rows(path: Path, filters: list[Any] | None) -> pd.DataFrame:
    """`pd.read_parquet(path, filters=filters)`, the same frame, in a fraction of its memory.

    With filters, the text columns are read as dictionaries (a national table's 1.1 M rows of
    codes and variable names are never decoded into strings: ~90 MB less at peak for the
    comparateur), the matching rows cast back to the file's types, and converted as pandas
    converts the file (through a small in-memory parquet: same dtypes, same metadata).
    """
    if not filters:
        return pd.read_parquet(path)
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    if not text:
        return pd.read_parquet(path, filters=filters)
    table = pq.read_table(path, filters=filters, read_dictionary=text)
    table = table.cast(pa.schema([schema.field(n) for n in table.schema.names], metadata=schema.metadata))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    del table
    sink.seek(0)
    return pd.read_parquet(sink)


def observation_frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Build a tidy observation table with the canonical columns and dtypes, sorted."""
    if isinstance(rows, pd.DataFrame):
        frame = rows.loc[:, list(OBSERVATION_COLUMNS)].copy()
    else:
        frame = pd.DataFrame(rows, columns=list(OBSERVATION_COLUMNS))
    for column in ("geo_level", "geo_code", "variable", "period", "status", "source_id"):
        frame[column] = frame[column].astype("string")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame.sort_values(["geo_level", "geo_code", "variable", "period"]).reset_index(drop=True)


def _replace(manifest: Manifest, **changes: Any) -> Manifest:
    from dataclasses import replace

    return replace(manifest, **changes)
