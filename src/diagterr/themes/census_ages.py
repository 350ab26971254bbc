"""Census age brackets: the partition of ages the data offers, and their labels.

Melodi's AGE codes (CL_AGE, REAL code list) read `Y_LT20` (under 20), `Y20T64` (20 to 64),
`Y_GE65` (65 or more), `Y15T29`… A dataset publishes several overlapping families of brackets;
the pyramid needs one partition of all ages, the finest the data has.
"""

from __future__ import annotations

import re

from diagterr.texts import say

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
    """"Moins de 20 ans", "20 à 64 ans", "65 ans ou plus"; a code we cannot read, as published."""
    interval = age_interval(code)
    if interval is None:
        return code
    start, end = interval
    if start == 0:
        return say("demographie.age_below", limit=end)
    if end is None:
        return say("demographie.age_above", start=start)
    return say("demographie.age_between", start=start, last=end - 1)


def finest_partition(codes: set[str]) -> list[str]:
    """The codes that cut all ages (0 to no limit) into the most brackets without overlap."""
    intervals = {code: interval for code in codes if (interval := age_interval(code)) is not None}
    by_start: dict[int, list[str]] = {}
    for code, interval in intervals.items():
        by_start.setdefault(interval[0], []).append(code)
    best: dict[int, list[str] | None] = {}

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
