"""One table per series: the vintages of a figure as consecutive rows of one indicator table.

A chapter that reads a share at several censuses (the comparateur's, the samples' RP 2021, a
third party's RP 2022, Melodi's latest) shows it once, its vintages oldest first, each row with its
own period and source; never the same share scattered over one table per vintage. The ids and
values are the tables' own: only their placement changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from diagterr.dossier import Indicator, IndicatorTable

# The ids of one figure's vintages and publishers (themes/en_bref.py): `<figure>_<year>`, then
# `_publie` (the producer's value for the EPCI) or `_tiers` (a republication); `_rp` is Melodi's census.
_SUFFIX = re.compile(r"(?:_\d{4})?(?:_publie|_tiers|_rp)?$")
_YEAR = re.compile(r"\d{4}")
_VINTAGE_ROW = re.compile(r"_\d{4}$")
# Between two values of the same year: the producer first, then its published EPCI value, then a third party.
_PUBLISHERS = ("_publie", "_tiers")


def family(indicator_id: str) -> str:
    """The figure an indicator is a vintage of: part_logements_vacants_2022_tiers → part_logements_vacants."""
    return _SUFFIX.sub("", indicator_id)


def _publisher(indicator: Indicator) -> int:
    return next((n + 1 for n, suffix in enumerate(_PUBLISHERS) if indicator.id.endswith(suffix)), 0)


def _year(indicator: Indicator) -> int:
    years = _YEAR.findall(indicator.period)
    return int(years[-1]) if years else 0


def _empty(indicator: Indicator) -> bool:
    """A census vintage (`<figure>_<year>`) with no value for the territory nor any comparison level:
    its table holds none of these places. A publisher's row (`_publie`, `_tiers`) missing from an
    answer stays, with its reason."""
    return (_VINTAGE_ROW.search(indicator.id) is not None and indicator.value is None
            and all(c.value is None for c in indicator.comparisons))


def years(indicators: Sequence[Indicator]) -> list[str]:
    """The distinct last years of the indicators' periods, oldest first (2013-2018 counts as 2018)."""
    return sorted({str(_year(i)) for i in indicators if _year(i)})


def merge(blocks: list, title: Callable[[list[str], list[Indicator]], str], order: Sequence[str] = (),
          family_of: Callable[[str], str] = family) -> list:
    """The indicator tables of `blocks` as one table titled `title(years, indicators)`, each figure's
    rows together and oldest first (families of `order` first, the others as they come), then the
    other blocks (their notes), each once. Blocks without an indicator table are returned as they are."""
    tables = [b for b in blocks if isinstance(b, IndicatorTable)]
    if not tables:
        return blocks
    others: list = []
    for block in blocks:
        if not isinstance(block, IndicatorTable) and block not in others:
            others.append(block)
    indicators = [i for table in tables for i in table.indicators]
    seen: list[str] = [f for f in order]
    for indicator in indicators:
        if family_of(indicator.id) not in seen:
            seen.append(family_of(indicator.id))
    rank = {name: n for n, name in enumerate(seen)}
    shown = {family_of(i.id) for i in indicators if i.value is not None}
    # A vintage the store has for no place of the row (e.g. RP 2021, read for the sample sites only)
    # is no row beside a vintage that has values: the chapter's box and the annex say what is missing.
    indicators = [i for i in indicators if not (_empty(i) and family_of(i.id) in shown)]
    rows = sorted(indicators, key=lambda i: (rank[family_of(i.id)], _year(i), _publisher(i)))
    return [IndicatorTable(title(years(rows), rows), tuple(rows)), *others]
