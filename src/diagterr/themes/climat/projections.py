"""Projections (CMIP6 HighResMIP) at the territory's main point: each model, then their range,
never one number, nor their mean as a certain figure."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from diagterr.dossier import Block, Chart, Column, Note, Series, Table
from diagterr.tables.climate import CLIMAT_CMIP6, HORIZON, MODELS, REFERENCE, territory_key, window_label
from diagterr.texts import say
from diagterr.themes.climat.trajectory import TraccLevels, warming_2050
from diagterr.themes.figures import Figures


def model_range(values: Mapping[str, float]) -> tuple[float, float] | None:
    """(min, max) over the models that have a value; None under two models (no range then)."""
    present = [v for v in values.values() if not (v is None or pd.isna(v))]
    return (min(present), max(present)) if len(present) >= 2 else None


def projection_note(found: list[TraccLevels]) -> Note:
    return Note(say("lacunes.climat_projections"), tone="gap", source_id=CLIMAT_CMIP6.source_id,
                detail=say("climat.projections_offline", warming=warming_2050(found)))


def projection_blocks(fig: Figures, found: list[TraccLevels]) -> list[Block]:
    """The CMIP6 models at the territory's main point: each model, then their range, never one number."""
    frame = fig.table(CLIMAT_CMIP6)
    if frame is not None:
        frame = frame[frame["territoire"] == territory_key(fig.territory)]
    if frame is None or frame.empty:
        return [projection_note(found)]
    ref, hor = window_label(REFERENCE), window_label(HORIZON)
    source = fig.source(CLIMAT_CMIP6)

    def value(model: str, variable: str, period: str) -> float | None:
        rows = frame[(frame["model"] == model) & (frame["variable"] == variable) & (frame["period"] == period)]
        return None if rows.empty or pd.isna(rows["value"].iloc[0]) else float(rows["value"].iloc[0])

    models = [m for m in MODELS if m in set(frame["model"])]
    rows, warming, hot_ref, hot_hor = [], {}, {}, {}
    for model in models:
        t_ref, t_hor = value(model, "temperature_moyenne", ref), value(model, "temperature_moyenne", hor)
        d_ref, d_hor = value(model, "jours_tx_30", ref), value(model, "jours_tx_30", hor)
        change = t_hor - t_ref if t_ref is not None and t_hor is not None else None
        if change is not None:
            warming[model] = change
        if d_ref is not None and d_hor is not None:
            hot_ref[model], hot_hor[model] = d_ref, d_hor
        rows.append((model.replace("_", "-"), t_ref, t_hor, change, d_ref, d_hor))
    point = frame.iloc[0]
    names = {c.code: c.name for c in fig.territory.communes}
    place = names.get(str(point["commune"]), str(point["commune"]))
    blocks: list[Block] = [
        Table(
            title=say("climat.projections_title", place=place, reference=ref, horizon=hor),
            columns=(Column("Modèle"), Column(f"Température moyenne {ref} (°C)", "ratio", 1),
                     Column(f"Température moyenne {hor} (°C)", "ratio", 1), Column("Écart (°C)", "ratio", 1),
                     Column(f"Jours très chauds par an, {ref}", "ratio", 1),
                     Column(f"Jours très chauds par an, {hor}", "ratio", 1)),
            rows=tuple(rows),
            source=source,
            note=say("climat.projections_table_note"),
        )
    ]
    warm, hot = model_range(warming), model_range(hot_hor)
    if warm is None:
        blocks.append(Note(say("lacunes.climat_projections"), tone="gap", source_id=CLIMAT_CMIP6.source_id,
                           detail=say("climat.projections_no_range"), remedy="unpublished"))
        return blocks
    if hot_hor:
        blocks.append(
            Chart(
                id="climat_projections_jours_chauds",
                title=say("climat.projections_chart_title", place=place, reference=ref, horizon=hor),
                chart="hbar",
                series=(Series(hor, tuple(m.replace("_", "-") for m in hot_hor), tuple(hot_hor.values())),
                        Series(ref, tuple(m.replace("_", "-") for m in hot_ref), tuple(hot_ref.values()))),
                value_kind="ratio",
                unit="jours par an",
                source=source,
                note=say("climat.projections_chart_note"),
            )
        )
    blocks.append(Note(say(
        "climat.projections_range", models=len(warming), horizon=hor, reference=ref, warm=warm, hot=hot,
        hot_reference=(min(hot_ref.values()), max(hot_ref.values())) if hot is not None else None,
        warming=warming_2050(found), perimetre=found[0].perimetre if found else None,
    )))
    blocks.append(Note(say("climat.projections_limit", models=len(MODELS)), tone="limit"))
    return blocks
