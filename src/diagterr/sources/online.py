"""Every online source, in the order an online run fetches them (see `sources.fetcher`).

    BEFORE_BOUNDARIES   the table de passage, then Melodi: the first requests of a run; without
                        network the first failing one stops every other and the run goes on as
                        offline (no gap)
    (the pipeline then checks the statistics and gathers the communes' outlines: store, API Géo)
    AFTER_BOUNDARIES    every other source, once the network is known to be up; each failure is
                        one gap starting with the fetcher's `failure`, the others go on

A new source adds its module's `FETCHER` to one of these tuples, nothing else.
"""

from __future__ import annotations

from diagterr.sources import (
    anct_programmes,
    bpe_france_services,
    cartofriches,
    cerema_conso,
    georisques,
    insee_table_passage,
    melodi_datasets,
    open_meteo,
    open_meteo_projections,
    qpv,
    recherche_entreprises,
    urssaf,
)
from diagterr.sources.fetcher import Fetcher

# The table de passage first: Melodi's figures published under former codes are mapped through it.
BEFORE_BOUNDARIES: tuple[Fetcher, ...] = (
    insee_table_passage.FETCHER,
    melodi_datasets.FETCHER,
)

# The climate's representative points need the communes' outlines (context.boundaries).
AFTER_BOUNDARIES: tuple[Fetcher, ...] = (
    open_meteo.FETCHER,
    open_meteo_projections.FETCHER,
    georisques.FETCHER,
    cerema_conso.FETCHER,
    cartofriches.FETCHER,
    anct_programmes.FETCHER,
    qpv.FETCHER,
    bpe_france_services.FETCHER,
    urssaf.FETCHER,
    recherche_entreprises.FETCHER,
)

FETCHERS: tuple[Fetcher, ...] = (*BEFORE_BOUNDARIES, *AFTER_BOUNDARIES)
