"""The economy datasets of Melodi (Flores salaried jobs and employer establishments, SIDE
establishment stocks and creations, tourism capacity) as `CensusDataset`s: which codes become
which store variables, with as few requests as the filters allow (one per dataset and level).
The tables, their variables and the French labels of the codes are declared in tables/economy.py.

The rule is melodi_census's: a `Selection` names one variable; every dimension it does not name
must be at its total `_T`; `*` (ANY) lets the data name the variable (`emplois_{ACTIVITY}` →
`emplois_QB`), so a code we could not confirm is read as INSEE publishes it, never guessed.

Where each code comes from (no Flores, SIDE or tourism `/data` body has been recorded, APIS.md §2;
the dataset ids, periods and GEO levels are those of the REAL catalogue, melodi__catalog_subset):
- Flores (DS_FLORES_A38, DS_FLORES_A5, DS_FLORES_ECONOMIC_SPHERE): FLORES_MEASURE EMPL3112
  (salaried jobs in the last week of December) and UNIT_LOC (establishments); ACTIVITY (A38 or
  A5 codes, `_T`); NUMBER_EMPL size bands (E0, E1T4 … E_GE500, `_T`); LEGAL_FORM_WITH_PUBLIC,
  which has NO `_T`: its whole field is 1T9X7 (legal categories 1 to 9 but 7, i.e. without
  private employers: the catalogue's "hors particuliers employeurs"). Third-party: the columns
  of the 2024 A38 CSV as read by two public projects, a code table generated from the Melodi API
  by a third (which also gives ECONOMIC_SPHERE PRESENTIAL / PRODUCTIVE / `_T`), a script that
  filters the A17 file on LEGAL_FORM_WITH_PUBLIC=1T9X7. Sectors and spheres are wildcards;
  the A38 and A5 catalogue descriptions say "tranche d'effectifs" (REAL).
- SIDE (DS_SIDE_STOCKS_ET_COM, DS_SIDE_CREA_ETAB_COM): SIDE_MEASURE UNIT_LOC (stock of
  establishments) and UNIT_LOC_BURE (establishment creations); ACTIVITY A10 without
  agriculture (BE, FZ, GI, JZ, KZ, LZ, MN, OQ, RU and `_T`, the catalogue says "A10 hors
  agriculture", REAL); LEGAL_FORM `_T` for creations. Third-party: several public scripts
  filtering the SIDE CSV files, and the generated code table. Sectors are wildcards.
- DS_TOUR_CAP: TOUR_MEASURE UNIT_LOC (establishments), PLACE (rooms of a hotel, pitches of a
  campsite: the same code, two units) and BEDPLACE (beds of other collective accommodation);
  ACTIVITY I551 hotels, I552 other collective accommodation, I553 campsites (NAF 55.1-55.3);
  L_STAY and UNIT_LOC_RANKING at `_T`. Third-party: a public module reading the DS_TOUR_CAP CSV
  with identity checks, and the generated code table. Measure and activity are wildcards: the
  dossier reads the pairs it knows and says which are missing.
A selection the data does not answer is written in the table's manifest ("codes sans réponse")
and its figure shows "n.d." with the reason; a secret value stays missing, never 0.

Request plan (melodi.territory_requests): the communes in one request, then the département,
the région and France; for Flores also the EPCI's own published counts, because Flores hides
many small communes' sectors (secrecy) and a sum with a hole is not a total. The filters keep
every answer under one page of 10 000 observations for an EPCI of up to about a hundred
communes (A38: 39 sectors × 2 measures per commune).
"""

from __future__ import annotations

from diagterr.sources.melodi_census import ANY, TOTAL, CensusDataset, Selection
from diagterr.tables import economy
from diagterr.tables.economy import HOTEL, tourism_variable

ALL_EMPLOYERS = "1T9X7"  # LEGAL_FORM_WITH_PUBLIC: every legal form but private employers (7)
JOBS, ESTABLISHMENTS = "EMPL3112", "UNIT_LOC"  # FLORES_MEASURE


