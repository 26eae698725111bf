"""The explicit engine's reachable graph in arrays, and the liveness and time-lock analyses on it.

Nodes are state ids ``0..n-1`` in BFS order (:class:`StateGraph`).  Sets of
states are ``bytearray`` masks indexed by id.  The rules implemented here (what
a fair loop is, when time progresses) are those of
``scmcheck.model.lang.temporal``; see that module's docstring.  Out-edges are
visited in action order, so "the first action to a state" and "the nearest
state" are those the earlier networkx graph gave (its edge ``s -> t`` listed the
indices of every action from ``s`` to ``t`` in action order).

Paths are returned as lists of ``(state id, action index, next state id)`` steps.
"""

from __future__ import annotations

from array import array
from typing import Any, Callable, Iterable, Iterator, Optional

from scmcheck.model.lang.expr import any_of, not_
from scmcheck.model.lang.packed import Packing
from scmcheck.model.lang.temporal import enabled_processes, fair_processes

Mask = bytearray  # mask[u] == 1: state u is in the set
Step = tuple  # (state id, action index, next state id)


class StateGraph:
    """The reachable state graph: ``states[u]`` the packed state of id ``u`` (BFS order).

    The out-edges of ``u`` are entries ``start[u] .. start[u + 1] - 1`` of ``dst`` (target id)
    and ``act`` (action index), in action order, one entry per enabled action (``start``: 8-byte
    offsets; ``dst``, ``act``: 4-byte ints).  Only the first ``expanded`` states were expanded
    (the search may stop at a depth bound or a budget); the others have no out-edges.  Without
    ``edges`` they are computed on first use, by the packing's successor function (an
    invariant-only search never needs them).

    The networkx form (node = state tuple, edge attribute ``actions``: the action indices, in
    action order) is built on demand by :meth:`to_networkx`; any other attribute (``nodes``,
    ``edges``, ...) is read from it, for exports and the docs.
    """

    def __init__(self, packing: Packing, states: list, expanded: int,
                 edges: Optional[tuple] = None, index: Optional[dict] = None) -> None:
        self.packing, self.states, self.expanded = packing, states, expanded
        self._edges = edges  # (start, dst, act) arrays, or None
        self._index = index  # packed state -> id, or None
        self._pred: Optional[tuple] = None
        self._nx: Any = None

    def __len__(self) -> int:
        return len(self.states)

    def __iter__(self) -> Iterator[tuple]:
        """The state tuples, in BFS order (as iterating the networkx graph gives its nodes)."""
        unpack = self.packing.unpack
        return (unpack(s) for s in self.states)

    def __contains__(self, state: Any) -> bool:
        """Is the state tuple ``state`` a node?  (A value outside its domain would pack into its
        neighbour's bits: such a tuple does not survive the round trip and is no node.)"""
        if not isinstance(state, tuple) or len(state) != len(self.packing.widths):
            return False
        try:
            code = self.packing.pack(state)
        except (TypeError, ValueError):
            return False
        return self.packing.unpack(code) == state and code in self.index()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.to_networkx(), name)

    def state(self, u: int) -> tuple:
        """State ``u`` as a tuple of variable values."""
        return self.packing.unpack(self.states[u])

    def index(self) -> dict:
        """Packed state -> id."""
        if self._index is None:
            self._index = {s: u for u, s in enumerate(self.states)}
        return self._index

    def edges_arrays(self) -> tuple:
        """``(start, dst, act)``: the out-edges of every state (class docstring)."""
        if self._edges is None:
            index, succ = self.index(), self.packing.successors
            start, dst, act = array("q", [0]), array("i"), array("i")
            for u in range(self.expanded):
                for a, t in succ(self.states[u]):
                    act.append(a)
                    dst.append(index[t])
                start.append(len(dst))
            start.extend([len(dst)] * (len(self.states) - self.expanded))
            self._edges = (start, dst, act)
        return self._edges

    def pred_arrays(self) -> tuple:
        """``(start, src, act)``: the in-edges of every state, in the same layout."""
        if self._pred is None:
            start, dst, act = self.edges_arrays()
            n = len(self.states)
            count = array("q", [0]) * (n + 1)
            for t in dst:
                count[t + 1] += 1
            for u in range(n):
                count[u + 1] += count[u]
            fill = array("q", count)
            src, pact = array("i", [0]) * len(dst), array("i", [0]) * len(dst)
            for u in range(n):
                for k in range(start[u], start[u + 1]):
                    t = dst[k]
                    src[fill[t]], pact[fill[t]] = u, act[k]
                    fill[t] += 1
            self._pred = (count, src, pact)
        return self._pred

    def out(self, u: int) -> Iterator[tuple]:
        """``(action index, target id)`` for every out-edge of ``u``, in action order."""
        start, dst, act = self.edges_arrays()
        for k in range(start[u], start[u + 1]):
            yield act[k], dst[k]

    def out_grouped(self, u: int) -> dict:
        """target id -> action indices (in action order), targets in order of their first edge."""
        groups: dict = {}
        for a, t in self.out(u):
            groups.setdefault(t, []).append(a)
        return groups

    def to_networkx(self) -> Any:
        """The graph as a networkx DiGraph (built once): node = state tuple, edge ``s -> t`` with
        ``actions``, the indices of every action from ``s`` to ``t``."""
        if self._nx is None:
            import networkx as nx

            g = nx.DiGraph()
            nodes = list(self)
            g.add_nodes_from(nodes)
            for u in range(self.expanded):
                s = nodes[u]
                for t, acts in self.out_grouped(u).items():
                    g.add_edge(s, nodes[t], actions=acts)
            self._nx = g
        return self._nx


