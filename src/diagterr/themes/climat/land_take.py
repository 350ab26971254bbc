"""Land take (consommation d'espaces NAF, Cerema): hectares per year and destination, the ZAN
benchmark (half of 2011-2020), and the land consumed per additional household and job."""

from __future__ import annotations

from collections.abc import Sequence

from diagterr.dossier import Block, Chart, Indicator, IndicatorTable, Note, Series, SourceRef
from diagterr.tables.climate import CENSUS_COUNTS, CONSO_FIRST_YEAR, CONSO_NAF, DESTINATIONS, window_label
from diagterr.texts import say
from diagterr.themes.figures import Figures

LAND_REFERENCE = (2011, 2020)
LAND_TARGET = (2021, 2030)
M2_PER_HA = 10_000.0
CENSUS_WORDS = {"menages": "ménages", "emplois": "emplois"}
MIN_GAIN_SHARE = 0.01  # a gain under 1 % of the households (jobs) gives no ratio
# (indicator id, its label's text id, census variable, land variable)
PER_NEW_UNIT = (
    ("conso_hab_par_menage_supplementaire", "climat.label_land_per_household", "menages", "conso_hab"),
    ("conso_act_par_emploi_supplementaire", "climat.label_land_per_job", "emplois", "conso_act"),
)


def zan_note(benchmark_shown: bool = True) -> Note:
    return Note(say("climat.zan", benchmark=benchmark_shown, reference=window_label(LAND_REFERENCE),
                    target=window_label(LAND_TARGET)))


def land_take_blocks(fig: Figures | None = None) -> list[Block]:
    frame = None if fig is None else fig.table(CONSO_NAF)
    codes = () if fig is None else fig.territory.commune_codes
    read = set() if frame is None else set(frame.loc[frame["geo_level"] == "COM", "geo_code"]) & set(codes)
    if fig is None or frame is None or not read:
        return [Note(say("lacunes.climat_land"), tone="gap", source_id=CONSO_NAF.source_id,
                     detail=say("climat.land_offline")), zan_note(benchmark_shown=False)]
    source = fig.source(CONSO_NAF)
    rows = frame[frame["geo_level"] == "COM"]
    years = sorted(int(p) for p in rows["period"].unique())

    def hectares(variable: str, year: int) -> float | None:
        reading = fig.territory_total(CONSO_NAF, variable, str(year))
        return None if reading.value is None else reading.value / M2_PER_HA

    per_year = {v: {y: hectares(v, y) for y in years} for v in DESTINATIONS}
    totals = {y: _sum_or_none([per_year[v][y] for v in DESTINATIONS]) for y in years}

    def span_total(first: int, last: int, variables: Sequence[str] = tuple(DESTINATIONS)) -> float | None:
        if not all(y in totals for y in range(first, last + 1)):
            return None
        return _sum_or_none([per_year[v][y] for v in variables for y in range(first, last + 1)])

    ref_label, target_label = window_label(LAND_REFERENCE), window_label(LAND_TARGET)
    reference = span_total(*LAND_REFERENCE)
    half = reference / 2 if reference is not None else None
    since = [y for y in years if y >= LAND_TARGET[0]]
    used = span_total(since[0], since[-1]) if since else None
    used_label = f"{since[0]}-{since[-1]}" if since else f"{LAND_TARGET[0]}-…"
    share = used / half * 100 if used is not None and half else None
    incomplete = say("climat.land_incomplete")
    indicators = [
        Indicator("conso_naf_reference", say("climat.label_land_reference", period=ref_label), reference, "ha",
                  "ratio", ref_label, source, missing_reason=None if reference is not None else incomplete, decimals=1),
        Indicator("conso_naf_annuelle_reference", say("climat.label_land_reference_yearly", period=ref_label),
                  None if reference is None else reference / 10, "ha par an", "ratio", ref_label, source,
                  missing_reason=None if reference is not None else incomplete, decimals=1),
        Indicator("conso_naf_repere_zan", say("climat.label_land_benchmark", reference=ref_label, target=target_label),
                  half, "ha", "ratio", target_label, source,
                  missing_reason=None if half is not None else incomplete,
                  note=say("climat.land_benchmark_note"), decimals=1),
        Indicator("conso_naf_depuis_2021", say("climat.label_land_since", year=LAND_TARGET[0]), used, "ha", "ratio",
                  used_label, source,
                  missing_reason=None if used is not None else (
                      incomplete if since else say("climat.land_no_year_since", year=LAND_TARGET[0] - 1)),
                  decimals=1),
        Indicator("conso_naf_part_repere", say("climat.label_land_share"), share, "%", "rate", used_label, source,
                  missing_reason=None if share is not None else say("climat.land_share_missing")),
        *per_new_unit_indicators(fig, per_year, source),
    ]
    blocks: list[Block] = [IndicatorTable(say("climat.land_table_title"), tuple(indicators))]
    blocks.append(
        Chart(
            id="conso_naf_par_annee",
            title=say("climat.land_chart_title"),
            chart="stacked_bar",
            series=tuple(Series(label, tuple(str(y) for y in years), tuple(per_year[v][y] for y in years))
                         for v, label in DESTINATIONS.items()),
            value_kind="ratio",
            unit="ha",
            source=source,
            note=say("climat.land_chart_note", reference=ref_label, target=target_label,
                     per_year=None if half is None else half / 10),
        )
    )
    if len(read) < len(codes):
        names = {c.code: c.name for c in fig.territory.communes}
        missing = sorted(set(codes) - read)
        unread = [names.get(c, c) for c in missing]
        blocks.append(Note(say("lacunes.climat_land_communes", communes=unread), tone="gap",
                           source_id=CONSO_NAF.source_id, detail=say("climat.land_missing_communes", missing=unread)))
    blocks.append(Note(say("climat.land_limit"), tone="limit"))
    blocks.append(zan_note())
    return blocks


