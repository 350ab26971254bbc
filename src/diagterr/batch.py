"""`diagterr batch`: every site of a programme in one command, resumable, safe to run from cron.

Plan (../shared/DESIGN.md): read and validate every site first (a bad entry stops everything
before any work, with its line); fetch sequentially within the providers' limits (shared cache
and rate limits); then analyse and render in a process pool. One failing site never stops the
others. A site whose inputs have not changed since its last dossier is skipped (unless --force).
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from enum import StrEnum
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

from diagterr import __version__
from diagterr.atomic import write_text_atomic
from diagterr.errors import BadInputError, DiagterrError, ExitCode, TerminatedError
from diagterr.outputs import ALL_FORMATS, check_formats
from diagterr.progress import Event, Phase, Reporter, silent
from diagterr.store import Store, sha256_of
from diagterr.territory import Territory, resolve_territory
from diagterr.texts import say

log = logging.getLogger(__name__)

SUMMARY_FILE = "batch.json"
EDITION_FILE = ".diagterr-edition.json"  # per site: the fingerprint of its last dossier
LOCK_FILE = ".diagterr-batch.lock"
_SITE_KEYS = {"nom", "epci", "commune", "communes", "sortie", "initiatives", "focus", "comparer", "formats"}
# A programme's sites file is a few kilobytes; a bigger one is a mistake (read in minutes, not seconds).
MAX_SITES_FILE_BYTES = 1_000_000
MAX_PROBLEMS_SHOWN = 20  # problems of a sites file listed in the message; the others counted

MODELE = """\
# Sites d'un programme pour `diagterr batch` (YAML).
# Chaque site : un nom, et UN territoire parmi epci (SIREN), commune (code INSEE) ou communes
# (liste de codes). Facultatif : sortie (dossier de sortie du site, relatif à ce fichier),
# initiatives (inventaire CSV ou YAML du consultant, voir `diagterr initiatives modele`),
# focus (thème mis en tête du dossier :
# {focus_choices}),
# comparer (territoires de comparaison choisis par l'équipe, du même type que le site : liste ou
# codes séparés par des virgules ; ils remplacent les plus semblables de « Territoires comparables »),
# formats (les fichiers à écrire pour ce site, séparés par des virgules ; défaut : --formats, ou tous :
# {format_choices}).
#
#   diagterr batch sites.yaml --jobs 2
#
# Six dossiers pour les quatre sites des Ateliers des territoires fournis en exemple (données
# hors ligne) : le Pays de l'Arbresle, le Massif du Sancy, Villeneuve-de-Berg avec sa CC Berg et
# Coiron, Tessy-Bocage avec sa CA Saint-Lô Agglo.

sortie: dossiers          # dossier commun des sites (défaut : le dossier de ce fichier)

sites:
  - nom: CC du Pays de l'Arbresle
    epci: "246900625"
    focus: mobilites      # le thème de son Atelier : les mobilités en tête du dossier
    # comparer: ["246900724", "200040574"]   # ses territoires de comparaison (SIREN d'EPCI)

  - nom: CC du Massif du Sancy
    epci: "246300966"
    focus: climat         # le thème de son Atelier : le climat en tête du dossier

  - nom: Villeneuve-de-Berg
    commune: "07341"
    focus: habitat        # son Atelier : le bourg-centre ; l'habitat lit sa vacance et son parc ancien

  - nom: CC Berg et Coiron
    epci: "240700815"

  - nom: Tessy-Bocage
    commune: "50592"
    focus: demographie    # son Atelier : la transition démographique et écologique ; la baisse et le
                          # vieillissement sont dans les chiffres hors ligne, le climat en ligne

  - nom: CA Saint-Lô Agglo
    epci: "200066389"
    # initiatives: initiatives-saint-lo.csv
"""


@dataclass(frozen=True)
class Site:
    """One validated site of the batch file."""

    name: str
    line: int  # line of the entry in the batch file
    territory: Territory
    out_dir: Path
    initiatives: Path | None = None
    focus: str | None = None  # a section id put first (themes.FOCUS_CHOICES)
    comparer: tuple[str, ...] | None = None  # the team's comparison list, validated (diagterr.peers)
    formats: frozenset[str] | None = None  # the files to write (diagterr.outputs); None: the batch's


class SiteStatus(StrEnum):
    """A site's status in batch.json (the values are read by scripts: never rename them)."""

    DONE = "fait"
    PARTIAL = "partiel"  # done, with at least one source missing
    UNCHANGED = "inchange"  # same inputs as its last dossier: skipped
    FAILED = "echec"


