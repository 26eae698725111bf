"""System shutdown with M services (model/families/shutdown.py, rules 003.7-003.12).

Every built-in ``shutdown-*`` design is held to its label with pinned shortest
counterexample lengths (computed by running the engines, then pinned): explicit
and BMC agree on verdicts and lengths, fuzz finds every violation, the
witnesses are reachable in correct designs, and the documented times show in
parameters and trace timestamps.
"""

from __future__ import annotations

import pytest

from scmcheck.model.designs import built_in, registry
from scmcheck.model.lang.errors import InputError
from scmcheck.model.families.shutdown import Phase, Run
from scmcheck.model.windows.profiles import profile
from scmcheck.properties import catalog
from scmcheck.properties.catalog import CATALOG
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.traces.render import render

# design -> {property: shortest counterexample length}, at services = 2 and 3.
#
# How the lengths follow from the model (n services, Windows 10 1703 defaults: WaitToKillServiceTimeout
# 20 s, preshutdown timeout 10 s).  The clock jumps from one deadline to the next, so a wait of 20 s is
# one tick, not two ticks of 10 s as before the clock was redesigned (hence one step fewer than then).
# * slow-no-progress, stay-*: scm_end_preshutdown, n x scm_send_shutdown, one tick to 20 s (the
#   service's allowance, since >= 20 s), scm_give_up(0): n + 3 steps; then the other give-ups and
#   scm_complete_shutdown for the data loss (power-off kills them) or the claim (halted): 2n + 3.
# * slow-with-progress, save-all-on-ups: the same 60 s cleanup with a report due every 10 s: the tick
#   stops at 10 s, where the reports are urgent (n of them; the shortest data loss lets the other
#   services finish then instead), the next tick reaches 20 s = WaitToKillServiceTimeout, which wait
#   hints do not extend at system shutdown (003.9): 2n + 4 steps to the give-up, 2n + 5 to the loss.
# * preshutdown-never-stops: scm_send_preshutdown, one tick to the 10 s timeout, scm_give_up: 3 steps
#   (30 s and three ticks before); the loss adds scm_end_preshutdown, (n - 1) x (send, stop) of the
#   others and scm_complete_shutdown: 2n + 3.
# * service-ignores-shutdown: the last service gets no SHUTDOWN; the others are sent it and stop in
#   zero time, and scm_complete_shutdown powers off over the ignoring one: 2n.
# * dependency-no-order: in zero time, unchanged.
PINNED = {
    2: {
        "shutdown-correct": {},
        "shutdown-dependency-no-order": {"no_service_outlives_its_dependency": 3,
                                         "no_service_fails_for_lack_of_dependency": 4, "no_data_loss_at_shutdown": 4},
        "shutdown-dependency-preshutdown-order": {},
        "shutdown-slow-no-progress": {"shutdown_budget_respected": 5, "no_data_loss_at_shutdown": 7},
        "shutdown-slow-with-progress": {"shutdown_budget_respected": 8, "no_data_loss_at_shutdown": 9},
        "shutdown-slow-raised-wait-to-kill": {},
        "shutdown-service-ignores-shutdown": {"no_data_loss_at_shutdown": 4},
        "shutdown-preshutdown-stops": {},
        "shutdown-preshutdown-never-stops": {"preshutdown_service_stops_before_timeout": 3,
                                             "no_data_loss_at_shutdown": 7},
        "shutdown-save-all-on-ups": {"shutdown_budget_respected": 8, "no_data_loss_at_shutdown": 9},
        "shutdown-save-periodic-on-ups": {},
        "shutdown-stay-keeps-running": {"shutdown_budget_respected": 5},
        "shutdown-stay-claims-stopped": {"shutdown_budget_respected": 5,
                                         "shutdown_does_not_claim_running_services_stopped": 7},
    },
    3: {
        "shutdown-correct": {},
        "shutdown-dependency-no-order": {"no_service_outlives_its_dependency": 3,
                                         "no_service_fails_for_lack_of_dependency": 4, "no_data_loss_at_shutdown": 4},
        "shutdown-dependency-preshutdown-order": {},
        "shutdown-slow-no-progress": {"shutdown_budget_respected": 6, "no_data_loss_at_shutdown": 9},
        "shutdown-slow-with-progress": {"shutdown_budget_respected": 10, "no_data_loss_at_shutdown": 11},
        "shutdown-slow-raised-wait-to-kill": {},
        "shutdown-service-ignores-shutdown": {"no_data_loss_at_shutdown": 6},
        "shutdown-preshutdown-stops": {},
        "shutdown-preshutdown-never-stops": {"preshutdown_service_stops_before_timeout": 3,
                                             "no_data_loss_at_shutdown": 9},
        "shutdown-save-all-on-ups": {"shutdown_budget_respected": 10, "no_data_loss_at_shutdown": 11},
        "shutdown-save-periodic-on-ups": {},
        "shutdown-stay-keeps-running": {"shutdown_budget_respected": 6},
        "shutdown-stay-claims-stopped": {"shutdown_budget_respected": 6,
                                         "shutdown_does_not_claim_running_services_stopped": 9},
    },
}

