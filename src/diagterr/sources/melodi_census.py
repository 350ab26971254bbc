"""The census (RP), Filosofi and civil-registration datasets of Melodi, and how their
observations become the variables of our store.

A dataset is a cube: each observation has a code on every dimension (SEX, AGE, OCS, TSH…), and
`_T` marks the total of a dimension. A `Selection` names one variable: the codes it requires on
some dimensions; every other dimension must be at its total `_T` (except the dimensions that are
not breakdowns: FREQ, UNIT_MEASURE, UNIT_MULT). A code may be `*` (any code but the total): the
variable name then carries the code, `pop_{SEX}_{AGE}` → `pop_F_Y15T29`, and the theme reads the
brackets the data has instead of a list we would maintain by hand.

Where each code comes from (no RP or Filosofi `/data` body has been recorded, APIS.md §2):
- DS_RP_POPULATION_PRINC: RP_MEASURE=POP, SEX, AGE and their `_T` totals (pynsee docstring,
  france_opendata 0.50.0, CL_AGE REAL code list);
- DS_RP_LOGEMENT_PRINC: RP_MEASURE=DWELLINGS, OCS DW_MAIN/DW_SEC_DW_OCC/DW_VAC, TSH
  100/211/212_222/221/300 (france_opendata 0.50.0, which says it checked them against national
  totals: a third-party claim), BUILD_END and TDW (dimension names from the same code; their
  codes are read from the data);
- DS_RP_MENAGES_PRINC: RP_MEASURE DWELLINGS (households) and NOC (number of occupants)
  (france_opendata; a published R manifest of DS_RP_MENAGES_COMP names DWELLINGS and
  DWELLINGS_POPSIZE);
- DS_RP_EMPLOI_LR_PRINC: EMPSTA_ENQ 1 (in work) / 2 (unemployed), AGE=Y15T64, SEX and EDUC at
  `_T` (two independent public scripts);
- DS_RP_NAVETTES_PRINC: TRANS (1 no transport, 2 walking, 3 bicycle, 4 two-wheeler, 5 car,
  6 public transport) and WORK_AREA (a public data dictionary checked on the 2022 CSV);
- DS_RP_LOGEMENT_PRINC, what the codes mean (habitat reads them): TSH 100 owners, 211 tenants
  of an unfurnished non-HLM dwelling (private), 221 tenants of an unfurnished HLM dwelling,
  212_222 furnished or hotel room, 300 lodged free, 200 all tenants (a subtotal: 211 + 212_222 +
  221); BUILD_END Y_LT1919, Y1919T1945, Y1946T1970, Y1971T1990, Y1991T2005, Y2006TAAAA ("2006
  and after", the end year left open), with redundant aggregates Y_LT1946, Y1946T1990,
  Y1991T2009, Y_LT<year> (france_opendata 0.50.0 for TSH, and two independent public import
  scripts of the 2023 file for TSH and BUILD_END: third-party claims);
- DS_RP_SERIE_HISTORIQUE: RP_MEASURE POP, BRTH, DEATH, DWELLINGS with OCS (public scripts and
  a data dictionary of the 2023 file);
- DS_RP_POPULATION_COMP: the population aged 15 or more (AGE=Y_GE15, SEX=_T) by socio-professional
  category, dimension PCS: 1 farmers, 2 craftsmen/shopkeepers/business owners, 3 managers and
  higher intellectual professions, 4 intermediate professions, 5 employees, 6 workers, 7 retired,
  8 (before RP 2022) / 9 (from RP 2022) other persons without professional activity, `_T` total
  (two independent public scripts querying Melodi, one noting that 8 is absent from 2022 on;
  RP_MEASURE is read as published). A code we do not know is shown raw, never relabelled;
- DS_FILOSOFI_CC: FILOSOFI_MEASURE MED_SL and PR_MD60 (APIS.md §2), published for the EPCI;
- DS_ETAT_CIVIL_NAIS_COMMUNES / _DECES_COMMUNES: the yearly count (measure read as published).
A selection the data does not answer is written in the table's manifest and its indicator shows
"n.d." with the reason: a renamed code fails loudly, it never turns into a zero.

Breakdowns (a family `…_{DIM}` whose dimension has leaf codes in tables.census.BREAKDOWN_LEAVES)
keep their leaf codes only: the aggregates the cubes publish beside them (TRANS 3T4 beside 3 and
4, WORK_AREA 20_30, TSH 1, 2 and 200…) and codes we do not know are left out and named in the
manifest. Each place's leaves must add up to the breakdown's total (± rounding: 0.5 point or one
unit), at most to it where the answer holds only some of them; otherwise the breakdown of that
census year is not stored and `Breakdowns.rejected` says why, in French.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from diagterr.formatting import pourcent
from diagterr.sources import melodi
from diagterr.tables import census

log = logging.getLogger(__name__)

TOTAL = "_T"
ANY = "*"
# Dimensions that are not breakdowns: an observation may carry any code on them.
NOT_BREAKDOWNS = frozenset({"FREQ", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS"})


@dataclass(frozen=True)
class Selection:
    """One store variable: required codes on some dimensions, totals on every other one."""

    variable: str  # may name wildcard dimensions: "pop_{SEX}_{AGE}"
    codes: Mapping[str, str]  # dimension -> code, or ANY (any code but the total)
    additive: bool = True  # a count (summed over merged communes) or not (a median, a rate)

    def variable_of(self, dimensions: Mapping[str, str], free: frozenset[str]) -> str | None:
        for dimension, code in self.codes.items():
            value = dimensions.get(dimension)
            if value is None:
                return None
            if code == ANY:
                if value == TOTAL:
                    return None
            elif value != code:
                return None
        for dimension, value in dimensions.items():
            if dimension not in self.codes and dimension not in free and value != TOTAL:
                return None
        return self.variable.format(**{d: dimensions[d] for d, c in self.codes.items() if c == ANY})


@dataclass(frozen=True)
class CensusDataset:
    """A Melodi dataset, the store table it fills and the variables it gives."""

    dataset_id: str
    table: str  # name of its TableSpec (diagterr.tables), which lists the same variables
    selections: tuple[Selection, ...]
    filters: Mapping[str, str] = field(default_factory=dict)  # sent to Melodi: less to download
    free_dimensions: frozenset[str] = NOT_BREAKDOWNS  # dimensions not checked for totals
    territory_level: bool = False  # also ask the EPCI's own published value (medians, rates)
    comparisons: bool = True  # also ask the département, région and France

    @property
    def probe_variable(self) -> str:
        """The variable whose presence tells that the store holds the dataset for a commune."""
        return self.selections[0].variable

    def variable_of(self, observation: melodi.Observation) -> str | None:
        dimensions = dict(observation.dimensions)
        for selection in self.selections:
            variable = selection.variable_of(dimensions, self.free_dimensions)
            if variable is not None:
                return variable
        return None

    def selection_of(self, variable: str) -> Selection | None:
        """The selection a store variable comes from (the first whose name pattern fits)."""
        return next((s for s in self.selections if _pattern(s.variable).fullmatch(variable)), None)

    def additive(self, variable: str) -> bool:
        selection = self.selection_of(variable)
        return True if selection is None else selection.additive

    def unanswered(self, frame: pd.DataFrame) -> list[str]:
        """The selections the data did not answer at all (a renamed or unpublished code)."""
        answered = {id(self.selection_of(v)) for v in (set(frame["variable"]) if not frame.empty else set())}
        return [s.variable for s in self.selections if id(s) not in answered]

    def breakdowns(self, frame: pd.DataFrame) -> Breakdowns:
        """`frame` (rows of observation_frame, as read from Melodi) with only the leaf codes of
        each breakdown, and the breakdowns whose leaves do not add up to their total left out."""
        result = Breakdowns(frame)
        for selection in self.selections:
            wildcards = [d for d, c in selection.codes.items() if c == ANY]
            if len(wildcards) != 1 or wildcards[0] not in census.BREAKDOWN_LEAVES:
                continue
            total = None
            if wildcards[0] not in census.BREAKDOWN_TOTALS:
                total = self._total_selection(selection, wildcards[0])
            result = _check_breakdown(result, selection, wildcards[0], total)
        return result

    def _total_selection(self, selection: Selection, dimension: str) -> str | None:
        """The variable of the breakdown's total: the selection of the same codes, `dimension` at `_T`."""
        codes = {d: c for d, c in selection.codes.items() if d != dimension}
        return next((s.variable for s in self.selections if dict(s.codes) == codes and ANY not in s.codes.values()),
                    None)


