"""Benchmark: Melodi requests and time of the fetch phase for a cold and a warm EPCI dossier.

    python benchmarks/census_requests.py [--epci 246900625]

The Melodi answers are the ones the tests use (tests/melodi_census_answers.py: written by the
project in the shape of the real recorded bodies, values from the samples) and the REAL
catalogue specimen (../shared/sources/specimens); the other online sources answer HTTP 400 at
once. The provider's rate limit (30 requests/minute) is NOT applied here: the printed time is
our own work; a real cold run waits about one minute for every 30 Melodi calls beyond the first
30 of the minute.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from diagterr.pipeline import RunOptions, prepare  # noqa: E402
from diagterr.resources import samples_dir  # noqa: E402
from diagterr.sources import melodi  # noqa: E402
from diagterr.sources.http import HttpClient  # noqa: E402
from diagterr.store import Store  # noqa: E402
from diagterr.territory import resolve_territory  # noqa: E402
from melodi_census_answers import CensusAnswers  # noqa: E402
from specimens import catalog_all, dumps, load_json  # noqa: E402

OTHER_HOSTS = re.compile(r"https://(?!api\.insee\.fr/melodi).*")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epci", default="246900625")
    args = parser.parse_args()
    territory = resolve_territory(epci=args.epci)
    answers = CensusAnswers(territory)
    with tempfile.TemporaryDirectory() as tmp, responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(melodi.CATALOG_URL, content_type="application/json",
                   body=dumps(catalog_all(load_json("melodi__catalog_subset.json")["datasets"])))
        mocked.add_callback(responses.GET, re.compile(r"https://api\.insee\.fr/melodi/data/.*"),
                            callback=lambda r: (200, {"Content-Type": "application/json"}, answers.body(r.url)))
        mocked.get(OTHER_HOSTS, status=400, body="Bad Request")
        store = Store([Path(tmp) / "user", samples_dir()])
        options = RunOptions(out_dir=Path(tmp) / "out")
        for label in ("froid", "chaud"):
            client = HttpClient(cache_path=Path(tmp) / "http.sqlite", rate_limits={})
            started = time.perf_counter()
            prepared = prepare(territory, options, store, client)
            elapsed = time.perf_counter() - started
            client.close()
            print(f"{territory.name} ({territory.code}), cache {label} : {elapsed:.1f} s de préparation")
            for source_id, (network, hits) in sorted(prepared.requests.items()):
                print(f"  {source_id:<28} {network:>3} requête(s) réseau, {hits:>3} depuis le cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
