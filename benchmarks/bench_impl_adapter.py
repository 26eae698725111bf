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

import shlex
import shutil
import sys
from pathlib import Path

from impl_common import arguments, first_violations, goals, throughput  # benchmarks/impl_common.py

from scmcheck.testing.adapter import check_command

SERVICE = Path(__file__).resolve().parent.parent / "examples" / "adapters" / "node" / "service.js"
BUGS = [("early-stopped", "stopped_only_after_threads_exit"), ("no-stop-progress", "pending_progress_within_wait_hint")]


def command(*extra: str) -> str:
    return " ".join(["node", shlex.quote(str(SERVICE)), *extra])


def main() -> None:
    args = arguments(__doc__ or "", "correct service", "bug")
    if shutil.which("node") is None:
        sys.exit("bench_impl_adapter: node is not on PATH; install Node.js 20")
    steps_s = throughput("correct adapter service, every observer", lambda: check_command(command(), runs=args.runs))
    print()
    worst = first_violations(BUGS, lambda bug, prop, seed: check_command(
        command("--bug", bug), runs=100, seed=seed, properties=[prop]), args.seeds, head="--bug")
    print()
    print(goals(steps_s, worst))


if __name__ == "__main__":
    main()
