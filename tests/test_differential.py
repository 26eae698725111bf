"""Differential tests: explicit, BMC and fuzz on random small systems (tests/randsys.py).

The reference is a plain breadth-first enumeration written here (:func:`facts`):
the reachable states, each state's BFS distance from the initial state, whether
the reachable graph has a cycle, its longest path when it has none, and for
each goal the shortest run to a violating state.  From those facts the verdict
of each engine is fixed exactly:

explicit, depth ``K`` (``None`` = unbounded), per goal with shortest violation ``n``:
  * ``violated`` with a trace of length ``n`` when ``n <= K``;
  * else ``proved`` when every reachable state lies within ``K - 1`` steps
    (BFS expands levels ``0..K-1``, so it sees the frontier run empty only if the
    largest distance ``maxdist < K``); bound = ``maxdist``; states = all reachable;
  * else ``bounded`` with bound ``K``; states = the states at distance ``<= K``.

bmc, depth ``D``:
  * ``violated`` with length ``n`` when ``n <= D``;
  * else ``proved`` only when *no run at all* is longer than ``D - 1`` steps:
    BMC's completeness check is "no path of length k exists", so it needs an
    acyclic reachable graph whose longest path ``L < D``; bound = ``L``;
  * else ``bounded`` with bound ``D``.

So explicit ``proved`` with bmc ``bounded`` is agreement exactly when the graph
has a cycle (every reachable state has been seen, but runs are infinite) or the
longest path is ``>= D``; in every other case it is a disagreement, and so is
``violated`` from one engine with ``proved`` from the other, or two violation
lengths that differ.  The reverse -- bmc ``proved`` while explicit at the same
depth is ``bounded`` -- is impossible (``L >= maxdist``) and is asserted never to
happen.

Models whose updates may leave their range (``allow_oob``) must make explicit
and bmc at the same depth raise ModelError in exactly the same cases: when a
state at distance ``j < K`` has an out-of-range step and some goal is still
open there (no violation at distance ``<= j``).

Fuzz cannot run inside ``@given`` (Hypothesis does not nest), so it is driven
by ``random.Random(seed)`` over a fixed list of seeds: it never reports a
violation explicit search denies, its traces replay and are never shorter than
the shortest one.

Leads-to and time-lock goals, environment processes, unfair actions and clocks
are tested the same way in tests/test_differential_liveness.py (randsys with
``liveness=True`` / ``timed=True``; this file's systems are drawn exactly as
before those options existed).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Optional

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from randsys import RandomSystem, from_seed, random_system
from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import compile_python
from scmcheck.properties.engines import bmc, explicit, fuzz
from scmcheck.properties.result import Verdict
from scmcheck.traces.itf import from_itf, to_itf
from scmcheck.traces.replay import replay

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN

DIFF_SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass
class Facts:
    """What plain enumeration says about a system and its goals."""

    dist: dict  # reachable state -> BFS distance from the initial state
    maxdist: int
    acyclic: bool
    longest: Optional[int]  # longest run, when the reachable graph is acyclic
    shortest: list  # per goal: length of the shortest violating run, or None
    oob: Optional[int]  # smallest distance of a state with an out-of-range step, or None

    def within(self, k: int) -> int:
        return sum(1 for d in self.dist.values() if d <= k)


def facts(system, goals) -> Facts:
    """Breadth-first enumeration, independent of the engines' search code."""
    system.freeze()
    init = system.init_state()
    dist, order = {init: 0}, [init]
    graph = nx.DiGraph()
    graph.add_node(init)
    oob = None
    for s in order:  # order grows while we walk it: a FIFO queue
        for act in system.actions:
            if not act.enabled(s):
                continue
            try:
                t = act.apply(s)
            except ModelError:
                oob = dist[s] if oob is None else min(oob, dist[s])
                continue
            graph.add_edge(s, t)
            if t not in dist:
                dist[t] = dist[s] + 1
                order.append(t)
    shortest = []
    for g in goals:
        inv = compile_python(g.invariant)
        shortest.append(min((dist[s] for s in order if not inv(s)), default=None))
    acyclic = nx.is_directed_acyclic_graph(graph)
    longest = nx.dag_longest_path_length(graph) if acyclic else None
    return Facts(dist, max(dist.values()), acyclic, longest, shortest, oob)


def expect_explicit(f: Facts, i: int, depth: Optional[int]) -> tuple:
    n = f.shortest[i]
    if n is not None and (depth is None or n <= depth):
        return V, n
    if depth is None or f.maxdist < depth:
        return P, f.maxdist
    return B, depth