@dataclass
class SiteOutcome:
    name: str
    code: str
    status: SiteStatus
    duration_s: float
    out_dir: str
    files: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    error: str | None = None


# -- reading and validating the batch file --------------------------------------------------------


def model_text() -> str:
    """The example batch file, its comment listing the focus choices of this version."""
    from diagterr.chapters import focus_choices_in_words
    from diagterr.outputs import formats_in_words

    return MODELE.format(focus_choices=focus_choices_in_words(), format_choices=formats_in_words())


def write_model(path: Path, force: bool = False) -> None:
    if path.exists() and not force:
        raise BadInputError(f"{path} existe déjà : choisissez un autre nom, ou --force pour le remplacer.")
    if path.is_dir():
        raise BadInputError(f"{path} est un dossier : donnez le nom du fichier à écrire (ex. {path / 'sites.yaml'}).")
    try:
        write_text_atomic(path, model_text())
    except OSError as error:
        raise BadInputError(
            f"Impossible d'écrire le modèle {path} ({error.strerror or error}) : choisissez un dossier où vous "
            "pouvez écrire."
        ) from None


def load_sites(path: Path) -> list[Site]:
    """Every site of the file, resolved; any problem anywhere stops everything (with its line)."""
    text = _read_sites_text(path)
    try:
        document = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"ligne {mark.line + 1}" if mark else "fichier"
        raise BadInputError(f"{path.name}, {where} : YAML illisible ({getattr(error, 'problem', error)}).") from None
    if document is None or not isinstance(document, yaml.MappingNode):
        raise BadInputError(f"{path.name} : attendu une clé « sites: » suivie de la liste des sites (voir « diagterr batch modele »).")
    top = {key.value: value for key, value in document.value}
    base = path.parent
    if "sortie" in top:
        base = base / _scalar(top["sortie"])
    sites_node = top.get("sites")
    if not isinstance(sites_node, yaml.SequenceNode) or not sites_node.value:
        line = sites_node.start_mark.line + 1 if sites_node is not None else 1
        raise BadInputError(f"{path.name}, ligne {line} : « sites » doit être une liste non vide de sites.")
    problems: list[str] = []
    sites: list[Site] = []
    seen_dirs: dict[Path, int] = {}
    for node in sites_node.value:
        line = node.start_mark.line + 1
        try:
            site = _site(node, line, base, path.parent)
            _check_inside(site, node, base)
        except DiagterrError as error:
            problems.append(f"ligne {line} : {error}")
            continue
        if site.out_dir in seen_dirs:
            problems.append(f"ligne {line} : même dossier de sortie que le site de la ligne {seen_dirs[site.out_dir]} ({site.out_dir}).")
            continue
        seen_dirs[site.out_dir] = line
        sites.append(site)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"… et {len(problems) - len(shown)} autres")
        raise BadInputError(f"{path.name} : {len(problems)} problème(s), rien n'a été lancé :\n  " + "\n  ".join(shown))
    return sites


def _read_sites_text(path: Path) -> str:
    """The sites file as text: a UTF-8 file of at most MAX_SITES_FILE_BYTES (BadInputError otherwise)."""
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None
    if size is None:
        raise BadInputError(f"Fichier de sites « {path} » introuvable (créez-en un avec « diagterr batch modele »).")
    if size > MAX_SITES_FILE_BYTES:
        from diagterr.formatting import nombre

        raise BadInputError(
            f"{path.name} : {nombre(size / 1e6, 1)} Mo, c'est trop pour un fichier de sites (au plus "
            f"{nombre(MAX_SITES_FILE_BYTES / 1e6)} Mo ; quelques Ko suffisent pour des centaines de sites). "
            "Vérifiez que c'est le bon fichier."
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"Fichier de sites « {path} » illisible ({error.strerror or error}).") from None
    if b"\x00" in data:
        raise BadInputError(f"{path.name} n'est pas un fichier texte (octets binaires) : attendu un fichier YAML "
                            "en UTF-8 (voir « diagterr batch modele »).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BadInputError(
            f"{path.name}, ligne {line} : le fichier n'est pas en UTF-8 (enregistré en Latin-1 ou Windows-1252 ?). "
            "Enregistrez-le en UTF-8 depuis votre éditeur et relancez."
        ) from None


