"""Climat, risques et sols: the TRACC frame, the observed climate (ERA5), the projections (CMIP6),
natural risks and CatNat decrees (Géorisques), land take (ZAN).

Reads only the store (tables of `diagterr.tables.climate`): `tracc` (built from the arrêté's text,
shipped with the samples), `climat_era5`, `climat_cmip6`, `georisques` and `conso_naf` (written by
online fetches, absent from the samples). Whatever the store lacks is said where the figure would
be, with the source that would fill it. One module per part the reader sees:

    trajectory    the TRACC levels of the territory's perimeter and what they mean
    observed      the observed climate at the territory's points: figures, stripes, curves, points
    projections   each CMIP6 model at the main point, then their range (never one number)
    risks         risks recorded per commune, CatNat recognitions, seismic zone, radon
    land_take     land consumed per year and destination, the ZAN benchmark, per new household/job

The French text of every part is in templates/texts/climat.yaml.
"""

from __future__ import annotations

from diagterr.dossier import Block, Section
from diagterr.texts import say
from diagterr.themes.climat import land_take, observed, projections, risks, trajectory
from diagterr.themes.figures import Figures

SECTION_ID = "climat"
TITLE = "Climat, risques et sols"


def analyse(fig: Figures) -> Section:
    blocks: list[Block] = []
    levels = trajectory.tracc_levels(fig)
    blocks += trajectory.tracc_blocks(fig, levels)
    climate = observed.observed_climate(fig)
    blocks += observed.climate_blocks(climate, levels, {c.code: c.name for c in fig.territory.communes})
    blocks += projections.projection_blocks(fig, levels)
    blocks += risks.risk_blocks(fig)
    blocks += land_take.land_take_blocks(fig)
    return Section(id=SECTION_ID, title=TITLE, intro=say("climat.intro"), blocks=tuple(blocks))
