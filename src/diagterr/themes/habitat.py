"""Habitat: the housing stock, main / secondary / vacant dwellings, owners.

Offline, the comparateur de territoires (RP 2013/2018) and the RP 2021 IRIS bases. Online, the
census read from Melodi adds the stock by category at every census since 1968
(DS_RP_SERIE_HISTORIQUE), the tenure of main residences (TSH) and their construction period
(BUILD_END) from DS_RP_LOGEMENT_PRINC, each against the département, the région and France.
Every share is recomputed from summed counts; a code we cannot label is shown with its raw code.
"""

from __future__ import annotations

import re

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
from diagterr.themes import ptod_epci
from diagterr.themes.demographie import COMPARATEUR, RP2021_IRIS, census_periods
from diagterr.themes.figures import Figures, Reading

SERIES = "rp_serie_historique"  # Melodi DS_RP_SERIE_HISTORIQUE (sources.melodi_census)
LOGEMENT = "rp_logement"  # Melodi DS_RP_LOGEMENT_PRINC
SERIES_DATASET = "DS_RP_SERIE_HISTORIQUE"
LOGEMENT_DATASET = "DS_RP_LOGEMENT_PRINC"

# TSH codes of main residences (sources.melodi_census: france_opendata 0.50.0 and an independent
# public import script agree; third-party claims, INSEE's code list was not read).
TENURE = (
    ("100", "Propriétaires occupants"),
    ("211", "Locataires d'un logement vide du parc privé (non HLM)"),
    ("221", "Locataires d'un logement HLM loué vide"),
    ("212_222", "Locataires d'un logement meublé ou d'une chambre d'hôtel"),
    ("300", "Logés gratuitement"),
)
TENURE_SHORT = {"100": "Propriétaires", "211": "Locataires du privé", "221": "Locataires HLM",
                "212_222": "Meublés, hôtels", "300": "Logés gratuitement"}
TENURE_SUBTOTALS = frozenset({"200"})  # all tenants = 211 + 212_222 + 221
TENURE_PROVENANCE = (
    "Libellés des codes de statut d'occupation (TSH) de l'INSEE : 100 propriétaires, 211 locataires d'un "
    "logement vide non HLM, 221 locataires d'un logement HLM vide, 212_222 meublés et chambres d'hôtel, "
    "300 logés gratuitement, tels que les lisent deux outils publics qui interrogent l'API Melodi "
    "(france_opendata 0.50.0 et un script d'import indépendant) ; la liste de codes de l'INSEE n'a pas été "
    "consultée. Le statut HLM est celui que déclare le ménage au recensement : ce n'est pas le décompte des "
    "logements sociaux (RPLS)."
)
_PERIOD_CODE = re.compile(r"^Y(?:_LT(\d{4})|(\d{4})T(\d{4})|(\d{4})TAAAA|_GE(\d{4}))$")

_OCCUPANCY = (
    ("residences_principales", "Résidences principales"),
    ("residences_secondaires", "Résidences secondaires et logements occasionnels"),
    ("logements_vacants", "Logements vacants"),
)


