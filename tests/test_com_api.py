"""The COM user API of issue 8 (scmcheck.model.com): real counters changed by the design's own call
sites, CoAddRefServerProcess/CoReleaseServerProcess, CreateInstance split into dispatch and
constructor, clients that die, the SCM's relaunch knobs (max_processes, hosting), CoResumeClassObjects
after a suspend, the catalog entry activation_eventually_served, and designs 7 and 8 of the issue
(examples/com/factory_module_lock.py, examples/com/create_instance_race.py) through the real check
and the CLI.

Every verdict below is computed by the engines; the pinned numbers were computed by running them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scmcheck.model.com import ClassObj, ComSide, Phase, ite_update
from scmcheck.model.designs import registry
from scmcheck.model.lang.expr import TRUE, all_of, compile_python, max_, min_, not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo
from scmcheck.properties.catalog import CATALOG, applicable
from scmcheck.properties.check import check
from scmcheck.properties.engines import bmc, explicit
from scmcheck.properties.result import Goal
from scmcheck.traces import replay

ACTIVATION = "activation_eventually_served"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "com"
COM_IDS = ("server_exits_only_when_unused", "client_never_holds_disconnected_object",
           "no_activation_after_shutdown_decision", "no_activation_before_init_complete", "unused_server_exits",
           ACTIVATION)


def _verdicts(system, ids=COM_IDS) -> dict:
    """{property: (verdict, trace length)} through the check the CLI runs (explicit engine)."""
    goals = [CATALOG[p].goal(system) for p in ids if CATALOG[p].applies(system)]
    return {r.property: (r.verdict.value, r.trace.length if r.trace else None)
            for r in check(system, goals, ["explicit"])}


def _violated(system, ids=COM_IDS) -> dict:
    return {p: n for p, (v, n) in _verdicts(system, ids).items() if v == "violated"}


# ---------------------------------------------------------------- a user's server, by hand or with the helpers

def _server(constructor, destructor, lock_server=None, unlock_server=None, *, clients=2, classes=1,
            threading="free_threaded", extra=None, **side):
    """A free-threaded user server: registers suspended, resumes, and once told to quit (``quit[s]``,
    set by its own code at zero) revokes everything and exits.  The call-site functions get ``com``,
    ``m`` and ``quit`` and return the API's call-site functions."""
    m = System("user_com", "004.x user server", parameters={})
    com = ComSide(m, clients=clients, classes=classes, threading=threading, co_create_instance=False, **side)
    quit = {s: m.bool(f"quit[{s}]", False) for s in com.SERVERS}
    env = {"com": com, "m": m, "quit": quit, **(extra(m, com) if extra else {})}
    for s in com.SERVERS:
        ph = com.phase[s]
        for c in com.classes:
            com.server_action(s, "main_register", guard=[ph == Phase.INIT, com.cls[s][c] == ClassObj.UNREG],
                              update=com.register(s, c, suspended=True), args={"c": c})
        com.server_action(s, "main_resume", guard=[ph == Phase.INIT, com.all_registered(s)],
                          update={ph: Phase.RUNNING, **com.resume(s)})
        com.server_action(s, "main_quit", guard=[ph == Phase.RUNNING, quit[s]],
                          update={ph: Phase.CLEANUP, **com.revoke_all(s)})
        com.server_action(s, "main_exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)], update={ph: Phase.EXITED})
    sites = [f(env) if f is not None else None for f in (constructor, destructor, lock_server, unlock_server)]
    com.add_clients(*sites)
    com.finish()
    return m


def _addref(env):
    return env["com"].co_add_ref_server_process


def _release(env):
    com, quit = env["com"], env["quit"]
    return lambda s: com.co_release_server_process(s, on_zero={**com.decide(s), quit[s]: True})


def test_the_helpers_at_every_call_site_hold():
    m = _server(_addref, _release, _addref, _release)
    assert _violated(m) == {}


def test_a_missed_addref_is_found():
    """The constructor forgets CoAddRefServerProcess: releasing the factory brings the count to zero
    while the instance lives; COM suspends, the server quits and exits under it."""
    m = _server(None, _release, _addref, _release)
    got = _violated(m)
    assert got["server_exits_only_when_unused"] == got["client_never_holds_disconnected_object"] == 7


def test_a_double_release_is_found():
    """The destructor calls CoReleaseServerProcess twice (two steps of its code): another client's
    factory lock is released with it, and the server exits under that client."""
    def twice(env):
        rel = _release(env)
        return lambda s: [rel(s), rel(s)]

    m = _server(_addref, twice, _addref, _release)
    got = _violated(m)
    assert got["server_exits_only_when_unused"] == got["client_never_holds_disconnected_object"] == 8
    # the two releases are separate steps of the destructor (server code after the client's call)
    assert any(a.name == "server_destructor" for a in m.actions)


def _by_hand(atomic: bool):
    """A count kept by hand: ``count[s]++`` in the constructor and LockServer(TRUE), ``--`` (with the
    quit at zero) in the destructor and LockServer(FALSE).  Not atomic: the increment reads the count
    into a register of the thread serving client k, then writes it back plus one."""
    def extra(m, com):
        K = len(com.clients)
        # a LONG: a lost increment can take it below zero
        return {"count": {s: m.int(f"count[{s}]", -K, 2 * K, 0) for s in com.SERVERS},
                "reg": {(s, k): m.int(f"reg[{s}][{k}]", -K, 2 * K, 0) for s in com.SERVERS for k in com.clients}}

    def up(env):
        count, reg = env["count"], env["reg"]
        top = count[1].hi  # saturate: lost updates can make a wrong count drift without bound
        if atomic:
            return lambda s: {count[s]: min_(count[s] + 1, top)}
        # the register is the serving thread's local: it goes out of scope with the write
        return lambda s, k: [{reg[s, k]: count[s]}, {count[s]: min_(reg[s, k] + 1, top), reg[s, k]: 0}]

    def down(env):
        com, quit, count = env["com"], env["quit"], env["count"]
        return lambda s: {count[s]: max_(count[s] - 1, count[1].lo),
                          **ite_update(count[s] == 1, {**com.suspend(s), **com.decide(s), quit[s]: True})}

    return _server(up, down, up, down, extra=extra, max_processes=1)


def test_a_non_atomic_increment_on_two_threads_is_found():
    """Two RPC threads read the count before either writes it: one increment is lost, the count
    reaches zero with an instance alive, and the server exits under it.  Interlocked, it holds."""
    got = _violated(_by_hand(atomic=False))
    assert got["server_exits_only_when_unused"] == got["client_never_holds_disconnected_object"] == 8
    assert "unused_server_exits" in got  # a lost decrement leaves the count above zero: it never exits
    assert _violated(_by_hand(atomic=True)) == {}


def test_earlier_add_clients_form_is_the_same_model():
    """add_clients(counts_instances=, counts_locks=, on_zero=) declares a counter and the call-site code
    that raises and lowers it: the same reachable graph as that code written out."""
    def old(m, com, quit):
        com.add_clients(counts_instances=True, counts_locks=True,
                        on_zero=lambda s: {**com.suspend(s), **com.decide(s), quit[s]: True})

    def new(m, com, quit):
        count = {s: m.int(f"count[{s}]", 0, 2 * len(com.clients), 0) for s in com.SERVERS}
        up = lambda s: {count[s]: count[s] + 1}  # noqa: E731
        down = lambda s: {count[s]: count[s] - 1, **ite_update(  # noqa: E731
            all_of(count[s] == 1, (com.phase[s] == Phase.INIT) | (com.phase[s] == Phase.RUNNING)),
            {**com.suspend(s), **com.decide(s), quit[s]: True})}
        com.add_clients(constructor=up, destructor=down, lock_server=up, unlock_server=down)

    sizes = []
    for form in (old, new):
        m = System("form", "", parameters={})
        com = ComSide(m, clients=2, classes=2, threading="free_threaded", co_create_instance=False)
        quit = {s: m.bool(f"quit[{s}]", False) for s in com.SERVERS}
        for s in com.SERVERS:
            ph = com.phase[s]
            for c in com.classes:
                com.server_action(s, "reg", guard=[ph == Phase.INIT, com.cls[s][c] == ClassObj.UNREG],
                                  update=com.register(s, c, suspended=True), args={"c": c})
            com.server_action(s, "run", guard=[ph == Phase.INIT, com.all_registered(s)],
                              update={ph: Phase.RUNNING, **com.resume(s)})
            com.server_action(s, "quit", guard=[ph == Phase.RUNNING, quit[s]], update={ph: Phase.CLEANUP, **com.revoke_all(s)})
            com.server_action(s, "exit", guard=[ph == Phase.CLEANUP, com.all_gone(s)], update={ph: Phase.EXITED})
        form(m, com, quit)
        com.finish()
        sizes.append(explicit.run(m, [Goal("_all", (), TRUE)], keep_graph=False)[0].states)
        assert _violated(m) == {}
    assert sizes[0] == sizes[1] == 433


def test_bad_call_sites_and_forms_are_refused():
    from scmcheck.model.lang.errors import InputError

    m = System("bad", "", parameters={})
    com = ComSide(m, clients=1, classes=1, threading="free_threaded")
    with pytest.raises(InputError, match="not both"):
        com.add_clients(constructor=lambda s: {}, counts_instances=True, counts_locks=True, on_zero=lambda s: {})
    with pytest.raises(InputError, match="returned int"):
        com.add_clients(constructor=lambda s: 3)
    with pytest.raises(InputError, match="max_processes"):
        ComSide(System("x", "", parameters={}), clients=1, classes=1, threading="apartment", max_processes=4)
    with pytest.raises(InputError, match="hosting"):
        ComSide(System("y", "", parameters={}), clients=1, classes=1, threading="apartment", hosting="dll")


# ---------------------------------------------------------------- CreateInstance: dispatch, then constructor

def test_create_instance_is_dispatched_before_its_constructor_runs():
    """Multi-threaded: IClassFactory::CreateInstance and CoCreateInstance reach the server first, and
    the constructor runs in a later step, so another thread's step can fall between (004.4); a
    single-threaded server runs the call as one message (004.3)."""
    free = registry()["com-free-threaded-correct"].build({"co_create_instance": True})
    names = {a.name for a in free.actions}
    assert {"client_create_instance_dispatched", "server_create_instance", "client_activation_dispatched",
            "server_activate_instance"} <= names
    single = registry()["com-single-threaded-correct"].build({"co_create_instance": True})
    assert not {"client_create_instance_dispatched", "client_activation_dispatched"} & {a.name for a in single.actions}
    # a state with the constructor pending while another client's release runs is reachable
    g = explicit.reachable_states(free)
    idx = {v.name: v.index for v in free.variables}
    assert any(s[idx["call[0]"]] != 0 and any(free.actions[a].name == "client_release_factory" and
                                               free.actions[a].process == "client1" for a in d["actions"])
               for s, _, d in g.edges(data=True))


def test_classic_fix_loses_an_activation_in_flight():
    """004.4's classic fix with both counts (correct for CoGetClassObject activations): with
    CoCreateInstance, an activation dispatched before the revocation is not in any count the server
    re-checks, and the server exits before its constructor runs -- the activation fails."""
    system = registry()["com-free-threaded-recheck-all-counts"].build({"co_create_instance": True})
    got = _violated(system)
    assert got == {ACTIVATION: 12}


# ---------------------------------------------------------------- CoResumeClassObjects after a suspend

def test_co_resume_class_objects_after_a_suspend_lets_activations_in_again():
    """CoResumeClassObjects "begins letting activation requests into the server process": every
    registered, unrevoked class object accepts activations, whether registered suspended or suspended
    since; revoked and unregistered ones stay so."""
    m = System("resume", "", parameters={})
    com = ComSide(m, clients=1, classes=5, threading="free_threaded")
    before = [ClassObj.PENDING, ClassObj.SUSPENDED, ClassObj.ACTIVE, ClassObj.REVOKED, ClassObj.UNREG]
    state = list(m.init_state())
    for o, v in zip(com.cls[1], before):
        state[o.index] = int(v)
    after = [ClassObj(compile_python(e)(tuple(state))) for _, e in com.resume(1).items()]
    assert after == [ClassObj.ACTIVE, ClassObj.ACTIVE, ClassObj.ACTIVE, ClassObj.REVOKED, ClassObj.UNREG]
    suspended = [ClassObj(compile_python(e)(tuple(state))) for _, e in com.suspend(1).items()]
    assert suspended == [ClassObj.PENDING, ClassObj.SUSPENDED, ClassObj.SUSPENDED, ClassObj.REVOKED, ClassObj.UNREG]


def test_resume_after_the_early_release_serves_an_activation_it_then_loses():
    """examples/com/my_server.py:resumes_early: the early release made COM suspend class 0; the main
    thread's CoResumeClassObjects makes it active again, an activation is dispatched, and the server,
    already committed, exits before the constructor runs."""
    from scmcheck.targets import load

    loaded = load(f"{EXAMPLES / 'my_server.py'}:resumes_early")
    (r,) = explicit.run(loaded.system, [CATALOG[ACTIVATION].goal(loaded.system)])
    t = r.trace
    resumed = [k for k, st in enumerate(t.steps) if st.action == "main_resume_and_wait"]
    assert resumed and t.as_dict(t.states[resumed[0]])["class_obj[1][0]"] == "SUSPENDED"
    assert t.as_dict(t.states[resumed[0] + 1])["class_obj[1][0]"] == "ACTIVE"
    assert [st.action for st in t.steps][resumed[0] + 1:] == ["com_dispatch_activation", "main_revoke_all",
                                                              "main_exit", "client_call_failed"]


# ---------------------------------------------------------------- activation_eventually_served

def _lengths(system, ids=(ACTIVATION,)):
    return _violated(system, ids)


@pytest.mark.parametrize("name", ["com-single-threaded-correct", "com-free-threaded-correct",
                                  "com-free-threaded-recheck-all-counts"])
@pytest.mark.parametrize("settings", [{}, {"hosting": "service"}, {"max_processes": 1},
                                      {"max_processes": 1, "hosting": "service"}])
def test_activation_is_served_by_correct_designs_whatever_the_cut_off(name, settings):
    system = registry()[name].build({"clients": 2, "classes": 1, **settings})
    (r,) = check(system, [CATALOG[ACTIVATION].goal(system)], ["explicit"])
    expected = "violated" if name.endswith("recheck-all-counts") and settings.get("hosting") == "service" else "proved"
    assert r.verdict.value == expected, r.reason
    assert r.witness_steps is not None
    P = settings.get("max_processes", 2)
    assert any(a.startswith(f"at most {P} server process") and "cut-off" in a for a in r.assumptions)


def test_classic_fix_hosted_in_a_service_keeps_activations_waiting():
    """A service-hosted server that revokes its class objects and then stays alive for a held instance
    (004.4's re-check): the SCM cannot start a second instance of the service, so a new activation
    waits as long as that client keeps its instance -- a lasso, found by both engines."""
    system = registry()["com-free-threaded-recheck-all-counts"].build({"clients": 2, "classes": 1,
                                                                        "hosting": "service"})
    goal = CATALOG[ACTIVATION].goal(system)
    (r,) = explicit.run(system, [goal])
    (b,) = bmc.run(system, [goal], depth=r.trace.length)
    assert r.verdict.value == b.verdict.value == "violated" and r.trace.length == b.trace.length == 8
    for t in (r.trace, b.trace):
        replay(system, t, violates=goal.leads_to)
        last = t.as_dict(t.final)
        assert last["phase[1]"] == "CLEANUP" and last["phase[2]"] == "DOWN" and last["request[0]"] != 0


def test_the_cut_off_on_server_processes_makes_no_false_lasso():
    """Without the entry's hold a lasso exists in a correct design: the last allowed process has
    withdrawn its class objects and an activation waits only because no further process may start.
    The entry excludes exactly those runs (its loop must not wait on the cut-off), and proves it."""
    system = registry()["com-free-threaded-correct"].build({"clients": 2, "classes": 1, "max_processes": 1})
    entry = CATALOG[ACTIVATION].goal(system)
    no_hold = Goal("no_hold", entry.rules, leads_to=LeadsTo(entry.leads_to.trigger, entry.leads_to.goal))
    (bare,) = explicit.run(system, [no_hold])
    assert bare.verdict.value == "violated"
    cut = not_(system.definitions["activation_not_cut_off"])
    loop_states = bare.trace.states[bare.trace.loop:]
    assert all(compile_python(cut)(s) for s in loop_states)  # the lasso waits on the cut-off throughout
    (r,) = explicit.run(system, [entry])
    assert r.verdict.value == "proved"


@pytest.mark.parametrize("name,settings,length", [
    ("com-suspended-never-resumed", {}, 4),  # registered suspended, never resumed: no one serves it
    ("com-no-cleanup-on-zero", {"hosting": "service"}, 6),  # suspended, never exits: no relaunch
])
def test_activation_waits_forever_in_buggy_designs(name, settings, length):
    system = registry()[name].build(settings)
    goal = CATALOG[ACTIVATION].goal(system)
    (r,) = explicit.run(system, [goal])
    assert r.verdict.value == "violated" and r.trace.length == length and r.trace.loop is not None
    (b,) = bmc.run(system, [goal], depth=length)
    assert b.verdict.value == "violated" and b.trace.length == length
    replay(system, b.trace, violates=goal.leads_to)


def test_no_cleanup_on_zero_is_relaunched_around_as_an_exe():
    """The same server as an EXE: the SCM starts a new process for the activation (004.5): served."""
    system = registry()["com-no-cleanup-on-zero"].build({})
    assert _verdicts(system, (ACTIVATION,))[ACTIVATION][0] == "proved"


# ---------------------------------------------------------------- the SCM's relaunch knobs

@pytest.mark.parametrize("settings,states", [({"max_processes": 1}, 60), ({}, 288), ({"max_processes": 3}, 1200),
                                             ({"hosting": "service"}, 117)])
def test_max_processes_and_hosting(settings, states):
    system = registry()["com-free-threaded-correct"].build({"clients": 2, "classes": 1, **settings})
    assert explicit.run(system, [Goal("_all", (), TRUE)], keep_graph=False)[0].states == states
    launches = [a for a in system.actions if a.name == "scm_launch_server"]
    assert len(launches) == settings.get("max_processes", 2) - 1
    if settings.get("hosting") == "service":
        # a service cannot run twice: the SCM starts the next process only once the last one has exited
        g = explicit.reachable_states(system)
        idx = system.variables.index(system.variable("phase[1]"))
        for s, _, d in g.edges(data=True):
            if any(system.actions[a].name == "scm_launch_server" for a in d["actions"]):
                assert s[idx] == Phase.EXITED
    assert all(v == "proved" for v, _ in _verdicts(system).values())


# ---------------------------------------------------------------- clients that die

@pytest.mark.parametrize("name", ["com-single-threaded-correct", "com-free-threaded-correct",
                                  "com-free-threaded-recheck-all-counts"])
def test_a_client_may_die_and_com_releases_its_references_later(name):
    """A dead client's instance and factory are released by COM's rundown (never forced): correct
    designs stay correct, and a run where a client dies holding an instance, COM runs it down and the
    server exits is reachable."""
    system = registry()[name].build({"clients": 2, "classes": 1, "clients_may_die": True})
    assert all(v == "proved" for v, _ in _verdicts(system).values())
    m = system
    died_and_gone = all_of(m["dead[0]"], m["phase[1]"] == Phase.EXITED)
    (r,) = explicit.run(system, [Goal("w", (), not_(died_and_gone))])
    assert r.verdict.value == "violated"
    (r,) = explicit.run(system, [Goal("w", (), not_(all_of(m["dead[0]"], m["instance[0]"] == 1)))])
    assert r.verdict.value == "violated"
    rundown = [a for a in system.actions if a.name.startswith("com_rundown")]
    assert rundown and not any(a.fair for a in rundown)


def test_a_dead_client_is_no_counterexample_to_unused_server_exits():
    """While a dead client's references wait for COM's rundown, the server is not unused."""
    system = registry()["com-free-threaded-correct"].build({"clients": 1, "classes": 1, "clients_may_die": True})
    assert _verdicts(system, ("unused_server_exits",))["unused_server_exits"][0] == "proved"


# ---------------------------------------------------------------- designs 7 and 8 of issue 8

DESIGN_7 = EXAMPLES / "factory_module_lock.py"
DESIGN_8 = EXAMPLES / "create_instance_race.py"


@pytest.mark.parametrize("target,violated,vacuous", [
    (f"{DESIGN_7}:buggy", {"unused_server_exits": 4},  # one client, one class
     {"server_exits_only_when_unused", "client_never_holds_disconnected_object",
      "no_activation_after_shutdown_decision"}),
    (f"{DESIGN_7}:fixed", {}, set()),
    (f"{DESIGN_8}:buggy", {"no_activation_after_shutdown_decision": 6, "client_never_holds_disconnected_object": 8,
                           "server_exits_only_when_unused": 8, ACTIVATION: 9}, set()),
    (f"{DESIGN_8}:fixed", {}, set()),
])
def test_issue_designs_through_the_check(target, violated, vacuous):
    from scmcheck.targets import load

    loaded = load(target)
    system = loaded.system
    goals = [p.goal(system) for p in applicable(system)]
    results = check(system, goals, ["explicit"])
    got = {r.property: r.trace.length for r in results if r.verdict.value == "violated"}
    assert got == violated
    assert {r.property for r in results if r.verdict.value == "vacuous"} == vacuous
    assert all(r.verdict.value in ("violated", "proved", "vacuous") for r in results)
    assert set(loaded.expect) == set(violated) and set(loaded.vacuous) == vacuous
    for r in results:
        if r.trace is not None:
            replay(system, r.trace, violates=r.trace and (CATALOG[r.property].goal(system).leads_to or
                                                         CATALOG[r.property].goal(system).invariant))
    if violated:  # bmc agrees on every shortest length
        wanted = [g for g in goals if g.id in violated]
        for b in bmc.run(system, wanted, depth=max(violated.values())):
            assert b.verdict.value == "violated" and b.trace.length == violated[b.property], b.property


@pytest.mark.parametrize("target", [f"{DESIGN_7}:fixed", f"{DESIGN_8}:fixed"])
def test_issue_designs_fixed_hold_with_more_clients_and_classes(target):
    from scmcheck.targets import load

    system = load(target, {"clients": "2", "classes": "2"}).system
    assert all(v == "proved" for v, _ in _verdicts(system).values())


def test_design_8_is_the_preempted_create_instance():
    """The shortest late activation: an activation is dispatched, another client's release brings the
    count to zero (the decision), and only then does the constructor run."""
    from scmcheck.targets import load

    system = load(f"{DESIGN_8}:buggy").system
    (r,) = explicit.run(system, [CATALOG["no_activation_after_shutdown_decision"].goal(system)])
    steps = [(st.process, st.action) for st in r.trace.steps]
    dispatched = steps.index(("client1", "client_activation_dispatched"))
    decided = next(j for j, s in enumerate(r.trace.states) if r.trace.as_dict(s)["shutdown_decided[1]"]) - 1
    assert dispatched < decided < len(steps) - 1
    assert steps[-1] == ("client1", "server_activate_instance")


def test_design_8_fixed_states_its_assumption_on_com():
    from scmcheck.targets import load

    system = load(f"{DESIGN_8}:fixed").system
    assert any("COM counts an activation it has dispatched" in a for a in system.assumptions)


@pytest.mark.parametrize("target,code,violated", [
    (f"{DESIGN_7}:buggy", 1, {"unused_server_exits"}),
    (f"{DESIGN_7}:fixed", 0, set()),
    (f"{DESIGN_8}:buggy", 1, {"no_activation_after_shutdown_decision", "client_never_holds_disconnected_object",
                              "server_exits_only_when_unused", ACTIVATION}),
    (f"{DESIGN_8}:fixed", 0, set()),
])
def test_issue_designs_through_the_cli(target, code, violated, capsys, tmp_path):
    from scmcheck.cli import main

    status = main(["check", target, "--engine", "explicit", "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert status == code
    assert {r["property"] for r in out["results"] if r["verdict"] == "violated"} == violated
    assert {r["verdict"] for r in out["results"]} <= {"violated", "proved", "vacuous"}
    assert all(any("server process" in a for a in r["assumptions"]) for r in out["results"])
