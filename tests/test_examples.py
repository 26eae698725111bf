"""The worked examples: each file's ``buggy`` and ``fixed`` designs are as labelled, checked against
every catalog entry that applies to them, with witnesses and no time-lock (issue 8's designs 1-6;
the COM designs 7-8 are in tests/test_com_*.py).  CI runs the explicit engine; the slow variant
runs every engine."""

from __future__ import annotations

import pytest

from scmcheck.properties.catalog import applicable
from scmcheck.properties.check import check
from scmcheck.properties.result import Verdict
from scmcheck.targets import load
from scmcheck.traces.replay import replay

FILES = ["inline_stop_short_hint", "flush_retries_forever", "wrapper_child_exit", "shutdown_unsaved_data",
         "self_stop_on_error", "workers_counter_join", "process_exit"]
CASES = [(f, d) for f in FILES for d in ("buggy", "fixed")]


def _check(target: str, engines: list) -> tuple:
    loaded = load(target)
    m = loaded.system
    goals = [p.goal(m) for p in applicable(m)]
    results = check(m, goals, engines, {"bmc": {"depth": 12}, "fuzz": {"runs": 50, "seed": 1}})
    return loaded, m, results


@pytest.mark.parametrize("name,which", CASES, ids=[f"{f}:{d}" for f, d in CASES])
def test_example_is_as_labelled(name, which):
    loaded, m, results = _check(f"examples/service/{name}.py:{which}", ["explicit"])
    violated = {r.property for r in results if r.verdict == Verdict.VIOLATED}
    vacuous = {r.property for r in results if r.verdict == Verdict.VACUOUS}
    assert violated == set(loaded.expect)
    assert vacuous == set(loaded.vacuous)
    assert (which == "fixed") == (not violated)
    for r in results:
        assert r.verdict in (Verdict.PROVED, Verdict.VIOLATED, Verdict.VACUOUS), (r.property, r.reason)
        if r.verdict == Verdict.VIOLATED:
            replay(m, r.trace)  # raises if the counterexample does not re-check
        if r.verdict == Verdict.PROVED and r.property != "time_can_advance":
            assert r.witness_note.startswith("witness reached"), (r.property, r.witness_note)


@pytest.mark.slow
@pytest.mark.parametrize("name,which", CASES, ids=[f"{f}:{d}" for f, d in CASES])
def test_example_every_engine_agrees(name, which):
    loaded, m, results = _check(f"examples/service/{name}.py:{which}", ["explicit", "bmc"])
    by = {}
    for r in results:
        by.setdefault(r.property, {})[r.engine] = r
    for pid, rs in by.items():
        e, b = rs["explicit"], rs["bmc"]
        if e.verdict == Verdict.VIOLATED and e.kind == "invariant" and b.verdict == Verdict.VIOLATED:
            assert b.trace.length == e.trace.length, pid  # both shortest
        if b.verdict == Verdict.VIOLATED:
            assert e.verdict == Verdict.VIOLATED, pid
        if e.verdict in (Verdict.PROVED, Verdict.VACUOUS):
            assert b.verdict != Verdict.VIOLATED, pid
