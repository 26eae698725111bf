"""The scmcheck command line: list, check, show, docs, export.

Exit status: 0 no violation found, 1 a violation found, 2 bad input (one line
on stderr naming the input and what to do), 3 incomplete (some property got no
verdict beyond ``unknown``) and no violation, 4 an internal error (a bug in
scmcheck: one line; ``--debug`` shows the traceback), 130 interrupted.

A trace file never runs code by itself: ``show`` rebuilds built-in and TOML
designs from the trace, but imports a ``file.py:object`` target only when
asked to (``--target FILE.py:object`` or ``--trust``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import shlex
import sys
import tempfile
import textwrap
import traceback
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from scmcheck import __version__
from scmcheck.model.lang.errors import InputError, ScmcheckError

ENGINE_ORDER = ("explicit", "bmc", "fuzz", "kind", "pdr")
AUTO_ENGINES = ("explicit", "pdr", "kind", "bmc")  # the engines --engine auto may run (properties/portfolio.py)
EXIT_OK, EXIT_VIOLATION, EXIT_INPUT, EXIT_INCOMPLETE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
DEFAULT_OUT = "scmcheck-out"
DEFAULT_RUNS = 200  # the fuzz engine's own default, for --help
# --engine all without --timeout: the time the later engines share on properties an earlier engine settled
CROSS_CHECK_BUDGET_S = 20.0


class InternalError(Exception):
    """Something scmcheck itself got wrong (exit 4), e.g. a trace it wrote does not replay."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as for every other bad input
        self.exit(EXIT_INPUT, f"scmcheck: error: {message} (see '{self.prog} --help')\n")


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


# ------------------------------------------------------------------ argument types

