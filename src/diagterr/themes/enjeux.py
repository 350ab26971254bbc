"""The enjeux rules as data: one row per rule, and the small engine that reads the rows.

A rule reads one indicator (and, through `also`, the others it needs) and compares values with
named thresholds: an absolute one, a gap to the département's or France's value published beside
the figure, the even pace of a benchmark, or another indicator of the dossier (the trend between
two vintages of a figure). When every condition of the row holds, it gives an enjeu of its kind
(atout, fragilité, question) with its sentence from `templates/texts/en_bref.yaml`.

The reading is strict on purpose:
- a change within ±STABLE_PCT_YEAR a year is stable: never a growth, never a decline;
- an atout is better than every département published *and* France, a fragilité worse than them
  all (a test checks that every such row compares with both); otherwise the figure gives a
  question, or nothing;
- a figure, or a reference, that is missing gives nothing (or the row's question without it):
  no enjeu is made up;
- two rules that would contradict each other on one page name each other in `excludes`: the
  first row that holds wins and the other is dropped.

The rows are tried in order and a group (by default the rule's indicator) gives at most one
enjeu: the first of its rows that holds. The thresholds are rules of thumb for opening a workshop,
not statistical tests; each says in one line what it means for the reader. A new rule is a new
row (and its sentence in the YAML file).
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
# Rates of change in % a year, shares in %, gaps in percentage points. A bare 0 in the rows is the
# sign of a change, not a threshold.
STABLE_PCT_YEAR = 0.1  # within ±0.1 % a year a population or a job count is stable: census noise
SAME_PACE_PCT_YEAR = 0.1  # two paces closer than 0.1 % a year are the same pace (the same band)
TREND_CHANGE_PCT_YEAR = 0.3  # growth 0.3 % a year faster or slower than the census before: a new pace
ATTRACTIVE_MIGRATION_PCT_YEAR = 0.3  # net arrivals above 0.3 % a year: an inflow, not a near-balance
STABLE_5_YEARS_PCT = 5 * STABLE_PCT_YEAR  # the same band over five years (private jobs)
PRIVATE_JOBS_GAP_PTS = 2.0  # five-year change two points away from France's: faster or slower than France
SHARE_GAP_PTS = 2.0  # a share two points away from the references: a difference a reader notices
WIDE_SHARE_GAP_PTS = 5.0  # five points: a different kind of territory (owners, wage earners)
TREND_SHARE_PTS = 1.0  # a share up or down a point between two censuses: a change, not rounding
LOW_UNEMPLOYMENT_GAP_PTS = 2.0  # two points below France (and one below the département): clearly low
UNEMPLOYMENT_GAP_PTS = 1.0  # a point from the département: above or below its level, not at it
HIGH_VACANCY_GAP_PTS = 1.0  # a point or more above the references: vacancy a reader sees as high
LOW_VACANCY_GAP_PTS = 1.5  # a point and a half below them: few empty homes, a tight market
MANY_SECONDARY_HOMES_PCT = 20.0  # one dwelling in five a second home: homes for residents compete with it
MANY_HOUSES_PCT = 80.0  # four dwellings in five are houses: few flats for the young and the old
HOUSEHOLD_SIZE_GAP = 0.1  # a tenth of a person per household: larger or smaller households
AGEING_INDEX_BALANCE = 100.0  # as many people of 65 or more as under 20
AGEING_INDEX_GAP = 10.0  # ten points of the index from the references: older or younger
MANY_ELDERLY_PCT = 25.0  # one resident in four is 65 or more
MANY_YOUNG_PCT = 24.0  # about one resident in four under 20: a young population
HIGH_POVERTY_PCT = 15.0  # about one in seven below the poverty line, the order of France's rate (Filosofi)
POVERTY_GAP_PTS = 2.0  # two points from the references: poorer or less poor
INCOME_GAP_FACTOR = 0.05  # a median 5 % above (below) the references: better (less) off
# Jobs at place of work per 100 residents in work: 100 is the balance, above it a job centre, below
# it residential; each rule keeps to its side of 100, with a margin so a near-balance says nothing.
JOBS_BALANCE_PER_100 = 100.0  # as many jobs as residents in work
RESIDENTIAL_JOBS_PER_100 = 70.0  # under 70 jobs per 100 resident workers: many work elsewhere
JOB_HUB_JOBS_PER_100 = 110.0  # over 110 jobs per 100 resident workers: the territory draws workers in
assert RESIDENTIAL_JOBS_PER_100 < JOBS_BALANCE_PER_100 < JOB_HUB_JOBS_PER_100, "each rule on its side of 100"
SPARSE_DENSITY = 30.0  # under 30 inhabitants per km²: sparse, services and transport far apart
CAR_GAP_PTS = 5.0  # five points more commuters by car than the references: car dependence
FEW_PUBLIC_TRANSPORT_PCT = 5.0  # under one commuter in twenty by public transport
NOTABLE_WARMING_C = 0.5  # half a degree between the two periods: warming the workshop should discuss
MORE_HOT_DAYS = 3.0  # three more days a year above 30 °C than the reference period: heat to plan for
MORE_TROPICAL_NIGHTS = 2.0  # two more nights a year above 20 °C: heat at night, health
FEWER_FROST_DAYS = 5.0  # five fewer frost days a year: seasons shift (crops, snow, pests)
DRIER_FACTOR = 0.9  # a tenth less rain than the reference period: water to share
CATNAT_PER_COMMUNE = 3.0  # three natural-disaster recognitions per commune since 1982: risk is recurrent
LAND_TAKE_BENCHMARK_YEARS = 10  # the halving benchmark spans 2021-2030: an even pace uses a tenth a year
SPRAWL_M2_PER_HOUSEHOLD = 1000.0  # a tenth of a hectare per extra household: low-density growth


class Versus(StrEnum):
    """What a threshold is added to before the comparison."""

    ABSOLUTE = "absolute"  # nothing: the threshold is the value compared
    DEPARTEMENT = "departement"  # every département published beside the figure (all must hold)
    FRANCE = "france"  # France as published beside the figure
    EVEN_PACE = "even_pace"  # the share of a benchmark an even pace has used by the end of the period
    INDICATOR = "indicator"  # another indicator of the dossier (`other`): an older vintage, a count


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
    """`value(of) <op> reference * factor + threshold` (reference 0 when ABSOLUTE)."""

    op: Operator
    threshold: float = 0.0
    versus: Versus = Versus.ABSOLUTE
    without_reference: bool = False  # holds when the reference is not published (else it fails)
    of: str = ""  # the indicator compared ("": the rule's)
    other: str = ""  # Versus.INDICATOR: the indicator whose value is the reference
    factor: float = 1.0


def _condition(op: Operator, threshold: float, versus: Versus, without_reference: bool, of: str, other: str,
               factor: float) -> Condition:
    return Condition(op, threshold, versus, without_reference, of, other, factor)


def more_than(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False, of: str = "",
              other: str = "", factor: float = 1.0) -> Condition:
    return _condition(">", threshold, versus, without_reference, of, other, factor)


def at_least(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False, of: str = "",
             other: str = "", factor: float = 1.0) -> Condition:
    return _condition(">=", threshold, versus, without_reference, of, other, factor)


def less_than(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False, of: str = "",
              other: str = "", factor: float = 1.0) -> Condition:
    return _condition("<", threshold, versus, without_reference, of, other, factor)


def at_most(threshold: float, versus: Versus = Versus.ABSOLUTE, *, without_reference: bool = False, of: str = "",
            other: str = "", factor: float = 1.0) -> Condition:
    return _condition("<=", threshold, versus, without_reference, of, other, factor)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # the rule's name, and its sentence's id in en_bref.yaml unless `sentence` says otherwise
    indicator: str  # the indicator id read (key of indicateurs.json)
    kind: EnjeuKind
    when: tuple[Condition, ...]  # every condition must hold; () always holds
    sentence: str = ""
    theme: str = ""  # the section id of the chapter the enjeu speaks of
    also: tuple[str, ...] = ()  # the other indicators the conditions and the sentence read (each needs a value)
    excludes: tuple[str, ...] = ()  # rules that contradict this one: never both on one page
    group: str = ""  # one enjeu per group, the first row that holds ("": the indicator)

    @property
    def text_id(self) -> str:
        return f"en_bref.{self.sentence or self.id}"

    @property
    def indicators(self) -> tuple[str, ...]:
        """Every indicator the enjeu rests on, the rule's first."""
        read = [self.indicator, *self.also]
        read += [i for c in self.when for i in (c.of, c.other) if i]
        return tuple(dict.fromkeys(read))

    @property
    def group_key(self) -> str:
        return self.group or self.indicator


