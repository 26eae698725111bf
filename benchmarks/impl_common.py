"""What the implementation benchmarks share (bench_impl.py, bench_impl_adapter.py, bench_impl_com.py):
one throughput table for a correct target and one first-violation table for the buggy ones."""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable

STEPS_GOAL, FIRST_GOAL_S = 1000, 5.0  # issue 10's goals: >= 1,000 scheduled steps/s, first violation < 5 s


def arguments(doc: str, correct: str, buggy: str = "buggy example") -> argparse.Namespace:
    """The benchmarks' shared flags: --runs of the correct target, --seeds searches per buggy one."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300, help=f"runs of the {correct}")
    ap.add_argument("--seeds", type=int, default=3, help=f"searches per {buggy} (derandomized, then seeds)")
    return ap.parse_args()


def throughput(what: str, check: Callable[[], Any]) -> float:
    """Run ``check()`` (a search that must find nothing), print runs/s and steps/s; return steps/s."""
    t = time.perf_counter()
    rep = check()
    wall = time.perf_counter() - t
    assert not rep.violated, rep.text()
    steps_s = rep.steps / wall
    print(f"{what}: {rep.runs} runs, {rep.steps:,} scheduled steps in {wall:.2f} s")
    print(f"{'steps/s':>10} {'runs/s':>8} {'steps/run':>9}")
    print(f"{steps_s:>10,.0f} {rep.runs / wall:>8,.1f} {rep.steps / rep.runs:>9.1f}")
    return steps_s


def first_violations(rows: list, check: Callable[[Any, str, Any], Any], seeds: int, head: str = "example") -> float:
    """For each ``(target, property)``: ``check(target, property, seed)`` for ``seeds`` searches (the
    derandomized one, then seeds 1..N-1); print the worst seconds to the first violation, the run it
    was found in and the shrunk trace's length; return the worst seconds overall."""
    width = max(len(head), *(len(str(t)) for t, _ in rows)) + 2
    print(f"{head:<{width}} {'property':<40} {'first s':>8} {'run':>4} {'trace':>5}")
    worst = 0.0
    for target, prop in rows:
        firsts, found_in, lengths = [], [], []
        for i in range(seeds):
            rep = check(target, prop, None if i == 0 else i)
            (hit,) = [x for x in rep.results if x.id == prop]
            assert hit.verdict == "violated", f"{target}: {prop} not found with seed {i}"
            firsts.append(hit.first_after_s)
            found_in.append(hit.found_in_run)
            lengths.append(hit.trace.length)
        worst = max(worst, max(firsts))
        print(f"{str(target):<{width}} {prop:<40} {max(firsts):>8.2f} {max(found_in):>4} {max(lengths):>5}")
    return worst


def goals(steps_s: float, worst: float) -> str:
    """The goals line."""
    return (f"goals: >= {STEPS_GOAL:,} steps/s: {'met' if steps_s >= STEPS_GOAL else 'MISSED'} ({steps_s:,.0f}); "
            f"every first violation < {FIRST_GOAL_S:g} s: {'met' if worst < FIRST_GOAL_S else 'MISSED'} "
            f"(worst {worst:.2f} s)")
