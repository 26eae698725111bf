"""``scmcheck test FILE.py:Class``: the command behind the CLI, and ``show`` for implementation traces.

``test --cmd 'COMMAND'`` (instead of ``FILE.py:Class``; exactly one of the two)
drives a service in another language through an adapter process speaking
the JSON-lines protocol of scmcheck/testing/adapter.py (and
examples/adapters/PROTOCOL.md), with the same SCM, observers, search, report
and traces; ``--adapter-timeout S`` is the wall seconds the adapter may take
per reply.  ``show`` of such a trace draws it as saved; re-running it needs
the command again (``--target 'COMMAND'``) or ``--trust`` to run the recorded
command: a trace never runs code on its own word.

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
    t.add_argument("target", nargs="?",
                   help="FILE.py:Class, a win32serviceutil.ServiceFramework subclass (or give --cmd)")
    t.add_argument("--cmd", metavar="COMMAND",
                   help="instead of a target: a command that starts an adapter process hosting a service in another "
                        "language, driven through scmcheck's JSON-lines protocol (examples/adapters/PROTOCOL.md)")
    t.add_argument("--adapter-timeout", type=_seconds, default=None, metavar="S",
                   help="with --cmd: wall seconds the adapter may take to answer one message (default: 10)")
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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0 (e.g. 10)")
    return value


def run(args: argparse.Namespace) -> int:
    from .api import check_implementation

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, not a folder; give a folder for the traces")
    cmd = getattr(args, "cmd", None)
    if (args.target is None) == (cmd is None):
        raise InputError("scmcheck test: give exactly one of FILE.py:Class and --cmd 'COMMAND', e.g. scmcheck test "
                         "--cmd 'node examples/adapters/node/service.js'")
    if cmd is not None:
        return _run_command(args, cmd, out)
    if getattr(args, "adapter_timeout", None) is not None:
        raise InputError("--adapter-timeout: applies only with --cmd 'COMMAND'; drop it for FILE.py:Class")
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


def _run_command(args: argparse.Namespace, cmd: str, out: Path) -> int:
    """``scmcheck test --cmd 'COMMAND'`` (module docstring)."""
    from .adapter import DEFAULT_TIMEOUT_S, check_command

    if args.unsaved_data:
        raise InputError("--unsaved-data: not supported with --cmd (protocol 1 carries no unsaved data); drop it")
    timeout = args.adapter_timeout or DEFAULT_TIMEOUT_S
    report = check_command(cmd, runs=args.runs, seed=args.seed, depth=args.depth, properties=args.property or None,
                           out=out, timeout_s=timeout)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        parts = ["scmcheck", "test", "--cmd", shlex.quote(cmd), "--runs", str(args.runs)]
        if args.seed is not None:
            parts += ["--seed", str(args.seed)]
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
    from .tracefile import implementation_meta

    adapter = (implementation_meta(Path(args.trace)) or {}).get("adapter")
    spec = args.target
    if isinstance(adapter, dict):  # a run of an adapter (adapter.py): --target is the command, --trust the recorded one
        note = "drawn as saved; pass --target 'COMMAND' (or --trust to run the recorded command) to re-run it"
        if spec is None and args.trust:
            spec = str(adapter.get("command", ""))
    elif (implementation_meta(Path(args.trace)) or {}).get("replay_of"):
        note = "drawn as saved; a run of scmcheck replay: replay its model trace again to re-run it"
    else:
        note = "drawn as saved; pass --trust (or --target FILE.py:Class) to re-run the service with its choices"
    if args.target or args.trust:
        status, _, text = replay(Path(args.trace), spec)
        if status != "reproduced":
            raise InputError(f"{args.trace}: {text}")
        note = text
    text = render(trace, args.format)
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


def replay_run(args: argparse.Namespace) -> int:
    """``scmcheck replay`` of a trace saved by ``scmcheck test``: re-run ``--impl`` with the recorded
    choices (exactly; a changed source is stale).  Exit 1 reproduced, 3 not reproduced or stale."""
    from .tracefile import replay

    status, _, text = replay(Path(args.trace), args.impl)
    if args.json:
        print(json.dumps({"trace": args.trace, "impl": args.impl, "verdict": status, "text": text}, indent=1))
    else:
        print(f"{args.trace} into {args.impl}: {text}")
    return 1 if status == "reproduced" else 3


def replay_model_trace(args: argparse.Namespace, loaded: Any, trace: Any) -> int:
    """``scmcheck replay`` of a model trace into ``--impl`` (scmcheck/testing/conform.py); the run is
    saved to ``--out`` as an implementation trace, drawn like any other.  Exit 1 reproduced, 0 conforms,
    3 diverges."""
    from . import loader, tracefile
    from .conform import conform

    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir}: is a file, not a folder; give a folder for the run's trace")
    result = conform(loaded.system, trace, args.impl)
    target = loader.load(args.impl)
    prop = result.property if result.verdict == "reproduced" else None
    run_trace = tracefile.to_trace(result.outcome, args.impl, f"replay of {Path(args.trace).name}", prop)
    # not *.impl.itf.json: the pytest plugin replays those by their recorded choices, which a scripted run has not
    name = f"{target.path.stem}.{target.cls_name}.replay.{trace.property or 'run'}.{result.verdict}.itf.json"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = tracefile.save(run_trace, result.outcome, out_dir / name, target.sha256,
                          {"depth": 3000, "controls": 0, "watchdog_s": 3.0, "unsaved_data": None}, source=target.path,
                          extra={"replay_of": str(args.trace)})
    if args.json:
        print(json.dumps({"trace": args.trace, "impl": args.impl, "verdict": result.verdict,
                          "property": result.property, "text": result.text, "compared": result.compared,
                          "violations": result.violations, "run_trace": str(path)}, indent=1))
    else:
        print(f"{args.trace} ({trace.property or 'a run'} of {loaded.name}, {trace.length} steps) into {args.impl}:")
        print(f"  {result.text}")
        others = {p: r for p, r in result.violations.items() if p != result.property}
        for p, r in others.items():
            print(f"  also violated: {p}: {r}")
        print(f"  run: {path}")
        print(f"  draw it: scmcheck show {shlex.quote(str(path))} --format svg -o replay.svg")
    return result.status
