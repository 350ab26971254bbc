"""Which table answers a figure of the chapter: the tables of `tables.ANSWERS[figure]`, tried in
that order until one answers for the territory.

Each table has a view: its blocks, and whether it answered (it has the territory's figures). A
table tried before the answer says what it lacked (a Melodi dataset asked online that gave
nothing); the tables after the answer are not shown. The order is decided in `tables/`, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from diagterr.tables import ANSWERS
from diagterr.themes.figures import Figures


@dataclass(frozen=True)
class View:
    """What one table shows of a figure, and whether that answers it for the territory."""

    blocks: list = field(default_factory=list)
    answered: bool = False


def first_answer(fig: Figures, figure: str, views: Mapping[str, Callable[[Figures], View]]) -> list:
    """The blocks of the tables of ANSWERS[figure] (by table name in `views`), up to the first that answers."""
    blocks: list = []
    for name in ANSWERS[figure]:
        view = views[name](fig)
        blocks.extend(view.blocks)
        if view.answered:
            break
    return blocks
