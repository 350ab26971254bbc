"""Horizon 2050: the observed trends extended to 2050 as plain arithmetic, beside the TRACC frame,
then contrasted scenario frames for the workshop's debate.

Every figure is computed from figures the other chapters already read (legal populations, the
historical census series, the censuses' households, ages and jobs, the Cerema land take, the
TRACC); each table prints its rule and says it is an arithmetic extension, never a forecast. The
scenario frames carry no number of their own: they name which of these trends they extend or
bend, chosen from the trends' signs. French text: templates/texts/horizon_2050.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagterr.aggregate import annual_growth_pct
from diagterr.dossier import Block, Column, GapRemedy, Indicator, IndicatorTable, Note, Section, SourceRef, Table
from diagterr.tables.census import (
    COMPARATEUR,
    POPULATION_HISTORIQUE,
    POPULATIONS_LEGALES,
    RP2021_COMPILATION,
    RP2021_IRIS,
    RP_POPULATION,
)
from diagterr.tables.climate import CLIMAT_ERA5, CONSO_NAF
from diagterr.texts import say
from diagterr.themes.census_ages import age_interval
from diagterr.themes.climat import land_take, observed, trajectory
from diagterr.themes.demographie import census_periods, legal_growth_span, natural_balance_pct, population_history
from diagterr.themes.figures import Figures

SECTION_ID = "horizon_2050"
TITLE = "Horizon 2050 : prolonger les tendances"
HORIZON = 2050
# The long pace starts at the first census of INSEE's historical series of the census (1968), or
# later when the territory's series starts later; the older totals count people differently.
LONG_PACE_FROM = 1968
LONG_DEFINITIONS = ("psdc", "pmun")
# A change within this band (in % a year) reads « stable » (the enjeux' band, issue 17).
STABLE_BAND = 0.1
# INSEE: two censuses less than five years apart share part of their surveys.
MIN_CENSUS_SPAN = 5
POPULATION_STEP = 100  # the 2050 populations are rounded to the hundred
COUNT_STEP = 10  # households, dwellings and jobs to the ten
# The ZAN trajectory taken for the arithmetic (loi Climat et résilience, 2021): the land take of
# 2021-2030 at half that of 2011-2020 (the dossier's benchmark), then a straight decline from that
# yearly pace to zero in 2050 (the law sets net zero in 2050 and leaves the path to the regions).
ZAN_DECLINE = (2031, HORIZON)
# The local climate figures of the climat chapter shown here (their ids there).
CLIMATE_FIGURES = ("ecart_temperature_recente_reference", "tendance_temperature_decennie",
                   "jours_tx_30_recent", "nuits_tropicales_recent")
FRAMES = ("fil_de_l_eau", "accueil", "repli", "transition")


def rounded(value: float, step: int) -> float:
    return float(step * round(value / step))


def compound(base: float, rate_pct: float, years: int) -> float:
    """base × (1 + rate)^years, the rate in percent a year."""
    return base * (1 + rate_pct / 100) ** years


def direction(rate: float | None, band: float = STABLE_BAND) -> str | None:
    """"up", "down" or "stable" (within ±band, % a year); None when missing."""
    if rate is None:
        return None
    if rate > band:
        return "up"
    if rate < -band:
        return "down"
    return "stable"


@dataclass
class Trends:
    """The signs and periods of the extended figures, which the scenario frames name."""

    population_recent: float | None = None  # % a year
    population_span: str | None = None
    population_long: float | None = None
    long_span: str | None = None
    natural: float | None = None  # % a year, natural balance of the census period
    migration: float | None = None
    census_span: str | None = None
    ageing_change: float | None = None  # points a year of the share of 65 or more
    household_size_rate: float | None = None  # % a year
    households_extra: float | None = None
    jobs_rate: float | None = None
    jobs_span: str | None = None
    land_above_trajectory: bool | None = None
    vacancy_share: float | None = None
    warming: float | None = None
    local_climate: bool = False


def _gap(what_key: str, source_id: str, detail: str, remedy: GapRemedy = "online") -> Note:
    return Note(say(f"horizon_2050.{what_key}"), tone="gap", source_id=source_id, detail=detail, remedy=remedy)


def _rule(key: str, **values: object) -> Note:
    return Note(" ".join(say(f"horizon_2050.{key}", **values).split()))


# -- population ---------------------------------------------------------------------------------


def _legal_total(fig: Figures, year: str) -> float | None:
    return fig.territory_total(POPULATIONS_LEGALES, "pmun", year).value


def long_start(fig: Figures, before: str) -> tuple[str, str, float] | None:
    """(year, definition, population) of the long pace's start: the first census from
    LONG_PACE_FROM on, before the recent period's start."""
    history = population_history(fig)
    points = [(year, definition, value) for definition in LONG_DEFINITIONS
              for year, value in history.get(definition, {}).items() if LONG_PACE_FROM <= int(year) < int(before)]
    return min(points) if points else None


