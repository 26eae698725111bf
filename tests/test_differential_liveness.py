"""Differential tests for liveness and time-locks: explicit and BMC against an independent reference.

Random systems come from tests/randsys.py with ``liveness=True`` (environment
processes, ``fair=False`` actions, leads-to goals) and, half of the time,
``timed=True`` (a Clock with countdown timers, urgent conditions,
deadlines, a tick that may be blocked, and the ``time_can_advance`` goal).

The reference (:class:`Reference`) shares no code with the engines' search or
SCC analysis.  It enumerates the reachable graph by plain BFS over
``system.successors`` and decides every question from the definitions of
model/lang/temporal.py:

time-locks
    a reachable state is a time-lock when ``temporal.lets_time_pass`` is False;
    the nearest one is at the smallest BFS distance.
leads-to (``trigger ~> goal`` while ``hold``)
    a counterexample is a lasso ``s_0 .. s_k`` looping back to ``s_j == s_k``
    (``j == k``: a stutter), with a state ``s_i`` where the trigger holds and the
    goal is false in ``s_i .. s_k``, ``hold`` and not the goal in ``s_j .. s_k``,
    and the loop a fair run.  Its length ``k`` is a shortest prefix plus a
    shortest loop, both found by breadth-first search:

    * loops: from each candidate loop state ``e`` (``hold`` and not the goal), a
      BFS over pairs (state, what the loop has shown so far), inside the
      ``hold``/not-goal states, back to ``e``.  "What it has shown" is a bit per
      fair process (it moved, or was unable to move in a visited state), a bit
      for time (a time step or a quiescent state), and a bit for "a trigger
      state was visited".  A stutter (``temporal.stutter_ok``) is a loop of
      length 0.
    * prefixes: a BFS over (state, pending), ``pending`` meaning "a trigger
      state was seen and the goal has been false since".
    * the shortest lasso is the minimum over ``e`` of ``prefix(e, pending) +
      loop(e)`` and ``prefix(e, any) + loop-with-a-trigger(e)``.

    Every lasso the reference finds is rebuilt as a trace and judged by
    ``traces.replay`` (so by ``temporal.loop_unfairness`` and ``stutter_ok``);
    the reference's "no lasso" is cross-checked against plain enumeration of
    every path up to a bound on tiny systems
    (:func:`test_reference_agrees_with_brute_force_over_lassos`).

What is asserted, per system and goal:

* explicit (unbounded): leads-to ``violated`` exactly when the reference has a
  lasso, else ``proved``; its lasso replays and its loop is fair.  Time-lock:
  ``violated`` exactly when some reachable state is a time-lock, with a trace to
  a nearest one; else ``proved``.  With a depth bound, a time-lock within the
  bound is still found at its distance.
* bmc, depth ``D``: leads-to ``violated`` exactly when the shortest lasso has at
  most ``D`` steps, and then with exactly that many steps (BMC deepens one step
  at a time); otherwise ``proved`` only when no path of ``D`` steps exists (the
  reachable graph is acyclic and its longest path is shorter), else
  ``bounded``.  Time-lock: never a contradiction of explicit -- ``violated``
  only at the distance of a nearest time-lock, ``proved`` only when explicit
  proves it; a time-lock within ``D`` steps is ``violated`` or ``unknown``
  (BMC gives up after refuting many candidates).

Also here: timed systems with a zero-time cycle that has a way out, or a terminal
quiescent state, are not flagged and those with a real time-lock are; the
generator yields each kind often enough; the printed reproducer rebuilds the
same system; and minimised regressions for the disagreements found.  The
default run checks 200 Hypothesis systems (about 20 s); ``-m slow`` runs 3000.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass
from typing import Any, Optional

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from randsys import RandomSystem, from_seed, random_system
from scmcheck.model.lang.expr import compile_python
from scmcheck.model.lang.temporal import LeadsTo, TimeLock, fair_processes, lets_time_pass, loop_unfairness, stutter_ok
from scmcheck.properties.engines import bmc, explicit
from scmcheck.properties.result import Verdict
from scmcheck.traces.itf import from_itf, to_itf
from scmcheck.traces.replay import replay
from scmcheck.traces.trace import trace_from_actions

V, B, P, U = Verdict.VIOLATED, Verdict.BOUNDED, Verdict.PROVED, Verdict.UNKNOWN

MAX_BMC_DEPTH = 24  # BMC runs at most this deep (the prediction holds at any depth)


# ---------------------------------------------------------------- the reference

@dataclass
class Lasso:
    """A counterexample found by the reference: ``actions``/``states`` (k steps), loop index."""

    actions: list
    states: list
    loop: int

    @property
    def length(self) -> int:
        return len(self.actions)


class Reference:
    """The reachable graph by plain BFS, and every verdict decided from temporal.py's definitions."""

    def __init__(self, system: Any) -> None:
        system.freeze()
        self.system = system
        self.init = system.init_state()
        self.dist = {self.init: 0}
        self.order = [self.init]
        self.succ: dict = {}
        for s in self.order:  # grows while walked: a FIFO queue
            self.succ[s] = list(system.successors(s))
            for _, t in self.succ[s]:
                if t not in self.dist:
                    self.dist[t] = self.dist[s] + 1
                    self.order.append(t)
        self.maxdist = max(self.dist.values())
        graph = nx.DiGraph()
        graph.add_nodes_from(self.order)
        graph.add_edges_from((s, t) for s in self.order for _, t in self.succ[s])
        self.acyclic = nx.is_directed_acyclic_graph(graph)
        self.longest = nx.dag_longest_path_length(graph) if self.acyclic else None

    # ------------------------------------------------------------ time-locks
    def time_locks(self) -> list:
        """Reachable states from which time can never pass again (``lets_time_pass`` is False), BFS order."""
        if not self.system.timed:
            return []
        locked = []
        for s in self.order:
            can = lets_time_pass(self.system, s)
            assert can is not None, "the reference's zero-time closure exceeded lets_time_pass's budget"
            if not can:
                locked.append(s)
        return locked

    # ------------------------------------------------------------ leads-to
    def shortest_lasso(self, lt: LeadsTo) -> Optional[Lasso]:
        """A shortest counterexample lasso to ``lt`` (module docstring), or None when there is none."""
        system = self.system
        trig, goal, hold = (compile_python(e) for e in (lt.trigger, lt.goal, lt.hold))
        fair = fair_processes(system)
        bit = {p: 1 << i for i, p in enumerate(fair)}
        time_bit = 1 << len(fair) if system.timed else 0
        trig_bit = 1 << (len(fair) + 1)
        full = (1 << len(fair)) - 1 | time_bit

        def state_mask(s: tuple) -> int:
            m = 0
            for p in fair:
                if not any(a.process == p and a.fair and a.enabled(s) for a in system.actions):
                    m |= bit[p]
            if system.timed and system.quiescent_fn(s):
                m |= time_bit
            if trig(s):
                m |= trig_bit
            return m

        def edge_mask(a: Any) -> int:
            return bit.get(a.process, 0) | (time_bit if a.duration > 0 else 0)

        stay = [s for s in self.order if hold(s) and not goal(s)]
        inside = set(stay)
        masks = {s: state_mask(s) for s in stay}

        # Prefixes: BFS over (state, pending); pending = a trigger was seen and the goal is false since.
        def pend(s: tuple, before: bool) -> bool:
            return not goal(s) and (before or bool(trig(s)))

        start = (self.init, pend(self.init, False))
        back: dict = {start: None}
        queue = deque([start])
        while queue:
            s, p = node = queue.popleft()
            for a, t in self.succ[s]:
                nxt = (t, pend(t, p))
                if nxt not in back:
                    back[nxt] = (node, a)
                    queue.append(nxt)

        def prefix(node: tuple) -> tuple[list, list]:
            acts, states = [], [node[0]]
            while back[node] is not None:
                node, a = back[node]
                acts.append(a)
                states.append(node[0])
            return acts[::-1], states[::-1]

        def depth(node: tuple) -> Optional[int]:
            return len(prefix(node)[0]) if node in back else None

        best: Optional[tuple] = None  # (length, prefix node, loop actions, loop states)
        for e in stay:
            loops = self._shortest_loops(e, inside, masks, edge_mask, full, trig_bit)
            for need_pending, loop in ((True, loops[0]), (False, loops[1])):
                if loop is None:
                    continue
                for p in ((True,) if need_pending else (True, False)):
                    d = depth((e, p))
                    if d is None:
                        continue
                    n = d + len(loop[0])
                    if best is None or n < best[0]:
                        best = (n, (e, p), loop)
        if best is None:
            return None
        _, node, (loop_acts, loop_states) = best
        acts, states = prefix(node)
        return Lasso(acts + loop_acts, states + loop_states[1:], len(acts))

    def _shortest_loops(self, e: tuple, inside: set, masks: dict, edge_mask: Any, full: int,
                        trig_bit: int) -> tuple:
        """Shortest fair loops from ``e`` back to ``e`` inside ``inside``: (any loop, a loop through a
        trigger state), each as (actions, states) with ``states[0] == states[-1] == e``, or None."""
        system = self.system
        found: list = [None, None]
        if stutter_ok(system, e):
            found[0] = ([], [e])
            if masks[e] & trig_bit:
                found[1] = ([], [e])
        if found[1] is not None:
            return tuple(found)
        start = (e, masks[e])
        back: dict = {start: None}
        queue = deque([start])

        def unwind(node: tuple, a: Any) -> tuple[list, list]:
            acts, states = [a], [e]
            while back[node] is not None:
                states.append(node[0])
                node, act = back[node]
                acts.append(act)
            states.append(e)
            return acts[::-1], states[::-1]

        while queue and (found[0] is None or found[1] is None):
            s, m = node = queue.popleft()
            for a, t in self.succ[s]:
                if t not in inside:
                    continue
                nm = m | edge_mask(a) | masks[t]
                if t == e:
                    if found[0] is None and nm & full == full:
                        found[0] = unwind(node, a)
                    if found[1] is None and (nm | trig_bit) == nm and nm & full == full:
                        found[1] = unwind(node, a)
                nxt = (t, nm)
                if nxt not in back:
                    back[nxt] = (node, a)
                    queue.append(nxt)
        return tuple(found)


