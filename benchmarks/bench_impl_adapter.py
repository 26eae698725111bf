"""scmcheck test --cmd on the Node.js adapter example: speed through the JSON-lines protocol (run on demand).

    python benchmarks/bench_impl_adapter.py [--runs 300] [--seeds 3]

Correct service (examples/adapters/node/service.js): scheduled steps (``run``
messages) per second and runs per second over --runs runs, every observer on;
each step is one request line and one reply line through the adapter's pipes.
Each ``--bug``: wall seconds from the start of the search to the first run
that breaks the property it is written to break, the run it was found in and
the shrunk trace's length, for --seeds searches (derandomized, then seeds
1..N-1), worst case shown.  The node process starts once per check; its start
is inside the timings.  Goals as for pywin32 services (issue 10): first
violation under 5 s, at least 1,000 scheduled steps per second.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from pathlib import Path

from scmcheck.testing.adapter import check_command

SERVICE = Path(__file__).resolve().parent.parent / "examples" / "adapters" / "node" / "service.js"
BUGS = [("early-stopped", "stopped_only_after_threads_exit"), ("no-stop-progress", "pending_progress_within_wait_hint")]
STEPS_GOAL, FIRST_GOAL_S = 1000, 5.0


def command(*extra: str) -> str:
    return " ".join(["node", shlex.quote(str(SERVICE)), *extra])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300, help="runs of the correct service")
    ap.add_argument("--seeds", type=int, default=3, help="searches per bug (derandomized, then seeds)")
    args = ap.parse_args()
    if shutil.which("node") is None:
        sys.exit("bench_impl_adapter: node is not on PATH; install Node.js 20")

    t = time.perf_counter()
    rep = check_command(command(), runs=args.runs)
    wall = time.perf_counter() - t
    assert not rep.violated, rep.text()
    steps_s = rep.steps / wall
    print(f"correct adapter service, every observer: {rep.runs} runs, {rep.steps:,} scheduled steps in {wall:.2f} s")
    print(f"{'steps/s':>10} {'runs/s':>8} {'steps/run':>9}")
    print(f"{steps_s:>10,.0f} {rep.runs / wall:>8,.1f} {rep.steps / rep.runs:>9.1f}")
    print()
    print(f"{'--bug':<18} {'property':<34} {'first s':>8} {'run':>4} {'trace':>5}")
    worst = 0.0
    for bug, prop in BUGS:
        firsts, runs, lengths = [], [], []
        for i in range(args.seeds):
            r = check_command(command("--bug", bug), runs=100, seed=None if i == 0 else i, properties=[prop])
            (hit,) = [x for x in r.results if x.id == prop]
            assert hit.verdict == "violated", r.text()
            firsts.append(hit.first_after_s)
            runs.append(hit.found_in_run)
            lengths.append(hit.trace.length)
        worst = max(worst, max(firsts))
        print(f"{bug:<18} {prop:<34} {max(firsts):>8.3f} {max(runs):>4} {max(lengths):>5}")
    print()
    print(f"goals: >= {STEPS_GOAL:,} steps/s: {'met' if steps_s >= STEPS_GOAL else 'NOT met'} ({steps_s:,.0f}); "
          f"first violation < {FIRST_GOAL_S:g} s: {'met' if worst < FIRST_GOAL_S else 'NOT met'} ({worst:.3f} s)")


if __name__ == "__main__":
    main()
