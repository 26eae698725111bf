"""BMC on leads-to and time-lock goals, on tiny systems decided by hand.

The semantics are model/lang/temporal.py's: weak fairness per process (none for
the environment), time progresses, a stutter is a run when no fair process can
move (and, timed, the state is quiescent).  Each system's expected verdict,
length and loop index follow from its comment, and every leads-to answer is
also checked against a brute-force search over all lassos of at most k steps
(:func:`shortest_lasso`), so "shortest" and "no lasso" are both tested.
"""

from __future__ import annotations

import pytest

from scmcheck.model.lang.clock import AT_ONCE, Clock, TimePoint
from scmcheck.model.lang.expr import FALSE, TRUE, all_of, compile_python, ite, not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo, TimeLock, lets_time_pass, loop_unfairness
from scmcheck.properties.engines import bmc, explicit
from scmcheck.properties.result import Goal, Verdict
from scmcheck.traces.replay import replay

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN


def leads_to(trigger, goal, hold=TRUE, name="lt") -> Goal:
    return Goal(name, (), leads_to=LeadsTo(trigger, goal, hold))


def time_lock() -> Goal:
    return Goal("time_can_advance", (), time_lock=True)


def check(m: System, goal: Goal, depth: int, **opts):
    (r,) = bmc.run(m, [goal], depth=depth, **opts)
    assert r.kind == goal.kind and r.engine == "bmc"
    return r


def shortest_lasso(m: System, lt: LeadsTo, depth: int):
    """(k, set of loop indices at k) of the shortest counterexample lassos, by enumerating every path
    of at most ``depth`` steps; None when there is none.  Independent of BMC's encoding."""
    m.freeze()
    trig, goal, hold = (compile_python(e) for e in (lt.trigger, lt.goal, lt.hold))
    paths = [([m.init_state()], [])]
    for k in range(depth + 1):
        loops = set()
        for states, acts in paths:
            # some trigger state with no goal state from it to the end ("from ANY trigger state")
            if not any(trig(states[i]) and not any(goal(s) for s in states[i:]) for i in range(k + 1)):
                continue
            for j in range(k + 1):
                if states[j] != states[k]:
                    continue
                body = states[j:]
                if any(goal(s) or not hold(s) for s in body):
                    continue
                if loop_unfairness(m, body, acts[j:]) is None:
                    loops.add(j)
        if loops:
            return k, loops
        paths = [(states + [t], acts + [a]) for states, acts in paths for a, t in m.successors(states[-1])]
    return None


def lasso(m: System, goal: Goal, r, k: int, loop: int):
    """A shortest counterexample: k steps, looping back to ``loop``, a fair run that replays."""
    t = r.trace
    assert r.verdict == V and t is not None, r.reason
    assert (r.bound, t.length, t.loop) == (k, k, loop)
    assert replay(m, t, violates=goal.leads_to) == t.final
    states = t.states
    assert states[t.loop] == t.final
    acts = [m.find_action(s.action, s.args) for s in t.steps]
    assert loop_unfairness(m, states[t.loop:], acts[t.loop:]) is None
    want = shortest_lasso(m, goal.leads_to, k)
    assert want is not None and want[0] == k and t.loop in want[1]
    return t


def no_lasso(m: System, goal: Goal, r, depth: int, verdict=B, bound=None):
    assert r.verdict == verdict, r.reason
    assert r.trace is None
    assert r.bound == (depth if bound is None else bound)
    if verdict == B:
        assert r.reason == f"no fair lasso of at most {depth} steps"
    assert shortest_lasso(m, goal.leads_to, depth) is None


# ---------------------------------------------------------------- fairness

def counter() -> System:
    """The worker w counts x 0 -> 1 -> 2 and stops: every run ends in the stutter at x == 2."""
    m = System("counter")
    x = m.int("x", 0, 2, 0)
    m.action("step", "w", x < 2, {x: x + 1})
    return m


def test_fair_progress_gives_no_lasso_and_a_finite_system_is_proved():
    m = counter()
    g = leads_to(TRUE, m["x"] == 2)
    # The stutters at x=0 and x=1 are unfair (w can move); no path of 3 steps exists: proved.
    r = check(m, g, depth=10)
    no_lasso(m, g, r, 10, verdict=P, bound=2)
    assert "stutter" in r.reason


