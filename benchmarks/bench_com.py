"""Benchmark the COM local-server model: how the engines scale with clients K and classes C.

For each K in 1..max-k and C in 1..max-c, on a correct design and a buggy one, prints:
  explicit -- reachable states (the whole space: a goal that always holds), states/s, seconds
  live     -- seconds for explicit to decide the leads-to entry unused_server_exits on the correct
              design (the whole graph, then its fair loops), and the verdict
  bmc      -- seconds to the shortest counterexample of the buggy design's property, and its length
  fuzz     -- random-run steps per second (on the correct design, where nothing is found)

    python benchmarks/bench_com.py                 # K = 1..4, C = 1..3
    python benchmarks/bench_com.py --max-k 2       # quick
    python benchmarks/bench_com.py --correct com-single-threaded-correct --buggy com-locks-not-counted

Explicit searches stop at --max-states or --timeout; a row that hit a limit says so.
With K = 1 the default buggy design has nothing to find (its race, 004.8, needs a second client
whose activation and release bring the server down in the first one's window), so bmc reports
``bounded@depth`` there.
"""

from __future__ import annotations

import argparse
import sys
import time

from scmcheck.model.designs import built_in
from scmcheck.model.lang.expr import TRUE
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.properties.result import Goal

LIVENESS = "unused_server_exits"  # the COM leads-to entry (properties/catalog/com.py)


def _explicit(system, timeout: float, max_states: int) -> tuple[str, str, str]:
    t0 = time.perf_counter()
    r = explicit.run(system, [Goal("_all", (), TRUE)], keep_graph=False, timeout=timeout, max_states=max_states)[0]
    dt = time.perf_counter() - t0
    states = f"{r.states:,}" + ("" if r.verdict.value == "proved" else " (limit)")
    return states, f"{r.states / max(dt, 1e-9):,.0f}", f"{dt:.2f}"


def _bmc(system, prop: str, depth: int, timeout: float) -> tuple[str, str]:
    t0 = time.perf_counter()
    r = bmc.run(system, [CATALOG[prop].goal(system)], depth=depth, timeout=timeout)[0]
    dt = time.perf_counter() - t0
    length = str(r.trace.length) if r.trace is not None else f"{r.verdict.value}@{r.bound}"
    return f"{dt:.2f}", length


def _liveness(system, timeout: float, max_states: int) -> tuple[str, str]:
    t0 = time.perf_counter()
    r = explicit.run(system, [CATALOG[LIVENESS].goal(system)], keep_graph=False, timeout=timeout,
                     max_states=max_states)[0]
    return f"{time.perf_counter() - t0:.2f}", r.verdict.value


def _fuzz(system, prop: str, runs: int) -> str:
    t0 = time.perf_counter()
    r = fuzz.run(system, [CATALOG[prop].goal(system)], depth=50, runs=runs)[0]
    dt = time.perf_counter() - t0
    return f"{(r.steps or 0) / max(dt, 1e-9):,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-k", type=int, default=4, help="largest number of clients (1..4)")
    ap.add_argument("--max-c", type=int, default=3, help="largest number of classes (1..3)")
    ap.add_argument("--correct", default="com-free-threaded-correct", help="correct design to exhaust")
    ap.add_argument("--buggy", default="com-no-implicit-lock", help="buggy design for explicit and bmc")
    ap.add_argument("--property", default="client_never_holds_disconnected_object",
                    help="property the buggy design violates (bmc looks for its shortest counterexample)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per explicit/bmc run")
    ap.add_argument("--max-states", type=int, default=3_000_000, help="explicit state budget")
    ap.add_argument("--bmc-depth", type=int, default=20)
    ap.add_argument("--fuzz-runs", type=int, default=100)
    ap.add_argument("--no-fuzz", action="store_true")
    a = ap.parse_args(argv)
    correct, buggy = built_in(a.correct), built_in(a.buggy)
    if a.property not in buggy.expect:
        print(f"note: {a.buggy} is not labelled as violating {a.property}", file=sys.stderr)
    print(f"correct = {a.correct}   buggy = {a.buggy} ({a.property})")
    head = (f"{'K':>2} {'C':>2} | {'correct states':>16} {'states/s':>10} {'s':>7} | "
            f"{'buggy states':>16} {'states/s':>10} {'s':>7} | {'bmc s':>7} {'len':>5} | "
            f"{'live s':>7} {'verdict':>8} | {'fuzz steps/s':>12}")
    print(head)
    print("-" * len(head))
    for k in range(1, a.max_k + 1):
        for c in range(1, a.max_c + 1):
            params = {"clients": k, "classes": c}
            sc, sb = correct.build(params), buggy.build(params)
            cs, crate, ct = _explicit(sc, a.timeout, a.max_states)
            bs, brate, bt = _explicit(sb, a.timeout, a.max_states)
            bsec, blen = _bmc(buggy.build(params), a.property, a.bmc_depth, a.timeout)
            lsec, lverdict = _liveness(correct.build(params), a.timeout, a.max_states)
            frate = "-" if a.no_fuzz else _fuzz(correct.build(params), a.property, a.fuzz_runs)
            print(f"{k:>2} {c:>2} | {cs:>16} {crate:>10} {ct:>7} | {bs:>16} {brate:>10} {bt:>7} | "
                  f"{bsec:>7} {blen:>5} | {lsec:>7} {lverdict:>8} | {frate:>12}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
