"""Benchmark the system-shutdown model (model/families/shutdown.py) at M = 2..5 services.

For each M it prints:
  * explicit: reachable states and states/s of the exhaustive search of two correct designs
    (shutdown-dependency-preshutdown-order: dependents stopped first, one at a time;
     shutdown-slow-with-progress: 60 s cleanups extended by STOP_PENDING wait hints);
  * bmc: seconds to the shortest dependency counterexample (shutdown-dependency-no-order)
    and its length;
  * fuzz: steps/s of random runs over shutdown-correct (no violation to find, so every run
    goes to full depth).

Usage:
  python benchmarks/bench_shutdown.py             # M = 2..5
  python benchmarks/bench_shutdown.py --quick     # M = 2..3, fewer fuzz runs
  python benchmarks/bench_shutdown.py --max-services 4 --fuzz-runs 50
"""

from __future__ import annotations

import argparse
import time

from scmcheck.model.designs import built_in
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz


def _explicit(design: str, services: int) -> tuple[int, float]:
    d = built_in(design)
    m = d.build({"services": services})
    goals = [CATALOG[p].goal(m) for p in d.family.properties]
    t0 = time.perf_counter()
    res = explicit.run(m, goals, keep_graph=False)
    dt = time.perf_counter() - t0
    assert all(r.verdict.value == "proved" for r in res), [(r.property, r.verdict.value) for r in res]
    return res[0].states or 0, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="M = 2..3 and 20 fuzz runs")
    ap.add_argument("--max-services", type=int, default=5)
    ap.add_argument("--fuzz-runs", type=int, default=50)
    args = ap.parse_args()
    top = 3 if args.quick else args.max_services
    runs = 20 if args.quick else args.fuzz_runs
    print(f"{'M':>2} | {'ordered: states':>15} {'states/s':>9} | {'slow+progress: states':>21} {'states/s':>9} | "
          f"{'bmc dep. cex':>12} {'len':>3} | {'fuzz steps':>10} {'steps/s':>8}")
    for n in range(2, top + 1):
        s1, t1 = _explicit("shutdown-dependency-preshutdown-order", n)
        s2, t2 = _explicit("shutdown-slow-with-progress", n)
        m = built_in("shutdown-dependency-no-order").build({"services": n})
        goal = CATALOG["no_service_outlives_its_dependency"].goal(m)
        t0 = time.perf_counter()
        r = bmc.run(m, [goal], depth=20)[0]
        tb = time.perf_counter() - t0
        assert r.verdict.value == "violated", r.verdict
        mf = built_in("shutdown-correct").build({"services": n})
        goals = [CATALOG[p].goal(mf) for p in built_in("shutdown-correct").family.properties[:1]]
        t0 = time.perf_counter()
        rf = fuzz.run(mf, goals, runs=runs)[0]
        tf = time.perf_counter() - t0
        print(f"{n:>2} | {s1:>15,} {s1 / t1:>9,.0f} | {s2:>21,} {s2 / t2:>9,.0f} | "
              f"{tb:>11.2f}s {r.trace.length:>3} | {rf.steps:>10,} {rf.steps / tf:>8,.0f}", flush=True)


if __name__ == "__main__":
    main()