def population_blocks(fig: Figures, trends: Trends) -> tuple[list[Block], float | None]:
    """The population in 2050 at the recent and the long pace; (blocks, the 2050 value at the recent
    pace as printed)."""
    span = legal_growth_span(fig)
    if span is None:
        return [_gap("missing_population", POPULATIONS_LEGALES.source_id, say("horizon_2050.population_absent"),
                     "import")], None
    start, end = span
    first, last = _legal_total(fig, start), _legal_total(fig, end)
    recent = annual_growth_pct(first, last, int(end) - int(start))
    if first is None or last is None or recent is None:
        return [_gap("missing_population", POPULATIONS_LEGALES.source_id, say("horizon_2050.population_absent"),
                     "import")], None
    years = HORIZON - int(end)
    legal = fig.source(POPULATIONS_LEGALES, "pmun", f"{start}-{end}")
    at_recent = rounded(compound(last, recent, years), POPULATION_STEP)
    trends.population_recent, trends.population_span = recent, f"{start}-{end}"
    indicators = [
        Indicator("horizon_population_depart", say("horizon_2050.label_population_base", year=end), last,
                  "habitants", "count", end, legal),
        Indicator("horizon_rythme_population_recent", say("horizon_2050.label_pace", start=start, end=end),
                  recent, "% par an", "rate", f"{start}-{end}", legal, decimals=2),
        Indicator("horizon_population_2050_recent", say("horizon_2050.label_population_2050_recent", start=start,
                                                         end=end),
                  at_recent, "habitants", "count", f"{end}-{HORIZON}", legal),
    ]
    origin = long_start(fig, start)
    if origin is None:
        indicators.append(Indicator(
            "horizon_population_2050_long", say("horizon_2050.label_population_2050_long_missing"), None,
            "habitants", "count", f"{end}-{HORIZON}", legal,
            missing_reason=say("horizon_2050.long_missing", start=start, first=LONG_PACE_FROM)))
        long_rate = None
        long_year = definition = None
    else:
        long_year, definition, long_value = origin
        long_rate = annual_growth_pct(long_value, last, int(end) - int(long_year))
        history = fig.source(POPULATION_HISTORIQUE, definition, long_year)
        source = SourceRef(f"{history.source_id}+{legal.source_id}", f"{history.vintage} ; {legal.vintage}",
                           legal.geo_vintage, table=POPULATIONS_LEGALES.name)
        trends.population_long, trends.long_span = long_rate, f"{long_year}-{end}"
        indicators += [
            Indicator("horizon_population_ancienne", say("horizon_2050.label_population_old", year=long_year,
                                                         definition=definition),
                      long_value, "habitants", "count", long_year, source),
            Indicator("horizon_rythme_population_long", say("horizon_2050.label_pace", start=long_year, end=end),
                      long_rate, "% par an", "rate", f"{long_year}-{end}", source, decimals=2),
            Indicator("horizon_population_2050_long", say("horizon_2050.label_population_2050_long",
                                                           start=long_year, end=end),
                      None if long_rate is None else rounded(compound(last, long_rate, years), POPULATION_STEP),
                      "habitants", "count", f"{end}-{HORIZON}", source,
                      missing_reason=None if long_rate is not None else say("figures.unpublished")),
        ]
    blocks: list[Block] = [
        IndicatorTable(say("horizon_2050.population_title", horizon=HORIZON), tuple(indicators)),
        _rule("population_rule", start=start, end=end, years=years, horizon=HORIZON, long_year=long_year,
              definition=definition, step=POPULATION_STEP),
    ]
    return blocks, at_recent


