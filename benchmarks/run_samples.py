"""Benchmark: a warm offline `diagterr run` for each sample site, wall time and peak memory.

    python benchmarks/run_samples.py [--repeat 3]

Each run is a fresh process (`diagterr run … --offline`), so the figures include start-up, as a
user sees them. Peak memory is the child's maximum resident set size (Linux ru_maxrss, in KiB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SITES = (
    ("CC du Pays de l'Arbresle", ["--epci", "246900625"]),
    ("CC du Massif du Sancy", ["--epci", "246300966"]),
    ("Villeneuve-de-Berg", ["--commune", "07341"]),
    ("CC Berg et Coiron", ["--epci", "240700815"]),
    ("Tessy-Bocage", ["--commune", "50592"]),
    ("CA Saint-Lô Agglo", ["--epci", "200066389"]),
)


def run_once(args: list[str], out: Path, cache: Path) -> tuple[float, int, int]:
    env = {**os.environ, "DIAGTERR_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "diagterr", "run", *args, "--offline", "--sortie", str(out),
               "--date-edition", "2026-11-21"]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: silence its messages, keep ours readable
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(command[0], command, env)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        print(f"{'site':<28} {'médiane (s)':>12} {'min (s)':>8} {'mémoire max (Mo)':>17} {'code':>5}")
        for name, site_args in SITES:
            out = Path(tmp) / name.replace(" ", "_")
            run_once(site_args, out, cache)  # warm-up: caches, fonts, bytecode
            times, peaks, codes = [], [], set()
            for _ in range(args.repeat):
                elapsed, peak, code = run_once(site_args, out, cache)
                times.append(elapsed)
                peaks.append(peak)
                codes.add(code)
            print(f"{name:<28} {statistics.median(times):>12.2f} {min(times):>8.2f} "
                  f"{max(peaks) / 1024:>17.0f} {','.join(map(str, sorted(codes))):>5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
