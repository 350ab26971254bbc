"""The Melodi datasets diagterr keeps up to date in the store, and the rule that fetches them.

A dataset is fetched for a territory only when the store lacks it, or when the Melodi catalogue
announces a vintage newer than the one the store holds for the territory's communes: the
vintage is read from the catalogue (`temporal.endPeriod`), never hard-coded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from diagterr.sources import melodi
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.territory import Territory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MelodiDataset:
    """A Melodi dataset and the store table it fills."""

    dataset_id: str
    table: str
    measure_dimension: str  # the dimension whose value names the variable
    variables: Mapping[str, str]  # dimension value -> store variable (others are skipped)
    filters: Mapping[str, str] = field(default_factory=dict)

    def variable_of(self, observation: melodi.Observation) -> str | None:
        return self.variables.get(observation.dimension(self.measure_dimension) or "")


# Legal populations: population municipale, comptée à part, totale (POPREF_MEASURE, REAL specimens).
POPULATIONS_REFERENCE = MelodiDataset(
    dataset_id="DS_POPULATIONS_REFERENCE",
    table="populations_legales",
    measure_dimension="POPREF_MEASURE",
    variables={"PMUN": "pmun", "PCAP": "pcap", "PTOT": "ptot"},
)

KEPT_UP_TO_DATE: tuple[MelodiDataset, ...] = (POPULATIONS_REFERENCE,)


@dataclass(frozen=True)
class Refresh:
    dataset_id: str
    fetched: bool
    store_period: str | None  # latest period the store held for every commune, before
    catalogue_period: str | None  # latest period the catalogue announces
    manifest: Manifest | None = None


def covered_period(store: Store, dataset: MelodiDataset, territory: Territory) -> str | None:
    """The latest period the store holds for every commune of the territory (first variable)."""
    variable = next(iter(dataset.variables.values()))
    codes = list(territory.commune_codes)
    frame = store.read(
        dataset.table,
        filters=[[("geo_level", "=", "COM"), ("geo_code", "in", codes), ("variable", "=", variable)]],
    )
    if frame is None or frame.empty:
        return None
    known = frame[frame["value"].notna()]
    complete = known.groupby("period")["geo_code"].nunique()
    complete = complete[complete == len(set(codes))]
    return max(complete.index) if len(complete) else None


def refresh(client: HttpClient, store: Store, territory: Territory, dataset: MelodiDataset) -> Refresh:
    """Fetch `dataset` for the territory if the store lacks it or holds an older vintage."""
    have = covered_period(store, dataset, territory)
    entry = melodi.fetch_catalog_entry(client, dataset.dataset_id)
    announced = str(entry.end_year) if entry.end_year else None
    if have is not None and (announced is None or have >= announced):
        log.debug("%s: store holds %s, catalogue %s: up to date", dataset.dataset_id, have, announced)
        return Refresh(dataset.dataset_id, False, have, announced)
    table = melodi.observations_for_territory(
        client, dataset.dataset_id, territory, dataset.filters, dataset.variable_of,
        table=dataset.table, catalog_entry=entry,
    )
    if table.frame.empty:
        log.warning("%s : aucune observation pour %s", dataset.dataset_id, territory.name)
        return Refresh(dataset.dataset_id, False, have, announced)
    manifest = store.upsert_observations(dataset.table, table.frame, table.manifest)
    log.info("%s : millésime %s enregistré (%d lignes)", dataset.dataset_id,
             _latest(table.frame), len(table.frame))
    return Refresh(dataset.dataset_id, True, have, announced, manifest)


def _latest(frame: pd.DataFrame) -> str | None:
    periods = frame["period"].dropna()
    return max(periods) if len(periods) else None