def _timeout(text: str) -> Optional[float]:
    """--timeout: seconds > 0; ``inf`` means no limit (None)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; give e.g. --timeout 60, "
                                         "or --timeout inf for no limit") from None
    if math.isnan(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds; give e.g. --timeout 60, "
                                         "or --timeout inf for no limit")
    return None if math.isinf(value) else value


def _count(flag: str, least: int, example: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give e.g. {flag} {example}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r} is less than {least}; give a whole number >= {least}, "
                                             f"e.g. {flag} {example}")
        return value

    parse.__name__ = "number"
    return parse


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give e.g. --seed 1") from None


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scmcheck", description="Model and property checker for Windows service and COM server lifecycles",
                epilog="Exit status: 0 no violation found, 1 violation found, 2 bad input, 3 incomplete, "
                       "4 internal error.")
    p.add_argument("--version", action="version", version=f"scmcheck {__version__}")
    p.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    # Each command takes --debug too; SUPPRESS keeps one given before the command.
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an internal error")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ls = sub.add_parser("list", help="built-in designs, model families and catalog properties", parents=[debug],
                        formatter_class=_HelpFormatter)
    ls.add_argument("--json", action="store_true", help="print one JSON object (with the rules)")
    ls.add_argument("--rules", action="store_true", help="print the numbered rules the catalog entries cite")
    ls.add_argument("target", nargs="?", help="a design (built-in name, design.toml or file.py:object): list the "
                                               "knobs it lets you set and the properties checked on it")

    ck = sub.add_parser("check", help="check a design against its properties", parents=[debug],
                        formatter_class=_HelpFormatter)
    ck.add_argument("target", help="built-in design name, design.toml, or file.py:object")
    ck.add_argument("--engine", default="auto", choices=("auto", *ENGINE_ORDER, "all"),
                    help="search engine; auto: explicit, then the unbounded provers on what it leaves open, then "
                         "bmc for a shorter counterexample; all: every engine in turn (default: %(default)s)")
    ck.add_argument("--cross-check", action="store_true",
                    help="with --engine all: every engine checks every property in full (default: an engine "
                         "spends at most its share of --timeout, or of "
                         f"{CROSS_CHECK_BUDGET_S:g} s, on a property an earlier engine settled)")
    ck.add_argument("--depth", type=_count("--depth", 0, "20"), metavar="STEPS",
                    help="search bound in steps, >= 0 (default: explicit and pdr unbounded, bmc and kind 30, fuzz 50)")
    ck.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="set a design knob; repeatable (default: the design's own settings)")
    ck.add_argument("--property", action="append", default=[], metavar="ID",
                    help="check only this property; repeatable (default: every property that applies)")
    ck.add_argument("--json", action="store_true", help="print one JSON object, no progress (default: a report)")
    ck.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                    help="folder for counterexample trace files (default: %(default)s)")
    ck.add_argument("--timeout", type=_timeout, metavar="SECONDS",
                    help="seconds each engine may run, > 0, or inf for no limit; a property left open when it is "
                         "spent is unknown (default: no limit; fuzz is also bounded by --runs)")
    ck.add_argument("--symmetry", choices=("on", "off"), default="on",
                    help="explicit: search one state per orbit of a symmetric family (workers) for the safety "
                         "properties that read its members alike; liveness always searches every state "
                         "(default: %(default)s)")
    ck.add_argument("--runs", type=_count("--runs", 1, "500"), metavar="N",
                    help=f"fuzz: random runs per search, >= 1 (default: {DEFAULT_RUNS})")
    ck.add_argument("--seed", type=_seed, metavar="N",
                    help="fuzz: seed of the random runs (default: the engine's fixed, reproducible runs)")

    sh = sub.add_parser("show", help="re-check a trace file and render it", parents=[debug],
                        formatter_class=_HelpFormatter)
    sh.add_argument("trace", help="a trace file written by scmcheck check or scmcheck test")
    sh.add_argument("--format", default="text", choices=("text", "dot", "svg", "mermaid", "html"),
                    help="output format (default: %(default)s)")
    sh.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")
    sh.add_argument("--target", metavar="TARGET",
                    help="rebuild the model from this target instead of the trace's (default: the trace's; "
                         "a file.py:object target in a trace is imported only with --target or --trust)")
    sh.add_argument("--trust", action="store_true",
                    help="import the file.py:object target the trace names (runs that file's code)")
    from scmcheck.docs.command import add_parser as _docs_parser

    dc = _docs_parser(sub, [debug], _HelpFormatter, ENGINE_ORDER, _count, _timeout, _seed)
    from scmcheck.export import add_parser as _export_parser

    ex = _export_parser(sub, [debug], _HelpFormatter)
    from scmcheck.testing.command import add_parser as _test_parser

    ts = _test_parser(sub, [debug], _HelpFormatter, _count, _seed)
    rp = sub.add_parser("replay", help="drive an implementation through a trace: reproduced, conforms or diverges",
                        parents=[debug], formatter_class=_HelpFormatter)
    rp.add_argument("trace", help="a model trace (scmcheck check) or an implementation trace (scmcheck test)")
    rp.add_argument("--impl", required=True, metavar="FILE.py:Class",
                    help="the pywin32 service class to drive (runs that file's code under the harness)")
    rp.add_argument("--target", metavar="TARGET",
                    help="rebuild the model from this target instead of the trace's (as for show)")
    rp.add_argument("--trust", action="store_true",
                    help="import the file.py:object model target the trace names (runs that file's code)")
    rp.add_argument("--json", action="store_true", help="print one JSON object")
    rp.add_argument("--out", default="scmcheck-out", metavar="DIR",
                    help="folder for the implementation's run, saved as a trace (default: %(default)s)")
    p.set_defaults(commands={"list": ls, "check": ck, "show": sh, "docs": dc, "export": ex, "test": ts,
                             "replay": rp})
    return p


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; an argument the command does not know is reported against that command."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        args.commands[args.command].error("unrecognized arguments: " + " ".join(repr(e) if not e.isprintable() else e
                                                                                   for e in extra))
    return args


# ------------------------------------------------------------------ main

def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``scmcheck`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until parsed: a crash while parsing is reported too
    try:
        try:
            args = _parse(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed on one line
            return exc.code if isinstance(exc.code, int) else EXIT_INPUT
        debug = bool(getattr(args, "debug", False))
        try:
            return COMMANDS[args.command](args)
        except SystemExit as exc:  # e.g. a design file calling sys.exit(): never a verdict
            raise InternalError(f"SystemExit({exc.code!r}) raised while running {args.command}") from exc
    except ScmcheckError as exc:
        if debug:
            traceback.print_exc()
        _stderr(f"scmcheck: error: {_one_line(str(exc))}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        _stderr("scmcheck: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - anything else is our bug: one line, never a traceback by default
        if debug:
            traceback.print_exc()
        text = _one_line(str(exc)).removeprefix("internal error: ")
        what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        hint = "please report this traceback" if debug else "please report; rerun with --debug for the traceback"
        _stderr(f"scmcheck: internal error: {what} ({hint})")
        return EXIT_INTERNAL


def _one_line(text: str, limit: int = 1000) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _stderr(line: str) -> None:
    try:
        sys.stderr.flush()
        print(line, file=sys.stderr)
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ list

def _rules() -> Optional[list]:
    """The project's numbered reading of the rules (scmcheck.properties.rules.RULES); None if absent."""
    import importlib

    try:
        rules = importlib.import_module("scmcheck.properties.rules")
    except ModuleNotFoundError as exc:
        if exc.name == "scmcheck.properties.rules":
            return None
        raise
    return list(rules.RULES)


