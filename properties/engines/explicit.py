"""Explicit-state breadth-first search over the reachable state graph.

The graph is held in networkx (node = state tuple, edge = the indices of the
actions between two states), so callers can inspect or export it.  One BFS
serves every goal kind (``Goal.kind``); the semantics of runs, fairness, time
progress and time-locks are those of ``scmcheck.model.lang.temporal``.

``invariant``
    BFS order makes every counterexample a shortest one; exhausting the graph
    proves the invariant for these parameters; stopping at ``depth`` gives
    BOUNDED, at the state budget or the timeout UNKNOWN.
``time_lock``
    After exhausting the graph, the states that reach a state where time may
    pass by zero-time steps are found by backward reachability; any other state
    is a time-lock (exactly ``temporal.lets_time_pass``), and the violation is
    the shortest path to the nearest one.  When the search stopped early, a
    visited state whose zero-time closure has no time-passing state is still a
    confirmed time-lock; otherwise BOUNDED / UNKNOWN as for invariants.
``leads_to``
    Needs the whole graph (UNKNOWN otherwise).  In the states where the goal
    is false, the fair loops are the stutter states and the fair strongly
    connected components of the states where ``hold`` also holds
    (``graph_analysis``); a trigger state that reaches one of them without the
    goal is a counterexample, shown as a lasso (``Trace.loop``).
"""

from __future__ import annotations

import math
import time
from typing import Any, Optional, Sequence

import networkx as nx

from scmcheck.model.lang.expr import compile_python
from scmcheck.model.lang.temporal import lets_time_pass

from ..result import Goal, Result, Verdict
from . import graph_analysis as ga
from .common import Progress, Ticker, checked_trace

NAME = "explicit"

LIVENESS_ASSUMPTIONS = ["weak fairness per thread", "time progress", "no fairness for the environment"]
LIVENESS_NEEDS_GRAPH = "liveness needs the whole reachable graph"
NO_CLOCK = "the model has no clock"

# Zero-time closures checked when the search stopped before exhausting the graph.
PARTIAL_TIMELOCK_BUDGET = 10_000  # states per closure
PARTIAL_TIMELOCK_SECONDS = 10.0  # wall-clock cap for all of them


def run(system: Any, goals: Sequence[Goal], depth: Optional[int] = None, max_states: int = 5_000_000,
        timeout: Optional[float] = None, progress: Progress = None, keep_graph: bool = True) -> list[Result]:
    """Check every goal by one BFS; see the module docstring for the verdicts."""
    system.freeze()
    tick = Ticker(NAME, progress)
    kinds = [g.kind for g in goals]
    invs = {i: compile_python(g.invariant) for i, g in enumerate(goals) if kinds[i] == "invariant"}
    # Goals decided after the search, on the graph; they need all of it.
    whole = [i for i, k in enumerate(kinds) if k == "leads_to" or (k == "time_lock" and system.timed)]
    init = system.init_state()
    graph = nx.DiGraph() if keep_graph or whole else None
    parent: dict[tuple, Any] = {init: None}
    found: dict[int, tuple] = {}  # invariant goal -> (state, depth)
    open_ = set(invs)
    # None or an infinite timeout: no limit.
    deadline = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout

    def visit(state: tuple, d: int) -> None:
        for i in list(open_):
            if not invs[i](state):
                found[i] = (state, d)
                open_.discard(i)

    if graph is not None:
        graph.add_node(init)
    visit(init, 0)
    frontier, d, stop_reason = [init], 0, ""
    while frontier and (open_ or whole):
        if depth is not None and d >= depth:
            stop_reason = "depth"
            break
        nxt: list[tuple] = []
        for s in frontier:
            for act, t in system.successors(s):
                if graph is not None:
                    if graph.has_edge(s, t):
                        graph[s][t]["actions"].append(act.index)
                    else:
                        graph.add_edge(s, t, actions=[act.index])
                if t in parent:
                    continue
                parent[t] = (s, act)
                nxt.append(t)
                visit(t, d + 1)
            if len(parent) >= max_states:
                stop_reason = f"state budget of {max_states:,} reached"
                break
            if deadline is not None and time.monotonic() > deadline:
                stop_reason = f"timeout of {timeout:g} s reached"
                break
            tick(depth=d, states=len(parent), rate=len(parent) / max(tick.elapsed(), 1e-9))
        if stop_reason:
            break
        frontier, d = nxt, d + 1
    seconds = tick.elapsed()
    exhausted = not frontier
    diameter = max(d - 1, 0)  # d is one past the last non-empty BFS level
    n = len(parent)
    search = _Search(system, graph, parent, exhausted, stop_reason, d, diameter)

    results = []
    for i, goal in enumerate(goals):
        if kinds[i] == "invariant":
            r = _invariant_result(goal, found.get(i), search)
        elif kinds[i] == "time_lock":
            r = _time_lock_result(goal, search)
        else:
            r = _leads_to_result(goal, search)
        # Invariants are decided by the search itself; the other kinds include their analysis.
        r.states, r.kind = n, kinds[i]
        r.seconds = seconds if kinds[i] == "invariant" else tick.elapsed()
        results.append(r)
    if graph is not None and keep_graph:
        for r in results:
            r.extra["graph"] = graph
    return results