def replay_lasso(system: Any, lt: LeadsTo, lasso: Lasso, name: str = "lt") -> None:
    """The reference's lasso is a counterexample by replay (temporal.loop_unfairness, stutter_ok)."""
    trace = trace_from_actions(system, lasso.actions, property=name, rules=[], engine="reference", loop=lasso.loop)
    replay(system, trace, violates=lt)


# ---------------------------------------------------------------- checks

def check_lasso_trace(rs: RandomSystem, goal: Any, r: Any, engine: str) -> None:
    """An engine's leads-to counterexample: a lasso that replays, whose loop is fair, through ITF JSON too."""
    t = r.trace
    assert t is not None and t.loop is not None, f"{engine}: violated {goal.id} without a lasso"
    assert t.length == r.bound, f"{engine}: trace length {t.length} != bound {r.bound}"
    system = rs.system
    assert replay(system, t, violates=goal.leads_to) == t.final
    states = t.states
    acts = [system.find_action(s.action, s.args) for s in t.steps]
    assert states[t.loop] == t.final
    assert loop_unfairness(system, states[t.loop:], acts[t.loop:]) is None
    back = from_itf(json.loads(json.dumps(to_itf(t))))
    assert back.loop == t.loop and back.steps == t.steps, f"{engine}: lasso changed through ITF JSON"
    replay(system, back, violates=goal.leads_to)


