"""Bringing commune data published in an older COG to today's communes (COG of diagterr).

Rule (printed in the annex through the table's manifest):
- a commune merged since (commune fusionnée, déléguée, associée) is added to the commune
  nouvelle it belongs to: counts are summed, and the sum is kept only when every part has a
  value (a secret part makes the sum "partial", shown n.d., never a smaller number);
- a value that cannot be summed (a median, a rate) of a merged commune is dropped for the
  commune nouvelle: it is marked "absent", never averaged;
- a commune of today that the data does not have (a split, a newer commune) stays missing and is
  named in the manifest.
The correspondence is the COG's list of former codes (@etalab/decoupage-administratif, from
INSEE's COG and its table of commune changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

KEY = ["geo_level", "geo_code", "variable", "period"]


@dataclass(frozen=True)
class Harmonised:
    frame: pd.DataFrame
    merged: dict[str, tuple[str, ...]]  # today's commune -> the codes of the data summed into it

    def rule(self) -> str:
        """The French sentence that says what was merged, for the manifest (empty if nothing)."""
        if not self.merged:
            return ""
        parts = "; ".join(f"{new} = somme de {', '.join(old)}" for new, old in sorted(self.merged.items()))
        return (f"communes fusionnées ramenées à la géographie actuelle ({parts}) : comptages additionnés, "
                "médianes et taux non recalculés")


def to_current_communes(
    frame: pd.DataFrame, current: set[str], former: Mapping[str, str], additive: Callable[[str], bool]
) -> Harmonised:
    """Map the commune rows of `frame` (observation table) to today's communes.

    `current`: today's commune codes; `former`: former code -> today's commune; `additive(variable)`:
    whether a variable is a count.
    """
    communes = frame["geo_level"] == "COM"
    codes = frame.loc[communes, "geo_code"]
    outdated = codes[~codes.isin(current) & codes.isin(list(former))]
    if outdated.empty:
        return Harmonised(frame, {})
    target = frame["geo_code"].where(~(communes & frame["geo_code"].isin(set(outdated))),
                                     frame["geo_code"].map(former))
    mapped = frame.assign(geo_code=target)
    touched = set(mapped.loc[communes & (mapped["geo_code"] != frame["geo_code"]), "geo_code"])
    groups: dict[str, set[str]] = {}
    for old, new in zip(frame.loc[communes, "geo_code"], mapped.loc[communes, "geo_code"]):
        if new in touched:
            groups.setdefault(new, set()).add(old)
    keep = mapped[~(communes & mapped["geo_code"].isin(touched))]
    rows = []
    for key, part in mapped[communes & mapped["geo_code"].isin(touched)].groupby(KEY, sort=True):
        level, code, variable, period = key
        expected = len(groups[code])
        known = part["value"].notna()
        if not additive(variable):
            value, status = None, "absent"
        elif known.all() and len(part) == expected:
            value, status = float(part["value"].sum()), None
        else:
            value, status = None, f"partial:{int((~known).sum()) + expected - len(part)}"
        rows.append({"geo_level": level, "geo_code": code, "variable": variable, "period": period,
                     "value": value, "status": status, "source_id": part["source_id"].iloc[0]})
    out = pd.concat([keep, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)
    out = out.astype(frame.dtypes.to_dict())
    return Harmonised(out, {new: tuple(sorted(old)) for new, old in groups.items()})
