"""Benchmark: the comparable territories (diagterr.peers) of 20 EPCI and 20 communes drawn at random.

    python benchmarks/peers.py [--seed 16] [--count 20]

In one process, for each territory: "à froid", the table territory_profiles read again from the
national base (the cache of load_profiles emptied) then find_peers, as the first dossier of a
run pays it; "à chaud", find_peers alone on the loaded table. Target (issue 16): under a second
per territory.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from diagterr import peers
from diagterr.resources import national_dir, samples_dir
from diagterr.store import Store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    store = Store([samples_dir(), national_dir()])
    profiles = peers.load_profiles(store)
    draw = random.Random(args.seed)
    print(f"{'niveau':<6} {'code':<10} {'à froid (s)':>12} {'à chaud (s)':>12}  territoire")
    cold_all, warm_all = [], []
    for level in ("EPCI", "COM"):
        codes = sorted(profiles.loc[profiles["level"] == level, "code"])
        for code in draw.sample(codes, args.count):
            peers._CACHE.clear()
            started = time.perf_counter()
            table = peers.load_profiles(store)
            peers.find_peers(table, level, code)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            found = peers.find_peers(table, level, code)
            warm = time.perf_counter() - started
            cold_all.append(cold)
            warm_all.append(warm)
            name = table.loc[(table["level"] == level) & (table["code"] == code), "name"].iat[0]
            print(f"{level:<6} {code:<10} {cold:>12.3f} {warm:>12.3f}  {name} ({len(found.similar)} semblables)")
    print(f"à froid : médiane {statistics.median(cold_all):.3f} s, max {max(cold_all):.3f} s ; "
          f"à chaud : médiane {statistics.median(warm_all):.3f} s, max {max(warm_all):.3f} s "
          f"({len(cold_all)} territoires ; cible < 1 s)")
    return 0 if max(cold_all) < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
