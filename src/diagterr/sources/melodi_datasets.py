"""The Melodi datasets diagterr keeps up to date in the store, and the rule that fetches them.

A dataset is fetched for a territory only when the store lacks it, or when the Melodi catalogue
announces a vintage newer than the one the store holds for the territory's communes: the
vintage is read from the catalogue (`temporal.endPeriod`), never hard-coded.

`FETCHER` (a member of `sources.online`) brings every dataset of `KEPT_UP_TO_DATE` up to date.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from diagterr.errors import SourceError
from diagterr.harmonise import to_current_geography
from diagterr.sources import melodi
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.melodi_census import CENSUS_DATASETS, CensusDataset
from diagterr.sources.melodi_economy import ECONOMY_DATASETS
from diagterr.store import Manifest, Store
from diagterr.tables.census import POPULATIONS_LEGALES
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

    comparisons: bool = True
    territory_level: bool = False

    @property
    def probe_variable(self) -> str:
        return next(iter(self.variables.values()))

    def variable_of(self, observation: melodi.Observation) -> str | None:
        return self.variables.get(observation.dimension(self.measure_dimension) or "")

    def additive(self, variable: str) -> bool:
        return True


# Legal populations: population municipale, comptée à part, totale (POPREF_MEASURE, REAL specimens).
POPULATIONS_REFERENCE = MelodiDataset(
    dataset_id="DS_POPULATIONS_REFERENCE",
    table=POPULATIONS_LEGALES.name,
    measure_dimension="POPREF_MEASURE",
    variables={"PMUN": "pmun", "PCAP": "pcap", "PTOT": "ptot"},
)

# Every dataset an online run keeps up to date: legal populations, then the census, Filosofi and
# civil registration (melodi_census). A cold EPCI of one département costs 4 requests per
# dataset with comparisons, 1 without, +1 for Filosofi's EPCI value, +1 for the catalogue.
KEPT_UP_TO_DATE: tuple[MelodiDataset | CensusDataset, ...] = (POPULATIONS_REFERENCE, *CENSUS_DATASETS,
                                                              *ECONOMY_DATASETS)


@dataclass(frozen=True)
class Refresh:
    dataset_id: str
    fetched: bool
    store_period: str | None  # latest period the store held for every commune, before
    catalogue_period: str | None  # latest period the catalogue announces
    manifest: Manifest | None = None
    rejected: tuple[str, ...] = ()  # breakdowns left out (their codes do not add up to the total), French


def covered_period(store: Store, dataset: MelodiDataset | CensusDataset, territory: Territory) -> str | None:
    """The latest period the store holds for every commune of the territory (probe variable)."""
    variable = dataset.probe_variable
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


def refresh(client: HttpClient, store: Store, territory: Territory, dataset: MelodiDataset | CensusDataset,
            entry: melodi.CatalogEntry | None = None) -> Refresh:
    """Fetch `dataset` for the territory if the store lacks it or holds an older vintage.

    `entry`: the dataset's catalogue item when the caller read the whole catalogue (else it is
    asked for, one request).
    """
    have = covered_period(store, dataset, territory)
    entry = entry or melodi.fetch_catalog_entry(client, dataset.dataset_id)
    announced = str(entry.end_year) if entry.end_year else None
    if have is not None and (announced is None or have >= announced or _already_asked(store, dataset, announced)):
        log.debug("%s: store holds %s, catalogue %s: up to date", dataset.dataset_id, have, announced)
        return Refresh(dataset.dataset_id, False, have, announced)
    table = melodi.observations_for_territory(
        client, dataset.dataset_id, territory, dataset.filters, dataset.variable_of,
        table=dataset.table, catalog_entry=entry, comparisons=dataset.comparisons,
        territory_level=dataset.territory_level,
    )
    if table.frame.empty:
        log.warning("%s : aucune observation pour %s", dataset.dataset_id, territory.name)
        if have is None and store.read(dataset.table) is None:
            # Recorded so that the dossier can say Melodi answered without any figure.
            store.upsert_observations(dataset.table, table.frame, table.manifest)
        return Refresh(dataset.dataset_id, False, have, announced)
    frame, manifest = table.frame, table.manifest
    rejected: tuple[str, ...] = ()
    notes: list[str] = []
    if isinstance(dataset, CensusDataset):
        # Leaf codes only, and each breakdown adding up to its total, before anything is summed.
        checked = dataset.breakdowns(frame)
        frame, rejected = checked.frame, checked.rejected
        if checked.dropped:
            notes.append("codes agrégés ou inconnus écartés des répartitions : " + " ; ".join(checked.dropped))
        notes += list(rejected)
    harmonised = to_current_geography(frame, store, dataset.additive)
    notes = ([harmonised.rule()] if harmonised.merged or harmonised.split else []) + notes
    if isinstance(dataset, CensusDataset):
        unanswered = [v for v in dataset.unanswered(harmonised.frame) if v not in checked.rejected_variables]
        if unanswered:
            log.warning("%s : variables sans réponse : %s", dataset.dataset_id, ", ".join(unanswered))
            notes.append("codes sans réponse dans les données (variables non publiées) : " + ", ".join(unanswered))
    if announced is not None:
        # What the catalogue announced when we asked: the data may lag behind it (a vintage
        # announced but not yet published for these geographies); we do not ask again until it moves.
        manifest = replace(manifest, params={**manifest.params, "catalogue_end_period": announced})
    if notes:
        added = " ; ".join(n[0].upper() + n[1:] for n in notes) + "."
        manifest = replace(manifest, method=f"{manifest.method} {added}" if manifest.method else added)
    manifest = store.upsert_observations(dataset.table, harmonised.frame, manifest)
    log.info("%s : millésime %s enregistré (%d lignes)", dataset.dataset_id,
             _latest(table.frame), len(table.frame))
    return Refresh(dataset.dataset_id, True, have, announced, manifest, rejected)


def _already_asked(store: Store, dataset: MelodiDataset | CensusDataset, announced: str) -> bool:
    return any(m is not None and m.params.get("catalogue_end_period") == announced for m in store.manifests(dataset.table))


def _latest(frame: pd.DataFrame) -> str | None:
    periods = frame["period"].dropna()
    return max(periods) if len(periods) else None


def fetch(context: FetchContext) -> list[Manifest]:
    """Online: bring the Melodi datasets (legal populations, census, Filosofi, civil registration)
    to the latest vintage INSEE announces, for the territory and its comparison levels.

    The catalogue is read once (cached a week). A failure is a gap only where the store has
    nothing for the territory; otherwise the dossier uses what the store holds and the log says
    the vintage could not be checked. Without network, nothing more is tried.
    """
    client, store, territory = context.client, context.store, context.territory
    try:
        catalog = {entry.identifier: entry for entry in client.transactional(melodi.fetch_catalog, client)}
    except SourceError as error:
        if client.network_down:
            return []
        log.warning("Catalogue Melodi illisible (%s) : chaque jeu est vérifié séparément.", error)
        catalog = {}
    manifests: list[Manifest] = []
    for dataset in KEPT_UP_TO_DATE:
        context.report(f"INSEE Melodi : {dataset.dataset_id}")
        try:
            result = client.transactional(refresh, client, store, territory, dataset,
                                          catalog.get(dataset.dataset_id))
        except SourceError as error:
            if client.network_down:
                return manifests
            if covered_period(store, dataset, territory) is None:
                context.gap(melodi.SOURCE_ID, f"{dataset.dataset_id} : {error}")
            else:
                log.warning("Millésime de %s non vérifié en ligne (%s) : les données déjà disponibles "
                            "sont utilisées.", dataset.dataset_id, error)
            continue
        if result.rejected:
            context.gap(melodi.SOURCE_ID, f"{dataset.dataset_id} : " + " ; ".join(result.rejected))
        if result.manifest is not None:
            manifests.append(result.manifest)
    return manifests


FETCHER = Fetcher(melodi.SOURCE_ID, "Derniers millésimes de l'INSEE (Melodi)",
                  "Derniers millésimes de l'INSEE (Melodi) indisponibles", fetch)
