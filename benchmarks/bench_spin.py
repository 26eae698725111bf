"""scmcheck against SPIN on the same exported model, and every engine on every built-in design (issue 13, item 6).

    python benchmarks/bench_spin.py [--workers 8 12 16] [--timeout 600] [--engine-timeout 60]
                                    [--skip-spin] [--skip-designs]

Prints, in one run:

1. The service model (design service-correct, its knobs, ``workers`` set to 8, 12 and 16; the knob stops at 8
   on the command line, the family builds any count) checked for its invariants by both tools:
   reachable states, CPU seconds, states/s, peak memory, and scmcheck's CPU time as a multiple of SPIN's.
   Both sides are fixed, never tuned per run:
   * SPIN: ``scmcheck export`` (model/lang/promela.py) with the same invariants as assertions,
     ``spin -a -o2`` and ``gcc -O2 -DSAFETY -DNOREDUCE`` (not timed), then ``./pan -n -m1000000`` (pan's
     default hash table; run again with ten times the depth if pan says its depth limit was too small);
   * scmcheck: its safety pass, the explicit engine with the invariants only (``keep_graph=False``,
     ``symmetry=False``).  A third row, ``scm+sym``, is the same pass with symmetry (one state per orbit
     of the workers, model/lang/symmetry.py), and ``--sym-workers`` (default 64) adds that row alone at
     larger sizes, where the full space is out of reach.
   Each side runs in a child process: CPU seconds are the child's user + system time (pan's whole run; for
   scmcheck the search alone, ``time.process_time`` around ``explicit.run``, not Python's start-up or the
   model's build); peak memory is the child's peak resident set (``ru_maxrss``), for scmcheck including
   the Python interpreter and its imports (the "baseline" printed below the table).
2. The time to prove each correct built-in design, by every engine (explicit, bmc, fuzz, kind, pdr), as ``scmcheck
   check --engine E`` does it (witness searches included), with each engine's default bounds.
3. The time to the shortest counterexample for every buggy design: each engine run on the properties the
   design is labelled with; explicit (BFS) and bmc return shortest counterexamples, fuzz's are random runs.

``--timeout`` bounds each run of table 1 (a pan run, a scmcheck search), ``--engine-timeout`` each engine's
run on one design in tables 2 and 3 (explicit and bmc; fuzz is bounded by its runs).  BMC is the slow one:
on service-correct it had not finished depth 30 after 300 s.  A run that hits its limit is printed as such
(``unknown`` verdicts, or TIMEOUT), with what it had when it stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

from scmcheck.export import build_pan
from scmcheck.model.designs import built_in, registry
from scmcheck.model.lang.promela import pan_figures, to_promela
from scmcheck.properties.check import check, goals_for

ENGINES = ("explicit", "bmc", "fuzz", "kind", "pdr")
SERVICE = "service-correct"


def service(workers: int) -> tuple:
    """The service model at ``workers`` and its invariant goals (the same on both sides)."""
    design = built_in(SERVICE)
    system = design.family.build({**design.parameters({}), "workers": workers})
    return system, [g for g in goals_for(system) if g.kind == "invariant"]


def measured(cmd: list, timeout: float, cwd: Optional[Path] = None) -> tuple:
    """Run ``cmd``; ``(stdout, cpu seconds, peak RSS in MB, timed out)`` from the child's own rusage (wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it: tell Popen
        out.seek(0)
        text = out.read()
    killed = proc.returncode == -9
    return text, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, killed


def spin_side(workers: int, timeout: float, folder: Path) -> dict:
    system, goals = service(workers)
    pan = build_pan(to_promela(system, [(g.id, g.invariant) for g in goals]).text, folder)  # not timed
    depth = 1_000_000
    while True:
        text, cpu, peak, killed = measured([str(pan), "-n", f"-m{depth}"], timeout, folder)
        figures = pan_figures(text)
        if killed or not figures["depth_too_small"]:
            break
        depth *= 10
    return {"states": figures["states"], "cpu": cpu, "peak": peak, "timeout": killed,
            "ok": figures["errors"] == 0 and not killed}


