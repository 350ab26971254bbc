"""The command line: turns options into calls, prints French messages, returns exit codes.

Typer lives here only. Logging handlers and the rich console are set up here, once.
"""

# No `from __future__ import annotations` here: Typer would then eval every parameter's annotation
# text at each start (≈ 40 ms); the few names only known to mypy are quoted.
import contextlib
import logging
import os
import re
import sys
import time
import traceback
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from diagterr import __version__
from diagterr.chapters import check_focus, focus_choices_in_words
from diagterr.errors import BadInputError, DiagterrError, ExitCode
from diagterr.outputs import check_formats, formats_in_words
from diagterr.progress import PHASE_LABELS, Event, Phase
from diagterr.texts import say

if TYPE_CHECKING:
    from rich.console import Console

    from diagterr.national_import import ImportResult
    from diagterr.pipeline import RunResult  # imported by the commands that run (the pipeline is heavy)

log = logging.getLogger("diagterr")

# `search --limite`: the valid range, said in the message.
SEARCH_LIMIT_MAX = 1000
# `--date-edition`: from this date to a year after today.
EARLIEST_EDITION = date(2000, 1, 1)

# `diagterr import --format`: each format of national_import.FORMATS, as the help says it.
IMPORT_FORMATS = {"comparateur": "base du comparateur de territoires de l'INSEE"}


def _choices(described: dict[str, str]) -> str:
    return ", ".join(f"{key} ({text})" for key, text in described.items())


# The mixin extends a command class (TyperCommand or TyperGroup): mypy is told so, Python is not.
if TYPE_CHECKING:
    _Command = TyperCommand
else:
    _Command = object


_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


class _LightCoercion:
    """Typer's coercion of one parameter, without building its pydantic adapter for what needs none.

    Typer builds a pydantic TypeAdapter for every parameter it processes, even an option left out
    (value None) or a `str` given as a `str`: importing pydantic alone costs about 0.1 s per command.
    Those values come back exactly as Typer's own coercion would give them; any other value (a
    Path, an int typed by the user, a choice, a parser) goes through Typer's own coercion.
    """

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multiple = param.multiple or param.nargs == -1
        if value is None and not multiple:
            return None
        descriptor = param.type_descriptor
        info = descriptor.parameter_info
        plain = (info.parser is None and descriptor.file_annotation is None and not descriptor.is_choice
                 and not multiple and descriptor.annotation is type(value))
        if plain and (type(value) is str or (type(value) is int and info.min is None and info.max is None)):
            return value
        if (descriptor.annotation is int and type(value) is str and _PLAIN_INT.fullmatch(value) and not multiple
                and info.parser is None and info.min is None and info.max is None):
            return int(value)  # "20" → 20, as pydantic's lax int says it; anything else goes to Typer
        param._runtime_param = None  # Typer builds its own coercion, used from now on
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def _light_coercion(command: Any, ctx: Any) -> None:
    """Put a _LightCoercion on the parameters of `command` whose coercion Typer has not built yet
    (Typer's private `_runtime_param`: left alone if a Typer release renames it)."""
    for param in command.get_params(ctx):
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = _LightCoercion()


# An option's help read from a text file (YAML) is put in when a help screen is shown, not at each start.
_FORMATS_HELP = "@affiche.formats_help"
_LAZY_HELP = {_FORMATS_HELP: lambda: say("affiche.formats_help", choices=formats_in_words())}


class _FrenchHelp(_Command):
    """Click's own words of the help screens, in French (Usage, Commands, the --help option)."""

    def format_help(self, ctx, formatter) -> None:
        for param in self.get_params(ctx):
            text = getattr(param, "help", None)
            if text in _LAZY_HELP:
                setattr(param, "help", _LAZY_HELP[text]())  # noqa: B010 -- an Option's help, not a Parameter's
        super().format_help(ctx, formatter)

    def parse_args(self, ctx, args):
        _light_coercion(self, ctx)
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Afficher cette aide et quitter."
        return option

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="Utilisation : ")


class FrenchCommand(_FrenchHelp, TyperCommand):
    pass