@dataclass
class Expected:
    """The reference's answers for one system: per goal, the shortest lasso / nearest time-lock."""

    ref: Reference
    lassos: list  # per goal: Lasso or None (time-lock goals: None)
    locks: list  # time-locked reachable states, BFS order
    lock_dist: Optional[int]  # distance of the nearest one

    def need(self) -> int:
        """A BMC depth that decides everything: every shortest lasso, the nearest time-lock, and
        (acyclic graphs) one past the longest path, so that BMC can prove.  (Deeper only repeats
        ``bounded``: without a lasso, BMC cannot prove leads-to on a graph with a cycle.)"""
        ns = [x.length for x in self.lassos if x is not None] + [0]
        if self.lock_dist is not None:
            ns.append(self.lock_dist)
        if self.ref.acyclic:
            ns.append(self.ref.longest + 1)
        return max(ns)


def expected(rs: RandomSystem) -> Expected:
    ref = Reference(rs.system)
    lassos = []
    for goal in rs.goals:
        lasso = ref.shortest_lasso(goal.leads_to) if goal.kind == "leads_to" else None
        if lasso is not None:
            replay_lasso(rs.system, goal.leads_to, lasso, goal.id)
        lassos.append(lasso)
    locks = ref.time_locks()
    return Expected(ref, lassos, locks, ref.dist[locks[0]] if locks else None)


