"""The control-handler model (model/families/controls.py, rules 003.1-003.6) and users' own designs.

Every built-in ``controls-*`` design is held to its label with pinned shortest
counterexample lengths (computed by running the engines, then pinned): explicit
and BMC agree, fuzz finds every violation, witnesses are reachable in the
correct designs, the documented 30 s shows in parameters and timestamps, and
the two worked examples in examples/service/ load and check as documented.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from scmcheck.model.designs import Design, built_in, registry
from scmcheck.model.lang.errors import InputError
from scmcheck.model.windows.scm import Control, SvcState
from scmcheck.properties import catalog
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "service"

# design -> {property: shortest counterexample length} at the default knobs; None for a liveness
# property (a lasso: explicit's is not necessarily the shortest, so only the verdict is pinned).
PINNED = {
    "controls-correct": {},
    "controls-correct-xp-scm": {},
    "controls-stop-work-in-handler": {"handler_returns_within_30s": 13},
    "controls-pause-unreported": {"state_change_reported_by_handler": 6, "reported_state_matches_actual": 7,
                                  "pending_progress_within_wait_hint": 11},
    # INTERROGATE is not sent while START_PENDING (ControlService), so it first reaches a running service.
    "controls-ignores-interrogate": {"interrogate_always_answered": 6},
    # An INTERROGATE answer is judged by interrogate_reports_current_state, not by the false_report
    # monitor: the stale answer (step 8) breaks reported_state_matches_actual only when it comes after
    # ServiceMain paused (step 8 main_pause, step 9 the answer), and then time may pass on it.
    "controls-stale-interrogate-when-paused": {"interrogate_reports_current_state": 8,
                                               "reported_state_matches_actual": 9},
    # STOP ignored at step 6 (t=20 s); one tick jumps to the first millisecond past the 30 s the
    # handler has to acknowledge it (stop_unacked's deadline, t=50.001 s): 7 steps (with 10 s ticks
    # it took 4 ticks, so shorter paths through PAUSED or INTERROGATE won at 9 and 8).
    "controls-ignores-stop": {"stop_accepted_leads_to_stop_pending": 7, "stop_reaches_stopped": None},
    "controls-ignores-stop-xp": {"stop_accepted_leads_to_stop_pending": 7, "no_control_after_stop": 7,
                                 "stop_reaches_stopped": None},
    # One tick to the first millisecond past the 20 s start hint (since_progress's deadline), then the
    # SCM declares the hang: 2 steps (with 10 s ticks: 3 ticks to 30 s).
    "controls-no-start-progress": {"pending_progress_within_wait_hint": 2},
    # Correct since the SCM follows ControlService: a control sent while accepted and delivered after the
    # service withdrew it is the SCM's race, not the service's fault (003.3).
    "controls-self-stop-races-control": {},
}
DESIGNS = [n for n in registry() if n.startswith("controls-")]


def _lengths(results) -> dict:
    return {r.property: r.trace.length if r.kind == "invariant" else None
            for r in results if r.verdict.value == "violated"}


def _goals(d: Design, params: dict = {}):
    m = d.build(params)
    return m, [p.goal(m) for p in catalog.applicable(m)]


def _depth(pinned: dict) -> int:
    return max([v for v in pinned.values() if v is not None] + [12])


def test_every_design_is_pinned():
    assert set(DESIGNS) == set(PINNED)
    for name in DESIGNS:
        assert set(PINNED[name]) == set(built_in(name).expect), name


@pytest.mark.parametrize("name", DESIGNS)
def test_explicit_verdicts_and_lengths(name):
    d = built_in(name)
    m, goals = _goals(d)
    res = explicit.run(m, goals)
    assert _lengths(res) == PINNED[name]
    assert all(r.verdict.value in ("violated", "proved") for r in res)


@pytest.mark.parametrize("name", [n for n in DESIGNS if PINNED[n]])
def test_bmc_finds_the_same_shortest_violations(name):
    d = built_in(name)
    m = d.build({})
    res = bmc.run(m, [CATALOG[p].goal(m) for p in d.expect], depth=_depth(PINNED[name]))
    assert _lengths(res) == PINNED[name]


def test_bmc_finds_nothing_in_the_correct_design():
    d = built_in("controls-correct")
    m, goals = _goals(d)
    res = bmc.run(m, goals, depth=12)
    assert {r.verdict.value for r in res if r.property != "time_can_advance"} == {"bounded"}


@pytest.mark.slow
@pytest.mark.parametrize("name", DESIGNS)
def test_bmc_agrees_on_every_property(name):
    d = built_in(name)
    m, goals = _goals(d)
    res = bmc.run(m, goals, depth=16)
    assert _lengths(res) == PINNED[name]


FUZZ_FAST = ["controls-ignores-interrogate", "controls-no-start-progress", "controls-ignores-stop"]


# Violations random search rarely hits, searched for on their own with more runs.  In
# controls-pause-unreported the hang needs an INTERROGATE between the handler's PAUSE_PENDING and
# ServiceMain's pause, both at once (the answer re-reports PAUSE_PENDING with the RUNNING report's
# zero wait hint).  With three clock steps to choose from (tick, tick_early, tick_late) the shared
# search of 300 runs no longer reaches it; alone it is found at run 1,338 here (Hypothesis's draws also
# depend on the constants of the loaded modules, so the count moves between contexts: 807 in a bare
# script).  The 10 s clock needed about as many alone (run 828); the shared search used to find it
# only in its third search.  3,000 runs leave a margin; the search stops at the first find.
FUZZ_ALONE = {("controls-pause-unreported", "pending_progress_within_wait_hint"): 3000}


def _fuzz_finds_all(name: str) -> None:
    d = built_in(name)
    m = d.build({})
    wanted = [CATALOG[p].goal(m) for p in d.expect if CATALOG[p].kind == "invariant"]
    alone = [g for g in wanted if (name, g.id) in FUZZ_ALONE]
    shared = [g for g in wanted if g not in alone]
    res = fuzz.run(m, shared, runs=300 if len(wanted) > 2 else 100, depth=30) if shared else []
    for g in alone:
        res += fuzz.run(m, [g], runs=FUZZ_ALONE[(name, g.id)], depth=30)
    assert {r.property for r in res if r.verdict.value == "violated"} == {g.id for g in wanted}
    for r in res:
        assert r.trace.length >= PINNED[name][r.property]


@pytest.mark.parametrize("name", FUZZ_FAST)
def test_fuzz_finds_every_violation(name):
    _fuzz_finds_all(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in DESIGNS if PINNED[n] and n not in FUZZ_FAST])
def test_fuzz_finds_every_violation_slow(name):
    _fuzz_finds_all(name)


@pytest.mark.parametrize("name", ["controls-correct", "controls-correct-xp-scm"])
def test_witnesses_reachable_in_correct_designs(name):
    d = built_in(name)
    m = d.build({})
    res = explicit.run(m, [p.witness_goal(m) for p in catalog.applicable(m) if p.witness is not None])
    assert [r.verdict.value for r in res] == ["violated"] * len(res), [(r.property, r.verdict.value) for r in res]


def test_every_control_code_and_state_is_reached():
    m = built_in("controls-correct").build({})
    g = explicit.reachable_states(m)
    codes = {s[m["control"].index] for s in g}
    states = {s[m["state"].index] for s in g}
    assert codes == {int(c) for c in Control} - {Control.SHUTDOWN, Control.PRESHUTDOWN}
    assert states == {int(s) for s in SvcState}


def test_handler_limit_in_parameters_and_timestamps():
    m = built_in("controls-stop-work-in-handler").build({})
    assert m.parameters["stop_work_s"] == 60 and "30 seconds" in CATALOG["handler_returns_within_30s"].guarantee
    t = explicit.run(m, [CATALOG["handler_returns_within_30s"].goal(m)])[0].trace
    took = [s for s in t.steps if s.action == "handler_accept_stop"][0].time
    # the first millisecond past 30 s (the deadline of handler_elapsed <= 30 s)
    assert t.steps[-1].action == "tick" and round((t.steps[-1].time - took) * 1000) == 30_001
    # every earlier step comes at a progress report, each 10 s apart (the clock jumps between them)
    assert all(round(s.time * 1000) % 10_000 == 0 for s in t.steps[:-1])


def test_start_wait_hint_in_timestamps():
    # 60 s of start-up, one START_PENDING with a 20 s hint: the SCM gives up at the first
    # millisecond past the hint (000.4).
    m = built_in("controls-no-start-progress").build({})
    t = explicit.run(m, [CATALOG["pending_progress_within_wait_hint"].goal(m)])[0].trace
    assert t.steps[-1].action == "scm_declare_hang" and round(t.steps[-1].time * 1000) == 20_001


def test_xp_scm_only_matters_to_a_service_that_keeps_running():
    for name, params, violated in (("controls-correct", {"windows": "xp"}, False),
                                   ("controls-ignores-stop", {}, False),
                                   ("controls-ignores-stop-xp", {}, True)):
        d = built_in(name)
        m = d.build(params)
        r = explicit.run(m, [CATALOG["no_control_after_stop"].goal(m)])[0]
        assert (r.verdict.value == "violated") == violated, name


def test_bad_input_names_the_knob():
    # reports slower than the hint are a design mistake the checker finds, not bad input
    built_in("controls-correct").build({"report_every_s": 30})
    with pytest.raises(InputError, match="stop_work_s"):
        built_in("controls-correct").build({"stop_work_s": 25.0005})  # finer than a millisecond
    with pytest.raises(InputError, match="stop_work_s"):
        built_in("controls-correct").build({"stop_work_s": 601})  # out of range
    with pytest.raises(InputError, match="handler"):
        built_in("controls-stop-work-in-handler").build({"handler": "thread"})


def test_reports_slower_than_the_wait_hint_are_found_to_the_millisecond():
    # report_every_s > wait_hint_s is a design mistake the checker finds (000.4): with 60 s of
    # start-up and a 20 s hint, a report every 20 s is in time and one every 20.001 s is not -- the SCM
    # declares the hang at the first millisecond past the hint.
    for every, violated in ((20, False), (20.001, True), (30, True)):
        m = built_in("controls-correct").build({"report_every_s": every, "start_work_s": 60})
        r = explicit.run(m, [CATALOG["pending_progress_within_wait_hint"].goal(m)])[0]
        assert (r.verdict.value == "violated") == violated, every
        if violated:
            assert [(s.action, s.time) for s in r.trace.steps] == [("tick", 20.001), ("scm_declare_hang", 20.001)]


# ---------------------------------------------------------------- the worked examples


def _load(file: str):
    path = EXAMPLES / file
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


EXAMPLE_CASES = [
    # The hand-off of Go's x/sys/svc and .NET ServiceBase: correct (003.4 allows STOP_PENDING from any thread).
    ("queue_handler.py", "design", {}),
    ("queue_handler.py", "design_fixed", {}),
    ("child_process_wrapper.py", "design", {}),
    ("child_process_wrapper.py", "design_no_kill", {"stopped_only_after_threads_exit": 9}),
]


@pytest.mark.parametrize("file,obj,pinned", EXAMPLE_CASES)
def test_examples_check_as_documented(file, obj, pinned):
    d = getattr(_load(file), obj)
    assert isinstance(d, Design)
    assert set(d.expect) == set(pinned)
    m, goals = _goals(d)
    res = explicit.run(m, goals)
    assert _lengths(res) == pinned
    assert all(r.verdict.value in ("violated", "proved") for r in res)
    if pinned:
        res = bmc.run(m, [CATALOG[p].goal(m) for p in pinned], depth=_depth(pinned))
        assert _lengths(res) == pinned


def test_examples_load_as_cli_targets():
    targets = pytest.importorskip("scmcheck.targets")
    for file, obj, pinned in EXAMPLE_CASES:
        loaded = targets.load(f"{EXAMPLES / file}:{obj}")
        assert tuple(loaded.expect or ()) == tuple(pinned)
        res = explicit.run(loaded.system, [p.goal(loaded.system) for p in catalog.applicable(loaded.system)])
        assert _lengths(res) == pinned


def test_queue_handler_under_the_xp_scm_also_gets_controls_after_stop():
    d = _load("queue_handler.py").design
    m = d.build({"windows": "xp"})
    r = explicit.run(m, [CATALOG["no_control_after_stop"].goal(m)])[0]
    assert r.verdict.value == "violated"


def test_user_steps_must_come_before_finish():
    from scmcheck.model.service_api import AT_ONCE, ServiceModel

    svc = ServiceModel("x", "", {})
    svc.step("main_report_running", "service_main", guard=svc.state == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING), timing=AT_ONCE)
    svc.finish()
    with pytest.raises(ValueError, match="before finish"):
        svc.step("late", "service_main", guard=svc.state == SvcState.RUNNING, update={}, timing=AT_ONCE)


def test_api_docstring_example_runs_and_is_correct():
    import textwrap

    from scmcheck.model import service_api

    code = service_api.__doc__.split("--engine all``)::")[1].split("What you get")[0]
    ns: dict = {}
    exec(textwrap.dedent(code), ns)  # noqa: S102 - our own documentation
    d = ns["design"]
    m, goals = _goals(d)
    assert {r.verdict.value for r in explicit.run(m, goals)} == {"proved"}