def _rule_json(rule: Any) -> dict:
    return {"number": rule.number, "text": rule.text, "source_title": rule.source_title, "source_url": rule.source_url}


def cmd_list(args: argparse.Namespace) -> int:
    from scmcheck.model.designs import families, registry
    from scmcheck.properties.catalog import PROPERTIES

    if args.rules and not args.json:
        rules = _rules()
        if rules is None:
            print("scmcheck: no numbered rules in this build (module scmcheck.properties.rules is missing)",
                  file=sys.stderr)
            return EXIT_OK
        print("Rules (the project's numbered reading of the documentation; catalog entries cite them):")
        width = max((len(str(r.number)) for r in rules), default=0)
        indent = " " * (width + 4)
        for r in rules:
            print(textwrap.fill(f"{str(r.number):<{width}}  {r.text}", 100, initial_indent="  ",
                                subsequent_indent=indent))
            print(f"{indent}source: {r.source_title} <{r.source_url}>")
        return EXIT_OK
    if getattr(args, "target", None):
        return _list_target(args)
    designs, fams = registry(), families()
    if args.json:
        rules = _rules()
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
            "rules": [] if rules is None else [_rule_json(r) for r in rules],
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


def _property_json(p: Any) -> dict:
    out = {"id": p.id, "kind": p.kind, "guarantee": p.guarantee, "rules": list(p.rules),
           "witness": p.witness_doc or None, "needs": list(p.needs), "sources": list(p.sources)}
    if getattr(p, "owner", None) is not None:
        out.update(source="design", declared_at=p.declared_at)
    else:
        out["source"] = "catalog"
    return out


