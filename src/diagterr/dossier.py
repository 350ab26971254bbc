"""The dossier as plain, frozen data: what the themes produce and the renderer reads.

No I/O here and no formatting: values are numbers (or None with the reason they are
missing); the renderer formats them in French in one place (render/formatting.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

# How a number is formatted and how it may be aggregated:
#   count   summed over communes (habitants, logements), shown without decimals
#   rate    a share in percent, recomputed from summed parts, shown with one decimal
#   ratio   a quotient of two sums (density, persons per household)
#   median  not aggregable over communes: only published values are shown
#   amount  euros
#   index   a dimensionless index (base 100, ageing index)
ValueKind = Literal["count", "rate", "ratio", "median", "amount", "index", "area"]

ComparisonLevel = Literal["departement", "region", "france"]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a figure comes from: the annex lists every source referenced."""

    source_id: str  # key of sources/registry.py, e.g. "insee_comparateur"
    vintage: str  # millésime of the data, e.g. "RP 2018", "PL 2023"
    geo_vintage: str  # geography the data is published in, e.g. "COG 2022"
    table: str | None = None  # the store table read: tells apart the annex rows of one source id


@dataclass(frozen=True, slots=True)
class Comparison:
    """The same indicator for a comparison level (département, région, France)."""

    level: ComparisonLevel
    code: str  # "69", "84", "FR"
    name: str  # "Rhône"
    value: float | None
    missing_reason: str | None = None
    coverage: str | None = None  # French: the communes its sums cover, when a few lack a value


@dataclass(frozen=True, slots=True)
class Indicator:
    """One figure of the dossier, with its comparisons and its source."""

    id: str  # stable identifier, e.g. "population_rp"; key of indicateurs.json
    label: str  # French label, e.g. "Population (recensement)"
    value: float | None
    unit: str  # French unit shown after the number: "habitants", "%", "hab./km²", "€"
    kind: ValueKind
    period: str  # "2018", "2013-2018"
    source: SourceRef
    comparisons: tuple[Comparison, ...] = ()
    missing_reason: str | None = None  # French, set when value is None
    note: str | None = None  # French, a limit worth reading (e.g. median not aggregable)
    decimals: int | None = None  # None: the default of the kind


@dataclass(frozen=True, slots=True)
class IndicatorTable:
    """A block of indicators shown as rows: territory, then each comparison level."""

    title: str
    indicators: tuple[Indicator, ...]
    kind: Literal["indicators"] = "indicators"


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    kind: ValueKind | Literal["text"] = "text"
    decimals: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A plain table (e.g. one row per commune). Cells are str, float or None (missing)."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str | float | None, ...], ...]
    source: SourceRef | None = None
    note: str | None = None
    kind: Literal["table"] = "table"


