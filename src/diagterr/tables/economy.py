"""Store tables of the economy: Melodi's Flores, SIDE and tourism datasets, URSSAF salaried jobs,
the largest establishments (Recherche d'entreprises), the samples' third-party Flores files.

sources/melodi_economy.py declares which Melodi codes become these tables' variables (a variable
written `emplois_{ACTIVITY}` is a family: the codes of the data take the place of the braces);
sources/urssaf.py and sources/recherche_entreprises.py write the others; scripts/build_samples.py
writes the samples' `urssaf_effectifs`, `secteurs_ze` and `spheres_ptod`. Their vintage is the
manifest's (no per-variable labeller).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from diagterr.tables import TableSpec
from diagterr.tables.census import COMPARATEUR

if TYPE_CHECKING:
    from diagterr.territory import Territory

# -- code lists (short labels, French) ------------------------------------------------------------

# NAF rév. 2, aggregation level A38 (INSEE nomenclature), short French labels for the dossier.
A38_LABELS = MappingProxyType({
    "AZ": "Agriculture, sylviculture, pêche",
    "BZ": "Industries extractives",
    "CA": "Industries alimentaires",
    "CB": "Textile, habillement, cuir",
    "CC": "Bois, papier, imprimerie",
    "CD": "Cokéfaction, raffinage",
    "CE": "Industrie chimique",
    "CF": "Industrie pharmaceutique",
    "CG": "Caoutchouc, plastique, minéraux",
    "CH": "Métallurgie, produits métalliques",
    "CI": "Informatique, électronique, optique",
    "CJ": "Équipements électriques",
    "CK": "Machines et équipements",
    "CL": "Matériels de transport",
    "CM": "Autres industries, réparation",
    "DZ": "Électricité, gaz, vapeur",
    "EZ": "Eau, assainissement, déchets",
    "FZ": "Construction",
    "GZ": "Commerce, réparation automobile",
    "HZ": "Transports et entreposage",
    "IZ": "Hébergement et restauration",
    "JA": "Édition, audiovisuel",
    "JB": "Télécommunications",
    "JC": "Informatique, services d'information",
    "KZ": "Finance, assurance",
    "LZ": "Activités immobilières",
    "MA": "Juridique, comptable, ingénierie",
    "MB": "Recherche-développement",
    "MC": "Autres activités spécialisées",
    "NZ": "Services administratifs et de soutien",
    "OZ": "Administration publique",
    "PZ": "Enseignement",
    "QA": "Santé humaine",
    "QB": "Médico-social, action sociale",
    "RZ": "Arts, spectacles, loisirs",
    "SZ": "Autres services",
    "TZ": "Ménages employeurs",
    "UZ": "Activités extra-territoriales",
})

# NAF rév. 2, level A10 without agriculture (SIDE), short French labels.
A10_LABELS = MappingProxyType({
    "BE": "Industrie",
    "FZ": "Construction",
    "GI": "Commerce, transports, hébergement, restauration",
    "JZ": "Information et communication",
    "KZ": "Finance, assurance",
    "LZ": "Activités immobilières",
    "MN": "Activités spécialisées, services administratifs",
    "OQ": "Administration, enseignement, santé, action sociale",
    "RU": "Autres activités de services",
})

# ECONOMIC_SPHERE codes of Flores.
SPHERE_LABELS = MappingProxyType({"PRESENTIAL": "Sphère présentielle", "PRODUCTIVE": "Sphère productive"})

# Tourism (DS_TOUR_CAP): ACTIVITY codes (NAF 55.1-55.3) and the (TOUR_MEASURE, ACTIVITY) pairs the
# dossier shows, each in its own unit (rooms, pitches and beds are never added up).
HOTEL, OTHER_COLLECTIVE, CAMPSITE = "I551", "I552", "I553"


class TourismCapacity(NamedTuple):
    measure: str  # TOUR_MEASURE: UNIT_LOC (establishments), PLACE (rooms or pitches), BEDPLACE (beds)
    activity: str  # ACTIVITY
    label: str  # French
    unit: str  # French, plural


TOURISM_CAPACITY: tuple[TourismCapacity, ...] = (
    TourismCapacity("UNIT_LOC", HOTEL, "Hôtels", "hôtels"),
    TourismCapacity("PLACE", HOTEL, "Chambres d'hôtel", "chambres"),
    TourismCapacity("UNIT_LOC", CAMPSITE, "Campings", "campings"),
    TourismCapacity("PLACE", CAMPSITE, "Emplacements de camping", "emplacements"),
    TourismCapacity("UNIT_LOC", OTHER_COLLECTIVE,
                    "Autres hébergements collectifs (villages vacances, résidences de tourisme…)", "établissements"),
    TourismCapacity("BEDPLACE", OTHER_COLLECTIVE, "Lits des autres hébergements collectifs", "lits"),
)


def tourism_variable(measure: str, activity: str) -> str:
    """The store variable of one (TOUR_MEASURE, ACTIVITY) pair: `tourisme_PLACE_I551`."""
    return f"tourisme_{measure}_{activity}"


# Tranches d'effectif salarié of Sirene (labels file of search-api), smallest first. NN: no
# salaried employee in the reference year, or not known.
HEADCOUNT_BANDS = MappingProxyType({
    "NN": "effectif non renseigné ou sans salarié",
    "00": "0 salarié",
    "01": "1 ou 2 salariés",
    "02": "3 à 5 salariés",
    "03": "6 à 9 salariés",
    "11": "10 à 19 salariés",
    "12": "20 à 49 salariés",
    "21": "50 à 99 salariés",
    "22": "100 à 199 salariés",
    "31": "200 à 249 salariés",
    "32": "250 à 499 salariés",
    "41": "500 à 999 salariés",
    "42": "1 000 à 1 999 salariés",
    "51": "2 000 à 4 999 salariés",
    "52": "5 000 à 9 999 salariés",
    "53": "10 000 salariés et plus",
})
# Sections of the NAF (the OpenAPI's list for `section_activite_principale`).
NAF_SECTIONS = MappingProxyType({
    "A": "Agriculture, sylviculture et pêche",
    "B": "Industries extractives",
    "C": "Industrie manufacturière",
    "D": "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
    "E": "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
    "F": "Construction",
    "G": "Commerce ; réparation d'automobiles et de motocycles",
    "H": "Transports et entreposage",
    "I": "Hébergement et restauration",
    "J": "Information et communication",
    "K": "Activités financières et d'assurance",
    "L": "Activités immobilières",
    "M": "Activités spécialisées, scientifiques et techniques",
    "N": "Activités de services administratifs et de soutien",
    "O": "Administration publique",
    "P": "Enseignement",
    "Q": "Santé humaine et action sociale",
    "R": "Arts, spectacles et activités récréatives",
    "S": "Autres activités de services",
    "T": "Activités des ménages en tant qu'employeurs",
    "U": "Activités extra-territoriales",
})


def territory_key(territory: Territory) -> str:
    """`epci:246900625`, `commune:07341`, `communes:<slug>`: the rows of one territory's list in
    `grands_etablissements` (a commune's top ten is not its EPCI's)."""
    return f"{territory.kind}:{territory.code}"


# -- Melodi (sources/melodi_economy.py declares their codes) --------------------------------------

FLORES_SECTEURS = TableSpec(
    "flores_secteurs", "insee_melodi",
    variables=("emplois_salaries", "emplois_{ACTIVITY}", "etablissements_employeurs",
               "etablissements_employeurs_{ACTIVITY}"),
    labels=A38_LABELS,
    description="DS_FLORES_A38: salaried jobs and employer establishments by A38 sector (labelled), with the "
    "EPCI's own published counts",
)
FLORES_TAILLES = TableSpec(
    "flores_tailles", "insee_melodi",
    variables=("etablissements_employeurs", "etablissements_employeurs_{NUMBER_EMPL}", "emplois_salaries"),
    description="DS_FLORES_A5: employer establishments by size band (E0, E1T4 … E_GE500)",
)
FLORES_SPHERES = TableSpec(
    "flores_spheres", "insee_melodi",
    variables=("emplois_salaries", "emplois_sphere_{ECONOMIC_SPHERE}", "etablissements_employeurs",
               "etablissements_sphere_{ECONOMIC_SPHERE}"),
    labels=SPHERE_LABELS,
    description="DS_FLORES_ECONOMIC_SPHERE: salaried jobs and establishments by economic sphere (labelled)",
)
SIDE_ETABLISSEMENTS = TableSpec(
    "side_etablissements", "insee_melodi",
    variables=("etablissements", "etablissements_{ACTIVITY}"),
    labels=A10_LABELS,
    description="DS_SIDE_STOCKS_ET_COM: establishments by A10 sector without agriculture (labelled)",
)
SIDE_CREATIONS = TableSpec(
    "side_creations", "insee_melodi",
    variables=("creations_etablissements", "creations_etablissements_{ACTIVITY}"),
    description="DS_SIDE_CREA_ETAB_COM: establishment creations per year",
)
TOURISME_CAPACITE = TableSpec(
    "tourisme_capacite", "insee_melodi",
    variables=("tourisme_{TOUR_MEASURE}_{ACTIVITY}",),
    labels=MappingProxyType({tourism_variable(c.measure, c.activity): c.label for c in TOURISM_CAPACITY}),
    description="DS_TOUR_CAP: hotels, campsites, other collective accommodation and their rooms, pitches, beds",
)

# -- URSSAF, Recherche d'entreprises ---------------------------------------------------------------

URSSAF_JOBS = "effectifs_salaries_prives"
URSSAF_ESTABLISHMENTS = "etablissements_employeurs_prives"
URSSAF_EFFECTIFS = TableSpec(
    "urssaf_effectifs", "urssaf_open_data",
    variables=(URSSAF_JOBS, URSSAF_ESTABLISHMENTS),
    description="private salaried jobs (and employer establishments) at the end of each year, per commune "
    "(open.urssaf.fr); the samples' rows (communes, EPCI, zones d'emploi, France) are a third-party "
    "republication (source urssaf_ptod)",
)
GRANDS_ETABLISSEMENTS = TableSpec(
    "grands_etablissements", "recherche_entreprises", kind="frame",
    columns=("commune", "libelle_commune", "siret", "siren", "nom", "enseigne", "activite_principale", "section",
             "tranche_effectif", "tranche_libelle", "annee_tranche", "est_siege", "date_mise_a_jour", "source_id",
             "territoire", "date_liste"),
    labels=HEADCOUNT_BANDS,
    description="the largest open establishments of each territory (its `territoire` key, the day of the list), "
    "with their headcount band (labelled)",
)

# -- the samples' third-party Flores files (ptod-observatoire-territorial) -------------------------

SECTEURS_ZE = TableSpec(
    "secteurs_ze", "flores_ptod", kind="frame",
    columns=("zone", "nomenclature", "secteur", "libelle", "ordre", "annee", "effectif", "part_france_pct"),
    description="salaried jobs by A21 sector of the sample zones d'emploi, and France's published share",
)
# Broad sectors of the census's jobs at place of work (C22_EMPLT_{code} / C22_EMPLT), as spheres_ptod
# holds them per EPCI: code -> French label.
RP_BROAD_SECTORS = MappingProxyType({
    "AGRI": "Agriculture",
    "INDUS": "Industrie",
    "CONST": "Construction",
    "CTS": "Commerce, transports et services divers",
    "APESAS": "Administration publique, enseignement, santé et action sociale",
})
PRESENTIAL_SHARE = "part_emploi_presentiel_pct"


def rp_sector_variable(code: str) -> str:
    """The spheres_ptod variable of one broad sector of the census: `part_emplois_rp_INDUS_pct`."""
    return f"part_emplois_rp_{code}_pct"


def _spheres_ptod_vintage(variable: str, period: str) -> str:
    return f"Flores {period}" if variable == PRESENTIAL_SHARE else f"RP {period}"


SPHERES_PTOD = TableSpec(
    "spheres_ptod", "flores_ptod", vintage=_spheres_ptod_vintage,
    variables=(PRESENTIAL_SHARE, "part_emplois_rp_{SECTOR}_pct"),
    labels=MappingProxyType({rp_sector_variable(c): label for c, label in RP_BROAD_SECTORS.items()}),
    description="per EPCI (third party, no France row: the file's is not France): share of presential jobs "
    "(Flores 2023) and shares of the jobs at place of work by broad sector (RP 2022)",
)

# Where several tables answer one figure: figure -> (first choice, second, …). A theme tries them
# in this order and shows the first that answers for the territory; a table tried before it says
# what it lacked; the ones after are not shown.
ANSWERS: dict[str, tuple[TableSpec, ...]] = {
    # Jobs by sector and the specialisation index: Flores A38 for the territory (Melodi), else the
    # samples' Flores A21 of its zones d'emploi (third party).
    "emplois_par_secteur": (FLORES_SECTEURS, SECTEURS_ZE),
    # Presential and productive economy: Flores (Melodi), else the samples' EPCI share (third party).
    "spheres_economiques": (FLORES_SPHERES, SPHERES_PTOD),
    # Establishments by sector: SIDE (Melodi, A10), else the comparateur's REE-Sirene (5 sectors).
    "etablissements_par_secteur": (SIDE_ETABLISSEMENTS, COMPARATEUR),
}
