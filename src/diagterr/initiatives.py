"""The consultant's inventory of local initiatives (`diagterr run … --initiatives FICHIER`).

A file the consultant keeps, one initiative per row (CSV) or per entry (YAML), with these fields
(column names: accents, case and spaces ignored; `nom` is the only required one):

    nom          name of the initiative (required)
    porteur      who carries it
    theme        free text (mobilité, alimentation…): the section counts initiatives per theme
    categorie    one of the Atelier des territoires' categories of resources: humaines,
                 naturelles, agricoles, économiques, matérielles, numériques, culturelles
                 (accents, case, a plural or a leading "ressources" ignored); empty: not classified
    commune      INSEE code(s) of communes OF THE TERRITORY, separated by commas or spaces; empty:
                 the whole territory. A commune name is refused (names are ambiguous): the error
                 gives the code when the name is one of the territory's communes
    statut       a short list, so that the section can sort and count: en projet, en cours,
                 terminé (accents and case ignored); empty: not said
    date_debut   AAAA-MM-JJ or JJ/MM/AAAA; empty: not said
    contact      free text, printed as typed (the dossier is shared: ask before naming someone)
    lien         an http:// or https:// address, printed as text, never fetched
    description  free text (at most MAX_LENGTH["description"] characters)

CSV: UTF-8 with or without BOM, `;` or `,` separated (read from the header line), a header row.
YAML: a list of mappings, or a mapping whose `initiatives` key holds that list.

The template (`diagterr initiatives modele`) holds one example row whose name starts with
EXAMPLE_MARK ("Exemple — à remplacer"): such a row is skipped with a notice, so that the template
loads as an empty inventory. Validation collects every problem with its line and its column, in
French, and raises `InventoryError` (a BadInputError, exit code 2) before anything is fetched or
drawn. Nothing read here is ever fetched or opened: values are plain text for the renderer, which
escapes them (Jinja autoescape). The messages and the template's texts are in
`templates/texts/initiatives.yaml`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from difflib import get_close_matches
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from diagterr.atomic import write_bytes_atomic
from diagterr.cog import COG_VINTAGE, COMMUNE_CODE_RE, load_cog, normalize
from diagterr.errors import BadInputError
from diagterr.store import Manifest
from diagterr.territory import Territory
from diagterr.texts import say

log = logging.getLogger(__name__)

SOURCE_ID = "inventaire_initiatives"
EXAMPLE_MARK = "Exemple — à remplacer"
DEFAULT_TEMPLATE = "initiatives.csv"
MAX_FILE_BYTES = 5_000_000

# Fields in the order of the template.
FIELDS = ("nom", "porteur", "theme", "categorie", "commune", "statut", "date_debut", "contact", "lien",
          "description")
REQUIRED = ("nom",)
MAX_LENGTH = {"nom": 150, "description": 800, "lien": 500}
DEFAULT_MAX_LENGTH = 200

# Header spellings accepted beside the field names (after normalisation: no accents, lower case,
# words joined by "_").
ALIASES = {
    "intitule": "nom",
    "initiative": "nom",
    "porteur_de_projet": "porteur",
    "porteurs": "porteur",
    "thematique": "theme",
    "categorie_de_ressources": "categorie",
    "categorie_de_ressource": "categorie",
    "communes": "commune",
    "code_commune": "commune",
    "code_insee": "commune",
    "etat": "statut",
    "date": "date_debut",
    "date_de_debut": "date_debut",
    "debut": "date_debut",
    "contacts": "contact",
    "url": "lien",
    "site": "lien",
    "site_web": "lien",
}

# The Atelier des territoires' categories of resources: key (normalised) -> label of the section.
CATEGORIES: dict[str, str] = {
    "humaines": "Ressources humaines",
    "naturelles": "Ressources naturelles",
    "agricoles": "Ressources agricoles",
    "economiques": "Ressources économiques",
    "materielles": "Ressources matérielles",
    "numeriques": "Ressources numériques",
    "culturelles": "Ressources culturelles",
}
CATEGORY_WORDS = {  # how the file writes them (shown in messages and in the template)
    "humaines": "humaines",
    "naturelles": "naturelles",
    "agricoles": "agricoles",
    "economiques": "économiques",
    "materielles": "matérielles",
    "numeriques": "numériques",
    "culturelles": "culturelles",
}
UNCATEGORISED = "Catégorie non renseignée"

# The chapter a free-text theme belongs to, so that page 4 and the chapters show each initiative
# beside its theme's enjeux: the first chapter with a word of the (normalised) theme starting with
# one of its stems ("Mobilité douce" -> mobilites, "Friches" -> climat, the chapter of land take).
THEME_CHAPTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mobilites", ("mobilit", "transport", "velo", "covoiturage", "deplacement", "navette", "pieton")),
    ("habitat", ("habitat", "logement", "renovation", "vacance")),
    ("climat", ("climat", "energie", "eau", "biodiversit", "friche", "foncier", "sol", "sols", "risque",
                "environnement", "ecolog", "transition", "dechet", "paysage")),
    ("economie", ("econom", "emploi", "commerce", "agricult", "aliment", "tourism", "artisan", "industri",
                  "entreprise", "formation")),
    ("demographie", ("jeunesse", "jeune", "enfance", "senior", "aine", "famille", "vieilliss", "sante",
                     "social", "solidarit", "intergeneration")),
    ("territoire", ("service", "centre", "bourg", "culture", "patrimoine", "numerique", "equipement",
                    "gouvernance", "village")),
)


def chapter_of(theme: str) -> str | None:
    """The section id of the chapter a free-text theme belongs to (None: no chapter's word)."""
    words = normalize(theme).split()
    for chapter, stems in THEME_CHAPTERS:
        if any(word.startswith(stem) if len(stem) > 3 else word == stem for word in words for stem in stems):
            return chapter
    return None

# Status: a short list (counted and shown in this order), accents and case ignored.
STATUSES = ("en cours", "en projet", "terminé")
_STATUS_SPELLINGS = {
    "en cours": "en cours",
    "en projet": "en projet",
    "projet": "en projet",
    "termine": "terminé",
    "terminee": "terminé",
    "termines": "terminé",
    "terminees": "terminé",
}

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_CODE_SEPARATORS = re.compile(r"[\s,;|/]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# -- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Initiative:
    """One validated row of the inventory. Text fields are "" when empty."""

    line: int  # line of the file where the row starts
    nom: str
    porteur: str = ""
    theme: str = ""
    categorie: str | None = None  # key of CATEGORIES
    communes: tuple[str, ...] = ()  # INSEE codes of the territory; () = the whole territory
    statut: str | None = None  # one of STATUSES
    date_debut: date | None = None
    contact: str = ""
    lien: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Inventory:
    """A validated inventory file: its initiatives and where it comes from (file name only)."""

    file_name: str
    initiatives: tuple[Initiative, ...]
    skipped_examples: tuple[int, ...] = ()  # lines of the template's example rows, skipped
    modified: date | None = None  # date of the file (its modification time)
    sha256: str = ""
    read_at: str = ""  # ISO date it was read

    def manifest(self) -> Manifest:
        """Provenance of the inventory for the annex "Sources et méthodes" (the file name, never its path)."""
        return Manifest(
            table="initiatives",
            source_id=SOURCE_ID,
            title=say("initiatives.manifest_title", file=self.file_name),
            producer=say("initiatives.manifest_producer"),
            origin=f"{self.file_name} (sha256 {self.sha256[:12]}…)" if self.sha256 else self.file_name,
            vintage=say("initiatives.manifest_vintage", modified=self.modified),
            geo_vintage=COG_VINTAGE,
            licence=say("initiatives.manifest_licence"),
            retrieved_at=self.read_at,
            method=say("initiatives.manifest_method", count=len(self.initiatives), skipped=self.skipped_examples),
            rows=len(self.initiatives),
            sha256=self.sha256,
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of the file, located by its line and its column (CSV) or field (YAML)."""

    line: int | None
    field: str | None
    message: str
    csv: bool = True  # a CSV file names a column, a YAML file a field

    def __str__(self) -> str:
        word = say("initiatives.word_column" if self.csv else "initiatives.word_field")
        return say("initiatives.problem", line=self.line, field=self.field, word=word, message=self.message)


class InventoryError(BadInputError):
    """The inventory file has problems: all of them, each with its line and column."""

    def __init__(self, file_name: str, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__(say("initiatives.problems", file=file_name, problems=[str(p) for p in self.problems]))


@dataclass(slots=True)
class _Row:
    """A row as read, before validation: field -> (value, line of the value)."""

    line: int
    values: dict[str, tuple[str, int]] = field(default_factory=dict)


# -- loading ------------------------------------------------------------------------------------


def load_inventory(path: Path, territory: Territory) -> Inventory:
    """Read and validate an inventory file for `territory`; InventoryError lists every problem."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(say("initiatives.not_found", path=path))
    if not path.is_file():
        raise BadInputError(say("initiatives.not_a_file", path=path))
    kind = file_kind(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInputError(say("initiatives.too_big", file=path.name, size_mb=path.stat().st_size // 1_000_000,
                                max_mb=MAX_FILE_BYTES // 1_000_000))
    data = path.read_bytes()
    text = _decode(data, path.name)
    rows, problems = (_read_csv if kind == "csv" else _read_yaml)(text)
    initiatives: list[Initiative] = []
    skipped: list[int] = []
    validator = _Validator(territory)
    for row in rows:
        if _is_example(row):
            skipped.append(row.line)
            continue
        initiative, row_problems = validator.validate(row)
        problems.extend(row_problems)
        if initiative is not None:
            initiatives.append(initiative)
    problems = [Problem(p.line, p.field, p.message, csv=kind == "csv") for p in problems]
    if problems:
        raise InventoryError(path.name, sorted(problems, key=lambda p: (p.line or 0, _field_order(p.field))))
    for line in skipped:
        log.warning(say("initiatives.example_skipped", line=line, mark=EXAMPLE_MARK))
    if not initiatives:
        log.warning(say("initiatives.no_initiative", file=path.name))
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
    return Inventory(
        file_name=path.name,
        initiatives=tuple(initiatives),
        skipped_examples=tuple(skipped),
        modified=modified,
        sha256=hashlib.sha256(data).hexdigest(),
        read_at=datetime.now(UTC).date().isoformat(),
    )


def file_kind(path: Path, *, reading: bool = True) -> str:
    """"csv" or "yaml", from the file's extension; BadInputError for any other.

    A .txt is read as CSV (what some spreadsheets save), but a template is written only under the
    suffix of its format: the file is then opened by the right program.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv" or (reading and suffix == ".txt"):
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    spreadsheet = reading and suffix in (".xlsx", ".xls", ".ods")
    raise BadInputError(say("initiatives.bad_extension", file=path.name, suffix=suffix, spreadsheet=spreadsheet))


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise BadInputError(say("initiatives.binary", file=name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BadInputError(say("initiatives.not_utf8", file=name, line=line)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_csv(text: str) -> tuple[list[_Row], list[Problem]]:
    lines = text.split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        return [], []
    delimiter = _delimiter(lines[header_index])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    problems: list[Problem] = []
    columns: list[str | None] = []
    rows: list[_Row] = []
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # a field beyond the csv module's limit, a quote never closed…
            problems.append(Problem(previous_end + 1, None, say("initiatives.csv_unreadable", error=error)))
            break
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank line, or a row of separators only (a spreadsheet's trailing rows)
        if not columns:
            columns = _header(cells, start, problems)
            continue
        if len(cells) > len(columns):
            extra = cells[len(columns):]
            if any(cell.strip() for cell in extra):
                problems.append(Problem(start, None, say("initiatives.csv_extra_values", values=len(cells),
                                                         columns=len(columns), delimiter=delimiter)))
                continue
        row = _Row(start)
        for name, cell in zip(columns, cells, strict=False):
            if name is not None:
                row.values[name] = (cell, start)
        rows.append(row)
    return rows, problems


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(cells: list[str], line: int, problems: list[Problem]) -> list[str | None]:
    """Field names of the header cells (None for an unknown or repeated column, reported)."""
    names: list[str | None] = []
    for cell in cells:
        name = field_name(cell)
        if not cell.strip():
            names.append(None)
            continue
        if name not in FIELDS:
            problems.append(Problem(line, cell.strip(), _unknown_field(name)))
            names.append(None)
        elif name in names:
            problems.append(Problem(line, cell.strip(), say("initiatives.column_twice")))
            names.append(None)
        else:
            names.append(name)
    for required in REQUIRED:
        if required not in names:
            problems.append(Problem(line, None, say("initiatives.column_missing", name=required, fields=FIELDS)))
    return names


def field_name(header: str) -> str:
    """The field a header names: "Date de début" → "date_debut", "Catégorie" → "categorie"."""
    text = unicodedata.normalize("NFKD", header.strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^0-9a-z]+", "_", text).strip("_")
    return ALIASES.get(text, text)


def _unknown_field(name: str) -> str:
    close = get_close_matches(name, FIELDS, n=1, cutoff=0.6)
    return say("initiatives.unknown_field", close=close[0] if close else None, fields=FIELDS)


def _read_yaml(text: str) -> tuple[list[_Row], list[Problem]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return [], [Problem(mark.line + 1 if mark else None, None,
                            say("initiatives.yaml_unreadable", error=error.problem or error))]
    except yaml.YAMLError as error:
        return [], [Problem(None, None, say("initiatives.yaml_unreadable", error=error))]
    if root is None or _is_null(root):
        return [], []
    if isinstance(root, yaml.MappingNode):
        found = [value for key, value in root.value if isinstance(key, yaml.ScalarNode) and key.value == "initiatives"]
        if not found:
            return [], [Problem(root.start_mark.line + 1, None, say("initiatives.yaml_no_list"))]
        root = found[0]
        if _is_null(root):
            return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [Problem(root.start_mark.line + 1, None, say("initiatives.yaml_list_expected"))]
    rows: list[_Row] = []
    problems: list[Problem] = []
    for item in root.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(line, None, say("initiatives.yaml_item_not_mapping")))
            continue
        rows.append(_yaml_row(item, line, problems))
    return rows, problems


def _yaml_row(item: yaml.MappingNode, line: int, problems: list[Problem]) -> _Row:
    """One initiative of a YAML file: its fields as written; problems of its keys and values."""
    row = _Row(line)
    for key, value in item.value:
        if not isinstance(key, yaml.ScalarNode):
            problems.append(Problem(key.start_mark.line + 1, None, say("initiatives.yaml_key_unreadable")))
            continue
        name = field_name(key.value)
        value_line = value.start_mark.line + 1
        if name not in FIELDS:
            problems.append(Problem(key.start_mark.line + 1, key.value, _unknown_field(name)))
        elif name in row.values:
            problems.append(Problem(key.start_mark.line + 1, key.value, say("initiatives.yaml_field_twice")))
        elif isinstance(value, yaml.ScalarNode):
            # The text as written: no YAML typing (07341 stays "07341", not an octal number).
            row.values[name] = ("" if _is_null(value) else value.value, value_line)
        elif isinstance(value, yaml.SequenceNode) and all(isinstance(v, yaml.ScalarNode) for v in value.value):
            row.values[name] = (", ".join(v.value for v in value.value if not _is_null(v)), value_line)
        else:
            problems.append(Problem(value_line, key.value, say("initiatives.yaml_value_not_text")))
    return row


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _is_example(row: _Row) -> bool:
    name = _clean(row.values.get("nom", ("", 0))[0])
    return normalize(name).startswith(normalize(EXAMPLE_MARK))


def _field_order(name: str | None) -> int:
    key = field_name(name) if name else ""
    return FIELDS.index(key) if key in FIELDS else -1


def _clean(value: str) -> str:
    """One line of plain text: control characters removed, runs of spaces and line breaks collapsed."""
    return " ".join(_CONTROL.sub(" ", value).split())


# -- validation ---------------------------------------------------------------------------------


class _Validator:
    def __init__(self, territory: Territory):
        self.territory = territory
        self.codes = set(territory.commune_codes)
        self.by_name = {normalize(c.name): c for c in territory.communes}
        self.cog = load_cog()

    def validate(self, row: _Row) -> tuple[Initiative | None, list[Problem]]:
        problems: list[Problem] = []
        values: dict[str, str] = {}
        for name in FIELDS:
            raw, line = row.values.get(name, ("", row.line))
            text = _clean(raw)
            limit = MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
            if len(text) > limit:
                problems.append(Problem(line, name, say("initiatives.too_long", length=len(text), limit=limit)))
            values[name] = text

        def line_of(name: str) -> int:
            return row.values.get(name, ("", row.line))[1]

        if not values["nom"]:
            problems.append(Problem(line_of("nom"), "nom", say("initiatives.name_missing")))
        communes = self._communes(values["commune"], line_of("commune"), problems)
        categorie = self._category(values["categorie"], line_of("categorie"), problems)
        statut = self._status(values["statut"], line_of("statut"), problems)
        debut = self._date(values["date_debut"], line_of("date_debut"), problems)
        self._link(values["lien"], line_of("lien"), problems)
        if problems:
            return None, problems
        return Initiative(
            line=row.line, nom=values["nom"], porteur=values["porteur"], theme=values["theme"], categorie=categorie,
            communes=communes, statut=statut, date_debut=debut, contact=values["contact"], lien=values["lien"],
            description=values["description"],
        ), []

    def _communes(self, value: str, line: int, problems: list[Problem]) -> tuple[str, ...]:
        if not value:
            return ()
        tokens = [t for t in _CODE_SEPARATORS.split(value) if t]
        if any(not re.fullmatch(r"\d+|2[AaBb]\d+", t) for t in tokens):
            # A name, not codes: say which code it would be when it is a commune of the territory.
            commune = self.by_name.get(normalize(value))
            problems.append(Problem(line, "commune", say("initiatives.commune_named", value=value, commune=commune)))
            return ()
        found: list[str] = []
        for token in tokens:
            code = token.upper()
            if code in self.codes:
                if code not in found:
                    found.append(code)
                continue
            problems.append(Problem(line, "commune", self._code_problem(code)))
        return tuple(found)

    def _code_problem(self, code: str) -> str:
        if not COMMUNE_CODE_RE.match(code):
            padded = code.zfill(5)
            if code.isdigit() and len(code) == 4 and padded in self.codes:
                return say("initiatives.code_leading_zero", code=code, padded=padded)
            return say("initiatives.code_invalid", code=code)
        current = self.cog.current_commune_for_former_code(code)
        if current is not None and current.code in self.codes:
            former = self.cog.delegated_commune(code)
            return say("initiatives.code_former", code=code, former=former.name if former else None, current=current)
        known = self.cog.commune(code)
        return say("initiatives.code_outside", code=code, known=known.name if known else None,
                   territory=self.territory.name)

    @staticmethod
    def _category(value: str, line: int, problems: list[Problem]) -> str | None:
        if not value:
            return None
        key = category_key(value)
        if key is None:
            problems.append(Problem(line, "categorie", say("initiatives.category_unknown", value=value,
                                                           choices=list(CATEGORY_WORDS.values()))))
        return key

    @staticmethod
    def _status(value: str, line: int, problems: list[Problem]) -> str | None:
        if not value:
            return None
        status = _STATUS_SPELLINGS.get(normalize(value))
        if status is None:
            problems.append(Problem(line, "statut", say("initiatives.status_unknown", value=value, choices=STATUSES)))
        return status

    @staticmethod
    def _date(value: str, line: int, problems: list[Problem]) -> date | None:
        if not value:
            return None
        iso, fr = _ISO_DATE.match(value), _FR_DATE.match(value)
        try:
            if iso:
                return date(int(iso[1]), int(iso[2]), int(iso[3]))
            if fr:
                return date(int(fr[3]), int(fr[2]), int(fr[1]))
        except ValueError:
            problems.append(Problem(line, "date_debut", say("initiatives.date_impossible", value=value)))
            return None
        problems.append(Problem(line, "date_debut", say("initiatives.date_unreadable", value=value)))
        return None

    @staticmethod
    def _link(value: str, line: int, problems: list[Problem]) -> None:
        if not value:
            return
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
            problems.append(Problem(line, "lien", say("initiatives.link_refused", value=value)))


def category_key(value: str) -> str | None:
    """The key of CATEGORIES a text names ("Économique", "ressources humaines" …), or None."""
    words = normalize(value).split()
    if words and words[0] == "ressources":
        words = words[1:]
    if len(words) != 1:
        return None
    word = words[0].rstrip("s")
    return next((key for key in CATEGORIES if key.rstrip("s") == word), None)


# -- template -----------------------------------------------------------------------------------


def _example(name: str) -> str:
    """The hint in one cell of the template's example row: the choices of a short list, else a text."""
    if name == "categorie":
        return " | ".join(CATEGORY_WORDS.values())
    if name == "statut":
        return " | ".join(STATUSES)
    return say(f"initiatives.example_{name}", mark=EXAMPLE_MARK)


EXAMPLE_ROW = {name: _example(name) for name in FIELDS}


def template_bytes(kind: str) -> bytes:
    """The empty template: the header (CSV) or the comments (YAML) and one example row."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(FIELDS)
        writer.writerow([EXAMPLE_ROW[f] for f in FIELDS])
        # With a BOM, spreadsheets open the accents right; diagterr reads it with or without.
        return buffer.getvalue().encode("utf-8-sig")
    body = yaml.safe_dump([EXAMPLE_ROW], allow_unicode=True, sort_keys=False, width=100)
    header = say("initiatives.yaml_header", categories=CATEGORY_WORDS.values(), statuses=STATUSES,
                 mark=EXAMPLE_MARK)
    return (header + "\n" + body).encode("utf-8")


def write_template(path: Path, force: bool = False) -> str:
    """Write the template at `path` (CSV or YAML by its extension); returns the kind written.

    An existing file is kept unless `force`: BadInputError.
    """
    path = Path(path)
    kind = file_kind(path, reading=False)
    if path.is_dir():
        raise BadInputError(say("initiatives.is_a_folder", path=path, default=DEFAULT_TEMPLATE))
    if not path.parent.is_dir():
        raise BadInputError(say("initiatives.no_folder", folder=path.parent))
    data = template_bytes(kind)
    try:
        if force:
            write_bytes_atomic(path, data)
        else:
            with path.open("xb") as handle:  # refuses an existing file, without a race
                handle.write(data)
    except FileExistsError:
        raise BadInputError(say("initiatives.exists", path=path)) from None
    except OSError as error:
        raise BadInputError(say("initiatives.cannot_write", path=path, error=error.strerror or error)) from None
    return kind
