"""Bringing commune data published in an older COG to today's communes (COG of diagterr).

Rule (printed in the annex through the table's manifest):
- a commune merged since (commune fusionnée, déléguée, associée) is added to the commune
  nouvelle it belongs to: counts are summed, and the sum is kept only when every part has a
  value (a secret part makes the sum "partial", shown n.d., never a smaller number);
- a value that cannot be summed (a median, a rate) of a merged commune is dropped for the
  commune nouvelle: it is marked "absent", never averaged;
- a commune of today that the data does not have (a split, a newer commune) stays missing and is
  named in the manifest;
- a code split since into several communes is given to none of them: its rows are kept under
  their own code (never dropped) and named in the rule.
The correspondence is the lineage table of the store (`tables.geography.COMMUNES_LINEAGE`:
INSEE's table de passage online, the shared data in the samples) where it has the code, else the
COG's list of former codes (@etalab/decoupage-administratif, from INSEE's COG and its table of commune changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from diagterr.cog import CogIndex, load_cog
from diagterr.store import Store
from diagterr.tables.geography import COMMUNES_LINEAGE
from diagterr.texts import say

KEY = ["geo_level", "geo_code", "variable", "period"]
# The rule, in French, as the dossier and the manifests print it (templates/texts/harmonise.yaml).
RULE = say("harmonise.rule")


@dataclass(frozen=True)
class Correspondence:
    """Former codes and the current communes they lie in."""

    former: dict[str, str]  # former code -> today's commune (fusions)
    splits: dict[str, tuple[str, ...]]  # former code -> today's communes it was split into
    from_lineage: frozenset[str] = frozenset()  # the former codes the lineage table gave


def correspondence(store: Store | None, cog: CogIndex | None = None) -> Correspondence:
    """The lineage table of the store where it has a code, the COG's former codes for the rest."""
    cog = cog or load_cog()
    former = cog.former_codes()
    splits: dict[str, tuple[str, ...]] = {}
    lineage = store.read(COMMUNES_LINEAGE.name) if store is not None else None
    if lineage is None or lineage.empty:
        return Correspondence(former, splits)
    given = set()
    for code, group in lineage.groupby("ancien_code", sort=True):
        if cog.commune(code) is not None:
            continue  # still a commune of today: its own figures stay its own
        targets = tuple(sorted(set(group["commune"])))
        given.add(code)
        if len(targets) > 1:
            splits[code] = targets
            former.pop(code, None)
        else:
            former[code] = targets[0]
    return Correspondence(former, splits, frozenset(given))


@dataclass(frozen=True)
class Harmonised:
    frame: pd.DataFrame
    merged: dict[str, tuple[str, ...]]  # today's commune -> the codes of the data summed into it
    split: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code of the data -> its heirs

    def rule(self) -> str:
        """The French sentence that says what was merged or left apart, for the manifest (empty if nothing)."""
        sentences = []
        if self.merged:
            parts = "; ".join(say("harmonise.merged_part", new=new, old=old) for new, old in sorted(self.merged.items()))
            sentences.append(say("harmonise.merged", parts=parts))
        if self.split:
            parts = "; ".join(say("harmonise.split_part", old=old, new=new) for old, new in sorted(self.split.items()))
            sentences.append(say("harmonise.split", parts=parts))
        return " ; ".join(sentences)


def to_current_geography(frame: pd.DataFrame, store: Store | None, additive: Callable[[str], bool]) -> Harmonised:
    """`to_current_communes` with today's communes of diagterr's COG and the store's correspondence."""
    cog = load_cog()
    table = correspondence(store, cog)
    current = {c.code for c in cog.all_communes()}
    return to_current_communes(frame, current, table.former, additive, table.splits)


def to_current_communes(
    frame: pd.DataFrame, current: set[str], former: Mapping[str, str], additive: Callable[[str], bool],
    splits: Mapping[str, tuple[str, ...]] | None = None,
) -> Harmonised:
    """Map the commune rows of `frame` (observation table) to today's communes.

    `current`: today's commune codes; `former`: former code -> today's commune; `additive(variable)`:
    whether a variable is a count; `splits`: former code -> today's communes it was split into.
    """
    communes = frame["geo_level"] == "COM"
    codes = frame.loc[communes, "geo_code"]
    split = {code: tuple(splits[code]) for code in sorted(set(codes)) if splits and code in splits and code not in current}
    former = {old: new for old, new in former.items() if old not in split}
    outdated = codes[~codes.isin(current) & codes.isin(list(former))]
    if outdated.empty:
        return Harmonised(frame, {}, split)
    target = frame["geo_code"].where(~(communes & frame["geo_code"].isin(set(outdated))),
                                     frame["geo_code"].map(former))
    mapped = frame.assign(geo_code=target)
    touched = set(mapped.loc[communes & (mapped["geo_code"] != frame["geo_code"]), "geo_code"])
    groups: dict[str, set[str]] = {}
    for old, new in zip(frame.loc[communes, "geo_code"], mapped.loc[communes, "geo_code"], strict=True):
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
    return Harmonised(out, {new: tuple(sorted(old)) for new, old in groups.items()}, split)
