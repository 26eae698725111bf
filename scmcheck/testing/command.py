"""``scmcheck test FILE.py:Class``: the command behind the CLI, and ``show`` for implementation traces.

``test`` runs scmcheck.testing.check_implementation and prints the report
(text, or one JSON object with ``--json``); traces of violations go to
``--out`` (default scmcheck-out/).  ``--unsaved-data ATTR`` names the
attribute or method of the service object that is true while it holds data
not yet saved (properties/observers.py, ``no_data_loss_at_shutdown``).  Exit status: 0 no violation found, 1 a
violation, 2 bad input (one line naming the file or flag, the value and the
fix, through the CLI's handler), 3 incomplete (a property never exercised,
or a run blocked outside the harness).

``show`` of an implementation trace draws the trace as saved (drawing runs
no code), with the ``why:`` line ``test`` printed under it; with ``--target FILE.py:Class`` or ``--trust`` it first re-runs
the service with the recorded choices (scmcheck/testing/tracefile.py) and
refuses a stale trace (the source changed).
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any, Callable

from scmcheck.model.lang.errors import InputError

DEFAULT_OUT = "scmcheck-out"


def add_parser(sub: Any, parents: list, formatter: Any, count: Callable, seed: Callable) -> argparse.ArgumentParser:
    """The ``test`` subcommand's arguments (called by scmcheck.cli._parser)."""
    from .api import DEFAULT_RUNS
    from .run import DEFAULT_DEPTH

    t = sub.add_parser("test", help="run an unmodified pywin32 service class under a controlled scheduler",
                       parents=parents, formatter_class=formatter)
    t.add_argument("target", help="FILE.py:Class, a win32serviceutil.ServiceFramework subclass")
    t.add_argument("--runs", type=count("--runs", 1, "200"), default=DEFAULT_RUNS, metavar="N",
                   help="runs per search, >= 1 (default: %(default)s)")
    t.add_argument("--seed", type=seed, metavar="S", help="seed of the runs (default: the same fixed runs every time)")
    t.add_argument("--depth", type=count("--depth", 1, "2000"), default=DEFAULT_DEPTH, metavar="K",
                   help="scheduling steps per run, >= 1 (default: %(default)s)")
    t.add_argument("--property", action="append", default=[], metavar="ID",
                   help="observe only this property; repeatable (default: every one)")
    t.add_argument("--unsaved-data", metavar="ATTR",
                   help="attribute or method of the service object that is true while it holds data not yet saved "
                        "(judged by no_data_loss_at_shutdown; default: the class's _scmcheck_unsaved_data_)")
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="folder for the traces of violations (default: %(default)s)")
    return t


def run(args: argparse.Namespace) -> int:
    from .api import check_implementation

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, not a folder; give a folder for the traces")
    report = check_implementation(args.target, runs=args.runs, seed=args.seed, depth=args.depth,
                                  properties=args.property or None, out=out, unsaved_data=args.unsaved_data)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        parts = ["scmcheck", "test", shlex.quote(args.target), "--runs", str(args.runs)]
        if args.seed is not None:
            parts += ["--seed", str(args.seed)]
        if args.unsaved_data:
            parts += ["--unsaved-data", shlex.quote(args.unsaved_data)]
        print(report.text(" ".join(parts)))
    return report.status


def is_implementation_trace(path: Path) -> bool:
    from .tracefile import implementation_meta

    return implementation_meta(path) is not None


def show(args: argparse.Namespace, usable_file: Callable) -> int:
    """``scmcheck show`` of an implementation trace (module docstring)."""
    from scmcheck.traces import itf
    from scmcheck.traces.render import render

    from .tracefile import replay

    out = Path(args.output) if args.output else None
    if out is not None:
        usable_file(out, "-o")
    trace = itf.load(Path(args.trace))
    note = "drawn as saved; pass --trust (or --target FILE.py:Class) to re-run the service with its choices"
    if args.target or args.trust:
        status, _, text = replay(Path(args.trace), args.target)
        if status != "reproduced":
            raise InputError(f"{args.trace}: {text}")
        note = text
    text = render(trace, args.format)
    from .tracefile import implementation_meta

    why = (implementation_meta(Path(args.trace)) or {}).get("reason")
    if why and args.format == "text":  # as `scmcheck test` printed it under the trace
        text = f"{text.rstrip()}\n  why: {why}"
    if out is None:
        print(text)
        return 0
    try:
        itf.write_atomic(out, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror or exc}); give a writable file path") \
            from None
    print(f"wrote {out} ({args.format}, {trace.length} steps, {note})")
    if why and args.format != "text":
        print(f"  why: {why}")
    return 0
