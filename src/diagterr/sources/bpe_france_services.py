"""France services per commune, online: INSEE's Base permanente des équipements, facility A128.

Why this source: the data.gouv.fr dataset of the ANCT's France services list has no documented id
(APIS.md §8.1, "id not found"), §9 documents no search endpoint and the project's resolver has
none, so no dataset id is guessed; the anct-carto/France-services repository behind the samples'
file is unmaintained since 2021 (its list dates from September 2020). APIS.md §2 names the
alternative: Melodi dataset `DS_BPE`, `FACILITY_TYPE=A128` ("implantations France services"),
national, yearly, official. It gives a count of sites per commune, no name nor labelling date.

Requests (through diagterr.sources.melodi and HttpClient, cached): the territory's communes
(`EPCI-<siren>*COM`, `COM-<code>` or `DEP-<dep>*COM` for a list, as for the census) and
`FRANCE-F`, whose national count guards against a facility code that would no longer exist (a
national count of zero or no answer raises SourceSchemaError rather than print zeros). The BPE is
an inventory: a commune of the territory absent from the answer has no France services site that
year. The latest TIME_PERIOD of the answer is kept; a secret value is shown as such, never 0.

`PROGRAMMES_FRANCE_SERVICES`: one row per commune asked, in the columns of the ANCT lists plus
`nombre` (sites; "" when secret); a later fetch replaces the rows of the communes it asked.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from diagterr.cog import COG_VINTAGE, current_commune, load_cog
from diagterr.errors import SourceSchemaError
from diagterr.sources import melodi
from diagterr.sources.fetcher import FetchContext, Fetcher
from diagterr.sources.http import HttpClient
from diagterr.store import Manifest, Store
from diagterr.tables.programmes import FRANCE_SERVICES, PROGRAMMES_FRANCE_SERVICES
from diagterr.territory import Territory

SOURCE_ID = "insee_bpe_france_services"
DATASET = "DS_BPE"
FACILITY = "A128"
MEASURE = "FACILITIES"
FILTERS = {"FACILITY_TYPE": FACILITY, "BPE_MEASURE": MEASURE}


def fetch_for_territory(client: HttpClient, store: Store, territory: Territory, _boundaries=None) -> Manifest:
    """Sites of the territory's communes; write `PROGRAMMES_FRANCE_SERVICES` (first root), keeping the
    other communes' rows."""
    national = melodi.fetch_observations(client, DATASET, FILTERS, geo="FRANCE-F")
    national = [o for o in national if o.geo_level == "FRANCE"]
    _check(national, "FRANCE-F")
    period = melodi.latest_period(national)
    total = next((o.value for o in national if o.time_period == period), None)
    if not total or period is None:
        raise SourceSchemaError(
            f"BPE (Melodi) : aucune implantation France services ({FACILITY}) en France pour {period} : le code "
            "d'équipement a changé, les communes ne sont pas lues comme « sans France services »."
        )
    cog = load_cog()
    codes = set(territory.commune_codes)
    counts: dict[str, float | None] = {}
    geo_years: set[int] = set()
    for request in melodi.territory_requests(territory, comparisons=False):
        observations = melodi.fetch_observations(client, DATASET, FILTERS, geo=request.geo)
        _check(observations, request.geo)
        for o in observations:
            if o.geo_level != "COM" or o.time_period != period:
                continue
            code = current_commune(o.geo_code, cog) or o.geo_code
            if code not in codes:
                continue
            geo_years.add(o.cog_year)
            if o.value is None:
                counts[code] = None
            elif (so_far := counts.get(code, 0.0)) is not None:
                counts[code] = so_far + o.value  # two former communes of a commune nouvelle
    retrieved = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    for code in sorted(codes):
        count = counts.get(code, 0.0)
        if count is None:
            detail = "nombre d'implantations non publié (secret statistique)"
        else:
            detail = f"{int(count)} implantation{'s' if count > 1 else ''} France services (BPE {period})"
        rows.append({"commune": code, "programme": FRANCE_SERVICES.label, "identifiant": "", "detail": detail,
                     "date_signature": None, "liste": FRANCE_SERVICES.key,
                     "fichier": f"Melodi {DATASET} {FACILITY} {period}", "mise_en_ligne": retrieved[:10],
                     "nombre": "" if count is None else str(int(count))})
    frame = pd.DataFrame(rows, columns=list(PROGRAMMES_FRANCE_SERVICES.columns))
    previous = Store([store.roots[0]]).read(PROGRAMMES_FRANCE_SERVICES.name)
    if previous is not None:
        frame = pd.concat([previous[~previous["commune"].isin(codes)], frame], ignore_index=True)
    frame = frame.loc[:, list(PROGRAMMES_FRANCE_SERVICES.columns)].astype("string")
    frame = frame.sort_values("commune").reset_index(drop=True)
    geo = f"COG {', '.join(map(str, sorted(geo_years)))} ramené au {COG_VINTAGE}" if geo_years else COG_VINTAGE
    return store.write_table(PROGRAMMES_FRANCE_SERVICES.name, frame, manifest(period, geo, retrieved))


def _fetch(context: FetchContext) -> list[Manifest]:
    return [fetch_for_territory(context.client, context.store, context.territory, context.boundaries)]


FETCHER = Fetcher(SOURCE_ID, "France services (INSEE, BPE)", "France services (BPE) indisponibles", _fetch)


def manifest(period: str, geo_vintage: str, retrieved_at: str) -> Manifest:
    return Manifest(
        table=PROGRAMMES_FRANCE_SERVICES.name,
        source_id=SOURCE_ID,
        title=f"Base permanente des équipements {period} : implantations France services (équipement {FACILITY})",
        producer="INSEE",
        origin=f"{melodi.BASE_URL}/data/{DATASET}?FACILITY_TYPE={FACILITY}",
        vintage=f"BPE {period}",
        geo_vintage=geo_vintage,
        licence="Licence Ouverte / Etalab 2.0",
        retrieved_at=retrieved_at,
        params={"jeu": DATASET, "equipement": FACILITY, "periode": period},
        method="Nombre d'implantations France services par commune (BPE, API Melodi) ; une commune du territoire "
        "absente de la réponse n'en a aucune cette année-là. La BPE ne donne ni le nom des structures ni leur date "
        "de labellisation.",
    )


def _check(observations: list[melodi.Observation], geo: str) -> None:
    """Every observation is of facility A128: another answer means the filter was not applied."""
    for o in observations:
        if o.dimension("FACILITY_TYPE") != FACILITY or o.dimension("BPE_MEASURE") not in (None, MEASURE):
            raise SourceSchemaError(
                f"BPE (Melodi) : réponse inattendue pour GEO={geo} : équipement {o.dimension('FACILITY_TYPE')!r}, "
                f"mesure {o.dimension('BPE_MEASURE')!r} (attendu {FACILITY}, {MEASURE})."
            )
