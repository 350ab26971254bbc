"""One dossier, end to end: fetch what the store lacks, analyse the themes, render the files.

    territory ─► fetch (sources) ─► store ─► analyse (themes) ─► Dossier ─► render

A failing source never loses the rest: its gap is recorded, marked in the dossier, and the run
ends "partial" (exit code 4). So does a source the dossier lacks although nothing failed (offline,
what only an online run reads): the gaps of the edition are the sources the fetch phase could
not read and those the chapters' boxes name, each once (missing_data.edition_gaps). Offline, a
territory with no data at all ends with exit code 3.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagterr.cog import COG_VINTAGE, load_cog
from diagterr.dossier import Comparables, Dossier, Gap, Section, SourceEntry, TerritorySummary, ZoneMap
from diagterr.edition_changes import changes_section, load_previous
from diagterr.errors import ExitCode, OfflineUnavailableError, SourceError
from diagterr.initiatives import Inventory, load_inventory
from diagterr.missing_data import edition_gaps, fold_dossier_gaps
from diagterr.outputs import ALL_FORMATS
from diagterr.progress import Event, Phase, Reporter, silent
from diagterr.resources import national_dir, samples_dir
from diagterr.settings import cache_dir
from diagterr.sources import geo_api, online
from diagterr.sources.fetcher import FetchContext, Fetcher, run_fetcher
from diagterr.sources.http import HttpClient
from diagterr.sources.registry import SOURCES
from diagterr.store import Manifest, Store
from diagterr.tables import TableSpec
from diagterr.tables.census import (
    COMPARATEUR,
    POPULATIONS_LEGALES,
    RP2021_COMPILATION,
    RP2021_IRIS,
    RP_POPULATION,
)
from diagterr.tables.geography import BOUNDARIES_COMMUNES, BOUNDARIES_DEPARTEMENTS, BOUNDARIES_EPCI
from diagterr.territory import Territory
from diagterr.texts import say
from diagterr.themes import ANALYSERS, Chapter, comparables, contrasts, programmes
from diagterr.themes.en_bref import atelier_reading, enjeux, key_figures
from diagterr.themes.figures import Figures

log = logging.getLogger(__name__)

# Tables of statistics the themes read. A territory with no census figure offline gets exit
# code 3: the legal population alone (known for every commune) does not make a dossier.
STATISTICS_TABLES = (COMPARATEUR, POPULATIONS_LEGALES, RP2021_IRIS, RP2021_COMPILATION)
CENSUS_TABLES = (COMPARATEUR, RP2021_IRIS, RP2021_COMPILATION, RP_POPULATION)
# Census compilations that exist only for the sample territories (third-party files of ../shared).
SAMPLE_ONLY_TABLES = (RP2021_IRIS, RP2021_COMPILATION)
# Melodi's DS_RP_POPULATION_PRINC, read live for any territory: it replaces the sample-only tables.
LIVE_CENSUS = RP_POPULATION
# The census tables whose latest year the dossier's "situation connue au" gives, first choice first.
SITUATION_CENSUS_TABLES = (RP_POPULATION, COMPARATEUR, RP2021_IRIS, RP2021_COMPILATION)


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    offline: bool = False
    refresh: bool = False
    edition_date: date = field(default_factory=date.today)
    initiatives: Path | None = None  # the consultant's inventory (CSV or YAML), see diagterr.initiatives
    focus: str | None = None  # a section id put first, right after "En bref" (themes.FOCUS_CHOICES)
    # The consultant's own list of comparable territories (validated codes of the territory's kind);
    # None: the comparable territories are chosen by diagterr.peers.
    comparer: tuple[str, ...] | None = None
    formats: frozenset[str] = ALL_FORMATS  # the files written (diagterr.outputs.OUTPUT_FORMATS)


@dataclass
class RunResult:
    out_dir: Path
    files: list[Path]
    gaps: list[Gap]  # the dossier's gaps: the sources the edition lacks, each once
    requests: dict[str, tuple[int, int]]  # source id -> (network, cache hits)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.gaps else ExitCode.DONE


def default_store() -> Store:
    """The user's store (fetched and imported tables) over the shipped samples, over the shipped
    national base (the comparateur and outlines of every commune): an earlier root's row wins."""
    return Store([cache_dir() / "store", samples_dir(), national_dir()])