def balance_trends(fig: Figures, trends: Trends) -> None:
    """The natural and migratory balance of the comparateur's census period (as the demographie
    chapter computes them), which the frames name."""
    periods = census_periods(fig)
    if periods is None:
        return
    start, end = periods
    span = f"{start}-{end}"
    a, b = (fig.territory_total(COMPARATEUR, "pop", y).value for y in periods)
    births = fig.territory_total(COMPARATEUR, "naissances", span).value
    deaths = fig.territory_total(COMPARATEUR, "deces", span).value
    years = int(end) - int(start)
    growth = annual_growth_pct(a, b, years)
    if a is None or b is None or births is None or deaths is None or growth is None:
        return
    trends.natural = natural_balance_pct(births, deaths, a, b, years)
    trends.migration = growth - trends.natural
    trends.census_span = span


# -- ageing --------------------------------------------------------------------------------------


def elderly_shares(fig: Figures) -> list[tuple[int, float]]:
    """(census year, share of the 65 or more in %) at every census of one table that has it:
    Melodi's ages by census if two censuses, else the samples' RP 2021."""
    frame = fig.table(RP_POPULATION)
    points: list[tuple[int, float]] = []
    if frame is not None and not frame.empty:
        rows = frame[(frame["geo_level"] == "COM") & frame["variable"].str.startswith("pop_T_")]
        for period in sorted(rows["period"].unique()):
            if not str(period).isdigit():
                continue
            codes = {v.removeprefix("pop_T_") for v in rows.loc[rows["period"] == period, "variable"]}
            old = next((c for c in sorted(codes) if age_interval(c) == (65, None)), None)
            if old is None:
                continue
            part = fig.territory_total(RP_POPULATION, f"pop_T_{old}", period).value
            whole = fig.territory_total(RP_POPULATION, "pop", period).value
            if part is not None and whole:
                points.append((int(period), part / whole * 100))
    if len(points) >= 2:
        return points
    if fig.has(RP2021_IRIS):
        part = fig.territory_total(RP2021_IRIS, "pop_65_plus", "2021").value
        whole = fig.territory_total(RP2021_IRIS, "pop", "2021").value
        if part is not None and whole:
            return [(2021, part / whole * 100)]
    return points


def ageing_blocks(fig: Figures, trends: Trends) -> list[Block]:
    points = elderly_shares(fig)
    if len(points) < 2:
        years = [y for y, _ in points]
        return [_gap("missing_ageing", RP_POPULATION.source_id, say("horizon_2050.ageing_one_census", years=years))]
    (y1, s1), (y2, s2) = points[-2], points[-1]
    per_year = (s2 - s1) / (y2 - y1)
    raw = s2 + per_year * (HORIZON - y2)
    capped = min(100.0, max(0.0, raw))
    trends.ageing_change = per_year
    source = fig.source(RP_POPULATION, "pop", str(y2))
    indicators = (
        Indicator("horizon_part_65_ans_depart", say("horizon_2050.label_elderly", year=y2), s2, "%", "rate",
                  str(y2), source),
        Indicator("horizon_evolution_part_65_ans", say("horizon_2050.label_elderly_change", start=y1, end=y2),
                  per_year, "points par an", "ratio", f"{y1}-{y2}", source, decimals=2),
        Indicator("horizon_part_65_ans_2050", say("horizon_2050.label_elderly_2050", horizon=HORIZON), capped,
                  "%", "rate", f"{y2}-{HORIZON}", source),
    )
    return [IndicatorTable(say("horizon_2050.ageing_title", horizon=HORIZON), indicators),
            _rule("ageing_rule", start=y1, end=y2, horizon=HORIZON, capped=capped != raw,
                  close=y2 - y1 < MIN_CENSUS_SPAN)]


# -- households and housing ------------------------------------------------------------------------


def household_points(fig: Figures) -> list[tuple[int, float, float, SourceRef]]:
    """(census year, population, households, source) of the territory: the comparateur's
    censuses, then the samples' RP 2021 (municipal population over households, both)."""
    points: dict[int, tuple[float, float, SourceRef]] = {}
    for table, population in ((COMPARATEUR, "pop"), (RP2021_COMPILATION, "pmun")):
        frame = fig.table(table)
        if frame is None:
            continue
        periods = sorted({p for p in frame.loc[frame["variable"] == "menages", "period"] if str(p).isdigit()})
        for period in periods:
            pop = fig.territory_total(table, population, period).value
            households = fig.territory_total(table, "menages", period).value
            if pop is not None and households:
                points.setdefault(int(period), (pop, households, fig.source(table, "menages", period)))
    return [(year, *values) for year, values in sorted(points.items())]


