"""Habitat: the housing stock, main / secondary / vacant dwellings, owners.

Offline, the comparateur de territoires (RP 2013/2018) and the RP 2021 IRIS bases. Online, the
census read from Melodi adds the stock by category at every census since 1968
(DS_RP_SERIE_HISTORIQUE), the tenure of main residences (TSH) and their construction period
(BUILD_END) from DS_RP_LOGEMENT_PRINC, each against the département, the région and France.
Every share is recomputed from summed counts; a code we cannot label is shown with its raw code.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from diagterr.aggregate import ratio
from diagterr.dossier import (
    Chart,
    Column,
    CommuneMap,
    IndicatorTable,
    Note,
    Section,
    Series,
    SourceRef,
    Table,
)
from diagterr.tables import TableSpec
from diagterr.tables.census import (
    ANSWERS,
    COMPARATEUR,
    RP2021_IRIS,
    RP2022_PTOD_EPCI,
    RP_LOGEMENT,
    RP_SERIE_HISTORIQUE,
    TENURE_SHORT_LABELS,
    TENURE_SUBTOTALS,
)
from diagterr.texts import say
from diagterr.themes import ptod_epci, series
from diagterr.themes.demographie import census_periods
from diagterr.themes.figures import Figures, Getter, Reading, place_label

SERIES_DATASET = "DS_RP_SERIE_HISTORIQUE"
LOGEMENT_DATASET = "DS_RP_LOGEMENT_PRINC"
_PERIOD_CODE = re.compile(r"^Y(?:_LT(\d{4})|(\d{4})T(\d{4})|(\d{4})TAAAA|_GE(\d{4}))$")

_OCCUPANCY = (
    ("residences_principales", "Résidences principales"),
    ("residences_secondaires", "Résidences secondaires et logements occasionnels"),
    ("logements_vacants", "Logements vacants"),
)
# The rows of the stock table, in this order (themes/series.py: each figure's vintages together).
STOCK_ORDER = ("logements", "part_residences_principales", "part_residences_secondaires", "part_logements_vacants",
               "part_proprietaires", "part_locataires", "part_maisons")


def stock_indicators(fig: Figures, table: TableSpec, year: str, with_owners: bool) -> list:
    suffix = "" if table == COMPARATEUR else f"_{year}"
    out = [fig.count_indicator(f"logements{suffix}", "Logements", table, "logements", year, "logements", compare=table == COMPARATEUR)]
    for variable, label in _OCCUPANCY:
        out.append(
            fig.rate_indicator(
                f"part_{variable}{suffix}", say("habitat.label_share", label=label), table, variable, "logements", year,
                compare=table == COMPARATEUR,
            )
        )
    if with_owners:
        out.append(
            fig.rate_indicator(
                "part_proprietaires", say("habitat.label_owners"),
                table, "rp_proprietaires", "residences_principales", year,
            )
        )
    if table == RP2021_IRIS:
        out.append(
            fig.rate_indicator("part_maisons_2021", "Part des maisons", table, "maisons", "logements", year, compare=False)
        )
    return out


def occupancy_chart(fig: Figures, year: str) -> Chart:
    """Shares of main, secondary and vacant dwellings: territory against each comparison level."""
    # « France hors Mayotte »: the perimeter of the level's sums names it (figures.place_label)
    labels = [fig.territory.name] + [
        place_label(p, fig.place_value(COMPARATEUR, "logements", year, p).perimeter) for p in fig.comparison_places
    ]
    series = []
    for variable, label in _OCCUPANCY:
        values = []
        own_num = fig.territory_total(COMPARATEUR, variable, year).value
        own_den = fig.territory_total(COMPARATEUR, "logements", year).value
        values.append(ratio(own_num, own_den, 100))
        for place in fig.comparison_places:
            num = fig.place_value(COMPARATEUR, variable, year, place).value
            den = fig.place_value(COMPARATEUR, "logements", year, place).value
            values.append(ratio(num, den, 100))
        series.append(Series(label, tuple(labels), tuple(values)))
    return Chart(
        id="occupation_logements",
        title=say("habitat.occupancy_title", year=year),
        chart="stacked_bar",
        series=tuple(series),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "logements", year),
    )


def commune_table(fig: Figures, year: str) -> Table:
    names = {c.code: c.name for c in fig.territory.communes}
    stock = fig.commune_values(COMPARATEUR, "logements", year)
    secondary = fig.commune_values(COMPARATEUR, "residences_secondaires", year)
    vacant = fig.commune_values(COMPARATEUR, "logements_vacants", year)
    rows = []
    for code in fig.territory.commune_codes:
        total = stock[code].value
        rows.append(
            (names[code], stock[code].value, ratio(secondary[code].value, total, 100), ratio(vacant[code].value, total, 100))
        )
    rows.sort(key=lambda r: -(r[1] or 0))
    return Table(
        title=say("habitat.communes_title", year=year),
        columns=(Column("Commune"), Column("Logements", "count"), Column("Résidences secondaires", "rate"),
                 Column("Logements vacants", "rate")),
        rows=tuple(rows),
        source=fig.source(COMPARATEUR, "logements", year),
    )


def secondary_map(fig: Figures, year: str) -> CommuneMap:
    stock = fig.commune_values(COMPARATEUR, "logements", year)
    secondary = fig.commune_values(COMPARATEUR, "residences_secondaires", year)
    return CommuneMap(
        id="carte_residences_secondaires",
        title=say("habitat.secondary_map_title", year=year),
        values=tuple((c, ratio(secondary[c].value, stock[c].value, 100)) for c in fig.territory.commune_codes),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "logements", year),
    )


def analyse(fig: Figures) -> Section:
    blocks: list = []
    periods = census_periods(fig)
    # The stock at every census the store holds, one table: each share's vintages together.
    stock: list = []
    if periods:
        stock.append(IndicatorTable("", tuple(stock_indicators(fig, COMPARATEUR, periods[1], True))))
    stock.extend(_first_answer(fig, "logements", {RP_LOGEMENT: _melodi_stock, RP2021_IRIS: _iris_stock}))
    stock.extend(_first_answer(fig, "occupation_logements_epci",
                               {RP_LOGEMENT: _melodi_occupation, RP2022_PTOD_EPCI: _republished_occupation}))
    blocks.extend(series.merge(stock, lambda years, _: say("habitat.stock_title", years=years), STOCK_ORDER))
    if periods:
        blocks.append(occupancy_chart(fig, periods[1]))
    blocks.extend(stock_history(fig))
    if fig.table(RP_LOGEMENT) is not None:
        blocks.extend(tenure(fig))
        blocks.extend(construction(fig))
    elif blocks:
        blocks.append(Note(say("lacunes.habitat_census_detail"), tone="gap", source_id=RP_LOGEMENT.source_id,
                           detail=say("habitat.melodi_unavailable", logement_dataset=LOGEMENT_DATASET,
                                      series_dataset=SERIES_DATASET)))
    if periods and len(fig.territory.communes) > 1:
        blocks.append(commune_table(fig, periods[1]))
        blocks.append(secondary_map(fig, periods[1]))
    if not blocks:
        blocks.append(Note(say("lacunes.habitat_census"), tone="gap", source_id=COMPARATEUR.source_id,
                           detail=say("habitat.no_data"), remedy="import"))
    return Section(
        id="habitat",
        title="Habitat",
        intro=say("habitat.intro"),
        blocks=tuple(blocks),
    )


# -- which table answers (tables.census.ANSWERS) -----------------------------------------------

Answer = Callable[[Figures], list | None]  # the blocks of one table, None when it does not answer


def _first_answer(fig: Figures, key: str, answers: dict[TableSpec, Answer]) -> list:
    """The blocks of the first table of `ANSWERS[key]` that answers (none if no table does)."""
    for table in ANSWERS[key]:
        blocks = answers[table](fig)
        if blocks is not None:
            return blocks
    return []


def _melodi_stock(fig: Figures) -> list | None:
    year = fig.latest_period(RP_LOGEMENT, "logements")
    return [melodi_stock_indicators(fig, year)] if year else None


def _iris_stock(fig: Figures) -> list | None:
    if not fig.has(RP2021_IRIS):
        return None
    return [IndicatorTable("", tuple(stock_indicators(fig, RP2021_IRIS, "2021", False))),
            Note(say("habitat.iris_no_comparison"), tone="limit")]


def _melodi_occupation(fig: Figures) -> list | None:
    """Melodi answers: its shares are in its stock block and its tenure, nothing to add."""
    return [] if fig.latest_period(RP_LOGEMENT, "logements") else None


def _republished_occupation(fig: Figures) -> list | None:
    block = ptod_epci.housing_block(fig)
    return None if block is None else [block, Note(say("habitat.republished_note"), tone="limit")]


# -- Melodi: the census since 1968, tenure, construction period -------------------------------


def _years(fig: Figures, name: TableSpec, variable: str) -> list[str]:
    """The census years the table holds `variable` for, for the territory's communes."""
    frame = fig.table(name)
    if frame is None or frame.empty:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == variable) & frame["period"].str.fullmatch(r"\d{4}")]
    return sorted(set(rows["period"]))


