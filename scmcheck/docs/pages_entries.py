"""One page per property (catalog entry, or a design's own): the guarantee, the formal property in
readable notation, its witness, the names it reads, verdicts, counterexamples and witness traces."""

from __future__ import annotations

from typing import Any

from scmcheck.model.lang.pretty import Notation, reads

from .document import Bullets, Code, CodeLines, Heading, Link, Page, Para, Strong, Table
from .pages_common import (KIND_WORDS, counterexample_blocks, design_page, engines_run, entry_page, expectation,
                           joined, rule_links, site_rules, verdict_cell, witness_blocks)


def entry_pages(site: Any) -> list[Page]:
    return [_entry_page(p, site) for p in site.entries]


def applying(prop: Any, site: Any) -> list:
    return [d for d in site.designs if any(q is prop for q in d.props)]


def by_model(designs: list) -> dict:
    """One representative design per model (system name), in order."""
    out: dict = {}
    for d in designs:
        out.setdefault(d.system.name, d)
    return out


def _formal(prop: Any, system: Any) -> list:
    """(label, lines) pairs of the formal property on ``system``."""
    nt = Notation.of(system)
    goal = prop.goal(system)
    if goal.time_lock:
        return [("", ["from every reachable state, a state where time may pass is reachable by zero-time "
                      "steps that are sure to happen (no reachable time-lock)"])]
    if goal.leads_to is not None:
        lt = goal.leads_to
        parts = [("after", nt.lines(lt.trigger, 76)), ("eventually", nt.lines(lt.goal, 76))]
        exprs = [lt.trigger, lt.goal]
        if not (lt.hold.op == "const" and lt.hold.args[0] is True):
            parts.append(("unless the run's loop keeps", nt.lines(lt.hold, 76)))
            exprs.append(lt.hold)
    else:
        parts = [("in every reachable state", nt.lines(goal.invariant, 76))]
        exprs = [goal.invariant]
    return parts + [(f"where {name} is", nt.lines(system.definitions[name], 76, root_name=name))
                    for name in _definitions_read(exprs, nt, system)]


def _definitions_read(exprs: list, nt: Any, system: Any, limit: int = 8) -> list:
    """The definitions the printed formula names, and those their bodies name, in order of appearance."""
    out: list = []
    queue = list(exprs)
    while queue and len(out) < limit:
        e = queue.pop(0)
        _, names = reads(e, nt)
        for name in sorted(names):
            if name not in out and name in system.definitions and len(out) < limit:
                out.append(name)
                queue.append(system.definitions[name])
    return out


def formal_blocks(prop: Any, reps: dict) -> list:
    """The formal property, once per distinct rendering across the models it applies to."""
    seen: dict = {}
    for name, d in reps.items():
        key = repr(_formal(prop, d.system))
        seen.setdefault(key, (_formal(prop, d.system), []))[1].append(name)
    out: list = []
    for parts, models in seen.values():
        if len(seen) > 1:
            out.append(Para(["In model", "s " if len(models) > 1 else " ", *joined([Code(m) for m in models]),
                             ":"]))
        rows = [[[label], CodeLines(lines)] for label, lines in parts]
        out.append(Table(["", "formula"], rows, "formal"))
    return out


def _witness_lines(prop: Any, reps: dict) -> list:
    out: list = []
    seen: dict = {}
    for name, d in reps.items():
        w = prop.goal(d.system).witness
        if w is None:
            continue
        text = tuple(Notation.of(d.system).lines(w, 76))
        seen.setdefault(text, []).append(name)
    for text, models in seen.items():
        label = ["in ", *joined([Code(m) for m in models])] if len(seen) > 1 else ["reachable"]
        out.append([label, CodeLines(list(text))])
    return out


def _reads_table(prop: Any, reps: dict) -> Table:
    """The variables and definitions the property reads, with their meaning in each model."""
    rows = []
    for model, d in reps.items():
        system = d.system
        nt = Notation.of(system)
        goal = prop.goal(system)
        exprs = [e for e in (goal.invariant, goal.witness,
                             *((goal.leads_to.trigger, goal.leads_to.goal, goal.leads_to.hold)
                               if goal.leads_to is not None else ())) if e is not None]
        names_v: set = set()
        names_d: set = set()
        for e in exprs:
            v, dfs = reads(e, nt)
            names_v |= v
            names_d |= dfs
        names = list(prop.needs) or sorted(names_v | names_d)
        names += sorted((names_v | names_d) - {n.replace("[i]", "[0]") for n in names} - set(prop.needs))
        for name in names:
            probe = name.replace("[i]", "[0]")
            if probe in system.definitions:
                rows.append([[Code(name)], [Code(model)], ["definition"],
                             CodeLines(nt.lines(system.definitions[probe], 70, root_name=probe))])
            elif system.has(probe):
                v = system.variable(probe)
                rows.append([[Code(name)], [Code(model)], [f"variable ({v.domain_text()})"], [v.doc or "—"]])
    return Table(["name", "model", "kind", "meaning"], rows, "reads")


