"""Explicit-state breadth-first search over the reachable state graph.

The graph is held in networkx (node = state tuple, edge = the actions between
two states), so callers can inspect or export it.  BFS order makes every
counterexample a shortest one; exhausting the graph proves the invariants for
these parameters.
"""

from __future__ import annotations

import time
from typing import Any, Optional, Sequence

import networkx as nx

from scmcheck.model.lang.expr import compile_python

from ..result import Goal, Result, Verdict
from .common import Progress, Ticker, checked_trace

NAME = "explicit"


def run(system: Any, goals: Sequence[Goal], depth: Optional[int] = None, max_states: int = 5_000_000,
        timeout: Optional[float] = None, progress: Progress = None, keep_graph: bool = True) -> list[Result]:
    """Check every goal by BFS; see the module docstring for the verdicts."""
    system.freeze()
    tick = Ticker(NAME, progress)
    invs = [compile_python(g.invariant) for g in goals]
    init = system.init_state()
    graph = nx.DiGraph() if keep_graph else None
    parent: dict[tuple, Any] = {init: None}
    found: list[Optional[tuple]] = [None] * len(goals)  # (state, depth)
    open_ = set(range(len(goals)))
    deadline = None if timeout is None else time.monotonic() + timeout

    def visit(state: tuple, d: int) -> None:
        for i in list(open_):
            if not invs[i](state):
                found[i] = (state, d)
                open_.discard(i)

    if graph is not None:
        graph.add_node(init)
    visit(init, 0)
    frontier, d, stop_reason = [init], 0, ""
    while frontier and open_:
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
    results = []
    for i, goal in enumerate(goals):
        if found[i] is not None:
            state, k = found[i]
            trace = checked_trace(system, goal, NAME, _path(parent, state))
            results.append(Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, k, len(parent), seconds, trace))
        elif exhausted:
            # d is one past the last non-empty BFS level; the bound reported is the diameter.
            results.append(Result(goal.id, goal.rules, NAME, Verdict.PROVED, max(d - 1, 0), len(parent), seconds,
                                  reason=f"all {len(parent):,} reachable states checked (diameter {max(d - 1, 0)})"))
        elif stop_reason == "depth":
            results.append(Result(goal.id, goal.rules, NAME, Verdict.BOUNDED, d, len(parent), seconds,
                                  reason=f"no violation in states reachable within {d} steps"))
        else:
            results.append(Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, d, len(parent), seconds,
                                  reason=f"{stop_reason} at depth {d}" if stop_reason else "search stopped"))
    if graph is not None:
        for r in results:
            r.extra["graph"] = graph
    return results


def _path(parent: dict, state: tuple) -> list:
    acts = []
    while parent[state] is not None:
        prev, act = parent[state]
        acts.append(act)
        state = prev
    return acts[::-1]


def reachable_states(system: Any) -> nx.DiGraph:
    """The whole reachable state graph (for tests, exports and the docs)."""
    from scmcheck.model.lang.expr import TRUE

    res = run(system, [Goal("_all", (), TRUE)])
    return res[0].extra["graph"]
