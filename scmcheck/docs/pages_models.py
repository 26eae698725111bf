"""Pages for model families and designs: knobs, the verdict table, the lifecycle, counterexamples,
and the model itself (variables, definitions, actions), pretty-printed."""

from __future__ import annotations

from typing import Any

from .document import Bullets, Code, Heading, Link, Page, Para, Pre, Table, Verdict
from .pages_common import (as_labelled, counterexample_blocks, design_page, entry_page, joined, knob_table,
                           label_text, lifecycle_blocks, model_blocks, run_note, verdict_table)


def family_pages(site: Any) -> list[Page]:
    return [_family_page(f, site) for f in site.families]


def design_pages(site: Any) -> list[Page]:
    return [_design_page(d, site) for d in site.designs]


def _family_page(f: Any, site: Any) -> Page:
    fam = f.family
    page = Page(f"family:{fam.name}", f"Model family {fam.name}", parent="index#models", section="Models")
    page.add(Para([fam.doc]))
    page.add(Heading(2, ["Knobs"], "knobs"))
    page.add(Para(["A design sets these (", Code("--param NAME=VALUE"), ", or a design file with ",
                   Code(f'model = "{fam.name}"'), ")."]))
    page.add(knob_table(list(fam.knobs)))
    page.add(Heading(2, ["Designs"], "designs"))
    members = [d for d in site.designs if d.key in f.designs]
    if members:
        rows = []
        for d in members:
            ok = as_labelled(d)
            rows.append([[Link(d.name, design_page(d))], [label_text(d)],
                         [Verdict("as labelled")] if ok else [Verdict("differs from its label")] if ok is False
                         else ["—"], [d.doc]])
        page.add(Table(["design", "label", "run", "what it is"], rows, "designs"))
    else:
        page.add(Para(["No design of this family is documented here."], "note"))
    page.add(*lifecycle_blocks(f.lifecycles, f"model-{fam.name}", 2, f"model {fam.name} with its default knobs"))
    page.add(Heading(2, ["The model, with its default knobs"], "model"))
    if f.system.doc.strip():
        page.add(Pre(f.system.doc.strip()))
    page.add(*model_blocks(f.system, 3))
    return page


def _design_page(d: Any, site: Any) -> Page:
    page = Page(design_page(d), d.name, parent="index#designs", section="Designs")
    page.add(Para([d.doc.strip().split("\n\n")[0] if not d.builtin else d.doc]))
    model = [Link(Code(d.family.name), f"family:{d.family.name}")] if d.family is not None and \
        any(f.family is d.family for f in site.families) else [Code(d.system.name)]
    ok = as_labelled(d)
    meta: list = ["Model: ", *model, ". Label: ", label_text(d), ". Check it: ", Code(f"scmcheck check {d.target}"),
                  "."]
    page.add(Para(meta, "meta"))
    rest = d.doc.strip().split("\n\n", 1)[1:] if not d.builtin else []
    if rest and rest[0].strip():
        page.add(Pre(rest[0].strip("\n")))

    page.add(Heading(2, ["Verdicts"], "verdicts"))
    page.add(run_note(site))
    if ok is not None:
        page.add(Para([Verdict("as labelled") if ok else Verdict("differs from its label"),
                       ": the run found " + ("exactly the violations and vacuous properties the label names."
                                             if ok else "other violations or vacuous properties than its label "
                                             "names; see the table.")], "good" if ok else "bad"))
    if d.props:
        page.add(verdict_table(d, site))
        assumed: dict = {}
        for r in d.results:
            for a in r.assumptions:
                if not a.startswith("bound:"):
                    assumed.setdefault(a, None)
        if assumed:
            page.add(Para(["What the verdicts assume:"]), Bullets([[a] for a in assumed]))
    else:
        page.add(Para(["No catalog property applies to this model."], "note"))

    knobs = d.knobs
    page.add(Heading(2, ["Knobs"], "knobs"))
    if knobs:
        page.add(knob_table(knobs, d.loaded.parameters, d.fixed))
    else:
        page.add(Para(["No knobs."], "note"))
    extra = {k: v for k, v in d.loaded.parameters.items() if k not in {kb.name for kb in knobs}}
    if extra:
        page.add(Para(["Other parameters the build records: ",
                       *joined([Code(f"{k}={_text(v)}") for k, v in extra.items()])], "meta"))

    page.add(*lifecycle_blocks(d.lifecycles, d.key, 2, f"design {d.name}"))

    broken = [p for p in d.props if d.violated(p.id)]
    page.add(Heading(2, ["Counterexamples"], "counterexamples"))
    if not broken:
        page.add(Para(["No engine found a violation."], "note"))
    for p in broken:
        page.add(*counterexample_blocks(d, p.id, 3, [Link(Code(p.id), entry_page(p, site))]))

    page.add(Heading(2, ["The model"], "model"))
    page.add(*model_blocks(d.system, 3))
    return page


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
