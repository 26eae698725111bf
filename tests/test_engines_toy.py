"""The three engines on tiny systems whose answers are known by hand.

Each system is written in the modelling language; the expected state counts,
bounds and shortest lengths are derived in the comments, so a failure here
points at an engine (or the language) and not at a model.
"""

from __future__ import annotations

import enum

import pytest

from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import FALSE, TRUE, all_of, count_true, ite, min_, not_
from scmcheck.model.lang.system import System
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.properties.result import Goal, Verdict
from scmcheck.traces import itf
from scmcheck.traces.replay import replay

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN

FUZZ = {"depth": 20, "runs": 60}  # enough for these systems, small enough to keep the file fast


def assert_trace(system, goal, result, engine, tmp_path):
    """A violation's trace replays to a first violation and round-trips through ITF JSON."""
    t = result.trace
    assert result.verdict == V and t is not None
    assert t.engine == engine and t.property == goal.id and t.model == system.name
    assert replay(system, t, violates=goal.invariant) == t.final
    path = itf.save(t, tmp_path / f"{engine}-{goal.id}.itf.json")
    back = itf.load(path)
    assert back == t, f"{engine} trace changed through ITF JSON"
    replay(system, back, violates=goal.invariant)
    return t


# ---------------------------------------------------------------- counter

def counter(n: int, reset: bool) -> System:
    """x counts 0..n; with ``reset`` it may drop back to 0 (cycles), without it stops at n."""
    m = System("counter", "x counts up to n")
    x = m.int("x", 0, n, 0, "the count")
    m.action("count_inc", "counter", x < n, {x: x + 1})
    if reset:
        m.action("count_reset", "counter", x > 0, {x: 0})
    return m


@pytest.mark.parametrize("n", [1, 3, 5])
@pytest.mark.parametrize("reset", [True, False])
def test_counter_states_and_shortest_run(n, reset, tmp_path):
    m = counter(n, reset)
    top = Goal("never_top", (), m["x"] != n)
    fits = Goal("in_range", (), m["x"] <= n)
    ex = explicit.run(m, [top, fits])
    # n+1 states (0..n), each reachable in x steps: diameter n.
    assert (ex[1].verdict, ex[1].states, ex[1].bound) == (P, n + 1, n)
    assert (ex[0].verdict, ex[0].bound) == (V, n)
    t = assert_trace(m, top, ex[0], "explicit", tmp_path)
    assert [s.action for s in t.steps] == ["count_inc"] * n
    assert [s.state for s in t.steps] == [(k,) for k in range(1, n + 1)]

    b = bmc.run(m, [top, fits], depth=n + 3)
    assert (b[0].verdict, b[0].bound) == (V, n)
    assert [s.action for s in assert_trace(m, top, b[0], "bmc", tmp_path).steps] == ["count_inc"] * n
    if reset:
        # count_reset makes runs infinite: bmc can never show "no longer path exists".
        assert (b[1].verdict, b[1].bound) == (B, n + 3)
    else:
        # The longest run is the n increments.
        assert (b[1].verdict, b[1].bound) == (P, n)

    fz = fuzz.run(m, [top, fits], **FUZZ)
    assert fz[0].verdict == V and fz[0].bound >= n
    assert_trace(m, top, fz[0], "fuzz", tmp_path)
    assert fz[1].verdict == U and fz[1].trace is None and fz[1].steps > 0


def test_bmc_proves_exactly_when_the_depth_passes_the_longest_run():
    m = counter(4, reset=False)
    fits = Goal("in_range", (), m["x"] <= 4)
    # Runs have at most 4 steps: depth 5 is the first to find no path of length k.
    assert [(r.verdict, r.bound) for r in bmc.run(m, [fits], depth=5)] == [(P, 4)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, [fits], depth=4)] == [(B, 4)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, [fits], depth=40)] == [(P, 4)]