def _list_target(args: argparse.Namespace) -> int:
    """``scmcheck list TARGET``: what ``check TARGET`` would check, and the knobs ``--param`` may set."""
    from scmcheck import targets
    from scmcheck.properties import catalog

    loaded = targets.load(args.target)
    props = catalog.applicable(loaded.system)
    label = "not labelled" if loaded.expect is None else \
        ("correct" if not loaded.expect else "violates " + ", ".join(loaded.expect))
    if args.json:
        print(json.dumps({
            "tool": "scmcheck", "version": __version__, "design": loaded.name, "target": loaded.target,
            "model": loaded.system.name, "expect": None if loaded.expect is None else list(loaded.expect),
            "vacuous": list(loaded.vacuous), "parameters": loaded.parameters,
            "knobs": [{**k.to_json(), "value": loaded.parameters.get(k.name, k.default)} for k in loaded.knobs],
            "properties": [_property_json(p) for p in props],
        }, indent=1))
        return EXIT_OK
    print(f"design {loaded.name} (model {loaded.system.name}): {label}")
    print("\nKnobs you can set (--param NAME=VALUE):" if loaded.knobs else "\nKnobs you can set: none")
    for k in loaded.knobs:
        print(f"  {k.name} = {_knob_text(loaded.parameters.get(k.name, k.default))}  ({k.expected()}) {k.doc}")
    print("\nProperties checked (all by default; --property ID for some):" if props else
          "\nProperties checked: none apply")
    width = max((len(p.id) for p in props), default=0)
    for p in props:
        own = "design's own; " if getattr(p, "owner", None) is not None else ""
        print(f"  {p.id:<{width}}  [{own}{', '.join(p.rules) or 'no rule'}] {p.guarantee}")
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
    """The goals to check: ``--property`` ids (each must apply), else every catalog entry that applies
    and the design's own properties."""
    from scmcheck.properties import catalog

    system = loaded.system
    if wanted:
        props = []
        own = {p.id for p in catalog.declared(system)}
        for pid in dict.fromkeys(wanted):  # each once, in the order given
            if pid not in catalog.CATALOG and pid not in own:
                applying = ", ".join(p.id for p in catalog.applicable(system)) or "none"
                raise InputError(f"--property {pid}: unknown property {pid!r}; properties that apply to design "
                                 f"{loaded.name}: {applying} (see 'scmcheck list {loaded.target}')")
            prop = catalog.get(pid, system)
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
                             "scmcheck.model.com, System.define the names an entry needs, or declare the design's "
                             "own properties with System.invariant / System.leads_to)")
    goals = []
    for p in props:
        try:
            goals.append(p.goal(system))
        except ScmcheckError as exc:
            raise InputError(f"--property {p.id}: {exc}") from None
    return goals


def _accepts(func: Callable, name: str) -> bool:
    """Does ``func`` take a keyword argument ``name``?"""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _share(args: argparse.Namespace, engines: int) -> Optional[float]:
    """Seconds each engine may spend on properties an earlier one settled (None: in full)."""
    if args.engine != "all" or getattr(args, "cross_check", False):
        return None
    budget = args.timeout if args.timeout is not None else CROSS_CHECK_BUDGET_S
    return budget / engines


def _engine_options(names: Sequence[str], args: argparse.Namespace) -> dict:
    from scmcheck.properties.engines import ENGINES

    opts: dict = {}
    for name in names:
        if name == "explicit":
            opts[name] = dict(depth=args.depth, timeout=args.timeout)
            if getattr(args, "symmetry", "on") == "off":
                opts[name]["symmetry"] = False
        elif name in ("bmc", "kind", "pdr"):
            opts[name] = dict(depth=args.depth if args.depth is not None else ENGINES[name].DEFAULT_DEPTH,
                              timeout=args.timeout)
        else:
            opts[name] = dict(depth=args.depth if args.depth is not None else ENGINES["fuzz"].DEFAULT_DEPTH,
                              timeout=args.timeout)
            if args.runs is not None:
                opts[name]["runs"] = args.runs
            if getattr(args, "seed", None) is not None and _accepts(ENGINES["fuzz"].run, "seed"):
                opts[name]["seed"] = args.seed
    return opts


def _rerun_line(loaded: Any, result: Any, args: Optional[argparse.Namespace] = None) -> str:
    """The command that checks ``result``'s property again with the same engine and settings."""
    parts = ["scmcheck", "check", loaded.target, "--property", result.property, "--engine", result.engine]
    # exactly the knobs --param set (each accepted once, so accepted again); never the parameters a
    # design's build records besides its knobs, or a knob it fixes
    parts += [f"--param={k}={_knob_text(v)}" for k, v in getattr(loaded, "overrides", {}).items()]
    if args is not None:
        if args.depth is not None:
            parts += ["--depth", str(args.depth)]
        if result.engine == "explicit" and getattr(args, "symmetry", "on") == "off":
            parts += ["--symmetry", "off"]
        if result.engine == "fuzz":
            if args.runs is not None:
                parts += ["--runs", str(args.runs)]
            seed = result.extra.get("seed")
            if seed is None:
                seed = (_engine_options(("fuzz",), args)["fuzz"]).get("seed")
            if seed is not None:
                parts += ["--seed", str(seed)]
    return " ".join(shlex.quote(p) for p in parts)


