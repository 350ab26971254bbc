"""Store tables of the climate, natural risks and land take (chapter « Climat, risques et sols »).

    climat_era5    observed climate: yearly aggregates of ERA5 at a territory's points (Open-Meteo)
    climat_cmip6   projections: each CMIP6 HighResMIP model's window means at the main point (Open-Meteo)
    tracc          the reference warming trajectory, read from the arrêté's text (scripts/build_samples.py)
    georisques     natural risks per commune: GASPAR, CatNat decrees, seismic zone, radon (Géorisques)
    conso_naf      land take per commune and year, by destination (Cerema)

The two Open-Meteo tables hold the rows of every territory fetched: a territory's rows are
those whose `territoire` is `territory_key(territory)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from diagterr.tables import TableSpec
from diagterr.tables.census import COMPARATEUR, RP2021_COMPILATION

if TYPE_CHECKING:
    from diagterr.territory import Territory


def territory_key(territory: Territory) -> str:
    """`epci:246300966`, `commune:07341`, `communes:<slug>`: the rows of one territory in
    `climat_era5` and `climat_cmip6`."""
    return f"{territory.kind}:{territory.code}"


def window_label(window: tuple[int, int]) -> str:
    """A window of years as the tables' `period` reads it: "1976-2005"."""
    return f"{window[0]}-{window[1]}"


# -- observed climate (sources/open_meteo.py) -----------------------------------------------------

# Yearly variables: id → (French label, unit).
YEARLY: Mapping[str, tuple[str, str]] = MappingProxyType({
    "temperature_moyenne": ("Température moyenne annuelle", "°C"),
    "precipitations": ("Cumul annuel des précipitations", "mm"),
    "jours_tx_30": ("Jours très chauds (maximale ≥ 30 °C)", "jours"),
    "jours_gel": ("Jours de gel (minimale < 0 °C)", "jours"),
    "nuits_tropicales": ("Nuits tropicales (minimale ≥ 20 °C)", "jours"),
})
ERA5_FIRST_YEAR = 1950  # first year of the series asked

CLIMAT_ERA5 = TableSpec(
    "climat_era5", "open_meteo_era5", kind="frame",
    variables=tuple(YEARLY),
    columns=("territoire", "commune", "communes", "point_latitude", "point_longitude", "latitude", "longitude",
             "altitude", "variable", "period", "value", "status", "days", "retrieved_at", "source_id"),
    labels=MappingProxyType({variable: label for variable, (label, _) in YEARLY.items()}),
    description="ERA5 yearly aggregates per point and territory: `territoire` (territory_key), `commune` (most "
    "populous commune of the point's group), `communes`, the point asked, the cell answered and its altitude, "
    "then variable, period (year), value, status (`incomplet:<days>/<in year>`), days",
)

# -- projections (sources/open_meteo_projections.py) ----------------------------------------------

# The seven CMIP6 HighResMIP models of the climate API (APIS.md §5), in its order.
MODELS = ("CMCC_CM2_VHR4", "FGOALS_f3_H", "HiRAM_SIT_HR", "MRI_AGCM3_2_S", "EC_Earth3P_HR", "MPI_ESM1_2_XR",
          "NICAM16_8S")
REFERENCE = (1976, 2005)  # the reference window, the one the observed climate uses
HORIZON = (2041, 2050)  # the last decade the climate API serves
PROJECTED = ("temperature_moyenne", "jours_tx_30")  # variables of YEARLY the models give

CLIMAT_CMIP6 = TableSpec(
    "climat_cmip6", "open_meteo_cmip6", kind="frame",
    variables=PROJECTED,
    columns=("territoire", "commune", "communes", "point_latitude", "point_longitude", "latitude", "longitude",
             "altitude", "model", "variable", "period", "value", "years", "status", "retrieved_at", "source_id"),
    labels=MappingProxyType({variable: YEARLY[variable][0] for variable in PROJECTED}),
    description="per model (MODELS), the mean of a yearly variable over a window (period `1976-2005` or "
    "`2041-2050`) at the territory's main point; NaN with a status when not computable",
)

# -- TRACC (sources/tracc.py) ---------------------------------------------------------------------

TRACC_HORIZONS = ("2030", "2050", "2100")
TRACC_REFERENCE = "ère préindustrielle"  # what every level is measured against (as the arrêté says)
WORLD = "monde"  # `perimetre` of the global warming levels
METROPOLE = "I"  # paragraph of Article 1 for metropolitan France
# Paragraph of Article 1 per overseas département; every other département is METROPOLE's.
OVERSEAS_PARAGRAPH: Mapping[str, str] = MappingProxyType(
    {"971": "II", "972": "II", "973": "III", "974": "IV", "976": "V"}
)

TRACC = TableSpec(
    "tracc", "tracc_arrete", kind="frame",
    columns=("paragraphe", "perimetre", "horizon", "rechauffement_c", "reference", "extrait"),
    description="warming levels of Article 1 of the arrêté du 23 janvier 2026, per paragraph (I-V, '' for the "
    "sentences after them), perimeter (as written, or WORLD) and horizon, with the sentence each was read from",
)

# -- natural risks (sources/georisques.py) --------------------------------------------------------

# `jeu` of a row; "commune" says the commune was read (an empty list after it is a true none).
RISK_SETS = ("commune", "risque", "catnat", "sismicite", "radon")

GEORISQUES = TableSpec(
    "georisques", "georisques", kind="frame",
    columns=("commune", "jeu", "code", "libelle", "date_debut", "date_fin", "date_arrete", "date_jo", "source_id"),
    description="one row per fact and commune (`jeu` in RISK_SETS), CatNat dates as ISO strings",
)

# -- land take (sources/cerema_conso.py) ----------------------------------------------------------

CONSO_FIRST_YEAR = 2009  # first year asked (and published) by the Cerema's indicators
# Destinations, in the order shown: variable → French label.
DESTINATIONS: Mapping[str, str] = MappingProxyType({
    "conso_hab": "Habitat",
    "conso_act": "Activité",
    "conso_mix": "Mixte",
    "conso_inc": "Destination inconnue",
})

CONSO_NAF = TableSpec(
    "conso_naf", "cerema_conso_naf",
    variables=tuple(DESTINATIONS),
    labels=DESTINATIONS,
    description="land consumed per commune (COM) and year, by destination, in m² as published; a year N is "
    "1 January N to 1 January N+1",
)

# The census counts of households and jobs, every census year the store has, for the land consumed
# per additional household (job): a year of the comparateur first, of the samples' compilation
# for the years the comparateur lacks.
CENSUS_COUNTS: tuple[TableSpec, ...] = (COMPARATEUR, RP2021_COMPILATION)

# Where several tables answer one variable: variable -> (first choice, second, …).
ANSWERS: dict[str, tuple[TableSpec, ...]] = {
    "menages_emplois_par_recensement": CENSUS_COUNTS,
}
