"""One dossier, end to end: fetch what the store lacks, analyse the themes, render the files.

    territory ─► fetch (sources) ─► store ─► analyse (themes) ─► Dossier ─► render

A failing source never loses the rest: its gap is recorded, marked in the dossier, and the run
ends "partial" (exit code 4). Offline, a territory with no data at all ends with exit code 3.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagterr import __version__
from diagterr.cog import COG_VINTAGE, load_cog
from diagterr.dossier import Dossier, Gap, SourceEntry, TerritorySummary
from diagterr.edition_changes import changes_section, load_previous
from diagterr.errors import ExitCode, OfflineUnavailableError, SourceError
from diagterr.initiatives import Inventory, load_inventory
from diagterr.resources import samples_dir
from diagterr.settings import cache_dir
from diagterr.sources import anct_programmes, cartofriches, geo_api, georisques, melodi, melodi_datasets, open_meteo
from diagterr.sources import qpv
from diagterr.sources import insee_table_passage
from diagterr.sources import bpe_france_services
from diagterr.sources import recherche_entreprises, urssaf
from diagterr.sources import cerema_conso, open_meteo_projections
from diagterr.sources.http import HttpClient
from diagterr.sources.registry import SOURCES
from diagterr.store import Manifest, Store
from diagterr.territory import Territory
from diagterr.themes import ANALYSERS, programmes
from diagterr.themes.en_bref import enjeux, key_figures
from diagterr.themes.figures import Figures

log = logging.getLogger(__name__)

# Tables of statistics the themes read. A territory with no census figure offline gets exit
# code 3: the legal population alone (known for every commune) does not make a dossier.
STATISTICS_TABLES = ("insee_comparateur", "populations_legales", "rp2021_iris", "rp2021_compilation")
CENSUS_TABLES = ("insee_comparateur", "rp2021_iris", "rp2021_compilation", "rp_population")
# Census compilations that exist only for the sample territories (third-party files of ../shared).
SAMPLE_ONLY_TABLES = ("rp2021_iris", "rp2021_compilation")
MELODI_CENSUS = "rp_population"  # Melodi DS_RP_POPULATION_PRINC, read live for any territory
SAMPLE_BOUNDARIES = "boundaries_communes"
CONTEXT_BOUNDARIES = "boundaries_departements"

Step = Callable[[str, str], None]  # (step, French message): "fetch" | "analyse" | "render"


@dataclass(frozen=True)
class RunOptions:
    out_dir: Path
    offline: bool = False
    refresh: bool = False
    edition_date: date = field(default_factory=date.today)
    initiatives: Path | None = None  # the consultant's inventory (CSV or YAML), see diagterr.initiatives
    focus: str | None = None  # a section id put first, right after "En bref" (themes.FOCUS_CHOICES)


@dataclass
class RunResult:
    out_dir: Path
    files: list[Path]
    gaps: list[Gap]
    requests: dict[str, tuple[int, int]]  # source id -> (network, cache hits)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.gaps else ExitCode.DONE


def default_store() -> Store:
    """The user's store (fetched and imported tables) over the shipped samples."""
    return Store([cache_dir() / "store", samples_dir()])


