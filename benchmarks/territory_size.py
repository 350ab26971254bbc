"""Benchmark: the cost of one dossier as its territory grows (issue 19), offline, national base.

    python benchmarks/territory_size.py [--sortie DOSSIER] [--formats pdf]

Four territories outside the samples, all in Nouvelle-Aquitaine, so that every one is read from the
national base: one commune (Bayonne, 64102), 17 communes (CC du Pays Tarusate, 244000766), 60
communes (CC de Lacq-Orthez, 200039204) and 158 communes (CA du Pays Basque, 200067106). For each,
one `diagterr run --offline` in its own process: wall time, CPU time (user + system of that process
and its children), pages of dossier.pdf (from the run's log) and peak resident memory (the process's
own ru_maxrss, from wait4). Prints a table, writes a chart (territory_size.png) into --sortie, and
says for each pair of sizes whether a cost grows faster than the number of communes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# (argument, code, label, communes): real territories of the COG 2024.
TERRITORIES = (
    ("--commune", "64102", "Bayonne", 1),
    ("--epci", "244000766", "CC du Pays Tarusate", 17),
    ("--epci", "200039204", "CC de Lacq-Orthez", 60),
    ("--epci", "200067106", "CA du Pays Basque", 158),
)
PAGES = re.compile(r"Dossier rendu : (\d+) pages")
TOLERANCE = 1.10  # a cost ratio within 10 % of the communes' ratio is measurement noise, not growth


@dataclass(frozen=True)
class Measure:
    label: str
    communes: int
    wall_s: float
    cpu_s: float
    pages: int | None
    peak_mb: float
    code: int


def cpu_model() -> str:
    """The model name of the machine's cores and their count (from /proc/cpuinfo)."""
    try:
        lines = Path("/proc/cpuinfo").read_text("utf-8").splitlines()
    except OSError:
        return f"{os.cpu_count()} cœurs (modèle inconnu)"
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return f"{len(models) or os.cpu_count()} cœurs {models[0] if models else '(modèle inconnu)'}"


def measure(option: str, code: str, label: str, communes: int, out: Path, formats: str | None) -> Measure:
    """One offline dossier in a fresh process; its rusage comes from wait4 (that process alone)."""
    command = [sys.executable, "-m", "diagterr", "run", option, code, "--offline", "--force",
               "--sortie", str(out / code)]
    if formats:
        command += ["--formats", formats]
    log = out / f"{code}.log"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    found = PAGES.search(log.read_text("utf-8", errors="replace"))
    return Measure(label, communes, wall, usage.ru_utime + usage.ru_stime,
                   int(found.group(1)) if found else None, usage.ru_maxrss / 1024, process.returncode)


def growth_lines(rows: list[Measure]) -> list[str]:
    """For each consecutive pair of sizes: does a cost grow faster than the number of communes?"""
    lines = []
    faster = []
    for small, large in itertools.pairwise(rows):
        ratio = large.communes / small.communes
        costs = {"temps CPU": (small.cpu_s, large.cpu_s), "mémoire max": (small.peak_mb, large.peak_mb)}
        if small.pages and large.pages:
            costs["pages"] = (small.pages, large.pages)
        parts = []
        for name, (a, b) in costs.items():
            grown = b / a if a else float("inf")
            parts.append(f"{name} ×{grown:.2f}")
            if grown > ratio * TOLERANCE:
                faster.append(f"{name} de {small.communes} à {large.communes} communes")
        lines.append(f"  {small.communes} → {large.communes} communes (×{ratio:.1f}) : " + ", ".join(parts))
    per_commune = [f"{r.cpu_s / r.communes:.2f}" for r in rows]
    lines.append("  temps CPU par commune (s) : " + " ; ".join(
        f"{r.communes} : {value}" for r, value in zip(rows, per_commune, strict=True)))
    if faster:
        lines.append("Croît plus vite que le nombre de communes : " + " ; ".join(faster) + ".")
    else:
        lines.append("Rien ne croît plus vite que le nombre de communes (temps CPU, mémoire, pages).")
    return lines


def chart(rows: list[Measure], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    communes = [r.communes for r in rows]
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    axes[0].plot(communes, [r.wall_s for r in rows], "o-", label="temps réel")
    axes[0].plot(communes, [r.cpu_s for r in rows], "s-", label="temps CPU")
    axes[0].set_ylabel("secondes")
    axes[0].legend()
    axes[1].plot(communes, [r.pages or 0 for r in rows], "o-", color="tab:green")
    axes[1].set_ylabel("pages de dossier.pdf")
    axes[2].plot(communes, [r.peak_mb for r in rows], "o-", color="tab:red")
    axes[2].set_ylabel("mémoire max (Mo)")
    for ax in axes:
        ax.set_xlabel("communes du territoire")
        ax.set_xticks(communes)
        ax.grid(alpha=0.3)
    figure.suptitle("Coût d'un dossier hors ligne selon la taille du territoire")
    figure.savefig(target, dpi=120)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sortie", type=Path, help="dossier des résultats (défaut : un dossier temporaire)")
    parser.add_argument("--formats", help="passé à diagterr run --formats (défaut : tous les fichiers)")
    args = parser.parse_args()
    out = args.sortie or Path(tempfile.mkdtemp(prefix="diagterr-taille-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"Machine : {cpu_model()}")
    print(f"{'territoire':<26}{'communes':>9}{'réel (s)':>10}{'CPU (s)':>9}{'pages':>7}{'mém. (Mo)':>11}"
          f"{'CPU/commune':>13}  code")
    rows = []
    for option, code, label, communes in TERRITORIES:
        row = measure(option, code, label, communes, out, args.formats)
        rows.append(row)
        print(f"{label:<26}{communes:>9}{row.wall_s:>10.1f}{row.cpu_s:>9.1f}{row.pages or '—':>7}"
              f"{row.peak_mb:>11.0f}{row.cpu_s / communes:>13.2f}  {row.code}", flush=True)
    for line in growth_lines(rows):
        print(line)
    chart(rows, out / "territory_size.png")
    print(f"Graphique : {out / 'territory_size.png'} (journaux et dossiers dans {out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