def _codes(fig: Figures, name: TableSpec, prefix: str, period: str | None = None) -> dict[str, str]:
    """Code -> latest period, for the variables `<prefix><code>` of the territory's communes."""
    frame = fig.table(name)
    if frame is None or frame.empty:
        return {}
    rows = frame[(frame["geo_level"] == "COM") & frame["variable"].str.startswith(prefix)
                 & frame["period"].str.fullmatch(r"\d{4}")]
    if period is not None:
        rows = rows[rows["period"] == period]
    return {v.removeprefix(prefix): p for v, p in rows.groupby("variable")["period"].max().items()}


def _answered_empty(fig: Figures, table: TableSpec) -> bool:
    frame = fig.store.read(table.name)
    return frame is not None and frame.empty


def _place_share(fig: Figures, name: TableSpec, numerator: str, denominator: str, period: str, place=None) -> float | None:
    if place is None:
        num, den = fig.territory_total(name, numerator, period), fig.territory_total(name, denominator, period)
    else:
        num, den = fig.place_value(name, numerator, period, place), fig.place_value(name, denominator, period, place)
    return ratio(num.value, den.value, 100)


def stock_history(fig: Figures) -> list:
    """Dwellings by category at every census the series holds, and the vacancy and secondary-home
    shares against the comparison levels (recomputed from the counts)."""
    years = _years(fig, RP_SERIE_HISTORIQUE, "logements")
    if not years:
        if _answered_empty(fig, RP_SERIE_HISTORIQUE):
            return [Note(say("lacunes.habitat_history"), tone="gap", source_id=RP_SERIE_HISTORIQUE.source_id,
                         detail=say("habitat.history_answered_empty", dataset=SERIES_DATASET), remedy="unpublished")]
        return []
    first = fig.source(RP_SERIE_HISTORIQUE, "logements", years[0])
    vintage = say("habitat.history_vintage", first=years[0], last=years[-1]) if len(years) > 1 else first.vintage
    source = SourceRef(first.source_id, vintage, first.geo_vintage)
    stack = tuple(
        Series(label, tuple(years), tuple(fig.territory_total(RP_SERIE_HISTORIQUE, variable, y).value for y in years))
        for variable, label in _OCCUPANCY
    )
    blocks: list = [
        Chart(
            id="parc_logements_historique",
            title=say("habitat.history_title", first=years[0], last=years[-1]),
            chart="stacked_bar",
            series=stack,
            value_kind="count",
            unit="logements",
            source=source,
            note=say("habitat.history_chart_note"),
        )
    ]
    places = [None, *fig.comparison_places]
    names = [fig.territory.name, *(p.name for p in fig.comparison_places)]
    rows: list[tuple] = []
    for variable, label in (("logements_vacants", "Logements vacants"),
                            ("residences_secondaires", "Résidences secondaires")):
        for place, place_name in zip(places, names, strict=True):
            rows.append((say("habitat.history_row", label=label, place=place_name),
                         *(_place_share(fig, RP_SERIE_HISTORIQUE, variable, "logements", y, place) for y in years)))
    blocks.append(
        Table(
            title=say("habitat.history_share_title"),
            columns=(Column(""), *(Column(y, "rate") for y in years)),
            rows=tuple(rows),
            source=source,
            note=say("habitat.history_share_note"),
        )
    )
    return blocks


