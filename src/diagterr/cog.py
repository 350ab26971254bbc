"""The offline COG index (communes, EPCI, départements, régions) and the territory search.

Built by `scripts/build_cog_index.py` from `@etalab/decoupage-administratif@6.0.0` and shipped
in the package (`resources.cog_dir()`): no network is needed to resolve or search a territory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import marshal
import operator
import os
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from diagterr import resources
from diagterr.errors import DiagterrError

log = logging.getLogger(__name__)

COG_VINTAGE = "COG 2026"

CommuneType = Literal["commune-actuelle", "arrondissement-municipal", "commune-deleguee", "commune-associee"]
HitKind = Literal["commune", "epci", "departement", "region", "arrondissement"]

EPCI_KIND_LABELS: dict[str, str] = {
    "CC": "Communauté de communes",
    "CA": "Communauté d'agglomération",
    "CU": "Communauté urbaine",
    "METRO": "Métropole",
    "MET69": "Métropole de Lyon",
}

COMMUNE_CODE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
SIREN_RE = re.compile(r"^\d{9}$")

_INDEX_FILES = ("communes.parquet", "epci.parquet", "departements.parquet", "regions.parquet")


@dataclass(frozen=True, slots=True)
class CommuneRecord:
    """A commune of the index: actuelle, arrondissement municipal, déléguée or associée."""

    type: CommuneType
    code: str
    name: str
    departement: str
    region: str
    zone: str  # "metro", "drom", "com"
    postcodes: tuple[str, ...]
    former_codes: tuple[str, ...]  # anciensCodes (communes actuelles)
    parent: str | None  # arrondissement → its commune; déléguée/associée → its chef-lieu
    population: int | None  # population municipale, PL 2023
    siren: str | None  # SIREN of the commune itself
    epci: str | None  # SIREN of its EPCI (communes actuelles)


@dataclass(frozen=True, slots=True)
class EpciRecord:
    """An EPCI à fiscalité propre."""

    code: str  # SIREN
    name: str
    type: str  # CC, CA, CU, METRO, MET69
    population: int  # population municipale of epci.json (PL 2022)
    members: tuple[str, ...]  # commune codes, sorted

    @property
    def kind_label(self) -> str:
        """French label of its legal type."""
        return EPCI_KIND_LABELS.get(self.type, "EPCI")


@dataclass(frozen=True, slots=True)
class DepartementRecord:
    code: str
    name: str
    region: str
    zone: str


@dataclass(frozen=True, slots=True)
class RegionRecord:
    code: str
    name: str
    zone: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result of `diagterr search`."""

    kind: HitKind
    code: str
    name: str
    detail: str  # French, e.g. "Rhône (69) · CC du Pays de l'Arbresle · 69210"


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = ("l ", "le ", "la ", "les ")


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by single spaces ("Saint-Lô" → "saint lo")."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^0-9a-z]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _strip_article(name: str) -> str:
    for article in _ARTICLES:
        if name.startswith(article):
            return name[len(article) :]
    return name


def _match_score(query: str, name: str) -> int | None:
    """0 exact, 1 prefix, 2 start of a word, 3 substring, 4 all words somewhere; None: no match."""
    bare = _strip_article(name)
    if query in (name, bare):
        return 0
    if name.startswith(query) or bare.startswith(query):
        return 1
    if f" {query}" in f" {name}":
        return 2
    if query in name:
        return 3
    words = query.split()
    if len(words) > 1 and all(w in name for w in words):
        return 4
    return None


_KIND_RANK: dict[str, int] = {"commune": 0, "epci": 1, "arrondissement": 2, "departement": 3, "region": 4}


@dataclass(frozen=True, slots=True)
class _Entry:
    """A searchable name."""

    norm: str
    kind: HitKind
    code: str  # the code of the hit (the current commune for a former commune)
    via: str | None  # name of the former commune the entry comes from, if any
    population: int


