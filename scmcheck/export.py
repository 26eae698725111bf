"""``scmcheck export TARGET --format promela [-o FILE]``: the command behind the CLI.

It loads TARGET as ``check`` does (a built-in design, design.toml or
file.py:object, with ``--param``), picks the properties ``check`` would check
(or those ``--property`` names), and translates the design's one definition
with model/lang/promela.py, the invariants as assertions.  Left out, and named
in the file's header, because SPIN's safety search cannot check them the way
scmcheck does: ``time_can_advance`` (a time-lock is a state from which no path
lets time pass, a property of the graph, not of one state), leads-to
properties (liveness under fairness and time progress, model/lang/temporal.py)
and the witnesses (a witness must be *reachable*; an assertion can only say a
state is not).

Bad input (target, knob, property, ``-o``) is one line and exit 2 through the
CLI's handler, as for ``check`` and ``show``; the file is written atomically
(traces/itf.py ``write_atomic``): readers see the old file or the new one.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any, Callable

from scmcheck.model.lang.errors import InputError

FORMATS = ("promela",)
SPIN_RUN = "spin -a -o2 {file} && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -m1000000"
_LEFT_OUT = {
    "time_lock": "a time-lock is a state from which no path lets time pass: a property of the graph",
    "leads_to": "liveness under fairness and time progress",
}


def add_parser(sub: Any, parents: list, formatter: Any) -> argparse.ArgumentParser:
    """The ``export`` subcommand's arguments (called by scmcheck.cli._parser)."""
    ex = sub.add_parser("export", help="translate a design into Promela for SPIN (invariants as assertions)",
                        parents=parents, formatter_class=formatter)
    ex.add_argument("target", help="built-in design name, design.toml, or file.py:object")
    ex.add_argument("--format", default="promela", choices=FORMATS, help="output language (default: %(default)s)")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    ex.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="set a design knob; repeatable (default: the design's own settings)")
    ex.add_argument("--property", action="append", default=[], metavar="ID",
                    help="assert only this invariant; repeatable (default: every invariant that applies)")
    return ex


def run(args: argparse.Namespace, params: Callable, select: Callable, usable_file: Callable) -> int:
    """Export ``args.target``; ``params``, ``select`` and ``usable_file`` are the CLI's own parsing
    of ``--param``, choice of properties (``--property``) and check of ``-o`` (scmcheck/cli.py)."""
    from scmcheck import targets
    from scmcheck.model.lang.promela import to_promela
    from scmcheck.traces.itf import write_atomic

    out = Path(args.output) if args.output else None
    if out is not None:
        usable_file(out, "-o")  # before any work: a bad -o costs nothing
    loaded = targets.load(args.target, params(args.param))
    goals = select(loaded, args.property)
    if args.property:
        for g in goals:
            if g.kind != "invariant":
                raise InputError(f"--property {g.id}: a {g.kind.replace('_', '-')} property; the Promela export "
                                 f"carries invariants only ({_LEFT_OUT[g.kind]}); check it with "
                                 f"'scmcheck check {shlex.quote(loaded.target)} --property {g.id}'")
    invariants = [(g.id, g.invariant) for g in goals if g.kind == "invariant"]
    left = [g for g in goals if g.kind != "invariant"]
    notes = [f"design {loaded.name} (target {loaded.target})",
             "assertions: " + (", ".join(pid for pid, _ in invariants) or "none (no invariant applies)")]
    if left:
        notes.append("left out, SPIN's safety search does not check them as scmcheck does: " +
                     "; ".join(f"{g.id} ({_LEFT_OUT[g.kind]})" for g in left) + "; and every witness")
    model = to_promela(loaded.system, invariants, notes)
    if out is None:
        print(model.text, end="")
        return 0
    try:
        write_atomic(out, model.text)
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror or exc}); give a writable file path") \
            from None
    system = loaded.system
    what = [f"{len(system.variables)} variables", f"{len(system.actions)} actions",
            f"{len(invariants)} invariant{'' if len(invariants) == 1 else 's'} as assertions"]
    if left:
        what.append(f"{len(left)} left out")
    print(f"wrote {out} (promela: {', '.join(what)}); check it with: {SPIN_RUN.format(file=shlex.quote(str(out)))}")
    return 0


# ------------------------------------------------------------------ running SPIN (tests and benchmarks/bench_spin.py)

def build_pan(text: str, folder: Path, optimize: str = "-O2") -> Path:
    """Write ``text`` to ``folder/model.pml``, run ``spin -a -o2`` and ``gcc <optimize> -DSAFETY -DNOREDUCE``
    (the flags of issue 13: safety only, no partial-order reduction; ``-o2`` keeps write-only variables,
    model/lang/promela.py); the path of ``pan``.  RuntimeError with SPIN's or gcc's last lines if either fails."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.pml").write_text(text, encoding="utf-8")
    for cmd in (["spin", "-a", "-o2", "model.pml"],
                ["gcc", optimize, "-DSAFETY", "-DNOREDUCE", "-o", "pan", "pan.c"]):
        done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise RuntimeError(f"{' '.join(cmd)} failed in {folder}: {tail}")
    return folder / "pan"


def run_pan(pan: Path, depth: int = 1_000_000, options: tuple = ("-c0",), timeout: Any = None) -> tuple:
    """Run ``pan -n -m<depth> <options>`` (``-c0``: go on past violations, so every violated assertion is
    reported and the count is the whole graph's); ``(output, figures)`` (model/lang/promela.py
    ``pan_figures``).  When pan runs out of depth it is run again with ten times the depth."""
    import subprocess

    from scmcheck.model.lang.promela import pan_figures

    while True:
        done = subprocess.run([str(pan.resolve()), "-n", f"-m{depth}", *options], cwd=pan.parent,
                              capture_output=True, text=True, timeout=timeout)
        figures = pan_figures(done.stdout)
        if not figures["depth_too_small"]:
            return done.stdout, figures
        depth *= 10
