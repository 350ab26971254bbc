"""Chart axes in French: matplotlib tick labels through the one set of French filters."""

from __future__ import annotations

import math
from collections.abc import Sequence

from matplotlib.ticker import Formatter

from diagterr.dossier import ValueKind
from diagterr.formatting import INLINE_UNIT, NBSP, PERCENT_SPACE, nombre


def _tick_decimals(locs: Sequence[float]) -> int:
    """Fewest decimals (≤ 3) that tell every tick apart exactly."""
    finite = [v for v in locs if math.isfinite(v)]
    for places in range(4):
        if all(abs(v * 10**places - round(v * 10**places)) < 1e-6 for v in finite):
            return places
    return 3


class FrenchTickFormatter(Formatter):
    """Tick labels in French for values of a kind ("5 %", "20 000 €", "1,5").

    Decimals follow the tick step (ticks 0, 2.5, 5 → "0,0", "2,5", "5,0"), not the kind's
    default, so an axis never shows "2 %" twice for 2.0 and 2.5. (A `FuncFormatter` cannot see
    the other ticks without the `locs` attribute deprecated in matplotlib 3.11, hence the class.)
    """

    def __init__(self, kind: ValueKind | None = None, *, with_unit: bool = True):
        self.kind = kind
        self.with_unit = with_unit
        self._places: int | None = None

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        self._places = _tick_decimals(values)
        try:
            return [self(value, i) for i, value in enumerate(values)]
        finally:
            self._places = None

    def __call__(self, x: float, pos: int | None = None) -> str:
        places = self._places if self._places is not None else _tick_decimals([x])
        text = nombre(x, places)
        if self.with_unit and self.kind in INLINE_UNIT:
            space = PERCENT_SPACE if self.kind == "rate" else NBSP
            text = f"{text}{space}{INLINE_UNIT[self.kind]}"
        return text


def axis_formatter(kind: ValueKind | None = None, *, with_unit: bool = True) -> FrenchTickFormatter:
    """The matplotlib tick formatter for an axis of values of `kind` (babel, never setlocale)."""
    return FrenchTickFormatter(kind, with_unit=with_unit)
