"""Store tables of the census and its companions: legal populations, RP, Filosofi, civil registration.

Melodi's census datasets (sources/melodi_census.py) write the `rp_*` tables; the national
comparateur file (sources/insee_comparateur.py) writes `insee_comparateur`; the sample builder
writes the third-party compilations of the four Ateliers sites.
"""

from __future__ import annotations

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


COMPARATEUR = TableSpec("insee_comparateur", "insee_comparateur", vintage=comparateur_vintage,
                        description="INSEE base du comparateur de territoires, one row per commune and variable")
POPULATIONS_LEGALES = TableSpec("populations_legales", "insee_populations_legales", vintage=_legal,
                                description="legal populations (pmun, ptot) by commune and year")
POPULATION_HISTORIQUE = TableSpec("population_historique", "insee_pop_historique", vintage=census_vintage,
                                  description="census populations 1962-2015 (samples)")
RP2021_IRIS = TableSpec("rp2021_iris", "insee_rp2021_iris", vintage=census_vintage,
                        description="RP 2021 by IRIS summed to communes (samples)")
RP2021_COMPILATION = TableSpec("rp2021_compilation", "insee_rp2021_compilation", vintage=_compilation,
                               description="third-party RP 2021 compilation (samples)")
RP2022_PTOD_EPCI = TableSpec("rp2022_ptod_epci", "ptod_epci", vintage=_ptod_epci,
                             description="RP 2022 housing shares and Filosofi of the sample EPCIs (ptod)")
# Melodi census datasets (sources/melodi_census.py declares their codes).
RP_SERIE_HISTORIQUE = TableSpec("rp_serie_historique", "insee_melodi", vintage=census_vintage)
RP_POPULATION = TableSpec("rp_population", "insee_melodi", vintage=census_vintage)
RP_MENAGES = TableSpec("rp_menages", "insee_melodi", vintage=census_vintage)
RP_LOGEMENT = TableSpec("rp_logement", "insee_melodi", vintage=census_vintage)
RP_EMPLOI_RESIDENTS = TableSpec("rp_emploi_residents", "insee_melodi", vintage=census_vintage)
RP_EMPLOI_LIEU_TRAVAIL = TableSpec("rp_emploi_lieu_travail", "insee_melodi", vintage=census_vintage)
RP_POPULATION_PCS = TableSpec("rp_population_pcs", "insee_melodi", vintage=census_vintage)
RP_NAVETTES = TableSpec("rp_navettes", "insee_melodi", vintage=census_vintage)
FILOSOFI = TableSpec("filosofi", "insee_melodi", vintage=_filosofi)
ETAT_CIVIL_NAISSANCES = TableSpec("etat_civil_naissances", "insee_melodi", vintage=_civil)
ETAT_CIVIL_DECES = TableSpec("etat_civil_deces", "insee_melodi", vintage=_civil)

# Where several tables answer one variable: variable -> (first choice, second, …).
ANSWERS: dict[str, tuple[TableSpec, ...]] = {}