def safe_folder_name(territory: Territory) -> str:
    """A folder name safe on every system, whatever the territory's name."""
    text = unicodedata.normalize("NFKD", territory.name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()[:60] or "territoire"
    return f"{slug}-{territory.code}" if territory.kind != "communes" else slug


def covered_communes(store: Store, table: str, codes: tuple[str, ...]) -> set[str]:
    frame = store.read(table)
    if frame is None:
        return set()
    column = "code" if "code" in frame.columns else "geo_code"
    return set(frame[column]) & set(codes)


def gather_boundaries(
    store: Store, territory: Territory, client: HttpClient, gaps: list[Gap]
) -> tuple[gpd.GeoDataFrame | None, list[Manifest]]:
    """Commune contours: from the store where it has them, else from API Géo (cached)."""
    codes = territory.commune_codes
    manifests: list[Manifest] = []
    parts: list[gpd.GeoDataFrame] = []
    sample = store.read_geo(SAMPLE_BOUNDARIES)
    if sample is not None:
        sample = sample[sample["code"].isin(codes)]
        if not sample.empty:
            parts.append(sample[["code", "name", "geometry"]])
            manifests.append(store.manifest(SAMPLE_BOUNDARIES))
    missing = sorted(set(codes) - set(pd.concat(parts)["code"] if parts else []))
    if missing:
        try:
            fetched = geo_api.fetch_commune_boundaries(client, missing)
            parts.append(fetched[["code", "name", "geometry"]])
            manifests.append(
                geo_api.boundaries_manifest(missing, datetime.now(timezone.utc).date().isoformat())
            )
        except OfflineUnavailableError:
            gaps.append(Gap("api_geo", f"Contours de {len(missing)} commune(s) absents du cache (mode hors ligne) : "
                                       "relancez sans --offline pour les télécharger."))
        except SourceError as error:
            gaps.append(Gap("api_geo", f"Contours des communes indisponibles : {error}"))
    if not parts:
        return None, manifests
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")
    return frame.sort_values("code").reset_index(drop=True), manifests


def refresh_from_melodi(store: Store, territory: Territory, client: HttpClient, gaps: list[Gap],
                        report: Step | None = None) -> None:
    """Online: bring the Melodi datasets (legal populations, census, Filosofi, civil registration)
    to the latest vintage INSEE announces, for the territory and its comparison levels.

    The catalogue is read once (cached a week). A failure is a gap only where the store has
    nothing for the territory; otherwise the dossier uses what the store holds and the log says
    the vintage could not be checked. Without network, nothing more is tried.
    """
    try:
        catalog = {entry.identifier: entry for entry in melodi.fetch_catalog(client)}
    except SourceError as error:
        if client.network_down:
            return
        log.warning("Catalogue Melodi illisible (%s) : chaque jeu est vérifié séparément.", error)
        catalog = {}
    for dataset in melodi_datasets.KEPT_UP_TO_DATE:
        if report is not None:
            report("fetch", f"INSEE Melodi : {dataset.dataset_id}")
        try:
            melodi_datasets.refresh(client, store, territory, dataset, catalog.get(dataset.dataset_id))
        except SourceError as error:
            if client.network_down:
                return
            if melodi_datasets.covered_period(store, dataset, territory) is None:
                gaps.append(Gap("insee_melodi", f"{dataset.dataset_id} : {error}"))
            else:
                log.warning("Millésime de %s non vérifié en ligne (%s) : les données déjà disponibles "
                            "sont utilisées.", dataset.dataset_id, error)


@dataclass(frozen=True)
class OnlineStep:
    """One online source the fetch phase brings into the store for the territory.

    `fetch(client, store, territory, boundaries)` writes its tables (or raises SourceError);
    a failure becomes a gap in the dossier with `failure` as its first words, never a crash.
    """

    source_id: str
    label: str  # French, shown as progress
    failure: str  # French, first words of the gap ("Climat observé indisponible")
    fetch: Callable[[HttpClient, Store, Territory, gpd.GeoDataFrame | None], object]


def _climate(client: HttpClient, store: Store, territory: Territory, boundaries: gpd.GeoDataFrame | None) -> None:
    points = open_meteo.representative_points(territory, boundaries)
    open_meteo.fetch_climate_for_territory(client, store, territory, points)


# The online sources after the census, in the order they are fetched. A new source adds one
# entry here (its module owns the HTTP, the parsing and the store table).
# Run before the census: Melodi's figures published under former codes are mapped through it.
LINEAGE_STEP = OnlineStep(
    insee_table_passage.SOURCE_ID, "Communes fusionnées depuis 2003 (table de passage de l'INSEE)",
    "Table de passage des communes de l'INSEE indisponible", insee_table_passage.fetch_for_territory,
)

ONLINE_STEPS: tuple[OnlineStep, ...] = (
    OnlineStep(open_meteo.SOURCE_ID, "Climat observé (Open-Meteo, ERA5)", "Climat observé indisponible", _climate),
    OnlineStep(open_meteo_projections.SOURCE_ID, "Projections climatiques (Open-Meteo, CMIP6)",
               "Projections climatiques indisponibles", open_meteo_projections.fetch_projections_for_territory),
    OnlineStep(georisques.SOURCE_ID, "Risques naturels (Géorisques)", "Risques naturels indisponibles",
               lambda client, store, territory, _boundaries: georisques.fetch_risks_for_territory(client, store, territory)),
    OnlineStep(cerema_conso.SOURCE_ID, "Consommation d'espaces (Cerema)", "Consommation d'espaces indisponible",
               cerema_conso.fetch_for_territory),
    OnlineStep(cartofriches.SOURCE_ID, "Friches (Cartofriches, Cerema)", "Friches indisponibles",
               lambda client, store, territory, _boundaries: cartofriches.fetch_for_territory(client, store, territory)),
    OnlineStep(anct_programmes.SOURCE_ID, "Programmes de l'ANCT (listes data.gouv.fr)",
               "Listes de programmes de l'ANCT incomplètes",
               lambda client, store, _territory, _boundaries: anct_programmes.fetch_lists(client, store)),
    OnlineStep(qpv.SOURCE_ID, "Quartiers prioritaires 2024 (ANCT, data.gouv.fr)",
               "Liste des quartiers prioritaires indisponible",
               lambda client, store, _territory, _boundaries: qpv.fetch_list(client, store)),
    OnlineStep(bpe_france_services.SOURCE_ID, "France services (INSEE, BPE)", "France services (BPE) indisponibles",
               bpe_france_services.fetch_for_territory),
    OnlineStep(urssaf.SOURCE_ID, "Emploi salarié privé par commune (URSSAF)", "Emploi salarié privé (URSSAF) indisponible",
               lambda client, store, territory, _boundaries: urssaf.store_salaried_jobs(client, store, territory)),
    OnlineStep(recherche_entreprises.SOURCE_ID, "Plus grands établissements (Recherche d'entreprises)",
               "Plus grands établissements employeurs indisponibles",
               lambda client, store, territory, _boundaries: recherche_entreprises.store_largest_establishments(
                   client, store, territory)),
)


def fetch_online(store: Store, territory: Territory, client: HttpClient,
                 boundaries: gpd.GeoDataFrame | None, gaps: list[Gap], report: Step) -> None:
    """Online: every step of ONLINE_STEPS, cached; each failure is one gap, the others go on."""
    for step in ONLINE_STEPS:
        report("fetch", step.label)
        try:
            step.fetch(client, store, territory, boundaries)
        except SourceError as error:
            gaps.append(Gap(step.source_id, f"{step.failure} : {error}"))


def statistics_gaps(store: Store, territory: Territory, options: RunOptions) -> list[Gap]:
    """The statistics the store lacks for this territory; offline with none at all: exit 3."""
    covered = {t: covered_communes(store, t, territory.commune_codes) for t in STATISTICS_TABLES}
    codes = set(territory.commune_codes)
    if options.offline and not any(covered_communes(store, t, territory.commune_codes) for t in CENSUS_TABLES):
        raise OfflineUnavailableError(
            f"Aucune donnée statistique hors ligne pour {territory.name} ({territory.code}) : ce territoire "
            "n'est ni dans les exemples fournis (CC du Pays de l'Arbresle, CC du Massif du Sancy, "
            "Villeneuve-de-Berg / CC Berg et Coiron, Tessy-Bocage / CA Saint-Lô Agglo) ni dans le cache. "
            "Relancez sans --offline, ou importez un fichier national."
        )
    melodi_census = covered_communes(store, MELODI_CENSUS, territory.commune_codes) == codes
    gaps = []
    for table, found in covered.items():
        if found == codes or (melodi_census and table in SAMPLE_ONLY_TABLES and not found):
            continue  # the live census replaces the sample-only compilations
        manifest = store.manifest(table)
        title = SOURCES[manifest.source_id].title if manifest else table
        absent = len(codes - found)
        if melodi_census:
            advice = (
                "Le recensement, Filosofi et l'état civil ont été lus dans l'API Melodi de l'INSEE ; seuls les "
                "indicateurs propres à ce fichier sont marqués « n.d. ». Pour les compléter : « diagterr import » "
                "du comparateur de territoires de l'INSEE."
            )
        else:
            advice = (
                "Les chiffres concernés sont marqués « n.d. ». Pour le recensement, Filosofi et Sirene : "
                "« diagterr import » du comparateur de territoires de l'INSEE ; ou un dossier en ligne, qui lit "
                "le recensement dans l'API Melodi."
            )
        gaps.append(
            Gap(
                manifest.source_id if manifest else table,
                f"{title} : {absent} commune(s) sur {len(codes)} absentes des données disponibles "
                f"(exemples, imports, cache). {advice}",
            )
        )
    return gaps


def source_entries(manifests: list[Manifest]) -> tuple[SourceEntry, ...]:
    entries: dict[str, SourceEntry] = {}
    cog = load_cog()
    entries["cog"] = SourceEntry(
        source_id="cog_decoupage",
        title=SOURCES["cog_decoupage"].title,
        producer=SOURCES["cog_decoupage"].producer,
        vintage=COG_VINTAGE,
        geo_vintage=COG_VINTAGE,
        origin=cog.origin if hasattr(cog, "origin") else SOURCES["cog_decoupage"].url,
        retrieved="2026-03-09",
        licence=SOURCES["cog_decoupage"].licence,
        method="Index des communes, EPCI, départements et régions livré avec diagterr (population municipale "
        "légale 2023 des communes).",
    )
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


def situation(store: Store, fig: Figures) -> str:
    """"Situation connue au …": the latest vintages the dossier uses."""
    parts = []
    legal = fig.table("populations_legales")
    if legal is not None:
        parts.append(f"populations légales {legal.loc[legal['variable'] == 'pmun', 'period'].max()}")
    census_years = []
    for table in ("rp_population", "insee_comparateur", "rp2021_iris", "rp2021_compilation"):
        frame = fig.table(table)
        if frame is not None and covered_communes(store, table, fig.territory.commune_codes):
            census_years += [p for p in frame.loc[frame["variable"] == "pop", "period"] if p.isdigit()]
            census_years += [p for p in frame.loc[frame["variable"] == "pmun", "period"] if p.isdigit()]
    if census_years:
        parts.append(f"recensement {max(census_years)}")
    parts.append(COG_VINTAGE)
    return ", ".join(parts)


def build_dossier(territory: Territory, store: Store, options: RunOptions, gaps: list[Gap],
                  extra_manifests: list[Manifest], initiatives: Inventory | None = None) -> Dossier:
    """The dossier; `initiatives`: the validated inventory, given to the programmes theme only."""
    fig = Figures(store, territory)
    sections = tuple(
        programmes.analyse(fig, initiatives) if analyse is programmes.analyse else analyse(fig)
        for _, analyse in ANALYSERS
    )
    used = [manifest for name in fig.tables_used() for manifest in store.manifests(name)]
    if initiatives is not None and initiatives.initiatives:
        used.append(initiatives.manifest())
    programme_names = _programmes_in_place(fig)
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
        situation_date=situation(store, fig),
        key_figures=key_figures(sections),
        enjeux=enjeux(sections, programme_names),
        sections=sections,
        sources=source_entries(extra_manifests + used),
        gaps=tuple(gaps),
        methods=(
            "Comptages : somme des communes du territoire ; une somme à laquelle manque une commune (secret "
            "statistique, donnée non publiée) n'est pas affichée. Taux : recalculés à partir des numérateurs et "
            "dénominateurs sommés, jamais moyennés. Médianes : non agrégeables, données seulement telles que "
            "publiées.",
            "Comparaisons : départements, régions et France sont, pour le comparateur de territoires, la somme de "
            "toutes leurs communes (arrondissements municipaux exclus pour ne pas compter Paris, Lyon et Marseille "
            "deux fois) ; « France hors Mayotte » quand le recensement n'y est pas publié.",
            "Géographie : communes du " + COG_VINTAGE + ". Les données publiées dans une géographie plus ancienne "
            "sont ramenées aux communes actuelles (anciens codes additionnés dans la commune nouvelle).",
        ),
    )