@dataclass(frozen=True)
class Breakdowns:
    """A frame once its breakdowns are checked, and what was left out (French, for the manifest)."""

    frame: pd.DataFrame
    dropped: tuple[str, ...] = ()  # "navetteurs_mode_{TRANS} : 3T4" (codes left out)
    rejected: tuple[str, ...] = ()  # a breakdown not stored for a census year, and why
    rejected_variables: frozenset[str] = frozenset()  # selections with no stored year left


# Rounding of the published counts: a breakdown adds up to its total within 0.5 point or one unit.
SUM_TOLERANCE_PCT = 0.5
SUM_TOLERANCE_UNITS = 1.0


def _check_breakdown(state: Breakdowns, selection: Selection, dimension: str, total: str | None) -> Breakdowns:
    """One breakdown (`selection`, family of `dimension`): leaf codes kept, sums checked per census year."""
    frame = state.frame
    if frame.empty:
        return state
    prefix, _, suffix = selection.variable.partition("{" + dimension + "}")
    variables = frame["variable"]
    family = (variables.str.startswith(prefix) & variables.str.endswith(suffix)
              & (variables.str.len() > len(prefix) + len(suffix)))
    if not family.any():
        return state
    codes = variables.where(family, "").map(lambda v: v[len(prefix):len(v) - len(suffix)])
    partitions = census.BREAKDOWN_LEAVES[dimension]
    leaves = {c for partition in partitions for c in partition}
    total_pattern = census.BREAKDOWN_TOTALS.get(dimension)
    keep = pd.Series(False, index=frame.index)
    dropped: set[str] = set()
    rejected: list[str] = []
    stored_years: set[str] = set()
    for period in sorted(set(frame.loc[family, "period"])):
        here = family & (frame["period"] == period)
        present = set(codes[here])
        # The first partition the answer holds in full, else the one it holds most of.
        chosen = max(partitions, key=lambda p: (set(p) <= present, len(set(p) & present)))
        total_code = None
        if total_pattern is not None:
            years = {c: int(m[1]) for c in present - leaves if (m := re.fullmatch(total_pattern, c))}
            total_code = max(years, key=years.__getitem__) if years else None
        kept_codes = (set(chosen) & present) | ({total_code} if total_code else set())
        dropped |= present - kept_codes
        if not set(chosen) & present:
            continue
        if total_code is not None:
            totals = frame[here & (codes == total_code)]
        elif total is not None:
            totals = frame[(variables == total) & (frame["period"] == period)]
        else:
            totals = frame.iloc[0:0]
        problem = _sum_problem(frame[here & codes.isin(chosen)], codes, totals, chosen)
        if problem is not None:
            rejected.append(f"répartition « {selection.variable} » de {period} écartée : {problem}")
            log.warning("Melodi breakdown %s %s rejected: %s", selection.variable, period, problem)
            continue
        keep |= here & codes.isin(kept_codes)
        stored_years.add(period)
    if dropped:
        log.info("Melodi breakdown %s: codes left out (aggregates or unknown): %s", selection.variable, sorted(dropped))
    return Breakdowns(
        frame[~family | keep].reset_index(drop=True),
        state.dropped + ((f"{selection.variable} : {', '.join(sorted(dropped))}",) if dropped else ()),
        state.rejected + tuple(rejected),
        state.rejected_variables | ({selection.variable} if rejected and not stored_years else frozenset()),
    )


