"""The scmcheck command line: list, check, show.

Exit status: 0 no violation found, 1 a violation found, 2 bad input,
3 incomplete (some property got no verdict beyond ``unknown``) and no violation.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from scmcheck import __version__
from scmcheck.model.lang.errors import InputError, ScmcheckError

ENGINE_ORDER = ("explicit", "bmc", "fuzz")
EXIT_OK, EXIT_VIOLATION, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        self.exit(EXIT_INPUT, f"scmcheck: error: {message} (see 'scmcheck {self.prog.split()[-1]} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scmcheck", description="Model and property checker for Windows service and COM server lifecycles")
    p.add_argument("--version", action="version", version=f"scmcheck {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ls = sub.add_parser("list", help="built-in designs, model families and catalog properties")
    ls.add_argument("--json", action="store_true", help="print one JSON object")

    ck = sub.add_parser("check", help="check a design against its properties")
    ck.add_argument("target", help="built-in design name, design.toml, or file.py:object")
    ck.add_argument("--engine", default="explicit", choices=(*ENGINE_ORDER, "all"))
    ck.add_argument("--depth", type=int, help="search bound in steps (explicit: unbounded; bmc: 30; fuzz: 50)")
    ck.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a design knob")
    ck.add_argument("--property", action="append", default=[], metavar="ID", help="check only this property")
    ck.add_argument("--json", action="store_true", help="print one JSON object, no progress")
    ck.add_argument("--out", default="scmcheck-out", metavar="DIR", help="where counterexample traces are written")
    ck.add_argument("--timeout", type=float, metavar="SECONDS", help="time budget for explicit and bmc, each (then: unknown); fuzz is bounded by --runs")
    ck.add_argument("--runs", type=int, default=None, metavar="N", help="fuzz: random runs per search (default 200)")

    sh = sub.add_parser("show", help="re-check a trace file and render it")
    sh.add_argument("trace", help="a trace file written by scmcheck check")
    sh.add_argument("--format", default="text", choices=("text", "dot", "svg", "mermaid", "html"))
    sh.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``scmcheck`` console script."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed on one line
        return int(exc.code or 0)
    try:
        return {"list": cmd_list, "check": cmd_check, "show": cmd_show}[args.command](args)
    except ScmcheckError as exc:
        print(f"scmcheck: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("scmcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


# ------------------------------------------------------------------ list

def cmd_list(args: argparse.Namespace) -> int:
    from scmcheck.model.designs import families, registry
    from scmcheck.properties.catalog import PROPERTIES

    designs, fams = registry(), families()
    if args.json:
        print(json.dumps({
            "tool": "scmcheck",
            "version": __version__,
            "designs": [{"name": d.name, "model": d.family.name, "expect": list(d.expect), "correct": not d.expect,
                         "vacuous": list(d.vacuous),
                         "settings": d.settings, "doc": d.doc} for d in designs.values()],
            "models": [{"name": f.name, "doc": f.doc, "knobs": [k.to_json() for k in f.knobs],
                        "properties": list(f.properties)} for f in fams.values()],
            "properties": [{"id": p.id, "kind": p.kind, "guarantee": p.guarantee, "rules": list(p.rules),
                            "witness": p.witness_doc or None, "needs": list(p.needs), "sources": list(p.sources)}
                           for p in PROPERTIES],
        }, indent=1))
        return EXIT_OK
    print("Built-in designs:")
    width = max(len(n) for n in designs)
    for d in designs.values():
        print(f"  {d.name:<{width}}  {d.label}")
        print(f"  {'':<{width}}  {d.doc}")
    print("\nModels (for design files: model = \"NAME\" plus knobs):")
    for f in fams.values():
        print(f"  {f.name}: {f.doc}")
        for k in f.knobs:
            print(f"    {k.name} = {json.dumps(k.default)}  ({k.expected()}) {k.doc}")
    print("\nProperties:")
    width = max(len(p.id) for p in PROPERTIES)
    for p in PROPERTIES:
        print(f"  {p.id:<{width}}  [{', '.join(p.rules)}] {p.guarantee}")
    return EXIT_OK


# ------------------------------------------------------------------ check

def _params(items: Sequence[str]) -> dict:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {item!r} is not NAME=VALUE; write e.g. --param workers=3")
        out[name.strip()] = value.strip()
    return out


def _select(loaded: Any, wanted: Sequence[str]) -> list:
    """The goals to check: ``--property`` ids (each must apply), else every catalog entry that applies."""
    from scmcheck.properties import catalog

    system = loaded.system
    if wanted:
        props = []
        for pid in wanted:
            prop = catalog.get(pid)
            missing = prop.missing(system)
            if missing:
                applying = ", ".join(p.id for p in catalog.applicable(system)) or "none"
                raise InputError(f"--property {pid}: property {pid} does not apply to model {system.name}: it needs "
                                 f"{', '.join(missing)}; properties that apply: {applying}")
            props.append(prop)
    else:
        props = catalog.applicable(system)
        if not props:
            raise InputError(f"{loaded.target}: no catalog property applies to model {system.name}: it defines none of "
                             "the names they read (see 'scmcheck list'; build on scmcheck.model.service_api or "
                             "scmcheck.model.com, or System.define the names an entry needs)")
    goals = []
    for p in props:
        try:
            goals.append(p.goal(system))
        except ScmcheckError as exc:
            raise InputError(f"--property {p.id}: {exc}") from None
    return goals


def _engine_options(names: Sequence[str], args: argparse.Namespace) -> dict:
    from scmcheck.properties.engines import ENGINES

    opts: dict = {}
    for name in names:
        if name == "explicit":
            opts[name] = dict(depth=args.depth, timeout=args.timeout)
        elif name == "bmc":
            opts[name] = dict(depth=args.depth if args.depth is not None else ENGINES["bmc"].DEFAULT_DEPTH,
                              timeout=args.timeout)
        else:
            opts[name] = dict(depth=args.depth if args.depth is not None else ENGINES["fuzz"].DEFAULT_DEPTH)
            if args.runs is not None:
                opts[name]["runs"] = args.runs
    return opts


def _rerun_line(loaded: Any, pid: str, engine: str) -> str:
    parts = ["scmcheck", "check", loaded.target, "--property", pid, "--engine", engine]
    if loaded.base is not None:
        parts += [f"--param={k}={_knob_text(v)}" for k, v in loaded.parameters.items() if loaded.base.get(k) != v]
    return " ".join(shlex.quote(p) for p in parts)


def _knob_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _save_traces(results: list, loaded: Any, out: Path) -> None:
    from scmcheck.traces import itf, replay

    for r in results:
        if r.trace is None:
            continue
        t = r.trace
        t.design, t.target, t.parameters = loaded.name, loaded.target, dict(loaded.parameters)
        path = out / f"{_slug(loaded.name)}.{r.property}.{r.engine}.itf.json"
        itf.save(t, path)
        # The file, not just the in-memory trace, must replay before anyone is shown it.
        replay(loaded.system, itf.load(path), violates=_violation(loaded.system, r.property))
        r.file = str(path)


def _violation(system: Any, pid: Optional[str]) -> Any:
    """What a trace of property ``pid`` must show on ``system`` (replay's ``violates``)."""
    from scmcheck.properties.catalog import CATALOG
    from scmcheck.properties.engines.common import violation_of

    return violation_of(CATALOG[pid].goal(system)) if pid in CATALOG else None


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def exit_status(results: list) -> int:
    """1 if any engine found a violation; else 3 if some property is vacuous, or has only unknown
    verdicts; else 0."""
    if any(r.verdict.value == "violated" for r in results):
        return EXIT_VIOLATION
    if any(r.verdict.value == "vacuous" for r in results):
        return EXIT_INCOMPLETE
    settled = {r.property for r in results if r.verdict.value in ("proved", "bounded")}
    if any(r.property not in settled for r in results):
        return EXIT_INCOMPLETE
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from scmcheck import targets
    from scmcheck.progress import TerminalProgress

    if args.depth is not None and args.depth < 0:
        raise InputError(f"--depth {args.depth} is negative; give a number of steps >= 0")
    if args.runs is not None and args.runs < 1:
        raise InputError(f"--runs {args.runs} must be at least 1")
    loaded = targets.load(args.target, _params(args.param))
    goals = _select(loaded, args.property)
    from scmcheck.properties.check import check

    engines = ENGINE_ORDER if args.engine == "all" else (args.engine,)
    progress = TerminalProgress() if (not args.json and sys.stderr.isatty()) else None
    results = check(loaded.system, goals, engines, _engine_options(engines, args), progress=progress,
                    on_engine_done=None if progress is None else progress.done)
    _save_traces(results, loaded, Path(args.out))
    status = exit_status(results)
    if args.json:
        print(json.dumps({
            "tool": "scmcheck",
            "version": __version__,
            "design": loaded.name,
            "target": loaded.target,
            "parameters": loaded.parameters,
            "expected": None if loaded.expect is None else list(loaded.expect),
            "expected_vacuous": list(loaded.vacuous),
            "exit": status,
            "results": [r.to_json() for r in results],
        }, indent=1))
    else:
        print_report(loaded, results, status)
    return status


def print_report(loaded: Any, results: list, status: int) -> None:
    from scmcheck.traces.render import render_text

    params = " ".join(f"{k}={_knob_text(v)}" for k, v in loaded.parameters.items())
    print(f"design {loaded.name} (model {loaded.system.name}): {params}")
    pw = max(len(r.property) for r in results)
    last_reason: dict = {}
    last_assumed: dict = {}
    pad = f"  {'':<9} {'':<{pw}}  {'':<8} "
    for r in results:
        figures = []
        if r.verdict.value == "violated":
            kind = "lasso" if r.trace.loop is not None else "trace"
            figures.append(f"{kind} of {r.trace.length} steps")
        elif r.verdict.value == "proved" or (r.verdict.value == "vacuous" and r.states is not None):
            figures.append(f"all {r.states:,} reachable states" if r.states is not None
                           else f"no run is longer than {r.bound} steps")
        elif r.bound is not None:
            figures.append(f"depth {r.bound}")
        if r.states is not None and r.verdict.value not in ("proved", "vacuous"):
            figures.append(f"{r.states:,} states")
        if r.steps is not None:
            figures.append(f"{r.steps:,} steps")
        if r.witness_note and r.verdict.value != "violated":
            figures.append(r.witness_note)
        figures.append(f"{r.seconds:.2f} s")
        print(f"  {r.verdict.value.upper():<9} {r.property:<{pw}}  {r.engine:<8} {', '.join(figures)}")
        if r.reason and r.verdict.value in ("unknown", "bounded", "vacuous") and last_reason.get(r.engine) != r.reason:
            print(pad + r.reason)
            last_reason[r.engine] = r.reason
        assumed = "; ".join(r.assumptions)
        if assumed and r.verdict.value != "violated" and last_assumed.get(r.engine) != assumed:
            print(pad + "assumes: " + assumed)
            last_assumed[r.engine] = assumed
    shown = set()
    for r in sorted(results, key=lambda r: ENGINE_ORDER.index(r.engine)):
        if r.trace is None or r.property in shown:
            continue
        shown.add(r.property)
        print()
        print(render_text(r.trace))
        for other in results:
            if other.property == r.property and other.file:
                print(f"  trace ({other.engine}, {other.trace.length} steps): {other.file}")
        print(f"  draw it: scmcheck show {shlex.quote(r.file)} --format svg -o {_slug(r.property)}.svg")
        print(f"  rerun:   {_rerun_line(loaded, r.property, r.engine)}")
    print()
    violated = sorted({r.property for r in results if r.verdict.value == "violated"})
    if loaded.expect is not None:
        checked = {r.property for r in results}
        expected = sorted(set(loaded.expect) & checked)
        verdict = "as labelled" if violated == expected else f"labelled {', '.join(expected) or 'correct'}"
        print(f"violated: {', '.join(violated) or 'none'} ({verdict})")
    else:
        print(f"violated: {', '.join(violated) or 'none'}")
    vacuous = sorted({r.property for r in results if r.verdict.value == "vacuous"})
    if vacuous or loaded.vacuous:
        labelled = sorted(set(loaded.vacuous) & {r.property for r in results})
        note = "as labelled" if vacuous == labelled else f"labelled {', '.join(labelled) or 'none'}"
        print(f"vacuous: {', '.join(vacuous) or 'none'} ({note}: their subject never happens in this design)")
    print({EXIT_OK: "result: no violation found", EXIT_VIOLATION: "result: violation found (exit 1)",
           EXIT_INCOMPLETE: "result: incomplete, no violation found but some property is vacuous or has no "
                            "verdict (exit 3)"}[status])


# ------------------------------------------------------------------ show

def cmd_show(args: argparse.Namespace) -> int:
    from scmcheck import targets
    from scmcheck.traces import itf, replay
    from scmcheck.traces.itf import write_atomic
    from scmcheck.traces.render import render

    trace = itf.load(Path(args.trace))
    if not trace.target:
        raise InputError(f"{args.trace}: field #meta.scmcheck.target is empty; cannot rebuild the model to re-check it")
    try:
        loaded = targets.load(trace.target, trace.parameters, exact=True)
    except ScmcheckError as exc:
        raise InputError(f"{args.trace}: cannot rebuild its model from target {trace.target!r}: {exc}") from None
    try:
        replay(loaded.system, trace, violates=_violation(loaded.system, trace.property))
    except ScmcheckError as exc:
        raise InputError(f"{args.trace}: the trace does not fit design {loaded.name}: {exc}") from None
    text = render(trace, args.format)
    if args.output:
        write_atomic(Path(args.output), text if text.endswith("\n") else text + "\n")
        print(f"wrote {args.output} ({args.format}, {trace.length} steps, re-checked against {loaded.name})")
    else:
        print(text)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
