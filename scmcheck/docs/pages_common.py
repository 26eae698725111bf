"""Blocks several pages share: verdict cells, trace figures, lifecycle figures, a model's tables.

Everything is built from the checked data (``collect.SiteData``) and the live
model objects; nothing here runs a check.
"""

from __future__ import annotations

from typing import Any, Optional

from scmcheck.model.lang.pretty import Notation
from scmcheck.traces.render import render_text

from .document import Bullets, Code, CodeLines, Figure, Heading, Link, Para, Pre, Strong, Table, Verdict
from .lifecycle_mermaid import render_lifecycle_mermaid
from .lifecycle_svg import render_lifecycle_svg

ENGINE_ORDER = ("explicit", "bmc", "fuzz", "kind", "pdr")
KIND_WORDS = {"invariant": "invariant (holds in every reachable state)",
              "leads_to": "eventually (after a trigger, eventually a goal, under fairness)",
              "time_lock": "model sanity (time can always advance)"}
VERDICT_MEANING = [
    ("violated", "a run breaks the property (for eventually-properties: a lasso that runs forever without "
                 "the goal); re-checked by replay before it is shown"),
    ("proved", "every reachable state for these parameters was checked"),
    ("bounded", "no violation in any run up to the bound; not 'holds'"),
    ("vacuous", "the property's witness is unreachable: its subject never happens in this model"),
    ("unknown", "no verdict: a budget ran out, the engine cannot decide it, or a time-lock cuts runs off"),
]


# ------------------------------------------------------------------ ids

def entry_page(prop: Any, site: Any) -> str:
    """Page id of an entry: the catalog's by id, a design's own under that design's key."""
    owner = getattr(prop, "owner", None)
    if owner is None:
        return f"entry:{prop.id}"
    for d in site.designs:
        if d.system is owner:
            return f"entry:{d.key}.{prop.id}"
    return f"entry:{prop.id}"


def design_page(d: Any) -> str:
    return f"design:{d.key}"


def rule_link(number: str, rules: dict) -> Any:
    return Link(number, f"rule:{number}") if number in rules else number


def rule_links(numbers: Any, rules: dict) -> list:
    out: list = []
    for k, n in enumerate(numbers):
        if k:
            out.append(", ")
        out.append(rule_link(n, rules))
    return out or ["none"]


def joined(items: list, sep: str = ", ") -> list:
    out: list = []
    for k, item in enumerate(items):
        if k:
            out.append(sep)
        out.append(item)
    return out


# ------------------------------------------------------------------ verdicts

def summary(results: list) -> Optional[str]:
    """One word for several engines' verdicts on one property: the strongest finding."""
    words = [r.verdict.value for r in results]
    for w in ("violated", "proved", "vacuous", "bounded", "unknown", "settled"):
        if w in words:
            return w
    return None


def verdict_cell(r: Any) -> list:
    """The verdict of one result with its figures (no timings: they go in a When)."""
    if r is None:
        return ["—"]
    out: list = [Verdict(r.verdict.value)]
    figures = []
    v = r.verdict.value
    if v == "violated" and r.trace is not None:
        kind = "lasso" if r.trace.loop is not None else "trace"
        figures.append(f"{kind} of {_steps(r.trace.length)}")
    elif v in ("proved", "vacuous") and r.states is not None:
        figures.append(f"all {r.states:,} states")
    elif r.bound is not None and v != "violated":
        figures.append(f"depth {r.bound}")
    if r.witness_note and v != "violated":
        figures.append(r.witness_note)
    if figures:
        out.append(" (" + "; ".join(figures) + ")")
    if r.reason and v in ("unknown", "vacuous"):
        out.append(": " + r.reason)
    return out


def expectation(d: Any, pid: str) -> str:
    exp = d.loaded.expect
    if pid in getattr(d.loaded, "vacuous", ()):
        return "vacuous"
    if exp is None:
        return "not labelled"
    return "violated" if pid in exp else "kept"


def as_labelled(d: Any) -> Optional[bool]:
    """Did the run find exactly the violations (and vacuous entries) the design is labelled with?"""
    if d.loaded.expect is None:
        return None
    checked = {r.property for r in d.results}
    violated = {r.property for r in d.results if r.verdict.value == "violated"}
    vacuous = {r.property for r in d.results if r.verdict.value == "vacuous"}
    return violated == set(d.loaded.expect) & checked and vacuous == set(getattr(d.loaded, "vacuous", ())) & checked