def _sum_problem(parts: pd.DataFrame, codes: pd.Series, totals: pd.DataFrame, chosen: tuple[str, ...]) -> str | None:
    """Why the leaves of one breakdown and year do not add up to its total at some place (None: they do)."""
    by_place = {(r.geo_level, r.geo_code): r.value for r in totals.itertuples()}
    for (level, code), group in parts.groupby(["geo_level", "geo_code"], sort=True):
        whole = by_place.get((level, code))
        values = group["value"].tolist()
        if whole is None or _missing(whole) or any(_missing(v) for v in values) or whole <= 0:
            continue  # a secret or absent figure: nothing to check
        found = set(codes[group.index])
        share = sum(values) / whole * 100
        tolerance = max(SUM_TOLERANCE_PCT, SUM_TOLERANCE_UNITS / whole * 100)
        complete = set(chosen) <= found
        if (complete and abs(share - 100) > tolerance) or (not complete and share > 100 + tolerance):
            where = "France" if level == "FR" else f"{level} {code}"
            expected = "100 %" if complete else "au plus 100 %"
            return (f"ses codes ({', '.join(c for c in chosen if c in found)}) font {pourcent(share)} du total "
                    f"à {where} (attendu : {expected}, à l'arrondi près)")
    return None


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[A-Z_]+\}", template)
    return re.compile("(.+)".join(re.escape(p) for p in parts))