def melodi_stock_indicators(fig: Figures, year: str) -> IndicatorTable:
    indicators = [fig.count_indicator("logements_rp", "Logements", RP_LOGEMENT, "logements", year, "logements")]
    for variable, label in _OCCUPANCY:
        indicators.append(fig.rate_indicator(f"part_{variable}_rp", say("habitat.label_share", label=label),
                                             RP_LOGEMENT, variable, "logements", year))
    return IndicatorTable(say("habitat.stock_title", years=[year]), tuple(indicators))


def tenure(fig: Figures) -> list:
    """Owners, private tenants, HLM tenants, furnished, lodged free: shares of main residences."""
    found = _codes(fig, RP_LOGEMENT, "rp_statut_")
    if not found:
        return [Note(say("lacunes.habitat_tenure"), tone="gap", source_id=RP_LOGEMENT.source_id,
                     detail=say("habitat.tenure_none", dataset=LOGEMENT_DATASET), remedy="unpublished")]
    period = max(found.values())
    present = set(_codes(fig, RP_LOGEMENT, "rp_statut_", period))
    known = set(RP_LOGEMENT.labels)  # TSH code -> label (tables.census.TENURE_LABELS), in the order shown
    indicators = []
    parts: list[tuple[str, str]] = []
    for code, label in RP_LOGEMENT.labels.items():
        if code in present:
            parts.append((code, label))
            indicators.append(fig.rate_indicator(f"part_statut_{code}", label, RP_LOGEMENT, f"rp_statut_{code}",
                                                 "residences_principales", period))
        else:
            reason = say("habitat.tenure_code_absent", code=code, dataset=LOGEMENT_DATASET, period=period)
            indicators.append(fig.derived_indicator(f"part_statut_{code}", label, RP_LOGEMENT, period, "%", "rate",
                                                    _missing(reason),
                                                    vintage_of="residences_principales"))
    for code in sorted(present - known - TENURE_SUBTOTALS):
        label = say("habitat.tenure_unknown_label", code=code)
        parts.append((code, label))
        indicators.append(fig.rate_indicator(f"part_statut_{code}", label, RP_LOGEMENT, f"rp_statut_{code}",
                                             "residences_principales", period))
    blocks: list = [IndicatorTable(say("habitat.tenure_title", period=period), tuple(indicators))]
    if len(parts) >= 2:
        names = (fig.territory.name, *(p.name for p in fig.comparison_places))
        places = (None, *fig.comparison_places)
        blocks.append(
            Chart(
                id="statut_occupation",
                title=say("habitat.tenure_chart_title", period=period),
                chart="stacked_bar",
                series=tuple(
                    Series(TENURE_SHORT_LABELS.get(code) or say("habitat.tenure_short_raw", code=code), names,
                           tuple(_place_share(fig, RP_LOGEMENT, f"rp_statut_{code}", "residences_principales", period,
                                              place)
                                 for place in places))
                    for code, _ in parts
                ),
                value_kind="rate",
                unit="%",
                source=fig.source(RP_LOGEMENT, "residences_principales", period),
            )
        )
    blocks.append(Note(say("habitat.tenure_provenance"), tone="limit"))
    return blocks