def expect_bmc(f: Facts, i: int, depth: int) -> tuple:
    n = f.shortest[i]
    if n is not None and n <= depth:
        return V, n
    if f.acyclic and f.longest < depth:
        return P, f.longest
    return B, depth


def check_trace(rs: RandomSystem, goal, result, engine: str) -> None:
    """The trace replays to a first violation of the goal and survives ITF JSON."""
    t = result.trace
    assert t is not None, f"{engine} says violated without a trace"
    assert t.length == result.bound
    assert t.property == goal.id and t.engine == engine
    replay(rs.system, t, violates=goal.invariant)
    back = from_itf(json.loads(json.dumps(to_itf(t))))
    assert back.init == t.init and back.steps == t.steps, f"{engine} trace changed through ITF JSON"
    replay(rs.system, back, violates=goal.invariant)


def check_against(rs: RandomSystem, f: Facts, results, expected, engine: str, depth) -> None:
    for i, (goal, r) in enumerate(zip(rs.goals, results)):
        verdict, bound = expected(f, i, depth)
        assert (r.verdict, r.bound) == (verdict, bound), (
            f"{engine} depth={depth} on {goal.id}: got {r.verdict.value} bound {r.bound}, expected "
            f"{verdict.value} bound {bound} (shortest={f.shortest[i]}, maxdist={f.maxdist}, "
            f"acyclic={f.acyclic}, longest={f.longest}); reason: {r.reason}")
        assert r.property == goal.id and r.engine == engine
        if verdict == V:
            check_trace(rs, goal, r, engine)
        else:
            assert r.trace is None
        if engine == "explicit" and verdict == P:
            assert r.states == len(f.dist)
        if engine == "explicit" and verdict == B:
            assert r.states == f.within(depth)


def check_pair(ex_results, bmc_results) -> None:
    """Engine-to-engine consistency at the same depth, stated without the reference."""
    for e, b in zip(ex_results, bmc_results):
        assert not ({e.verdict, b.verdict} == {V, P}), f"{e.property}: one engine proves what the other violates"
        if V in (e.verdict, b.verdict):
            assert e.verdict == b.verdict == V and e.bound == b.bound, f"{e.property}: violation lengths differ"
        if b.verdict == P:
            assert e.verdict == P, f"{e.property}: bmc proved but explicit at the same depth did not"


def _chooser(data):
    return lambda lo, hi: data.draw(st.integers(lo, hi))


@DIFF_SETTINGS
@given(data=st.data())
def test_explicit_and_bmc_agree_with_enumeration(data):
    rs = random_system(_chooser(data))
    note(rs.source)
    f = facts(rs.system, rs.goals)
    # Unbounded explicit search.
    check_against(rs, f, explicit.run(rs.system, rs.goals), expect_explicit, "explicit", None)
    # A depth around the interesting region: past the diameter (and past the longest
    # run when there is one, so bmc can prove), sometimes a little more.
    reach = max([f.maxdist] + [n for n in f.shortest if n is not None] + ([f.longest] if f.acyclic else []))
    deep = min(40, reach + 1 + data.draw(st.integers(0, 2)))
    check_against(rs, f, bmc.run(rs.system, rs.goals, depth=deep), expect_bmc, "bmc", deep)
    # The same small depth for both: bounded verdicts, boundary cases.
    k = data.draw(st.integers(0, reach + 1))
    ex_k = explicit.run(rs.system, rs.goals, depth=k)
    bmc_k = bmc.run(rs.system, rs.goals, depth=k)
    check_against(rs, f, ex_k, expect_explicit, "explicit", k)
    check_against(rs, f, bmc_k, expect_bmc, "bmc", k)
    check_pair(ex_k, bmc_k)