DESIGNS = [n for n in registry() if n.startswith("shutdown-")]


def _goals(design: str, services: int):
    d = built_in(design)
    m = d.build({"services": services})
    return d, m, [p.goal(m) for p in catalog.applicable(m)]


def _lengths(results) -> dict:
    return {r.property: r.trace.length for r in results if r.verdict.value == "violated"}


def test_every_design_is_pinned():
    assert set(DESIGNS) == set(PINNED[2]) == set(PINNED[3])
    for name in DESIGNS:
        assert set(PINNED[2][name]) == set(built_in(name).expect), name


@pytest.mark.parametrize("services", [2, 3])
@pytest.mark.parametrize("name", DESIGNS)
def test_explicit_verdicts_and_lengths(name, services):
    d, m, goals = _goals(name, services)
    res = explicit.run(m, goals)
    assert _lengths(res) == PINNED[services][name]
    # Everything not violated is proved: explicit search exhausted the state space.
    assert all(r.verdict.value in ("violated", "proved") for r in res)
    assert set(_lengths(res)) == set(d.expect)


def _invariants(goals) -> list:
    return [g for g in goals if g.kind == "invariant"]


@pytest.mark.parametrize("name", DESIGNS)
def test_bmc_agrees_with_explicit(name):
    # Every invariant, one step past the longest pinned counterexample (at least 8 steps): the same
    # shortest lengths, and no other violation within that depth.  (BMC's bit-vectors now hold
    # milliseconds: the temporal goals at depth 13 take minutes per design, see the slow test below.)
    d, m, goals = _goals(name, 2)
    res = bmc.run(m, _invariants(goals), depth=max([*PINNED[2][name].values(), 7]) + 1)
    assert _lengths(res) == PINNED[2][name]
    # No violation elsewhere: proved (no longer path) or bounded, never violated.
    assert all(r.verdict.value in ("violated", "proved", "bounded") for r in res)


@pytest.mark.slow
@pytest.mark.parametrize("name", DESIGNS)
def test_bmc_agrees_with_explicit_every_goal(name):
    # Every goal (time_can_advance and shutdown_completes too) at depth 13 or more.
    d, m, goals = _goals(name, 2)
    res = bmc.run(m, goals, depth=max([*PINNED[2][name].values(), 12]) + 1)
    assert _lengths(res) == PINNED[2][name]
    assert all(r.verdict.value in ("violated", "proved", "bounded") for r in res)


@pytest.mark.slow
@pytest.mark.parametrize("name", DESIGNS)
def test_bmc_agrees_with_explicit_three_services(name):
    d, m, goals = _goals(name, 3)
    res = bmc.run(m, _invariants(goals), depth=max([*PINNED[3][name].values(), 10]) + 1)
    assert _lengths(res) == PINNED[3][name]


FUZZ_FAST = ["shutdown-dependency-no-order", "shutdown-slow-no-progress", "shutdown-preshutdown-never-stops",
             "shutdown-stay-claims-stopped"]


