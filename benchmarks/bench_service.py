"""Service stop model: engine figures for workers = 1..8 (run on demand, prints a table).

    python benchmarks/bench_service.py [--max-workers 8] [--bmc-depth 30] [--fuzz-runs 100]

For the correct design and one buggy design (STOPPED before workers exit):
explicit states and states/s, bmc time to the shortest counterexample (buggy),
bmc mean time per depth (correct, up to --bmc-depth), fuzz steps/s.
"""

from __future__ import annotations

import argparse
import time

from scmcheck.model.designs import built_in
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz


def goals(design, workers):
    system = design.build({"workers": workers})
    return system, [CATALOG[p].goal(system) for p in design.family.properties]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-workers", type=int, default=8)
    ap.add_argument("--bmc-depth", type=int, default=30)
    ap.add_argument("--fuzz-runs", type=int, default=100)
    args = ap.parse_args()
    correct, buggy = built_in("service-correct"), built_in("service-stopped-before-workers-exit")
    print(f"{'workers':>7} {'states':>8} {'states/s':>10} {'bmc cex s':>10} {'cex len':>7} "
          f"{'bmc s/depth':>11} {'fuzz steps/s':>12}")
    for n in range(1, args.max_workers + 1):
        system, gs = goals(correct, n)
        t = time.perf_counter()
        ex = explicit.run(system, gs)[0]
        ex_s = time.perf_counter() - t
        bm = bmc.run(system, gs[:1], depth=args.bmc_depth)[0]
        per_depth = sum(bm.extra["depth_seconds"]) / len(bm.extra["depth_seconds"])
        t = time.perf_counter()
        fz = fuzz.run(system, gs[:1], runs=args.fuzz_runs, depth=50)[0]
        fz_rate = fz.steps / (time.perf_counter() - t)
        bsys, bgs = goals(buggy, n)
        t = time.perf_counter()
        cex = bmc.run(bsys, bgs[:1], depth=args.bmc_depth)[0]
        cex_s = time.perf_counter() - t
        assert ex.verdict.value == "proved" and cex.verdict.value == "violated"
        print(f"{n:>7} {ex.states:>8,} {ex.states / ex_s:>10,.0f} {cex_s:>10.2f} {cex.trace.length:>7} "
              f"{per_depth:>11.3f} {fz_rate:>12,.0f}")


if __name__ == "__main__":
    main()
