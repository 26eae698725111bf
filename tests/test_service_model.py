"""The service stop model pinned: state counts, verdicts and shortest lengths per
built-in design and worker count, with explicit and bmc equal and fuzz finding
every violation; every catalog witness is reachable in the correct design."""

from __future__ import annotations

import pytest

from scmcheck.model.designs import registry
from scmcheck.properties import catalog
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.properties.engines.common import violation_of
from scmcheck.traces import replay

# design -> (reachable states for workers = 1, 2, 3; {violated property: length of explicit's trace}).
# Invariant traces are shortest; a lasso (stop_reaches_stopped) is explicit's, not necessarily the
# shortest, so only its verdict is pinned (None).
#
# The state counts, by time_point (model/lang/clock.py), at a deadline + tick_early + tick_late:
#   service-correct                      26+14+14, 46+24+24, 86+44+44
#   service-stopped-before-workers-exit  40+26+26, 72+46+46, 136+86+86
#   service-no-stop-progress             26+17+15, 42+27+25, 74+47+45
#   service-worker-never-exits           36+23+21, 60+39+37, 108+69+67
#   service-stop-work-in-handler         47+15+15, 69+21+21, 113+33+33
# In service-correct every deadline the clock reaches lies on the old 10 s grid (10 s reports, 20 s of
# work, the 30 s exit limit), so its states at a deadline are exactly the old counts (26, 46, 86); to
# those tick_early and tick_late add the first and the last millisecond of each interval in which a
# worker may exit (a step that may happen at any moment before its deadline), each state keeping its
# time_point through the zero-time steps that follow.  The SCM's hang check (since_progress > 20 s)
# makes the first millisecond past the 20 s wait hint a deadline too, off the old grid, reached where a
# report is missed or late: hence more states at deadlines in the other designs.
# The lengths: a hang is declared at the first millisecond past the 20 s hint (tick to 20 s where the
# work ends, main_finish_work, tick to 20.001 s, scm_declare_hang: 7 steps; with 10 s ticks the SCM
# saw it at 30 s, 8 steps).  The handler limit is broken by the tick to 30.001 s (9 steps, as before).
PINNED = {
    "service-correct": ((54, 94, 174), {}),
    "service-stopped-before-workers-exit": (
        (92, 164, 308), {"stopped_only_after_threads_exit": 7, "reported_state_matches_actual": 7}),
    "service-no-stop-progress": ((58, 94, 166), {"pending_progress_within_wait_hint": 7}),
    "service-worker-never-exits": ((80, 136, 244), {"pending_progress_within_wait_hint": 7, "stop_reaches_stopped": None}),
    "service-stop-work-in-handler": ((77, 111, 179), {"handler_returns_within_30s": 9}),
}
CASES = [(name, w) for name in PINNED for w in (1, 2, 3)]


def _setup(name: str, workers: int):
    design = registry()[name]
    system = design.build({"workers": workers})
    goals = [p.goal(system) for p in catalog.applicable(system)]
    return design, system, goals


def test_every_service_design_is_pinned():
    assert {n for n, d in registry().items() if d.family.name == "service"} == set(PINNED)


@pytest.mark.parametrize("name,workers", CASES)
def test_explicit_state_count_and_verdicts(name, workers):
    design, system, goals = _setup(name, workers)
    counts, lengths = PINNED[name]
    # A goal that always holds makes explicit exhaust the space: the full state count (without
    # symmetry: with it, one state per orbit of the workers, tests/test_symmetry.py).
    full = explicit.run(system, [CATALOG["no_control_after_stop"].goal(system)], symmetry=False)[0]
    assert full.verdict.value == "proved" and full.states == counts[workers - 1]
    results = explicit.run(system, goals)
    got = {r.property: r.trace.length if r.kind == "invariant" else None
           for r in results if r.verdict.value == "violated"}
    assert got == lengths
    assert set(got) == set(design.expect)
    for r in results:
        assert r.verdict.value in ("violated", "proved")
        if r.trace is not None:
            replay(system, r.trace, violates=violation_of(CATALOG[r.property].goal(system)))


# BMC's bit-vectors hold milliseconds now: one worker count runs by default, the others with -m slow,
# and the depth is one past the longest pinned counterexample (9), where it was 16 (a minute per case
# at 16, for the same verdicts).
BMC_DEPTH = 10
BMC_CASES = [pytest.param(n, w, marks=[pytest.mark.slow] if w > 1 else []) for n, w in CASES]


@pytest.mark.parametrize("name,workers", BMC_CASES)
def test_bmc_agrees_with_explicit(name, workers):
    _, system, goals = _setup(name, workers)
    _, lengths = PINNED[name]
    results = bmc.run(system, goals, depth=BMC_DEPTH)
    for r in results:
        if r.property == "time_can_advance":
            # BMC only proposes time-lock candidates: it never contradicts explicit's "proved".
            assert r.verdict.value in ("bounded", "unknown"), r.reason
        elif r.property in lengths and r.kind == "leads_to":
            assert r.verdict.value == "violated" and r.trace.loop is not None
        elif r.property in lengths:
            assert r.verdict.value == "violated" and r.trace.length == lengths[r.property] == r.bound
        else:
            # The SCM restarts a stopped service, so runs are unbounded: bmc can only say "bounded".
            assert r.verdict.value == "bounded" and r.bound == BMC_DEPTH


# Random search takes seconds per case; one worker count runs by default, the others with -m slow.
FUZZ_CASES = [pytest.param(n, w, marks=[pytest.mark.slow] if w > 1 else []) for n, w in CASES if PINNED[n][1]]


@pytest.mark.parametrize("name,workers", FUZZ_CASES)
def test_fuzz_finds_every_violation(name, workers):
    _, system, goals = _setup(name, workers)
    _, lengths = PINNED[name]
    wanted = [g for g in goals if g.id in lengths and g.kind == "invariant"]
    for r in fuzz.run(system, wanted, depth=30):
        assert r.verdict.value == "violated", r.reason
        assert r.trace.length >= lengths[r.property]
        replay(system, r.trace, violates=violation_of(CATALOG[r.property].goal(system)))


@pytest.mark.parametrize("workers", [1, 3])
def test_witnesses_reachable_in_correct_design(workers):
    _, system, _ = _setup("service-correct", workers)
    goals = [p.witness_goal(system) for p in catalog.applicable(system) if p.witness is not None]
    for r in explicit.run(system, goals):
        assert r.verdict.value == "violated", f"witness of {r.property} unreachable: the property may pass vacuously"


@pytest.mark.slow  # BMC to depth 30 over millisecond timers: minutes (test_bmc_agrees_with_explicit runs by default)
def test_correct_design_proved_by_explicit_bounded_by_bmc_at_30():
    _, system, goals = _setup("service-correct", 3)
    # safety is checked up to the workers' symmetry (94 states); liveness always on the full graph (174)
    liveness = ("stop_reaches_stopped", "start_reaches_running")
    assert all(r.verdict.value == "proved" and r.states == (174 if r.property in liveness else 94)
               for r in explicit.run(system, goals))
    assert all(r.verdict.value == "bounded" and r.bound == 30 for r in bmc.run(system, goals, depth=30)
               if r.property != "time_can_advance")


def test_counterexample_timestamps_use_the_documented_seconds():
    _, system, goals = _setup("service-stop-work-in-handler", 1)
    (r,) = [r for r in explicit.run(system, goals) if r.trace is not None]
    # 30 s is the documented handler limit: the violation shows at the first millisecond past it.
    assert r.trace.steps[-1].time == 30.001
    assert r.trace.why()["handler_elapsed"] == "30.001s"
