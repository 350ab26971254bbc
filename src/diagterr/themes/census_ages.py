"""Census age brackets: the partition of ages the data offers, and their labels.

Melodi's AGE codes (CL_AGE, REAL code list) read `Y_LT20` (under 20), `Y20T64` (20 to 64),
`Y_GE65` (65 or more), `Y15T29`… A dataset publishes several overlapping families of brackets;
the pyramid needs one partition of all ages, the finest the data has.
"""

from __future__ import annotations

import re

_BRACKET = re.compile(r"^Y(?:_LT(\d+)|(\d+)T(\d+)|_GE(\d+))$")


def age_interval(code: str) -> tuple[int, int | None] | None:
    """`Y_LT20` → (0, 20); `Y20T64` → (20, 65); `Y_GE65` → (65, None); other codes → None."""
    match = _BRACKET.match(code)
    if not match:
        return None
    below, start, end, above = match.groups()
    if below:
        return 0, int(below)
    if start:
        return int(start), int(end) + 1
    return int(above), None


def age_label(code: str) -> str:
    interval = age_interval(code)
    if interval is None:
        return code
    start, end = interval
    if start == 0:
        return f"Moins de {end} ans"
    if end is None:
        return f"{start} ans ou plus"
    return f"{start} à {end - 1} ans"


def finest_partition(codes: set[str]) -> list[str]:
    """The codes that cut all ages (0 to no limit) into the most brackets without overlap."""
    intervals = {code: age_interval(code) for code in codes}
    by_start: dict[int, list[str]] = {}
    for code, interval in intervals.items():
        if interval is not None:
            by_start.setdefault(interval[0], []).append(code)
    best: dict[int, list[str]] = {}

    def walk(start: int) -> list[str] | None:
        if start in best:
            return best[start]
        options = []
        for code in by_start.get(start, []):
            end = intervals[code][1]
            rest = [] if end is None else walk(end)
            if rest is not None:
                options.append([code, *rest])
        best[start] = max(options, key=len) if options else None
        return best[start]

    return walk(0) or []
