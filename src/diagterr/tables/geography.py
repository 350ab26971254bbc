"""Store tables of geography: communes' outlines, lineage of merged communes, zonings."""

from __future__ import annotations

from types import MappingProxyType

from diagterr.tables import TableSpec

# The zonings of INSEE's table d'appartenance (2024 edition, national base) that the dossier
# lists, in this order.
ZONING_LABELS = MappingProxyType({
    "AAV2020": "Aire d'attraction des villes 2020",
    "UU2020": "Unité urbaine 2020",
    "BV2022": "Bassin de vie 2022",
    "ZE2020": "Zone d'emploi 2020",
})
# The zonings whose zones bear the code and the name of their main commune, and the year of those
# names: a zone named after a commune that today's COG no longer names so is shown « (nom de 2024) ».
ZONINGS_NAMED_AFTER_COMMUNES = MappingProxyType({"BV2022": "2024"})
# The categories of the `zonages` table (keys of its `zonage` column besides ZONING_LABELS).
AAV_CATEGORY = "CATEAAV2020"
AAV_SIZE = "TAAV2017"
UU_SIZE = "TUU2017"
FRR = "FRR"
# INSEE's categories of communes in the AAV 2020 zoning (table d'appartenance, CATEAAV2020).
AAV_CATEGORY_LABELS = MappingProxyType({
    "11": "commune-centre",
    "12": "autre commune du pôle principal",
    "13": "commune d'un pôle secondaire",
    "20": "commune de la couronne",
    "30": "commune hors attraction des villes",
})

# INSEE's size bands of the AAV 2020 (TAAV2017) and of the unités urbaines 2020 (TUU2017), documented
# codes of the table d'appartenance (their labels are in none of the shipped files).
AAV_SIZE_LABELS = MappingProxyType({
    "0": "commune hors attraction des villes",
    "1": "aire de moins de 50 000 habitants",
    "2": "aire de 50 000 à moins de 200 000 habitants",
    "3": "aire de 200 000 à moins de 700 000 habitants",
    "4": "aire de 700 000 habitants ou plus (hors Paris)",
    "5": "aire de Paris",
})
UU_SIZE_LABELS = MappingProxyType({
    "0": "commune hors unité urbaine",
    "1": "unité urbaine de 2 000 à 4 999 habitants",
    "2": "unité urbaine de 5 000 à 9 999 habitants",
    "3": "unité urbaine de 10 000 à 19 999 habitants",
    "4": "unité urbaine de 20 000 à 49 999 habitants",
    "5": "unité urbaine de 50 000 à 99 999 habitants",
    "6": "unité urbaine de 100 000 à 199 999 habitants",
    "7": "unité urbaine de 200 000 à 1 999 999 habitants",
    "8": "unité urbaine de Paris",
})
# The classes of the France Ruralités Revitalisation list (10 July 2025), as the file spells them,
# in the order the dossier counts them; "Non classée" is the rest.
FRR_CLASSES = ("FRR socle", "FRR+", "FRR bénéficiaire", "Classée FRR partiellement", "FRR bénéficiaire partiellement")
FRR_NOT_CLASSED = "Non classée"

# INSEE's grille communale de densité, 7 levels (LIBDENS of the 2024 file), and the documented
# 3-level aggregation (dense 1, intermédiaire 2-4, rural 5-7), which the file does not carry.
DENSITY_LEVELS = (1, 2, 3, 4, 5, 6, 7)
DENSITY_LABELS = MappingProxyType({
    1: "Grands centres urbains",
    2: "Centres urbains intermédiaires",
    3: "Petites villes",
    4: "Ceintures urbaines",
    5: "Bourgs ruraux",
    6: "Rural à habitat dispersé",
    7: "Rural à habitat très dispersé",
})
DENSITY_GROUPS = MappingProxyType({
    "Dense": (1,),
    "Intermédiaire": (2, 3, 4),
    "Rural": (5, 6, 7),
})

BOUNDARIES_COMMUNES = TableSpec("boundaries_communes", "contours_2018", kind="geo",
                                description="commune outlines of the samples (IGN Admin Express COG 2018, harmonised)")
BOUNDARIES_DEPARTEMENTS = TableSpec("boundaries_departements", "contours_2018", kind="geo",
                                    description="département outlines for map context (samples)")
BOUNDARIES_EPCI = TableSpec("boundaries_epci", "contours_2018", kind="geo", columns=("code", "name", "geometry"),
                            description="EPCI outlines (SIREN), coverage union of their member communes' outlines "
                            "(national base, COG 2026 membership)")
API_GEO_BOUNDARIES = TableSpec("api_geo_commune_boundaries", "api_geo", kind="geo",
                               description="commune outlines fetched from API Géo (cache)")
COMMUNES_LINEAGE = TableSpec("communes_lineage", "cog_decoupage", kind="frame",
                             columns=("commune", "nom_commune", "ancien_code", "ancien_nom", "annee_fin", "nature",
                                      "annee_fin_avant"),
                             description="former commune code -> current code (INSEE table de passage or samples); "
                             "a former commune whose code its commune nouvelle kept has a row under that code; "
                             "codes of one former commune share its name; annee_fin: first COG year without the "
                             "former commune; annee_fin_avant: when that year is unknown, a COG year it had ended by "
                             "(absent from the oldest dated state); nature: fusion or scission")
ZONAGES = TableSpec("zonages", "insee_appartenance_geo", kind="frame",
                    columns=("commune", "zonage", "code", "libelle"), labels=ZONING_LABELS,
                    description="AAV2020, UU2020, BV2022, ZE2020 of every commune (TAG 2024, zone names), its "
                    "CATEAAV2020, TAAV2017, TUU2017 (2023, COGugaison) and FRR class (2025), COG 2026 (national base)")
DENSITE_COMMUNES = TableSpec("densite_communes", "insee_grille_densite", kind="frame",
                             columns=("commune", "dens", "pmun21", "p1", "p2", "p3", "p4", "p5", "p6", "p7"),
                             description="INSEE density grid, 7 levels, 2024 edition: level, population municipale "
                             "2021 and % of it in each level, per commune of the COG 2026 (national base)")

ANSWERS: dict[str, tuple[TableSpec, ...]] = {}
