"""The catalogue of store tables: every table the sources write and the themes read, declared once.

A `TableSpec` names a table, the source that fills it (a key of `sources/registry.py`), what it
holds (variables of an observation table, or columns of another table), how a figure's vintage
reads ("RP 2018", "Filosofi 2021") and the labels of its codes. Sources write through it
(`store.write_table(spec.name, …)`), themes read through it (`fig.table(spec)`); no table name is
a string literal anywhere else.

One module per family of tables (`census`, `economy`, `climate`, `programmes`, `geography`);
this package gathers them in `TABLES`. Where several tables can answer one variable (Melodi, the
comparateur, a national import, a third-party republication in the samples), `ANSWERS` says in
which order they are tried: decided here, once, not by each theme.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

TableKind = Literal["observations", "frame", "geo"]
VintageLabel = Callable[[str, str], str]  # (variable, period) -> "RP 2018"


def census_vintage(variable: str, period: str) -> str:
    """The census's vintage label: "RP 2018"."""
    return f"RP {period}"


_NO_LABELS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class TableSpec:
    """One table of the store, as the sources write it and the themes read it."""

    name: str  # file name in the store ("rp_population"), stable: users' stores hold it
    source_id: str  # key of sources/registry.SOURCES
    kind: TableKind = "observations"
    # observations: the variables it holds (empty: named by the data, e.g. codes of a code list);
    # other tables: their columns.
    variables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    vintage: VintageLabel | None = None  # None: the manifest's vintage for every figure
    labels: Mapping[str, str] = field(default_factory=lambda: _NO_LABELS, hash=False, compare=False)  # code -> French label
    description: str = ""  # what it is, for the engineer (English)

    def vintage_of(self, variable: str, period: str, default: str) -> str:
        return self.vintage(variable, period) if self.vintage is not None else default


def _gather() -> dict[str, TableSpec]:
    from diagterr.tables import census, climate, economy, geography, profiles, programmes

    found: dict[str, TableSpec] = {}
    for module in (geography, census, economy, climate, programmes, profiles):
        for value in vars(module).values():
            if isinstance(value, TableSpec):
                if value.name in found and found[value.name] is not value:
                    raise ValueError(f"table {value.name!r} declared twice")
                found[value.name] = value
    return found


def _answers() -> dict[str, tuple[str, ...]]:
    from diagterr.tables import census, climate, economy, geography, programmes

    merged: dict[str, tuple[str, ...]] = {}
    for module in (geography, census, economy, climate, programmes):
        for variable, order in getattr(module, "ANSWERS", {}).items():
            if variable in merged:
                raise ValueError(f"answer order of {variable!r} declared twice")
            merged[variable] = tuple(spec.name if isinstance(spec, TableSpec) else spec for spec in order)
    return merged


TABLES: Mapping[str, TableSpec] = MappingProxyType(_gather())
# variable -> table names, first choice first (see the module docstring)
ANSWERS: Mapping[str, tuple[str, ...]] = MappingProxyType(_answers())


def spec(name: str) -> TableSpec:
    """The declaration of table `name` (KeyError for a table nobody declared)."""
    return TABLES[name]