def per_new_unit_indicators(fig: Figures, per_year: dict[str, dict[int, float | None]],
                            source: SourceRef) -> list[Indicator]:
    """m² consumed for housing per additional household, for activity per additional job, between
    two censuses of the store (consumption of the years Y1 … Y2-1 against the change Y1 → Y2)."""
    found = []
    for id_, label_key, census_variable, land_variable in PER_NEW_UNIT:
        label = say(label_key)
        word = CENSUS_WORDS[census_variable]
        censuses = _census_counts(fig, census_variable)
        if len(censuses) < 2:
            found.append(Indicator(id_, label, None, "m²", "ratio", "—", source,
                                   missing_reason=say("climat.per_unit_few_censuses", word=word)))
            continue
        (y1, n1), (y2, n2) = censuses[0], censuses[-1]
        land = [per_year[land_variable].get(y) for y in range(y1, y2)]
        period = f"{y1}-{y2}"
        if any(v is None for v in land) or not land:
            found.append(Indicator(id_, label, None, "m²", "ratio", period, source,
                                   missing_reason=say("climat.per_unit_incomplete", first=y1, last=y2 - 1)))
            continue
        gained = n2 - n1
        m2 = sum(v for v in land if v is not None) * M2_PER_HA
        if gained < MIN_GAIN_SHARE * n1:
            # A census count is an estimate: a change of a few units says nothing, and m² per unit
            # of it would be a huge number made of noise.
            found.append(Indicator(id_, label, None, "m²", "ratio", period, source,
                                   missing_reason=say("climat.per_unit_stable", word=word, gained=gained, first=y1,
                                                      second=y2, threshold=MIN_GAIN_SHARE * 100,
                                                      hectares=m2 / M2_PER_HA)))
            continue
        found.append(Indicator(id_, label, m2 / gained, "m²", "ratio", period, source,
                               note=say("climat.per_unit_note", hectares=m2 / M2_PER_HA, first=y1, second=y2,
                                        gained=gained, word=word),
                               decimals=0))
    return found


def _census_counts(fig: Figures, variable: str) -> list[tuple[int, float]]:
    """(year, territory total) of a census count in the store, earliest to latest, one per year."""
    counts: dict[int, float] = {}
    for table in CENSUS_COUNTS:
        frame = fig.table(table)
        if frame is None:
            continue
        periods = sorted({p for p in frame.loc[frame["variable"] == variable, "period"] if str(p).isdigit()})
        for period in periods:
            reading = fig.territory_total(table, variable, period)
            if reading.value is not None and int(period) >= CONSO_FIRST_YEAR:
                counts.setdefault(int(period), reading.value)
    return sorted(counts.items())


def _sum_or_none(values: Sequence[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(sum(v for v in values if v is not None))