def _check_inside(site: Site, node: yaml.Node, base: Path) -> None:
    """A site writes inside the batch folder (its lock covers it): a `sortie` leading out is refused."""
    folder = base.resolve()
    if site.out_dir.is_relative_to(folder):
        return
    entry = {key.value: value for key, value in node.value} if isinstance(node, yaml.MappingNode) else {}
    given = _scalar(entry["sortie"]) if "sortie" in entry else site.out_dir.name
    raise BadInputError(
        f"le site « {site.name} » a pour sortie « {given} », qui mène hors du dossier du lot ({site.out_dir}, "
        f"hors de {folder}) : donnez un chemin relatif qui reste dans ce dossier."
    )


def _site(node: yaml.Node, line: int, base: Path, folder: Path) -> Site:
    if not isinstance(node, yaml.MappingNode):
        raise BadInputError("un site s'écrit « - nom: …, epci: … » (clé: valeur).")
    entry = {key.value: value for key, value in node.value}
    unknown = sorted(set(entry) - _SITE_KEYS)
    if unknown:
        raise BadInputError(f"clé(s) inconnue(s) {', '.join(unknown)} ; clés possibles : {', '.join(sorted(_SITE_KEYS))}.")
    name = _scalar(entry["nom"]) if "nom" in entry else None
    if not name:
        raise BadInputError("le nom du site (« nom: ») manque.")
    communes = entry.get("communes")
    communes_text = None
    if communes is not None:
        values = [_scalar(v) for v in communes.value] if isinstance(communes, yaml.SequenceNode) else [_scalar(communes)]
        communes_text = ",".join(values)
    territory = resolve_territory(
        commune=_scalar(entry["commune"]) if "commune" in entry else None,
        epci=_scalar(entry["epci"]) if "epci" in entry else None,
        communes=communes_text,
        nom=name,
        whole_communes=True,  # as `run --commune`: an arrondissement gets the hint of its commune
    )
    out_dir = base / (_scalar(entry["sortie"]) if "sortie" in entry else _folder_name(territory))
    initiatives = None
    if "initiatives" in entry:
        initiatives = (folder / _scalar(entry["initiatives"])).resolve()
        if not initiatives.is_file():
            raise BadInputError(f"inventaire « {_scalar(entry['initiatives'])} » introuvable (chemin relatif au fichier de sites).")
    from diagterr.chapters import check_focus

    focus = check_focus(_scalar(entry["focus"])) if "focus" in entry else None
    comparer = _comparer(entry["comparer"], territory) if "comparer" in entry else None
    formats = _formats(entry["formats"]) if "formats" in entry else None
    return Site(name, line, territory, out_dir.resolve(), initiatives, focus, comparer, formats)


def _formats(node: yaml.Node) -> frozenset[str]:
    """A site's `formats:` (a list, or names separated by commas), checked as --formats is."""
    values = [_scalar(v) for v in node.value] if isinstance(node, yaml.SequenceNode) else [_scalar(node)]
    if not any(value.strip() for value in values):
        raise BadInputError(say("affiche.batch_formats_empty"))
    return check_formats(",".join(values))


def _comparer(node: yaml.Node, territory: Territory) -> tuple[str, ...]:
    """A site's `comparer:` (a list, or codes separated by commas), checked as --comparer is."""
    from diagterr.peers import check_territory_comparer
    from diagterr.pipeline import default_store

    values = [_scalar(v) for v in node.value] if isinstance(node, yaml.SequenceNode) else [_scalar(node)]
    return check_territory_comparer(values, territory.kind, territory.code, default_store())


