"""The enjeux rules as data: one row per rule, and the small engine that reads the rows.

A rule reads one indicator and compares its value with a named threshold: an absolute one, or a
gap to the département's or France's value published beside the figure, or to the even pace of
a benchmark. When every condition of the row holds, it gives an enjeu of its kind (atout,
fragilité, question) with its sentence from `templates/texts/en_bref.yaml`. The rows are tried
in order and an indicator gives at most one enjeu: the first of its rows that holds. A figure
that is missing, or a reference that is not published, gives nothing: no enjeu is made up.

The thresholds are the first dossier's rules of thumb for opening a workshop, not statistical
tests; each says in one line what it means for the reader. A new rule is a new row (and its
sentence in the YAML file).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from diagterr.dossier import Enjeu, EnjeuKind, Indicator
from diagterr.texts import say

ATOUT, FRAGILITE, QUESTION = EnjeuKind.ATOUT, EnjeuKind.FRAGILITE, EnjeuKind.QUESTION

# -- thresholds ------------------------------------------------------------------------------------
# Rates of change in % a year (population, jobs) or % over five years (private jobs), shares in %,
# gaps in percentage points. A bare 0 in the rows is the sign of a change, not a threshold.
ATTRACTIVE_MIGRATION_PCT_YEAR = 0.3  # net arrivals above 0.3 % a year: an inflow, not a near-balance
JOBS_GROWTH_PCT_YEAR = 0.3  # jobs up more than 0.3 % a year: a gain, not a near-flat count
MANY_SECONDARY_HOMES_PCT = 20.0  # one dwelling in five a second home: homes for residents compete with it
HIGH_VACANCY_GAP_PTS = 1.0  # a point or more above France: vacancy a reader sees as high
LOW_VACANCY_GAP_PTS = 1.5  # a point and a half below France: few empty homes, a tight market
LOW_UNEMPLOYMENT_GAP_PTS = 2.0  # two points below France: clearly low, not the national level
HIGH_UNEMPLOYMENT_GAP_PTS = 1.0  # a point or more above France: above the average worth saying
# Jobs at place of work per 100 residents in work: 100 is the balance, above it a job centre, below
# it residential; each rule keeps to its side of 100, with a margin so a near-balance says nothing.
JOBS_BALANCE_PER_100 = 100.0  # as many jobs as residents in work
RESIDENTIAL_JOBS_PER_100 = 70.0  # under 70 jobs per 100 resident workers: many work elsewhere
JOB_HUB_JOBS_PER_100 = 110.0  # over 110 jobs per 100 resident workers: the territory draws workers in
assert RESIDENTIAL_JOBS_PER_100 < JOBS_BALANCE_PER_100 < JOB_HUB_JOBS_PER_100, "each rule on its side of 100"
PRIVATE_JOBS_GAP_PTS = 2.0  # five-year change two points away from France's: faster or slower than France
NOTABLE_WARMING_C = 0.5  # half a degree between the two periods: warming the workshop should discuss
LAND_TAKE_BENCHMARK_YEARS = 10  # the halving benchmark spans 2021-2030: an even pace uses a tenth a year


class Versus(StrEnum):
    """What a threshold is added to before the comparison."""

    ABSOLUTE = "absolute"  # nothing: the threshold is the value compared
    DEPARTEMENT = "departement"  # the first département published beside the figure
    FRANCE = "france"  # France as published beside the figure
    EVEN_PACE = "even_pace"  # the share of a benchmark an even pace has used by the end of the period


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference a sentence may name: "France hors Mayotte", 13.4."""

    name: str
    value: float


Operator = Literal["<", "<=", ">", ">="]
_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """`value <op> reference + threshold` (reference 0 when ABSOLUTE)."""

    op: Operator
    threshold: float = 0.0
    versus: Versus = Versus.ABSOLUTE
    without_reference: bool = False  # holds when the reference is not published (else it fails)


def more_than(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False) -> Condition:
    return Condition(">", threshold, versus, without_reference)


def at_least(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False) -> Condition:
    return Condition(">=", threshold, versus, without_reference)


def less_than(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False) -> Condition:
    return Condition("<", threshold, versus, without_reference)


def at_most(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False) -> Condition:
    return Condition("<=", threshold, versus, without_reference)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # the rule's name, and its sentence's id in en_bref.yaml unless `sentence` says otherwise
    indicator: str  # the indicator id read (key of indicateurs.json)
    kind: EnjeuKind
    when: tuple[Condition, ...]  # every condition must hold; () always holds
    sentence: str = ""

    @property
    def text_id(self) -> str:
        return f"en_bref.{self.sentence or self.id}"


D, FR, PACE = Versus.DEPARTEMENT, Versus.FRANCE, Versus.EVEN_PACE