class FrenchGroup(_FrenchHelp, TyperGroup):
    def format_commands(self, ctx, formatter) -> None:
        rows = [
            (name, (command.get_short_help_str(limit=70)))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commandes"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="diagterr",
    cls=FrenchGroup,
    help="Dossier de diagnostic territorial (INSEE et données ouvertes) en PDF, en une commande.\n\n"
    "Exemples :\n\n"
    "  diagterr run --epci 246900625\n\n"
    "  diagterr run --commune 07341 --sortie dossiers/\n\n"
    "  diagterr search arbresle",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@cache
def _console() -> "Console":
    """The rich console of the messages (stderr), made at its first use (rich costs an import)."""
    from rich.console import Console

    return Console(stderr=True)


def setup_logging(verbose: bool, log_file: Path | None = None) -> None:
    """Rich output on a terminal; plain timestamped lines otherwise (cron, pipes, CI)."""
    level = logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    console = _console()
    if console.is_terminal:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=console, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
    root.addHandler(handler)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
        root.addHandler(file_handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("diagterr").setLevel(level)
    logging.getLogger("weasyprint").setLevel(logging.ERROR if not verbose else logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def fail(error: DiagterrError) -> None:
    """Print the French message (user values escaped: « [/x] » is text, not markup) and exit."""
    console = _console()
    if console.is_terminal:
        from rich.markup import escape

        console.print(f"[bold red]Erreur :[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    else:
        print(f"Erreur : {error}", file=sys.stderr)
    raise typer.Exit(int(error.exit_code))


@app.command("run", cls=FrenchCommand)
def run_command(
    commune: Annotated[str | None, typer.Option("--commune", help="Code INSEE de la commune (5 caractères, ex. 07341).")] = None,
    epci: Annotated[str | None, typer.Option("--epci", help="SIREN de l'EPCI (9 chiffres, ex. 246900625).")] = None,
    communes: Annotated[
        str | None, typer.Option("--communes", help="Liste de codes de communes séparés par des virgules (avec --nom).")
    ] = None,
    nom: Annotated[str | None, typer.Option("--nom", help="Nom du territoire (obligatoire avec --communes).")] = None,
    sortie: Annotated[
        Path | None,
        typer.Option("--sortie", "-o", help="Dossier de sortie (défaut : ./<nom-du-territoire>-<code>/)."),
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Sans réseau : cache, exemples et base nationale fournis seulement.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Retélécharger les données même si elles sont en cache.")] = False,
    date_edition: Annotated[
        str | None, typer.Option("--date-edition", help="Date d'édition imprimée (AAAA-MM-JJ ; défaut : aujourd'hui).")
    ] = None,
    initiatives: Annotated[
        Path | None,
        typer.Option(
            "--initiatives", metavar="FICHIER",
            help="Inventaire des initiatives locales (CSV séparé par ; ou , en UTF-8, ou YAML), vérifié avant tout "
            "téléchargement. Modèle : diagterr initiatives modele.",
        ),
    ] = None,
    focus: Annotated[
        str | None,
        typer.Option("--focus", metavar="THEME",
                     help=f"Thème mis en tête du dossier : {focus_choices_in_words()}."),
    ] = None,
    comparer: Annotated[
        str | None,
        typer.Option(
            "--comparer", metavar="CODE,CODE,…",
            help="Territoires de comparaison choisis par l'équipe, du même type que le territoire (codes INSEE "
            "de communes pour --commune, SIREN d'EPCI pour --epci), séparés par des virgules : ils remplacent "
            "les plus semblables du chapitre « Territoires comparables ». Vérifiés avant tout travail.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Écrire même si le dossier de sortie contient le dossier d'un autre territoire.")
    ] = False,
    formats: Annotated[
        str | None,
        typer.Option("--formats", metavar="NOM,NOM,…", help=_FORMATS_HELP),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Détail des étapes et des requêtes par source.")] = False,
) -> None:
    """Produire le dossier de diagnostic d'un territoire (PDF, HTML, indicateurs JSON et CSV)."""
    setup_logging(verbose)
    from diagterr.territory import resolve_territory

    started = time.perf_counter()
    out_dir: Path | None = None
    created = False
    try:
        chosen_formats = check_formats(formats)  # before any work: nothing is written for a bad name
        if offline and refresh:
            raise BadInputError("--offline et --refresh sont incompatibles : choisissez l'un ou l'autre.")
        edition_date = _parse_date(date_edition)
        territory = resolve_territory(commune=commune, epci=epci, communes=communes, nom=nom, whole_communes=True)
        # The heavy modules once the inputs the index can check are checked: a bad code answers at once.
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from diagterr import edition
        from diagterr.peers import check_territory_comparer
        from diagterr.pipeline import RunOptions, default_store, run, safe_folder_name

        console = _console()
        chosen = (check_territory_comparer(comparer, territory.kind, territory.code, default_store())
                  if comparer is not None else None)
        out_dir = sortie if sortie is not None else Path.cwd() / safe_folder_name(territory)
        created = not out_dir.exists()
        edition.check_writable(out_dir)  # up front: not after the downloads and the drawing
        options = RunOptions(out_dir=out_dir, offline=offline, refresh=refresh, edition_date=edition_date,
                             initiatives=initiatives, focus=check_focus(focus), comparer=chosen,
                             formats=chosen_formats)
        log.info("Territoire : %s (%s, %d communes)", territory.name, territory.kind_label, len(territory.communes))
        with edition.run_lock(out_dir), Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=console, disable=not console.is_terminal, transient=True,
        ) as progress:
            edition.check_same_territory(out_dir, territory.code, territory.name, force=force)
            edition.remove_stale_staging(out_dir)
            task = progress.add_task("Préparation", total=None)

            def show(event: Event) -> None:
                text = f"{PHASE_LABELS[event.phase]} : {event.message}"
                progress.update(task, description=text)
                if not console.is_terminal:
                    log.info("%s", text)

            result = run(territory, options, reporter=show)
    except DiagterrError as error:
        if created and out_dir is not None:
            _remove_if_empty(out_dir)
        fail(error)
        return
    except KeyboardInterrupt:
        print("Interrompu : aucun fichier partiel n'a été laissé.", file=sys.stderr)
        raise typer.Exit(130) from None
    except Exception as error:  # noqa: BLE001 -- a bug: say so plainly, keep the detail for --verbose
        if verbose:
            traceback.print_exc()
        print(
            f"Erreur inattendue ({type(error).__name__} : {error}). Relancez avec --verbose pour le détail, "
            "et signalez-la avec la commande utilisée.",
            file=sys.stderr,
        )
        raise typer.Exit(int(ExitCode.FAILED)) from None
    _print_run(result, time.perf_counter() - started, verbose)
    raise typer.Exit(int(result.exit_code))


def _print_run(result: "RunResult", elapsed: float, verbose: bool) -> None:
    """What a run leaves: its gaps (logged), its requests (--verbose), its files."""
    for gap in result.gaps:
        log.warning("Donnée manquante (%s) : %s", gap.source_id, gap.message)
    if verbose:
        for source_id, (network, hits) in sorted(result.requests.items()):
            log.info("Requêtes %s : %d réseau, %d cache", source_id, network, hits)
    print(f"Dossier écrit dans {result.out_dir} ({elapsed:.1f} s) :")
    folders: dict[Path, int] = {}  # a folder of the edition (cartes/) is one line, with its count
    for path in result.files:
        if path.parent != result.out_dir:
            folders[path.parent] = folders.get(path.parent, 0) + 1
        else:
            print(f"  {path}")
    for folder, count in folders.items():
        print(f"  {folder}{os.sep} ({say('affiche.files_count', count=count)})")
    if result.gaps:
        print(f"Attention : dossier partiel (code de sortie 4), {len(result.gaps)} source(s) manquante(s), "
              "listées dans l'annexe « Données manquantes » du dossier.", file=sys.stderr)


@app.command("search", cls=FrenchCommand)
def search_command(
    texte: Annotated[str, typer.Argument(help="Nom (accents et majuscules ignorés), code INSEE, SIREN ou code postal.")],
    limite: Annotated[int, typer.Option("--limite", "-n", help="Nombre maximal de résultats.")] = 20,
) -> None:
    """Trouver un territoire par son nom, son code ou son code postal."""
    from diagterr.territory import search_territories

    try:
        if not 1 <= limite <= SEARCH_LIMIT_MAX:
            raise BadInputError(f"--limite {limite} : nombre de résultats entre 1 et {SEARCH_LIMIT_MAX} (défaut : 20).")
        hits = search_territories(texte, limit=limite)
    except DiagterrError as error:
        fail(error)
        return
    if not hits:
        print(f"Aucun territoire ne correspond à « {texte} ». Essayez une partie du nom, un code INSEE ou un code postal.",
              file=sys.stderr)
        raise typer.Exit(int(ExitCode.FAILED))
    kinds = {"commune": "Commune", "epci": "EPCI", "departement": "Département", "region": "Région",
             "arrondissement": "Arrondissement"}
    options = {"commune": "--commune", "epci": "--epci"}  # an arrondissement: its commune's dossier (run refuses it)
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("Type", "Code", "Nom", "Détail", "Option"):
        table.add_column(column)
    for hit in hits:
        option = options.get(hit.kind)
        table.add_row(kinds.get(hit.kind, hit.kind), hit.code, hit.name, hit.detail,
                      f"{option} {hit.code}" if option else "")
    Console(soft_wrap=True).print(table)


@app.command("import", cls=FrenchCommand)
def import_command(
    source: Annotated[str, typer.Argument(help="Fichier déjà téléchargé (.zip ou .csv) ou adresse https:// du fichier national.")],
    format: Annotated[
        str, typer.Option("--format", help=f"Format du fichier. Choix : {_choices(IMPORT_FORMATS)}.")
    ] = "comparateur",
    offline: Annotated[bool, typer.Option("--offline", help="Sans réseau : une adresse n'est lue que depuis le cache.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Détail des étapes.")] = False,
) -> None:
    """Charger un fichier national de l'INSEE dans le magasin local, une fois pour tous les territoires."""
    setup_logging(verbose)
    from diagterr.national_import import FORMATS

    try:
        if format not in FORMATS:
            raise BadInputError(f"Format « {format} » inconnu. Choix : {', '.join(sorted(FORMATS))}.")
        if source.lower().startswith("http://"):
            raise BadInputError(f"Adresse « {source} » refusée : seules les adresses https:// sont acceptées "
                                "(le fichier ne doit pas pouvoir être modifié en route).")
        result = _import_file(source, format, offline)
    except DiagterrError as error:
        fail(error)
        return
    print(f"Importé : {result.rows} observations ({result.vintage}) dans {result.path}")


initiatives_app = typer.Typer(
    name="initiatives",
    cls=FrenchGroup,
    help="Inventaire des initiatives locales (option --initiatives de diagterr run).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(initiatives_app, name="initiatives")


@initiatives_app.command("modele", cls=FrenchCommand)
def initiatives_template_command(
    fichier: Annotated[
        Path,
        typer.Argument(
            metavar="FICHIER", show_default=False,
            help="Fichier à écrire : .csv (séparateur ;) ou .yaml / .yml (défaut : initiatives.csv).",
        ),
    ] = Path("initiatives.csv"),
    force: Annotated[bool, typer.Option("--force", help="Écraser le fichier s'il existe déjà.")] = False,
) -> None:
    """Écrire un modèle vide d'inventaire des initiatives, avec une ligne d'exemple à remplacer."""
    from diagterr.initiatives import write_template

    try:
        kind = write_template(fichier, force=force)
    except DiagterrError as error:
        fail(error)
        return
    print(f"Modèle écrit : {fichier} ({'CSV, séparateur ;' if kind == 'csv' else 'YAML'}).")
    print("Remplacez la ligne d'exemple « Exemple — à remplacer » par vos initiatives (une par ligne), puis :")
    print(f"  diagterr run --epci SIREN --initiatives {fichier}")


@app.command("batch", cls=FrenchCommand)
def batch_command(
    fichier: Annotated[str, typer.Argument(help="Fichier YAML des sites, ou « modele » pour en écrire un exemple.")],
    cible: Annotated[
        str | None, typer.Argument(help="Avec « modele » : le fichier à écrire (défaut : sites.yaml).")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Dossiers mis en page en parallèle (défaut : nombre de cœurs).")
    ] = os.cpu_count() or 1,
    force: Annotated[bool, typer.Option("--force", help="Refaire aussi les sites inchangés (et écraser avec « modele »).")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Sans réseau : cache, exemples et base nationale fournis seulement.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Retélécharger les données même si elles sont en cache.")] = False,
    log_file: Annotated[Path | None, typer.Option("--log-file", help="Écrire aussi le journal dans ce fichier.")] = None,
    date_edition: Annotated[
        str | None, typer.Option("--date-edition", help="Date d'édition imprimée (AAAA-MM-JJ ; défaut : aujourd'hui).")
    ] = None,
    formats: Annotated[
        str | None,
        typer.Option("--formats", metavar="NOM,NOM,…", help=_FORMATS_HELP),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Détail des étapes.")] = False,
) -> None:
    """Produire les dossiers de tous les sites d'un fichier (reprise possible, utilisable depuis cron).

    Codes de sortie : 0 tout est fait (ou inchangé), 4 fait avec des données manquantes,
    1 au moins un site a échoué, 2 fichier de sites invalide (rien n'est lancé),
    143 arrêté par SIGTERM (les processus arrêtés avant que le verrou soit libéré).
    """
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from diagterr import batch

    console = _console()
    started = time.perf_counter()
    try:
        _setup_logging_to(verbose, log_file)
        if fichier == "modele":
            target = Path(cible or "sites.yaml")
            batch.write_model(target, force=force)
            print(f"Modèle écrit : {target} (six dossiers pour les quatre sites des Ateliers des territoires). "
                  f"Lancez : diagterr batch {target}")
            return
        chosen_formats = check_formats(formats)  # before any work, as the sites' own `formats:`
        if offline and refresh:
            raise BadInputError("--offline et --refresh sont incompatibles : choisissez l'un ou l'autre.")
        if jobs < 1:
            raise BadInputError(f"--jobs {jobs} : il faut au moins 1 processus (par exemple --jobs 2).")
        edition = _parse_date(date_edition)
        path = Path(fichier)
        sites = batch.load_sites(path)
        folder = batch.common_folder(path, sites)
        log.info("%d site(s) validé(s) ; sortie : %s ; %d processus", len(sites), folder, jobs)
        options = batch.BatchOptions(jobs=jobs, force=force, offline=offline, refresh=refresh, edition_date=edition,
                                     formats=chosen_formats)
        with batch.batch_lock(folder), batch.stop_on_sigterm(), Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), console=console, disable=not console.is_terminal, transient=True,
        ) as progress:
            task = progress.add_task("Sites", total=len(sites))

            def show(event: Event) -> None:
                if event.phase is Phase.SITE:
                    text = f"{event.site} : {event.message}"
                    log.info("%s", text)
                else:  # a step of the site's fetch: shown on the bar, in the log with --verbose
                    text = f"{event.site} : {PHASE_LABELS[event.phase]} : {event.message}"
                    log.debug("%s", text)
                if event.done:
                    progress.advance(task)
                progress.update(task, description=text)

            outcomes = batch.run_batch(sites, options, folder, reporter=show)
            summary = batch.write_summary(folder, outcomes, started, jobs)
            synthesis = batch.write_cohort_synthesis(folder, sites, outcomes, edition)
    except DiagterrError as error:
        fail(error)
        return
    code = batch.exit_code(outcomes)
    for outcome in outcomes:
        detail = f" — {outcome.error}" if outcome.error else (
            f" — manque : {', '.join(outcome.missing_sources)}" if outcome.missing_sources else "")
        print(f"  {outcome.status:<9} {outcome.name} ({outcome.duration_s:.1f} s){detail}")
    print(f"Résumé : {summary}" + (f" ; synthèse : {synthesis[0]}" if synthesis else ""))
    raise typer.Exit(int(code))


@app.command("version", cls=FrenchCommand)
def version_command() -> None:
    """Afficher la version de diagterr."""
    print(f"diagterr {__version__}")


def _parse_date(value: str | None, today: date | None = None) -> date:
    """The edition date: from EARLIEST_EDITION to a year after `today` (a typo, not a dossier of year 1)."""
    today = today or date.today()
    if value is None:
        return today
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise BadInputError(f"Date d'édition « {value} » invalide : format attendu AAAA-MM-JJ (ex. 2026-11-21).") from None
    latest = today.replace(year=today.year + 1) if (today.month, today.day) != (2, 29) else today + timedelta(days=365)
    if not EARLIEST_EDITION <= parsed <= latest:
        raise BadInputError(
            f"Date d'édition « {value} » hors de la plage acceptée : du {EARLIEST_EDITION.isoformat()} "
            f"au {latest.isoformat()} (un an après aujourd'hui)."
        )
    return parsed


def _remove_if_empty(folder: Path) -> None:
    """The output folder this run created, when nothing was written in it."""
    with contextlib.suppress(OSError):  # not empty, or already gone
        folder.rmdir()


def _setup_logging_to(verbose: bool, log_file: Path | None) -> None:
    """setup_logging, a --log-file that cannot be written being a bad input (exit 2)."""
    try:
        setup_logging(verbose, log_file)
    except OSError as error:
        setup_logging(verbose)
        raise BadInputError(
            f"--log-file {log_file} : impossible d'écrire le journal dans ce fichier "
            f"({error.strerror or error}). Donnez le chemin d'un fichier dans un dossier où vous pouvez écrire."
        ) from None


def _import_file(source: str, format: str, offline: bool) -> "ImportResult":
    """import_national_file, a file it cannot read (not a zip, truncated, empty, not a CSV) being a
    bad input (exit 2) said in French."""
    import zipfile

    from pandas.errors import EmptyDataError, ParserError

    from diagterr.national_import import import_national_file

    try:
        return import_national_file(source, format, offline=offline)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        reason = f"archive .zip illisible ou tronquée ({error or type(error).__name__})"
    except EmptyDataError:
        reason = "fichier vide"
    except (ParserError, UnicodeDecodeError) as error:
        reason = f"CSV illisible ({error})"
    except KeyError as error:
        reason = f"colonne ou fichier attendu absent ({error})"
    raise BadInputError(
        f"« {source} » n'est pas un fichier {format} lisible : {reason}. Téléchargez de nouveau le fichier "
        "national (.zip ou .csv de l'INSEE) et relancez."
    )


def _french_usage_error(error: typer.TyperException) -> str | None:
    """A usage error of Typer, said in French with the value and the choices; None when the
    "error" is the help of a group called without a command (shown as it is).

    Typer's usage errors are read through its public names (`TyperException`, `BadParameter`) and
    the attributes click documents on them (`ctx`, `param`, `option_name`, `possibilities`).
    """
    ctx = getattr(error, "ctx", None)
    message = error.format_message()
    if ctx is not None and message == ctx.get_help():
        return None
    hint = f" Aide : {ctx.command_path if ctx is not None else 'diagterr'} --help"
    param = getattr(error, "param", None)
    name = (", ".join(getattr(param, "opts", None) or ()) or getattr(param, "name", None) or "une valeur")
    if hasattr(error, "possibilities") and hasattr(error, "option_name"):  # no such option
        possibilities = error.possibilities or ()
        close = f" Vouliez-vous dire {' ou '.join(sorted(possibilities))} ?" if possibilities else ""
        return f"option inconnue « {error.option_name} ».{close}{hint}"
    if isinstance(error, typer.BadParameter) and hasattr(error, "param_type"):  # a missing parameter
        return f"{name} manquant.{hint}"
    if isinstance(error, typer.BadParameter):
        return f"valeur invalide pour {name} ({error.message}).{hint}"
    message = message.rstrip(".")
    if message.startswith("No such command") and ctx is not None:
        unknown = message.split("'")[1] if "'" in message else message
        commands = ", ".join(ctx.command.list_commands(ctx)) if hasattr(ctx.command, "list_commands") else ""
        return f"commande inconnue « {unknown} ». Commandes : {commands}.{hint}"
    return f"{message}.{hint}"


def main() -> None:
    """Console script entry point: exit codes of errors.ExitCode, usage errors in French."""
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        raise SystemExit(130) from None
    except typer.Abort:
        print("Interrompu.", file=sys.stderr)
        raise SystemExit(130) from None
    except typer.TyperException as error:  # usage errors (exit code 2), and the few others of Typer
        exit_code = getattr(error, "exit_code", int(ExitCode.FAILED))
        if exit_code != ExitCode.BAD_INPUT:
            print(f"Erreur : {error.format_message()}", file=sys.stderr)
            raise SystemExit(exit_code) from None
        try:
            message = _french_usage_error(error)
        except Exception:  # noqa: BLE001 -- never a traceback for a usage error: Typer's own words then
            message = error.format_message()
        print(f"Erreur : {message}" if message is not None else error.format_message(), file=sys.stderr)
        raise SystemExit(int(ExitCode.BAD_INPUT)) from None
    except DiagterrError as error:  # raised outside a command's own handler
        print(f"Erreur : {error}", file=sys.stderr)
        raise SystemExit(int(error.exit_code)) from None
    except Exception as error:  # noqa: BLE001 -- a bug: never a traceback, the detail with --verbose
        if "--verbose" in sys.argv or "-v" in sys.argv:
            traceback.print_exc()
        print(
            f"Erreur inattendue ({type(error).__name__} : {error}). Relancez avec --verbose pour le détail, "
            "et signalez-la avec la commande utilisée.",
            file=sys.stderr,
        )
        raise SystemExit(int(ExitCode.FAILED)) from None
    raise SystemExit(code if isinstance(code, int) else 0)