def label_text(d: Any) -> str:
    exp = d.loaded.expect
    if exp is None:
        text = "not labelled"
    else:
        text = "correct" if not exp else "violates " + ", ".join(exp)
    vac = getattr(d.loaded, "vacuous", ())
    return text + ("; vacuous: " + ", ".join(vac) if vac else "")


def engines_run(site: Any) -> list:
    return [e for e in ENGINE_ORDER if e in site.engines] + [e for e in site.engines if e not in ENGINE_ORDER]


def verdict_table(d: Any, site: Any) -> Table:
    """Property × engine for one design, with the label's expectation."""
    engines = engines_run(site)
    rows = []
    for p in d.props:
        row = [[Link(Code(p.id), entry_page(p, site))], rule_links(p.rules, site_rules(site)),
               [expectation(d, p.id)]]
        row += [verdict_cell(d.result(p.id, e)) for e in engines]
        rows.append(row)
    return Table(["property", "rules", "label says", *engines], rows, "verdicts")


def site_rules(site: Any) -> dict:
    from scmcheck.properties.rules import RULES

    return {r.number: r for r in RULES}


def run_note(site: Any) -> Para:
    from .document import When

    opts = []
    for e in engines_run(site):
        o = {k: v for k, v in (site.options.get(e) or {}).items() if v is not None}
        opts.append(e + (" (" + ", ".join(f"{k}={v}" for k, v in sorted(o.items())) + ")" if o else ""))
    return Para([f"Checked by scmcheck {site.version} on ", When(site.generated_text, site.generated),
                 " with " + "; ".join(opts) + ". Every verdict here comes from that run."], "meta")


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


# ------------------------------------------------------------------ traces

def trace_blocks(trace: Any, name: str, caption: list, alt: str, rerun: str = "", file: str = "") -> list:
    """A trace as a figure (SVG sequence diagram / Mermaid), its text, and how to get it again."""
    from scmcheck.traces.render_mermaid import render_mermaid
    from scmcheck.traces.render_svg import render_svg

    blocks: list = [Figure(name, render_svg(trace), render_mermaid(trace), caption, alt),
                    Pre(render_text(trace))]
    more: list = []
    if rerun:
        more += ["Rerun: ", Code(rerun)]
    if file:
        more += ([" · "] if more else []) + ["trace file (ITF JSON): ", Link(Code(file), f"file:{file}")]
    if more:
        blocks.append(Para(more, "meta"))
    return blocks


def first_trace(d: Any, pid: str) -> Any:
    """The counterexample to show for ``pid`` on ``d``: the first engine's (explicit: the shortest)."""
    found = d.violated(pid)
    found.sort(key=lambda r: ENGINE_ORDER.index(r.engine) if r.engine in ENGINE_ORDER else 99)
    return found[0] if found else None


def counterexample_blocks(d: Any, pid: str, level: int, title: list) -> list:
    r = first_trace(d, pid)
    if r is None or r.trace is None:
        return []
    lasso = r.trace.loop is not None
    what = "a lasso: the run loops forever without the goal" if lasso else \
        f"the last state (after step {r.trace.length}) breaks it"
    cap = [f"Shortest counterexample found by {r.engine}: ", what, "."]
    return [Heading(level, title), *trace_blocks(
        r.trace, f"cx-{d.key}-{pid}-{r.engine}", cap, f"sequence diagram of the counterexample to {pid} in {d.name}",
        d.rerun.get((pid, r.engine), ""), d.files.get((pid, r.engine), ""))]


def witness_blocks(d: Any, pid: str, witness_doc: str, level: int, title: list) -> list:
    """The witness trace of ``pid`` on ``d`` (a design that keeps it), drawn as a plain run."""
    import dataclasses

    r = d.witness.get(pid)
    if r is None or r.trace is None:
        return []
    plain = dataclasses.replace(r.trace, property=None, rules=[], focus=[], design=d.name, target=d.target)
    cap = [f"The shortest run (found by {r.engine}) to a state where the property's subject happens",
           f" ({witness_doc})" if witness_doc else "", ", in a design that keeps the property: ",
           "this is what keeping the rule looks like."]
    return [Heading(level, title), *trace_blocks(plain, f"witness-{d.key}-{pid}", cap,
                                                 f"sequence diagram of a run of {d.name} reaching the witness of {pid}")]


# ------------------------------------------------------------------ lifecycle

