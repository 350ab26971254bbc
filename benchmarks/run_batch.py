"""Benchmark of `diagterr batch`, offline: the sample sites, and 50 territories from national files.

    python benchmarks/run_batch.py [--shared ../shared] [--territories 50]

1. the batch model (the four Ateliers sites: 6 dossiers) with --jobs 1 and --jobs 2;
2. 50 EPCI spread over France, after `diagterr import` of the INSEE comparateur (the national
   file in ../shared), with --jobs 1 and --jobs 2. Outside the samples there are no contours
   offline: those dossiers are partial (maps marked missing), as a user would get them; then the
   same batch re-run with nothing changed.
Prints wall time, per-site median and the peak resident memory of the largest process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPARATEUR = "data/raw/insee-base-cc-comparateur-2022-full/base_cc_comparateur_csv.zip"


def diagterr(*args: str, env: dict[str, str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "diagterr", *args], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, done.returncode


def spread_epcis(count: int) -> list[tuple[str, str]]:
    from diagterr.cog import load_cog

    epcis = sorted(load_cog().all_epcis(), key=lambda e: e.code)
    step = max(1, len(epcis) // count)
    return [(e.code, e.name) for e in epcis[::step][:count]]


def report(label: str, folder: Path, wall: float, code: int) -> None:
    summary = json.loads((folder / "batch.json").read_text("utf-8"))
    durations = [s["duration_s"] for s in summary["sites"]]
    statuses = {}
    for site in summary["sites"]:
        statuses[site["status"]] = statuses.get(site["status"], 0) + 1
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{label:<34} {wall:>8.1f} s  médiane/site {statistics.median(durations):>6.1f} s  "
          f"mémoire max {peak_mb:>5.0f} Mo  code {code}  {statuses}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--territories", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "DIAGTERR_CACHE_DIR": str(work / "cache")}
        diagterr("batch", "modele", "sites.yaml", env=env, cwd=work)
        for jobs in (1, 2):
            wall, code = diagterr("batch", "sites.yaml", "--offline", "--force", "--jobs", str(jobs), env=env, cwd=work)
            report(f"4 sites (6 dossiers), --jobs {jobs}", work / "dossiers", wall, code)

        wall, code = diagterr("import", str(args.shared / COMPARATEUR), env=env, cwd=work)
        print(f"{'import du comparateur (France)':<34} {wall:>8.1f} s  code {code}")
        lines = ["sortie: lot50", "sites:"]
        for siren, name in spread_epcis(args.territories):
            lines += [f"  - nom: {json.dumps(name, ensure_ascii=False)}", f'    epci: "{siren}"']
        (work / "lot50.yaml").write_text("\n".join(lines) + "\n", "utf-8")
        for jobs in (1, 2):
            wall, code = diagterr("batch", "lot50.yaml", "--offline", "--force", "--jobs", str(jobs), env=env, cwd=work)
            report(f"{args.territories} EPCI, --jobs {jobs}", work / "lot50", wall, code)
        # The same batch again, nothing changed: every site « inchange » (target ≤ 0.2 s per site,
        # benchmarks/batch_rerun.py pairs it with its first run).
        wall, code = diagterr("batch", "lot50.yaml", "--offline", "--jobs", "2", env=env, cwd=work)
        report(f"{args.territories} EPCI, relance inchangée", work / "lot50", wall, code)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