def main_residence_share(fig: Figures) -> tuple[int, float, float, float | None, SourceRef] | None:
    """(year, dwellings, share of main residences, share of vacant dwellings, in %) at the latest
    census that has them."""
    for table, year in ((RP2021_IRIS, "2021"), (COMPARATEUR, fig.latest_period(COMPARATEUR, "logements"))):
        if year is None or not fig.has(table):
            continue
        dwellings = fig.territory_total(table, "logements", year).value
        main = fig.territory_total(table, "residences_principales", year).value
        vacant = fig.territory_total(table, "logements_vacants", year).value
        if dwellings and main is not None:
            return (int(year), dwellings, main / dwellings * 100,
                    None if vacant is None else vacant / dwellings * 100, fig.source(table, "logements", year))
    return None


def household_blocks(fig: Figures, trends: Trends, population_2050: float | None) -> list[Block]:
    points = household_points(fig)
    if len(points) < 2 or population_2050 is None:
        return [_gap("missing_households", RP2021_COMPILATION.source_id,
                     say("horizon_2050.households_one_census", years=[p[0] for p in points],
                         population=population_2050 is not None), "import")]
    (y1, p1, h1, older), (y2, p2, h2, source) = points[0], points[-1]
    both = source if older == source else SourceRef(
        f"{older.source_id}+{source.source_id}", f"{older.vintage} ; {source.vintage}", source.geo_vintage,
        table=source.table)
    size1, size2 = p1 / h1, p2 / h2
    size_rate = annual_growth_pct(size1, size2, y2 - y1)
    assert size_rate is not None
    size_2050 = size2 * (1 + size_rate / 100) ** (HORIZON - y2)
    households_2050 = population_2050 / size_2050
    extra = households_2050 - h2
    trends.household_size_rate, trends.households_extra = size_rate, extra
    indicators = [
        Indicator("horizon_taille_menages_depart", say("horizon_2050.label_size", year=y2), size2, "hab./ménage",
                  "ratio", str(y2), source, decimals=2),
        Indicator("horizon_rythme_taille_menages", say("horizon_2050.label_size_pace", start=y1, end=y2), size_rate,
                  "% par an", "rate", f"{y1}-{y2}", both, decimals=2),
        Indicator("horizon_taille_menages_2050", say("horizon_2050.label_size_2050", horizon=HORIZON), size_2050,
                  "hab./ménage", "ratio", f"{y2}-{HORIZON}", both, decimals=2),
        Indicator("horizon_menages_depart", say("horizon_2050.label_households", year=y2), h2, "ménages", "count",
                  str(y2), source),
        Indicator("horizon_menages_2050", say("horizon_2050.label_households_2050", horizon=HORIZON),
                  rounded(households_2050, COUNT_STEP), "ménages", "count", f"{y2}-{HORIZON}", both),
        Indicator("horizon_residences_principales_supplementaires",
                  say("horizon_2050.label_extra_main", start=y2, horizon=HORIZON),
                  rounded(extra, COUNT_STEP), "logements", "count", f"{y2}-{HORIZON}", both),
    ]
    stock = main_residence_share(fig)
    share_year = None
    if stock is not None:
        share_year, dwellings, share, trends.vacancy_share, stock_source = stock
        indicators.append(Indicator(
            "horizon_logements_supplementaires", say("horizon_2050.label_extra_dwellings", year=share_year,
                                                     horizon=HORIZON),
            rounded(households_2050 / (share / 100) - dwellings, COUNT_STEP), "logements", "count",
            f"{share_year}-{HORIZON}", stock_source,
            note=say("horizon_2050.note_extra_dwellings", year=share_year, share=share)))
    return [IndicatorTable(say("horizon_2050.households_title", horizon=HORIZON), tuple(indicators)),
            _rule("households_rule", start=y1, end=y2, horizon=HORIZON, close=y2 - y1 < MIN_CENSUS_SPAN,
                  share_year=share_year, step=COUNT_STEP)]


# -- jobs ----------------------------------------------------------------------------------------


