"""The TRACC frame: the arrêté's warming levels for the territory's perimeter(s)."""

from __future__ import annotations

from dataclasses import dataclass

from diagterr.dossier import Block, Column, Note, SourceRef, Table
from diagterr.tables.climate import METROPOLE, OVERSEAS_PARAGRAPH, TRACC, WORLD
from diagterr.texts import say
from diagterr.themes.figures import Figures


@dataclass(frozen=True)
class TraccLevels:
    perimetre: str  # as the arrêté writes it: "la France métropolitaine"
    levels: dict[str, float]  # horizon → °C
    world: dict[str, float]
    source: SourceRef


def tracc_levels(fig: Figures) -> list[TraccLevels]:
    """The arrêté's levels for the territory's perimeter(s) (overseas départements have their own)."""
    frame = fig.table(TRACC)
    if frame is None or frame.empty:
        return []
    world = frame[frame["perimetre"] == WORLD]
    world_levels = dict(zip(world["horizon"], world["rechauffement_c"].astype(float), strict=True))
    paragraphs = sorted({OVERSEAS_PARAGRAPH.get(p.code, METROPOLE) for p in fig.territory.departements})
    found = []
    for paragraph in paragraphs:
        rows = frame[frame["paragraphe"] == paragraph]
        if rows.empty:
            continue
        found.append(
            TraccLevels(
                perimetre=str(rows["perimetre"].iloc[0]),
                levels=dict(zip(rows["horizon"], rows["rechauffement_c"].astype(float), strict=True)),
                world=world_levels,
                source=fig.source(TRACC),
            )
        )
    return found


def warming_2050(found: list[TraccLevels]) -> float | None:
    """The level of 2050 for the territory's (first) perimeter, None without the TRACC."""
    return found[0].levels["2050"] if found and "2050" in found[0].levels else None


def tracc_blocks(fig: Figures, found: list[TraccLevels]) -> list[Block]:
    if not found:
        return [Note(say("lacunes.climat_tracc"), tone="gap", source_id=TRACC.source_id,
                     detail=say("climat.tracc_absent", reason=fig.absent_reason(TRACC)))]
    blocks: list[Block] = []
    for item in found:
        horizons = sorted(item.levels)
        blocks.append(
            Table(
                title=say("climat.tracc_title", perimetre=item.perimetre),
                columns=(
                    Column("Horizon"),
                    Column("Réchauffement de référence (°C)", "ratio", 1),
                    Column("Réchauffement mondial correspondant (°C)", "ratio", 1),
                ),
                rows=tuple((h, item.levels[h], item.world.get(h)) for h in horizons),
                source=item.source,
                note=say("climat.tracc_table_note"),
            )
        )
    first = found[0]
    levels = [(h, first.levels[h]) for h in sorted(first.levels)]
    blocks.append(Note(say("climat.tracc_frame", perimetre=first.perimetre, levels=levels)))
    return blocks
