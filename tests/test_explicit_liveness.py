"""The explicit engine on leads-to and time-lock goals, on tiny systems decided by hand.

Every system is small enough that the expected verdict, trace and loop index
follow from the comments; the semantics are model/lang/temporal.py's (weak
fairness per process, none for the environment, time progresses).
"""

from __future__ import annotations

from scmcheck.model.lang.clock import AT_ONCE, Clock, Within
from scmcheck.model.lang.expr import TRUE, all_of, not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo, TimeLock, loop_unfairness
from scmcheck.properties.engines import explicit
from scmcheck.properties.result import Goal, Verdict
from scmcheck.traces.replay import replay

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN


def leads_to(trigger, goal, hold=TRUE, name="lt") -> Goal:
    return Goal(name, (), leads_to=LeadsTo(trigger, goal, hold))


def time_lock() -> Goal:
    return Goal("time_can_advance", (), time_lock=True)


def check_one(m: System, goal: Goal, **opts):
    (r,) = explicit.run(m, [goal], **opts)
    assert r.kind == goal.kind and r.engine == "explicit"
    return r


def lasso(m: System, goal: Goal, r):
    """A liveness counterexample: replays as a lasso whose loop is a fair run."""
    t = r.trace
    assert r.verdict == V and t is not None and t.loop is not None
    assert replay(m, t, violates=goal.leads_to) == t.final
    states = t.states
    assert states[t.loop] == t.final
    acts = [m.find_action(s.action, s.args) for s in t.steps]
    assert loop_unfairness(m, states[t.loop:], acts[t.loop:]) is None
    return t


def labels(t, start=0):
    return [s.action for s in t.steps[start:]]


# ---------------------------------------------------------------- fairness

def worker(env: bool = False) -> System:
    """x goes 0 -> 1 -> 2 by the worker's two steps; the worker may be the environment."""
    m = System("worker")
    x = m.int("x", 0, 2, 0)
    m.action("step", "w", x < 2, {x: x + 1})
    if env:
        m.environment_process("w")
    return m


def test_fair_progress_proves_leads_to():
    m = worker()
    g = leads_to(m["x"] == 0, m["x"] == 2)
    r = check_one(m, g)
    assert (r.verdict, r.states, r.bound, r.trace) == (P, 3, 2, None)
    assert "no fair lasso" in r.reason and "weak fairness per thread" in r.reason
    assert "no fairness for the environment" in r.reason
    assert r.assumptions


def test_an_environment_that_never_acts_is_allowed():
    # The same steps taken by the environment: it may stop at once; the run stutters in the
    # initial state (no fair thread can move): a lasso of length 0 looping at 0.
    m = worker(env=True)
    g = leads_to(m["x"] == 0, m["x"] == 2)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop) == (0, 0)


def test_leads_to_needs_the_whole_graph():
    m = worker()
    g = leads_to(m["x"] == 0, m["x"] == 2)
    r = check_one(m, g, depth=1)
    assert r.verdict == U and "liveness needs the whole reachable graph" in r.reason
    r = check_one(m, g, max_states=2)
    assert r.verdict == U and "liveness needs the whole reachable graph" in r.reason


def spinner(done_by_env: bool = False, done_only_when_a: bool = False) -> System:
    """Thread ``a`` flips a forever; thread ``b`` may set done (always, or only while a is set)."""
    m = System("spinner")
    a, done = m.bool("a"), m.bool("done")
    m.action("flip", "a", TRUE, {a: not_(a)})
    m.action("finish", "b", all_of(~done, a) if done_only_when_a else ~done, {done: True})
    if done_by_env:
        m.environment_process("b")
    return m


def test_a_thread_starved_only_unfairly_gives_no_counterexample():
    # flip, flip, ... forever while finish stays enabled is not a fair run.
    m = spinner()
    g = leads_to(TRUE, m["done"])
    assert check_one(m, g).verdict == P


def test_the_environment_may_be_starved():
    # The same with finish taken by the environment: flipping forever is a counterexample.
    m = spinner(done_by_env=True)
    g = leads_to(TRUE, m["done"])
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (2, 0, ["flip", "flip"])