def _programmes_in_place(fig: Figures) -> list[str]:
    frame = programmes.programme_view(fig).frame  # online lists + samples, as the Programmes section
    if frame is None:
        return []
    names = []
    for label in ("Petites villes de demain", "Action cœur de ville", "Villages d'avenir",
                  "Opération de revitalisation de territoire"):
        if frame["programme"].str.startswith(label).any():
            names.append(label)
    return names


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
            step: Step | None = None) -> Prepared:
    """The fetch phase: validate the user's files, bring the store up to date, gather contours."""
    report = step or (lambda _step, _message: None)
    # The user's own file first: a broken inventory stops the run before any fetch or drawing.
    initiatives = load_inventory(options.initiatives, territory) if options.initiatives is not None else None
    gaps: list[Gap] = []
    offline = options.offline
    if not offline:
        report("fetch", LINEAGE_STEP.label)
        try:
            LINEAGE_STEP.fetch(client, store, territory, None)
        except SourceError as error:
            if not client.network_down:  # without network the run goes on offline, as for the census
                gaps.append(Gap(LINEAGE_STEP.source_id, f"{LINEAGE_STEP.failure} : {error}"))
        if not client.network_down:
            report("fetch", "Derniers millésimes de l'INSEE (Melodi)")
            refresh_from_melodi(store, territory, client, gaps, report)
        if client.network_down:
            offline = True
            log.warning("Pas de réseau : le dossier est produit avec les données locales (exemples, "
                        "imports, cache), comme avec --offline.")
            options = replace(options, offline=True)
    report("fetch", "Vérification des données disponibles")
    gaps.extend(statistics_gaps(store, territory, options))
    report("fetch", "Contours des communes")
    boundaries, manifests = gather_boundaries(store, territory, client, gaps)
    context = store.read_geo(CONTEXT_BOUNDARIES)
    if context is not None:
        context = context[context["code"].isin([p.code for p in territory.departements])]
        context = context if not context.empty else None
    if not offline:
        fetch_online(store, territory, client, boundaries, gaps, report)
    requests = {sid: (s.network, s.cache_hits) for sid, s in client.stats.items()}
    return Prepared(territory, options, gaps, boundaries, context, manifests, initiatives, requests)


