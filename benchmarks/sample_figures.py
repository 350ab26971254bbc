"""The six sample dossiers' figures, before and after a change of structure.

    python benchmarks/sample_figures.py snapshot DIR     # write DIR/<site>.json (offline runs)
    python benchmarks/sample_figures.py compare OLD NEW  # list every figure that differs

`snapshot` runs `diagterr run … --offline` for each sample site in a fresh process (fixed edition
date, an empty cache) and keeps its `indicateurs.json`. `compare` reads two snapshots and prints,
per site, each indicator whose value, comparisons, period or source changed, and the indicators
present on one side only. It exits 1 when anything differs, so that it can gate a refactor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SITES = (
    ("ccpa", ["--epci", "246900625"]),
    ("sancy", ["--epci", "246300966"]),
    ("villeneuve-de-berg", ["--commune", "07341"]),
    ("berg-et-coiron", ["--epci", "240700815"]),
    ("tessy-bocage", ["--commune", "50592"]),
    ("saint-lo-agglo", ["--epci", "200066389"]),
)
EDITION_DATE = "2026-12-07"


def snapshot(target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DIAGTERR_CACHE_DIR": str(Path(tmp) / "cache")}
        for name, args in SITES:
            out = Path(tmp) / name
            command = [sys.executable, "-m", "diagterr", "run", *args, "--offline", "--sortie",
                       str(out), "--date-edition", EDITION_DATE]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            print(f"{name}: code {done.returncode}")
            source = out / "indicateurs.json"
            if not source.exists():
                print(done.stderr[-2000:])
                return 1
            (target / f"{name}.json").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return 0


def _by_id(document: dict, renamed: bool = False) -> dict[str, dict]:
    """Rows by id; with `renamed`, an older edition read under today's ids and section ids (the
    renamings are declared in the code: tables.programmes.FORMER_INDICATOR_IDS, chapters.FOCUS_ALIASES)."""
    rows = {row["id"]: row for row in document.get("indicateurs", document.get("indicators", []))}
    if not renamed:
        return rows
    from diagterr.chapters import FOCUS_ALIASES
    from diagterr.tables.programmes import FORMER_INDICATOR_IDS

    return {
        FORMER_INDICATOR_IDS.get(key, key): {
            **row, "id": FORMER_INDICATOR_IDS.get(key, key), "section": FOCUS_ALIASES.get(row["section"], row["section"])
        }
        for key, row in rows.items()
    }


def compare(old_dir: Path, new_dir: Path) -> int:
    from diagterr.chapters import FOCUS_ALIASES

    differences = 0
    for name, _ in SITES:
        old = json.loads((old_dir / f"{name}.json").read_text(encoding="utf-8"))
        new = json.loads((new_dir / f"{name}.json").read_text(encoding="utf-8"))
        old_rows, new_rows = _by_id(old, renamed=True), _by_id(new)
        renamings = len(_by_id(old).keys() - old_rows.keys()) + sum(
            row["section"] != FOCUS_ALIASES.get(row["section"], row["section"]) for row in _by_id(old).values())
        lines = []
        for key in ("territory", "situation_date", "key_figures", "gaps"):
            if old.get(key) != new.get(key):
                lines.append(f"  ~ {key}")
        for key in sorted(old_rows.keys() - new_rows.keys()):
            lines.append(f"  - {key} (disparu)")
        for key in sorted(new_rows.keys() - old_rows.keys()):
            lines.append(f"  + {key} (nouveau)")
        for key in sorted(old_rows.keys() & new_rows.keys()):
            if old_rows[key] != new_rows[key]:
                changed = sorted(k for k in old_rows[key].keys() | new_rows[key].keys()
                                 if old_rows[key].get(k) != new_rows[key].get(k))
                lines.append(f"  ~ {key}: {', '.join(changed)}")
        print(f"{name}: {len(old_rows)} → {len(new_rows)} indicateurs, {len(lines)} différence(s) "
              f"(outre {renamings} identifiant(s) ou section(s) renommés, déclarés dans le code)")
        print("\n".join(lines)) if lines else None
        differences += len(lines)
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("snapshot").add_argument("target", type=Path)
    compare_parser = commands.add_parser("compare")
    compare_parser.add_argument("old", type=Path)
    compare_parser.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        return snapshot(args.target)
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
