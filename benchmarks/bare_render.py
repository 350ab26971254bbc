"""Benchmark: a warm offline dossier against WeasyPrint's bare render of its own HTML (issue 19: ≤ 1.2).

    python benchmarks/bare_render.py [--repeat 3] [--epci 246900625]

Pairs, in one run, two fresh processes, CPU time (user + system, from the children's rusage):
1. `diagterr run --epci … --offline --formats pdf` (the dossier alone: figures, HTML, PDF, tables);
2. a bare WeasyPrint render of the very `dossier.html` that diagterr writes for that dossier (written
   once beforehand with `--formats html`; its stylesheet is inline, fonts and base URL from the
   templates folder, the same font subsetting): `HTML(filename).write_pdf()` and nothing else.
The floor is WeasyPrint's layout; what lies above it is diagterr's. Warm: one discarded pass of each
first; the two alternate; the medians, their ratio, the bare render's pages and whether its PDF is
byte-identical to the dossier's are printed with the load average and the machine's cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EDITION_DATE = "2026-12-07"

BARE = """
import sys
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from diagterr.render.pdf import LocalOnlyFetcher, _can_subset_fonts
from diagterr.resources import templates_dir

root = templates_dir()
fonts = FontConfiguration()
document = HTML(filename=sys.argv[1], base_url=str(root) + "/", url_fetcher=LocalOnlyFetcher(root)).render(
    font_config=fonts)
document.write_pdf(sys.argv[2], full_fonts=not _can_subset_fonts())
print(len(document.pages))
"""


def child_cpu(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(CPU seconds, wall seconds, the finished process) of one command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done


def dossier_command(epci: str, out: Path, formats: str) -> list[str]:
    return [sys.executable, "-m", "diagterr", "run", "--epci", epci, "--offline", "--sortie", str(out),
            "--date-edition", EDITION_DATE, "--formats", formats]


def cores() -> str:
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
    except OSError:
        names = []
    return f"{os.cpu_count()} cœurs" + (f" ({names[0]})" if names else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--epci", default="246900625")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "html"
        _, _, done = child_cpu(dossier_command(args.epci, source, "html"))
        html = source / "dossier.html"
        if not html.exists():
            print(f"Le dossier HTML n'a pas été écrit (code {done.returncode}) :\n{done.stderr[-2000:]}")
            return 1
        runs: dict[str, list[float]] = {"dossier": [], "nu": []}
        walls: dict[str, list[float]] = {"dossier": [], "nu": []}
        pages, identical = "?", False
        for index in range(args.repeat + 1):  # the first pass warms up, discarded
            out = root / f"run-{index}"
            cpu, wall, done = child_cpu(dossier_command(args.epci, out, "pdf"))
            if done.returncode not in (0, 4):
                print(f"diagterr a échoué (code {done.returncode}) :\n{done.stderr[-2000:]}")
                return 1
            bare_pdf = root / f"nu-{index}.pdf"
            bare_cpu, bare_wall, bare = child_cpu([sys.executable, "-c", BARE, str(html), str(bare_pdf)])
            if bare.returncode != 0:
                print(f"Le rendu nu a échoué :\n{bare.stderr[-2000:]}")
                return 1
            pages = bare.stdout.strip()
            identical = bare_pdf.read_bytes() == (out / "dossier.pdf").read_bytes()
            if index:
                runs["dossier"].append(cpu)
                walls["dossier"].append(wall)
                runs["nu"].append(bare_cpu)
                walls["nu"].append(bare_wall)
        size = html.stat().st_size / 1e6
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"EPCI {args.epci}, hors ligne, à chaud ({args.repeat} passes ; charge : {load} ; {cores()})")
    print(f"  HTML : {size:.1f} Mo ; rendu nu : {pages} pages ; PDF identique à celui du dossier : "
          f"{'oui' if identical else 'non'}")
    for label, title in (("dossier", "diagterr run --formats pdf"), ("nu", "WeasyPrint seul, même HTML")):
        print(f"  {title:<28} CPU médian {statistics.median(runs[label]):6.2f} s   "
              f"(mur {statistics.median(walls[label]):6.2f} s)")
    ratio = statistics.median(runs["dossier"]) / statistics.median(runs["nu"])
    print(f"  rapport dossier / rendu nu (CPU) : {ratio:.2f} (cible de l'issue 19 : au plus 1,2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
