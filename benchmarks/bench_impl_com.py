"""scmcheck test on the Python COM local-server examples: time to first violation, runs per second.

    python benchmarks/bench_impl_com.py [--runs 300] [--seeds 3]

Correct server (examples/implementations/com_comtypes_correct.py): runs and
scheduled steps per second over --runs runs, every COM observer on.  Each
buggy example: wall seconds from the start of the search to the first run
that breaks the property it is written to break, the run it was found in and
the length of the shrunk trace, for --seeds seeds (the derandomized search,
then seeds 1..N-1), worst case shown.  Goals as issue 10's (impl_common.py).
"""

from __future__ import annotations

from pathlib import Path

from impl_common import arguments, first_violations, goals, throughput  # benchmarks/impl_common.py

from scmcheck.testing import check_implementation

EX = Path(__file__).resolve().parent.parent / "examples" / "implementations"
CORRECT = ["com_comtypes_correct.py:main"]
BUGGY = [  # (target, the property its docstring says it breaks)
    ("com_pywin32_localserver.py:main", "no_activation_after_shutdown_decision"),
    ("com_pywin32_own_count.py:main", "server_exits_only_when_unused"),
    ("com_pywin32_own_count.py:main", "unused_server_exits"),
    ("com_free_threaded_no_suspended.py:main", "no_activation_before_init_complete"),
]


def main() -> None:
    args = arguments(__doc__ or "", "correct server", "buggy example")
    steps_s = min(throughput(f"correct server {spec}, every COM observer",
                             lambda spec=spec: check_implementation(str(EX / spec), runs=args.runs))
                  for spec in CORRECT)
    print()
    worst = first_violations(BUGGY, lambda spec, prop, seed: check_implementation(
        str(EX / spec), runs=100, seed=seed, properties=[prop]), args.seeds)
    print()
    print(goals(steps_s, worst))


if __name__ == "__main__":
    main()