def _counts(measure: str, **codes: str) -> dict[str, str]:
    return {"RP_MEASURE": measure, **codes}


RP_SERIE_HISTORIQUE = CensusDataset(
    "DS_RP_SERIE_HISTORIQUE",
    census.RP_SERIE_HISTORIQUE.name,
    (
        Selection("pop", _counts("POP")),
        Selection("naissances_periode", _counts("BRTH")),
        Selection("deces_periode", _counts("DEATH")),
        Selection("logements", _counts("DWELLINGS")),
        Selection("residences_principales", _counts("DWELLINGS", OCS="DW_MAIN")),
        Selection("residences_secondaires", _counts("DWELLINGS", OCS="DW_SEC_DW_OCC")),
        Selection("logements_vacants", _counts("DWELLINGS", OCS="DW_VAC")),
    ),
)

RP_POPULATION = CensusDataset(
    "DS_RP_POPULATION_PRINC",
    census.RP_POPULATION.name,
    (
        Selection("pop", {"RP_MEASURE": "POP"}),
        Selection("pop_T_{AGE}", {"RP_MEASURE": "POP", "AGE": ANY}),
        Selection("pop_{SEX}_{AGE}", {"RP_MEASURE": "POP", "SEX": ANY, "AGE": ANY}),
    ),
    filters={"RP_MEASURE": "POP"},
)

RP_MENAGES = CensusDataset(
    "DS_RP_MENAGES_PRINC",
    census.RP_MENAGES.name,
    (
        Selection("menages", {"RP_MEASURE": "DWELLINGS"}),
        Selection("menages_{NOC}", {"RP_MEASURE": "DWELLINGS", "NOC": ANY}),
        Selection("pop_menages", {"RP_MEASURE": "DWELLINGS_POPSIZE"}),
    ),
)

RP_LOGEMENT = CensusDataset(
    "DS_RP_LOGEMENT_PRINC",
    census.RP_LOGEMENT.name,
    (
        Selection("logements", _counts("DWELLINGS")),
        Selection("residences_principales", _counts("DWELLINGS", OCS="DW_MAIN")),
        Selection("residences_secondaires", _counts("DWELLINGS", OCS="DW_SEC_DW_OCC")),
        Selection("logements_vacants", _counts("DWELLINGS", OCS="DW_VAC")),
        Selection("rp_statut_{TSH}", _counts("DWELLINGS", OCS="DW_MAIN", TSH=ANY)),
        Selection("rp_achevement_{BUILD_END}", _counts("DWELLINGS", OCS="DW_MAIN", BUILD_END=ANY)),
        Selection("logements_type_{TDW}", _counts("DWELLINGS", TDW=ANY)),
    ),
    filters={"RP_MEASURE": "DWELLINGS"},
)