def jobs_blocks(fig: Figures, trends: Trends) -> list[Block]:
    frame = fig.table(COMPARATEUR)
    years = [] if frame is None else sorted(
        {p for p in frame.loc[frame["variable"] == "emplois", "period"] if str(p).isdigit()})
    totals = [(y, v) for y in years if (v := fig.territory_total(COMPARATEUR, "emplois", y).value) is not None]
    if len(totals) < 2:
        return [_gap("missing_jobs", COMPARATEUR.source_id, say("horizon_2050.jobs_one_census"), "import")]
    (y1, j1), (y2, j2) = totals[0], totals[-1]
    rate = annual_growth_pct(j1, j2, int(y2) - int(y1))
    if rate is None:
        return [_gap("missing_jobs", COMPARATEUR.source_id, say("horizon_2050.jobs_one_census"), "unpublished")]
    trends.jobs_rate, trends.jobs_span = rate, f"{y1}-{y2}"
    source = fig.source(COMPARATEUR, "emplois", y2)
    indicators = (
        Indicator("horizon_emplois_depart", say("horizon_2050.label_jobs", year=y2), j2, "emplois", "count", y2,
                  source),
        Indicator("horizon_rythme_emplois", say("horizon_2050.label_pace", start=y1, end=y2), rate, "% par an",
                  "rate", f"{y1}-{y2}", source, decimals=2),
        Indicator("horizon_emplois_2050", say("horizon_2050.label_jobs_2050", horizon=HORIZON),
                  rounded(compound(j2, rate, HORIZON - int(y2)), COUNT_STEP), "emplois", "count",
                  f"{y2}-{HORIZON}", source),
    )
    return [IndicatorTable(say("horizon_2050.jobs_title", horizon=HORIZON), indicators),
            _rule("jobs_rule", start=y1, end=y2, horizon=HORIZON, years=HORIZON - int(y2), step=COUNT_STEP)]


# -- land take -----------------------------------------------------------------------------------


def zan_trajectory(reference_total: float) -> float:
    """Hectares 2021-2050 on the trajectory: half the reference decade in 2021-2030, then a straight
    decline from that yearly pace to zero in 2050."""
    first, last = ZAN_DECLINE
    pace = reference_total / 2 / (first - land_take.LAND_TARGET[0])
    span = last - first + 1
    decline = sum(pace * (last - year) / span for year in range(first, last + 1))
    return reference_total / 2 + decline


def land_blocks(fig: Figures, trends: Trends) -> list[Block]:
    found = {i.id: i for block in land_take.land_take_blocks(fig) if isinstance(block, IndicatorTable)
             for i in block.indicators}
    reference, yearly = found.get("conso_naf_reference"), found.get("conso_naf_annuelle_reference")
    if reference is None or yearly is None or reference.value is None or yearly.value is None:
        return [_gap("missing_land", CONSO_NAF.source_id, say("horizon_2050.land_absent"))]
    first = land_take.LAND_TARGET[0]
    years = HORIZON - first + 1
    observed_pace = yearly.value * years
    on_trajectory = zan_trajectory(reference.value)
    trends.land_above_trajectory = observed_pace > on_trajectory
    source, period = reference.source, f"{first}-{HORIZON}"
    half = found.get("conso_naf_repere_zan")
    indicators = [
        Indicator("horizon_conso_naf_rythme", yearly.label, yearly.value, "ha par an", "ratio", yearly.period, source,
                  decimals=1),
        Indicator("horizon_conso_naf_2050_rythme_observe", say("horizon_2050.label_land_observed", first=first,
                                                                horizon=HORIZON),
                  observed_pace, "ha", "ratio", period, source, decimals=0),
        Indicator("horizon_conso_naf_2050_trajectoire", say("horizon_2050.label_land_trajectory", first=first,
                                                             horizon=HORIZON),
                  on_trajectory, "ha", "ratio", period, source, decimals=0),
    ]
    return [IndicatorTable(say("horizon_2050.land_title", horizon=HORIZON), tuple(indicators)),
            _rule("land_rule", reference=reference.period, first=first, horizon=HORIZON, years=years,
                  half=None if half is None else half.value, decline=ZAN_DECLINE)]


# -- climate -------------------------------------------------------------------------------------