def test_an_environment_worker_may_stop():
    """The same counter run by the environment: nobody forces it, so the run may stop at x == 0."""
    m = counter()
    m.environment_process("w")
    g = leads_to(TRUE, m["x"] == 2)
    t = lasso(m, g, check(m, g, depth=5), k=0, loop=0)
    assert t.steps == []


@pytest.mark.parametrize("spinner_is_env", [True, False])
def test_unfair_starvation_is_not_a_counterexample(spinner_is_env):
    """A spinner flips b forever; w could finish at any time.  The loop that never lets w move starves a
    thread that is enabled throughout: not a fair run, whether the spinner is the environment or a thread."""
    m = System("starve")
    b, done = m.bool("b"), m.bool("done")
    m.action("flip", "spinner", TRUE, {b: not_(b)})
    m.action("finish", "w", not_(done), {done: True})
    if spinner_is_env:
        m.environment_process("spinner")
    g = leads_to(TRUE, done)
    no_lasso(m, g, check(m, g, depth=6), 6)


def weak_fairness(hold=TRUE) -> tuple[System, Goal]:
    """w may finish only while b holds; the thread t flips b forever (and a client may leave and come back).
    w is enabled infinitely often but not continuously: weak fairness does not force it."""
    m = System("weak")
    b, done, using = m.bool("b"), m.bool("done"), m.bool("using", True)
    m.action("flip", "t", TRUE, {b: not_(b)})
    m.action("finish", "w", all_of(b, not_(done)), {done: True})
    m.action("leave", "client", using, {using: False})
    m.action("enter", "client", not_(using), {using: True})
    m.environment_process("client")
    return m, leads_to(TRUE, done, hold)


def test_weakly_fair_loop_is_a_counterexample():
    m, g = weak_fairness()
    # No stutter (t is always enabled), no self-loop: flip, flip back to the initial state.
    t = lasso(m, g, check(m, g, depth=6), k=2, loop=0)
    assert [s.action for s in t.steps] == ["flip", "flip"]


def ring() -> System:
    """The thread t moves x around 0 -> 1 -> 2 -> 3 -> 0 forever; done is never set."""
    m = System("ring")
    x, done = m.int("x", 0, 3, 0), m.bool("done")
    m.action("next", "t", TRUE, {x: ite(x < 3, x + 1, 0)})
    m.action("finish", "client", FALSE, {done: True})
    m.environment_process("client")
    return m


def test_hold_restricts_the_loop():
    m, _ = weak_fairness()
    g = leads_to(TRUE, m["done"], not_(m["using"]))
    # The loop must have nobody using the server: leave first, then flip twice, back to the state after leave.
    t = lasso(m, g, check(m, g, depth=6), k=3, loop=1)
    assert t.steps[0].action == "leave" and [s.action for s in t.steps[1:]] == ["flip", "flip"]
    # hold must hold in every state of the loop, not only where it closes.
    m = ring()
    g = leads_to(TRUE, m["done"], m["x"] != 1)
    no_lasso(m, g, check(m, g, depth=8), 8)
    g = leads_to(TRUE, m["done"])
    lasso(m, g, check(m, g, depth=8), k=4, loop=0)
    m, _ = weak_fairness()
    # hold = false: no loop can satisfy it.
    g = leads_to(TRUE, m["done"], FALSE)
    no_lasso(m, g, check(m, g, depth=5), 5)


def test_an_optional_branch_is_not_forced():
    """w may spin (flip c) or finish: fairness per process, not per action, so the loop where w spins
    forever is fair although finish is enabled throughout (a branch of the thread is never forced)."""
    m = System("branch")
    c, done = m.bool("c"), m.bool("done")
    m.action("spin", "w", not_(done), {c: not_(c)})
    m.action("finish", "w", not_(done), {done: True})
    g = leads_to(TRUE, done)
    t = lasso(m, g, check(m, g, depth=6), k=2, loop=0)
    assert [s.action for s in t.steps] == ["spin", "spin"]