def lifecycle_blocks(lcs: list, owner_key: str, level: int, where: str) -> list:
    if not lcs:
        return [Heading(level, ["Lifecycle"], "lifecycle"),
                Para(["No lifecycle picture: the model has no variable for the state the outside sees."], "note")]
    out: list = [Heading(level, ["Lifecycle"], "lifecycle"),
                 Para([f"The states the outside sees in {where} and the transitions between them, from the "
                       "reachable state graph (every reachable state, explored by the explicit engine) projected "
                       "onto ", *joined([Code(lc.variable) for lc in lcs]), ". Each arrow is labelled with the "
                       "actions that take it; steps that leave the value unchanged are not drawn. Arcs above the "
                       "row go right, arcs below go back left; a double border marks a value with no way out."])]
    for lc in lcs:
        never = f"; never reached: {', '.join(lc.never)}" if lc.never else ""
        partial = "" if lc.complete else f"; partial: the search stopped at {lc.states:,} states"
        cap = [Code(lc.variable), f" — {lc.doc}" if lc.doc else "",
               f" ({lc.states:,} reachable states{never}{partial})."]
        out.append(Figure(f"lifecycle-{owner_key}-{lc.variable}", render_lifecycle_svg(lc),
                          render_lifecycle_mermaid(lc), cap, f"lifecycle of {lc.variable} in {where}"))
    return out


# ------------------------------------------------------------------ the model

def model_blocks(system: Any, level: int, knob_rows: Optional[list] = None) -> list:
    """Variables, definitions and actions of a built model, pretty-printed; and its assumptions."""
    nt = Notation.of(system)
    out: list = []
    out.append(Heading(level, ["Variables"], "variables"))
    rows = []
    for v in system.variables:
        unit = " (clock, shown in seconds)" if v.unit else ""
        rows.append([[Code(v.name)], [v.kind + unit], [v.domain_text() if not v.unit else _domain_s(v)],
                     [Code(_value(v, v.init))], [v.doc or "—"]])
    out.append(Table(["variable", "type", "domain", "initially", "meaning"], rows, "vars"))
    if system.definitions:
        out.append(Heading(level, ["Definitions"], "definitions"))
        out.append(Para(["Named conditions the catalog's entries read (", Code("System.define"),
                         "); a definition used inside another is shown by its name."]))
        out.append(Table(["name", "definition"],
                         [[[Code(n)], CodeLines(nt.lines(e, 80, root_name=n))]
                          for n, e in system.definitions.items()], "defs"))
    out.append(Heading(level, ["Actions"], "actions"))
    out.append(Para([f"{len(system.actions)} actions of {len(system.processes)} threads. An action may be taken "
                     "when its guard holds; its update assigns, all from the old state, and every variable it does "
                     "not name keeps its value. Scheduling: ", Strong("fair"), " (a thread able to move eventually "
                     "moves), ", Strong("optional"), " (may happen at any moment, or never), ",
                     Strong("environment"), " (the SCM, clients, the clock: never forced)."]))
    rows = []
    for a in system.actions:
        guard, update, where = nt.action(a, 60)
        if where:
            update = [*update, "", "where", *("  " + w for w in where)]
        rows.append([[Code(a.label)], [a.process], [_scheduling(system, a)], [a.doc or "—"],
                     CodeLines(guard), CodeLines(update or ["(nothing)"])])
    out.append(Table(["action", "thread", "scheduling", "what it does", "guard", "update"], rows, "actions"))
    if system.assumptions:
        out.append(Heading(level, ["Cut-offs the verdicts assume"], "assumptions"))
        out.append(Bullets([[a] for a in system.assumptions]))
    return out


def _scheduling(system: Any, a: Any) -> str:
    timed = a.duration > 0 or getattr(a, "elapsed_ms", None) is not None
    if a.process in system.environment:
        return "environment" + ("; lets time pass" if timed else "")
    if not a.fair:
        return "optional"
    return "fair" + ("; lets time pass" if timed else "")


def _value(v: Any, value: Any) -> str:
    if v.kind == "bool":
        return "true" if value else "false"
    if v.kind == "enum":
        return str(v.label(value))
    if v.unit:
        return f"{value * v.unit:g} s"
    return str(value)


def _domain_s(v: Any) -> str:
    return f"{v.lo * v.unit:g} s .. {v.hi * v.unit:g} s"


def knob_table(knobs: list, values: Optional[dict] = None, fixed: tuple = ()) -> Table:
    headers = ["knob", "default", "allowed", "meaning"]
    if values is not None:
        headers.insert(1, "value here")
    rows = []
    for k in knobs:
        row = [[Code(k.name)], [_knob(k.default)], [k.expected()], [k.doc]]
        if values is not None:
            mark = " (fixed by the design)" if k.name in fixed else ""
            row.insert(1, [_knob(values.get(k.name, k.default)) + mark])
        rows.append(row)
    return Table(headers, rows, "knobs")


def _knob(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "—" if value is None else str(value)
