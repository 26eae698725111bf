"""Symmetry declarations (model/lang/symmetry.py): checked, canonical states, runs mapped back; and the
explicit engine searching one state per orbit (pinned counts, the same verdicts and shortest traces)."""

from __future__ import annotations

import pytest

from scmcheck.model.families import built_in, registry
from scmcheck.model.lang import symmetry
from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import TRUE, all_of, any_of, count_true, not_
from scmcheck.model.lang.system import System
from scmcheck.properties.catalog import CATALOG, applicable
from scmcheck.properties.engines import explicit
from scmcheck.properties.engines.common import violation_of
from scmcheck.properties.result import Goal
from scmcheck.traces.replay import replay


def workers(n: int, odd_one: bool = False, declare: range | None = None) -> System:
    """n workers that each may start and finish once; ``odd_one``: worker 0 may also crash."""
    m = System("workers", "n interchangeable workers")
    busy = [m.bool(f"busy[{i}]", False, f"worker {i} is working") for i in range(n)]
    done = [m.bool(f"done[{i}]", False, f"worker {i} has finished") for i in range(n)]
    for i in range(n):
        m.action("worker_start", f"worker[{i}]", [not_(busy[i]), not_(done[i])], {busy[i]: True}, args={"i": i})
        m.action("worker_finish", f"worker[{i}]", busy[i], {busy[i]: False, done[i]: True}, args={"i": i})
    if odd_one:
        m.action("worker_crash", "worker[0]", busy[0], {busy[0]: False}, args={"i": 0})
    idx = declare if declare is not None else range(n)
    m.symmetric("worker", [[busy[i], done[i]] for i in idx], processes=[f"worker[{i}]" for i in idx])
    return m


def test_symmetric_family_is_accepted_and_canonicalised():
    m = workers(3)
    m.freeze()
    canon = symmetry.canonicalizer(m)
    # busy = (T, F, F), done = (F, F, T) -> members (T,F), (F,F), (F,T) sorted: (F,F), (F,T), (T,F)
    state = (True, False, False, False, False, True)
    assert canon(state) == (False, False, True, False, True, False)
    assert canon(canon(state)) == canon(state)


def test_a_member_treated_apart_is_refused_with_the_action():
    with pytest.raises(ModelError, match="worker_crash"):
        workers(3, odd_one=True).freeze()
    workers(3, odd_one=True, declare=range(1, 3)).freeze()  # the others are interchangeable


def test_properties_are_symmetric_only_when_they_read_every_member_alike():
    m = workers(3)
    m.freeze()
    busy = [m[f"busy[{i}]"] for i in range(3)]
    assert symmetry.is_symmetric(m, any_of(*busy))
    assert symmetry.is_symmetric(m, count_true(busy) <= 1)
    assert symmetry.is_symmetric(m, all_of(busy[2], busy[0], busy[1]))
    assert not symmetry.is_symmetric(m, busy[0])


def test_concretize_maps_a_run_of_representatives_back_to_a_replayable_run():
    m = workers(3)
    m.freeze()
    canon = symmetry.canonicalizer(m)
    # a reduced run: one worker starts, then finishes
    reps = [canon(m.init_state())]
    s = m.init_state()
    for name in ("worker_start", "worker_finish"):
        a, t = next((a, t) for a, t in m.successors(s) if a.name == name and a.args["i"] == 2)
        reps.append(canon(t))
        s = t
    actions, states = symmetry.concretize(m, canon, reps)
    assert [a.name for a in actions] == ["worker_start", "worker_finish"]
    assert [canon(x) for x in states] == reps
    for a, x, y in zip(actions, states, states[1:]):
        assert a.enabled(x) and a.apply(x) == y


def test_members_starting_apart_are_refused():
    m = System("two", "two flags")
    a = m.bool("a", True, "first")
    b = m.bool("b", False, "second")
    m.action("flip", "p[0]", a, {a: False}, args={"i": 0})
    m.action("flip", "p[1]", b, {b: False}, args={"i": 1})
    m.symmetric("p", [[a], [b]])
    with pytest.raises(ModelError, match="start in different states"):
        m.freeze()


# ---------------------------------------------------------------- the explicit engine with symmetry


# service-correct: one state per orbit of the workers grows as 20 w + 34; the full space as 10 * 2^w + ...
REDUCED = {2: (74, 18), 3: (94, 20), 4: (114, 22), 8: (194, 30), 16: (354, 46), 64: (1314, 142)}


@pytest.mark.parametrize("workers", sorted(REDUCED))
def test_service_workers_reduce_to_one_state_per_orbit(workers):
    m = built_in("service-correct").build({"workers": workers})
    (r,) = explicit.run(m, [Goal("all", (), TRUE)])
    assert (r.states, r.bound) == REDUCED[workers]
    assert r.extra["symmetry"].startswith("used: worker")


SERVICE_DESIGNS = [n for n, d in registry().items() if d.family.name == "service"]


@pytest.mark.parametrize("name", SERVICE_DESIGNS)
def test_verdicts_and_shortest_traces_are_those_of_the_full_space(name):
    """Every safety entry (and the witnesses): the same verdict, the same shortest length, and a
    concrete trace that replays -- with and without symmetry, at 3 workers."""
    m = built_in(name).build({"workers": 3})
    goals = [p.goal(m) for p in applicable(m) if p.kind != "leads_to"]
    goals += [Goal(f"{g.id}.witness", (), invariant=~g.witness) for g in goals if g.witness is not None]
    on, off = explicit.run(m, goals), explicit.run(m, goals, symmetry=False)
    for g, a, b in zip(goals, on, off):
        assert a.verdict == b.verdict, g.id
        assert (a.trace is None) == (b.trace is None), g.id
        if a.trace is not None:
            assert a.trace.length == b.trace.length, g.id
            if g.id in CATALOG:
                replay(m, a.trace, violates=violation_of(g))


def test_liveness_and_properties_reading_one_member_use_the_full_space():
    m = built_in("service-correct").build({"workers": 3})
    live = CATALOG["stop_reaches_stopped"].goal(m)
    first = Goal("worker0_stays", (), invariant=m["worker_alive[0]"])
    r_live, r_first = explicit.run(m, [live, first])
    assert r_live.extra["symmetry"].startswith("not used for liveness")
    assert r_first.extra["symmetry"].startswith("not used: the property reads the members")
    assert r_first.verdict.value == "violated" and r_first.trace.steps[-1].action == "worker_exit"
    assert r_first.trace.steps[-1].args == {"i": 0}


def test_a_hung_worker_is_kept_apart_from_the_others():
    m = built_in("service-worker-never-exits").build({"workers": 3})
    m.freeze()
    (sym,) = m.symmetries
    assert sym.processes == ("worker[1]", "worker[2]")


def test_symmetry_off_searches_every_state():
    m = built_in("service-correct").build({"workers": 3})
    (r,) = explicit.run(m, [Goal("all", (), TRUE)], symmetry=False)
    assert (r.states, r.extra["symmetry"]) == (174, "off")
    assert r.to_json()["symmetry"] == "off"