def test_an_action_declared_not_fair_is_never_forced():
    """w may finish (a fair step) or fail (fair=False: "may happen at any moment, or never").  Failing is
    never forced: once w can only fail, the run may stop.  And w stays able to move only through finish."""
    m = System("optional")
    done, failed = m.bool("done"), m.bool("failed")
    m.action("finish", "w", all_of(not_(done), not_(failed)), {done: True})
    m.action("fail", "w", not_(failed), {failed: True}, fair=False)
    # TRUE ~> failed: after finish, only fail is enabled, and it is not fair: the run stops at done.
    g = leads_to(TRUE, failed)
    t = lasso(m, g, check(m, g, depth=4), k=1, loop=1)
    assert [s.action for s in t.steps] == ["finish"]
    # TRUE ~> done or failed: finish is fair and enabled until w fails, so w must move.
    g2 = leads_to(TRUE, m["done"] | m["failed"])
    no_lasso(m, g2, check(m, g2, depth=4), 4, verdict=P, bound=2)


def test_stutter_with_the_goal_false_and_no_fair_thread_able_to_move():
    """A client requests, the environment breaks the server; the thread w can no longer serve and the run
    stops there: a stutter (loop == length)."""
    m = System("stuck")
    req, served, broken = m.bool("req"), m.bool("served"), m.bool("broken")
    m.action("request", "client", not_(req), {req: True})
    m.action("break_it", "client", not_(broken), {broken: True})
    m.action("serve", "w", all_of(req, not_(served), not_(broken)), {served: True})
    m.environment_process("client")
    g = leads_to(req, served)
    t = lasso(m, g, check(m, g, depth=6), k=2, loop=2)
    assert sorted(s.action for s in t.steps) == ["break_it", "request"]
    assert t.final == (True, False, True)
    # Assuming no breakdown in the loop, the request is always served; every run ends within 3 steps.
    g2 = leads_to(req, served, not_(broken))
    no_lasso(m, g2, check(m, g2, depth=6), 6, verdict=P, bound=3)


def test_the_trigger_may_come_inside_the_loop():
    """The goal must stay false on the whole loop, also before the trigger: x cycles 0 -> 1 -> 0 while the
    trigger holds at x == 1; the goal y is never set.  The loop starts before the trigger."""
    m = System("cycle")
    x, y = m.bool("x"), m.bool("y")
    m.action("toggle", "w", TRUE, {x: not_(x)})
    m.action("set_y", "env", FALSE, {y: True})
    m.environment_process("env")
    g = leads_to(x, y)
    lasso(m, g, check(m, g, depth=4), k=2, loop=0)
    # A goal that holds at x == 0 is met again and again: no counterexample.
    g2 = leads_to(x, not_(x))
    no_lasso(m, g2, check(m, g2, depth=4), 4)
    # On the ring, the goal x == 1 comes before the trigger x == 2 in the loop 0..4: it recurs, so no lasso.
    m = ring()
    g3 = leads_to(m["x"] == 2, m["x"] == 1)
    no_lasso(m, g3, check(m, g3, depth=8), 8)


# ---------------------------------------------------------------- time progress

def timed_worker(reset: bool) -> System:
    """c counts down 2 -> 0 (with reset, the tick stops at c=1, where reset's guard c < 2 turns true,
    and at 0; without, it jumps 2 -> 0 or stops at the first second, c=1); at 0 the worker finishes at once.  A client pokes
    (flips p) in zero time whenever it likes; with ``reset`` it may also put c back to 2."""
    m = System("timed", time_unit=1.0)
    c, p, done = m.int("c", 0, 2, 2), m.bool("p"), m.bool("done")
    clk = Clock(m, 1.0)
    m.action("poke", "client", TRUE, {p: not_(p)})
    fin = m.action("finish", "w", all_of(c == 0, not_(done)), {done: True})
    if reset:
        m.action("reset", "client", all_of(c < 2, c > 0), {c: 2})
    clk.urgent(fin)
    clk.countdown(c, not_(done))
    clk.tick()
    m.environment_process("client")
    return m


def test_a_zeno_loop_is_not_a_counterexample():
    m = timed_worker(reset=False)
    g = leads_to(TRUE, m["done"])
    # poke, poke is a loop in zero time (Zeno); the stutter at c=2 is not quiescent (the timer runs);
    # once c reaches 0 the worker must finish.
    no_lasso(m, g, check(m, g, depth=6), 6)


def test_a_loop_with_time_passing_is_a_counterexample():
    m = timed_worker(reset=True)
    g = leads_to(TRUE, m["done"])
    # tick (c=1), reset (c=2): back to the start, a second passed, w was never enabled.
    t = lasso(m, g, check(m, g, depth=6), k=2, loop=0)
    assert [s.action for s in t.steps] == ["tick", "reset"]