def _flores(measure: str, **codes: str) -> dict[str, str]:
    return {"FLORES_MEASURE": measure, "LEGAL_FORM_WITH_PUBLIC": ALL_EMPLOYERS, **codes}


FLORES_SECTORS = CensusDataset(
    "DS_FLORES_A38",
    economy.FLORES_SECTEURS.name,
    (
        Selection("emplois_salaries", _flores(JOBS)),
        Selection("emplois_{ACTIVITY}", _flores(JOBS, ACTIVITY=ANY)),
        Selection("etablissements_employeurs", _flores(ESTABLISHMENTS)),
        Selection("etablissements_employeurs_{ACTIVITY}", _flores(ESTABLISHMENTS, ACTIVITY=ANY)),
    ),
    filters={"LEGAL_FORM_WITH_PUBLIC": ALL_EMPLOYERS, "NUMBER_EMPL": TOTAL},
    territory_level=True,
)

FLORES_SIZES = CensusDataset(
    "DS_FLORES_A5",
    economy.FLORES_TAILLES.name,
    (
        Selection("etablissements_employeurs", _flores(ESTABLISHMENTS)),
        Selection("etablissements_employeurs_{NUMBER_EMPL}", _flores(ESTABLISHMENTS, NUMBER_EMPL=ANY)),
        Selection("emplois_salaries", _flores(JOBS)),
    ),
    filters={"LEGAL_FORM_WITH_PUBLIC": ALL_EMPLOYERS},
    territory_level=True,
)

FLORES_SPHERES = CensusDataset(
    "DS_FLORES_ECONOMIC_SPHERE",
    economy.FLORES_SPHERES.name,
    (
        Selection("emplois_salaries", _flores(JOBS)),
        Selection("emplois_sphere_{ECONOMIC_SPHERE}", _flores(JOBS, ECONOMIC_SPHERE=ANY)),
        Selection("etablissements_employeurs", _flores(ESTABLISHMENTS)),
        Selection("etablissements_sphere_{ECONOMIC_SPHERE}", _flores(ESTABLISHMENTS, ECONOMIC_SPHERE=ANY)),
    ),
    filters={"LEGAL_FORM_WITH_PUBLIC": ALL_EMPLOYERS},
    territory_level=True,
)

SIDE_STOCKS = CensusDataset(
    "DS_SIDE_STOCKS_ET_COM",
    economy.SIDE_ETABLISSEMENTS.name,
    (
        Selection("etablissements", {"SIDE_MEASURE": "UNIT_LOC"}),
        Selection("etablissements_{ACTIVITY}", {"SIDE_MEASURE": "UNIT_LOC", "ACTIVITY": ANY}),
    ),
    filters={"SIDE_MEASURE": "UNIT_LOC"},
)

SIDE_CREATIONS = CensusDataset(
    "DS_SIDE_CREA_ETAB_COM",
    economy.SIDE_CREATIONS.name,
    (
        Selection("creations_etablissements", {"SIDE_MEASURE": "UNIT_LOC_BURE"}),
        Selection("creations_etablissements_{ACTIVITY}", {"SIDE_MEASURE": "UNIT_LOC_BURE", "ACTIVITY": ANY}),
    ),
    filters={"SIDE_MEASURE": "UNIT_LOC_BURE", "LEGAL_FORM": TOTAL},
)

TOURISM = CensusDataset(
    "DS_TOUR_CAP",
    economy.TOURISME_CAPACITE.name,
    (
        # First (the probe of the refresh): the hotels, published for every commune with one.
        Selection(tourism_variable("UNIT_LOC", HOTEL), {"TOUR_MEASURE": "UNIT_LOC", "ACTIVITY": HOTEL}),
        Selection("tourisme_{TOUR_MEASURE}_{ACTIVITY}", {"TOUR_MEASURE": ANY, "ACTIVITY": ANY}),
    ),
)

# In the order they are fetched, after the census (melodi_datasets.KEPT_UP_TO_DATE).
ECONOMY_DATASETS: tuple[CensusDataset, ...] = (
    FLORES_SECTORS,
    FLORES_SPHERES,
    FLORES_SIZES,
    SIDE_STOCKS,
    SIDE_CREATIONS,
    TOURISM,
)
