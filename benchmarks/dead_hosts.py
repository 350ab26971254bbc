"""Benchmark: an online CCPA dossier with every online host dead, against the offline run.

    python benchmarks/dead_hosts.py [--epci 246900625] [--mode black-hole|503|silent]

Runs `diagterr run --epci EPCI` online with every source sent (DIAGTERR_HOST_OVERRIDES="*=…")
to a local black hole (tests/fault_server.py: a port that never completes a connection, like a
firewalled host), or (`--mode 503`) to a server answering 503 to everything, or (`--mode silent`)
to one that accepts and never answers; then the same
dossier with `--offline`. Each run gets a fresh cache dir (the store is the shipped samples).
Prints both wall times, their ratio, the exit codes and the gaps of the dead run. The goal: the
dead run produces the dossier in under 2 minutes (a black-holed host costs one connect timeout,
5 s, then is skipped; 503 everywhere: retry waits share 60 s; a silent host costs one read
timeout, 30 s, and once two hosts were silent the others get 5 s of silence each:
http.SUSPECT_AFTER_HOSTS, SUSPECT_READ_S).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fault_server import BlackHole, FaultServer, silent, status  # noqa: E402

DIAGTERR = Path(sys.executable).with_name("diagterr")
GOAL_S = 120.0


def timed_run(args: list[str], out_dir: Path, extra_env: dict[str, str]) -> tuple[float, int]:
    env = {**os.environ, "DIAGTERR_CACHE_DIR": tempfile.mkdtemp(prefix="diagterr-dead-cache-"), **extra_env}
    started = time.monotonic()
    done = subprocess.run([str(DIAGTERR), "run", *args, "--sortie", str(out_dir)], env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 4):
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
    return elapsed, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epci", default="246900625")
    parser.add_argument("--mode", choices=("black-hole", "503", "silent"), default="black-hole")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="diagterr-dead-hosts-"))
    dead: AbstractContextManager[BlackHole | FaultServer]
    kind = options.mode
    if kind == "silent":
        dead = FaultServer(default=silent())
    elif kind == "503":
        dead = FaultServer(default=status(503))
    else:
        dead = BlackHole()
    with dead as server:
        online_s, online_code = timed_run(["--epci", options.epci], work / "dead",
                                          {"DIAGTERR_HOST_OVERRIDES": f"*={server.url}"})
    offline_s, offline_code = timed_run(["--epci", options.epci, "--offline"], work / "offline", {})
    pdf = work / "dead" / "dossier.pdf"
    print(f"every host dead ({kind}): {online_s:6.1f} s, exit {online_code}, PDF {'yes' if pdf.exists() else 'NO'}")
    print(f"offline:                {offline_s:6.1f} s, exit {offline_code}")
    print(f"ratio dead / offline:   {online_s / offline_s:6.2f}")
    indicators = work / "dead" / "indicateurs.json"
    if indicators.exists():
        gaps = json.loads(indicators.read_text(encoding="utf-8")).get("gaps", [])
        print(f"gaps of the dead run: {len(gaps)}")
        for gap in gaps:
            print("  -", gap.get("message", gap) if isinstance(gap, dict) else gap)
    within = online_s < GOAL_S and pdf.exists()
    print(f"goal (dossier in under {GOAL_S:.0f} s): {'met' if within else 'MISSED'}")
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