def test_stutter_needs_a_quiescent_state():
    """Untimed, a run may stop where only the environment can move; timed, only where time passes idly."""
    m = System("wait", time_unit=1.0)
    c, done = m.int("c", 0, 1, 1), m.bool("done")
    clk = Clock(m, 1.0)
    m.action("finish", "client", c == 0, {done: True})
    clk.countdown(c, TRUE)
    clk.tick()
    m.environment_process("client")
    g = leads_to(TRUE, done)
    # c=1 is not quiescent (the timer runs); after the tick c=0 is: the run may stop there (the client
    # is not forced to finish).
    lasso(m, g, check(m, g, depth=4), k=1, loop=1)


# ---------------------------------------------------------------- time-locks

def deadline_deadlock() -> System:
    """c counts 2 -> 0; at 0 the worker must finish at once, but only without the lock, which the
    environment may grab at any time: grabbed before the deadline, nothing can move and time cannot pass."""
    m = System("deadline", time_unit=1.0)
    c, locked, done = m.int("c", 0, 2, 2), m.bool("locked"), m.bool("done")
    clk = Clock(m, 1.0)
    m.action("finish", "w", all_of(c == 0, not_(done), not_(locked)), {done: True})
    m.action("grab", "env", not_(locked), {locked: True})
    clk.urgent(all_of(c == 0, not_(done)))
    clk.countdown(c, not_(done))
    clk.tick()
    m.environment_process("env")
    return m


def agree_with_explicit(m: System, r) -> None:
    """BMC's time-lock verdict never contradicts the explicit engine's."""
    (e,) = explicit.run(m, [time_lock()])
    if r.verdict == V:
        assert e.verdict == V and e.trace.length == r.trace.length
    if r.verdict in (B, P):
        assert e.verdict in (P, B)
    if e.verdict == V and r.verdict != U:
        assert r.verdict == V or r.bound < e.trace.length


def test_time_lock_on_a_deadlock_with_a_running_timer():
    m = deadline_deadlock()
    g = time_lock()
    r = check(m, g, depth=8)
    # The tick jumps c from 2 straight to its deadline 0 (tick_early may stop at c=1 first).
    # Depth 1: after tick, (c=0, unlocked) cannot let time pass now, but finish leads to a quiescent
    # state: refuted.  Depth 2: grab, tick reaches (c=0, locked): confirmed.
    assert r.verdict == V and r.bound == 2 and r.trace.length == 2 and r.trace.loop is None
    assert r.extra["refuted_candidates"] == 1
    # grab then tick, or tick then grab: both reach (c=0, locked), and the solver may pick either
    assert sorted(s.action for s in r.trace.steps) == ["grab", "tick"]
    assert r.trace.final == (0, True, False, TimePoint.DEADLINE)
    assert lets_time_pass(m, r.trace.final) is False
    assert replay(m, r.trace, violates=TimeLock()) == r.trace.final
    agree_with_explicit(m, r)
    # Within 1 step there is only the refuted candidate.
    r2 = check(m, g, depth=1)
    assert r2.verdict == B and r2.bound == 1 and r2.extra["refuted_candidates"] == 1


def zeno_way_out(n: int) -> System:
    """c counts n -> 0; a client interrogates in zero time whenever nothing is pending, and the handler
    must answer at once: interrogate/answer is a zero-time cycle, but answering is a way out."""
    m = System("interrogate", time_unit=1.0)
    c, pending = m.int("c", 0, n, n), m.bool("pending")
    clk = Clock(m, 1.0)
    m.action("interrogate", "scm", not_(pending), {pending: True})
    ans = m.action("answer", "handler", pending, {pending: False})
    clk.urgent(ans)
    clk.countdown(c, TRUE)
    clk.tick()
    m.environment_process("scm")
    return m


def test_a_zeno_cycle_with_a_way_out_is_not_a_time_lock():
    m = zeno_way_out(2)
    r = check(m, time_lock(), depth=8)
    # The candidates are the pending states (c = 2; 1, reached by tick_early; 0), each refuted once; the
    # cycle makes runs infinite.
    assert r.verdict == B and r.bound == 8 and r.trace is None
    assert r.extra["refuted_candidates"] == 3
    assert "refuted" in r.reason
    agree_with_explicit(m, r)


