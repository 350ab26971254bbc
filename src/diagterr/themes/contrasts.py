"""The territory's internal contrasts: the communes that pull it up or down, the bourg-centre
against the other communes, the few communes that make its growth.

Read from the commune rows the dossier already holds (legal populations, the comparateur's
housing, jobs and Filosofi medians), for an EPCI or a list of communes; a single commune has no
internal contrast and gives nothing. Every contrast is an `Enjeu` (a question for the workshop,
with its rule id and the ids of the territory's figures it speaks of) and the growth gives one
chart for page 4: the inhabitants gained or lost by commune.

The bourg-centre is the most populous commune at the latest legal population (not the chef-lieu:
the COG does not name one for an EPCI, and the sentence says "la plus peuplée"). A rate of the
other communes is recomputed from their summed parts, never averaged; medians are compared
commune to commune, never averaged. A commune whose value is missing makes the contrast of that
figure silent (a sum with a hole is not the territory's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from diagterr.aggregate import annual_growth_pct
from diagterr.dossier import Chart, Enjeu, EnjeuKind, Series, SourceRef
from diagterr.tables.census import COMPARATEUR, POPULATIONS_LEGALES
from diagterr.texts import say
from diagterr.themes.demographie import growth_communes_span
from diagterr.themes.figures import Figures, TableRef

# -- thresholds ------------------------------------------------------------------------------------
PULL_GROWTH_PTS = 0.5  # half a point a year faster (slower) than the territory: a commune that pulls it
MIN_COMMUNE_CHANGE = 20  # a commune named for its pace gained or lost at least 20 inhabitants: not noise
GROWTH_MAKERS = 3  # the communes whose gains are summed ("two or three communes")
CONCENTRATED_GROWTH_SHARE = 50.0  # three communes making half the growth or more: growth concentrated
BOURG_GAP_PTS = 0.5  # the bourg-centre growing half a point a year faster or slower than the others
VACANCY_PULL_PTS = 3.0  # a commune three points above the territory's vacancy: empty homes to look at
MIN_VACANT = 20  # ... with at least 20 vacant dwellings (a hamlet's three empty houses are not a trend)
BOURG_VACANCY_GAP_PTS = 2.0  # the bourg-centre two points above (below) the other communes
JOB_CONCENTRATION_PTS = 10.0  # the bourg-centre's share of jobs ten points above its share of inhabitants
INCOME_SPREAD_FACTOR = 1.25  # the highest commune median a quarter above the lowest: unequal communes
NAMED = 3  # communes named at most in one sentence

# Page 4 holds one contrast of each family, the first of its rows that holds: where the growth is
# made, the bourg-centre against the other communes, the gaps between communes.
FAMILIES: tuple[tuple[str, ...], ...] = (
    ("croissance_concentree", "croissance_tiree"),
    ("bourg_croissance", "bourg_vacance", "bourg_emplois"),
    ("revenus_ecart", "croissance_freinee", "vacance_communes"),
)
CHART_COMMUNES = 6  # communes drawn one by one on the chart, the others summed in one bar

THEME_DEMO, THEME_HAB, THEME_ECO = "demographie", "habitat", "economie"
GROWTH_ID, VACANCY_ID, JOBS_ID, INCOME_ID = ("variation_population_annuelle", "part_logements_vacants",
                                             "emplois_pour_100_actifs", "mediane_niveau_vie")
CHART_ID = "contrastes_croissance_communes"


@dataclass(frozen=True, slots=True)
class Contrasts:
    """The contrasts of page 4: questions, and the chart of the growth by commune (None: none)."""

    enjeux: tuple[Enjeu, ...] = ()
    chart: Chart | None = None


def _question(rule: str, theme: str, indicator: str, **values: object) -> Enjeu:
    return Enjeu(EnjeuKind.QUESTION, say(f"contrasts.{rule}", **values), indicator, theme=theme,
                 rule=f"contraste_{rule}", indicators=(indicator,))


def _complete(values: Mapping[str, float | None]) -> dict[str, float] | None:
    """The values when every commune has one, else None (the contrast stays silent)."""
    if any(v is None for v in values.values()):
        return None
    return {code: float(v) for code, v in values.items() if v is not None}


def _commune_values(fig: Figures, table: TableRef, variable: str, period: str) -> dict[str, float] | None:
    return _complete({code: r.value for code, r in fig.commune_values(table, variable, period).items()})


def analyse(fig: Figures) -> Contrasts:
    """The internal contrasts of the territory (nothing for a single commune)."""
    if len(fig.territory.communes) < 2:
        return Contrasts()
    names = {c.code: c.name for c in fig.territory.communes}
    enjeux: list[Enjeu] = []
    growth = _growth(fig, names, enjeux)
    _vacancy(fig, names, enjeux)
    _jobs(fig, names, enjeux)
    _income(fig, names, enjeux)
    fired = {e.rule: e for e in enjeux}
    chosen = [next(fired[f"contraste_{rule}"] for rule in family if f"contraste_{rule}" in fired)
              for family in FAMILIES if any(f"contraste_{rule}" in fired for rule in family)]
    return Contrasts(tuple(chosen), growth)


def bourg_centre(populations: Mapping[str, float]) -> str:
    """The most populous commune (ties: the first code)."""
    return max(sorted(populations), key=lambda code: populations[code])


def _growth(fig: Figures, names: dict[str, str], enjeux: list[Enjeu]) -> Chart | None:
    span = growth_communes_span(fig)
    if span is None:
        return None
    first, last = span
    start = _commune_values(fig, POPULATIONS_LEGALES, "pmun", first)
    end = _commune_values(fig, POPULATIONS_LEGALES, "pmun", last)
    if start is None or end is None:
        return None
    years = int(last) - int(first)
    source = fig.source(POPULATIONS_LEGALES, "pmun", f"{first} et {last}")
    source_text = say("en_bref.source", source_id=source.source_id, vintage=source.vintage)
    total_start, total_end = sum(start.values()), sum(end.values())
    territory = annual_growth_pct(total_start, total_end, years)
    if territory is None:
        return None
    change = {code: end[code] - start[code] for code in start}
    pace = {code: p for code in start if (p := annual_growth_pct(start[code], end[code], years)) is not None}
    common = {"first": first, "last": last, "source": source_text, "territory": territory}

    def paced(codes: list[str]) -> list[tuple[str, float]]:
        return [(names[c], pace[c]) for c in codes[:NAMED]]

    up = sorted((c for c in pace if pace[c] >= territory + PULL_GROWTH_PTS and change[c] >= MIN_COMMUNE_CHANGE),
                key=lambda c: -change[c])
    down = sorted((c for c in pace if pace[c] <= territory - PULL_GROWTH_PTS and change[c] <= -MIN_COMMUNE_CHANGE),
                  key=lambda c: change[c])
    if up:
        enjeux.append(_question("croissance_tiree", THEME_DEMO, GROWTH_ID, communes=paced(up), count=len(up),
                                threshold=PULL_GROWTH_PTS, **common))
    if down:
        enjeux.append(_question("croissance_freinee", THEME_DEMO, GROWTH_ID, communes=paced(down), count=len(down),
                                threshold=PULL_GROWTH_PTS, **common))

    net = total_end - total_start
    makers = sorted(start, key=lambda c: -change[c])[:GROWTH_MAKERS]
    gained = sum(change[c] for c in makers)
    if net > 0 and all(change[c] > 0 for c in makers):
        share = gained / net * 100
        population_share = sum(end[c] for c in makers) / total_end * 100
        if share >= CONCENTRATED_GROWTH_SHARE:
            enjeux.append(_question("croissance_concentree", THEME_DEMO, GROWTH_ID,
                                    communes=[names[c] for c in makers], gained=gained, net=net, share=share,
                                    population_share=population_share, **common))

    bourg = bourg_centre(end)
    others_start, others_end = total_start - start[bourg], total_end - end[bourg]
    others = annual_growth_pct(others_start, others_end, years)
    bourg_pace = pace.get(bourg)
    if others is not None and bourg_pace is not None and abs(bourg_pace - others) >= BOURG_GAP_PTS:
        enjeux.append(_question("bourg_croissance", THEME_DEMO, GROWTH_ID, bourg=names[bourg], bourg_pace=bourg_pace,
                                others=others, faster=bourg_pace > others, **common))
    return _growth_chart(names, change, first, last, source)


def _growth_chart(names: dict[str, str], change: dict[str, float], first: str, last: str,
                  source: SourceRef) -> Chart:
    """Inhabitants gained or lost by commune: the largest changes one by one, the others summed."""
    ranked = sorted(change, key=lambda c: (-abs(change[c]), c))
    shown = ranked if len(ranked) <= CHART_COMMUNES + 1 else ranked[:CHART_COMMUNES]
    shown = sorted(shown, key=lambda c: -change[c])
    labels = [names[c] for c in shown]
    values: list[float | None] = [change[c] for c in shown]
    rest = [c for c in ranked if c not in shown]
    if rest:
        labels.append(say("contrasts.chart_others", count=len(rest)))
        values.append(sum(change[c] for c in rest))
    return Chart(
        id=CHART_ID,
        title=say("contrasts.chart_title", first=first, last=last),
        chart="hbar",
        series=(Series(say("contrasts.chart_series"), tuple(labels), tuple(values)),),
        value_kind="count",
        unit="habitants",
        source=source,
        note=say("contrasts.chart_note", net=sum(change.values()), first=first, last=last),
    )


def _comparateur_source(fig: Figures, variable: str, period: str) -> str:
    source = fig.source(COMPARATEUR, variable, period)
    return say("en_bref.source", source_id=source.source_id, vintage=source.vintage)


def _vacancy(fig: Figures, names: dict[str, str], enjeux: list[Enjeu]) -> None:
    period = "2018"
    vacant = _commune_values(fig, COMPARATEUR, "logements_vacants", period)
    homes = _commune_values(fig, COMPARATEUR, "logements", period)
    if vacant is None or homes is None or sum(homes.values()) <= 0:
        return
    territory = sum(vacant.values()) / sum(homes.values()) * 100
    share = {c: vacant[c] / homes[c] * 100 for c in homes if homes[c] > 0}
    common = {"period": period, "source": _comparateur_source(fig, "logements_vacants", period),
              "territory": territory}
    high = sorted((c for c in share if share[c] >= territory + VACANCY_PULL_PTS and vacant[c] >= MIN_VACANT),
                  key=lambda c: -share[c])
    if high:
        enjeux.append(_question("vacance_communes", THEME_HAB, VACANCY_ID,
                                communes=[(names[c], share[c]) for c in high[:NAMED]], count=len(high),
                                threshold=VACANCY_PULL_PTS, **common))
    populations = _commune_values(fig, COMPARATEUR, "pop", period)
    if populations is None:
        return
    bourg = bourg_centre(populations)
    other_homes = sum(homes.values()) - homes[bourg]
    if bourg not in share or other_homes <= 0:
        return
    others = (sum(vacant.values()) - vacant[bourg]) / other_homes * 100
    if abs(share[bourg] - others) >= BOURG_VACANCY_GAP_PTS:
        enjeux.append(_question("bourg_vacance", THEME_HAB, VACANCY_ID, bourg=names[bourg], bourg_share=share[bourg],
                                others=others, higher=share[bourg] > others, **common))


def _jobs(fig: Figures, names: dict[str, str], enjeux: list[Enjeu]) -> None:
    period = "2018"
    jobs = _commune_values(fig, COMPARATEUR, "emplois", period)
    populations = _commune_values(fig, COMPARATEUR, "pop", period)
    if jobs is None or populations is None or sum(jobs.values()) <= 0 or sum(populations.values()) <= 0:
        return
    bourg = bourg_centre(populations)
    job_share = jobs[bourg] / sum(jobs.values()) * 100
    population_share = populations[bourg] / sum(populations.values()) * 100
    if job_share - population_share >= JOB_CONCENTRATION_PTS:
        enjeux.append(_question("bourg_emplois", THEME_ECO, JOBS_ID, bourg=names[bourg], job_share=job_share,
                                population_share=population_share, jobs=jobs[bourg], period=period,
                                source=_comparateur_source(fig, "emplois", period)))


def _income(fig: Figures, names: dict[str, str], enjeux: list[Enjeu]) -> None:
    period = "2019"
    readings = fig.commune_values(COMPARATEUR, "mediane_niveau_vie", period)
    medians = {c: r.value for c, r in readings.items() if r.value is not None}
    if len(medians) < 2:
        return
    low = min(sorted(medians), key=lambda c: medians[c])
    high = max(sorted(medians), key=lambda c: medians[c])
    if medians[high] < medians[low] * INCOME_SPREAD_FACTOR:
        return
    enjeux.append(_question("revenus_ecart", THEME_ECO, INCOME_ID, low=names[low], low_value=medians[low],
                            high=names[high], high_value=medians[high],
                            gap=(medians[high] / medians[low] - 1) * 100, unpublished=len(readings) - len(medians),
                            period=period, source=_comparateur_source(fig, "mediane_niveau_vie", period)))