def test_explicit_bounded_below_the_diameter():
    m = counter(5, reset=True)
    top = Goal("never_top", (), m["x"] != 5)
    for k in range(5):
        # Levels 0..k are checked: states 0..k, no violation yet.
        assert [(r.verdict, r.bound, r.states) for r in explicit.run(m, [top], depth=k)] == [(B, k, k + 1)]
        assert [(r.verdict, r.bound) for r in bmc.run(m, [top], depth=k)] == [(B, k)]
    # The depth is inclusive: a violation exactly at the bound is found by both.
    assert [(r.verdict, r.bound) for r in explicit.run(m, [top], depth=5)] == [(V, 5)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, [top], depth=5)] == [(V, 5)]


# ---------------------------------------------------------------- mutex

class Pc(enum.IntEnum):
    """Where a thread is."""

    IDLE = 0
    WANT = 1
    CRIT = 2


def mutex(n: int, lock: bool) -> System:
    """n threads: idle -> want -> crit -> idle; with ``lock`` entering takes a lock."""
    m = System("mutex", "threads entering a critical section", parameters={"threads": n, "lock": lock})
    pcs = [m.enum(f"pc[{i}]", Pc, Pc.IDLE, f"where thread {i} is") for i in range(n)]
    held = m.bool("held", False, "the lock is taken") if lock else None
    for i, pc in enumerate(pcs):
        m.action("thread_want", f"thread{i}", pc == Pc.IDLE, {pc: Pc.WANT}, args={"i": i})
        if lock:
            m.action("thread_enter", f"thread{i}", [pc == Pc.WANT, ~held], {pc: Pc.CRIT, held: True}, args={"i": i})
            m.action("thread_exit", f"thread{i}", pc == Pc.CRIT, {pc: Pc.IDLE, held: False}, args={"i": i})
        else:
            m.action("thread_enter", f"thread{i}", pc == Pc.WANT, {pc: Pc.CRIT}, args={"i": i})
            m.action("thread_exit", f"thread{i}", pc == Pc.CRIT, {pc: Pc.IDLE}, args={"i": i})
    m.define("one_in_crit", count_true(pc == Pc.CRIT for pc in pcs) <= 1)
    return m


# Reachable states:
#   no lock: every pc combination is reachable: 3^n (9, 27).
#   lock:    at most one thread in CRIT and held == (someone is in CRIT):
#            n=2: 9 - 1 (both CRIT) = 8;  n=3: 2^3 (nobody CRIT) + 3 * 2^2 (one CRIT) = 20.
# Diameter (largest BFS distance):
#   no lock: all threads CRIT: 2n steps (4, 6).
#   lock:    one CRIT and the others WANT: 2 + (n-1) steps (3, 4).
# Shortest violation without the lock: want, want, enter, enter = 4, for n = 2 and 3.
EXPECT = {(2, False): (9, 4), (3, False): (27, 6), (2, True): (8, 3), (3, True): (20, 4)}


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("lock", [True, False])
def test_mutex(n, lock, tmp_path):
    m = mutex(n, lock)
    goal = Goal("mutual_exclusion", ("demo",), m.definition("one_in_crit"))
    states, diameter = EXPECT[(n, lock)]
    everything = explicit.run(m, [Goal("all", (), TRUE)])[0]
    assert (everything.verdict, everything.states, everything.bound) == (P, states, diameter)

    ex = explicit.run(m, [goal])[0]
    b = bmc.run(m, [goal], depth=12)[0]
    if lock:
        assert (ex.verdict, ex.states, ex.bound) == (P, states, diameter)
        # Threads may go round forever, so bmc only bounds (a correct answer, not a disagreement).
        assert (b.verdict, b.bound) == (B, 12)
        fz = fuzz.run(m, [goal], **FUZZ)[0]
        assert fz.verdict == U and fz.trace is None
        return
    assert (ex.verdict, ex.bound) == (V, 4)
    assert (b.verdict, b.bound) == (V, 4)
    for r, engine in ((ex, "explicit"), (b, "bmc")):
        t = assert_trace(m, goal, r, engine, tmp_path)
        assert sorted(s.action for s in t.steps) == ["thread_enter"] * 2 + ["thread_want"] * 2
        assert len({s.process for s in t.steps}) == 2
        assert t.parameters == {"threads": n, "lock": False}
    fz = fuzz.run(m, [goal], **FUZZ)[0]
    assert fz.verdict == V and fz.bound >= 4
    assert_trace(m, goal, fz, "fuzz", tmp_path)