def _draw_line(loaded: Any, trace_file: str, pid: str) -> str:
    """The command that draws a saved trace; a file.py:object target is named (show imports no code on a
    trace's word), so the line runs as printed."""
    parts = ["scmcheck", "show", trace_file, "--format", "svg", "-o", f"{_slug(pid)}.svg"]
    if _runs_code(loaded.target):
        parts += ["--target", loaded.target]
    return " ".join(shlex.quote(p) for p in parts)


def _knob_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _prepare_out(out: Path) -> list:
    """Make sure trace files can be written in ``out`` before any search; return the folders made for it.

    InputError (exit 2) naming ``out`` when it is a file, or cannot be made or written.
    """
    fix = "give a writable folder for the trace files (--out DIR)"
    missing = []
    try:
        here = out
        while not here.exists():
            missing.append(here)
            if here.parent == here:
                break
            here = here.parent
        if not here.is_dir():
            what = "is a file" if here == out else f"is under {here}, which is a file"
            raise InputError(f"--out {out}: {what}, not a folder; {fix}")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot look there ({exc.strerror or exc}); {fix}") from None
    made: list = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except OSError as exc:
            _remove_empty(made)
            raise InputError(f"--out {out}: cannot create the folder {folder} ({exc.strerror or exc}); {fix}") from None
        made.append(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=".scmcheck-probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        _remove_empty(made)
        raise InputError(f"--out {out}: cannot write files there ({exc.strerror or exc}); {fix}") from None
    return made


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the folders ``_prepare_out`` made, deepest first, while they are empty."""
    for folder in reversed(list(folders)):
        try:
            folder.rmdir()
        except OSError:
            return


def _save_traces(results: list, loaded: Any, out: Path) -> Optional[str]:
    """Write each counterexample to ``out``; the first write error as one line (None: all written).

    A written file that does not replay is scmcheck's bug: InternalError.
    """
    from scmcheck.traces import itf, replay

    failed = None
    for r in results:
        if r.extra.get("invariant"):  # a pdr proof: its inductive invariant, saved beside the traces
            path = out / f"{_slug(loaded.name)}.{r.property}.{r.engine}.invariant.txt"
            try:
                itf.write_atomic(path, f"# {r.property}: inductive invariant found by {r.engine}, re-checked "
                                       f"(init => I, I and T => I', I => P)\n{r.extra['invariant']}\n")
                r.extra["invariant_file"] = str(path)
            except OSError as exc:
                failed = failed or (f"--out {out}: cannot write {path.name} ({exc.strerror or exc}); the report "
                                    "above stands, but the invariant was not saved")
        if r.trace is None:
            continue
        t = r.trace
        t.design, t.target, t.parameters = loaded.name, loaded.target, dict(loaded.parameters)
        path = out / f"{_slug(loaded.name)}.{r.property}.{r.engine}.itf.json"
        try:
            itf.save(t, path)
        except OSError as exc:
            failed = failed or (f"--out {out}: cannot write the trace file {path.name} ({exc.strerror or exc}); "
                                "the report above stands, but the trace was not saved")
            continue
        # The file, not just the in-memory trace, must replay before anyone is shown it.
        try:
            replay(loaded.system, itf.load(path), violates=_violation(loaded.system, r.property))
        except ScmcheckError as exc:
            raise InternalError(f"the {r.engine} trace written to {path} for {r.property} does not replay: {exc}") \
                from exc
        r.file = str(path)
    return failed


def _violation(system: Any, pid: Optional[str]) -> Any:
    """What a trace of property ``pid`` must show on ``system`` (replay's ``violates``)."""
    from scmcheck.properties.catalog import CATALOG, declared
    from scmcheck.properties.engines.common import violation_of

    prop = next((p for p in declared(system) if p.id == pid), None) or CATALOG.get(pid)  # type: ignore[arg-type]
    return violation_of(prop.goal(system)) if prop is not None else None


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

    if args.cross_check and args.engine != "all":
        raise InputError(f"--cross-check: applies to --engine all only (it makes every engine check every property "
                         f"in full), not to --engine {args.engine}; add --engine all or leave it out")
    loaded = targets.load(args.target, _params(args.param))
    goals = _select(loaded, args.property)
    from scmcheck.properties.check import check

    engines = ENGINE_ORDER if args.engine == "all" else AUTO_ENGINES if args.engine == "auto" else (args.engine,)
    options = _engine_options(engines, args)
    out = Path(args.out)
    made = _prepare_out(out)  # before the search: a bad --out must not cost a long search
    try:
        progress = TerminalProgress() if (not args.json and sys.stderr.isatty()) else None
        done = None if progress is None else progress.done
        try:
            if args.engine == "auto":
                from scmcheck.properties.portfolio import auto

                results = auto(loaded.system, goals, options, progress=progress, on_engine_done=done)
            else:
                results = check(loaded.system, goals, engines, options, progress=progress, on_engine_done=done,
                                share=_share(args, len(engines)))
        finally:
            if progress is not None:
                progress.done()
        failed = _save_traces(results, loaded, out)
    finally:
        _remove_empty(made)  # no trace written: leave no empty folder behind
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
            "exit": EXIT_INPUT if failed else status,
            "results": [r.to_json() for r in results],
        }, indent=1))
    else:
        print_report(loaded, results, status, args)
    if failed:
        sys.stdout.flush()
        raise InputError(failed)
    return status