def check_explicit(rs: RandomSystem, ex: Expected, results: list, depth: Optional[int] = None) -> None:
    ref = ex.ref
    for goal, lasso, r in zip(rs.goals, ex.lassos, results):
        what = f"explicit depth={depth} on {goal.id}: got {r.verdict.value} bound {r.bound} ({r.reason})"
        assert r.engine == "explicit" and r.kind == goal.kind and r.property == goal.id
        if goal.kind == "leads_to":
            if depth is not None and ref.maxdist >= depth:
                assert r.verdict == U, what  # liveness needs the whole graph
                continue
            want = V if lasso is not None else P
            assert r.verdict == want, f"{what}; the reference says {want.value}"
            if want == V:
                check_lasso_trace(rs, goal, r, "explicit")
            else:
                assert r.trace is None and r.bound == ref.maxdist and r.states == len(ref.order), what
        else:
            d = ex.lock_dist
            if d is not None and (depth is None or d <= depth):
                assert (r.verdict, r.bound) == (V, d), f"{what}; the nearest time-lock is {d} steps away"
                assert r.trace.length == d and r.trace.loop is None
                assert r.trace.final in ex.locks
                replay(rs.system, r.trace, violates=goal_violation(goal))
            elif depth is None or ref.maxdist < depth:
                assert (r.verdict, r.bound) == (P, ref.maxdist), f"{what}; the reference finds no time-lock"
            else:
                assert (r.verdict, r.bound) == (B, depth), what


def goal_violation(goal: Any) -> Any:
    return TimeLock() if goal.kind == "time_lock" else goal.leads_to