# ---------------------------------------------------------------- corner cases

def test_deadlock_at_the_start():
    """No action is ever enabled: one state, proved everywhere; fuzz must not crash."""
    m = System("stuck")
    x = m.bool("x", False)
    m.action("never", "p", FALSE, {x: True})
    goal = Goal("x_stays_false", (), not_(x))
    assert [(r.verdict, r.bound, r.states) for r in explicit.run(m, [goal])] == [(P, 0, 1)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, [goal], depth=5)] == [(P, 0)]
    fz = fuzz.run(m, [goal], **FUZZ)[0]
    assert fz.verdict == U and fz.steps > 0


def test_deadlock_after_a_violation(tmp_path):
    """The system stops right after the violating step; fuzz still finds and replays it."""
    m = System("stops")
    x = m.int("x", 0, 2, 0)
    m.action("go", "p", x < 2, {x: x + 1})
    goal = Goal("below_two", (), x < 2)
    for engine, r in (("explicit", explicit.run(m, [goal])[0]), ("bmc", bmc.run(m, [goal])[0]),
                      ("fuzz", fuzz.run(m, [goal], **FUZZ)[0])):
        assert (r.verdict, r.bound) == (V, 2)
        assert_trace(m, goal, r, engine, tmp_path)


def test_initially_violated_invariant(tmp_path):
    m = counter(3, reset=True)
    goal = Goal("x_positive", (), m["x"] > 0)
    for engine, r in (("explicit", explicit.run(m, [goal])[0]), ("bmc", bmc.run(m, [goal])[0]),
                      ("fuzz", fuzz.run(m, [goal], **FUZZ)[0])):
        assert (r.verdict, r.bound) == (V, 0), engine
        t = assert_trace(m, goal, r, engine, tmp_path)
        assert t.steps == [] and t.init == (0,)


def test_several_goals_keep_their_order_and_lengths(tmp_path):
    m = counter(4, reset=False)
    x = m["x"]
    goals = [Goal("below3", (), x < 3), Goal("always", (), TRUE), Goal("below1", (), x < 1), Goal("below3", (), x < 3)]
    for engine, results in (("explicit", explicit.run(m, goals)), ("bmc", bmc.run(m, goals, depth=10))):
        assert [(r.property, r.verdict, r.bound) for r in results] == [
            ("below3", V, 3), ("always", P, 4), ("below1", V, 1), ("below3", V, 3)], engine
        for g, r in zip(goals, results):
            if r.verdict == V:
                assert_trace(m, g, r, engine, tmp_path)


def test_bmc_goals_with_equal_ids_stay_apart():
    """Regression: bmc named its per-goal literal after the goal id only, so a second
    goal with the same id inherited the first one's negated invariant and was 'proved'."""
    m = counter(3, reset=False)
    x = m["x"]
    goals = [Goal("p", (), x != 2), Goal("p", (), x != 1)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, goals, depth=5)] == [(V, 2), (V, 1)]
    assert [(r.verdict, r.bound) for r in explicit.run(m, goals)] == [(V, 2), (V, 1)]


def test_bmc_variable_named_like_an_internal_literal():
    """Regression: a bool variable named ``oob`` shared the Z3 constant of bmc's range-check
    literal ``oob@k``, which made every run that sets it look impossible: bmc 'proved' a
    violated invariant."""
    m = System("collide")
    x = m.int("x", 0, 3, 0)
    oob = m.bool("oob", False)
    take = m.bool("take", False)
    # x + 1 may exceed 3 by interval analysis, so the range check is active.
    m.action("step", "p", x < 3, {x: x + 1, oob: x == 1, take: x == 0})
    goals = [Goal("never_oob", (), not_(oob)), Goal("never_take", (), not_(take))]
    assert [(r.verdict, r.bound) for r in explicit.run(m, goals)] == [(V, 2), (V, 1)]
    assert [(r.verdict, r.bound) for r in bmc.run(m, goals, depth=6)] == [(V, 2), (V, 1)]