def test_weak_fairness_starves_a_thread_disabled_in_the_loop():
    # finish is enabled only while a is set: the flip loop disables it every other state, so
    # weak fairness does not force it.
    m = spinner(done_only_when_a=True)
    g = leads_to(TRUE, m["done"])
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (2, 0, ["flip", "flip"])


def test_an_optional_branch_is_not_forced():
    # One thread: it may work forever or fail; fairness per process is satisfied by working.
    m = System("optional")
    a, failed = m.bool("a"), m.bool("failed")
    m.action("work", "w", ~failed, {a: not_(a)})
    m.action("fail", "w", ~failed, {failed: True})
    g = leads_to(TRUE, failed)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (2, 0, ["work", "work"])


def test_a_stutter_where_no_fair_thread_can_move_is_a_counterexample():
    # The worker stops in x == 1 (a deadlock), the goal x == 2 never comes: one step, then stutter.
    m = System("stuck")
    x = m.int("x", 0, 2, 0)
    m.action("step", "w", x == 0, {x: 1})
    g = leads_to(x == 0, x == 2)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (1, 1, ["step"])


def test_trigger_reached_late_gives_a_prefix():
    # x counts 0..3; the trigger x == 2 is reached after 2 steps; from there the environment
    # may stop (its step to 3 is not forced): the lasso stutters at x == 2.
    m = System("late")
    x = m.int("x", 0, 3, 0)
    m.action("up", "w", x < 2, {x: x + 1})
    m.action("last", "env", x == 2, {x: 3})
    m.environment_process("env")
    g = leads_to(x == 2, x == 3)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (2, 2, ["up", "up"])


def server(hold_idle: bool) -> tuple[System, Goal]:
    """A client connects and disconnects at will; the server exits only while idle."""
    m = System("server")
    busy, exited = m.bool("busy"), m.bool("exited")
    m.action("connect", "client", all_of(~busy, ~exited), {busy: True})
    m.action("disconnect", "client", busy, {busy: False})
    m.action("exit", "srv", all_of(~busy, ~exited), {exited: True})
    m.environment_process("client")
    g = leads_to(TRUE, exited, hold=~busy if hold_idle else TRUE)
    return m, g


def test_hold_restricts_the_loop():
    # Without hold, connecting and disconnecting forever starves the server fairly (it is
    # disabled while busy): a loop from the initial state.
    m, g = server(hold_idle=False)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (2, 0, ["connect", "disconnect"])
    # With "from some point on the client stays away", every loop must stay idle, where
    # the server can exit: no counterexample.
    m, g = server(hold_idle=True)
    assert check_one(m, g).verdict == P


def test_the_loop_may_come_after_a_path_without_the_goal():
    # From the trigger the run walks to a different loop: x: 0 -> 1, then y flips forever.
    m = System("walk")
    x, y, done = m.int("x", 0, 1, 0), m.bool("y"), m.bool("done")
    m.action("go", "w", x == 0, {x: 1})
    m.action("flip", "w", x == 1, {y: not_(y)})
    m.action("finish", "env", all_of(x == 1, ~done), {done: True})
    m.environment_process("env")
    g = leads_to(x == 0, done)
    t = lasso(m, g, check_one(m, g))
    assert (t.length, t.loop, labels(t)) == (3, 1, ["go", "flip", "flip"])


# ---------------------------------------------------------------- time

def zeno(answer: bool = True) -> System:
    """A service waits 2 s, then starts at once; meanwhile the SCM interrogates it in zero time,
    again and again (a Zeno cycle with a way out: the tick).  ``answer`` False: the start step
    is missing, so the service stays pending once its wait ran out."""
    m = System("zeno", time_unit=1.0)
    running, asked, t = m.bool("running"), m.bool("asked"), m.int("t", 0, 2, 2, unit=1.0)
    clock = Clock(m, 1.0)
    clock.countdown(t, ~running)
    m.action("interrogate", "scm", ~running, {asked: not_(asked)})
    m.environment_process("scm")
    if answer:
        start = m.action("start", "svc", all_of(~running, t == 0), {running: True})
        clock.timing("start", start.guard, AT_ONCE)
    clock.tick()
    return m.freeze()


