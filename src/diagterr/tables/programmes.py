"""Store tables of the chapter « Initiatives et programmes en cours », and the programmes it knows.

    programmes                  the samples' lists (ANCT programmes, ORT, France services 2020)
    programmes_anct             the latest ANCT lists read online (data.gouv.fr), one row per commune
    programmes_france_services  France services sites per commune (INSEE BPE, facility A128)
    qpv_2024                    quartiers prioritaires 2024 (ANCT list), one row per quartier and commune
    cartofriches                brownfields (Cerema), one row per site
    cartofriches_communes       the ledger of the communes asked: date of the request, number of sites

A programme is declared once (`Programme`): the key of its online list, the label its rows carry in
the `programme` column (samples and online lists alike: a row belongs to it when its label starts
with `label`), and the stable id of its count in `indicateurs.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from diagterr.tables import TableSpec

if TYPE_CHECKING:
    from diagterr.store import Manifest


@dataclass(frozen=True, slots=True)
class Programme:
    key: str  # its list's key: the `liste` column of the online tables, the manifest's params ("pvd")
    label: str  # its rows' `programme` label starts with this; the label of its online rows
    # Stable ASCII id of its count in indicateurs.json (an interface for the consultants'
    # spreadsheets: never derived from the label).
    indicator: str
    name: str = ""  # how the enjeux name it, when not `label`

    @property
    def short(self) -> str:
        return self.name or self.label


PVD = Programme("pvd", "Petites villes de demain", "programme_pvd")
ACV = Programme("acv", "Action cœur de ville", "programme_acv")
VILLAGES_AVENIR = Programme("va", "Villages d'avenir", "programme_villages_avenir")
TERRITOIRES_INDUSTRIE = Programme("ti", "Territoires d'industrie", "programme_territoires_industrie")
FRANCE_SERVICES = Programme("fs", "France services", "programme_france_services")
ORT = Programme("ort", "Opération de revitalisation de territoire (ORT)", "programme_ort",
                name="Opération de revitalisation de territoire")
# Every commune has a CRTE: the chapter lists the contracts once and counts no commune (the id is
# reserved for the day it does).
CRTE = Programme("crte", "Contrat pour la réussite de la transition écologique (CRTE)", "programme_crte")

# Ids of the counts before they were chosen by hand (derived from the French label, diagterr 0.1.0):
# a previous edition's indicateurs.json is read under the new ids (edition_changes), so that a
# dossier made again does not list the six counts as removed and new.
FORMER_INDICATOR_IDS: Mapping[str, str] = MappingProxyType({
    "programme_petitesvillesdedemain": PVD.indicator,
    "programme_actioncœurdeville": ACV.indicator,
    "programme_villagesdavenir": VILLAGES_AVENIR.indicator,
    "programme_territoiresdindustrie": TERRITOIRES_INDUSTRIE.indicator,
    "programme_franceservices": FRANCE_SERVICES.indicator,
    "programme_opérationderevitalisationdeter": ORT.indicator,
})

# The ANCT lists read online (diagterr.sources.anct_programmes), in the order they are fetched.
ANCT_LISTS: tuple[Programme, ...] = (PVD, ACV, VILLAGES_AVENIR, TERRITOIRES_INDUSTRIE, CRTE, ORT)
# The programmes counted in the chapter's summary, in the order shown.
HEADLINE: tuple[Programme, ...] = (PVD, ACV, VILLAGES_AVENIR, TERRITOIRES_INDUSTRIE, FRANCE_SERVICES, ORT)
# The programmes the enjeux name as already engaged, in this order.
IN_PLACE: tuple[Programme, ...] = (PVD, ACV, VILLAGES_AVENIR, ORT)

# Columns of the online programme tables (the samples' table has the first four and `source_id`).
PROGRAMME_COLUMNS = ("commune", "programme", "identifiant", "detail", "date_signature", "liste", "fichier",
                     "mise_en_ligne")

PROGRAMMES = TableSpec(
    "programmes", "anct_programmes", kind="frame",
    columns=("commune", "programme", "identifiant", "detail", "source_id"),
    description="the samples' programme lists per commune (ANCT table of Zéro Logement Vacant, ORT, France "
    "services 2020), COG 2023 brought to the current COG; `source_id` of each row",
)
PROGRAMMES_ANCT = TableSpec(
    "programmes_anct", "anct_datagouv", kind="frame", columns=PROGRAMME_COLUMNS,
    description="every row of the latest ANCT lists fetched (one per commune and programme, current COG); "
    "`liste`: the Programme's key; the manifest's params: list key -> file read",
)
PROGRAMMES_FRANCE_SERVICES = TableSpec(
    "programmes_france_services", "insee_bpe_france_services", kind="frame",
    columns=(*PROGRAMME_COLUMNS, "nombre"),
    description="France services sites per commune asked (BPE, A128): the programme columns plus `nombre` "
    "(\"\" when secret)",
)
QPV_2024 = TableSpec(
    "qpv_2024", "qpv_2024", kind="frame",
    columns=("commune", "code_qp", "lib_qp", "communes_qp", "lib_com", "siren_epci", "lib_epci", "fichier",
             "mise_en_ligne"),
    description="quartiers prioritaires 2024 of the ANCT list, one row per quartier and commune (current COG); "
    "`communes_qp`: every commune of the quartier",
)
CARTOFRICHES = TableSpec(
    "cartofriches", "cartofriches", kind="frame",
    columns=("commune", "site_id", "site_nom", "site_type", "site_statut", "surface_m2", "commune_nom",
             "source_nom", "source_nature", "urba_zone_type", "proprio_personne"),
    description="brownfields of the communes asked (Cartofriches summary fields), one row per site; surface of "
    "the land unit in m²",
)
# The ledger of the requests: a commune asked with no site is a true "none recorded", a commune
# never asked is "not available". Not a source of the annex of its own (the sites' table is).
CARTOFRICHES_COVERAGE = TableSpec(
    "cartofriches_communes", "cartofriches", kind="frame", columns=("commune", "releve", "sites"),
    description="one row per commune asked of Cartofriches: ISO date of the request, number of sites",
)

ANSWERS: dict[str, tuple[TableSpec, ...]] = {}


def ort_signed(detail: object, date_signature: object) -> bool:
    """Whether an ORT row records a signed convention. Both the samples' rows and the online rows
    carry the workbook's « Signée ? » cell, lowercased, as the second part of `detail`
    (« 2. Commune PVD ; signée le 2023-03-22 ; … », « 3. Autre ; non signée ; avancement : Phase
    d'étude »); the online rows also have `date_signature`. A row that says neither is not signed:
    a programme is engaged only when its convention is known to be signed."""
    if isinstance(date_signature, str) and date_signature.strip():
        return True
    if not isinstance(detail, str):
        return False
    parts = [part.strip().lower() for part in detail.split(";")]
    return any(part == "signée" or part.startswith(("signée le", "signée (")) for part in parts)


def lists_in(manifest: Manifest | None) -> dict[str, str]:
    """Programme label -> file name, for the ANCT lists a stored `programmes_anct` holds."""
    if manifest is None:
        return {}
    by_key: Mapping[str, Programme] = {p.key: p for p in ANCT_LISTS}
    return {by_key[k].label: name for k, name in manifest.params.items() if k in by_key}
