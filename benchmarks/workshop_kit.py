"""Benchmark: what the workshop kit (issue 18) adds to a warm offline dossier (budget: at most +30 %).

    python benchmarks/workshop_kit.py [--repeat 3]

Pairs, in one run, `diagterr run --epci 246900625 --offline --formats pdf` (the dossier PDF alone,
with indicateurs.json and .csv) with the full `diagterr run` (every format: pdf, html, docx,
affiche, fiches, cartes) for the CC du Pays de l'Arbresle; `--formats pdf,html` (what a run wrote
before the kit) is timed beside them for reference. Warm: one discarded run of each first
(bytecode, fonts, the OS file cache), every run in a fresh process into a fresh output folder, the
user's cache shared (as a consultant's second dossier). The two runs alternate; the medians and
their ratio are printed with the load average (other work on the machine makes the figures noisy).
A run that fails (exit code other than 0 or 4) is counted apart, not timed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CCPA = ("--epci", "246900625")
# The pair of the issue first; then, for reference, the edition as it was before the kit (PDF and HTML).
RUNS = {"pdf seul": ("--formats", "pdf"), "kit complet": (), "pdf et html": ("--formats", "pdf,html")}


def run_once(extra: tuple[str, ...], root: Path) -> tuple[float, int, int]:
    """One `diagterr run` in a fresh process and output folder: (seconds, exit code, files written)."""
    out = Path(tempfile.mkdtemp(dir=root)) / "out"
    command = [sys.executable, "-m", "diagterr", "run", *CCPA, "--offline", "--sortie", str(out),
               "--date-edition", "2026-11-21", *extra]
    started = time.perf_counter()
    code = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode
    elapsed = time.perf_counter() - started
    files = sum(1 for path in out.rglob("*") if path.is_file()) if out.is_dir() else 0
    return elapsed, code, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {label: [] for label in RUNS}
    files: dict[str, int] = {}
    failed: dict[str, int] = {label: 0 for label in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for extra in RUNS.values():
            run_once(extra, root)  # warm-up, discarded
        for _ in range(args.repeat):
            for label, extra in RUNS.items():
                elapsed, code, count = run_once(extra, root)
                if code not in (0, 4):
                    failed[label] += 1
                    continue
                times[label].append(elapsed)
                files[label] = count
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"CC du Pays de l'Arbresle, hors ligne, à chaud ({args.repeat} passes ; charge : {load} ; "
          f"{os.cpu_count()} cœurs)")
    for label in RUNS:
        values = times[label]
        median = f"{statistics.median(values):.2f}" if values else "-"
        fastest = f"{min(values):.2f}" if values else "-"
        print(f"  {label:<12} médiane {median:>6} s  min {fastest:>6} s  fichiers {files.get(label, 0):>3}  "
              f"échecs {failed[label]}")
    base, kit, before = (times[label] for label in RUNS)
    if base and kit:
        ratio = statistics.median(kit) / statistics.median(base)
        print(f"  rapport kit complet / pdf seul : {ratio:.2f} (budget de l'issue 18 : au plus 1,30)")
    if before and kit:
        ratio = statistics.median(kit) / statistics.median(before)
        print(f"  rapport kit complet / pdf et html (l'édition d'avant le kit) : {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