D, FR, PACE, IND = Versus.DEPARTEMENT, Versus.FRANCE, Versus.EVEN_PACE, Versus.INDICATOR
DEMO, HAB, ECO, TER, MOB, CLIM, PROG = "demographie", "habitat", "economie", "territoire", "mobilites", "climat", \
    "programmes"


def above_both(margin: float) -> tuple[Condition, Condition]:
    """Above every département and France by more than `margin`."""
    return more_than(margin, D), more_than(margin, FR)


def below_both(margin: float) -> tuple[Condition, Condition]:
    """Below every département and France by more than `margin`."""
    return less_than(-margin, D), less_than(-margin, FR)


POP, POP_OLD = "variation_population_annuelle", "variation_population_annuelle_recensement"
NAT, MIG = "variation_solde_naturel", "variation_solde_migratoire"
VAC, VAC21 = "part_logements_vacants", "part_logements_vacants_2021"
RS, RS21 = "part_residences_secondaires", "part_residences_secondaires_2021"
POV, POV19 = "taux_pauvrete_tiers", "taux_pauvrete_2019_tiers"
PRIV = "evolution_effectifs_salaries_prives_5ans"

# The rules in the order of the enjeux page (within each kind), a figure's rows together.
RULES: tuple[Rule, ...] = (
    # -- demography: the pace of the population ---------------------------------------------------
    Rule("population_croissance", POP, ATOUT, (more_than(STABLE_PCT_YEAR), *above_both(SAME_PACE_PCT_YEAR)),
         theme=DEMO, excludes=("population_baisse", "solde_migratoire_negatif")),
    Rule("population_baisse", POP, FRAGILITE, (less_than(-STABLE_PCT_YEAR), *below_both(SAME_PACE_PCT_YEAR)),
         theme=DEMO, excludes=("solde_migratoire_attractif",)),
    Rule("population_stable", POP, QUESTION, (at_least(-STABLE_PCT_YEAR), at_most(STABLE_PCT_YEAR)), theme=DEMO),
    Rule("population_croissance_moderee", POP, QUESTION, (more_than(STABLE_PCT_YEAR),), theme=DEMO,
         excludes=("population_baisse",)),
    Rule("population_baisse_partagee", POP, QUESTION, (less_than(-STABLE_PCT_YEAR),), theme=DEMO,
         excludes=("solde_migratoire_attractif", "population_croissance")),
    Rule("population_ralentit", POP, QUESTION,
         (more_than(STABLE_PCT_YEAR, of=POP_OLD), less_than(-TREND_CHANGE_PCT_YEAR, IND, other=POP_OLD)),
         theme=DEMO, group="population_tendance"),
    Rule("population_accelere", POP, QUESTION,
         (more_than(STABLE_PCT_YEAR), more_than(TREND_CHANGE_PCT_YEAR, IND, other=POP_OLD)),
         theme=DEMO, group="population_tendance"),
    Rule("population_baisse_accentuee", POP, QUESTION,
         (less_than(-STABLE_PCT_YEAR), less_than(-TREND_CHANGE_PCT_YEAR, IND, other=POP_OLD)),
         theme=DEMO, group="population_tendance", excludes=("solde_migratoire_attractif",)),
    # -- demography: births and deaths, arrivals and departures -----------------------------------
    Rule("solde_naturel_positif", NAT, ATOUT, (more_than(STABLE_PCT_YEAR), *above_both(SAME_PACE_PCT_YEAR)),
         theme=DEMO),
    Rule("solde_naturel_negatif", NAT, FRAGILITE, (less_than(-STABLE_PCT_YEAR), *below_both(SAME_PACE_PCT_YEAR)),
         theme=DEMO),
    Rule("solde_naturel_deficit", NAT, QUESTION, (less_than(-STABLE_PCT_YEAR),), theme=DEMO),
    Rule("solde_migratoire_attractif", MIG, ATOUT,
         (more_than(ATTRACTIVE_MIGRATION_PCT_YEAR), *above_both(SAME_PACE_PCT_YEAR)), theme=DEMO,
         excludes=("population_baisse", "population_baisse_partagee")),
    Rule("solde_migratoire_negatif", MIG, FRAGILITE,
         (less_than(-STABLE_PCT_YEAR), *below_both(SAME_PACE_PCT_YEAR)), theme=DEMO,
         excludes=("population_croissance",)),
    Rule("arrivees_sans_compenser", MIG, QUESTION,
         (more_than(STABLE_PCT_YEAR), less_than(0, IND, of=NAT, other=MIG, factor=-1.0)), theme=DEMO),
    Rule("arrivees_soutiennent", MIG, QUESTION, (more_than(ATTRACTIVE_MIGRATION_PCT_YEAR),), theme=DEMO,
         excludes=("population_baisse", "population_baisse_partagee")),
    Rule("solde_migratoire_equilibre", MIG, QUESTION, (at_least(-STABLE_PCT_YEAR), at_most(STABLE_PCT_YEAR)),
         theme=DEMO, excludes=("solde_migratoire_attractif",)),
    # -- ageing ---------------------------------------------------------------------------------------
    Rule("vieillissement_marque", "indice_vieillissement", FRAGILITE,
         (at_least(AGEING_INDEX_BALANCE), *above_both(AGEING_INDEX_GAP)), theme=DEMO,
         excludes=("population_jeune",)),
    Rule("population_jeune", "indice_vieillissement", ATOUT, below_both(AGEING_INDEX_GAP), theme=DEMO,
         excludes=("vieillissement_marque",)),
    Rule("plus_d_aines_que_de_jeunes", "indice_vieillissement", QUESTION, (at_least(AGEING_INDEX_BALANCE),),
         theme=DEMO, excludes=("population_jeune",)),
    Rule("aines_nombreux", "part_pop_65_plus", QUESTION, (at_least(MANY_ELDERLY_PCT),), theme=DEMO),
    Rule("jeunes_nombreux", "part_pop_0_19", QUESTION, (at_least(MANY_YOUNG_PCT),), theme=DEMO,
         excludes=("vieillissement_marque",)),
    # -- households -----------------------------------------------------------------------------------
    Rule("menages_familiaux", "personnes_par_menage_approx", QUESTION, above_both(HOUSEHOLD_SIZE_GAP), theme=DEMO),
    Rule("menages_petits", "personnes_par_menage_approx", QUESTION, below_both(HOUSEHOLD_SIZE_GAP), theme=DEMO),
    # -- housing and vacancy -----------------------------------------------------------------------
    Rule("vacance_elevee", VAC, FRAGILITE, (at_least(HIGH_VACANCY_GAP_PTS, D), at_least(HIGH_VACANCY_GAP_PTS, FR)),
         theme=HAB, excludes=("vacance_faible",)),
    Rule("vacance_faible", VAC, QUESTION, (at_most(-LOW_VACANCY_GAP_PTS, D), at_most(-LOW_VACANCY_GAP_PTS, FR)),
         theme=HAB, excludes=("vacance_elevee",)),
    Rule("vacance_au_dessus_de_la_france", VAC, QUESTION, (at_least(HIGH_VACANCY_GAP_PTS, FR),), theme=HAB),
    Rule("vacance_hausse", VAC21, QUESTION, (at_least(TREND_SHARE_PTS, IND, other=VAC),), theme=HAB),
    Rule("vacance_recul", VAC21, QUESTION, (at_most(-TREND_SHARE_PTS, IND, other=VAC),), theme=HAB),
    Rule("proprietaires_dominants", "part_proprietaires", QUESTION, above_both(WIDE_SHARE_GAP_PTS), theme=HAB),
    Rule("locataires_nombreux", "part_proprietaires", QUESTION, below_both(WIDE_SHARE_GAP_PTS), theme=HAB),
    Rule("maisons_dominantes", "part_maisons_2021", QUESTION, (at_least(MANY_HOUSES_PCT),), theme=HAB),
    # -- second homes ---------------------------------------------------------------------------------
    Rule("residences_secondaires_nombreuses", RS, QUESTION, (at_least(MANY_SECONDARY_HOMES_PCT),), theme=HAB),
    Rule("residences_secondaires_hausse", RS21, QUESTION, (at_least(TREND_SHARE_PTS, IND, other=RS),), theme=HAB),
    # -- economy and jobs -----------------------------------------------------------------------------
    Rule("activite_elevee", "taux_activite_15_64", ATOUT, above_both(SHARE_GAP_PTS), theme=ECO),
    Rule("activite_faible", "taux_activite_15_64", FRAGILITE, below_both(SHARE_GAP_PTS), theme=ECO),
    Rule("chomage_bas", "taux_chomage_15_64", ATOUT,
         (at_most(-UNEMPLOYMENT_GAP_PTS, D), at_most(-LOW_UNEMPLOYMENT_GAP_PTS, FR)), theme=ECO,
         excludes=("chomage_eleve",)),
    Rule("chomage_eleve", "taux_chomage_15_64", FRAGILITE,
         (at_least(UNEMPLOYMENT_GAP_PTS, D), at_least(UNEMPLOYMENT_GAP_PTS, FR)), theme=ECO,
         excludes=("chomage_bas",)),
    Rule("chomage_recul", "taux_chomage_15_64_2021", QUESTION,
         (at_most(-TREND_SHARE_PTS, IND, other="taux_chomage_15_64"),), theme=ECO, excludes=("chomage_hausse",)),
    Rule("chomage_hausse", "taux_chomage_15_64_2021", QUESTION,
         (at_least(TREND_SHARE_PTS, IND, other="taux_chomage_15_64"),), theme=ECO, excludes=("chomage_recul",)),
    Rule("emploi_progresse", "variation_emplois_annuelle", ATOUT,
         (more_than(STABLE_PCT_YEAR), *above_both(SAME_PACE_PCT_YEAR)), theme=ECO, excludes=("emploi_recule",)),
    Rule("emploi_recule", "variation_emplois_annuelle", FRAGILITE,
         (less_than(-STABLE_PCT_YEAR), *below_both(SAME_PACE_PCT_YEAR)), theme=ECO,
         excludes=("emploi_progresse", "salaries_prives_plus_vite")),
    Rule("emploi_au_rythme", "variation_emplois_annuelle", QUESTION, (more_than(STABLE_PCT_YEAR),), theme=ECO,
         excludes=("emploi_recule",)),
    Rule("emploi_baisse_partagee", "variation_emplois_annuelle", QUESTION, (less_than(-STABLE_PCT_YEAR),),
         theme=ECO, excludes=("emploi_progresse",)),
    Rule("emploi_stable", "variation_emplois_annuelle", QUESTION,
         (at_least(-STABLE_PCT_YEAR), at_most(STABLE_PCT_YEAR)), theme=ECO),
    Rule("salaries_prives_plus_vite", PRIV, ATOUT,
         (more_than(STABLE_5_YEARS_PCT), at_least(PRIVATE_JOBS_GAP_PTS, D), at_least(PRIVATE_JOBS_GAP_PTS, FR)),
         theme=ECO, excludes=("emploi_recule", "salaries_prives_recul")),
    Rule("salaries_prives_recul", PRIV, FRAGILITE,
         (less_than(-STABLE_5_YEARS_PCT), at_most(-PRIVATE_JOBS_GAP_PTS, D), at_most(-PRIVATE_JOBS_GAP_PTS, FR)),
         theme=ECO, excludes=("salaries_prives_plus_vite", "emploi_progresse")),
    Rule("salaries_prives_en_baisse", PRIV, QUESTION, (less_than(-STABLE_5_YEARS_PCT),), theme=ECO,
         excludes=("emploi_progresse",)),
    Rule("salaries_prives_dynamiques", PRIV, QUESTION,
         (more_than(STABLE_5_YEARS_PCT), at_least(PRIVATE_JOBS_GAP_PTS, FR)), theme=ECO,
         excludes=("emploi_recule",)),
    Rule("salaries_prives_moins_vite", PRIV, QUESTION, (at_most(-PRIVATE_JOBS_GAP_PTS, FR),), theme=ECO),
    Rule("non_salaries_nombreux", "part_emplois_salaries", QUESTION, below_both(WIDE_SHARE_GAP_PTS), theme=ECO),
    Rule("etablissements_employeurs", "part_etab_10_salaries", ATOUT, above_both(SHARE_GAP_PTS), theme=ECO),
    Rule("petits_etablissements", "part_etab_10_salaries", QUESTION, below_both(SHARE_GAP_PTS), theme=ECO),
    # -- job centre or residential ----------------------------------------------------------------
    Rule("pole_emploi", "emplois_pour_100_actifs", ATOUT,
         (more_than(JOB_HUB_JOBS_PER_100), more_than(0, D), more_than(0, FR)), theme=ECO,
         excludes=("territoire_residentiel",)),
    Rule("pole_emploi_local", "emplois_pour_100_actifs", QUESTION, (more_than(JOB_HUB_JOBS_PER_100),), theme=ECO,
         excludes=("territoire_residentiel",)),
    Rule("territoire_residentiel", "emplois_pour_100_actifs", QUESTION, (less_than(RESIDENTIAL_JOBS_PER_100),),
         theme=ECO, excludes=("pole_emploi", "pole_emploi_local")),
    # -- income and poverty -------------------------------------------------------------------------
    Rule("revenus_eleves", "mediane_niveau_vie", ATOUT,
         (more_than(0, D, factor=1 + INCOME_GAP_FACTOR), more_than(0, FR, factor=1 + INCOME_GAP_FACTOR)),
         theme=ECO, excludes=("revenus_modestes", "pauvrete_elevee")),
    Rule("revenus_modestes", "mediane_niveau_vie", FRAGILITE,
         (less_than(0, D, factor=1 - INCOME_GAP_FACTOR), less_than(0, FR, factor=1 - INCOME_GAP_FACTOR)),
         theme=ECO, excludes=("revenus_eleves", "pauvrete_faible")),
    Rule("pauvrete_elevee", "taux_pauvrete", FRAGILITE, above_both(POVERTY_GAP_PTS), theme=ECO,
         excludes=("pauvrete_faible", "revenus_eleves")),
    Rule("pauvrete_faible", "taux_pauvrete", ATOUT, below_both(POVERTY_GAP_PTS), theme=ECO,
         excludes=("pauvrete_elevee", "revenus_modestes")),
    Rule("pauvrete_hausse", POV, QUESTION, (at_least(TREND_SHARE_PTS, IND, other=POV19),), theme=ECO),
    Rule("pauvrete_a_regarder", POV, QUESTION, (at_least(HIGH_POVERTY_PCT),), theme=ECO),
    # -- services and density -----------------------------------------------------------------------
    Rule("territoire_peu_dense", "densite", QUESTION, (less_than(SPARSE_DENSITY), less_than(0, D), less_than(0, FR)),
         theme=TER),
    Rule("france_services", "programme_france_services", QUESTION, (at_least(1),), theme=PROG),
    # -- programmes -------------------------------------------------------------------------------------
    Rule("centralites_accompagnees", "programme_pvd", QUESTION, (at_least(1),), theme=PROG,
         also=("programme_acv", "programme_ort"), group="programmes_centralites"),
    Rule("centralites_acv", "programme_acv", QUESTION, (at_least(1),), theme=PROG,
         also=("programme_ort",), group="programmes_centralites"),
    Rule("sans_programme_centralite", "programme_pvd", QUESTION,
         (at_most(0), at_most(0, of="programme_acv"), at_most(0, of="programme_villages_avenir")), theme=PROG,
         group="programmes_centralites"),
    Rule("villages_avenir", "programme_villages_avenir", QUESTION, (at_least(1),), theme=PROG),
    Rule("territoires_industrie", "programme_territoires_industrie", QUESTION, (at_least(1),), theme=PROG),
    # -- mobility (census commutes, online) -------------------------------------------------------------
    Rule("dependance_voiture", "part_navetteurs_mode_5", FRAGILITE, above_both(CAR_GAP_PTS), theme=MOB),
    Rule("transports_en_commun_rares", "part_navetteurs_mode_6", QUESTION, (less_than(FEW_PUBLIC_TRANSPORT_PCT),),
         theme=MOB),
    Rule("travail_hors_commune", "part_navetteurs_lieu_10", QUESTION, below_both(WIDE_SHARE_GAP_PTS), theme=MOB),
    # -- climate and risks (online) -----------------------------------------------------------------
    Rule("rechauffement_observe", "ecart_temperature_recente_reference", QUESTION, (at_least(NOTABLE_WARMING_C),),
         theme=CLIM),
    Rule("jours_chauds_plus_nombreux", "jours_tx_30_recent", QUESTION,
         (at_least(MORE_HOT_DAYS, IND, other="jours_tx_30_reference"),), theme=CLIM),
    Rule("nuits_tropicales_plus_nombreuses", "nuits_tropicales_recent", QUESTION,
         (at_least(MORE_TROPICAL_NIGHTS, IND, other="nuits_tropicales_reference"),), theme=CLIM),
    Rule("gel_en_recul", "jours_gel_recent", QUESTION, (at_most(-FEWER_FROST_DAYS, IND, other="jours_gel_reference"),),
         theme=CLIM),
    Rule("pluies_en_baisse", "precipitations_recent", QUESTION,
         (at_most(0, IND, other="precipitations_reference", factor=DRIER_FACTOR),), theme=CLIM),
    Rule("catastrophes_naturelles_repetees", "catnat_reconnaissances", QUESTION,
         (at_least(0, IND, other="communes_lues_georisques", factor=CATNAT_PER_COMMUNE),), theme=CLIM),
    # -- land take (online) ---------------------------------------------------------------------------
    Rule("consommation_espaces_rapide", "conso_naf_part_repere", QUESTION, (more_than(0, PACE),), theme=CLIM),
    Rule("foncier_par_menage", "conso_hab_par_menage_supplementaire", QUESTION,
         (at_least(SPRAWL_M2_PER_HOUSEHOLD),), theme=CLIM),
)

