"""One interface for every online source: a `Fetcher` is data, listed in `sources.online`.

    Fetcher(source_id, label, failure, fetch)    fetch(context) -> manifests of the tables written

`fetch` brings the source's tables into the store for `context.territory` (through the cached
HTTP client) and returns their manifests. A total failure raises `SourceError`: the pipeline
turns it into one gap whose message starts with `failure` (what the reader loses, in French).
A source made of several independent requests (Melodi's datasets) may record a partial failure
itself with `context.gap(…)` and go on. Without network, the pipeline stops after the first
failing request and runs the dossier on what the store has.

`run_fetcher` runs one fetch as a transaction of the HTTP cache: when it fails on anything but a
transport error (a parser refused an answer), the answers it read are forgotten, so a bad answer
is never replayed by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from diagterr.dossier import Gap
from diagterr.progress import Event, Phase, Reporter, silent

if TYPE_CHECKING:
    import geopandas as gpd

    from diagterr.sources.http import HttpClient
    from diagterr.store import Manifest, Store
    from diagterr.territory import Territory


@dataclass
class FetchContext:
    """What a fetcher may use: the client, the store, the territory and its communes' outlines."""

    client: HttpClient
    store: Store
    territory: Territory
    boundaries: gpd.GeoDataFrame | None = None
    gaps: list[Gap] = field(default_factory=list)
    reporter: Reporter = silent

    def gap(self, source_id: str, message: str) -> None:
        """A partial failure the reader must see (the fetch goes on)."""
        self.gaps.append(Gap(source_id, message))

    def report(self, message: str) -> None:
        self.reporter(Event(Phase.FETCH, message))


@dataclass(frozen=True)
class Fetcher:
    source_id: str  # key of sources/registry.SOURCES
    label: str  # French, shown as progress ("Climat observé (Open-Meteo, ERA5)")
    failure: str  # French, first words of the gap ("Climat observé indisponible")
    fetch: Callable[[FetchContext], Sequence[Manifest] | None]


def run_fetcher(fetcher: Fetcher, context: FetchContext) -> Sequence[Manifest] | None:
    """`fetcher.fetch(context)` inside a cache transaction (see the module's docstring)."""
    with context.client.transaction():
        return fetcher.fetch(context)