def test_a_zeno_cycle_is_neither_a_time_lock_nor_a_liveness_counterexample():
    m = zeno()
    # Interrogating forever at t == 2 would keep the service from starting, but no time
    # passes in that loop: not a run.  The tick and then the urgent start must happen.
    g = leads_to(~m["running"], m["running"])
    assert check_one(m, g).verdict == P
    r = check_one(m, time_lock())
    assert r.verdict == P and r.trace is None
    # 3 timer values (2; 1, the first second after it, by tick_early; the deadline 0) x 2 answers
    # while pending, plus running with 2 answers.
    assert r.states == 8


def test_a_terminal_quiescent_state_is_not_a_time_lock():
    # Once running nothing is enabled, nothing waits: quiescent, time passes idly.
    m = zeno()
    r = check_one(m, time_lock())
    assert r.verdict == P
    final = next(s for s in explicit.reachable_states(m) if s[0])
    assert m.quiescent_fn(final) and not any(a.enabled(final) for a in m.actions)


def test_without_time_progress_the_service_may_wait_forever_only_if_quiescent():
    # Without the start step, the timer runs out and the pending service is quiescent
    # (nothing waits, nothing urgent): stuttering there is a run, and a counterexample.
    m = zeno(answer=False)
    g = leads_to(~m["running"], m["running"])
    t = lasso(m, g, check_one(m, g))
    # Looping on interrogate at t == 2 is Zeno; no guard compares t, so its only deadline is 0 and
    # the shortest lasso ticks once (2 -> 0) and then either stutters (loop == length) or loops on
    # interrogate in the quiescent state (loop < length).
    assert labels(t)[:1] == ["tick"]
    assert t.loop == 1
    assert m.quiescent_fn(t.final)


def deadline(broken: bool) -> System:
    """A worker must exit within 2 s of being signalled; ``broken``: its exit step is never
    enabled, so when the deadline comes time can no longer pass (the timer was running)."""
    m = System("deadline", time_unit=1.0)
    stop, exited = m.bool("stop", True), m.bool("exited")
    never = m.bool("never")  # stays false
    clock = Clock(m, 1.0)
    guard = all_of(stop, ~exited)
    clock.timing("exit", guard, Within(2))
    m.action("exit", "worker", all_of(guard, never) if broken else guard, {exited: True})
    clock.tick()
    return m.freeze()


def test_a_deadlock_with_a_running_timer_is_a_time_lock():
    m = deadline(broken=True)
    g = time_lock()
    r = check_one(m, g)
    # The tick jumps exit_waited from 0 to its deadline 2 (no other step is enabled, so there is no
    # tick_early/tick_late into the interval): one step to the locked state.
    assert (r.verdict, r.bound) == (V, 1)
    t = r.trace
    assert t.loop is None and labels(t) == ["tick"]
    assert replay(m, t, violates=TimeLock()) == t.final
    # The fixed worker exits in time: no time-lock (after exit the state is quiescent).
    assert check_one(deadline(broken=False), g).verdict == P


def test_time_lock_found_before_the_graph_is_exhausted():
    m = deadline(broken=True)
    g = time_lock()
    # Within 0 steps no state is locked (the initial state can tick).
    r = check_one(m, g, depth=0)
    assert (r.verdict, r.bound) == (B, 0)
    # At depth 1 the locked state (one tick to the deadline) is visited but not expanded; its
    # zero-time closure decides.
    r = check_one(m, g, depth=1)
    assert r.verdict == V and labels(r.trace) == ["tick"] and r.trace.loop is None
    r = check_one(deadline(broken=False), g, depth=1)
    assert r.verdict == B


def test_time_lock_needs_a_clock():
    m = worker()
    r = check_one(m, time_lock())
    assert r.verdict == U and r.reason == "the model has no clock"


def test_one_search_decides_every_kind_in_order():
    m = deadline(broken=True)
    goals = [Goal("inv", (), ~m["exited"]), time_lock(), leads_to(m["stop"], m["exited"])]
    res = explicit.run(m, goals)
    assert [r.kind for r in res] == ["invariant", "time_lock", "leads_to"]
    # The exit never happens, yet the leads-to holds: the only runs without it end in the
    # time-lock, which is not a run (time progresses); that is why time_can_advance is checked.
    assert [r.verdict for r in res] == [P, V, P]
    assert len({r.states for r in res}) == 1
