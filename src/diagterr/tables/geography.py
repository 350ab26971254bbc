"""Store tables of geography: communes' outlines, lineage of merged communes, zonings."""

from __future__ import annotations

from types import MappingProxyType

from diagterr.tables import TableSpec

# The zonings of INSEE's table d'appartenance that the dossier lists, in this order.
ZONING_LABELS = MappingProxyType({
    "ZE2020": "Zone d'emploi 2020",
    "AAV2020": "Aire d'attraction des villes 2020",
    "BV2012": "Bassin de vie 2012",
    "UU2020": "Unité urbaine 2020",
})
# The zonings whose zones bear the code and the name of their main commune, and the year of those
# names: a zone named after a commune that today's COG no longer names so is shown « (nom de 2012) ».
ZONINGS_NAMED_AFTER_COMMUNES = MappingProxyType({"BV2012": "2012"})
# INSEE's categories of communes in the AAV 2020 zoning (table d'appartenance, CATEAAV2020).
AAV_CATEGORY_LABELS = MappingProxyType({
    "11": "commune-centre",
    "12": "autre commune du pôle principal",
    "13": "commune d'un pôle secondaire",
    "20": "commune de la couronne",
    "30": "commune hors attraction des villes",
})

BOUNDARIES_COMMUNES = TableSpec("boundaries_communes", "contours_2018", kind="geo",
                                description="commune outlines of the samples (IGN Admin Express COG 2018, harmonised)")
BOUNDARIES_DEPARTEMENTS = TableSpec("boundaries_departements", "contours_2018", kind="geo",
                                    description="département outlines for map context (samples)")
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
                    description="AAV, ZE, UU, BV of each commune, and its CATEAAV2020 category (samples)")

ANSWERS: dict[str, tuple[TableSpec, ...]] = {}
