"""scmcheck test on the pywin32 examples: speed of the controlled scheduler (run on demand, prints tables).

    python benchmarks/bench_impl.py [--runs 300] [--seeds 3]

Correct service (examples/implementations/correct_service.py): scheduled steps
per second and runs per second over --runs runs, every observer on.  Each
buggy example: wall seconds from the start of the search to the first run
that breaks the property it is written to break, the run it was found in and
the length of the shrunk trace, for --seeds seeds (the derandomized search
and seeds 1..N-1), worst case shown.  Goals (issue 10): every first violation
under 5 s, at least 1,000 scheduled steps per second.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from scmcheck.testing import check_implementation

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"
CORRECT = "correct_service.py:CorrectService"
BUGGY = [  # (target, the property its docstring says it breaks)
    ("svcdorun_returns_early.py:EarlyReturnService", "stopped_only_after_threads_exit"),
    ("no_stop_progress.py:NoProgressService", "pending_progress_within_wait_hint"),
    ("svcstop_blocks.py:BlockingStopService", "handler_returns_within_30s"),
    ("pause_default_interrogate.py:PausableService", "interrogate_reports_current_state"),
    ("shutdown_unsaved_data.py:CacheService", "no_data_loss_at_shutdown"),
    ("start_pending_after_running.py:LateStartService", "reported_state_matches_actual"),
    ("pause_unreported.py:SilentPauseService", "state_change_reported_by_handler"),
    ("exit_in_svcstop.py:HardExitService", "no_exit_before_stopped"),
    ("suspend_blocks_handler.py:SuspendFlushService", "handler_returns_within_30s"),
    ("thread_after_stop.py:LateClientService", "stopped_only_after_threads_exit"),
]
STEPS_GOAL, FIRST_GOAL_S = 1000, 5.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=300, help="runs of the correct service")
    ap.add_argument("--seeds", type=int, default=3, help="searches per buggy example (derandomized, then seeds)")
    args = ap.parse_args()

    t = time.perf_counter()
    rep = check_implementation(str(EX / CORRECT), runs=args.runs)
    wall = time.perf_counter() - t
    assert not rep.violated, rep.text()
    steps_s = rep.steps / wall
    print(f"correct service, every observer: {rep.runs} runs, {rep.steps:,} scheduled steps in {wall:.2f} s")
    print(f"{'steps/s':>10} {'runs/s':>8} {'steps/run':>9}")
    print(f"{steps_s:>10,.0f} {rep.runs / wall:>8,.1f} {rep.steps / rep.runs:>9.1f}")
    print()
    print(f"{'example':<48} {'property':<34} {'first s':>8} {'run':>4} {'trace':>5}")
    worst_first = 0.0
    for spec, prop in BUGGY:
        firsts, found_in, lengths = [], [], []
        for i in range(args.seeds):
            r = check_implementation(str(EX / spec), runs=100, seed=None if i == 0 else i, properties=[prop])
            (hit,) = [x for x in r.results if x.id == prop]
            assert hit.verdict == "violated", f"{spec}: {prop} not found with seed {i}"
            firsts.append(hit.first_after_s)
            found_in.append(hit.found_in_run)
            lengths.append(hit.trace.length)
        worst_first = max(worst_first, max(firsts))
        print(f"{spec:<48} {prop:<34} {max(firsts):>8.2f} {max(found_in):>4} {max(lengths):>5}")
    print()
    print(f"goals: >= {STEPS_GOAL:,} steps/s: {'met' if steps_s >= STEPS_GOAL else 'MISSED'} ({steps_s:,.0f}); "
          f"every first violation < {FIRST_GOAL_S:g} s: {'met' if worst_first < FIRST_GOAL_S else 'MISSED'} "
          f"(worst {worst_first:.2f} s)")


if __name__ == "__main__":
    main()