def test_saturated_updates_and_enums_agree_across_engines(tmp_path):
    """A clock that saturates (min_) next to an enum phase: all three engines see the same state."""

    class Phase(enum.IntEnum):
        START = 0
        RUN = 1
        DONE = 2

    m = System("clocked", time_unit=10)
    phase = m.enum("phase", Phase, Phase.START)
    t = m.int("t", 0, 3, 0)
    m.action("worker_start", "worker", phase == Phase.START, {phase: Phase.RUN})
    m.action("clock_tick", "clock", phase == Phase.RUN, {t: min_(t + 1, 3)}, duration=10)
    m.action("worker_finish", "worker", all_of(phase == Phase.RUN, t >= 2),
             {phase: ite(t == 3, Phase.DONE, Phase.START), t: 0})
    goal = Goal("never_done", (), phase != Phase.DONE)
    # Shortest: start, tick, tick, tick, finish (t must be 3 when finishing) = 5 steps.
    results = {"explicit": explicit.run(m, [goal])[0], "bmc": bmc.run(m, [goal])[0],
               "fuzz": fuzz.run(m, [goal], **FUZZ)[0]}
    for engine, r in results.items():
        assert r.verdict == V
        tr = assert_trace(m, goal, r, engine, tmp_path)
        assert tr.final == (int(Phase.DONE), 0)
        assert tr.steps[-1].time == 10 * sum(s.action == "clock_tick" for s in tr.steps)
    assert results["explicit"].bound == results["bmc"].bound == 5
    assert results["fuzz"].bound >= 5
    # The states (START/RUN x t, then DONE): START has t=0 only, RUN t=0..3, DONE t=0: 6 states.
    assert explicit.run(m, [Goal("all", (), TRUE)])[0].states == 6


# ---------------------------------------------------------------- out of range

def test_update_leaving_its_range_is_a_model_error():
    m = System("overflow")
    x = m.int("x", 0, 2, 0)
    for i in (1, 2):
        m.action("bump", "p", TRUE, {x: x + i}, args={"i": i})
    goal = Goal("always", (), TRUE)
    with pytest.raises(ModelError) as ex:
        explicit.run(m, [goal])
    assert "bump(i=2)" in str(ex.value) and "x" in str(ex.value) and "0..2" in str(ex.value)
    with pytest.raises(ModelError) as bm:
        bmc.run(m, [goal], depth=5)
    assert "bump(i=" in str(bm.value) and "x=" in str(bm.value)
    with pytest.raises(ModelError):
        fuzz.run(m, [goal], **FUZZ)


def test_unreachable_out_of_range_update_is_fine():
    """x + 1 could leave 0..3 by interval analysis, but the guard keeps it in range."""
    m = System("guarded")
    x = m.int("x", 0, 3, 0)
    m.action("inc", "p", x < 3, {x: x + 1})
    m.action("reset", "p", x == 3, {x: 0})
    goal = Goal("small", (), x <= 3)
    assert [r.verdict for r in explicit.run(m, [goal])] == [P]
    assert [r.verdict for r in bmc.run(m, [goal], depth=8)] == [B]
    assert [r.verdict for r in fuzz.run(m, [goal], **FUZZ)] == [U]


# ---------------------------------------------------------------- malformed models

class Color(enum.IntEnum):
    RED = 0
    GREEN = 1


class Shape(enum.IntEnum):
    ROUND = 0
    SQUARE = 1


class Gappy(enum.IntEnum):
    ONE = 1
    TWO = 2


def _base() -> System:
    m = System("bad")
    m.int("x", 0, 3, 0)
    m.bool("b", False)
    m.enum("c", Color, Color.RED)
    return m