@dataclass(frozen=True, slots=True)
class Figure:
    """What a sentence reads of one indicator: its value, period, source and references."""

    value: float
    period: str
    source: str  # "Insee, RP 2018"
    departement: Reference | None  # the first département published
    departements: tuple[Reference, ...]
    france: Reference | None
    pace: float | None  # the even pace of a benchmark over the period, in % (land take)


def _departements(indicator: Indicator) -> tuple[Reference, ...]:
    return tuple(Reference(c.name, c.value) for c in indicator.comparisons
                 if c.level == "departement" and c.value is not None)


def _france(indicator: Indicator) -> Reference | None:
    return next((Reference(c.name, c.value) for c in indicator.comparisons
                 if c.level == "france" and c.value is not None), None)


def even_pace(period: str) -> float | None:
    """The share of the 2021-2030 benchmark an even pace uses over `period` ("2021-2023": 30 %)."""
    first, _, last = period.partition("-")
    if first.isdigit() and last.isdigit():
        return (int(last) - int(first) + 1) * 100 / LAND_TAKE_BENCHMARK_YEARS
    return None


def figure(indicator: Indicator) -> Figure | None:
    if indicator.value is None:
        return None
    departements = _departements(indicator)
    source = say("en_bref.source", source_id=indicator.source.source_id, vintage=indicator.source.vintage)
    return Figure(indicator.value, indicator.period, source, departements[0] if departements else None,
                  departements, _france(indicator), even_pace(indicator.period))