def _entry_page(prop: Any, site: Any) -> Page:
    rules = site_rules(site)
    own = getattr(prop, "owner", None) is not None
    page = Page(entry_page(prop, site), prop.id, parent="index#properties", section="Properties")
    page.add(Para([Strong(prop.guarantee)]))
    meta: list = ["Kind: ", KIND_WORDS.get(prop.kind, prop.kind), ". Rules: ", *rule_links(prop.rules, rules), "."]
    if own:
        meta += [" A property of the design itself, declared at ", Code(_here(prop.declared_at)), "."]
    page.add(Para(meta, "meta"))
    if prop.sources:
        page.add(Para(["The formalisation follows: ",
                       *joined([Link(u, u, external=True) for u in prop.sources])], "meta"))
    designs = applying(prop, site)
    reps = by_model(designs)
    if not reps:
        page.add(Para(["It applies to none of the documented designs."], "note"))
        return page

    page.add(Heading(2, ["Formal property"], "formal-property"))
    if prop.kind == "leads_to":
        page.add(Para(["Checked under weak fairness per thread (a thread that stays able to move eventually "
                       "moves; optional steps are never forced), time progress, and no fairness for the "
                       "environment. A counterexample is a lasso: a run that reaches the trigger and then "
                       "loops forever without the goal."]))
    page.add(*formal_blocks(prop, reps))
    page.add(Heading(2, ["Witness"], "witness"))
    wl = _witness_lines(prop, reps)
    if wl:
        page.add(Para(["A state that must be reachable for a verdict to mean anything",
                       f": {prop.witness_doc}." if prop.witness_doc else ".", " If it is unreachable the verdict "
                       "is vacuous: the property's subject never happens."]))
        page.add(Table(["", "witness"], wl, "formal"))
    else:
        page.add(Para(["No witness is given for this property."], "note"))

    page.add(Heading(2, ["What a model must provide"], "reads"))
    needs = list(prop.needs)
    if own:
        page.add(Para(["It reads the names below; it applies only to the design that declares it."]))
    elif needs:
        page.add(Para(["The property applies to a model that has every one of these names: ",
                       *joined([Code(n) for n in needs]), ". A design of your own reuses the entry by declaring "
                       "the variables and defining the rest with ", Code("System.define(name, ...)"),
                       ". Their meaning in the models documented here:"]))
    else:
        page.add(Para(["It applies to every timed model (one with a clock)."]))
    page.add(_reads_table(prop, reps))

    page.add(Heading(2, ["Verdicts"], "verdicts"))
    engines = engines_run(site)
    rows = [[[Link(d.name, design_page(d))], [Code(d.system.name)], [expectation(d, prop.id)],
             *[verdict_cell(d.result(prop.id, e)) for e in engines]] for d in designs]
    page.add(Table(["design", "model", "label says", *engines], rows, "verdicts"))

    broken = [d for d in designs if d.violated(prop.id)]
    page.add(Heading(2, ["Counterexamples"], "counterexamples"))
    if not broken:
        page.add(Para(["No documented design violates it."], "note"))
    for d in broken:
        page.add(*counterexample_blocks(d, prop.id, 3, ["In ", Link(d.name, design_page(d))]))

    keeping = [d for d in designs if prop.id in d.witness]
    page.add(Heading(2, ["What keeping it looks like"], "keeping"))
    if not keeping:
        page.add(Para(["No witness trace: no documented design keeps it with a reachable witness"
                       + (" (the property gives no witness)." if not wl else ".")], "note"))
    for d in keeping:
        page.add(*witness_blocks(d, prop.id, prop.witness_doc, 3, ["In ", Link(d.name, design_page(d))]))
    if keeping:
        page.add(Bullets([["Designs that keep it: ",
                           *joined([Link(d.name, design_page(d)) for d in designs if d.keeps(prop.id)])]]))
    return page


def _here(where: str) -> str:
    """``where`` with the working folder left out, so the page does not depend on where the checkout is."""
    import os

    cwd = os.getcwd().rstrip(os.sep) + os.sep
    return where[len(cwd):] if where.startswith(cwd) else where