def check_bmc(rs: RandomSystem, ex: Expected, results: list, depth: int, explicit_results: list) -> None:
    ref = ex.ref
    provable = ref.acyclic and ref.longest < depth
    for goal, lasso, r, e in zip(rs.goals, ex.lassos, results, explicit_results):
        what = (f"bmc depth={depth} on {goal.id}: got {r.verdict.value} bound {r.bound} ({r.reason}); "
                f"explicit says {e.verdict.value} bound {e.bound}")
        assert r.engine == "bmc" and r.kind == goal.kind and r.property == goal.id
        if goal.kind == "leads_to":
            if lasso is not None and lasso.length <= depth:
                assert (r.verdict, r.bound) == (V, lasso.length), \
                    f"{what}; the shortest lasso has {lasso.length} steps (loop at {lasso.loop})"
                check_lasso_trace(rs, goal, r, "bmc")
            elif lasso is None and provable:
                assert (r.verdict, r.bound) == (P, ref.longest), f"{what}; no lasso, longest path {ref.longest}"
            else:
                want = "no lasso" if lasso is None else f"the shortest lasso has {lasso.length} steps"
                assert (r.verdict, r.bound) == (B, depth), f"{what}; {want}"
        else:
            # Never a contradiction of explicit; exact where BMC is decisive.
            if r.verdict == V:
                assert e.verdict == V, what
                assert r.bound == ex.lock_dist, f"{what}; the nearest time-lock is {ex.lock_dist} steps away"
                assert r.trace.final in ex.locks
                replay(rs.system, r.trace, violates=goal_violation(goal))
            elif r.verdict == P:
                assert e.verdict == P and provable and r.bound == ref.longest, what
            elif r.verdict == B:
                assert ex.lock_dist is None or ex.lock_dist > depth, what
                assert r.bound == depth and not provable, what
            else:
                assert r.verdict == U, what


def check_system(rs: RandomSystem, depths: list) -> Expected:
    """Explicit (unbounded) and BMC at each of ``depths`` against the reference."""
    ex = expected(rs)
    ex_results = explicit.run(rs.system, rs.goals)
    check_explicit(rs, ex, ex_results)
    for d in depths:
        check_bmc(rs, ex, bmc.run(rs.system, rs.goals, depth=d), d, ex_results)
    return ex


# ---------------------------------------------------------------- the random tests

LIVE_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _chooser(data):
    return lambda lo, hi: data.draw(st.integers(lo, hi))


def _differential(data) -> None:
    timed = data.draw(st.booleans())
    rs = random_system(_chooser(data), liveness=True, timed=timed)
    note(rs.source)
    ex = expected(rs)
    ex_results = explicit.run(rs.system, rs.goals)
    check_explicit(rs, ex, ex_results)
    # A depth that decides everything (capped: the prediction holds at any depth), then a random
    # smaller one (boundary cases: bounded verdicts, a lasso one step too long).
    need = ex.need()
    deep = min(MAX_BMC_DEPTH, need + data.draw(st.integers(0, 1)))
    check_bmc(rs, ex, bmc.run(rs.system, rs.goals, depth=deep), deep, ex_results)
    k = data.draw(st.integers(0, min(need, MAX_BMC_DEPTH)))
    if k != deep:
        check_bmc(rs, ex, bmc.run(rs.system, rs.goals, depth=k), k, ex_results)
    # Explicit with a depth bound: a time-lock within it is still found, at its distance.
    if timed:
        kx = data.draw(st.integers(0, ex.ref.maxdist + 1))
        check_explicit(rs, ex, explicit.run(rs.system, rs.goals, depth=kx), kx)


@settings(max_examples=200, **LIVE_SETTINGS)
@given(data=st.data())
def test_liveness_and_time_locks_agree_with_reference(data):
    _differential(data)


@pytest.mark.slow
@settings(max_examples=3000, **LIVE_SETTINGS)
@given(data=st.data())
def test_liveness_and_time_locks_agree_with_reference_slow(data):
    _differential(data)


# ---------------------------------------------------------------- the reference, checked by brute force

BRUTE_BOUND = 9  # lassos of at most this many steps are enumerated

