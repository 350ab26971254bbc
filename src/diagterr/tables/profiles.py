"""Store table of the territories' profiles: one row per current commune and per EPCI of France.

`territory_profiles` (scripts/build_national.py, step "profiles"; computed by
`diagterr.national_profile.build_profile_frame`) holds, for every commune (level "COM", Paris, Lyon
and Marseille whole, no arrondissement) and every EPCI (level "EPCI"), where it is (centroid, area,
départements, région) and the figures of PROFILE_VARIABLES, read from the national comparateur
(RP 2013 and 2018, état civil 2013-2018) and the INSEE density grid. The comparable territories
(`diagterr.peers`) are found on it, offline.

Ageing is NOT in the profile: the national comparateur file holds no population by age (only
the 15-64 year-olds, as the denominator of the labour figures), so no share of the elderly can be
computed for every commune from the national base. It is not invented nor approximated.

EPCI figures: counts summed over the member communes first, rates recomputed from those sums. A
figure one of whose parts is missing or secret is NaN, never 0.
"""

from __future__ import annotations

from types import MappingProxyType

from diagterr.tables import TableSpec

# variable id -> (French label, unit, value kind of diagterr.dossier.ValueKind), in the order the
# dossier shows them.
PROFILE_VARIABLES = MappingProxyType({
    "population": ("Population 2018", "habitants", "count"),
    "population_2013": ("Population 2013", "habitants", "count"),
    "growth_pct_year": ("Évolution annuelle 2013-2018", "% par an", "rate"),
    "density": ("Densité de population 2018", "hab./km²", "ratio"),
    "density_level": ("Niveau de densité (grille communale à 7 niveaux)", "niveau de 1 à 7", "index"),
    "natural_balance_pct_year": ("Évolution annuelle due au solde naturel 2013-2018", "% par an", "rate"),
    "second_homes_pct": ("Résidences secondaires", "% des logements", "rate"),
    "vacancy_pct": ("Logements vacants", "% des logements", "rate"),
    "unemployment_pct": ("Chômage des 15-64 ans (recensement)", "% des actifs", "rate"),
    "jobs_per_100_workers": ("Emplois pour 100 actifs occupés", "emplois", "ratio"),
    "owners_pct": ("Ménages propriétaires de leur résidence principale", "% des résidences principales", "rate"),
})

PROFILE_LEVELS = ("COM", "EPCI")

TERRITORY_PROFILES = TableSpec(
    "territory_profiles", "insee_comparateur", kind="frame",
    columns=("level", "code", "name", "departements", "region", "lon", "lat", "area_km2", *PROFILE_VARIABLES),
    labels=MappingProxyType({k: v[0] for k, v in PROFILE_VARIABLES.items()}),
    description="profile of every current commune and EPCI of France (national comparateur RP 2013/2018, "
    "density grid, outlines' centroids): the universe of diagterr.peers",
)
