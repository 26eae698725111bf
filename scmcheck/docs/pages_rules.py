"""One page per documented rule (properties/rules.py): the reading, its source, the properties that
check it, and which documented designs keep it."""

from __future__ import annotations

from typing import Any

from scmcheck.properties.rules import RULES

from .document import Code, Heading, Link, Page, Para, Strong, Table, Verdict
from .pages_common import KIND_WORDS, counterexample_blocks, design_page, entry_page, summary, witness_blocks
from .pages_entries import applying, by_model, formal_blocks


def rule_pages(site: Any) -> list[Page]:
    return [_rule_page(r, site) for r in RULES]


def _rule_page(rule: Any, site: Any) -> Page:
    page = Page(f"rule:{rule.number}", f"Rule {rule.number}", parent="index#rules", section="Rules")
    page.add(Para([Strong(rule.text)]))
    page.add(Para(["Source: ", Link(rule.source_title, rule.source_url, external=True), " (document ",
                   rule.document, "). This is the project's numbered reading of the page, written to be "
                   "formalised; where it and the page differ, the page wins."], "meta"))
    props = [p for p in site.entries if rule.number in p.rules]
    page.add(Heading(2, ["Properties that check it"], "properties"))
    if not props:
        page.add(Para(["No property that applies to the designs documented here cites this rule. It is "
                       "part of the project's reading so that every number resolves; rules that describe "
                       "what COM or the SCM provide are checked through the rules that build on them."], "note"))
        return page
    page.add(Table(["property", "kind", "guarantee"],
                   [[[Link(Code(p.id), entry_page(p, site))], [KIND_WORDS.get(p.kind, p.kind)], [p.guarantee]]
                    for p in props], "entries"))

    for p in props:
        page.add(*_property_section(p, site))

    page.add(Heading(2, ["Which designs keep it"], "designs"))
    page.add(Para(["A design keeps the rule when no engine found a violation of any property above that "
                   "applies to it. One cell per property: the strongest finding of the engines run."]))
    rows = []
    for d in site.designs:
        mine = [p for p in props if p in d.props]
        if not mine:
            continue
        cells = []
        broken = False
        for p in props:
            if p not in d.props:
                cells.append(["does not apply"])
                continue
            word = summary([r for r in d.results if r.property == p.id])
            broken = broken or word == "violated"
            cells.append([Verdict(word)] if word else ["—"])
        settled = all(summary([r for r in d.results if r.property == p.id]) in ("proved", "bounded") for p in mine)
        verdict = "breaks it" if broken else "keeps it" if settled else "not settled"
        rows.append([[Link(d.name, design_page(d))], [Verdict(verdict)], *cells])
    if rows:
        page.add(Table(["design", "rule", *[p.id for p in props]], rows, "keeps"))
    else:
        page.add(Para(["None of the documented designs has a model these properties apply to."], "note"))
    return page


def _property_section(p: Any, site: Any) -> list:
    """One citing property: its formal statement, a run that breaks it and one that keeps it."""
    designs = applying(p, site)
    out: list = [Heading(3, ["Checked by ", Link(Code(p.id), entry_page(p, site))]), Para([p.guarantee])]
    reps = by_model(designs)
    if reps:
        out += formal_blocks(p, reps)
    broken = next((d for d in designs if d.violated(p.id)), None)
    if broken is not None:
        out += counterexample_blocks(broken, p.id, 4, ["A run that breaks it: ", Link(broken.name, design_page(broken))])
    keeping = next((d for d in designs if p.id in d.witness), None)
    if keeping is not None:
        out += witness_blocks(keeping, p.id, p.witness_doc, 4,
                              ["A run that keeps it: ", Link(keeping.name, design_page(keeping))])
    if broken is None and keeping is None:
        out.append(Para(["No documented design breaks it, and none reaches its witness while keeping it."], "note"))
    return out