def safe_folder_name(territory: Territory) -> str:
    """A folder name safe on every system, whatever the territory's name."""
    text = unicodedata.normalize("NFKD", territory.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()[:60] or "territoire"
    return f"{slug}-{territory.code}" if territory.kind != "communes" else slug


def covered_communes(store: Store, table: TableSpec, codes: tuple[str, ...]) -> set[str]:
    """The communes among `codes` that have rows in the table (its code column alone is read)."""
    columns = store.columns(table.name)
    if not columns:
        return set()
    return store.codes_present(table.name, "code" if "code" in columns else "geo_code", codes)


# -- fetch ----------------------------------------------------------------------------------------


def fetch_first(context: FetchContext, fetchers: Sequence[Fetcher] = online.BEFORE_BOUNDARIES) -> None:
    """Online, before anything else: the table de passage, then Melodi (sources.online).

    Without network the first failing request stops every other, records no gap, and the run goes
    on as offline (`context.client.network_down`); any other failure is one gap. The online phase's
    deadline (settings.online_deadline_s) starts here and bounds fetch_online too.
    """
    context.client.start_online_phase()
    for fetcher in fetchers:
        if context.client.network_down:
            return
        _fetch_one(context, fetcher)


def fetch_online(context: FetchContext, fetchers: Sequence[Fetcher] = online.AFTER_BOUNDARIES) -> None:
    """Online, once the network is known to be up and the outlines gathered: every other source,
    cached; each failure is one gap, the others go on."""
    for fetcher in fetchers:
        _fetch_one(context, fetcher, gap_when_down=True)


def _fetch_one(context: FetchContext, fetcher: Fetcher, gap_when_down: bool = False) -> None:
    """One fetcher as a cache transaction (sources.fetcher.run_fetcher); its failure is one gap.
    Past the online phase's deadline (HttpClient.online_time_left) it is not run: one gap says so."""
    if context.client.online_time_left() == 0.0:
        minutes = (context.client.online_deadline_s or 0) / 60
        context.gap(fetcher.source_id, say("pipeline.online_deadline_passed", failure=fetcher.failure,
                                           minutes=minutes))
        return
    context.report(fetcher.label)
    try:
        run_fetcher(fetcher, context)
    except SourceError as error:
        if gap_when_down or not context.client.network_down:
            context.gap(fetcher.source_id, say("pipeline.fetch_failed", failure=fetcher.failure, error=error))


def gather_boundaries(context: FetchContext) -> tuple[gpd.GeoDataFrame | None, list[Manifest]]:
    """Commune contours: from the store where it has them, else from API Géo (cached)."""
    store = context.store
    codes = context.territory.commune_codes
    manifests: list[Manifest] = []
    parts: list[gpd.GeoDataFrame] = []
    sample = store.read_geo(BOUNDARIES_COMMUNES.name, filters=[[("code", "in", list(codes))]])
    if sample is not None:
        sample = sample[sample["code"].isin(codes)]
        if not sample.empty:
            parts.append(sample[["code", "name", "geometry"]])
            manifests.extend(store.manifests(BOUNDARIES_COMMUNES.name, codes))  # the roots that supplied them
    missing = sorted(set(codes) - set(pd.concat(parts)["code"] if parts else []))
    if missing:
        try:
            fetched = geo_api.fetch_commune_boundaries(context.client, missing)
            parts.append(fetched[["code", "name", "geometry"]])
            manifests.append(
                geo_api.boundaries_manifest(missing, datetime.now(UTC).date().isoformat())
            )
        except OfflineUnavailableError:
            context.gap(geo_api.SOURCE_ID, say("pipeline.boundaries_offline", missing=len(missing)))
        except SourceError as error:
            context.gap(geo_api.SOURCE_ID, say("pipeline.boundaries_unavailable", error=error))
    if not parts:
        return None, manifests
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    return frame.sort_values("code").reset_index(drop=True), manifests


def statistics_gaps(store: Store, territory: Territory, options: RunOptions) -> list[Gap]:
    """The statistics the store lacks for this territory; offline with none at all: exit 3."""
    codes = set(territory.commune_codes)
    # Each table's coverage is read once (its code column, the territory's rows).
    found_in = {table.name: covered_communes(store, table, territory.commune_codes)
                for table in dict.fromkeys((*STATISTICS_TABLES, *CENSUS_TABLES, LIVE_CENSUS))}
    covered = {table: found_in[table.name] for table in STATISTICS_TABLES}
    if options.offline and not any(found_in[t.name] for t in CENSUS_TABLES):
        raise OfflineUnavailableError(say("pipeline.no_statistics_offline", name=territory.name, code=territory.code))
    live_census = found_in[LIVE_CENSUS.name] == codes
    advice = say("pipeline.statistics_advice_live_census" if live_census else "pipeline.statistics_advice")
    gaps = []
    for table, found in covered.items():
        if found == codes or (live_census and table in SAMPLE_ONLY_TABLES and not found):
            continue  # the live census replaces the sample-only compilations
        manifest = store.manifest(table.name)
        title = SOURCES[manifest.source_id].title if manifest else table.name
        gaps.append(Gap(
            manifest.source_id if manifest else table.name,
            say("pipeline.statistics_missing", title=title, absent=len(codes - found), total=len(codes),
                advice=advice),
        ))
    return gaps


# -- the dossier ----------------------------------------------------------------------------------


def supplying_manifests(store: Store, name: str, territory: Territory) -> list[Manifest]:
    """The manifests of the roots that supplied the territory's rows (not a sample store without
    them), then those that supplied only its comparison levels' rows (a user's fetch of the communes
    beside the samples' France row), unless one cited already reads the same file of the same source."""
    found = store.manifests(name, territory.commune_codes)
    levels = store.manifests(name, [place.code for place in territory.comparison_levels], fallback=False)
    for manifest in levels:
        if not any((m.source_id, m.inputs) == (manifest.source_id, manifest.inputs) for m in found):
            found.append(manifest)
    return found


def cog_entry() -> SourceEntry:
    """The annex's row of the COG index shipped with diagterr (its manifest: data/cog/manifest.json)."""
    info = SOURCES["cog_decoupage"]
    return SourceEntry(
        source_id=info.id,
        title=info.title,
        producer=info.producer,
        vintage=COG_VINTAGE,
        geo_vintage=COG_VINTAGE,
        origin=info.url,
        retrieved=load_cog().manifest["source"]["files_date"],  # the date of the package's files
        licence=info.licence,
        method=say("pipeline.cog_method"),
    )


def source_entries(manifests: Sequence[Manifest | None]) -> tuple[SourceEntry, ...]:
    entries: dict[str, SourceEntry] = {"cog": cog_entry()}
    for manifest in manifests:
        if manifest is None:
            continue
        info = SOURCES.get(manifest.source_id)
        entries[f"{manifest.table}:{manifest.sha256}"] = SourceEntry(
            source_id=manifest.source_id,
            title=manifest.title,
            producer=manifest.producer,
            vintage=manifest.vintage,
            geo_vintage=manifest.geo_vintage,
            origin=manifest.origin,
            retrieved=manifest.retrieved_at,
            licence=manifest.licence or (info.licence if info else ""),
            method=manifest.method,
            table=manifest.table,
        )
    return tuple(entries.values())


def situation(fig: Figures) -> str:
    """"Situation connue au …": the latest vintages the dossier uses."""
    parts = []
    legal = fig.table(POPULATIONS_LEGALES)
    if legal is not None:
        period = legal.loc[legal["variable"] == "pmun", "period"].max()
        parts.append(say("pipeline.situation_legal_populations", period=period))
    census_years = []
    for table in SITUATION_CENSUS_TABLES:
        frame = fig.table(table)  # the territory's rows: a census of its communes, or only of other levels
        if frame is not None and not set(frame["geo_code"]).isdisjoint(fig.territory.commune_codes):
            census_years += [p for p in frame.loc[frame["variable"] == "pop", "period"] if p.isdigit()]
            census_years += [p for p in frame.loc[frame["variable"] == "pmun", "period"] if p.isdigit()]
    if census_years:
        parts.append(say("pipeline.situation_census", year=max(census_years)))
    parts.append(COG_VINTAGE)
    return ", ".join(parts)


def source_title(source_id: str) -> str:
    """The name of a source in the annex (its registry title)."""
    info = SOURCES.get(source_id)
    return info.title if info is not None else source_id


def build_dossier(territory: Territory, store: Store, options: RunOptions, gaps: list[Gap],
                  extra_manifests: list[Manifest], initiatives: Inventory | None = None) -> Dossier:
    """The dossier; `initiatives`: the validated inventory, given to the programmes theme, to the
    chapters of the initiatives' themes and to page 4; `options.comparer`, the consultant's
    comparison list, to the comparables theme only; `options.focus` leads page 4."""
    fig = Figures(store, territory)
    peers = comparables.peer_figures(fig, options.comparer)

    def analysed(chapter: Chapter) -> Section:
        if chapter.analyse is programmes.analyse:
            return programmes.analyse(fig, initiatives)
        if chapter.analyse is comparables.analyse:
            return comparables.section(fig, peers)
        return chapter.analyse(fig)

    sections, missing = fold_dossier_gaps(tuple(analysed(chapter) for chapter in ANALYSERS))
    used = [manifest for name in fig.tables_used() for manifest in supplying_manifests(store, name, territory)]
    if isinstance(peers, Comparables) and (profiles := store.manifest(peers.source.table or "")) is not None:
        used.append(profiles)
    if initiatives is not None and initiatives.initiatives:
        used.append(initiatives.manifest())
    programme_names = programmes.programmes_in_place(fig)
    by_chapter = programmes.chapter_initiatives(fig, initiatives)  # the inventory beside its chapter's figures
    sections = tuple(replace(s, blocks=(*s.blocks, *by_chapter[s.id])) if s.id in by_chapter else s
                     for s in sections)
    found = enjeux(sections, programme_names)
    communes = tuple(sorted(((c.code, c.name) for c in territory.communes), key=lambda x: x[1]))
    return Dossier(
        territory=TerritorySummary(
            code=territory.code,
            name=territory.name,
            kind_label=territory.kind_label,
            communes=tuple(sorted(((c.code, c.name) for c in territory.communes), key=lambda x: x[1])),
            departements=tuple((p.code, p.name) for p in territory.departements),
            regions=tuple((p.code, p.name) for p in territory.regions),
        ),
        edition_date=options.edition_date,
        situation_date=situation(fig),
        key_figures=key_figures(sections),
        enjeux=found,
        reading=atelier_reading(sections, found, missing, options.focus, contrasts.analyse(fig), initiatives,
                                communes),
        sections=sections,
        sources=source_entries(extra_manifests + used),
        gaps=edition_gaps(gaps, missing, source_title),
        missing=missing,
        comparables=peers if isinstance(peers, Comparables) else None,
        methods=tuple(filter(None, (
            say("pipeline.method_counts"),
            say("pipeline.method_comparisons"),
            say("pipeline.method_geography", cog=COG_VINTAGE),
            programmes.inventory_method(initiatives),
        ))),
    )


# -- the two phases -------------------------------------------------------------------------------


@dataclass
class Prepared:
    """What the fetch phase hands to the analyse-and-render phase (picklable: a batch sends it to
    a worker process)."""

    territory: Territory
    options: RunOptions
    gaps: list[Gap]
    boundaries: gpd.GeoDataFrame | None
    context: gpd.GeoDataFrame | None
    manifests: list[Manifest]
    initiatives: Inventory | None
    requests: dict[str, tuple[int, int]]


def prepare(territory: Territory, options: RunOptions, store: Store, client: HttpClient,
            reporter: Reporter = silent) -> Prepared:
    """The fetch phase: validate the user's files, bring the store up to date, gather contours."""
    # The user's own file first: a broken inventory stops the run before any fetch or drawing.
    initiatives = load_inventory(options.initiatives, territory) if options.initiatives is not None else None
    fetch = FetchContext(client, store, territory, reporter=reporter)
    if not options.offline:
        fetch_first(fetch)
        if client.network_down:
            log.warning(say("pipeline.network_down"))
            options = replace(options, offline=True)
    fetch.report(say("pipeline.progress_checking"))
    fetch.gaps.extend(statistics_gaps(store, territory, options))
    fetch.report(say("pipeline.progress_boundaries"))
    boundaries, manifests = gather_boundaries(fetch)
    fetch.boundaries = boundaries
    context = store.read_geo(BOUNDARIES_DEPARTEMENTS.name)
    if context is not None:
        context = context[context["code"].isin([p.code for p in territory.departements])]
        context = context if not context.empty else None
    if not options.offline:
        fetch_online(fetch)
    requests = {sid: (s.network, s.cache_hits) for sid, s in client.stats.items()}
    return Prepared(territory, options, fetch.gaps, boundaries, context, manifests, initiatives, requests)


# The outlines of the zones a `ZoneMap` draws, by its level.
ZONE_TABLES = {"EPCI": BOUNDARIES_EPCI, "COM": BOUNDARIES_COMMUNES}


def gather_zones(dossier: Dossier, store: Store) -> tuple[gpd.GeoDataFrame | None, Dossier]:
    """The outlines every `ZoneMap` of the dossier draws (columns level, code, name, geometry), read
    by code from the store, and the dossier with their manifests and those of the maps' figures in
    its annex (when not there yet)."""
    wanted: dict[str, set[str]] = {}
    tables: set[str] = set()
    for section in dossier.sections:
        for block in section.blocks:
            if isinstance(block, ZoneMap):
                wanted.setdefault(block.level, set()).update([c for c, _ in block.values], block.outlined)
                tables.update([block.source.table] if block.source.table else [])
    parts, manifests = [], []
    for level, codes in sorted(wanted.items()):
        table = ZONE_TABLES[level]
        frame = store.read_geo(table.name, filters=[[("code", "in", sorted(codes))]])  # never a whole table
        if frame is not None and not frame.empty:
            parts.append(frame[["code", "name", "geometry"]].assign(level=level))
            manifests.extend(store.manifests(table.name, sorted(codes)))
    manifests.extend(m for name in sorted(tables) if (m := store.manifest(name)) is not None)
    known = {(entry.table, entry.title, entry.vintage, entry.origin) for entry in dossier.sources}
    added = [entry for entry in source_entries(manifests)
             if entry.table is not None and (entry.table, entry.title, entry.vintage, entry.origin) not in known]
    if added:
        dossier = replace(dossier, sources=(*dossier.sources, *added))
    if not parts:
        return None, dossier
    zones = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True)[["level", "code", "name", "geometry"]],
                             geometry="geometry", crs="EPSG:4326")
    return zones, dossier