def _missing(reason: str) -> Callable[[Getter], Reading]:
    """A figure that is missing at every level, for `reason`."""
    return lambda get: Reading(None, reason)


def period_interval(code: str, cutoff: int | None = None) -> tuple[int, int | None] | None:
    """`Y_LT1919` → (0, 1919); `Y1919T1945` → (1919, 1946); `Y2006TAAAA` → (2006, cutoff): the
    open period ends where the data's `Y_LT<year>` total ends; other codes → None."""
    match = _PERIOD_CODE.match(code)
    if not match:
        return None
    below, start, end, open_start, above = match.groups()
    if below:
        return 0, int(below)
    if start:
        return int(start), int(end) + 1
    if open_start:
        return int(open_start), cutoff
    return int(above), None


def period_label(code: str, cutoff: int | None = None) -> str:
    interval = period_interval(code, cutoff)
    if interval is None:
        return say("habitat.construction_unknown", code=code)
    start, end = interval
    if start == 0:
        return say("habitat.construction_before", year=end)
    if code.endswith("TAAAA") or end is None:
        return say("habitat.construction_after", year=start)
    return say("habitat.construction_between", start=start, last=end - 1)


def construction_partition(codes: set[str]) -> tuple[list[str], int | None]:
    """The finest chain of codes that cuts the whole known stock (from the first period to the
    data's cutoff) without overlap, and the cutoff year (`Y_LT<year>`'s, the latest) if any."""
    totals = [t for c in codes if c.startswith("Y_LT") and (t := period_interval(c)) is not None]
    cutoff = max((t[1] for t in totals if t[1] is not None), default=None)
    intervals = {c: i for c in codes if (i := period_interval(c, cutoff)) is not None}
    if not intervals:
        return [], cutoff
    ends = [i[1] for i in intervals.values()]
    last = max(e for e in ends if e is not None) if None not in ends else None
    by_start: dict[int, list[str]] = {}
    for code, (start, _) in intervals.items():
        by_start.setdefault(start, []).append(code)
    memo: dict[int, list[str] | None] = {}

    def walk(start: int) -> list[str] | None:
        if start not in memo:
            options = []
            for code in by_start.get(start, []):
                end = intervals[code][1]
                rest = [] if end == last else (None if end is None else walk(end))
                if rest is not None:
                    options.append([code, *rest])
            memo[start] = max(options, key=len) if options else None
        return memo[start]

    return walk(0) or [], cutoff