def brute_force_shortest_lasso(system: Any, lt: LeadsTo, bound: int, max_paths: int = 1_500) -> Any:
    """The length of a shortest counterexample lasso of at most ``bound`` steps, by enumerating every
    path of k = 0, 1, ... steps and every way to close it (temporal.loop_unfairness judges the loop);
    None when there is none within ``bound``; "too many" when a level has more than ``max_paths`` paths."""
    trig, goal, hold = (compile_python(e) for e in (lt.trigger, lt.goal, lt.hold))
    cache: dict = {}

    def succ(s: tuple) -> list:
        if s not in cache:
            cache[s] = list(system.successors(s))
        return cache[s]

    paths = [([system.init_state()], [])]
    for k in range(bound + 1):
        for states, acts in paths:
            # some state i with the trigger, the goal false in states i..k
            i = k
            while i >= 0 and not goal(states[i]):
                if trig(states[i]):
                    break
                i -= 1
            if i < 0 or goal(states[i]):
                continue
            for j in range(k + 1):
                body = states[j:]
                if states[j] == states[k] and all(hold(s) and not goal(s) for s in body) \
                        and loop_unfairness(system, body, acts[j:]) is None:
                    return k
        if k == bound:
            break
        paths = [(states + [t], acts + [a]) for states, acts in paths for a, t in succ(states[-1])]
        if len(paths) > max_paths:
            return "too many"
    return None


def test_reference_agrees_with_brute_force_over_lassos():
    """The reference's shortest lasso (or "none") equals plain enumeration of all lassos up to a bound,
    on systems small enough to enumerate.  Where the bound covers every shortest prefix (at most 2n - 1
    steps: a path through pairs (state, pending)) plus every shortest loop (at most n steps per
    obligation it settles -- a fair process, time, a trigger -- and n more), "none within the bound"
    also confirms the reference's "none at all"."""
    compared, lassos, none, complete = 0, 0, 0, 0
    for seed in range(300):
        rs = from_seed(seed, liveness=True, timed=bool(seed % 2))
        ref = Reference(rs.system)
        n = len(ref.order)
        if n > 6:
            continue
        obligations = len(fair_processes(rs.system)) + 2
        covering = (2 * n - 1) + n * (obligations + 1)
        bound = min(BRUTE_BOUND, covering)
        for goal in rs.goals:
            if goal.kind != "leads_to":
                continue
            lasso = ref.shortest_lasso(goal.leads_to)
            brute = brute_force_shortest_lasso(rs.system, goal.leads_to, bound)
            if brute == "too many":
                continue
            want = None if lasso is None or lasso.length > bound else lasso.length
            assert brute == want, f"seed {seed} {goal.id}: reference {want}, brute force {brute}\n{rs.source}"
            compared += 1
            lassos += lasso is not None
            none += lasso is None
            complete += lasso is None and bound == covering
    assert compared >= 120 and lassos >= 40 and none >= 60 and complete >= 15, (compared, lassos, none, complete)


# ---------------------------------------------------------------- time: Zeno cycles, quiescence, time-locks

def zeno_cycle(ref: Reference, among: Optional[set] = None) -> bool:
    """Is there a reachable cycle of zero-time steps through states where time cannot pass now
    (and, with ``among``, through states of ``among`` only)?"""
    system = ref.system
    now = {s for s in ref.order if not system.time_passes_fn(s) and (among is None or s in among)}
    graph = nx.DiGraph()
    graph.add_edges_from((s, t) for s in now for a, t in ref.succ[s] if a.duration == 0 and t in now)
    return not nx.is_directed_acyclic_graph(graph)


def terminal_quiescent(ref: Reference) -> bool:
    """Is there a reachable state where nothing can happen any more, and time passes idly (quiescent)?"""
    return any(not ref.succ[s] and ref.system.quiescent_fn(s) for s in ref.order)