def climate_blocks(fig: Figures, trends: Trends) -> list[Block]:
    levels = trajectory.tracc_levels(fig)
    blocks: list[Block] = []
    trends.warming = trajectory.warming_2050(levels)
    if levels:
        blocks.append(Table(
            title=say("horizon_2050.tracc_title", horizon=HORIZON),
            columns=(Column("Périmètre"), Column("Réchauffement de référence (°C)", "ratio", 1),
                     Column("Réchauffement mondial correspondant (°C)", "ratio", 1)),
            rows=tuple((item.perimetre, item.levels.get(str(HORIZON)), item.world.get(str(HORIZON)))
                       for item in levels),
            source=levels[0].source,
            note=say("horizon_2050.tracc_note"),
        ))
    else:
        blocks.append(_gap("missing_tracc", trajectory.TRACC.source_id, fig.absent_reason(trajectory.TRACC)))
    climate = observed.observed_climate(fig)
    local = {i.id: i for block in observed.climate_blocks(climate, levels) if isinstance(block, IndicatorTable)
             for i in block.indicators} if climate is not None else {}
    shown = [local[i] for i in CLIMATE_FIGURES if i in local and local[i].value is not None]
    if not shown:
        blocks.append(_gap("missing_climate", CLIMAT_ERA5.source_id, say("horizon_2050.climate_absent")))
        return blocks
    trends.local_climate = True
    blocks.append(Table(
        title=say("horizon_2050.climate_title"),
        columns=(Column("Figure du chapitre « Climat, risques et sols »"), Column("Valeur"), Column("Période")),
        rows=tuple((i.label, say("horizon_2050.climate_value", value=i.value, decimals=i.decimals or 0, unit=i.unit),
                    i.period) for i in shown),
        source=shown[0].source,
        note=say("horizon_2050.climate_note"),
    ))
    return blocks


# -- scenario frames -----------------------------------------------------------------------------


def frame_drivers(frame: str, trends: Trends) -> list[str]:
    """The sentences naming which trends a frame extends or bends, chosen from their signs."""
    t = trends
    population, jobs = direction(t.population_recent), direction(t.jobs_rate)
    natural, migration = direction(t.natural), direction(t.migration)
    size = direction(t.household_size_rate, 0.0)
    text = say(f"horizon_2050.frame_{frame}_drivers",
               population=population, population_span=t.population_span, jobs=jobs, jobs_span=t.jobs_span,
               natural=natural, migration=migration, census_span=t.census_span, size=size,
               long=direction(t.population_long), long_span=t.long_span,
               extra=None if t.households_extra is None else t.households_extra > 0,
               ageing=None if t.ageing_change is None else t.ageing_change > 0,
               land=t.land_above_trajectory, vacancy=t.vacancy_share is not None,
               warming=t.warming, local_climate=t.local_climate, horizon=HORIZON)
    return [" ".join(line.split()) for line in text.split("|") if line.strip()]


def frames_table(trends: Trends) -> Table:
    rows = []
    for frame in FRAMES:
        drivers = frame_drivers(frame, trends)
        rows.append((say(f"horizon_2050.frame_{frame}_title"), " ; ".join(drivers) + ".",
                     " ".join(say(f"horizon_2050.frame_{frame}_questions", land=trends.land_above_trajectory,
                                  natural=direction(trends.natural),
                                  extra=None if trends.households_extra is None
                                  else trends.households_extra > 0).split())))
    return Table(
        title=say("horizon_2050.frames_title"),
        columns=(Column("Cadre"), Column("Ce qu'il prolonge ou infléchit"), Column("Questions pour le débat")),
        rows=tuple(rows),
        note=say("horizon_2050.frames_note"),
    )


def analyse(fig: Figures) -> Section:
    trends = Trends()
    blocks: list[Block] = []
    population, population_2050 = population_blocks(fig, trends)
    blocks += population
    balance_trends(fig, trends)
    blocks += ageing_blocks(fig, trends)
    blocks += household_blocks(fig, trends, population_2050)
    blocks += jobs_blocks(fig, trends)
    blocks += land_blocks(fig, trends)
    blocks += climate_blocks(fig, trends)
    blocks.append(frames_table(trends))
    return Section(id=SECTION_ID, title=TITLE, intro=" ".join(say("horizon_2050.intro", horizon=HORIZON).split()),
                   blocks=tuple(blocks))
