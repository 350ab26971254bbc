"""Figures of the INSEE economy datasets read from Melodi (Flores, SIDE, tourism capacity) and of
the census datasets of the chapter: what a dataset did not answer, and counts with the EPCI's own.

Online runs put these tables in the store (sources.melodi_economy); offline, they are absent and
the chapter keeps the views of the samples (zones d'emploi, comparateur). Counts are summed over
the communes; where Flores hides a commune (secret) the sum is not a total, and the EPCI's own
published count is shown instead, said so; a share is always computed from one basis (communes
or EPCI), never mixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from diagterr.aggregate import ratio
from diagterr.dossier import Indicator, Note
from diagterr.tables import TableSpec
from diagterr.texts import say
from diagterr.themes.figures import Figures, Getter, Reading

Compute = Callable[[Getter], Reading]


def melodi_gap(fig: Figures, table: TableSpec, dataset: str, what: str, plain: str | None = None) -> Note:
    """A census figure of Melodi the store lacks: answered empty, not for these communes, or offline.
    `what`: the figure's label (the annex's detail); `plain`: its plain name in the chapter's box."""
    frame = fig.store.read(table.name)
    manifest = fig.store.manifest(table.name)
    if frame is not None and frame.empty and manifest is not None:
        detail = say("economie.melodi_gap_empty", what=what, dataset=dataset, day=manifest.retrieved_at)
        return Note(plain or what, tone="gap", source_id=table.source_id, detail=detail, remedy="unpublished")
    if frame is not None:
        detail = say("economie.melodi_gap_other_communes", what=what, dataset=dataset)
    else:
        detail = say("economie.melodi_gap_offline", what=what, dataset=dataset)
    return Note(plain or what, tone="gap", source_id=table.source_id, detail=detail)


def answered_nothing(fig: Figures, table: TableSpec, dataset: str, what: str, plain: str) -> Note:
    """An economy dataset asked online that gave no value for the territory's communes.
    `what`: its label (the annex's detail); `plain`: its plain name in the chapter's box."""
    manifest = fig.store.manifest(table.name)
    return Note(plain, tone="gap", source_id=table.source_id, remedy="unpublished",
                detail=say("economie.melodi_nothing", what=what, dataset=dataset,
                           day=manifest.retrieved_at if manifest else None))


def _epci_value(fig: Figures, table: TableSpec, variable: str, period: str) -> Reading:
    """The EPCI's own published value of a variable (the territory must be an EPCI)."""
    frame = fig.table(table)
    if frame is None or fig.territory.kind != "epci":
        return Reading(None, say("economie.epci_unpublished"))
    rows = frame[(frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code)
                 & (frame["variable"] == variable) & (frame["period"] == period)]
    if rows.empty:
        return Reading(None, say("economie.epci_row_absent"))
    value = rows["value"].iloc[0]
    if pd.isna(value):
        return Reading(None, say("figures.status_secret") if rows["status"].iloc[0] == "secret"
                       else say("figures.unpublished"))
    return Reading(float(value))


def own(fig: Figures, table: TableSpec, compute: Compute) -> tuple[Reading, bool]:
    """compute(get) over the summed communes; if that is missing, over the EPCI's published values.
    Returns the reading and whether it is the EPCI's."""
    reading = compute(lambda v, p: fig.territory_total(table, v, p))
    if reading.value is not None or fig.territory.kind != "epci":
        return reading, False
    published = compute(lambda v, p: _epci_value(fig, table, v, p))
    return (published, True) if published.value is not None else (reading, False)


def _with_epci(fig: Figures, table: TableSpec, indicator: Indicator, compute: Compute) -> Indicator:
    if indicator.value is not None:
        return indicator
    reading, from_epci = own(fig, table, compute)
    if not from_epci:
        return indicator
    epci = say("economie.epci_value")
    note = "; ".join(filter(None, [indicator.note, epci[0].upper() + epci[1:]]))
    return replace(indicator, value=reading.value, missing_reason=None, note=note)


def count(fig: Figures, table: TableSpec, id: str, label: str, variable: str, period: str, unit: str) -> Indicator:
    """A summed count, or the EPCI's own where the sum has a hole."""
    indicator = fig.count_indicator(id, label, table, variable, period, unit)
    return _with_epci(fig, table, indicator, lambda get: get(variable, period))


def share(fig: Figures, table: TableSpec, id: str, label: str, parts: list[str], whole: str, period: str) -> Indicator:
    """Sum of `parts` over `whole`, in %, each level from its own counts; no value where a part is missing."""

    def compute(get: Getter) -> Reading:
        den = get(whole, period)
        nums = [get(v, period) for v in parts]
        missing = next((r for r in [den, *nums] if r.value is None), None)
        if missing is not None:
            return Reading(None, missing.missing_reason or say("figures.unpublished"))
        return Reading(ratio(sum(r.value for r in nums), den.value, 100.0))  # type: ignore[misc]

    indicator = fig.derived_indicator(id, label, table, period, "%", "rate", compute, vintage_of=whole)
    return _with_epci(fig, table, indicator, compute)


def codes(frame: pd.DataFrame, prefix: str) -> list[str]:
    """The codes a wildcard variable took in the data (`emplois_QB` → QB), sorted."""
    names = frame.loc[frame["variable"].str.startswith(prefix), "variable"].unique()
    return sorted({n[len(prefix):] for n in names if n[len(prefix):] and n[len(prefix):] != "salaries"})


def latest(frame: pd.DataFrame, variable: str) -> str | None:
    """The latest year of `variable`, with a value or a secret one (a secret year is still the vintage)."""
    rows = frame[(frame["variable"] == variable) & frame["period"].str.fullmatch(r"\d{4}")]
    return max(rows["period"]) if not rows.empty else None


def territory_has_values(frame: pd.DataFrame, fig: Figures) -> bool:
    """True when the answer has rows (values or secret ones) for the territory's communes or the EPCI."""
    rows = frame[((frame["geo_level"] == "COM") & frame["geo_code"].isin(fig.territory.commune_codes))
                 | ((frame["geo_level"] == "EPCI") & (frame["geo_code"] == fig.territory.code))]
    return not rows.empty