# The rules in the order of the enjeux page (within each kind).
RULES: tuple[Rule, ...] = (
    Rule("population_croissance", "variation_population_annuelle", ATOUT,
         (more_than(0), at_least(0, D, without_reference=True))),
    Rule("population_baisse", "variation_population_annuelle", FRAGILITE, (less_than(0),)),
    Rule("population_croissance_lente", "variation_population_annuelle", QUESTION, (more_than(0), less_than(0, D))),
    Rule("solde_naturel_negatif", "variation_solde_naturel", FRAGILITE, (less_than(0),)),
    Rule("solde_migratoire_attractif", "variation_solde_migratoire", ATOUT, (more_than(ATTRACTIVE_MIGRATION_PCT_YEAR),)),
    Rule("solde_migratoire_negatif", "variation_solde_migratoire", FRAGILITE, (less_than(0),)),
    Rule("residences_secondaires_nombreuses", "part_residences_secondaires", QUESTION,
         (at_least(MANY_SECONDARY_HOMES_PCT),)),
    Rule("vacance_elevee", "part_logements_vacants", FRAGILITE, (at_least(HIGH_VACANCY_GAP_PTS, FR),)),
    Rule("vacance_faible", "part_logements_vacants", QUESTION, (at_most(-LOW_VACANCY_GAP_PTS, FR),)),
    Rule("chomage_bas", "taux_chomage_15_64", ATOUT, (at_most(-LOW_UNEMPLOYMENT_GAP_PTS, FR),)),
    Rule("chomage_eleve", "taux_chomage_15_64", FRAGILITE, (at_least(HIGH_UNEMPLOYMENT_GAP_PTS, FR),)),
    Rule("emploi_progresse", "variation_emplois_annuelle", ATOUT, (more_than(JOBS_GROWTH_PCT_YEAR),)),
    Rule("emploi_recule", "variation_emplois_annuelle", FRAGILITE, (less_than(0),)),
    Rule("territoire_residentiel", "emplois_pour_100_actifs", QUESTION, (less_than(RESIDENTIAL_JOBS_PER_100),)),
    Rule("pole_emploi", "emplois_pour_100_actifs", ATOUT, (more_than(JOB_HUB_JOBS_PER_100),)),
    Rule("salaries_prives_recul", "evolution_effectifs_salaries_prives_5ans", FRAGILITE, (less_than(0),)),
    Rule("salaries_prives_plus_vite", "evolution_effectifs_salaries_prives_5ans", ATOUT,
         (at_least(PRIVATE_JOBS_GAP_PTS, FR),)),
    Rule("salaries_prives_moins_vite", "evolution_effectifs_salaries_prives_5ans", QUESTION,
         (at_most(-PRIVATE_JOBS_GAP_PTS, FR),)),
    Rule("rechauffement_observe", "ecart_temperature_recente_reference", QUESTION, (at_least(NOTABLE_WARMING_C),)),
    Rule("consommation_espaces_rapide", "conso_naf_part_repere", FRAGILITE, (more_than(0, PACE),)),
)


def references(indicator: Indicator) -> dict[Versus, Reference | None]:
    """The references of one figure: the first published département and France, the even pace."""
    found: dict[Versus, Reference | None] = {D: None, FR: None, PACE: None}
    for level in (D, FR):
        found[level] = next(
            (Reference(c.name, c.value) for c in indicator.comparisons if c.level == level and c.value is not None),
            None,
        )
    first, _, last = indicator.period.partition("-")
    if first.isdigit() and last.isdigit():
        years = int(last) - int(first) + 1
        found[PACE] = Reference(indicator.period, years * 100 / LAND_TAKE_BENCHMARK_YEARS)
    return found


def holds(condition: Condition, value: float, refs: Mapping[Versus, Reference | None]) -> bool:
    if condition.versus is Versus.ABSOLUTE:
        base = 0.0
    else:
        reference = refs[condition.versus]
        if reference is None:
            return condition.without_reference
        base = reference.value
    return _OPERATORS[condition.op](value, base + condition.threshold)


def evaluate(indicators: Mapping[str, Indicator], rules: tuple[Rule, ...] = RULES) -> list[Enjeu]:
    """The enjeux the rules give for these indicators (by id), in the order of the rules."""
    out: list[Enjeu] = []
    answered: set[str] = set()
    for rule in rules:
        indicator = indicators.get(rule.indicator)
        if rule.indicator in answered or indicator is None or indicator.value is None:
            continue
        refs = references(indicator)
        if all(holds(condition, indicator.value, refs) for condition in rule.when):
            answered.add(rule.indicator)
            pace = refs[PACE]
            text = say(rule.text_id, value=indicator.value, period=indicator.period,
                       departement=refs[D], france=refs[FR], pace=pace.value if pace else None)
            out.append(Enjeu(rule.kind, text, indicator.id))
    return out