class CogIndex:
    """In-memory COG index with look-ups by code and a name/code/postcode search."""

    def __init__(
        self,
        communes: list[CommuneRecord],
        epcis: list[EpciRecord],
        departements: list[DepartementRecord],
        regions: list[RegionRecord],
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.manifest: dict[str, Any] = manifest or {}
        self._communes: dict[str, CommuneRecord] = {}  # actuelles and arrondissements municipaux
        self._delegated: dict[str, CommuneRecord] = {}  # déléguées and associées
        self._by_postcode: dict[str, list[str]] = defaultdict(list)
        self._by_siren: dict[str, str] = {}
        self._former: dict[str, str] = {}
        self._by_departement: dict[str, list[str]] = defaultdict(list)
        for rec in communes:
            if rec.type in ("commune-actuelle", "arrondissement-municipal"):
                self._communes[rec.code] = rec
                self._by_departement[rec.departement].append(rec.code)
                for postcode in rec.postcodes:
                    self._by_postcode[postcode].append(rec.code)
                if rec.siren:
                    self._by_siren[rec.siren] = rec.code
            else:
                self._delegated[rec.code] = rec
        # Former codes: anciensCodes first (explicit on the current commune), then chefLieu.
        for rec in self._delegated.values():
            if rec.code not in self._communes and rec.parent in self._communes:
                self._former.setdefault(rec.code, rec.parent)
        for rec in self._communes.values():
            for old in rec.former_codes:
                if old not in self._communes:
                    self._former[old] = rec.code
        self._epcis = {e.code: e for e in epcis}
        self._departements = {d.code: d for d in departements}
        self._regions = {r.code: r for r in regions}
        self._entries: list[_Entry] | None = None  # built at the first search
        self._store: _Store | None = None  # set by from_store: the records are read when asked for

    @classmethod
    def from_store(cls, path: Path) -> CogIndex:
        """The index saved by `write_store`, its records read one by one when asked for: a process
        that checks a code or searches a name does not read the whole index (nor import pyarrow)."""
        store = _Store(path)
        meta = store.meta()
        index = cls.__new__(cls)
        index.manifest = json.loads(meta["manifest"])
        # Read-only dict-likes (get, [], in, iteration), each record made at its first look-up.
        index._communes = cast(dict[str, CommuneRecord], _StoredMap(store, "c", _make(CommuneRecord)))
        index._delegated = cast(dict[str, CommuneRecord], _StoredMap(store, "d", _make(CommuneRecord)))
        index._by_postcode = cast(defaultdict[str, list[str]], _StoredMap(store, "p", list))
        index._by_siren = cast(dict[str, str], _StoredMap(store, "s", str))
        index._former = cast(dict[str, str], _StoredMap(store, "f", str))
        index._by_departement = cast(defaultdict[str, list[str]], _StoredMap(store, "g", list))
        index._epcis = cast(dict[str, EpciRecord], _StoredMap(store, "e", _make(EpciRecord)))
        index._departements = {row[0]: DepartementRecord(*row) for row in marshal.loads(meta["departements"])}
        index._regions = {row[0]: RegionRecord(*row) for row in marshal.loads(meta["regions"])}
        index._entries = None
        index._store = store
        return index

    def write_store(self, path: Path) -> None:
        """Save the index for `from_store` (written aside, then put in place: a reader never sees half)."""
        if self._entries is None:
            self._entries = self._build_entries()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        try:
            with contextlib.closing(sqlite3.connect(partial)) as connection, connection:
                connection.executescript(_STORE_SCHEMA)
                maps: list[tuple[str, Mapping[str, Any]]] = [
                    ("c", self._communes), ("d", self._delegated), ("p", self._by_postcode), ("s", self._by_siren),
                    ("f", self._former), ("g", self._by_departement), ("e", self._epcis),
                ]
                connection.executemany(
                    "INSERT INTO kv (ns, k, v) VALUES (?, ?, ?)",
                    ((ns, key, marshal.dumps(_row(value))) for ns, mapping in maps for key, value in mapping.items()),
                )
                connection.executemany(
                    "INSERT INTO entries (norm, kind, code, via, population) VALUES (?, ?, ?, ?, ?)",
                    ((e.norm, e.kind, e.code, e.via, e.population) for e in self._entries),
                )
                connection.execute("CREATE UNIQUE INDEX kv_key ON kv (ns, k)")  # once filled: sooner
                connection.executemany("INSERT INTO meta (k, v) VALUES (?, ?)", [
                    ("manifest", json.dumps(self.manifest)),
                    ("departements", marshal.dumps([_row(d) for d in self._departements.values()])),
                    ("regions", marshal.dumps([_row(r) for r in self._regions.values()])),
                ])
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def from_dir(cls, directory: Path) -> CogIndex:
        """Read the parquet index written by scripts/build_cog_index.py."""
        missing = [name for name in _INDEX_FILES if not (directory / name).is_file()]
        if missing:
            raise DiagterrError(
                f"Index COG incomplet dans {directory} (manque : {', '.join(missing)}). "
                "Reconstruisez-le avec : python scripts/build_cog_index.py"
            )
        manifest_path = directory / "manifest.json"
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
        if manifest.get("cog") not in (None, COG_VINTAGE):
            log.warning("COG index vintage %s differs from %s", manifest.get("cog"), COG_VINTAGE)
        c = _columns(directory / "communes.parquet")
        communes = [
            CommuneRecord(
                type=c["type"][i],
                code=c["code"][i],
                name=c["nom"][i],
                departement=c["departement"][i],
                region=c["region"][i],
                zone=c["zone"][i],
                postcodes=tuple(c["codes_postaux"][i] or ()),
                former_codes=tuple(c["anciens_codes"][i] or ()),
                parent=c["parent"][i],
                population=c["population"][i],
                siren=c["siren"][i],
                epci=c["epci"][i],
            )
            for i in range(len(c["code"]))
        ]
        e = _columns(directory / "epci.parquet")
        epcis = [
            EpciRecord(
                code=e["code"][i],
                name=e["nom"][i],
                type=e["type"][i],
                population=e["population_municipale"][i],
                members=tuple(e["membres"][i]),
            )
            for i in range(len(e["code"]))
        ]
        d = _columns(directory / "departements.parquet")
        departements = [
            DepartementRecord(d["code"][i], d["nom"][i], d["region"][i], d["zone"][i]) for i in range(len(d["code"]))
        ]
        r = _columns(directory / "regions.parquet")
        regions = [RegionRecord(r["code"][i], r["nom"][i], r["zone"][i]) for i in range(len(r["code"]))]
        log.debug("COG index loaded from %s: %d communes, %d EPCI", directory, len(communes), len(epcis))
        return cls(communes, epcis, departements, regions, manifest)

    # -- look-ups -------------------------------------------------------------------------------

    def commune(self, code: str) -> CommuneRecord | None:
        """A current commune or an arrondissement municipal by its code."""
        return self._communes.get(code)

    def delegated_commune(self, code: str) -> CommuneRecord | None:
        """A commune déléguée or associée by its code (its own name, its chef-lieu as parent)."""
        return self._delegated.get(code)

    def current_commune_for_former_code(self, code: str) -> CommuneRecord | None:
        """The current commune a former code now belongs to (anciensCodes, then chefLieu)."""
        current = self._former.get(code)
        return self._communes.get(current) if current else None

    def commune_by_siren(self, siren: str) -> CommuneRecord | None:
        """A current commune by its own SIREN (not its EPCI's)."""
        code = self._by_siren.get(siren)
        return self._communes.get(code) if code else None

    def communes_by_postcode(self, postcode: str) -> list[CommuneRecord]:
        """Current communes and arrondissements having this postcode, sorted by code."""
        return [self._communes[c] for c in sorted(self._by_postcode.get(postcode, ()))]

    def communes_of_departement(self, departement: str) -> list[CommuneRecord]:
        """Current communes and arrondissements of a département, sorted by code."""
        return [self._communes[c] for c in sorted(self._by_departement.get(departement, ()))]

    def epci(self, siren: str) -> EpciRecord | None:
        """An EPCI by its SIREN."""
        return self._epcis.get(siren)

    def epci_of_commune(self, code: str) -> EpciRecord | None:
        """The EPCI of a current commune (of its commune, for an arrondissement municipal)."""
        rec = self._communes.get(code)
        if rec is not None and rec.type == "arrondissement-municipal" and rec.parent:
            rec = self._communes.get(rec.parent)
        if rec is None or rec.epci is None:
            return None
        return self._epcis.get(rec.epci)

    def departement(self, code: str) -> DepartementRecord | None:
        """A département by its code ("69", "2A", "974")."""
        return self._departements.get(code)

    def region(self, code: str) -> RegionRecord | None:
        """A région by its code ("84")."""
        return self._regions.get(code)

    def former_codes(self) -> dict[str, str]:
        """Every former code (commune fusionnée, déléguée, associée) -> its current commune."""
        return dict(self._former)

    def all_communes(self) -> list[CommuneRecord]:
        """Every current commune and arrondissement municipal, sorted by code."""
        return [self._communes[c] for c in sorted(self._communes)]

    def all_epcis(self) -> list[EpciRecord]:
        """Every EPCI, sorted by SIREN."""
        return [self._epcis[c] for c in sorted(self._epcis)]

    # -- search ---------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Territories matching a name (accents, case, punctuation ignored), a code or a postcode."""
        raw = text.strip()
        if not raw or limit <= 0:
            return []
        # (kind, code) -> best key, and the hit (made) or what makes it (a name's hit is made only
        # if it ranks within `limit`: a frequent word matches thousands of names).
        ranked: dict[tuple[str, str], tuple[tuple[Any, ...], SearchHit | tuple[HitKind, str, str | None]]] = {}

        def add(key: tuple[Any, ...], hit: SearchHit | tuple[HitKind, str, str | None]) -> None:
            ident = (hit.kind, hit.code) if isinstance(hit, SearchHit) else (hit[0], hit[1])
            if ident not in ranked or key < ranked[ident][0]:
                ranked[ident] = (key, hit)

        for order, hit in enumerate(self._code_hits(raw)):
            add((-1, order), hit)

        query = normalize(raw)
        if query and any(ch.isalpha() for ch in query):
            if self._store is not None:  # the names holding every word: a superset of the matches
                entries = [_Entry(*row) for row in self._store.entries_with(query.split())]
            else:
                if self._entries is None:
                    self._entries = self._build_entries()
                entries = self._entries
            for entry in entries:
                score = _match_score(query, entry.norm)
                if score is None:
                    continue
                key = (score, _KIND_RANK[entry.kind], entry.via is not None, -entry.population, entry.code)
                add(key, (entry.kind, entry.code, entry.via))
        best = [hit for _, hit in sorted(ranked.values(), key=lambda item: item[0])][:limit]
        return [hit if isinstance(hit, SearchHit) else self._hit(hit[0], hit[1], via=hit[2]) for hit in best]

    def _code_hits(self, raw: str) -> list[SearchHit]:
        """Exact matches of a code: commune, former commune, postcode, SIREN, département, région."""
        code = re.sub(r"\s+", "", raw).upper()
        hits: list[SearchHit] = []
        if COMMUNE_CODE_RE.match(code):
            exact = self.commune(code)
            if exact is not None:
                hits.append(self._hit(_commune_kind(exact), exact.code))
            for rec in self.communes_by_postcode(code):
                hits.append(self._hit(_commune_kind(rec), rec.code))
            current = self.current_commune_for_former_code(code) if exact is None else None
            if current is not None:
                old = self.delegated_commune(code)
                hits.append(self._hit("commune", current.code, via=old.name if old else None, former=code))
        if SIREN_RE.match(code):
            if self.epci(code) is not None:
                hits.append(self._hit("epci", code))
            by_siren = self.commune_by_siren(code)
            if by_siren is not None:
                hits.append(self._hit("commune", by_siren.code))
        if self.departement(code) is not None:
            hits.append(self._hit("departement", code))
        if self.region(code) is not None:
            hits.append(self._hit("region", code))
        return hits

    def _hit(self, kind: HitKind, code: str, *, via: str | None = None, former: str | None = None) -> SearchHit:
        """A SearchHit with its French detail line."""
        if kind in ("commune", "arrondissement"):
            rec = self._communes[code]
            parts: list[str] = []
            if former:
                parts.append(f"ancien code {former}" + (f" ({via})" if via else ""))
            elif via:
                parts.append(f"comprend l'ancienne commune {via}")
            if rec.type == "arrondissement-municipal" and rec.parent in self._communes:
                parts.append(f"arrondissement municipal de {self._communes[rec.parent].name}")
            dep = self._departements.get(rec.departement)
            parts.append(f"{dep.name} ({dep.code})" if dep else rec.departement)
            epci = self.epci_of_commune(code)
            if epci is not None:
                parts.append(epci.name)
            if rec.postcodes:
                parts.append(_postcodes_label(rec.postcodes))
            return SearchHit(kind, code, rec.name, " · ".join(parts))
        if kind == "epci":
            epci_rec = self._epcis[code]
            deps = sorted({self._communes[c].departement for c in epci_rec.members if c in self._communes})
            dep_labels = [f"{self._departements[d].name} ({d})" if d in self._departements else d for d in deps]
            detail = f"{epci_rec.kind_label} · {len(epci_rec.members)} communes · {', '.join(dep_labels)}"
            return SearchHit("epci", code, epci_rec.name, detail)
        if kind == "departement":
            dep_rec = self._departements[code]
            reg = self._regions.get(dep_rec.region)
            label = "Collectivité d'outre-mer" if dep_rec.zone == "com" else "Département"
            detail = f"{label} · {reg.name} ({reg.code})" if reg and reg.name != dep_rec.name else label
            return SearchHit("departement", code, dep_rec.name, detail)
        reg_rec = self._regions[code]
        count = sum(1 for d in self._departements.values() if d.region == code)
        label = "Collectivité d'outre-mer" if reg_rec.zone == "com" else "Région"
        detail = f"{label} · {count} département{'s' if count > 1 else ''}"
        return SearchHit("region", code, reg_rec.name, detail)

    def _build_entries(self) -> list[_Entry]:
        entries: list[_Entry] = []
        for rec in self._communes.values():
            kind = _commune_kind(rec)
            # Arrondissements of one city come in code order, communes by decreasing population.
            weight = 0 if kind == "arrondissement" else rec.population or 0
            entries.append(_Entry(normalize(rec.name), kind, rec.code, None, weight))
        for rec in self._delegated.values():
            current = self.current_commune_for_former_code(rec.code) or self._communes.get(rec.parent or "")
            if current is None or normalize(rec.name) == normalize(current.name):
                continue
            entries.append(_Entry(normalize(rec.name), "commune", current.code, rec.name, current.population or 0))
        for epci in self._epcis.values():
            entries.append(_Entry(normalize(epci.name), "epci", epci.code, None, epci.population))
        for dep in self._departements.values():
            entries.append(_Entry(normalize(dep.name), "departement", dep.code, None, 0))
        for reg in self._regions.values():
            entries.append(_Entry(normalize(reg.name), "region", reg.code, None, 0))
        return entries


def _commune_kind(rec: CommuneRecord) -> HitKind:
    return "arrondissement" if rec.type == "arrondissement-municipal" else "commune"


def _postcodes_label(postcodes: tuple[str, ...]) -> str:
    if len(postcodes) <= 3:
        return ", ".join(postcodes)
    return f"{postcodes[0]} … {postcodes[-1]} ({len(postcodes)} codes postaux)"


def _columns(path: Path) -> dict[str, list[Any]]:
    # ParquetFile.read() skips the dataset machinery of read_table (≈0.3 s at first call).
    import pyarrow.parquet as pq  # here: a bad input is refused without importing pyarrow

    return pq.ParquetFile(path).read().to_pydict()


# -- the saved index (user cache): what a short command reads instead of the parquet files -----------

_STORE_VERSION = 1  # bump when the layout below or the records change
_STORE_SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE kv (ns TEXT NOT NULL, k TEXT NOT NULL, v BLOB NOT NULL);
CREATE TABLE entries (norm TEXT NOT NULL, kind TEXT NOT NULL, code TEXT NOT NULL, via TEXT, population INTEGER);
CREATE TABLE meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
"""


def _row(value: Any) -> Any:
    """A record as the tuple of its fields (lists and strings as they are), for marshal."""
    if isinstance(value, (str, list)):
        return value
    record = type(value)
    if record not in _FIELDS:
        getter = operator.attrgetter(*(f.name for f in fields(record)))
        _FIELDS[record] = getter if len(fields(record)) > 1 else lambda item: (getter(item),)
    return _FIELDS[record](value)


_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # a record's type -> its fields as a tuple


def _make(record: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda row: record(*row)


class _Store:
    """The saved index, read-only; one connection per process (reopened after a fork), shared by threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pid = -1
        self._connection: sqlite3.Connection | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Store, (self.path,))

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            if self._connection is None or self._pid != os.getpid():
                uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"  # replaced whole, never changed
                self._connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._pid = os.getpid()
            return self._connection.execute(sql, params).fetchall()

    def meta(self) -> dict[str, Any]:
        return dict(self._query("SELECT k, v FROM meta", ()))

    def value(self, ns: str, key: str) -> bytes | None:
        rows = self._query("SELECT v FROM kv WHERE ns = ? AND k = ?", (ns, key))
        return rows[0][0] if rows else None

    def rows(self, ns: str) -> list[tuple[str, bytes]]:
        return self._query("SELECT k, v FROM kv WHERE ns = ? ORDER BY rowid", (ns,))

    def entries_with(self, words: list[str]) -> list[tuple[Any, ...]]:
        """The search entries whose name holds every word, in the order `_build_entries` made them."""
        where = " AND ".join("instr(norm, ?) > 0" for _ in words) or "1"
        sql = f"SELECT norm, kind, code, via, population FROM entries WHERE {where} ORDER BY rowid"  # placeholders only
        return self._query(sql, tuple(words))