def test_zeno_cycles_with_a_way_out_and_quiescent_ends_are_not_time_locks():
    """Random clocked systems: a cycle of zero-time steps that has a way out, and a terminal quiescent
    state, are not flagged by either engine; a real time-lock is, by explicit always and by BMC unless
    it gives up (unknown).  Each kind of system occurs often enough to count."""
    seen = {"zeno way out": 0, "zeno no way out": 0, "quiescent end": 0, "locked": 0, "bmc unknown": 0}
    for seed in range(100):
        rs = from_seed(seed, liveness=True, timed=True)
        ref = Reference(rs.system)
        locked = ref.time_locks()
        zeno, quiet = zeno_cycle(ref), terminal_quiescent(ref)
        if not (locked or zeno or quiet):
            continue
        goal = next(g for g in rs.goals if g.kind == "time_lock")
        (e,) = explicit.run(rs.system, [goal])
        # Deep enough to reach the time-lock, or the Zeno cycles and quiescent ends of most systems.
        depth = ref.dist[locked[0]] if locked else min(ref.maxdist, 6)
        (b,) = bmc.run(rs.system, [goal], depth=depth)
        where = f"seed {seed}: explicit {e.verdict.value}, bmc {b.verdict.value} ({b.reason})\n{rs.source}"
        if locked:
            seen["locked"] += 1
            seen["zeno no way out"] += zeno_cycle(ref, set(locked))
            assert e.verdict == V and e.bound == ref.dist[locked[0]], where
            assert b.verdict in (V, U), where
            assert b.verdict == U or b.bound == ref.dist[locked[0]], where
            seen["bmc unknown"] += b.verdict == U
        else:
            seen["zeno way out"] += zeno
            seen["quiescent end"] += quiet
            assert e.verdict == P, where
            assert b.verdict in (P, B, U), where
    assert seen["zeno way out"] >= 20 and seen["quiescent end"] >= 20, seen
    assert seen["locked"] >= 20 and seen["zeno no way out"] >= 15, seen
    assert seen["bmc unknown"] <= seen["locked"] // 4, seen


def test_generator_is_varied_enough_for_liveness():
    """Both verdicts, stutters and loops, lassos of several steps, environment processes and unfair
    actions, time-locks near and far: the differential test sees all of them."""
    c: dict = {}

    def count(key: str, n: int = 1) -> None:
        c[key] = c.get(key, 0) + n

    for seed in range(200):
        timed = bool(seed % 2)
        rs = from_seed(seed, liveness=True, timed=timed)
        ref = Reference(rs.system)
        count("env", bool(rs.system.environment - {"clock"}))
        count("unfair", any(not a.fair for a in rs.system.actions))
        count("deep", ref.maxdist >= 4)
        count("cyclic", not ref.acyclic)
        count("acyclic", ref.acyclic)
        for g in rs.goals:
            if g.kind != "leads_to":
                continue
            lasso = ref.shortest_lasso(g.leads_to)
            count(f"holds timed={timed}", lasso is None)
            if lasso is not None:
                count(f"violated timed={timed}")
                count("stutter" if lasso.loop == lasso.length else "loop")
                count("long lasso", lasso.length >= 3)
                count("trigger inside the loop only", not _pending_at(rs.system, g.leads_to, lasso, lasso.loop))
        if timed:
            locks = ref.time_locks()
            count("locked", bool(locks))
            count("lock after steps", bool(locks) and ref.dist[locks[0]] >= 1)
    for key, least in (("env", 40), ("unfair", 40), ("deep", 40), ("cyclic", 60), ("acyclic", 20),
                       ("holds timed=False", 40), ("holds timed=True", 40), ("violated timed=False", 40),
                       ("violated timed=True", 20), ("stutter", 25), ("loop", 30), ("long lasso", 15),
                       ("trigger inside the loop only", 5), ("locked", 25), ("lock after steps", 8)):
        assert c.get(key, 0) >= least, (key, c)
    assert c["locked"] <= 60, c  # most timed systems let time pass


def _pending_at(system: Any, lt: LeadsTo, lasso: Lasso, k: int) -> bool:
    """In the lasso's state k, has a trigger been seen with the goal false since?"""
    trig, goal = compile_python(lt.trigger), compile_python(lt.goal)
    pending = False
    for s in lasso.states[:k + 1]:
        pending = not goal(s) and (pending or bool(trig(s)))
    return pending


# ---------------------------------------------------------------- the generated reproducer