def mask_of(n: int, ids: Iterable[int]) -> Mask:
    """A mask of ``n`` states with ``ids`` set."""
    m = bytearray(n)
    for u in ids:
        m[u] = 1
    return m


def backward_reachable(graph: StateGraph, targets: Iterable[int], allowed: Optional[Mask] = None,
                       action_ok: Optional[list] = None) -> Mask:
    """States from which some target is reachable (targets included), as a mask.

    The path may only pass through states in ``allowed`` (None: any state; the targets
    themselves are always included) and only along edges with an action ``a`` such that
    ``action_ok[a]`` (None: any edge).
    """
    start, src, act = graph.pred_arrays()
    seen = bytearray(len(graph))
    queue = []
    for t in targets:
        if not seen[t]:
            seen[t] = 1
            queue.append(t)
    for t in queue:  # grows while it is read: a breadth-first sweep
        for k in range(start[t], start[t + 1]):
            s = src[k]
            if seen[s] or (allowed is not None and not allowed[s]):
                continue
            if action_ok is not None and not action_ok[act[k]]:
                continue
            seen[s] = 1
            queue.append(s)
    return seen


def shortest_path(graph: StateGraph, source: int, is_target: Callable[[int], bool],
                  allowed: Optional[Mask] = None) -> Optional[list]:
    """A shortest path from ``source`` to the nearest state with ``is_target``, through
    ``allowed`` states only (None: any); ``[]`` when ``source`` is a target, None if none is reachable."""
    if is_target(source):
        return []
    start, dst, act = graph.edges_arrays()
    back: dict = {source: None}
    queue = [source]
    for s in queue:
        for k in range(start[s], start[s + 1]):
            t = dst[k]
            if t in back or (allowed is not None and not allowed[t]):
                continue
            back[t] = (s, act[k])  # the first edge to t: its lowest action
            if is_target(t):
                return _unwind(back, t)
            queue.append(t)
    return None


def _unwind(back: dict, state: int) -> list:
    steps = []
    while back[state] is not None:
        prev, a = back[state]
        steps.append((prev, a, state))
        state = prev
    return steps[::-1]


