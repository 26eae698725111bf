"""Graph algorithms for the explicit engine's liveness and time-lock analysis.

The graph is the explicit engine's networkx ``DiGraph``: nodes are state
tuples, and the edge ``s -> t`` carries ``actions``, the indices (into
``system.actions``) of every action leading from ``s`` to ``t``.  The rules
implemented here (what a fair loop is, when time progresses) are those of
``scmcheck.model.lang.temporal``; see that module's docstring.

Paths are returned as lists of ``(state, action index, next state)`` steps.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable, Collection, Iterable, Iterator, Optional

import networkx as nx

from scmcheck.model.lang.temporal import enabled_processes, fair_processes, stutter_ok

Step = tuple  # (state, action index, next state)


def backward_reachable(graph: nx.DiGraph, targets: Iterable[tuple], allowed: Optional[Collection[tuple]] = None,
                       action_ok: Optional[Callable[[int], bool]] = None) -> set:
    """States from which some target is reachable (targets included).

    The path may only pass through states in ``allowed`` (None: any state; the
    targets themselves are always included) and only along edges with an
    action satisfying ``action_ok`` (None: any edge).
    """
    seen = set(targets)
    queue = deque(seen)
    while queue:
        t = queue.popleft()
        for s, data in graph.pred[t].items():
            if s in seen or (allowed is not None and s not in allowed):
                continue
            if action_ok is not None and not any(action_ok(i) for i in data["actions"]):
                continue
            seen.add(s)
            queue.append(s)
    return seen


def shortest_path(graph: nx.DiGraph, source: tuple, is_target: Callable[[tuple], bool],
                  allowed: Optional[Collection[tuple]] = None) -> Optional[list]:
    """A shortest path from ``source`` to the nearest state with ``is_target``, through
    ``allowed`` states only (None: any); ``[]`` when ``source`` is a target, None if none is reachable."""
    if is_target(source):
        return []
    back: dict = {source: None}
    queue = deque([source])
    while queue:
        s = queue.popleft()
        for t, data in graph.succ[s].items():
            if t in back or (allowed is not None and t not in allowed):
                continue
            back[t] = (s, data["actions"][0])
            if is_target(t):
                return _unwind(back, t)
            queue.append(t)
    return None


def _unwind(back: dict, state: tuple) -> list:
    steps = []
    while back[state] is not None:
        prev, act = back[state]
        steps.append((prev, act, state))
        state = prev
    return steps[::-1]


def nontrivial_sccs(graph: nx.DiGraph, nodes: Collection[tuple]) -> Iterator[set]:
    """Strongly connected components of the subgraph on ``nodes`` that contain a cycle
    (more than one state, or one state with a self-loop)."""
    for comp in nx.strongly_connected_components(graph.subgraph(nodes)):
        if len(comp) > 1:
            yield comp
        else:
            (s,) = comp
            if graph.has_edge(s, s):
                yield comp


def internal_edges(graph: nx.DiGraph, comp: Collection[tuple]) -> Iterator[tuple]:
    """``(s, t, action indices)`` for every edge with both ends in ``comp``."""
    for s in comp:
        for t, data in graph.succ[s].items():
            if t in comp:
                yield s, t, data["actions"]


class _Needs:
    """What a fair loop must still show: for each fair process, a step of it or a state
    where it is disabled; for a timed model, a time step or a quiescent state."""

    def __init__(self, system: Any, processes: Iterable[str], time: bool) -> None:
        self.system = system
        self.processes = set(processes)
        self.time = time
        self._enabled: dict = {}

    def __bool__(self) -> bool:
        return bool(self.processes) or self.time

    def enabled(self, state: tuple) -> set:
        e = self._enabled.get(state)
        if e is None:
            e = self._enabled[state] = enabled_processes(self.system, state)
        return e

    def state_helps(self, state: tuple) -> bool:
        if self.time and self.system.quiescent_fn(state):
            return True
        return bool(self.processes - self.enabled(state))

    def action_helps(self, index: int) -> bool:
        act = self.system.actions[index]
        return act.process in self.processes or (self.time and act.duration > 0)

    def see_state(self, state: tuple) -> None:
        if self.time and self.system.quiescent_fn(state):
            self.time = False
        if self.processes:
            self.processes -= self.processes - self.enabled(state)

    def see_action(self, index: int) -> None:
        act = self.system.actions[index]
        self.processes.discard(act.process)
        if act.duration > 0:
            self.time = False


def is_fair_scc(system: Any, graph: nx.DiGraph, comp: Collection[tuple]) -> bool:
    """Does the non-trivial SCC ``comp`` contain a fair loop (temporal.loop_unfairness)?

    Every fair process takes a step on an edge inside ``comp`` or is disabled in
    some state of it, and in a timed model some edge inside is a time step or some
    state is quiescent.  A loop through all those edges and states is then fair;
    if ``comp`` lacks one, so does every loop inside it.
    """
    needs = _Needs(system, fair_processes(system), system.timed)
    for _, _, acts in internal_edges(graph, comp):
        for i in acts:
            needs.see_action(i)
        if not needs:
            return True
    for s in comp:
        needs.see_state(s)
        if not needs:
            return True
    return False


def fair_loop_states(system: Any, graph: nx.DiGraph, nodes: Collection[tuple]) -> tuple[set, list]:
    """Where a fair run can stay forever inside ``nodes``.

    Returns ``(stutter, sccs)``: the states of ``nodes`` where the run may stop
    (temporal.stutter_ok), and the fair non-trivial SCCs of the subgraph on ``nodes``.
    """
    stutter = {s for s in nodes if stutter_ok(system, s)}
    sccs = [c for c in nontrivial_sccs(graph, nodes) if is_fair_scc(system, graph, c)]
    return stutter, sccs


def fair_cycle(system: Any, graph: nx.DiGraph, comp: Collection[tuple], entry: tuple) -> list:
    """A cycle from ``entry`` back to ``entry`` inside the fair SCC ``comp`` that is a fair loop.

    It passes through a step of every fair process that can move in ``comp`` or
    a state where the process is disabled, and (timed models) through a time step
    or a quiescent state; it has at least one step.  Built greedily: go to the
    nearest state or edge that settles something still missing, then return.
    """
    needs = _Needs(system, fair_processes(system), system.timed)
    cycle: list = []
    cur = entry
    needs.see_state(cur)
    while needs:
        hop = _nearest_help(graph, comp, cur, needs)
        if hop is None:  # pragma: no cover - comp is not fair (caller's bug)
            raise AssertionError("fair_cycle: the component has no fair loop")
        for s, i, t in hop:
            cycle.append((s, i, t))
            needs.see_action(i)
            needs.see_state(t)
        cur = cycle[-1][2] if cycle else cur
    if not cycle:
        # Nothing was missing at the entry: take any step inside comp, then come back.
        t, data = next((t, d) for t, d in graph.succ[entry].items() if t in comp)
        cycle.append((entry, data["actions"][0], t))
        cur = t
    if cur != entry:
        back = shortest_path(graph, cur, lambda s: s == entry, comp)
        assert back is not None, "fair_cycle: the component is not strongly connected"
        cycle.extend(back)
    return cycle


def _nearest_help(graph: nx.DiGraph, comp: Collection[tuple], start: tuple, needs: _Needs) -> Optional[list]:
    """The shortest path inside ``comp`` from ``start`` that ends in a state helping ``needs``
    or ends with an action helping it."""
    back: dict = {start: None}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        if s != start and needs.state_helps(s):
            return _unwind(back, s)
        for t, data in graph.succ[s].items():
            if t not in comp:
                continue
            for i in data["actions"]:
                if needs.action_helps(i):
                    return _unwind(back, s) + [(s, i, t)]
            if t not in back:
                back[t] = (s, data["actions"][0])
                queue.append(t)
    return None