def scmcheck_side(workers: int, timeout: float, symmetry: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", str(workers), "--timeout", str(timeout)] + (["--sym"] if symmetry else [])
    text, _, peak, killed = measured(cmd, timeout + 120)
    if killed:
        return {"states": None, "cpu": timeout, "peak": peak, "timeout": True, "ok": False}
    got = json.loads(text.strip().splitlines()[-1])
    return {**got, "peak": peak}


def child(workers: int, timeout: float, symmetry: bool) -> None:
    """The scmcheck side, in its own process (see the module docstring)."""
    from scmcheck.properties.engines import explicit

    system, goals = service(workers)
    system.freeze()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    res = explicit.run(system, goals, keep_graph=False, timeout=timeout, symmetry=symmetry)
    cpu = time.process_time() - start
    verdicts = {r.verdict.value for r in res}
    print(json.dumps({"states": res[0].states, "cpu": cpu, "baseline": base, "timeout": "unknown" in verdicts,
                      "ok": verdicts == {"proved"}}))


def _rate(states: Optional[int], cpu: float) -> str:
    return f"{states / cpu:>12,.0f}" if states and cpu > 0 else f"{'-':>12}"


def _row(n: int, tool: str, r: dict) -> None:
    note = "TIMEOUT" if r["timeout"] else ("" if r["ok"] else "NOT PROVED")
    states = f"{r['states']:>11,}" if r["states"] is not None else f"{'-':>11}"
    print(f"{n:>7} {tool:<9} {states} {r['cpu']:>9.2f} {_rate(r['states'], r['cpu'])} {r['peak']:>8.0f}  {note}")


def table_spin(workers: list, timeout: float, sym_workers: list) -> None:
    print(f"1. {SERVICE}, invariants only: scmcheck (explicit) against SPIN (pan -DSAFETY -DNOREDUCE)")
    print(f"{'workers':>7} {'tool':<9} {'states':>11} {'CPU s':>9} {'states/s':>12} {'peak MB':>8}  note")
    baseline = None
    with tempfile.TemporaryDirectory(prefix="bench-spin-") as tmp:
        for n in workers:
            sp = spin_side(n, timeout, Path(tmp) / f"w{n}")
            sc = scmcheck_side(n, timeout)
            baseline = sc.get("baseline", baseline)
            for tool, r in (("SPIN", sp), ("scmcheck", sc)):
                _row(n, tool, r)
            same = "same states" if sp["states"] == sc["states"] else "STATES DIFFER"
            ratio = sc["cpu"] / sp["cpu"] if sp["cpu"] > 0 else float("inf")
            print(f"{n:>7} {'ratio':<9} {same:>11} {ratio:>8.1f}x  (scmcheck CPU / SPIN CPU)")
            _row(n, "scm+sym", scmcheck_side(n, timeout, symmetry=True))
        for n in sym_workers:
            _row(n, "scm+sym", scmcheck_side(n, timeout, symmetry=True))
    if baseline is not None:
        print(f"   scmcheck's peak includes Python and its imports: {baseline:.0f} MB before the search")


def _summary(results: list) -> str:
    counts: dict = {}
    for r in results:
        counts[r.verdict.value] = counts.get(r.verdict.value, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))


def _options(engine: str, timeout: float) -> dict:
    return {} if engine == "fuzz" else {"timeout": timeout}  # fuzz is bounded by its runs


def table_correct(timeout: float) -> None:
    print("\n2. Time to prove each correct built-in design (scmcheck check --engine E, default bounds)")
    print(f"{'design':<40} " + " ".join(f"{e + ' s':>9} {'verdicts':<28}" for e in ENGINES))
    for d in registry().values():
        if d.expect:
            continue
        cells = []
        for engine in ENGINES:
            system = d.build({})
            start = time.perf_counter()
            res = check(system, goals_for(system), [engine], {engine: _options(engine, timeout)})
            cells.append(f"{time.perf_counter() - start:>9.2f} {_summary(res):<28}")
        print(f"{d.name:<40} " + " ".join(cells), flush=True)


def table_buggy(timeout: float) -> None:
    from scmcheck.properties import catalog
    from scmcheck.properties.engines import ENGINES as RUN

    print("\n3. Time to the shortest counterexample for each buggy design: steps per labelled property, in the "
          "label's order (-: none found; fuzz: random runs, not shortest)")
    print(f"{'design':<44} " + " ".join(f"{e + ' s':>9} {'lengths':<12}" for e in ENGINES))
    for d in registry().values():
        if not d.expect:
            continue
        cells = []
        for engine in ENGINES:
            system = d.build({})
            goals = [catalog.get(pid, system).goal(system) for pid in d.expect]
            start = time.perf_counter()
            res = RUN[engine].run(system, goals, **_options(engine, timeout))
            took = time.perf_counter() - start
            lengths = ",".join(str(r.trace.length) if r.trace is not None else "-" for r in res)
            cells.append(f"{took:>9.2f} {lengths:<12}")
        print(f"{d.name:<44} " + " ".join(cells), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[8, 12, 16], help="service sizes (default: 8 12 16)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run of table 1 (default: 600)")
    ap.add_argument("--engine-timeout", type=float, default=60.0,
                    help="seconds per engine run in tables 2 and 3 (default: 60)")
    ap.add_argument("--skip-spin", action="store_true", help="leave out table 1")
    ap.add_argument("--skip-designs", action="store_true", help="leave out tables 2 and 3")
    ap.add_argument("--sym-workers", type=int, nargs="*", default=[64],
                    help="sizes checked with symmetry only (default: 64)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)  # the scmcheck side of table 1
    ap.add_argument("--sym", action="store_true", help=argparse.SUPPRESS)  # ... with symmetry
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.timeout, args.sym)
        return
    if not args.skip_spin:
        table_spin(args.workers, args.timeout, args.sym_workers)
    if not args.skip_designs:
        table_correct(args.engine_timeout)
        table_buggy(args.engine_timeout)


if __name__ == "__main__":
    main()