def nontrivial_sccs(graph: StateGraph, nodes: Mask) -> list[list[int]]:
    """Strongly connected components of the subgraph on ``nodes`` that contain a cycle
    (more than one state, or one state with a self-loop): Tarjan's algorithm, iterative."""
    start, dst, _ = graph.edges_arrays()
    n = len(graph)
    number = array("i", [-1]) * n  # discovery number, -1: not yet visited
    low = array("i", [0]) * n
    on_stack = bytearray(n)
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if not nodes[root] or number[root] >= 0:
            continue
        number[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work = [(root, start[root])]  # (state, next edge position to look at)
        while work:
            v, k = work[-1]
            end = start[v + 1]
            while k < end:
                w = dst[k]
                k += 1
                if not nodes[w]:
                    continue
                if number[w] < 0:
                    work[-1] = (v, k)
                    number[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, start[w]))
                    break
                if on_stack[w] and number[w] < low[v]:
                    low[v] = number[w]
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    if low[v] < low[parent]:
                        low[parent] = low[v]
                if low[v] == number[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = 0
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1 or any(dst[j] == v for j in range(start[v], start[v + 1])):
                        out.append(comp)
    return out


class _Needs:
    """What a fair loop must still show: for each fair process, a step of it or a state
    where it is disabled; for a timed model, a time step or a quiescent state."""

    def __init__(self, system: Any, graph: StateGraph, processes: Iterable[str], time: bool) -> None:
        self.system, self.graph = system, graph
        self.processes = set(processes)
        self.time = time
        self._enabled: dict = {}

    def __bool__(self) -> bool:
        return bool(self.processes) or self.time

    def enabled(self, u: int) -> set:
        e = self._enabled.get(u)
        if e is None:
            e = self._enabled[u] = enabled_processes(self.system, self.graph.state(u))
        return e

    def _quiescent(self, u: int) -> bool:
        return bool(self.system.quiescent_fn(self.graph.state(u)))

    def state_helps(self, u: int) -> bool:
        if self.time and self._quiescent(u):
            return True
        return bool(self.processes - self.enabled(u))

    def action_helps(self, index: int) -> bool:
        act = self.system.actions[index]
        return act.process in self.processes or (self.time and act.duration > 0)

    def see_state(self, u: int) -> None:
        if self.time and self._quiescent(u):
            self.time = False
        if self.processes:
            self.processes -= self.processes - self.enabled(u)

    def see_action(self, index: int) -> None:
        act = self.system.actions[index]
        self.processes.discard(act.process)
        if act.duration > 0:
            self.time = False


def is_fair_scc(system: Any, graph: StateGraph, comp: list[int], comp_of: array, c: int) -> bool:
    """Does the non-trivial SCC ``comp`` (the states ``u`` with ``comp_of[u] == c``) contain a fair
    loop (temporal.loop_unfairness)?

    Every fair process takes a step on an edge inside ``comp`` or is disabled in
    some state of it, and in a timed model some edge inside is a time step or some
    state is quiescent.  A loop through all those edges and states is then fair;
    if ``comp`` lacks one, so does every loop inside it.
    """
    needs = _Needs(system, graph, fair_processes(system), system.timed)
    start, dst, act = graph.edges_arrays()
    for u in comp:
        for k in range(start[u], start[u + 1]):
            if comp_of[dst[k]] == c:
                needs.see_action(act[k])
        if not needs:
            return True
    for u in comp:
        needs.see_state(u)
        if not needs:
            return True
    return False


def fair_loop_states(system: Any, graph: StateGraph, nodes: Mask) -> tuple[Mask, list, array]:
    """Where a fair run can stay forever inside ``nodes``.

    Returns ``(stutter, sccs, comp_of)``: the mask of the states of ``nodes`` where the run may
    stop (temporal.stutter_ok); the fair non-trivial SCCs of the subgraph on ``nodes`` (lists of
    state ids); and for each state the index in ``sccs`` of its SCC, -1 for none.
    """
    n = len(graph)
    stutter = stutter_states(system, graph, nodes)
    sccs: list = []
    comp_of = array("i", [-1]) * n
    for comp in nontrivial_sccs(graph, nodes):
        c = len(sccs)
        for u in comp:
            comp_of[u] = c
        if is_fair_scc(system, graph, comp, comp_of, c):
            sccs.append(comp)
        else:
            for u in comp:
                comp_of[u] = -1
    return stutter, sccs, comp_of


def stutter_states(system: Any, graph: StateGraph, nodes: Mask) -> Mask:
    """The mask of the states of ``nodes`` where a fair run may stop (temporal.stutter_ok): no
    fair action of a fairly scheduled process is enabled and, in a timed model, the state is
    quiescent.  That condition is compiled from the actions' guards into one packed predicate,
    rather than decided by unpacking each state and trying every action."""
    fair = set(fair_processes(system))
    movers = [a.guard for a in system.actions if a.fair and a.process in fair]
    rest = [not_(any_of(*movers))] + ([system.quiescent] if system.quiescent is not None else [])
    stop_here, states = graph.packing.predicate(rest), graph.states
    return bytearray(1 if x and stop_here(s) else 0 for x, s in zip(nodes, states))


def fair_cycle(system: Any, graph: StateGraph, inside: Mask, entry: int) -> list:
    """A cycle from ``entry`` back to ``entry`` inside the fair SCC ``inside`` that is a fair loop.

    It passes through a step of every fair process that can move in the component or
    a state where the process is disabled, and (timed models) through a time step
    or a quiescent state; it has at least one step.  Built greedily: go to the
    nearest state or edge that settles something still missing, then return.
    """
    needs = _Needs(system, graph, fair_processes(system), system.timed)
    cycle: list = []
    cur = entry
    needs.see_state(cur)
    while needs:
        hop = _nearest_help(graph, inside, cur, needs)
        if hop is None:  # pragma: no cover - the component is not fair (caller's bug)
            raise AssertionError("fair_cycle: the component has no fair loop")
        for s, i, t in hop:
            cycle.append((s, i, t))
            needs.see_action(i)
            needs.see_state(t)
        cur = cycle[-1][2] if cycle else cur
    if not cycle:
        # Nothing was missing at the entry: take any step inside the component, then come back.
        a, t = next((a, t) for a, t in graph.out(entry) if inside[t])
        cycle.append((entry, a, t))
        cur = t
    if cur != entry:
        back = shortest_path(graph, cur, lambda u: u == entry, inside)
        assert back is not None, "fair_cycle: the component is not strongly connected"
        cycle.extend(back)
    return cycle


def _nearest_help(graph: StateGraph, inside: Mask, start: int, needs: _Needs) -> Optional[list]:
    """The shortest path inside the component from ``start`` that ends in a state helping
    ``needs`` or ends with an action helping it."""
    back: dict = {start: None}
    queue = [start]
    for s in queue:
        if s != start and needs.state_helps(s):
            return _unwind(back, s)
        for t, acts in graph.out_grouped(s).items():
            if not inside[t]:
                continue
            for i in acts:
                if needs.action_helps(i):
                    return _unwind(back, s) + [(s, i, t)]
            if t not in back:
                back[t] = (s, acts[0])
                queue.append(t)
    return None