def _other_system_x():
    o = System("other")
    o.bool("pad")
    return o.int("x", 0, 3, 0)  # same name, different index


MALFORMED = {
    "unknown var in update": lambda m: m.action("a", "p", TRUE, {"nope": 1}),
    "unknown var by subscript": lambda m: m["nope"],
    "var of another system in guard": lambda m: m.action("a", "p", _other_system_x() == 0, {"x": 1}),
    "var of another system as update key": lambda m: m.action("a", "p", TRUE, {_other_system_x(): 1}),
    "var of another system in update value": lambda m: m.action("a", "p", TRUE, {"x": _other_system_x()}),
    "var of another system in a definition": lambda m: m.define("d", _other_system_x() > 1),
    "duplicate action label": lambda m: [m.action("a", "p", TRUE, {}), m.action("a", "q", TRUE, {})],
    "duplicate family member": lambda m: [m.action("a", "p", TRUE, {}, args={"i": 1}),
                                          m.action("a", "p", TRUE, {}, args={"i": 1})],
    "duplicate var": lambda m: m.int("x", 0, 1, 0),
    "duplicate var of another kind": lambda m: m.bool("x"),
    "int init above range": lambda m: m.int("y", 0, 3, 4),
    "int init below range": lambda m: m.int("y", 0, 3, -1),
    "int init is a bool": lambda m: m.int("y", 0, 3, True),
    "empty int range": lambda m: m.int("y", 3, 2, 3),
    "bool init is an int": lambda m: m.bool("y", 1),
    "enum init of another enum": lambda m: m.enum("y", Color, Shape.ROUND),
    "enum init is an int": lambda m: m.enum("y", Color, 0),
    "enum class is not an IntEnum": lambda m: m.enum("y", int, 0),
    "enum values not 0..n-1": lambda m: m.enum("y", Gappy, Gappy.ONE),
    "enum compared with another enum": lambda m: m.action("a", "p", m["c"] == Shape.ROUND, {}),
    "enum assigned another enum": lambda m: m.action("a", "p", TRUE, {"c": Shape.SQUARE}),
    "enum ite mixing enums": lambda m: ite(m["b"], Color.RED, Shape.ROUND),
    "enum compared with a string": lambda m: m["c"] == "RED",
    "python and on exprs": lambda m: (m["x"] > 0) and m["b"],
    "python or on exprs": lambda m: m["b"] or (m["x"] > 0),
    "python not on expr": lambda m: not m["b"],
    "python if on expr": lambda m: 1 if m["x"] > 0 else 0,
    "chained comparison": lambda m: 0 < m["x"] < 3,
    "bool compared with int": lambda m: m["b"] == 1,
    "int var assigned a bool": lambda m: m.action("a", "p", TRUE, {"x": True}),
    "bool var assigned an int": lambda m: m.action("a", "p", TRUE, {"b": m["x"]}),
    "var assigned twice": lambda m: m.action("a", "p", TRUE, {"x": 1, m["x"]: 2}),
    "guard is an int": lambda m: m.action("a", "p", m["x"] + 1, {}),
    "arithmetic on a bool": lambda m: m["b"] + 1,
    "bad variable name": lambda m: m.bool("2x"),
    "declare after freeze": lambda m: [m.action("a", "p", TRUE, {}), m.freeze(), m.bool("late")],
    "no actions": lambda m: m.freeze(),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_model_is_a_model_error(name):
    with pytest.raises(ModelError):
        MALFORMED[name](_base())


def test_well_formed_uses_of_the_same_features_are_accepted():
    """The malformed cases above fail for the reason named, not for something they share."""
    m = _base()
    x, b, c = m["x"], m["b"], m["c"]
    m.action("a", "p", [x > 0, ~b, c == Color.RED], {x: 1, b: x == 2, c: ite(b, Color.GREEN, c)})
    m.action("a", "p", (x < 3) & b, {}, args={"i": 1})
    m.define("d", c != Color.GREEN)
    m.freeze()
    assert explicit.run(m, [Goal("g", (), m.definition("d"))])[0].verdict in (P, V)
