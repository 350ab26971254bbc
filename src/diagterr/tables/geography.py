"""Store tables of geography: communes' outlines, lineage of merged communes, zonings."""

from __future__ import annotations

from diagterr.tables import TableSpec

BOUNDARIES_COMMUNES = TableSpec("boundaries_communes", "contours_2018", kind="geo",
                                description="commune outlines of the samples (IGN Admin Express COG 2018, harmonised)")
BOUNDARIES_DEPARTEMENTS = TableSpec("boundaries_departements", "contours_2018", kind="geo",
                                    description="département outlines for map context (samples)")
API_GEO_BOUNDARIES = TableSpec("api_geo_commune_boundaries", "api_geo", kind="geo",
                               description="commune outlines fetched from API Géo (cache)")
COMMUNES_LINEAGE = TableSpec("communes_lineage", "cog_decoupage", kind="frame",
                             description="former commune code -> current code (INSEE table de passage or samples)")
ZONAGES = TableSpec("zonages", "insee_appartenance_geo", kind="frame",
                    description="AAV, ZE, UU, BV of each commune (samples)")

ANSWERS: dict[str, tuple[TableSpec, ...]] = {}