def stock_indicators(fig: Figures, table: str, year: str, with_owners: bool) -> list:
    suffix = "" if table == COMPARATEUR else f"_{year}"
    out = [fig.count_indicator(f"logements{suffix}", "Logements", table, "logements", year, "logements", compare=table == COMPARATEUR)]
    for variable, label in _OCCUPANCY:
        out.append(
            fig.rate_indicator(
                f"part_{variable}{suffix}", f"Part des {label.lower()}", table, variable, "logements", year,
                compare=table == COMPARATEUR,
            )
        )
    if with_owners:
        out.append(
            fig.rate_indicator(
                "part_proprietaires", "Part des résidences principales occupées par leur propriétaire",
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
    labels = [fig.territory.name] + [p.name for p in fig.comparison_places]
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
        title=f"Occupation des logements en {year} (% du parc)",
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
        title=f"Logements par commune en {year}",
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
        title=f"Part des résidences secondaires en {year} (%)",
        values=tuple((c, ratio(secondary[c].value, stock[c].value, 100)) for c in fig.territory.commune_codes),
        value_kind="rate",
        unit="%",
        source=fig.source(COMPARATEUR, "logements", year),
    )


def analyse(fig: Figures) -> Section:
    blocks: list = []
    periods = census_periods(fig)
    melodi_year = fig.latest_period(LOGEMENT, "logements")
    if periods:
        year = periods[1]
        blocks.append(IndicatorTable(f"Parc de logements (recensement {year})", tuple(stock_indicators(fig, COMPARATEUR, year, True))))
        blocks.append(occupancy_chart(fig, year))
    if melodi_year:
        blocks.append(melodi_stock_indicators(fig, melodi_year))
    elif fig.has(RP2021_IRIS):
        blocks.append(IndicatorTable("Parc de logements (recensement 2021)", tuple(stock_indicators(fig, RP2021_IRIS, "2021", False))))
        blocks.append(
            Note(
                "Recensement 2021 : les valeurs des départements, régions et de la France ne figurent pas dans les "
                "données hors ligne ; la comparaison se lit sur le recensement précédent ci-dessus.",
                tone="limit",
            )
        )
    if not melodi_year:
        republished = ptod_epci.housing_block(fig)
        if republished is not None:
            blocks.append(republished)
    blocks.extend(stock_history(fig))
    if fig.table(LOGEMENT) is not None:
        blocks.extend(tenure(fig))
        blocks.extend(construction(fig))
    elif blocks:
        blocks.append(
            Note(
                f"Statut d'occupation détaillé (locataires du parc privé, HLM, logés gratuitement), période de "
                f"construction et parc depuis 1968 : non disponibles hors ligne ; ils viennent du recensement de "
                f"l'INSEE ({LOGEMENT_DATASET}, {SERIES_DATASET}), lu en ligne dans l'API Melodi.",
                tone="gap",
            )
        )
    if periods and len(fig.territory.communes) > 1:
        blocks.append(commune_table(fig, periods[1]))
        blocks.append(secondary_map(fig, periods[1]))
    if not blocks:
        blocks.append(Note("Aucune donnée sur le logement disponible pour ce territoire.", tone="gap"))
    return Section(
        id="habitat",
        title="Habitat",
        intro="Le parc de logements et son occupation : résidences principales, secondaires, logements vacants, "
        "propriétaires occupants et locataires, âge du parc.",
        blocks=tuple(blocks),
    )


# -- Melodi: the census since 1968, tenure, construction period -------------------------------


def _years(fig: Figures, name: str, variable: str) -> list[str]:
    """The census years the table holds `variable` for, for the territory's communes."""
    frame = fig.table(name)
    if frame is None or frame.empty:
        return []
    rows = frame[(frame["geo_level"] == "COM") & (frame["variable"] == variable) & frame["period"].str.fullmatch(r"\d{4}")]
    return sorted(set(rows["period"]))


def _codes(fig: Figures, name: str, prefix: str, period: str | None = None) -> dict[str, str]:
    """Code -> latest period, for the variables `<prefix><code>` of the territory's communes."""
    frame = fig.table(name)
    if frame is None or frame.empty:
        return {}
    rows = frame[(frame["geo_level"] == "COM") & frame["variable"].str.startswith(prefix)
                 & frame["period"].str.fullmatch(r"\d{4}")]
    if period is not None:
        rows = rows[rows["period"] == period]
    return {v.removeprefix(prefix): p for v, p in rows.groupby("variable")["period"].max().items()}


def _answered_empty(fig: Figures, name: str) -> bool:
    frame = fig.store.read(name)
    return frame is not None and frame.empty


def _place_share(fig: Figures, name: str, numerator: str, denominator: str, period: str, place=None) -> float | None:
    if place is None:
        num, den = fig.territory_total(name, numerator, period), fig.territory_total(name, denominator, period)
    else:
        num, den = fig.place_value(name, numerator, period, place), fig.place_value(name, denominator, period, place)
    return ratio(num.value, den.value, 100)


def stock_history(fig: Figures) -> list:
    """Dwellings by category at every census the series holds, and the vacancy and secondary-home
    shares against the comparison levels (recomputed from the counts)."""
    years = _years(fig, SERIES, "logements")
    if not years:
        if _answered_empty(fig, SERIES):
            return [Note(f"Parc de logements depuis 1968 : l'API Melodi de l'INSEE a répondu sans aucune observation "
                         f"pour ce territoire ({SERIES_DATASET}).", tone="gap")]
        return []
    first = fig.source(SERIES, "logements", years[0])
    source = SourceRef(first.source_id, f"RP {years[0]} à {years[-1]}" if len(years) > 1 else first.vintage,
                       first.geo_vintage)
    stack = tuple(
        Series(label, tuple(years), tuple(fig.territory_total(SERIES, variable, y).value for y in years))
        for variable, label in _OCCUPANCY
    )
    blocks: list = [
        Chart(
            id="parc_logements_historique",
            title=f"Logements par catégorie à chaque recensement, {years[0]}-{years[-1]}" if len(years) > 1
            else f"Logements par catégorie en {years[0]}",
            chart="stacked_bar",
            series=stack,
            value_kind="count",
            unit="logements",
            source=source,
            note="Somme des communes du territoire ; une barre absente est un recensement sans valeur pour "
            "toutes les communes.",
        )
    ]
    places = [None, *fig.comparison_places]
    names = [fig.territory.name, *(p.name for p in fig.comparison_places)]
    rows: list[tuple] = []
    for variable, label in (("logements_vacants", "Logements vacants"),
                            ("residences_secondaires", "Résidences secondaires")):
        for place, place_name in zip(places, names, strict=True):
            rows.append((f"{label} : {place_name}",
                         *(_place_share(fig, SERIES, variable, "logements", y, place) for y in years)))
    blocks.append(
        Table(
            title="Part des logements vacants et des résidences secondaires à chaque recensement (% des logements)",
            columns=(Column(""), *(Column(y, "rate") for y in years)),
            rows=tuple(rows),
            source=source,
            note="Parts recalculées à partir des nombres de logements sommés (territoire) ou publiés (département, "
            "région, France). Les logements occasionnels sont comptés avec les résidences secondaires.",
        )
    )
    return blocks


def melodi_stock_indicators(fig: Figures, year: str) -> IndicatorTable:
    indicators = [fig.count_indicator("logements_rp", "Logements", LOGEMENT, "logements", year, "logements")]
    for variable, label in _OCCUPANCY:
        indicators.append(fig.rate_indicator(f"part_{variable}_rp", f"Part des {label.lower()}", LOGEMENT, variable,
                                             "logements", year))
    return IndicatorTable(f"Parc de logements (recensement {year}, INSEE Melodi)", tuple(indicators))


def tenure(fig: Figures) -> list:
    """Owners, private tenants, HLM tenants, furnished, lodged free: shares of main residences."""
    found = _codes(fig, LOGEMENT, "rp_statut_")
    if not found:
        return [Note(f"Statut d'occupation des résidences principales : aucune donnée (codes TSH) dans la réponse de "
                     f"l'INSEE pour ce territoire ({LOGEMENT_DATASET}).", tone="gap")]
    period = max(found.values())
    present = set(_codes(fig, LOGEMENT, "rp_statut_", period))
    known = {code for code, _ in TENURE}
    indicators = []
    parts: list[tuple[str, str]] = []
    for code, label in TENURE:
        if code in present:
            parts.append((code, label))
            indicators.append(fig.rate_indicator(f"part_statut_{code}", label, LOGEMENT, f"rp_statut_{code}",
                                                 "residences_principales", period))
        else:
            reason = f"code TSH « {code} » absent de la réponse de l'INSEE ({LOGEMENT_DATASET}, recensement {period})"
            indicators.append(fig.derived_indicator(f"part_statut_{code}", label, LOGEMENT, period, "%", "rate",
                                                    lambda get, r=reason: Reading(None, r),
                                                    vintage_of="residences_principales"))
    for code in sorted(present - known - TENURE_SUBTOTALS):
        label = f"Statut d'occupation de code INSEE « {code} » (libellé inconnu)"
        parts.append((code, label))
        indicators.append(fig.rate_indicator(f"part_statut_{code}", label, LOGEMENT, f"rp_statut_{code}",
                                             "residences_principales", period))
    blocks: list = [IndicatorTable(f"Statut d'occupation des résidences principales (recensement {period}, "
                                   "% des résidences principales)", tuple(indicators))]
    if len(parts) >= 2:
        names = (fig.territory.name, *(p.name for p in fig.comparison_places))
        places = (None, *fig.comparison_places)
        blocks.append(
            Chart(
                id="statut_occupation",
                title=f"Statut d'occupation des résidences principales en {period} (%)",
                chart="stacked_bar",
                series=tuple(
                    Series(TENURE_SHORT.get(code, f"Code {code}"), names,
                           tuple(_place_share(fig, LOGEMENT, f"rp_statut_{code}", "residences_principales", period, place)
                                 for place in places))
                    for code, _ in parts
                ),
                value_kind="rate",
                unit="%",
                source=fig.source(LOGEMENT, "residences_principales", period),
            )
        )
    blocks.append(Note(TENURE_PROVENANCE, tone="limit"))
    return blocks


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
        return f"code INSEE « {code} » (libellé inconnu)"
    start, end = interval
    if start == 0:
        return f"Avant {end}"
    if code.endswith("TAAAA") or end is None:
        return f"{start} et après"
    return f"{start}-{end - 1}"


def construction_partition(codes: set[str]) -> tuple[list[str], int | None]:
    """The finest chain of codes that cuts the whole known stock (from the first period to the
    data's cutoff) without overlap, and the cutoff year (`Y_LT<year>`'s, the latest) if any."""
    totals = [period_interval(c) for c in codes if c.startswith("Y_LT")]
    cutoff = max((t[1] for t in totals if t), default=None)
    intervals = {c: period_interval(c, cutoff) for c in codes}
    intervals = {c: i for c, i in intervals.items() if i is not None}
    if not intervals:
        return [], cutoff
    ends = [i[1] for i in intervals.values()]
    last = None if None in ends else max(ends)
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
    found = _codes(fig, LOGEMENT, "rp_achevement_")
    if not found:
        return [Note(f"Période d'achèvement des résidences principales : aucune donnée (codes BUILD_END) dans la "
                     f"réponse de l'INSEE pour ce territoire ({LOGEMENT_DATASET}).", tone="gap")]
    period = max(found.values())
    codes = set(_codes(fig, LOGEMENT, "rp_achevement_", period))
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
            fig.derived_indicator(f"part_achevement_{c}", f"Période d'achèvement : {label}",
                                  LOGEMENT, period, "%", "rate", share(v), vintage_of=v)
            for c, label, v in zip(chain, labels, variables, strict=True)
        )
        scope = f"achevées avant {cutoff}" if cutoff else "dont la période d'achèvement est connue"
        blocks.append(IndicatorTable(f"Période d'achèvement des résidences principales (recensement {period}, % des "
                                     f"résidences principales {scope})", indicators))
        places = (fig.territory.name, *(p.name for p in fig.comparison_places))
        blocks.append(
            Chart(
                id="periode_achevement",
                title=f"Résidences principales selon la période d'achèvement, recensement {period} (%)",
                chart="hbar",
                series=tuple(
                    Series(name, tuple(labels), tuple(i.value if n == 0 else i.comparisons[n - 1].value
                                                      for i in indicators))
                    for n, name in enumerate(places)
                ),
                value_kind="rate",
                unit="%",
                source=fig.source(LOGEMENT, variables[0], period),
                note="Parts de la somme des périodes : les logements achevés dans les années qui précèdent le "
                "recensement ne sont pas répartis par l'INSEE.",
            )
        )
    unknown = sorted(c for c in codes if period_interval(c, cutoff) is None)
    if unknown:
        blocks.append(IndicatorTable(
            f"Périodes d'achèvement de code inconnu (recensement {period})",
            tuple(fig.count_indicator(f"rp_achevement_{c}", f"Résidences principales, {period_label(c)}", LOGEMENT,
                                      f"rp_achevement_{c}", period, "logements") for c in unknown),
        ))
    if not blocks:
        blocks.append(Note("Période d'achèvement des résidences principales : les codes lus ne forment pas une "
                           "partition des périodes (" + ", ".join(sorted(codes)) + ").", tone="gap"))
    blocks.append(Note("Codes de période (BUILD_END) lus dans deux scripts publics qui importent ce jeu de "
                       "l'INSEE ; « 2006 et après » s'arrête aux logements achevés avant le recensement "
                       "(Y2006TAAAA).", tone="limit"))
    return blocks