@pytest.mark.parametrize("name", FUZZ_FAST)
def test_fuzz_finds_every_violation(name):
    d, m, _ = _goals(name, 2)
    res = fuzz.run(m, [CATALOG[p].goal(m) for p in d.expect], runs=100)
    assert {r.property for r in res if r.verdict.value == "violated"} == set(d.expect)
    for r in res:  # a fuzz trace is a local minimum: never shorter than the shortest
        assert r.trace.length >= PINNED[2][name][r.property]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in DESIGNS if built_in(n).expect and n not in FUZZ_FAST])
def test_fuzz_finds_every_violation_slow(name):
    d, m, _ = _goals(name, 2)
    res = fuzz.run(m, [CATALOG[p].goal(m) for p in d.expect], runs=100)
    assert {r.property for r in res if r.verdict.value == "violated"} == set(d.expect)


@pytest.mark.parametrize("name", [n for n in DESIGNS if not built_in(n).expect])
def test_witnesses_reachable_in_correct_designs(name):
    d, m, _ = _goals(name, 2)
    res = explicit.run(m, [p.witness_goal(m) for p in catalog.applicable(m) if p.witness is not None])
    assert [r.verdict.value for r in res] == ["violated"] * len(res), [(r.property, r.verdict.value) for r in res]


def test_stay_witness_reaches_the_halted_state():
    # The claim property is about a machine left in its shut-down state: its witness must
    # be reachable there, not only after power-off.
    m = built_in("shutdown-stay-keeps-running").build({})
    res = explicit.run(m, [CATALOG["shutdown_does_not_claim_running_services_stopped"].witness_goal(m)])
    assert res[0].verdict.value == "violated"
    assert res[0].trace.states[-1][m["phase"].index] == Phase.HALTED


def test_services_keep_running_when_the_system_stays_shut_down():
    # 003.8: past its budget a service is given up on, yet it keeps running and stops later.
    m = built_in("shutdown-stay-keeps-running").build({})
    g = explicit.reachable_states(m)
    halted_running = [s for s in g if s[m["phase"].index] == Phase.HALTED
                      and s[m["svc[0]"].index] == Run.CLEANING]
    halted_stopped = [s for s in g if s[m["phase"].index] == Phase.HALTED
                      and all(s[m[f"svc[{i}]"].index] == Run.STOPPED for i in range(2))]
    assert halted_running and halted_stopped
    assert not any(s[m["phase"].index] == Phase.OFF for s in g)


def _last_step(name: str, prop: str, params: dict = {}):
    m = built_in(name).build(params)
    t = explicit.run(m, [CATALOG[prop].goal(m)])[0].trace
    return t.steps[-1]


def test_documented_times_in_parameters_and_timestamps():
    m = built_in("shutdown-slow-no-progress").build({})
    # The Windows profile's defaults apply unless set (model/windows/profiles.py).
    assert m.parameters["windows"] == "10-1703" and m.parameters["wait_to_kill_ms"] is None
    assert profile("10-1703").wait_to_kill_ms == 20_000 and profile("10-1703").preshutdown_timeout_ms == 10_000
    goal = CATALOG["shutdown_budget_respected"].goal(m)
    t = explicit.run(m, [goal])[0].trace
    # The SCM stops waiting exactly 20 s after SHUTDOWN (003.8): one tick straight to that deadline.
    assert [s.action for s in t.steps].count("tick") == 1
    assert t.steps[-1].action == "scm_give_up" and t.steps[-1].time == 20
    # WaitToKillServiceTimeout ends the wait at 20 s despite the wait hints of the reports (003.9).
    step = _last_step("shutdown-slow-with-progress", "shutdown_budget_respected")
    assert step.action == "scm_give_up" and step.time == 20
    # ... or at the value the administrator set, to the millisecond.
    step = _last_step("shutdown-slow-with-progress", "shutdown_budget_respected", {"wait_to_kill_ms": 25_500})
    assert step.action == "scm_give_up" and step.time == 25.5
    # Preshutdown timeout (003.7): 10 s from Windows 10 1703, 180 s before.
    step = _last_step("shutdown-preshutdown-never-stops", "preshutdown_service_stops_before_timeout")
    assert step.action == "scm_give_up" and step.time == 10
    step = _last_step("shutdown-preshutdown-never-stops", "preshutdown_service_stops_before_timeout",
                      {"windows": "vista"})
    assert step.action == "scm_give_up" and step.time == 180
    # UPS deadline 40 s (003.10): with WaitToKillServiceTimeout raised past it, the UPS is what kills.
    step = _last_step("shutdown-save-all-on-ups", "no_data_loss_at_shutdown", {"wait_to_kill_ms": 90_000})
    assert step.action == "ups_power_fails" and step.time == 40


