"""Benchmark of a `diagterr batch` re-run with every site unchanged (issue 19), offline.

    python benchmarks/batch_rerun.py [--jobs 2] [--sites FILE]

In one run, into one fresh folder: the first batch of the model file (the four Ateliers sites:
6 dossiers), or of --sites, then the same command again with nothing changed. Prints for each the
wall time and the per-site median of batch.json (`duration_s`: the site's own work), the ratio
re-run / first, and the target: an unchanged site costs at most 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TARGET_S = 0.2  # per unchanged site (issue 19)


def diagterr(*args: str, env: dict[str, str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "diagterr", *args], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, done.returncode


def sites_of(folder: Path) -> list[dict]:
    return json.loads((folder / "batch.json").read_text("utf-8"))["sites"]


def line(label: str, wall: float, code: int, sites: list[dict]) -> float:
    median = statistics.median(s["duration_s"] for s in sites)
    statuses: dict[str, int] = {}
    for site in sites:
        statuses[site["status"]] = statuses.get(site["status"], 0) + 1
    print(f"{label:<22} {wall:>7.2f} s  médiane/site {median:>6.2f} s  max/site "
          f"{max(s['duration_s'] for s in sites):>6.2f} s  code {code}  {statuses}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sites", type=Path, help="a sites file (default: the model, `diagterr batch modele`)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "DIAGTERR_CACHE_DIR": str(work / "cache")}
        if args.sites is None:
            diagterr("batch", "modele", "sites.yaml", env=env, cwd=work)
        else:
            shutil.copy(args.sites, work / "sites.yaml")
        document = yaml.safe_load((work / "sites.yaml").read_text("utf-8"))
        folder = work / str(document.get("sortie", "."))
        command = ("batch", "sites.yaml", "--offline", "--jobs", str(args.jobs))
        print(f"{len(document['sites'])} sites, hors ligne, --jobs {args.jobs}, {os.cpu_count()} cœurs")
        wall_first, code = diagterr(*command, env=env, cwd=work)
        first = line("premier lot", wall_first, code, sites_of(folder))
        wall_again, code = diagterr(*command, env=env, cwd=work)
        sites = sites_of(folder)
        again = line("relance inchangée", wall_again, code, sites)
        unchanged = all(s["status"] == "inchange" for s in sites)
        print(f"rapport relance / premier : médiane/site {again / first if first else float('nan'):.4f}, "
              f"temps total {wall_again / wall_first:.3f}")
        verdict = "atteinte" if unchanged and again <= TARGET_S else "manquée"
        print(f"cible : un site inchangé ≤ {TARGET_S} s (médiane {again:.2f} s) : {verdict}"
              + ("" if unchanged else " (des sites n'étaient pas « inchange »)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
