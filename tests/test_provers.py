"""k-induction and PDR: tiny systems answered by hand, random systems against explicit, certificates.

Also the two ways engines share the work (properties/check.py ``share``,
properties/portfolio.py ``auto``).
"""

from __future__ import annotations

import pytest
import z3

from randsys import from_seed
from scmcheck.model.lang.expr import lift, to_z3
from scmcheck.model.lang.system import System
from scmcheck.properties.check import check
from scmcheck.properties.engines import explicit, kind, pdr
from scmcheck.properties.portfolio import auto
from scmcheck.properties.result import Goal, Verdict
from scmcheck.traces.replay import replay

V, B, P, U, S = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN, Verdict.SETTLED


def cycle_of_four() -> System:
    """x cycles 0, 1, 2, 3, 0, ... in a range of 0..7.  From the unreachable 4 it climbs 4, 5, 6, 7.

    ``x != 6`` holds.  It is not 1- or 2-inductive: the unreachable runs 5 -> 6 and 4 -> 5 -> 6
    start in states that satisfy it.  It is 3-inductive: a run of three steps into 6 passes 4 and
    5 and must start at 3, and 3 never steps to 4.  ``x != 3`` is violated, at depth 3.
    """
    m = System("cycle4", "x cycles through 0..3")
    x = m.int("x", 0, 7, 0, "the position")
    m.action("counter_step", "counter", [x != 3, x < 7], {x: x + 1})
    m.action("counter_wrap", "counter", x == 3, {x: 0})
    return m


def test_kind_proves_at_the_smallest_inductive_k_and_finds_the_shortest_violation():
    m = cycle_of_four()
    never6, never3 = Goal("never6", (), m["x"] != 6), Goal("never3", (), m["x"] != 3)
    r6, r3 = kind.run(m, [never6, never3], depth=10)
    assert (r6.verdict, r6.extra["k"]) == (P, 3)
    assert "re-checked with fresh solvers" in r6.reason
    assert (r3.verdict, r3.bound) == (V, 3)
    assert [s.action for s in r3.trace.steps] == ["counter_step"] * 3
    replay(m, r3.trace, violates=never3.invariant)


def test_kind_below_the_inductive_k_is_bounded_not_proved():
    m = cycle_of_four()
    (r,) = kind.run(m, [Goal("never6", (), m["x"] != 6)], depth=2)
    assert (r.verdict, r.bound) == (B, 2)


def test_kind_certificate_that_does_not_hold_is_an_internal_error():
    m = cycle_of_four()
    m.freeze()
    g = Goal("never6", (), m["x"] != 6)
    with pytest.raises(AssertionError, match="does not re-check"):
        kind._recheck(m, 6, [g], [0], [0], 2)  # 2 is not an inductive k for x != 6
    kind._recheck(m, 6, [g], [0], [0], 3)


def test_pdr_proves_with_a_rechecked_invariant_and_traces_violations_with_bmc():
    m = cycle_of_four()
    never6, never3 = Goal("never6", (), m["x"] != 6), Goal("never3", (), m["x"] != 3)
    r6, r3 = pdr.run(m, [never6, never3])
    assert r6.verdict == P and "x" in r6.extra["invariant"]
    assert (r3.verdict, r3.trace.length) == (V, 3)
    replay(m, r3.trace, violates=never3.invariant)


def test_pdr_recheck_refuses_an_invariant_that_is_not_inductive():
    m = cycle_of_four()
    m.freeze()
    h = pdr._Horn(m)
    x = h.cur[0]
    prop = to_z3(m["x"] != 6, h.cur, None)
    assert h.recheck(z3.And(x >= 0, x <= 3), prop) == []
    assert h.recheck(x <= 3, prop) == ["I => P"]  # an invariant must also keep x in its range 0..7
    assert h.recheck(z3.And(x >= 0, x <= 7, x != 6), prop) == ["I and T => I'"]  # 5 -> 6
    assert h.recheck(x == 7, prop) == ["init => I"]  # 7 is a dead end: inductive, but not where runs start
    assert h.recheck(z3.BoolVal(True), prop) == ["I => P"]  # true is inductive, and says nothing


def test_pdr_names_enum_values_in_its_invariant():
    import enum

    class Light(enum.IntEnum):
        RED = 0
        GREEN = 1
        BROKEN = 2

    m = System("light", "a light that never breaks")
    c = m.enum("light", Light, Light.RED, "the colour")
    m.action("light_switch", "light", c != Light.BROKEN, {c: lift(1) - c})
    (r,) = pdr.run(m, [Goal("never_broken", (), c != Light.BROKEN)])
    assert r.verdict == P and "BROKEN" in r.extra["invariant"], r.extra["invariant"]