@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("timed", [False, True])
def test_liveness_source_rebuilds_the_same_system(seed, timed):
    """The printed reproducer of a liveness/timed system means the same thing, state by state."""
    rs = from_seed(seed, liveness=True, timed=timed)
    ns: dict = {}
    exec(rs.source, ns)  # noqa: S102 - our own generated test source
    m1, m2, goals2 = rs.system.freeze(), ns["m"].freeze(), ns["goals"]
    assert [(a.label, a.process, a.fair, a.duration) for a in m2.actions] == \
           [(a.label, a.process, a.fair, a.duration) for a in m1.actions]
    assert [(v.name, v.kind, v.lo, v.hi, v.init) for v in m2.variables] == \
           [(v.name, v.kind, v.lo, v.hi, v.init) for v in m1.variables]
    assert m2.environment == m1.environment and m2.timed == m1.timed == timed
    assert [(g.id, g.kind) for g in goals2] == [(g.id, g.kind) for g in rs.goals]

    def fns(m, gs):
        out = [compile_python(a.guard) for a in m.actions]
        out += [compile_python(e) for a in m.actions for e in a.update.values()]
        out += [compile_python(e) for g in gs if g.kind == "leads_to"
                for e in (g.leads_to.trigger, g.leads_to.goal, g.leads_to.hold)]
        if m.timed:
            out += [m.time_passes_fn, m.quiescent_fn]
        return out

    f1, f2 = fns(m1, rs.goals), fns(m2, goals2)
    assert len(f1) == len(f2)
    assert [list(a.update) for a in m1.actions] == [list(a.update) for a in m2.actions]
    domains = [[False, True] if v.kind == "bool" else range(v.lo, v.hi + 1) for v in m2.variables]
    for s in itertools.product(*domains):
        assert [fn(s) for fn in f1] == [fn(s) for fn in f2], s


# ---------------------------------------------------------------- a disagreement found, minimised

def test_bmc_finds_a_lasso_whose_trigger_follows_a_satisfied_one():
    """Found by the differential test (minimised): the trigger holds in the initial state together
    with the goal (satisfied at once), holds again after one step without it, and the run stays
    there.  temporal.py ("from every state where trigger holds"), replay and explicit call that a
    counterexample of 1 step; BMC's trigger monitor must not insist that the goal stay false from the
    *first* trigger on."""
    from scmcheck.model.lang.expr import lift
    from scmcheck.model.lang.system import System
    from scmcheck.properties.result import Goal

    m = System("retrigger")
    v0 = m.bool("v0", False)
    m.action("a0", "p", True, {v0: ~v0}, fair=False)
    m.environment_process("p")
    goal = Goal("lt0", (), leads_to=LeadsTo(lift(True), v0 == False))  # noqa: E712
    (e,) = explicit.run(m, [goal])
    assert (e.verdict, e.bound, e.trace.loop) == (V, 1, 1)
    (b,) = bmc.run(m, [goal], depth=3)
    assert (b.verdict, b.bound) == (V, 1), f"bmc: {b.verdict.value} at {b.bound}: {b.reason}"


def test_bmc_does_not_prove_a_leads_to_violated_after_a_second_trigger():
    """The same defect, as a contradiction: x counts 0 -> 1 -> 2 and stops.  ``x != 1 ~> x == 1``:
    the trigger at x = 0 is answered at x = 1, but the trigger at x = 2 never is (the run stutters
    there).  Explicit: violated in 2 steps; BMC ran out of paths and said proved."""
    from scmcheck.model.lang.system import System
    from scmcheck.properties.result import Goal

    m = System("count")
    x = m.int("x", 0, 2, 0)
    m.action("step", "p", x < 2, {x: x + 1})
    goal = Goal("lt", (), leads_to=LeadsTo(x != 1, x == 1))
    (e,) = explicit.run(m, [goal])
    assert (e.verdict, e.bound) == (V, 2)
    (b,) = bmc.run(m, [goal], depth=10)
    assert (b.verdict, b.bound) == (V, 2), f"bmc: {b.verdict.value} at {b.bound}: {b.reason}"