def construction(fig: Figures) -> list:
    """Main residences by construction period: shares of the stock whose period is known."""
    found = _codes(fig, RP_LOGEMENT, "rp_achevement_")
    if not found:
        return [Note(say("lacunes.habitat_construction"), tone="gap", source_id=RP_LOGEMENT.source_id,
                     detail=say("habitat.construction_none", dataset=LOGEMENT_DATASET), remedy="unpublished")]
    period = max(found.values())
    codes = set(_codes(fig, RP_LOGEMENT, "rp_achevement_", period))
    chain, cutoff = construction_partition(codes)
    blocks: list = []
    if chain:
        variables = [f"rp_achevement_{c}" for c in chain]

        def known(get) -> Reading:
            readings = [get(v, period) for v in variables]
            missing = next((r for r in readings if r.value is None), None)
            if missing is not None:
                return Reading(None, missing.missing_reason)
            return Reading(sum(r.value for r in readings))

        def share(variable: str):
            def compute(get) -> Reading:
                part, whole = get(variable, period), known(get)
                if part.value is None or whole.value is None:
                    return Reading(None, part.missing_reason or whole.missing_reason)
                return Reading(ratio(part.value, whole.value, 100))
            return compute

        labels = [period_label(c, cutoff) for c in chain]
        indicators = tuple(
            fig.derived_indicator(f"part_achevement_{c}", say("habitat.construction_label", label=label),
                                  RP_LOGEMENT, period, "%", "rate", share(v), vintage_of=v)
            for c, label, v in zip(chain, labels, variables, strict=True)
        )
        blocks.append(IndicatorTable(say("habitat.construction_title", period=period, cutoff=cutoff), indicators))
        places = (fig.territory.name, *(p.name for p in fig.comparison_places))
        blocks.append(
            Chart(
                id="periode_achevement",
                title=say("habitat.construction_chart_title", period=period),
                chart="hbar",
                series=tuple(
                    Series(name, tuple(labels), tuple(i.value if n == 0 else i.comparisons[n - 1].value
                                                      for i in indicators))
                    for n, name in enumerate(places)
                ),
                value_kind="rate",
                unit="%",
                source=fig.source(RP_LOGEMENT, variables[0], period),
                note=say("habitat.construction_chart_note"),
            )
        )
    unknown = sorted(c for c in codes if period_interval(c, cutoff) is None)
    if unknown:
        blocks.append(IndicatorTable(
            say("habitat.construction_unknown_title", period=period),
            tuple(fig.count_indicator(f"rp_achevement_{c}", say("habitat.construction_unknown_label",
                                                                label=period_label(c)),
                                      RP_LOGEMENT, f"rp_achevement_{c}", period, "logements") for c in unknown),
        ))
    if not blocks:
        blocks.append(Note(say("lacunes.habitat_construction"), tone="gap", source_id=RP_LOGEMENT.source_id,
                           detail=say("habitat.construction_no_partition", codes=sorted(codes)),
                           remedy="unpublished"))
    blocks.append(Note(say("habitat.construction_codes_note"), tone="limit"))
    return blocks
