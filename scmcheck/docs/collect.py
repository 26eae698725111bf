"""Run everything the documentation shows, with the checker's own machinery.

Verdicts and counterexamples come from ``scmcheck.properties.check.check`` on
the very systems ``scmcheck check`` builds (``scmcheck.targets.load``); trace
files are written and re-validated by the CLI's own ``_save_traces``, and
rerun commands come from its ``_rerun_line``.  Witness traces are the witness
searches ``check`` runs anyway, asked for their trace; the reachable state
graph for the lifecycle pictures is the explicit engine's, through ``check``
with the trivial invariant ``true``.  Nothing here renders anything.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from scmcheck.model.designs import Design, Family, families, registry
from scmcheck.model.lang.expr import TRUE
from scmcheck.properties.catalog import applicable
from scmcheck.properties.check import check
from scmcheck.properties.result import Goal, Result, Verdict

from .lifecycle import Lifecycle, lifecycles

LIFECYCLE_STATES = 500_000  # state budget for a lifecycle picture's graph
LIFECYCLE_SECONDS = 60.0


@dataclass
class DesignDoc:
    """One documented design and everything checked on it."""

    key: str  # unique page key
    target: str
    loaded: Any  # scmcheck.targets.Loaded
    doc: str  # one paragraph: what the design is
    family: Optional[Family]  # the built-in family it belongs to (None: the user's own model)
    knobs: list  # Knob objects with their ranges (all the family's, or what --param may set)
    fixed: tuple  # knobs the design fixes
    builtin: bool
    props: list  # applicable Property entries, catalog order, then the design's own
    results: list  # Result per (engine, property)
    lifecycles: list = field(default_factory=list)
    witness: dict = field(default_factory=dict)  # property id -> Result (violated = the witness trace)
    rerun: dict = field(default_factory=dict)  # (property id, engine) -> command line
    files: dict = field(default_factory=dict)  # (property id, engine) -> trace file, relative to the site

    @property
    def system(self) -> Any:
        return self.loaded.system

    @property
    def name(self) -> str:
        return self.loaded.name

    def result(self, pid: str, engine: str) -> Optional[Result]:
        return next((r for r in self.results if r.property == pid and r.engine == engine), None)

    def violated(self, pid: str) -> list:
        return [r for r in self.results if r.property == pid and r.verdict == Verdict.VIOLATED]

    def keeps(self, pid: str) -> bool:
        """No engine found a violation and at least one settled it (proved or bounded)."""
        mine = [r for r in self.results if r.property == pid]
        return bool(mine) and not any(r.verdict == Verdict.VIOLATED for r in mine) and \
            any(r.verdict in (Verdict.PROVED, Verdict.BOUNDED) for r in mine)


@dataclass
class FamilyDoc:
    family: Family
    system: Any  # built with the family's default knobs
    designs: list  # DesignDoc keys
    lifecycles: list = field(default_factory=list)


@dataclass
class SiteData:
    mode: str  # "catalog" (built-in designs) or "targets"
    designs: list  # DesignDoc
    families: list  # FamilyDoc
    entries: list  # Property entries documented (apply to some documented design)
    engines: tuple
    options: dict  # engine options as run
    version: str
    generated: str  # ISO date-time (UTC) of the run

    @property
    def generated_text(self) -> str:
        """``2025-01-31 14:05 UTC``"""
        return self.generated[:16].replace("T", " ") + " UTC"


Progress = Optional[Callable[[str], None]]


def collect(targets_: Sequence[str], engines: Sequence[str], options: dict, args: argparse.Namespace,
            site: Path, generated: str, status: Progress = None, engine_progress: Any = None) -> SiteData:
    """Load and check every documented design; ``targets_`` empty: the built-in ones."""
    from scmcheck import __version__, targets

    builtins = registry()
    names = list(dict.fromkeys(targets_)) if targets_ else list(builtins)
    designs: list[DesignDoc] = []
    keys: set = set()
    loaded_all = []
    for target in names:  # load all first: a bad target fails before any search
        loaded_all.append((target, targets.load(target)))
    for n, (target, loaded) in enumerate(loaded_all, start=1):
        if status is not None:
            status(f"{n}/{len(names)} {loaded.name}")
        doc = _describe(target, loaded, builtins)
        key = _unique(_slug(loaded.name), keys)
        props = applicable(loaded.system)
        goals = [p.goal(loaded.system) for p in props]
        results = check(loaded.system, goals, engines, options, progress=engine_progress) if goals else []
        d = DesignDoc(key, target, loaded, *doc, props=props, results=results)
        _save(d, args, site)
        d.lifecycles = lifecycle_of(loaded.system, _whole_graph(results))
        for r in results:  # the graph is large: keep only what the pages show
            r.extra.pop("graph", None)
        designs.append(d)
    if status is not None:
        status("witness traces")
    _witnesses(designs, engines[0], options)
    fams = _families(designs, builtins, all_families=not targets_)
    entries = _entries(designs)
    return SiteData("targets" if targets_ else "catalog", designs, fams, entries, tuple(engines), options,
                    __version__, generated)


def _describe(target: str, loaded: Any, builtins: dict) -> tuple:
    """(doc, family, knobs, fixed, builtin) of a target, from the design object where there is one."""
    if target in builtins:
        d: Design = builtins[target]
        return d.doc, d.family, list(d.family.knobs), tuple(d.fixed), True
    fams = families()
    if target.endswith(".toml"):
        from scmcheck.targets import _from_toml

        d = _from_toml(Path(target))
        return d.doc, fams.get(d.family.name), list(d.family.knobs), (), False
    system = loaded.system
    doc = (system.doc or "").strip() or f"the design {loaded.name} from {target}"
    return doc, None, list(getattr(loaded, "knobs", ())), (), False


def _save(d: DesignDoc, args: argparse.Namespace, site: Path) -> None:
    """Write and re-validate each counterexample (the CLI's own code); note the rerun commands."""
    from scmcheck.cli import InternalError, _rerun_line, _save_traces

    folder = site / "traces"
    failed = _save_traces(d.results, d.loaded, folder)
    if failed:
        raise InternalError(failed)
    for r in d.results:
        if r.trace is not None:
            d.rerun[(r.property, r.engine)] = _rerun_line(d.loaded, r, args)
            if r.file:
                d.files[(r.property, r.engine)] = Path(r.file).relative_to(site).as_posix()


def _whole_graph(results: list) -> Any:
    """The explicit engine's reachable graph from a check, if that search explored all of it: some
    verdict needed the whole graph (proved, vacuous: a witness proved unreachable, or a leads-to
    counterexample); None otherwise."""
    mine = [r for r in results if r.engine == "explicit"]
    graph = next((r.extra.get("graph") for r in mine if r.extra.get("graph") is not None), None)
    whole = any(r.verdict in (Verdict.PROVED, Verdict.VACUOUS) or
                (r.kind == "leads_to" and r.verdict == Verdict.VIOLATED) for r in mine)
    return graph if whole else None


def lifecycle_of(system: Any, graph: Any = None) -> list[Lifecycle]:
    """The lifecycle pictures of ``system``, from its whole reachable state graph (explicit engine):
    ``graph`` when the check already explored it, else a search of its own with the trivial invariant."""
    complete = True
    if graph is None:
        res = check(system, [Goal("lifecycle", (), invariant=TRUE)], ["explicit"],
                    {"explicit": {"max_states": LIFECYCLE_STATES, "timeout": LIFECYCLE_SECONDS,
                                  "symmetry": False}})[0]  # the pictures show every state, not one per orbit
        graph, complete = res.extra.get("graph"), res.verdict == Verdict.PROVED
    if graph is None:
        return []
    return lifecycles(system, graph, complete=complete)


def _witnesses(designs: list, engine: str, options: dict) -> None:
    """For each entry, in each model, one design that keeps it: its witness trace."""
    from scmcheck.properties.catalog.entry import witness_goal

    chosen: dict[tuple, DesignDoc] = {}
    ranked = sorted(designs, key=lambda d: 0 if d.loaded.expect == () else 1 if d.loaded.expect is None else 2)
    for d in ranked:
        for p in d.props:
            slot = (p.id, d.system.name)
            if slot in chosen or not d.keeps(p.id):
                continue
            goal = p.goal(d.system)
            if goal.witness is None:
                continue
            chosen[slot] = d
    for (pid, _), d in chosen.items():
        prop = next(p for p in d.props if p.id == pid)
        res = check(d.system, [witness_goal(prop.goal(d.system))], [engine], options)[0]
        if res.verdict == Verdict.VIOLATED and res.trace is not None:
            d.witness[pid] = res


def _families(designs: list, builtins: dict, all_families: bool) -> list[FamilyDoc]:
    out = []
    for fam in families().values():
        members = [d.key for d in designs if d.family is fam]
        if not members and not all_families:
            continue
        system = fam.build(fam.parameters({}, f"model {fam.name}"))
        same = next((d for d in designs if d.family is fam and d.system.parameters == system.parameters), None)
        out.append(FamilyDoc(fam, system, members, same.lifecycles if same is not None else lifecycle_of(system)))
    return out


def _entries(designs: list) -> list:
    """Entries that apply to some documented design: the catalog's in catalog order, then designs' own."""
    from scmcheck.properties.catalog import PROPERTIES

    seen = {p.id for d in designs for p in d.props if getattr(p, "owner", None) is None}
    out = [p for p in PROPERTIES if p.id in seen]
    for d in designs:
        out += [p for p in d.props if getattr(p, "owner", None) is not None]
    return out


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _unique(key: str, taken: set) -> str:
    out, n = key, 2
    while out in taken:
        out, n = f"{key}-{n}", n + 1
    taken.add(out)
    return out