NEIGHBOUR_TOUCH_M = 100.0  # outlines closer than this touch (the national outlines are simplified)


def gather_neighbours(boundaries: gpd.GeoDataFrame | None, store: Store) -> gpd.GeoDataFrame | None:
    """The communes touching the territory (code, name, geometry; EPSG:4326), from the national
    outlines: read by the code prefixes of the départements that touch it, never a whole table."""
    if boundaries is None or boundaries.empty:
        return None
    metric = boundaries.estimate_utm_crs()
    perimeter = boundaries.to_crs(metric).union_all().buffer(NEIGHBOUR_TOUCH_M)
    departements = store.read_geo(BOUNDARIES_DEPARTEMENTS.name)
    if departements is None or departements.empty:
        return None
    near = sorted(departements.loc[departements.to_crs(metric).intersects(perimeter), "code"].astype(str))
    if not near:
        return None
    filters = [[("code", ">=", code), ("code", "<", code + "\uffff")] for code in near]
    candidates = store.read_geo(BOUNDARIES_COMMUNES.name, filters=filters)
    if candidates is None or candidates.empty:
        return None
    own = set(boundaries["code"].astype(str))
    touching = candidates[~candidates["code"].astype(str).isin(own) & candidates.to_crs(metric).intersects(perimeter)]
    if touching.empty:
        return None
    return touching[["code", "name", "geometry"]].sort_values("code").reset_index(drop=True).to_crs("EPSG:4326")


