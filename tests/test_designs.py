"""Every built-in design and catalog entry is well formed: labels name catalog
properties that apply to the design, a trace's recorded parameters rebuild the
design (what `scmcheck show` does), and every entry cites rules and applies to
some built-in design."""

from __future__ import annotations

import re

import pytest

from scmcheck.model.designs import families, registry
from scmcheck.properties.catalog import PROPERTIES, applicable
from scmcheck.targets import load

DESIGNS = list(registry().values())
EXAMPLES = [f"examples/service/{n}.py:{w}" for n in ("process_exit",) for w in ("buggy", "fixed")]
RULE = re.compile(r"^(00[034]\.\d+|model sanity)$")


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.name)
def test_design_label_and_rebuild(design):
    system = design.build({})
    applies = {p.id for p in applicable(system)}
    assert set(design.expect) <= applies, "labelled with a property that does not apply to it"
    for knob in design.fixed:
        assert knob in {k.name for k in design.family.knobs}
    params = design.parameters({})
    # A trace records every parameter; show rebuilds the design from them exactly.
    loaded = load(design.name, params, exact=True)
    assert loaded.parameters == params
    # The first lines of a model's docstring cite the rules it encodes.
    assert re.search(r"00[034]\.\d+", loaded.system.doc), f"{design.family.name} docstring cites no rule"


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda p: p.id)
def test_catalog_entry_is_complete(prop):
    assert re.match(r"^[a-z][a-z0-9_]*$", prop.id)
    assert prop.rules and all(RULE.match(r) for r in prop.rules), prop.rules
    assert prop.guarantee.endswith(".")
    assert prop.witness_doc or prop.kind == "time_lock", "every entry but the time-lock check has a witness"
    assert prop.needs or prop.kind == "time_lock", "an entry names what it reads (applicability)"
    used_by = [d.name for d in DESIGNS if prop.applies(d.build({}))]
    if not used_by:  # an entry about what only a user's design declares (svc.process_exit): a worked example
        used_by = [t for t in EXAMPLES if prop.applies(load(t).system)]
    assert used_by, f"{prop.id} applies to no built-in design and no worked example"


def test_every_family_has_a_correct_design():
    fams = {d.family.name for d in DESIGNS if not d.expect}
    assert fams == set(families())


def test_user_registered_property_is_checked_through_the_cli(capsys, tmp_path):
    """A user's own catalog entry, registered from their design file, is usable with --property."""
    from scmcheck.cli import main
    from scmcheck.properties import catalog

    src = tmp_path / "mine.py"
    src.write_text(
        "from scmcheck.model.designs import built_in\n"
        "from scmcheck.model.lang.expr import not_\n"
        "from scmcheck.properties import catalog\n"
        "from scmcheck.properties.catalog.entry import Property\n"
        "if 'workers_never_all_gone_while_running' not in catalog.CATALOG:\n"
        "    catalog.register(Property('workers_never_all_gone_while_running',\n"
        "        'While the service reports RUNNING some worker is alive.', ('000.2',),\n"
        "        lambda m: not_(m['reported'] == 3) | m['worker_alive[0]'],\n"
        "        lambda m: m['reported'] == 3, 'the service runs'))\n"
        "design = built_in('service-correct')\n")
    try:
        code = main(["check", f"{src}:design", "--property", "workers_never_all_gone_while_running",
                     "--out", str(tmp_path), "--json"])
        out = capsys.readouterr().out
        assert code == 0
        assert {r["verdict"] for r in __import__("json").loads(out)["results"]} == {"proved"}
        with pytest.raises(Exception, match="already in the catalog"):
            catalog.register(catalog.CATALOG["workers_never_all_gone_while_running"])
    finally:
        prop = catalog.CATALOG.pop("workers_never_all_gone_while_running", None)
        if prop in catalog.PROPERTIES:
            catalog.PROPERTIES.remove(prop)


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.name)
def test_every_design_is_as_labelled_with_witnesses_and_no_time_lock(design):
    """Explicit, through the same check the CLI runs: violations as labelled, vacuous verdicts only
    where labelled, no time-lock in any built-in design, every proof with its witness reached."""
    from scmcheck.properties.check import check

    system = design.build({})
    results = check(system, [p.goal(system) for p in applicable(system)], ["explicit"])
    verdicts = {r.property: r for r in results}
    assert {p for p, r in verdicts.items() if r.verdict.value == "violated"} == set(design.expect)
    assert {p for p, r in verdicts.items() if r.verdict.value == "vacuous"} == set(design.vacuous)
    assert all(r.verdict.value in ("violated", "proved", "vacuous") for r in results), \
        [(r.property, r.verdict.value, r.reason) for r in results]
    if system.timed:
        assert verdicts["time_can_advance"].verdict.value == "proved"
    for r in results:
        if r.verdict.value == "proved" and r.kind != "time_lock":
            assert r.witness_steps is not None, f"{r.property}: proved without its witness reached"