def produce(prepared: Prepared, store: Store, step: Step | None = None) -> RunResult:
    """The analyse-and-render phase: reads the store only, writes the dossier's files.

    When the output folder holds a previous edition, a chapter lists what changed since.
    """
    report = step or (lambda _step, _message: None)
    options = prepared.options
    report("analyse", "Analyse des thèmes")
    dossier = build_dossier(prepared.territory, store, options, prepared.gaps, prepared.manifests,
                            prepared.initiatives)
    if options.focus is not None:
        # The mission's focus theme comes first, right after "En bref"; the others keep their order.
        ordered = sorted(dossier.sections, key=lambda section: section.id != options.focus)
        dossier = replace(dossier, sections=tuple(ordered))
    previous = load_previous(options.out_dir)
    if previous is not None:
        changes = changes_section(previous, dossier)
        if changes is not None:
            dossier = replace(dossier, sections=(*dossier.sections, changes))
    report("render", "Mise en page du dossier (PDF)")
    from diagterr.render import render_dossier  # WeasyPrint loads only when rendering

    files = render_dossier(dossier, prepared.boundaries, options.out_dir, context=prepared.context)
    return RunResult(options.out_dir, [files.pdf, files.html, files.json, files.csv], prepared.gaps,
                     prepared.requests)


def run(territory: Territory, options: RunOptions, step: Step | None = None,
        store: Store | None = None, client: HttpClient | None = None) -> RunResult:
    """Build the dossier of `territory` into `options.out_dir`."""
    store = store or default_store()
    own_client = client is None
    if client is None:
        client = HttpClient.from_settings(offline=options.offline, refresh=options.refresh)
    try:
        prepared = prepare(territory, options, store, client, step)
    finally:
        if own_client:
            client.close()
    return produce(prepared, store, step)