class _Search:
    """What the BFS left for the per-goal analyses."""

    def __init__(self, system: Any, graph: Optional[nx.DiGraph], parent: dict, exhausted: bool, stop_reason: str,
                 depth: int, diameter: int) -> None:
        self.system, self.graph, self.parent = system, graph, parent
        self.exhausted, self.stop_reason, self.depth, self.diameter = exhausted, stop_reason, depth, diameter
        self._time_ok: Optional[set] = None

    def incomplete(self, goal: Goal, clean: str) -> Result:
        """BOUNDED (stopped at depth) or UNKNOWN (budget, timeout), no violation found; ``clean``
        says what was checked."""
        if self.stop_reason == "depth":
            return Result(goal.id, goal.rules, NAME, Verdict.BOUNDED, self.depth,
                          reason=f"{clean} within {self.depth} steps")
        why = f"{self.stop_reason} at depth {self.depth}" if self.stop_reason else "search stopped"
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, self.depth, reason=why)

    def time_ok(self) -> set:
        """States (of the graph) that reach a state where time may pass by zero-time steps."""
        if self._time_ok is None:
            system = self.system
            passes = [s for s in self.graph if system.time_passes_fn(s)]
            self._time_ok = ga.backward_reachable(self.graph, passes,
                                                  action_ok=lambda i: system.actions[i].duration == 0
                                                  and system.actions[i].fair)
        return self._time_ok


def _path(parent: dict, state: tuple) -> list:
    acts = []
    while parent[state] is not None:
        prev, act = parent[state]
        acts.append(act)
        state = prev
    return acts[::-1]


# ---------------------------------------------------------------- invariants

def _invariant_result(goal: Goal, found: Optional[tuple], search: _Search) -> Result:
    if found is not None:
        state, k = found
        trace = checked_trace(search.system, goal, NAME, _path(search.parent, state))
        return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, k, trace=trace)
    if search.exhausted:
        return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter,
                      reason=f"all {len(search.parent):,} reachable states checked (diameter {search.diameter})")
    if search.stop_reason == "depth":
        return Result(goal.id, goal.rules, NAME, Verdict.BOUNDED, search.depth,
                      reason=f"no violation in states reachable within {search.depth} steps")
    return search.incomplete(goal, "")


# ---------------------------------------------------------------- time-locks