def _proof_figure(r: Any) -> str:
    """How a proof was obtained, in a few words (the reason has the rest)."""
    if r.states is not None:
        up_to = " up to symmetry" if str(r.extra.get("symmetry", "")).startswith("used") else ""
        return f"all {r.states:,} reachable states{up_to}"
    if r.extra.get("invariant"):
        return "inductive invariant (re-checked)"
    if r.extra.get("k") is not None:
        return f"{r.extra['k']}-inductive (re-checked)"
    return f"no run is longer than {r.bound} steps"


def print_report(loaded: Any, results: list, status: int, args: Optional[argparse.Namespace] = None) -> None:
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
            figures.append(f"{kind} of {r.trace.length} step{'' if r.trace.length == 1 else 's'}")
        elif r.verdict.value == "proved" or (r.verdict.value == "vacuous" and r.states is not None):
            figures.append(_proof_figure(r))
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
        if r.reason and r.verdict.value in ("unknown", "bounded", "vacuous", "settled") \
                and last_reason.get(r.engine) != r.reason:
            print(pad + r.reason)
            last_reason[r.engine] = r.reason
        for before in r.extra.get("before", ()):
            print(pad + "after " + before)
        invariant = r.extra.get("invariant")
        if invariant:
            saved = r.extra.get("invariant_file")
            where = f" (saved: {saved})" if saved else ""
            if last_reason.get("#invariant") != invariant:
                print(pad + f"inductive invariant{where}: " + invariant)
                last_reason["#invariant"] = invariant
            else:
                print(pad + f"inductive invariant{where}: the one above")
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
        traced = [o for o in results if o.property == r.property and o.trace is not None]
        for other in traced:
            print(f"  trace ({other.engine}, {other.trace.length} steps): {other.file or 'not written'}")
        written = next((o.file for o in traced if o.file), None)
        if written:
            print(f"  draw it: {_draw_line(loaded, written, r.property)}")
        print(f"  rerun:   {_rerun_line(loaded, r, args)}")
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

def _runs_code(target: str) -> bool:
    """Does loading ``target`` import Python code (``file.py:object``)?  Same test as scmcheck.targets.load."""
    return not target.endswith(".toml") and (".py:" in target or target.endswith(".py"))


