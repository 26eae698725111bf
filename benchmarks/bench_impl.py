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

from pathlib import Path

from impl_common import arguments, first_violations, goals, throughput  # benchmarks/impl_common.py

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


def main() -> None:
    args = arguments(__doc__ or "", "correct service", "buggy example")
    steps_s = throughput("correct service, every observer",
                         lambda: check_implementation(str(EX / CORRECT), runs=args.runs))
    print()
    worst = first_violations(BUGGY, lambda spec, prop, seed: check_implementation(
        str(EX / spec), runs=100, seed=seed, properties=[prop]), args.seeds)
    print()
    print(goals(steps_s, worst))


if __name__ == "__main__":
    main()