class _StoredMap(Mapping[str, Any]):
    """One mapping of the saved index: an item is read at its first look-up, all of them at the
    first iteration (in the order they were saved)."""

    def __init__(self, store: _Store, ns: str, make: Callable[[Any], Any]) -> None:
        self._store, self._ns, self._make = store, ns, make
        self._items: dict[str, Any] = {}
        self._missing: set[str] = set()
        self._whole = False

    def __getitem__(self, key: str) -> Any:
        if key in self._items:
            return self._items[key]
        if self._whole or key in self._missing or not isinstance(key, str):
            raise KeyError(key)
        raw = self._store.value(self._ns, key)
        if raw is None:
            self._missing.add(key)
            raise KeyError(key)
        item = self._items[key] = self._make(marshal.loads(raw))
        return item

    def _all(self) -> dict[str, Any]:
        if not self._whole:
            known = self._items
            self._items = {key: known[key] if key in known else self._make(marshal.loads(raw))
                           for key, raw in self._store.rows(self._ns)}
            self._whole = True
        return self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def values(self) -> Any:
        return self._all().values()

    def items(self) -> Any:
        return self._all().items()

    def keys(self) -> Any:
        return self._all().keys()


def _store_path(directory: Path) -> Path | None:
    """Where the saved index of the files of `directory` lives in the user cache (None: no cache)."""
    from diagterr.settings import cache_dir

    digest = hashlib.sha256(f"{_STORE_VERSION}|{COG_VINTAGE}".encode())
    for name in (*_INDEX_FILES, "manifest.json"):
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    try:
        return cache_dir() / "cog" / f"index-{digest.hexdigest()[:20]}.sqlite"
    except OSError:
        return None


@cache
def load_cog() -> CogIndex:
    """The COG index shipped with diagterr (read once per process).

    The first process reads the parquet files and saves the index in the user cache, keyed by the
    files' content; the next ones read from there only the records they look up."""
    directory = resources.cog_dir()
    path = _store_path(directory)
    if path is not None and path.is_file():
        try:
            return CogIndex.from_store(path)
        except (sqlite3.Error, OSError, ValueError, KeyError, EOFError, TypeError) as error:
            log.debug("saved COG index %s unreadable (%s): reading the parquet files", path, error)
    index = CogIndex.from_dir(directory)
    if path is not None:
        try:
            index.write_store(path)
        except (sqlite3.Error, OSError) as error:
            log.debug("COG index not saved in %s: %s", path, error)
    return index


def current_commune(code: str, cog: CogIndex) -> str | None:
    """The current commune of a code of an older COG: itself, or the commune nouvelle it merged into."""
    if cog.commune(code) is not None:
        return code
    merged = cog.current_commune_for_former_code(code)
    return merged.code if merged is not None else None
