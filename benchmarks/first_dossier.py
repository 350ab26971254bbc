"""Benchmark: the first offline dossier of a territory outside the samples against that of a sample
territory of the same size (issue 16: "no slower than a sample dossier of the same size").

    python benchmarks/first_dossier.py [--repeat 3]

Two pairs: the CC du Pays de l'Arbresle (sample EPCI) with the EPCI outside the samples closest to
it in number of communes and population, and Villeneuve-de-Berg (sample commune) with the commune
outside the samples closest to it in population; both picked from the COG index shipped with
diagterr and printed. Every run is `diagterr run … --offline` in a fresh process with its own
fresh cache dir and output dir (the first dossier of that territory, as a user sees it, start-up
included); one discarded warm-up run per territory first (bytecode, fonts, the OS file cache), then
the runs of a pair alternate. Peak memory is the child's maximum resident set size (Linux ru_maxrss).
A run that fails (exit code other than 0 or 4) is counted apart, not timed; the load average is
printed with each pair (other work on the machine makes the figures noisy: compare the ratio).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from diagterr.cog import CogIndex, load_cog
from diagterr.resources import samples_dir

SAMPLE_EPCI = "246900625"  # CC du Pays de l'Arbresle
SAMPLE_COMMUNE = "07341"  # Villeneuve-de-Berg


@dataclass(frozen=True)
class Site:
    name: str
    args: tuple[str, ...]
    communes: int
    population: int  # legal population 2023 (COG index), summed over the communes


@dataclass
class Timing:
    times: list[float]
    peaks_kib: list[int]
    codes: set[int]
    failed: int = 0

    def add(self, elapsed: float, peak_kib: int, code: int) -> None:
        self.codes.add(code)
        if code not in (0, 4):  # done, or done with gaps: anything else is not a dossier
            self.failed += 1
            return
        self.times.append(elapsed)
        self.peaks_kib.append(peak_kib)


def sample_communes() -> set[str]:
    """The communes the sample store has tables for (its outlines: one per sample commune)."""
    table = pq.read_table(samples_dir() / "tables" / "boundaries_communes.parquet", columns=["code"])
    return set(table.column("code").to_pylist())


def _population(cog: CogIndex, codes: tuple[str, ...]) -> int:
    return sum(record.population or 0 for code in codes if (record := cog.commune(code)) is not None)


def _distance(communes: int, population: int, target: Site) -> float:
    """Size difference: log ratio of the number of communes plus log ratio of the population."""
    return abs(math.log(communes / target.communes)) + abs(math.log(max(population, 1) / target.population))


def epci_pair(cog: CogIndex, samples: set[str]) -> tuple[Site, Site]:
    epci = cog.epci(SAMPLE_EPCI)
    assert epci is not None
    sample = Site(epci.name, ("--epci", epci.code), len(epci.members), _population(cog, epci.members))
    candidates = [
        Site(e.name, ("--epci", e.code), len(e.members), _population(cog, e.members))
        for e in cog.all_epcis()
        if not set(e.members) & samples and e.members
    ]
    return sample, min(candidates, key=lambda s: (_distance(s.communes, s.population, sample), s.args))


def commune_pair(cog: CogIndex, samples: set[str]) -> tuple[Site, Site]:
    record = cog.commune(SAMPLE_COMMUNE)
    assert record is not None and record.population is not None
    sample = Site(record.name, ("--commune", record.code), 1, record.population)
    candidates = [
        Site(r.name, ("--commune", r.code), 1, r.population)
        for r in cog.all_communes()
        if r.type == "commune-actuelle" and r.population and r.code not in samples and r.zone == record.zone
    ]
    return sample, min(candidates, key=lambda s: (_distance(1, s.population, sample), s.args))


def run_once(args: tuple[str, ...], root: Path) -> tuple[float, int, int]:
    """One `diagterr run` in a fresh process, fresh cache and output dirs: (seconds, peak KiB, exit code)."""
    work = Path(tempfile.mkdtemp(dir=root))
    env = {**os.environ, "DIAGTERR_CACHE_DIR": str(work / "cache")}
    command = [sys.executable, "-m", "diagterr", "run", *args, "--offline", "--sortie", str(work / "out"),
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


def measure(pair: tuple[Site, Site], repeat: int, root: Path) -> list[Timing]:
    for site in pair:
        run_once(site.args, root)  # warm-up, discarded
    timings = [Timing([], [], set()) for _ in pair]
    for _ in range(repeat):
        for site, timing in zip(pair, timings, strict=True):
            timing.add(*run_once(site.args, root))
    return timings


def report(label: str, pair: tuple[Site, Site], timings: list[Timing]) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{label} (charge de la machine à la fin : {load} ; {os.cpu_count()} cœurs)")
    print(f"  {'territoire':<36} {'option':<18} {'communes':>8} {'population':>10} {'médiane (s)':>11} "
          f"{'min (s)':>7} {'mémoire max (Mo)':>16} {'codes':>5} {'échecs':>6}")
    for kind, site, timing in zip(("exemple", "hors exemples"), pair, timings, strict=True):
        name = f"{site.name[:24]} ({kind})"
        median = f"{statistics.median(timing.times):.2f}" if timing.times else "-"
        fastest = f"{min(timing.times):.2f}" if timing.times else "-"
        peak = f"{max(timing.peaks_kib) / 1024:.0f}" if timing.peaks_kib else "-"
        print(f"  {name:<36} {' '.join(site.args):<18} {site.communes:>8} {site.population:>10} {median:>11} "
              f"{fastest:>7} {peak:>16} {','.join(map(str, sorted(timing.codes))):>5} {timing.failed:>6}")
    sample, other = timings
    if sample.times and other.times:
        ratio = statistics.median(other.times) / statistics.median(sample.times)
        memory = max(other.peaks_kib) / max(sample.peaks_kib)
        print(f"  rapport hors exemples / exemple : temps médian {ratio:.2f}, mémoire max {memory:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cog = load_cog()
    samples = sample_communes()
    pairs = (("EPCI", epci_pair(cog, samples)), ("Commune", commune_pair(cog, samples)))
    with tempfile.TemporaryDirectory() as tmp:
        for label, pair in pairs:
            report(label, pair, measure(pair, args.repeat, Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
