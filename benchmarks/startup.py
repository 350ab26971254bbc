"""Benchmark: how fast the CLI answers what needs no dossier (issue 19: ≤ 0.3 s wall each).

    python benchmarks/startup.py [--repeat 7]

Times, in one run, `python -m diagterr --help`, `version`, `search arbresle`, `run --epci 999`
(a bad input), `run --formats xyz --epci 246900625` and `run --commune 75112`, each in a fresh
process, against the bare interpreter start (`python -c pass`) and `python -c "import typer"`
(what any Typer CLI pays). The commands alternate with the pair within each repeat; the medians
are printed with the ratio to the bare start and the 0.3 s target. One discarded warm-up round first
(bytecode, the OS file cache, and the COG index saved in the user cache by the first process).
Every run shares one fresh cache dir (DIAGTERR_CACHE_DIR), as a user's repeated commands do; the
very first command in it (which reads the parquet index and saves it there) is timed apart.
The load average is printed: other work on the machine makes the figures noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_S = 0.3
PAIRS: list[tuple[str, list[str]]] = [
    ("python -c pass", ["-c", "pass"]),
    ('python -c "import typer"', ["-c", "import typer"]),
]
COMMANDS: list[tuple[str, list[str]]] = [
    ("diagterr --help", ["--help"]),
    ("diagterr version", ["version"]),
    ("diagterr search arbresle", ["search", "arbresle"]),
    ("diagterr run --epci 999", ["run", "--epci", "999"]),
    ("diagterr run --formats xyz --epci 246900625", ["run", "--formats", "xyz", "--epci", "246900625"]),
    ("diagterr run --commune 75112", ["run", "--commune", "75112"]),
]


def _wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="diagterr-startup-") as cache:
        env = {**os.environ, "DIAGTERR_CACHE_DIR": cache}
        runs = [(label, args) for label, args in PAIRS] + [
            (label, ["-m", "diagterr", *args]) for label, args in COMMANDS
        ]
        first = _wall(["-m", "diagterr", "search", "arbresle"], env)  # fresh cache: saves the COG index
        for _, args in runs:  # warm-up, discarded
            _wall(args, env)
        times: dict[str, list[float]] = {label: [] for label, _ in runs}
        for _ in range(repeat):
            for label, args in runs:
                times[label].append(_wall(args, env))
    medians = {label: statistics.median(values) for label, values in times.items()}
    bare = medians[PAIRS[0][0]]
    print(f"{repeat} runs each, fresh process, median wall; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    width = max(len(label) for label in medians)
    for label, median in medians.items():
        target = "" if label in dict(PAIRS) else ("  ≤ 0.3 s: yes" if median <= TARGET_S else "  ≤ 0.3 s: NO")
        print(f"  {label:<{width}}  {median:6.3f} s  ×{median / bare:5.1f} bare start{target}")
    print(f"  first command in a fresh cache (search arbresle, saves the COG index): {first:.3f} s")
    slow = [label for label, _ in COMMANDS if medians[f"{label}"] > TARGET_S]
    print(f"target {TARGET_S} s: " + ("every command within" if not slow else "over: " + ", ".join(slow)))


if __name__ == "__main__":
    main()