RP_EMPLOI_RESIDENTS = CensusDataset(
    "DS_RP_EMPLOI_LR_PRINC",
    census.RP_EMPLOI_RESIDENTS.name,
    (
        Selection("pop_15_64", {"AGE": "Y15T64"}),
        Selection("actifs_occupes_15_64", {"AGE": "Y15T64", "EMPSTA_ENQ": "1"}),
        Selection("chomeurs_15_64", {"AGE": "Y15T64", "EMPSTA_ENQ": "2"}),
    ),
    filters={"AGE": "Y15T64", "SEX": TOTAL, "EDUC": TOTAL},
    free_dimensions=NOT_BREAKDOWNS | {"RP_MEASURE"},
)

RP_EMPLOI_LIEU_TRAVAIL = CensusDataset(
    "DS_RP_EMPLOI_LT_PRINC",
    census.RP_EMPLOI_LIEU_TRAVAIL.name,
    (Selection("emplois", {}),),
    free_dimensions=NOT_BREAKDOWNS | {"RP_MEASURE"},
)

RP_POPULATION_PCS = CensusDataset(
    "DS_RP_POPULATION_COMP",
    census.RP_POPULATION_PCS.name,
    (
        Selection("pop_15_plus", {"AGE": "Y_GE15"}),
        Selection("pop_15_plus_pcs_{PCS}", {"AGE": "Y_GE15", "PCS": ANY}),
    ),
    filters={"AGE": "Y_GE15", "SEX": TOTAL},
    free_dimensions=NOT_BREAKDOWNS | {"RP_MEASURE"},
)

RP_NAVETTES = CensusDataset(
    "DS_RP_NAVETTES_PRINC",
    census.RP_NAVETTES.name,
    (
        Selection("actifs_occupes", {}),
        Selection("navetteurs_mode_{TRANS}", {"TRANS": ANY}),
        Selection("navetteurs_lieu_{WORK_AREA}", {"WORK_AREA": ANY}),
    ),
    free_dimensions=NOT_BREAKDOWNS | {"RP_MEASURE"},
)

FILOSOFI = CensusDataset(
    "DS_FILOSOFI_CC",
    census.FILOSOFI.name,
    (
        Selection("mediane_niveau_vie", {"FILOSOFI_MEASURE": "MED_SL"}, additive=False),
        Selection("taux_pauvrete_pct", {"FILOSOFI_MEASURE": "PR_MD60"}, additive=False),
    ),
    territory_level=True,
)

NAISSANCES = CensusDataset(
    "DS_ETAT_CIVIL_NAIS_COMMUNES", census.ETAT_CIVIL_NAISSANCES.name, (Selection("naissances", {}),),
    free_dimensions=NOT_BREAKDOWNS | {"EC_MEASURE"}, comparisons=False,
)
DECES = CensusDataset(
    "DS_ETAT_CIVIL_DECES_COMMUNES", census.ETAT_CIVIL_DECES.name, (Selection("deces", {}),),
    free_dimensions=NOT_BREAKDOWNS | {"EC_MEASURE"}, comparisons=False,
)

# In the order they are fetched (the census first: it makes the dossier).
CENSUS_DATASETS: tuple[CensusDataset, ...] = (
    RP_POPULATION,
    RP_SERIE_HISTORIQUE,
    RP_MENAGES,
    RP_LOGEMENT,
    RP_EMPLOI_RESIDENTS,
    RP_EMPLOI_LIEU_TRAVAIL,
    RP_NAVETTES,
    RP_POPULATION_PCS,
    FILOSOFI,
    NAISSANCES,
    DECES,
)
