"""Keeping Melodi datasets up to date in the store: fetch only what is missing or newer."""

from __future__ import annotations

import responses

from diagterr.dossier import Gap
from diagterr.errors import SourceSchemaError
from diagterr.pipeline import default_store
from diagterr.sources import melodi, melodi_datasets
from diagterr.sources.fetcher import FetchContext
from diagterr.sources.melodi import BASE_URL
from diagterr.sources.melodi_datasets import POPULATIONS_REFERENCE, covered_period, refresh
from diagterr.store import Store
from diagterr.territory import resolve_territory
from specimens import MELODI_CATALOG_SUBSET, MELODI_EPCI_STAR_COM, catalog_all, dumps, load_json, needs_specimens
from test_melodi import (
    popref_url,
    serve,
    serve_levels,
)

CATALOG_URL = f"{BASE_URL}/catalog/DS_POPULATIONS_REFERENCE"


def catalog_entry_body() -> bytes:
    """`/catalog/DS_POPULATIONS_REFERENCE`: the REAL catalogue item (subset re-nested by specimens.py)."""
    items = catalog_all(load_json(MELODI_CATALOG_SUBSET)["datasets"])
    return dumps(next(i for i in items if i["identifier"] == "DS_POPULATIONS_REFERENCE"))


@needs_specimens
def test_an_empty_store_gets_the_territory_from_melodi(tmp_path, client):
    store = Store([tmp_path])
    nantes = resolve_territory(epci="244400404")
    with responses.RequestsMock() as mocked:
        serve(mocked, CATALOG_URL, catalog_entry_body())
        serve(mocked, popref_url("EPCI-244400404*COM"), MELODI_EPCI_STAR_COM)
        serve_levels(mocked)
        result = refresh(client, store, nantes, POPULATIONS_REFERENCE)
        assert len(mocked.calls) == 5  # catalogue + communes + DEP + REG + France
    assert result.fetched and result.store_period is None and result.catalogue_period == "2023"
    assert covered_period(store, POPULATIONS_REFERENCE, nantes) == "2023"
    rows = store.observations("populations_legales", "COM", ["44109"], ["pmun"])
    assert rows["value"].tolist() == [327734.0]  # Nantes, REAL body
    assert store.manifest("populations_legales").source_id == "insee_melodi"


@needs_specimens
def test_a_store_already_at_the_announced_vintage_fetches_nothing(client):
    store = default_store()  # the samples hold PL 2023 for every commune
    nantes = resolve_territory(epci="244400404")
    with responses.RequestsMock() as mocked:
        serve(mocked, CATALOG_URL, catalog_entry_body())
        result = refresh(client, store, nantes, POPULATIONS_REFERENCE)
        assert len(mocked.calls) == 1  # the catalogue only
    assert not result.fetched and result.store_period == "2023"


@needs_specimens
def test_fetched_rows_overlay_the_samples_without_hiding_other_territories(tmp_path, client, monkeypatch):
    from diagterr.resources import samples_dir

    store = Store([tmp_path, samples_dir()])
    nantes = resolve_territory(epci="244400404")
    ccpa = resolve_territory(epci="246900625")
    before = covered_period(store, POPULATIONS_REFERENCE, ccpa)
    with responses.RequestsMock() as mocked:
        serve(mocked, popref_url("EPCI-244400404*COM"), MELODI_EPCI_STAR_COM)
        serve_levels(mocked)
        table = melodi.observations_for_territory(
            client, "DS_POPULATIONS_REFERENCE", nantes, {}, POPULATIONS_REFERENCE.variable_of,
            table="populations_legales",
        )
    store.upsert_observations("populations_legales", table.frame, table.manifest)
    assert covered_period(store, POPULATIONS_REFERENCE, ccpa) == before == "2023"
    history = store.observations("populations_legales", "COM", ["69010"], ["pmun"])
    assert len(history) >= 7  # the sample's 2016-2023 series of L'Arbresle is still there
    assert [m.source_id for m in store.manifests("populations_legales")] == [
        "insee_melodi", "insee_populations_legales"
    ]


def test_the_table_de_passage_then_melodi_open_the_online_sources():
    from diagterr.sources import insee_table_passage, online
    from diagterr.sources.registry import SOURCES

    assert online.BEFORE_BOUNDARIES == (insee_table_passage.FETCHER, melodi_datasets.FETCHER)
    assert online.FETCHERS[2:] == online.AFTER_BOUNDARIES
    ids = [fetcher.source_id for fetcher in online.FETCHERS]
    assert len(ids) == len(set(ids)) and set(ids) <= set(SOURCES)


def test_a_melodi_dataset_that_fails_is_a_gap_only_where_the_store_has_nothing(tmp_path, client, monkeypatch):
    def fail(*_args, **_kwargs):
        raise SourceSchemaError("réponse illisible")

    monkeypatch.setattr(melodi, "fetch_catalog", fail)
    monkeypatch.setattr(melodi_datasets, "refresh", fail)
    monkeypatch.setattr(melodi_datasets, "KEPT_UP_TO_DATE", (POPULATIONS_REFERENCE,))
    nantes = resolve_territory(epci="244400404")
    events = []
    context = FetchContext(client, Store([tmp_path]), nantes, reporter=events.append)
    assert melodi_datasets.FETCHER.fetch(context) == []
    assert context.gaps == [Gap("insee_melodi", "DS_POPULATIONS_REFERENCE : réponse illisible")]
    assert [e.message for e in events] == ["INSEE Melodi : DS_POPULATIONS_REFERENCE"]
    kept = FetchContext(client, default_store(), nantes)  # the samples hold PL 2023 for every commune
    melodi_datasets.FETCHER.fetch(kept)
    assert kept.gaps == []  # the vintage could not be checked: the log says so, the dossier uses the store