def _usable_file(path: Path, flag: str) -> None:
    """InputError naming ``path`` unless a file can be written there (checked before any work)."""
    fix = "give a writable file path"
    try:
        if path.is_dir():
            raise InputError(f"{flag} {path}: is a folder; give a file name, e.g. {flag} "
                             f"{shlex.quote(str(path / 'trace.svg'))}")
        here = path.parent
        while not here.exists() and here.parent != here:
            here = here.parent
        if here.exists() and not here.is_dir():
            raise InputError(f"{flag} {path}: {here} is a file, not a folder; {fix}")
        if path.exists() and not os.access(path, os.W_OK):
            raise InputError(f"{flag} {path}: the file is not writable; {fix}")
        if here.is_dir() and not os.access(here, os.W_OK | os.X_OK):
            raise InputError(f"{flag} {path}: cannot write in the folder {here}; {fix}")
    except OSError as exc:
        raise InputError(f"{flag} {path}: cannot look there ({exc.strerror or exc}); {fix}") from None


def _rebuilt(trace: Any, target: str, source: str) -> tuple:
    """``(loaded, shown)``: the design rebuilt from ``target`` with the trace's parameters, and the
    trace as that design replays it (steps, timing, rules, focus from the model and catalog, not the file).

    InputError naming ``source`` and the field for anything the re-check refuses.
    """
    from scmcheck import targets
    from scmcheck.properties.catalog import CATALOG, declared
    from scmcheck.properties.engines.common import goal_reads, violation_of
    from scmcheck.traces import VarInfo, replay, trace_from_actions
    from scmcheck.traces.itf import REGENERATE

    try:
        loaded = targets.load(target, trace.parameters, exact=True)
    except ScmcheckError as exc:
        text = str(exc)
        if text.startswith("--param"):  # the knobs came from the trace, not the command line
            text = "field #meta.scmcheck.parameters" + text[len("--param"):]
        raise InputError(f"{source}: cannot rebuild its model from target {target!r}: {text}") from None
    system = loaded.system
    if trace.design != loaded.name:
        raise InputError(f"{source}: field #meta.scmcheck.design = {trace.design!r} is not the design target "
                         f"{target!r} builds ({loaded.name!r}); {REGENERATE}, or give the right --target")
    if trace.model != system.name:
        raise InputError(f"{source}: field #meta.scmcheck.model = {trace.model!r} is not the model of design "
                         f"{loaded.name} ({system.name!r}); {REGENERATE}")
    if trace.engine not in (*ENGINE_ORDER, ""):
        raise InputError(f"{source}: field #meta.scmcheck.engine = {trace.engine!r} is not an engine "
                         f"({', '.join(ENGINE_ORDER)}); {REGENERATE}")
    goal = None
    if trace.property is not None:
        own = {p.id: p for p in declared(system)}
        if trace.property not in CATALOG and trace.property not in own:
            mine = f" or a property of design {loaded.name} ({', '.join(own)})" if own else ""
            raise InputError(f"{source}: field #meta.scmcheck.property = {trace.property!r} is not a catalog "
                             f"property (see 'scmcheck list'){mine}; {REGENERATE}")
        try:
            goal = own.get(trace.property, CATALOG.get(trace.property)).goal(system)
        except ScmcheckError as exc:
            raise InputError(f"{source}: field #meta.scmcheck.property: {exc}") from None
    ours = [VarInfo.from_variable(v) for v in system.variables]
    if [v.name for v in ours] == [v.name for v in trace.variables]:  # else replay names what differs
        for i, (a, b) in enumerate(zip(ours, trace.variables)):
            if _var_key(a) != _var_key(b):
                raise InputError(f"{source}: field #meta.scmcheck.variables[{i}] ({b.name}) does not match "
                                 f"design {loaded.name}'s variable {a.to_json()}; {REGENERATE}")
    try:
        replay(system, trace, violates=None if goal is None else violation_of(goal))
    except ScmcheckError as exc:
        raise InputError(f"{source}: the trace does not fit design {loaded.name}: {exc}") from None
    actions = [system.find_action(s.action, s.args) for s in trace.steps]
    reads = set() if goal is None else goal_reads(goal)
    shown = trace_from_actions(system, actions, trace.states, property=trace.property,
                               rules=[] if goal is None else list(goal.rules), engine=trace.engine,
                               design=loaded.name, target=target,
                               focus=[v.name for v in system.variables if v.name in reads], loop=trace.loop)
    return loaded, shown