def _time_lock_result(goal: Goal, search: _Search) -> Result:
    system = search.system
    if not system.timed:
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, None, reason=NO_CLOCK)
    if search.exhausted:
        ok = search.time_ok()
        locked = next((s for s in search.parent if s not in ok), None)  # BFS order: the nearest
        if locked is None:
            return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter,
                          reason=f"time can advance from all {len(search.parent):,} reachable states "
                                 f"(diameter {search.diameter})")
        return _time_lock_violation(goal, search, locked)
    # Stopped early: states whose zero-time closure lies in the explored graph are decided there;
    # the others (mostly the unexpanded frontier) by exploring their closure, within a budget.
    ok = search.time_ok()
    undecided, cap = 0, time.monotonic() + PARTIAL_TIMELOCK_SECONDS
    for s in search.parent:
        if s in ok:
            continue
        if time.monotonic() > cap:
            undecided += 1
            continue
        verdict = lets_time_pass(system, s, PARTIAL_TIMELOCK_BUDGET)
        if verdict is False:
            return _time_lock_violation(goal, search, s)
        if verdict is None:
            undecided += 1
    if undecided:
        why = "stopped at the depth bound" if search.stop_reason == "depth" else (search.stop_reason or "search stopped")
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, search.depth,
                      reason=f"{why} at depth {search.depth}; {undecided:,} visited states could not be "
                             f"checked for a time-lock")
    return search.incomplete(goal, "no time-lock in states reachable")


def _time_lock_violation(goal: Goal, search: _Search, locked: tuple) -> Result:
    acts = _path(search.parent, locked)
    trace = checked_trace(search.system, goal, NAME, acts)
    return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, len(acts), trace=trace,
                  reason=f"time-lock after {len(acts)} steps: no path from this state lets time pass")


# ---------------------------------------------------------------- leads-to

def _leads_to_result(goal: Goal, search: _Search) -> Result:
    if not search.exhausted:
        why = "stopped at the depth bound" if search.stop_reason == "depth" else (search.stop_reason or "search stopped")
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, search.depth,
                      reason=f"{LIVENESS_NEEDS_GRAPH} ({why} at depth {search.depth})")
    system, graph = search.system, search.graph
    lt = goal.leads_to
    trigger, target, hold = compile_python(lt.trigger), compile_python(lt.goal), compile_python(lt.hold)
    waiting = {s for s in search.parent if not target(s)}  # G': the goal is false
    held = [s for s in waiting if hold(s)]
    stutter, sccs = ga.fair_loop_states(system, graph, held)
    loop_states = set(stutter).union(*sccs) if sccs else set(stutter)
    bad = ga.backward_reachable(graph, loop_states, allowed=waiting) if loop_states else set()
    start = next((s for s in search.parent if s in bad and trigger(s)), None)  # BFS order: the nearest
    assumptions = [a for a in LIVENESS_ASSUMPTIONS if system.timed or a != "time progress"]
    if start is None:
        return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter, assumptions=assumptions,
                      reason=f"no fair lasso: in all {len(search.parent):,} reachable states (diameter "
                             f"{search.diameter}), every run from a trigger state reaches the goal, assuming "
                             f"{', '.join(assumptions)}")
    prefix = _path(search.parent, start)
    to_loop = ga.shortest_path(graph, start, loop_states.__contains__, waiting)
    assert to_loop is not None, "explicit: a bad trigger state does not reach its loop"
    entry = to_loop[-1][2] if to_loop else start
    acts = prefix + [system.actions[i] for _, i, _ in to_loop]
    loop_at = len(acts)
    if entry in stutter:
        shape = "then stays in that state forever"
    else:
        comp = next(c for c in sccs if entry in c)
        cycle = ga.fair_cycle(system, graph, comp, entry)
        acts += [system.actions[i] for _, i, _ in cycle]
        shape = f"then repeats a loop of {len(cycle)} steps forever"
    trace = checked_trace(system, goal, NAME, acts, loop=loop_at)
    return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, len(acts), trace=trace, assumptions=assumptions,
                  reason=f"the trigger holds after {len(prefix)} steps; the run never reaches the goal: it goes "
                         f"on {len(to_loop)} steps, {shape}")


def reachable_states(system: Any) -> nx.DiGraph:
    """The whole reachable state graph (for tests, exports and the docs)."""
    from scmcheck.model.lang.expr import TRUE

    res = run(system, [Goal("_all", (), TRUE)])
    return res[0].extra["graph"]