def _references_of(main: Figure) -> Callable[[str], str]:
    """`refs(style)` for a sentence: the figure's départements and France, formatted by en_bref.refs."""
    def refs(style: str) -> str:
        return say("en_bref.refs", departements=main.departements, france=main.france, style=style)
    return refs


def holds(condition: Condition, rule: Rule, figures: Mapping[str, Figure]) -> bool:
    compared = figures.get(condition.of or rule.indicator)
    if compared is None:
        return False
    value, compare = compared.value, _OPERATORS[condition.op]
    bases: list[float]
    if condition.versus is Versus.ABSOLUTE:
        bases = [0.0]
    elif condition.versus is Versus.INDICATOR:
        other = figures.get(condition.other)
        bases = [] if other is None else [other.value]
    elif condition.versus is Versus.DEPARTEMENT:
        bases = [d.value for d in compared.departements]  # every département must hold
    elif condition.versus is Versus.FRANCE:
        bases = [] if compared.france is None else [compared.france.value]
    else:
        bases = [] if compared.pace is None else [compared.pace]
    if not bases:
        return condition.without_reference
    return all(compare(value, base * condition.factor + condition.threshold) for base in bases)


def evaluate(indicators: Mapping[str, Indicator], rules: tuple[Rule, ...] = RULES) -> list[Enjeu]:
    """The enjeux the rules give for these indicators (by id), in the order of the rules."""
    figures = {key: f for key, ind in indicators.items() if (f := figure(ind)) is not None}
    out: list[Enjeu] = []
    answered: set[str] = set()
    fired: list[Rule] = []
    for rule in rules:
        if rule.group_key in answered or any(i not in figures for i in (rule.indicator, *rule.also)):
            continue
        if not all(holds(condition, rule, figures) for condition in rule.when):
            continue
        if any(rule.id in other.excludes or other.id in rule.excludes for other in fired):
            continue  # a contradiction with an enjeu already on the page: the first row wins
        answered.add(rule.group_key)
        fired.append(rule)
        main = figures[rule.indicator]
        text = say(rule.text_id, value=main.value, period=main.period, source=main.source,
                   departement=main.departement, departements=main.departements, france=main.france,
                   pace=main.pace, fig={i: figures[i] for i in rule.indicators if i in figures},
                   refs=_references_of(main))
        out.append(Enjeu(rule.kind, text, rule.indicator, theme=rule.theme, rule=rule.id,
                         indicators=rule.indicators))
    return out