def _scalar(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise BadInputError(f"valeur simple attendue ligne {node.start_mark.line + 1}.")
    return str(node.value).strip()


def _folder_name(territory: Territory) -> str:
    from diagterr.pipeline import safe_folder_name

    return safe_folder_name(territory)


# -- resumability and locking -------------------------------------------------------------------


def fingerprint(site: Site, store: Store, options: dict[str, Any]) -> str:
    """What a dossier depends on: diagterr's version, the options, the perimeter, the data.

    The data are the store's tables (their checksums, from the manifests) and the inventory file.
    A new census vintage, a revised figure or a perimeter change gives a new fingerprint.
    Offline it is computed before `prepare()` (an unchanged site is never prepared): it must read
    nothing `prepare()` computes.
    """
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    digest.update(",".join(site.territory.commune_codes).encode())
    digest.update(site.name.encode())
    for name in store.table_names():
        for manifest in store.manifests(name):
            digest.update(f"{name}:{manifest.sha256}".encode())
    if site.initiatives is not None:
        digest.update(sha256_of(site.initiatives).encode())
    return digest.hexdigest()


def site_options(site: Site, formats: frozenset[str] | None = None) -> dict[str, Any]:
    """The options of a site its fingerprint holds (`comparer` only when given, `formats` (the
    files written) only when not all: a site without them keeps the fingerprint of its last dossier)."""
    options: dict[str, Any] = {"focus": site.focus}
    if site.comparer is not None:
        options["comparer"] = list(site.comparer)
    chosen = site.formats if site.formats is not None else formats
    if chosen is not None and chosen != ALL_FORMATS:
        options["formats"] = sorted(chosen)
    return options


def unchanged_since_last_edition(site: Site, print_: str) -> bool:
    """True when the site's last complete dossier was made from exactly these inputs."""
    try:
        edition = json.loads((site.out_dir / EDITION_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    files_present = all((site.out_dir / name).is_file() for name in edition.get("files", []))
    return edition.get("fingerprint") == print_ and files_present


def record_edition(site: Site, print_: str, files: list[Path]) -> None:
    """The fingerprint of the site's dossier and its files (relative to its folder: cartes/…)."""
    names = [p.relative_to(site.out_dir).as_posix() if p.is_relative_to(site.out_dir) else p.name for p in files]
    write_text_atomic(
        site.out_dir / EDITION_FILE,
        json.dumps({"fingerprint": print_, "files": names, "version": __version__},
                   ensure_ascii=False, indent=1) + "\n",
    )


def batch_lock(folder: Path) -> AbstractContextManager[None]:
    """One batch at a time per output folder: a second one stops with a clear message (exit 2,
    as a second `run` into one folder)."""
    from diagterr.edition import check_writable, folder_lock

    check_writable(folder, "« sortie: » du fichier de sites")  # exit 2 before any work
    return folder_lock(folder, LOCK_FILE, lambda holder: (
        f"Un autre « diagterr batch » écrit déjà dans {folder} (processus {holder}). "
        "Attendez qu'il finisse, ou choisissez un autre dossier de sortie."))


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM (cron's timeout, systemd, `kill`) raises TerminatedError in the main
    thread: the pool of run_batch is stopped first, then the enclosing lock is released."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise TerminatedError(
            "Arrêté (SIGTERM) : les dossiers en cours ont été abandonnés, les éditions précédentes sont "
            "intactes. Relancez la même commande pour finir (les sites déjà faits sont repris tels quels)."
        )

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- summary ------------------------------------------------------------------------------------


def exit_code(outcomes: list[SiteOutcome]) -> ExitCode:
    """0 all done (or unchanged) with no gap, 4 a dossier lacks a source (an unchanged one too:
    it is still partial), 1 any site failed."""
    if any(o.status is SiteStatus.FAILED for o in outcomes):
        return ExitCode.FAILED
    if any(o.status is SiteStatus.PARTIAL or o.missing_sources for o in outcomes):
        return ExitCode.PARTIAL
    return ExitCode.DONE


def write_summary(folder: Path, outcomes: list[SiteOutcome], started: float, jobs: int) -> Path:
    summary = {
        "diagterr": __version__,
        "date": date.today().isoformat(),
        "duree_s": round(time.perf_counter() - started, 2),
        "jobs": jobs,
        "code_sortie": int(exit_code(outcomes)),
        "sites": [asdict(o) for o in outcomes],
    }
    path = folder / SUMMARY_FILE
    write_text_atomic(path, json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    return path


# -- running --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    jobs: int
    force: bool = False
    offline: bool = False
    refresh: bool = False
    edition_date: date = field(default_factory=date.today)
    formats: frozenset[str] = ALL_FORMATS  # the files of each site (--formats); a site's `formats:` wins


def _produce_site(prepared, name: str) -> tuple[str, list[str], list[str], float]:
    """Worker (a separate, spawned process): analyse and render one site from the store."""
    from diagterr.pipeline import default_store, produce

    started = time.perf_counter()
    result = produce(prepared, default_store())
    elapsed = time.perf_counter() - started
    return name, [str(p) for p in result.files], [g.source_id for g in result.gaps], elapsed


def spawn_pool(workers: int) -> Executor:
    """The pool that analyses and renders the sites."""
    # spawn: WeasyPrint and Pango must not be forked after import (Kozea/WeasyPrint#167, #684).
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


# The pool of run_batch (a test puts its own here).
site_pool: Callable[[int], Executor] = spawn_pool


def stop_pool(pool: Executor) -> None:
    """Stop a pool now: queued sites cancelled, running workers terminated, and waited for (none
    writes once this returns: a killed worker leaves only a half-built edition, removed next time)."""
    # ProcessPoolExecutor has no public way to end its running workers before Python 3.14
    # (terminate_workers): its processes are ended one by one, taken before shutdown forgets them.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
    pool.shutdown(wait=True)


def run_batch(sites: list[Site], options: BatchOptions, folder: Path, reporter: Reporter = silent) -> list[SiteOutcome]:
    """Fetch every site sequentially, then analyse and render in a process pool.

    One failing site never stops the others; an unchanged site is skipped unless `force`.
    `reporter` receives the events of each site's fetch (with the site's name), and one
    `Event(Phase.SITE, …, done=True)` when a site ends, whatever its status. The folder of each
    site to render is locked as `diagterr run` locks its own (released once the pool is stopped).
    """
    with ExitStack() as site_locks:
        return _run_batch(sites, options, reporter, site_locks)


def _run_batch(sites: list[Site], options: BatchOptions, reporter: Reporter, site_locks: ExitStack) -> list[SiteOutcome]:
    from diagterr.edition import run_lock
    from diagterr.pipeline import default_store
    from diagterr.sources.http import HttpClient

    def report(site: Site, message: str, done: bool = False) -> None:
        reporter(Event(Phase.SITE, message, site=site.name, done=done))

    store = default_store()
    outcomes: dict[str, SiteOutcome] = {}
    queued: list[tuple[Site, Any, str, float]] = []
    with HttpClient.from_settings(offline=options.offline, refresh=options.refresh) as client:
        for site in sites:
            started = time.perf_counter()
            report(site, "données")
            try:
                # Online, prepare() comes first: it fetches into the store, whose manifests the
                # fingerprint reads. Offline it writes nothing the fingerprint reads (the manifests,
                # the inventory): « inchangé » is decided before it, and costs no preparation.
                prepared = None if options.offline else _prepare_site(site, options, store, client, reporter)
                print_ = fingerprint(site, store, site_options(site, options.formats))
                if not options.force and unchanged_since_last_edition(site, print_):
                    outcomes[site.name] = _unchanged(site, started, report)
                    continue
                prepared = prepared if prepared is not None else _prepare_site(site, options, store, client, reporter)
            except DiagterrError as error:
                outcomes[site.name] = _failed(site, started, error)
                log.error("%s : %s", site.name, error)
                report(site, "échec", done=True)
                continue
            try:
                site_locks.enter_context(run_lock(site.out_dir))
            except DiagterrError as error:  # a `diagterr run` writes there now
                outcomes[site.name] = _failed(site, started, error)
                log.error("%s : %s", site.name, error)
                report(site, "échec", done=True)
                continue
            _remove_stale_temporaries(site.out_dir)
            queued.append((site, prepared, print_, time.perf_counter() - started))

    if queued:
        workers = max(1, min(options.jobs, len(queued)))
        pool = site_pool(workers)
        try:
            futures = {pool.submit(_produce_site, prepared, site.name): (site, print_, fetch_s)
                       for site, prepared, print_, fetch_s in queued}
            for future in as_completed(futures):
                site, print_, fetch_s = futures[future]
                try:
                    _, files, missing, produce_s = future.result()
                except Exception as error:  # noqa: BLE001 -- a failing site never stops the others
                    outcomes[site.name] = SiteOutcome(site.name, site.territory.code, SiteStatus.FAILED,
                                                      round(fetch_s, 2), str(site.out_dir),
                                                      error=f"{type(error).__name__} : {error}")
                    log.error("%s : échec (%s: %s)", site.name, type(error).__name__, error)
                    report(site, "échec", done=True)
                    continue
                duration = round(fetch_s + produce_s, 2)  # this site's own work, not the queue
                record_edition(site, print_, [Path(f) for f in files])
                status = SiteStatus.PARTIAL if missing else SiteStatus.DONE
                outcomes[site.name] = SiteOutcome(site.name, site.territory.code, status, duration,
                                                  str(site.out_dir), files, sorted(set(missing)))
                report(site, f"{'dossier partiel' if missing else 'dossier fait'} ({duration:.1f} s)", done=True)
        except BaseException:  # SIGTERM (TerminatedError), Ctrl-C: no worker writes once we leave
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    return [outcomes[site.name] for site in sites]


def _prepare_site(site: Site, options: BatchOptions, store: Store, client: Any, reporter: Reporter) -> Any:
    """The fetch phase of one site (pipeline.prepare); DiagterrError when it fails."""
    from diagterr.pipeline import RunOptions, prepare

    run_options = RunOptions(
        out_dir=site.out_dir, offline=options.offline, refresh=options.refresh,
        edition_date=options.edition_date, initiatives=site.initiatives, focus=site.focus,
        comparer=site.comparer, formats=site.formats if site.formats is not None else options.formats,
    )
    return prepare(site.territory, run_options, store, client, reporter=_for_site(reporter, site.name))


def _for_site(reporter: Reporter, name: str) -> Reporter:
    """The events of one site's fetch, with the site's name."""
    return lambda event: reporter(replace(event, site=name))


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files and half-built editions left by a killed run (the lock guarantees no other
    batch writes here)."""
    from diagterr.edition import remove_stale_staging

    remove_stale_staging(folder)
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            if stale.is_file():
                stale.unlink(missing_ok=True)
                log.info("fichier temporaire d'une exécution interrompue supprimé : %s", stale.name)


def _unchanged(site: Site, started: float, report: Callable[..., None]) -> SiteOutcome:
    """The outcome of a site skipped as unchanged: the files and gaps of its last dossier."""
    report(site, "inchangé depuis la dernière édition", done=True)
    return SiteOutcome(site.name, site.territory.code, SiteStatus.UNCHANGED, round(time.perf_counter() - started, 2),
                       str(site.out_dir), _existing_files(site), _previous_missing(site))


def _failed(site: Site, started: float, error: BaseException) -> SiteOutcome:
    return SiteOutcome(site.name, site.territory.code, SiteStatus.FAILED, round(time.perf_counter() - started, 2),
                       str(site.out_dir), error=str(error))


def _previous_missing(site: Site) -> list[str]:
    """The sources the site's existing dossier lacks (the gaps of its indicateurs.json)."""
    try:
        document = json.loads((site.out_dir / "indicateurs.json").read_text("utf-8"))
        return sorted({str(gap["source_id"]) for gap in document.get("gaps", [])})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _existing_files(site: Site) -> list[str]:
    """The files of the site's last dossier (as its edition record lists them)."""
    try:
        names = [str(n) for n in json.loads((site.out_dir / EDITION_FILE).read_text("utf-8")).get("files", [])]
    except (OSError, ValueError, AttributeError):
        names = ["dossier.pdf", "dossier.html", "indicateurs.json", "indicateurs.csv"]
    return [str(site.out_dir / n) for n in names if (site.out_dir / n).is_file()]


def common_folder(path: Path, sites: list[Site]) -> Path:
    """Where batch.json, the synthesis and the lock go: the batch's `sortie`, or the file's folder."""
    text = _read_sites_text(path)
    document = yaml.safe_load(text) or {}
    base = path.parent / str(document["sortie"]) if isinstance(document, dict) and "sortie" in document else path.parent
    return base.resolve()


def write_cohort_synthesis(folder: Path, sites: list[Site], outcomes: list[SiteOutcome],
                           edition_date: date) -> tuple[Path, Path] | None:
    """synthese.pdf and synthese.csv from the dossiers present (done, partial or unchanged)."""
    from diagterr.render.synthesis import write_synthesis

    documents = []
    for site, outcome in zip(sites, outcomes, strict=True):
        if outcome.status is SiteStatus.FAILED:
            continue
        try:
            documents.append((site.name, json.loads((site.out_dir / "indicateurs.json").read_text("utf-8"))))
        except (OSError, ValueError):
            continue
    if not documents:
        return None
    return write_synthesis(documents, folder, edition_date)
