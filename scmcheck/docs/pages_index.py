"""The index page: rules, catalog entries, model families and designs, with how to read them."""

from __future__ import annotations

from typing import Any

from scmcheck.properties.rules import RULES, SOURCES

from .document import Code, Heading, Link, Page, Para, Table, Verdict
from .pages_common import (KIND_WORDS, VERDICT_MEANING, as_labelled, design_page, entry_page, joined, label_text,
                           rule_links, run_note, site_rules)


def first_sentence(text: str) -> str:
    cut = text.find(". ")
    return text if cut < 0 else text[:cut + 1]


def index_page(site: Any) -> Page:
    rules = site_rules(site)
    if site.mode == "catalog":
        title = "scmcheck reference: the rules, the properties checked, and the built-in designs"
        intro = ("What Windows services and out-of-process COM servers must do, as scmcheck reads the Microsoft "
                 "documentation; the formal properties that check each rule; and the built-in designs, correct "
                 "and broken, with the verdicts of a real run. Everything here is generated from the checker's "
                 "own definitions, so it cannot drift from what is checked.")
    else:
        names = ", ".join(d.name for d in site.designs)
        title = f"scmcheck reference for {names}"
        intro = ("Your designs checked against the scmcheck catalog: the rules, the properties that apply to "
                 "your designs, and the verdicts of a real run.")
    page = Page("index", title)
    page.add(Para([intro]), run_note(site))
    page.add(Para(["How to read it: a ", Link("rule", "index#rules"), " is the project's numbered reading of "
                   "one requirement of a Microsoft page; ", Link("properties", "index#properties"), " (catalog "
                   "entries) state rules formally and are checked on every ", Link("design", "index#designs"),
                   " they apply to; a ", Link("model family", "index#models"), " is the parameterised model a "
                   "design sets the knobs of."]))
    page.add(Table(["verdict", "meaning"], [[[Verdict(w)], [m]] for w, m in VERDICT_MEANING], "legend"))

    # ---- rules, by document
    page.add(Heading(2, ["Rules"], "rules"))
    citing = _citing(site)
    for doc, src in SOURCES.items():
        page.add(Heading(3, [f"{doc} — {src.title}"], f"document-{doc}"))
        page.add(Para(["Source: ", Link(src.url, src.url, external=True)], "meta"))
        rows = []
        for r in (r for r in RULES if r.document == doc):
            props = citing.get(r.number, [])
            rows.append([[Link(r.number, f"rule:{r.number}")], [first_sentence(r.text)],
                         joined([Link(Code(p.id), entry_page(p, site)) for p in props]) or ["—"]])
        page.add(Table(["rule", "reading (first sentence)", "properties that check it"], rows, "rules"))

    # ---- entries
    page.add(Heading(2, ["Properties"], "properties"))
    page.add(Para(["The catalog entries that apply to the designs documented here",
                   ", then the designs' own properties" if any(getattr(p, "owner", None) for p in site.entries)
                   else "", ". ", Code("scmcheck list"), " prints the whole catalog."]))
    rows = []
    for p in site.entries:
        broken = [d for d in site.designs if d.violated(p.id) and p in d.props]
        rows.append([[Link(Code(p.id), entry_page(p, site))], [KIND_WORDS.get(p.kind, p.kind).split(" (")[0]],
                     rule_links(p.rules, rules), [p.guarantee],
                     joined([Link(d.name, design_page(d)) for d in broken]) or ["none"]])
    page.add(Table(["property", "kind", "rules", "guarantee", "violated by"], rows, "entries"))

    # ---- model families
    page.add(Heading(2, ["Models"], "models"))
    if not site.families:
        page.add(Para(["The documented designs are models of their own: each design's page describes its "
                       "model."], "note"))
    else:
        rows = [[[Link(Code(f.family.name), f"family:{f.family.name}")], [f.family.doc],
                 [str(len(f.designs))]] for f in site.families]
        page.add(Table(["model family", "what it models", "designs here"], rows, "families"))

    # ---- designs
    page.add(Heading(2, ["Designs"], "designs"))
    rows = []
    for d in site.designs:
        ok = as_labelled(d)
        mark = [Verdict("as labelled")] if ok else [Verdict("differs from its label")] if ok is False else ["—"]
        model = [Link(Code(d.family.name), f"family:{d.family.name}")] if d.family is not None and \
            any(f.family is d.family for f in site.families) else [Code(d.system.name)]
        violated = sorted({r.property for r in d.results if r.verdict.value == "violated"})
        rows.append([[Link(d.name, design_page(d))], model, [label_text(d)], mark,
                     joined([Code(v) for v in violated]) or ["none"]])
    page.add(Table(["design", "model", "label", "run", "violated"], rows, "designs"))
    return page


def _citing(site: Any) -> dict:
    out: dict = {}
    for p in site.entries:
        for n in p.rules:
            out.setdefault(n, []).append(p)
    return out