@pytest.mark.parametrize("limit", [2, 3])
def test_too_many_candidates_give_unknown(limit, monkeypatch):
    """With c counting 5 -> 0 there are 4 candidates, all refuted: pending with c at 5 (the start), 4
    (tick_early: the first second after it), 1 (tick_late: the last second before the deadline 0) and 0
    (the tick jumps 5 -> 0 or 1 -> 0).  Past the limit of refutations BMC gives up (it never claims
    more than it checked)."""
    monkeypatch.setattr(bmc, "MAX_REFUTED", limit)
    m = zeno_way_out(5)
    r = check(m, time_lock(), depth=12)
    assert r.verdict == U and r.trace is None
    assert r.extra["refuted_candidates"] == limit
    assert f"{limit} were refuted" in r.reason and "BMC can only propose" in r.reason
    agree_with_explicit(m, r)
    monkeypatch.setattr(bmc, "MAX_REFUTED", 4)
    r = check(m, time_lock(), depth=12)
    assert r.verdict == B and r.extra["refuted_candidates"] == 4


def test_closure_budget_gives_unknown():
    m = zeno_way_out(2)
    # A budget of one state cannot explore beyond the candidate itself.
    r = check(m, time_lock(), depth=8, closure_budget=1)
    assert r.verdict == U and "zero-time closure" in r.reason


def test_a_quiescent_terminal_state_is_not_a_time_lock():
    """The service stops at once (urgent) and nothing waits afterwards: the stopped state is quiescent."""
    m = System("stop", time_unit=1.0)
    stopped = m.bool("stopped")
    clk = Clock(m, 1.0)
    stop = m.action("stop", "w", not_(stopped), {stopped: True})
    clk.timing("stop", stop.guard, AT_ONCE)
    clk.tick()
    r = check(m, time_lock(), depth=6)
    # The initial state (stop is urgent) is a refuted candidate; no path of 2 steps exists (the tick never
    # runs: nothing waits): proved.
    assert r.verdict == P and r.bound == 1 and r.extra["refuted_candidates"] == 1
    agree_with_explicit(m, r)


def test_untimed_model_has_no_time_lock_verdict():
    m = counter()
    r = check(m, time_lock(), depth=4)
    assert r.verdict == U and "no clock" in r.reason


# ---------------------------------------------------------------- all kinds together

def test_goal_kinds_share_one_unrolling():
    m, g = weak_fairness()
    inv = Goal("never_done", (), m["done"] == False)  # noqa: E712 - an Expr, not a Python comparison
    hold = leads_to(TRUE, m["done"], not_(m["using"]), name="lt_hold")
    rs = bmc.run(m, [inv, g, hold], depth=6)
    assert [r.kind for r in rs] == ["invariant", "leads_to", "leads_to"]
    assert [(r.verdict, r.bound) for r in rs] == [(V, 2), (V, 2), (V, 3)]
    assert (rs[1].trace.loop, rs[2].trace.loop) == (0, 1)


@pytest.mark.parametrize("seed", range(40))
def test_random_small_systems_match_brute_force(seed):
    """Random two-thread systems over two bools and a small int: BMC's shortest lasso (or none) is the
    brute-force one."""
    import random

    rnd = random.Random(seed)
    m = System(f"rand{seed}")
    a, b, x = m.bool("a"), m.bool("b"), m.int("x", 0, 2, 0)
    atoms = [a, not_(a), b, not_(b), x == 0, x == 1, x == 2, x < 2, TRUE]
    updates = [{a: not_(a)}, {b: True}, {b: False}, {x: ite(x < 2, x + 1, 0)}, {x: 0}, {a: b, b: a}]
    for n, proc in enumerate(["p", "q", "p", "env", "q", "env"]):
        m.action(f"act{n}", proc, all_of(*rnd.sample(atoms, 2)), rnd.choice(updates), fair=rnd.random() < 0.7)
    m.environment_process("env")
    g = leads_to(rnd.choice(atoms[:-1]), rnd.choice(atoms[:-1]), rnd.choice([TRUE, not_(b), x < 2]))
    depth = 5
    r = check(m, g, depth=depth)
    want = shortest_lasso(m, g.leads_to, depth)
    if want is None:
        assert r.verdict in (B, P), r.reason
    else:
        k, loops = want
        assert r.verdict == V and r.bound == k and r.trace.loop in loops
        assert replay(m, r.trace, violates=g.leads_to) == r.trace.final
