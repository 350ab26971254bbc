"""The README's list of indicator ids, made from the indicateurs.json of dossiers.

    python scripts/indicator_ids.py DIR [DIR ...]                # print the list (Markdown)
    python scripts/indicator_ids.py DIR [DIR ...] --readme README.md  # replace it in the README

Each DIR holds indicateurs.json files, one per dossier (`benchmarks/sample_figures.py snapshot DIR`
writes those of the six sample dossiers, under the site's name). The list has one row per id, in
the order of the dossiers' chapters, with its section, label and unit; in the README it sits
between the two markers below, so that the script can be run again after ids change. Ids and
section ids of files written before they were chosen by hand are read under their current names.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

START = "<!-- indicator-ids: begin (scripts/indicator_ids.py) -->"
END = "<!-- indicator-ids: end -->"


def _renames() -> tuple[dict[str, str], dict[str, str]]:
    from diagterr.tables.programmes import FORMER_INDICATOR_IDS
    from diagterr.themes import FOCUS_ALIASES

    return dict(FORMER_INDICATOR_IDS), dict(FOCUS_ALIASES)


def rows(folders: list[Path]) -> list[tuple[str, str, str, str]]:
    """(id, section, label, unit) of every indicator of the dossiers, first seen first."""
    former_ids, former_sections = _renames()
    found: dict[str, tuple[str, str, str, str]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            for record in document.get("indicators", []):
                indicator_id = former_ids.get(record["id"], record["id"])
                section = former_sections.get(record["section"], record["section"])
                found.setdefault(indicator_id, (indicator_id, section, record["label"], record["unit"]))
    return list(found.values())


def markdown(table: list[tuple[str, str, str, str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|") if text else "—"

    lines = ["| identifiant | section | libellé | unité |", "|---|---|---|---|"]
    lines += [f"| `{i}` | {section} | {cell(label)} | {cell(unit)} |" for i, section, label, unit in table]
    return "\n".join(lines)


def replace_in_readme(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    if START not in content or END not in content:
        raise SystemExit(f"{readme}: markers {START!r} and {END!r} not found")
    before, _, rest = content.partition(START)
    _, _, after = rest.partition(END)
    readme.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--readme", type=Path, help="replace the list between the markers of this file")
    args = parser.parse_args()
    table = rows(args.folders)
    if not table:
        print("no indicateurs.json found", file=sys.stderr)
        return 1
    text = markdown(table)
    if args.readme is None:
        print(text)
    else:
        replace_in_readme(args.readme, text)
        print(f"{args.readme}: {len(table)} ids")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