def _model_target(args: argparse.Namespace, trace: Any, command: str) -> str:
    """The target to rebuild a model trace's design from: ``--target``, else the trace's own, which
    is imported only with ``--trust`` if it is Python code (a trace file never runs code by itself).
    InputError naming the file and field otherwise."""
    target = args.target or trace.target
    if not target:
        raise InputError(f"{args.trace}: field #meta.scmcheck.target is empty; cannot rebuild the model to "
                         "re-check it (give --target TARGET)")
    if args.target is None and _runs_code(target) and not args.trust:
        raise InputError(f"{args.trace}: field #meta.scmcheck.target is Python code ({target}), which {command} "
                         f"does not import on a trace's word; pass --target {shlex.quote(target)} to use that "
                         "file, or --trust to use the trace's target")
    return target


def _var_key(v: Any) -> tuple:
    return v.name, v.kind, v.lo, v.hi, tuple(v.values), v.unit or None


def cmd_show(args: argparse.Namespace) -> int:
    from scmcheck.traces import itf
    from scmcheck.traces.render import render

    out = Path(args.output) if args.output else None
    if out is not None:
        _usable_file(out, "-o")
    from scmcheck.testing.command import is_implementation_trace, show as show_implementation

    if is_implementation_trace(Path(args.trace)):  # a run of real code: scmcheck/testing/command.py
        return show_implementation(args, _usable_file)
    trace = itf.load(Path(args.trace))
    loaded, shown = _rebuilt(trace, _model_target(args, trace, "show"), args.trace)
    text = render(shown, args.format)
    if out is None:
        print(text)
        return EXIT_OK
    try:
        itf.write_atomic(out, text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise InputError(f"-o {out}: cannot write the file ({exc.strerror or exc}); give a writable file path") \
            from None
    changed = [f"{k}={_knob_text(v)}" for k, v in loaded.parameters.items()
               if loaded.base is not None and loaded.base.get(k) != v]
    against = loaded.name + (f" with {' '.join(changed)}" if changed else "")
    print(f"wrote {out} ({args.format}, {shown.length} steps, re-checked against {against})")
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    """``scmcheck docs``: scmcheck/docs/command.py."""
    from scmcheck.docs.command import run

    return run(args, ENGINE_ORDER, _engine_options)


def cmd_export(args: argparse.Namespace) -> int:
    """``scmcheck export``: scmcheck/export.py."""
    from scmcheck.export import run

    return run(args, _params, _select, _usable_file)


def cmd_test(args: argparse.Namespace) -> int:
    """``scmcheck test``: scmcheck/testing/command.py."""
    from scmcheck.testing.command import run

    return run(args)


def cmd_replay(args: argparse.Namespace) -> int:
    """``scmcheck replay TRACE --impl FILE.py:Class``: scmcheck/testing/conform.py (model traces), or
    scmcheck/testing/tracefile.py (a trace of ``scmcheck test``, replayed exactly with its choices)."""
    from scmcheck.testing.command import is_implementation_trace, replay_model_trace, replay_run
    from scmcheck.traces import itf

    if is_implementation_trace(Path(args.trace)):
        return replay_run(args)
    trace = itf.load(Path(args.trace))
    loaded, shown = _rebuilt(trace, _model_target(args, trace, "replay"), args.trace)
    return replay_model_trace(args, loaded, shown)


COMMANDS = {"list": cmd_list, "check": cmd_check, "show": cmd_show, "docs": cmd_docs, "export": cmd_export,
            "test": cmd_test, "replay": cmd_replay}


if __name__ == "__main__":
    raise SystemExit(main())