@dataclass(frozen=True, slots=True)
class Series:
    label: str  # "CC du Pays de l'Arbresle", "Rhône", "France"
    x: tuple[str, ...]  # periods or categories
    y: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart drawn by render/charts.py (matplotlib to SVG)."""

    id: str
    title: str
    chart: Literal["line", "bar", "hbar", "stacked_bar", "stripes", "pyramid"]  # stripes: one series of deviations
    # pyramid: series in (men, women) pairs over the same age brackets (youngest first), as shares
    # of each place's population; the first pair is the territory (bars), the second, optional,
    # one comparison level (outline)
    series: tuple[Series, ...]
    value_kind: ValueKind
    unit: str
    source: SourceRef
    note: str | None = None
    kind: Literal["chart"] = "chart"


@dataclass(frozen=True, slots=True)
class CommuneMap:
    """A map of the territory's communes, drawn by render/maps.py on shipped boundaries.

    values: commune code -> value for a choropleth, or empty for a plain map of the communes.
    """

    id: str
    title: str
    values: tuple[tuple[str, float | None], ...]
    value_kind: ValueKind | None
    unit: str
    source: SourceRef
    labels: bool = True  # print commune names on the map
    note: str | None = None
    kind: Literal["map"] = "map"


ZoneLevel = Literal["EPCI", "COM"]


@dataclass(frozen=True, slots=True)
class ZoneMap:
    """A choropleth of the zones around the territory (the EPCI of its région, the communes of its
    département), drawn by render/maps.py on the national outlines the pipeline reads for it.

    values: zone code -> value (None: no published value, hatched); outlined: the zones drawn with the
    accent outline (the territory); labels: zone code -> short label for the few zones named on the map.
    """

    id: str
    title: str
    level: ZoneLevel
    values: tuple[tuple[str, float | None], ...]
    outlined: tuple[str, ...]
    value_kind: ValueKind
    unit: str
    source: SourceRef
    breaks: str | None = None  # French: how the class breaks are drawn (« quantiles des EPCI de la région »)
    labels: tuple[tuple[str, str], ...] = ()
    note: str | None = None
    # No figure mapped: the zones drawn flat, the labelled ones other than the territory tinted and
    # numbered, their names in the legend (the map of the nearest comparable territories).
    plain: bool = False
    kind: Literal["zone_map"] = "zone_map"


# What fills a gap: an online edition, a national file the consultant imports once, or nothing
# (the producer published no value for the territory).
GapRemedy = Literal["online", "import", "unpublished"]


@dataclass(frozen=True, slots=True)
class Note:
    """A paragraph of French text: a method, a limit, a rule applied, or a datum the dossier lacks.

    A gap note (tone "gap") names the source it lacks: `text` says in plain words what is missing
    (« les modes de transport domicile-travail »), `detail` the technical side for the annex
    (dataset ids, hosts, what to run). When the dossier is assembled, the gap notes of a chapter
    are folded into one box (missing_data.fold_chapter_gaps).
    """

    text: str
    tone: Literal["info", "limit", "gap"] = "info"
    source_id: str | None = None  # gap: key of sources/registry.py of the source lacking
    detail: str | None = None  # gap: French, technical, for the annex only
    remedy: GapRemedy = "online"  # gap: what fills it
    kind: Literal["note"] = "note"


Block = IndicatorTable | Table | Chart | CommuneMap | ZoneMap | Note


@dataclass(frozen=True, slots=True)
class Section:
    id: str  # "demographie": html anchor and key in indicateurs.json
    title: str  # "Démographie"
    intro: str  # one or two French sentences that say what the section reads
    blocks: tuple[Block, ...]


class EnjeuKind(StrEnum):
    """The three columns of the enjeux page (the values are the renderer's keys)."""

    ATOUT = "atout"
    FRAGILITE = "fragilite"
    QUESTION = "question"


# How many enjeux of each kind page 4 aims at; a column with fewer says so in a plain sentence.
ENJEUX_WANTED: dict[str, int] = {EnjeuKind.ATOUT: 3, EnjeuKind.FRAGILITE: 3, EnjeuKind.QUESTION: 5}


@dataclass(frozen=True, slots=True)
class Enjeu:
    """One issue for the first workshop, tied to the figure it comes from."""

    kind: EnjeuKind
    text: str
    indicator_id: str | None
    theme: str | None = None  # the section id of the chapter it speaks of
    rule: str | None = None  # the id of the rule that gave it (themes/enjeux.py)
    indicators: tuple[str, ...] = ()  # every indicator id it rests on, `indicator_id` first


@dataclass(frozen=True, slots=True)
class AtelierReading:
    """What page 4 reads beside the rules' enjeux (themes/en_bref.py): the Atelier's focus theme,
    the territory's internal contrasts (themes/contrasts.py), the consultant's inventory by theme."""

    focus: str | None = None  # the section id of the Atelier's theme (--focus, focus:)
    focus_title: str = ""
    focus_lacking: str | None = None  # French: what this edition lacks of the focus theme
    focus_questions: tuple[Enjeu, ...] = ()  # the questions the missing figures would have answered
    contrasts: tuple[Enjeu, ...] = ()
    contrast_chart: Chart | None = None  # the growth by commune (None: a single commune, no data)
    initiatives: tuple[tuple[str, str], ...] = ()  # (section id, French sentence) by theme
    without_initiative: str | None = None  # French: the communes no initiative names


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One row of the annex "Sources et méthodes", made from a store manifest."""

    source_id: str
    title: str
    producer: str
    vintage: str
    geo_vintage: str
    origin: str  # URL, or the file the sample was built from
    retrieved: str  # date of retrieval or of the file
    licence: str
    method: str | None = None  # how it was processed (trimming, harmonisation rule)
    table: str | None = None  # the store table the row describes (None: not a table)


@dataclass(frozen=True, slots=True)
class Gap:
    """A source the edition lacks (failed, absent, or only readable online): one per source.

    The exit code, batch.json, indicateurs.json and the annex all read the dossier's gaps.
    """

    source_id: str
    message: str  # French
    chapters: tuple[str, ...] = ()  # ids of the sections whose box names it


@dataclass(frozen=True, slots=True)
class MissingPart:
    """One datum a chapter lacks, as the annex « Données manquantes » lists it."""

    section_id: str
    section_title: str
    source_id: str
    what: str  # plain French, as in the chapter's box
    detail: str | None  # technical French: dataset ids, hosts, what to run
    remedy: GapRemedy = "online"


@dataclass(frozen=True, slots=True)
class TerritorySummary:
    code: str
    name: str
    kind_label: str  # "Commune", "Communauté de communes", "Périmètre de communes"
    communes: tuple[tuple[str, str], ...]  # (code, name), sorted by name
    departements: tuple[tuple[str, str], ...]  # (code, name)
    regions: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ProfileVariable:
    """A figure of the comparable territories' profile (tables.profiles.PROFILE_VARIABLES)."""

    id: str  # "unemployment_pct"
    label: str  # French
    unit: str
    kind: ValueKind
    period: str  # "2018", "2013-2018"


@dataclass(frozen=True, slots=True)
class PeerRow:
    """One territory among the comparable ones (the dossier's own territory included), its profile
    figures read from the national profile table (None: a part missing or secret there)."""

    code: str
    name: str
    departements: tuple[tuple[str, str], ...]  # (code, name)
    values: tuple[tuple[str, float | None], ...]  # ProfileVariable id -> value
    distance_km: float | None = None  # between the centres (None for the territory itself)
    similarity_rank: int | None = None  # 1 = the most similar of France
    closest: tuple[str, ...] = ()  # the profile variables where it is nearest the territory


@dataclass(frozen=True, slots=True)
class Comparables:
    """The comparable territories of a commune or an EPCI (diagterr.peers), as the chapter
    « Territoires comparables », indicateurs.json and the cohort synthesis read them."""

    level: str  # "COM" or "EPCI"
    method: str  # French: how they were found
    variables: tuple[ProfileVariable, ...]  # the figures of every PeerRow, in order
    similarity_variables: tuple[str, ...]  # the ids the resemblance is computed on
    territory: PeerRow
    nearest: tuple[PeerRow, ...]
    similar: tuple[PeerRow, ...]  # empty when the consultant chose the list
    chosen: tuple[PeerRow, ...]  # the consultant's list (--comparer, comparer:)
    source: SourceRef
    missing_reason: str  # French: why a figure may be None


@dataclass(frozen=True, slots=True)
class Dossier:
    territory: TerritorySummary
    edition_date: date
    situation_date: str  # "Situation connue au …": latest data vintage used, e.g. "PL 2023"
    key_figures: tuple[Indicator, ...]
    enjeux: tuple[Enjeu, ...]
    sections: tuple[Section, ...]
    sources: tuple[SourceEntry, ...]
    gaps: tuple[Gap, ...] = ()  # the sources the edition lacks, each once (missing_data.edition_gaps)
    missing: tuple[MissingPart, ...] = ()  # what each chapter lacks, for the annex
    methods: tuple[str, ...] = field(default=())  # French paragraphs for the annex
    comparables: Comparables | None = None  # None for a list of communes, or without the profile table
    reading: AtelierReading = field(default_factory=AtelierReading)  # page 4 beside the enjeux

    def indicators(self) -> list[tuple[str, Indicator]]:
        """Every indicator of the dossier with the id of its section, in reading order."""
        found: list[tuple[str, Indicator]] = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, IndicatorTable):
                    found.extend((section.id, ind) for ind in block.indicators)
        return found
