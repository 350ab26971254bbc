"""Benchmark of `diagterr batch`, offline: 50 EPCI spread over France on the shipped national base.

    python benchmarks/run_batch.py [--territories 50] [--exemples]

1. with --exemples, the batch model (the four Ateliers sites: 6 dossiers) with --jobs 1 and --jobs 2;
2. 50 EPCI spread over France (every 25th of the COG's EPCI by SIREN), offline: the national base
   shipped in data/national (comparateur, outlines, profiles) serves them, no `diagterr import`
   is needed; --jobs 1, --jobs 2, then the same batch re-run with nothing changed (target: at most
   0.2 s per site, issue 19).
Prints the machine's cores, and for each batch its wall time, the per-site median of batch.json and
the peak resident memory of its largest process (ru_maxrss of that command and its workers, wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RERUN_S = 0.2  # per unchanged site (issue 19)


def diagterr(*args: str, env: dict[str, str], cwd: Path) -> tuple[float, int, float]:
    """(wall s, exit code, peak MB): the peak is ru_maxrss of this command's largest process, its
    batch workers included (wait4 gives the rusage of that child and of the children it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "diagterr", *args], env=env, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024


def cpu_model() -> str:
    """The count and model name of the machine's cores (/proc/cpuinfo)."""
    try:
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines()
                  if line.startswith("model name")]
    except OSError:
        models = []
    return f"{len(models) or os.cpu_count()} cœurs {models[0] if models else '(modèle inconnu)'}"


def spread_epcis(count: int) -> list[tuple[str, str]]:
    from diagterr.cog import load_cog

    epcis = sorted(load_cog().all_epcis(), key=lambda e: e.code)
    step = max(1, len(epcis) // count)
    return [(e.code, e.name) for e in epcis[::step][:count]]


def report(label: str, folder: Path, wall: float, code: int, peak_mb: float) -> float:
    """Print one batch's line; returns its per-site median (s)."""
    summary = json.loads((folder / "batch.json").read_text("utf-8"))
    durations = [s["duration_s"] for s in summary["sites"]]
    statuses: dict[str, int] = {}
    for site in summary["sites"]:
        statuses[site["status"]] = statuses.get(site["status"], 0) + 1
    median = statistics.median(durations)
    print(f"{label:<34} {wall:>8.1f} s  médiane/site {median:>6.2f} s  "
          f"mémoire max {peak_mb:>5.0f} Mo  code {code}  {statuses}", flush=True)
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=50, help="nombre d'EPCI du lot (défaut : 50)")
    parser.add_argument("--exemples", action="store_true", help="mesurer aussi le lot modèle (sites d'exemple)")
    args = parser.parse_args()
    print(f"Machine : {cpu_model()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "DIAGTERR_CACHE_DIR": str(work / "cache")}
        if args.exemples:
            diagterr("batch", "modele", "sites.yaml", env=env, cwd=work)
            for jobs in (1, 2):
                wall, code, peak = diagterr("batch", "sites.yaml", "--offline", "--force", "--jobs", str(jobs),
                                            env=env, cwd=work)
                report(f"4 sites (6 dossiers), --jobs {jobs}", work / "dossiers", wall, code, peak)

        lines = ["sortie: lot50", "sites:"]
        for siren, name in spread_epcis(args.territories):
            lines += [f"  - nom: {json.dumps(name, ensure_ascii=False)}", f'    epci: "{siren}"']
        (work / "lot50.yaml").write_text("\n".join(lines) + "\n", "utf-8")
        walls = {}
        for jobs in (1, 2):
            wall, code, peak = diagterr("batch", "lot50.yaml", "--offline", "--force", "--jobs", str(jobs),
                                        env=env, cwd=work)
            walls[jobs] = wall
            report(f"{args.territories} EPCI, --jobs {jobs}", work / "lot50", wall, code, peak)
        print(f"{'--jobs 2 / --jobs 1 (temps réel)':<34} {walls[2] / walls[1]:>8.2f}")
        # The same batch again, nothing changed: every site « inchange » (target ≤ 0.2 s per site,
        # benchmarks/batch_rerun.py pairs it with its first run).
        wall, code, peak = diagterr("batch", "lot50.yaml", "--offline", "--jobs", "2", env=env, cwd=work)
        median = report(f"{args.territories} EPCI, relance inchangée", work / "lot50", wall, code, peak)
        verdict = "atteint" if median <= TARGET_RERUN_S else "non atteint"
        print(f"relance : {wall / args.territories:.2f} s par site en temps réel, médiane {median:.2f} s "
              f"(objectif ≤ {TARGET_RERUN_S} s par site : {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