def produce(prepared: Prepared, store: Store, reporter: Reporter = silent) -> RunResult:
    """The analyse-and-render phase: reads the store only, writes the dossier's files.

    When the output folder holds a previous edition, a chapter lists what changed since.
    """
    options = prepared.options
    reporter(Event(Phase.ANALYSE, say("pipeline.progress_analysing")))
    dossier = build_dossier(prepared.territory, store, options, prepared.gaps, prepared.manifests,
                            prepared.initiatives)
    if options.focus is not None:
        # The mission's focus theme comes first, right after "En bref"; the others keep their order.
        ordered = sorted(dossier.sections, key=lambda section: section.id != options.focus)
        dossier = replace(dossier, sections=tuple(ordered))
    previous = load_previous(options.out_dir)
    # Written over another territory's dossier (run --force): nothing to compare with.
    if previous is not None and (previous.get("territory") or {}).get("code") == dossier.territory.code:
        changes = changes_section(previous, dossier)
        if changes is not None:
            dossier = replace(dossier, sections=(*dossier.sections, changes))
    reporter(Event(Phase.RENDER, say("pipeline.progress_rendering")))
    from diagterr.render import render_dossier  # WeasyPrint loads only when rendering

    zones, dossier = gather_zones(dossier, store)
    neighbours = gather_neighbours(prepared.boundaries, store) if "cartes" in options.formats else None
    files = render_dossier(dossier, prepared.boundaries, options.out_dir, context=prepared.context, zones=zones,
                          neighbours=neighbours, formats=options.formats)
    return RunResult(options.out_dir, list(files), list(dossier.gaps), prepared.requests)


def run(territory: Territory, options: RunOptions, reporter: Reporter = silent,
        store: Store | None = None, client: HttpClient | None = None) -> RunResult:
    """Build the dossier of `territory` into `options.out_dir`; `reporter` receives the progress events."""
    store = store or default_store()
    own_client = client is None
    if client is None:
        client = HttpClient.from_settings(offline=options.offline, refresh=options.refresh)
    try:
        prepared = prepare(territory, options, store, client, reporter)
    finally:
        if own_client:
            client.close()
    return produce(prepared, store, reporter)