def test_wait_hints_do_not_extend_the_wait_past_wait_to_kill():
    # 60 s of cleanup: cut off at 20 s without reports, and with STOP_PENDING every 10 s as well (at
    # system shutdown the wait is WaitToKillServiceTimeout, wait hints included: 003.8, 003.9); it fits
    # only when the administrator raised the value to 90 s.
    for name, violated in (("shutdown-slow-no-progress", True), ("shutdown-slow-with-progress", True),
                           ("shutdown-slow-raised-wait-to-kill", False)):
        m = built_in(name).build({})
        r = explicit.run(m, [CATALOG["shutdown_budget_respected"].goal(m)])[0]
        assert (r.verdict.value == "violated") == violated, name


def test_dependency_counterexample_names_the_services():
    d, m, _ = _goals("shutdown-dependency-no-order", 2)
    t = explicit.run(m, [CATALOG["no_service_outlives_its_dependency"].goal(m)])[0].trace
    assert [s.label for s in t.steps] == ["scm_end_preshutdown", "scm_send_shutdown(i=0)", "service_stop(i=0)"]
    text = render(t, "text")
    assert "svc[0]" in text and "no_service_outlives_its_dependency" in text
    # The failure itself: service 1 fails in its own lane after service 0 stopped.
    t = explicit.run(m, [CATALOG["no_service_fails_for_lack_of_dependency"].goal(m)])[0].trace
    assert [s.label for s in t.steps][-2:] == ["service_stop(i=0)", "service_fails(i=1)"]
    assert t.steps[-1].process == "svc[1]"


def test_order_holds_for_every_size():
    for n in (2, 3, 4):
        m = built_in("shutdown-dependency-preshutdown-order").build({"services": n})
        r = explicit.run(m, [CATALOG["no_service_outlives_its_dependency"].goal(m)])[0]
        assert r.verdict.value == "proved", n


def test_bad_knob_combinations_are_input_errors():
    with pytest.raises(InputError):
        built_in("shutdown-correct").build({"claims": "timeout_is_stopped"})
    with pytest.raises(InputError):
        built_in("shutdown-correct").build({"cleanup_s": 15.0005})  # finer than a millisecond
    with pytest.raises(InputError):
        built_in("shutdown-correct").build({"preshutdown_timeout_ms": 5000})  # nobody accepts PRESHUTDOWN
    with pytest.raises(InputError):
        built_in("shutdown-preshutdown-stops").build({"windows": "xp"})  # no PRESHUTDOWN before Vista
    with pytest.raises(InputError):
        built_in("shutdown-correct").build({"order": "preshutdown_order", "preshutdown": "stops"})


def test_fixed_knobs_are_in_the_settings():
    # A trace stores every knob; rebuilding it (scmcheck show) passes them back as overrides,
    # which a design accepts for its fixed knobs only if they equal its settings.
    for name in DESIGNS + [n for n in registry() if n.startswith("controls-")]:
        d = built_in(name)
        assert set(d.fixed) <= set(d.settings), name
        d.build(d.parameters())


def test_shutdown_design_api_reuses_the_phases_and_catalog():
    from scmcheck.model.service_api import SHUTDOWN_PROPERTIES, shutdown_design

    d = shutdown_design("my-shutdown", "three services, a chain of dependencies, no order",
                        {"services": 3, "depends": True}, expect=("no_service_outlives_its_dependency",))
    assert d.family.properties == SHUTDOWN_PROPERTIES
    m = d.build({})
    res = explicit.run(m, [CATALOG["no_service_outlives_its_dependency"].goal(m)])
    assert res[0].verdict.value == "violated" and res[0].trace.length == 3