def check_out_of_range(rs: RandomSystem, k: int) -> bool:
    """Explicit and bmc at depth k raise ModelError in exactly the predicted cases; returns whether they did."""
    f = facts(rs.system, rs.goals)
    # A state at distance j is expanded (explicit) / its step is unrolled (bmc) iff
    # j < k and some goal is still open after distance j.
    raises = f.oob is not None and f.oob < k and any(n is None or n > f.oob for n in f.shortest)
    outcomes = {}
    for name, engine in (("explicit", explicit), ("bmc", bmc)):
        try:
            outcomes[name] = engine.run(rs.system, rs.goals, depth=k)
        except ModelError as exc:
            assert "outside its range" in str(exc)
            outcomes[name] = None
    assert (outcomes["explicit"] is None) == raises, f"explicit depth={k}: expected raise={raises} (oob at {f.oob})"
    assert (outcomes["bmc"] is None) == raises, f"bmc depth={k}: expected raise={raises} (oob at {f.oob})"
    if not raises:
        check_against(rs, f, outcomes["explicit"], expect_explicit, "explicit", k)
        check_against(rs, f, outcomes["bmc"], expect_bmc, "bmc", k)
    return raises


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_out_of_range_updates_stop_explicit_and_bmc_alike(data):
    rs = random_system(_chooser(data), allow_oob=True)
    note(rs.source)
    check_out_of_range(rs, data.draw(st.integers(0, facts(rs.system, rs.goals).maxdist + 2)))


def test_out_of_range_rule_is_exercised_both_ways():
    """Over fixed seeds, both outcomes (raise / no raise) occur, so the rule above is really tested."""
    outcomes = []
    for seed in range(120):
        rs = from_seed(seed, allow_oob=True)
        k = random.Random(seed).randint(0, facts(rs.system, rs.goals).maxdist + 2)
        outcomes.append(check_out_of_range(rs, k))
    assert sum(outcomes) >= 8 and outcomes.count(False) >= 8, sum(outcomes)


def test_generator_is_varied_enough():
    """The differential test is only as good as its systems: make sure they are not all trivial."""
    shortest, depths, acyclic, cyclic, families, sizes = [], [], 0, 0, 0, []
    for seed in range(150):
        rs = from_seed(seed)
        f = facts(rs.system, rs.goals)
        shortest += [n for n in f.shortest if n is not None]
        depths.append(f.maxdist)
        acyclic += f.acyclic
        cyclic += not f.acyclic
        families += any(a.args for a in rs.system.actions)
        sizes.append(len(f.dist))
        assert len(f.dist) <= 200
    assert sum(n >= 2 for n in shortest) >= 15, "too few violations need two or more steps"
    assert max(depths) >= 6 and sum(d >= 3 for d in depths) >= 20, "state graphs are too shallow"
    assert acyclic >= 15 and cyclic >= 15, "need both acyclic (bmc can prove) and cyclic systems"
    assert families >= 15, "too few action families"
    assert max(sizes) >= 30


@pytest.mark.parametrize("seed", range(10))
def test_randsys_source_rebuilds_the_same_system(seed):
    """The printed reproducer means the same thing as the generated system, state by state."""
    import itertools

    rs = from_seed(seed)
    ns: dict = {}
    exec(rs.source, ns)  # noqa: S102 - our own generated test source
    m2, goals2 = ns["m"], ns["goals"]
    assert [a.label for a in m2.actions] == [a.label for a in rs.system.actions]
    assert [(v.name, v.kind, v.lo, v.hi, v.init) for v in m2.variables] == \
           [(v.name, v.kind, v.lo, v.hi, v.init) for v in rs.system.variables]

    def fns(m, gs):
        return ([compile_python(a.guard) for a in m.actions]
                + [compile_python(e) for a in m.actions for e in a.update.values()]
                + [compile_python(g.invariant) for g in gs])

    f1, f2 = fns(rs.system, rs.goals), fns(m2, goals2)
    assert len(f1) == len(f2)
    domains = [[False, True] if v.kind == "bool" else range(v.lo, v.hi + 1) for v in m2.variables]
    for s in itertools.product(*domains):
        assert [fn(s) for fn in f1] == [fn(s) for fn in f2], s


FUZZ_SEEDS = range(30)


@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_fuzz_never_contradicts_explicit(seed):
    rs = from_seed(seed)
    ex = explicit.run(rs.system, rs.goals)
    fz = fuzz.run(rs.system, rs.goals, depth=12, runs=40)
    for goal, e, z in zip(rs.goals, ex, fz):
        assert z.verdict in (V, U), f"fuzz must not claim {z.verdict.value}\n{rs.source}"
        if z.verdict == V:
            assert e.verdict == V, f"fuzz found a violation of {goal.id} that explicit denies\n{rs.source}"
            assert z.trace.length >= e.trace.length, f"fuzz beat BFS on {goal.id}\n{rs.source}"
            check_trace(rs, goal, z, "fuzz")
        else:
            assert z.trace is None and z.steps > 0
        if e.verdict == V and e.bound <= 1:
            # One action from the start: a few dozen random runs cannot all miss it.
            assert z.verdict == V, f"fuzz missed a violation of {goal.id} one step deep\n{rs.source}"