def test_liveness_is_unknown_with_the_reason():
    m = cycle_of_four()
    from scmcheck.model.lang.temporal import LeadsTo

    g = Goal("back_to_zero", (), leads_to=LeadsTo(m["x"] == 1, m["x"] == 0))
    for engine in (kind, pdr):
        (r,) = engine.run(m, [g])
        assert r.verdict == U and "invariants only" in r.reason


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("timed", [False, True])
def test_provers_never_contradict_explicit(seed, timed):
    """Random systems (tests/randsys.py): a proof is explicit's proof, a violation explicit's
    violation with the same shortest length."""
    rs = from_seed(seed, timed=timed)
    goals = [g for g in rs.goals if g.kind == "invariant"] or _extremes(rs.system)
    ex = explicit.run(rs.system, goals)
    for name, res in (("kind", kind.run(rs.system, goals, depth=12, timeout=60)),
                      ("pdr", pdr.run(rs.system, goals, timeout=60))):
        for g, e, r in zip(goals, ex, res):
            where = f"{name} on {g.id} (explicit: {e.verdict.value})\n{rs.source}"
            assert r.verdict in (V, P, B, U), where
            if r.verdict == P:
                assert e.verdict == P, where
            if r.verdict == V:
                assert e.verdict == V and r.trace.length == e.trace.length, where
                replay(rs.system, r.trace, violates=g.invariant)
            if name == "pdr":
                assert r.verdict != B, where
                assert r.verdict != U, f"pdr left a tiny system undecided: {r.reason}\n{rs.source}"


def _extremes(m: System) -> list[Goal]:
    """For systems drawn without invariants (the timed ones): each variable never takes its largest
    value (a bool: never its other value), which explicit decides either way."""
    m.freeze()
    out = []
    for v in m.variables:
        ref = m[v.name]
        bad = lift(not v.init) if v.kind == "bool" else lift(v.hi)
        out.append(Goal(f"{v.name}_never_extreme", (), ref != bad))
    return out


def test_share_settles_what_an_earlier_engine_decided():
    """bmc cannot prove x <= 7 on a cycle; after explicit proved it, bmc stops after its share."""
    m = cycle_of_four()
    goals = [Goal("in_range", (), m["x"] <= 7), Goal("never3", (), m["x"] != 3)]
    rows = check(m, goals, ["explicit", "bmc"], {"bmc": {"depth": 10**6, "timeout": None}}, share=1.0)
    ex, bm = rows[:2], rows[2:]
    assert [r.verdict for r in ex] == [P, V]
    assert bm[0].verdict == S and bm[0].extra["settled_by"] == "explicit"
    assert "settled by explicit (proved)" in bm[0].reason and "--cross-check" in bm[0].reason
    assert (bm[1].verdict, bm[1].trace.length) == (V, 3)  # decided within the share: a real verdict


def test_without_share_every_engine_checks_in_full():
    m = cycle_of_four()
    goals = [Goal("in_range", (), m["x"] <= 7)]
    rows = check(m, goals, ["explicit", "bmc"], {"bmc": {"depth": 6}})
    assert [r.verdict for r in rows] == [P, B]


def test_auto_hands_what_explicit_leaves_open_to_the_provers():
    m = cycle_of_four()
    goals = [Goal("never6", (), m["x"] != 6), Goal("never3", (), m["x"] != 3)]
    # A state budget of 2: explicit sees 0 and 1 only, and leaves both open.
    rows = auto(m, goals, {"explicit": {"max_states": 2}, "kind": {"depth": 10}, "pdr": {}, "bmc": {"depth": 10}})
    assert [(r.property, r.engine, r.verdict) for r in rows] == [("never6", "pdr", P), ("never3", "pdr", V)]
    assert rows[0].extra["before"][0].startswith("explicit: unknown")
    assert rows[1].trace.length == 3


def test_auto_keeps_explicit_when_it_settles_everything():
    m = cycle_of_four()
    rows = auto(m, [Goal("never6", (), m["x"] != 6)])
    assert [(r.engine, r.verdict) for r in rows] == [("explicit", P)]
    assert "before" not in rows[0].extra


def test_fuzz_stops_at_its_timeout():
    """fuzz takes a time budget like the others, so --engine all can give it a share."""
    import time

    from scmcheck.properties.engines import fuzz

    m = cycle_of_four()
    start = time.monotonic()
    (r,) = fuzz.run(m, [Goal("in_range", (), m["x"] <= 7)], depth=1000, runs=100_000, timeout=0.5)
    assert r.verdict == U and r.extra["timed_out"] and "timeout of 0.5 s" in r.reason
    assert time.monotonic() - start < 10
