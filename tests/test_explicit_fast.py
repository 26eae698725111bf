"""The explicit engine's compact form: packed states, the generated successor and invariant
functions, the array graph and its SCCs, checked against the plain definitions (tuple states,
``System.successors``, a networkx graph built from them) on hand-made and random systems."""

from __future__ import annotations

import enum
import gc
import random

import networkx as nx
import pytest

from randsys import from_seed
from scmcheck.model.designs import built_in
from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import TRUE, all_of, compile_python, ite, max_, min_, not_
from scmcheck.model.lang.packed import packing
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import stutter_ok
from scmcheck.properties.engines import explicit
from scmcheck.properties.engines import graph_analysis as ga
from scmcheck.properties.result import Goal, Verdict

SEEDS = range(60)


def reference_graph(system: System) -> nx.DiGraph:
    """The reachable graph by the book: tuple states, System.successors, BFS order."""
    system.freeze()
    init = system.init_state()
    g = nx.DiGraph()
    g.add_node(init)
    frontier = [init]
    while frontier:
        nxt = []
        for s in frontier:
            for act, t in system.successors(s):
                if t not in g:
                    nxt.append(t)
                if g.has_edge(s, t):
                    g[s][t]["actions"].append(act.index)
                else:
                    g.add_edge(s, t, actions=[act.index])
        frontier = nxt
    return g


def same_graph(system: System, a: nx.DiGraph, b: nx.DiGraph) -> None:
    assert list(a.nodes) == list(b.nodes)  # BFS order, so ids mean the same
    assert [(s, t, d["actions"]) for s, t, d in a.edges(data=True)] == \
        [(s, t, d["actions"]) for s, t, d in b.edges(data=True)]
    kinds = [bool if v.kind == "bool" else int for v in system.variables]
    for s in a:  # the types too: a boolean comes back as a bool, not as 1
        assert [type(x) for x in s] == kinds


class Mode(enum.IntEnum):
    IDLE = 0
    BUSY = 1
    DONE = 2


def odd_domains() -> System:
    """Negative and shifted ranges, a one-value range, an enum, bools, a saturating update."""
    m = System("odd")
    mode = m.enum("mode", Mode, Mode.IDLE)
    x = m.int("x", -3, 2, -3)
    y = m.int("y", 5, 9, 7)
    one = m.int("one", 4, 4, 4)
    b = m.bool("b", True)
    m.action("up", "p", x < 2, {x: x + 1, b: not_(b)})
    m.action("down", "p", all_of(x > -3, b), {x: x - 1})
    m.action("y", "q", y + one > 10, {y: max_(y - 1, 5)})
    m.action("y2", "q", ite(b, y < 9, y == 5), {y: min_(y + 2, 9), "one": one})
    m.action("stay", "q", TRUE, {})
    m.action("mode", "r", all_of(mode != Mode.DONE, x >= 0), {mode: ite(mode == Mode.IDLE, Mode.BUSY, Mode.DONE)})
    return m


# ---------------------------------------------------------------- packed states and generated code

@pytest.mark.parametrize("make", [odd_domains, lambda: built_in("service-correct").build({"workers": 3})])
def test_generated_successors_are_system_successors(make):
    m = make()
    g = reference_graph(m)
    pk = packing(m)
    for s in g:
        assert pk.unpack(pk.pack(s)) == s
        want = [(act.index, t) for act, t in m.successors(s)]
        assert [(a, pk.unpack(t)) for a, t in m.successors_fn()(pk.pack(s))] == want
        # With ``seen``: the states not in it, each once (its first action), and they are added to it.
        seen = {pk.pack(t) for _, t in want[::2]}
        fresh, firsts = set(seen), []
        for a, t in want:
            if pk.pack(t) not in fresh:
                fresh.add(pk.pack(t))
                firsts.append((a, t))
        assert [(a, pk.unpack(t)) for a, t in pk.successors(pk.pack(s), seen)] == firsts
        assert seen == fresh


@pytest.mark.parametrize("seed", SEEDS)
def test_random_systems_give_the_same_graph(seed):
    rs = from_seed(seed, liveness=seed % 3 == 1, timed=seed % 3 == 2)
    same_graph(rs.system, explicit.reachable_states(rs.system), reference_graph(rs.system))


@pytest.mark.parametrize("seed", range(40))
def test_out_of_range_updates_raise_the_same_error(seed):
    rs = from_seed(seed, allow_oob=True)
    try:
        reference_graph(rs.system)
        want = None
    except ModelError as exc:
        want = str(exc)
    if want is None:
        explicit.run(rs.system, [Goal("all", (), TRUE)])
        return
    with pytest.raises(ModelError) as got:
        explicit.run(rs.system, [Goal("all", (), TRUE)])
    assert str(got.value) == want


@pytest.mark.parametrize("seed", SEEDS)
def test_one_invariant_function_is_every_invariant(seed):
    rs = from_seed(seed)
    pk = packing(rs.system)
    invs = [g.invariant for g in rs.goals if g.kind == "invariant"]
    both = pk.predicate(invs)
    each = [compile_python(e) for e in invs]
    for s in reference_graph(rs.system):
        assert both(pk.pack(s)) is all(f(s) for f in each)


# ---------------------------------------------------------------- the array graph and its SCCs

def graph_system(n: int, edges: list[tuple[int, int]]) -> System:
    """A system whose reachable graph is the given one on states 0..n-1 (all reachable from 0
    through the edge list), one action per edge."""
    m = System("g")
    x = m.int("x", 0, n - 1, 0)
    for k, (a, b) in enumerate(edges):
        m.action("e", "p", x == a, {x: b}, args={"k": k})
    return m


def sccs_by_networkx(g: nx.DiGraph, nodes: set) -> set:
    out = set()
    for comp in nx.strongly_connected_components(g.subgraph(nodes)):
        if len(comp) > 1 or any(g.has_edge(s, s) for s in comp):
            out.add(frozenset(comp))
    return out


def test_tarjan_on_tiny_graphs():
    # (states, edges, the non-trivial SCCs): a chain; a 1-2 cycle; plus a self-loop at 3; a
    # back edge 4 -> 0 that puts everything on one cycle.
    cases = [
        (3, [(0, 1), (1, 2)], []),
        (3, [(0, 1), (1, 2), (2, 1)], [{1, 2}]),
        (4, [(0, 1), (1, 2), (2, 1), (2, 3), (3, 3)], [{1, 2}, {3}]),
        (5, [(0, 1), (1, 2), (2, 1), (2, 3), (3, 3), (3, 4), (4, 0)], [{0, 1, 2, 3, 4}]),
    ]
    for n, edges, want in cases:
        graph = explicit.run(graph_system(n, edges), [Goal("all", (), TRUE)])[0].extra["graph"]
        assert len(graph) == n
        value = [graph.state(u)[0] for u in range(n)]  # id -> the value of x
        got = [{value[u] for u in c} for c in ga.nontrivial_sccs(graph, bytearray([1]) * n)]
        assert sorted(map(sorted, got)) == sorted(map(sorted, want))
        # Restricted to the states other than 2: no cycle through 2 is left.
        got = [{value[u] for u in c} for c in ga.nontrivial_sccs(graph, bytearray(v != 2 for v in value))]
        assert all(2 not in c and c != {1} for c in got)


@pytest.mark.parametrize("seed", range(30))
def test_tarjan_matches_networkx_on_random_graphs(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 12)
    edges = [(u, u + 1) for u in range(n - 1)]  # everything reachable from 0
    edges += [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 3 * n))]
    m = graph_system(n, edges)
    graph = explicit.run(m, [Goal("all", (), TRUE)])[0].extra["graph"]
    ref = graph.to_networkx()
    for _ in range(5):
        keep = {u for u in range(n) if rng.random() < 0.8}
        mask = bytearray(1 if u in keep else 0 for u in range(len(graph)))
        got = {frozenset(graph.state(u) for u in c) for c in ga.nontrivial_sccs(graph, mask)}
        assert got == sccs_by_networkx(ref, {graph.state(u) for u in keep})


def test_backward_reachable_and_shortest_path_on_a_chain():
    m = graph_system(5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 2)])
    graph = explicit.run(m, [Goal("all", (), TRUE)])[0].extra["graph"]
    u = {graph.state(k)[0]: k for k in range(len(graph))}
    back = ga.backward_reachable(graph, [u[3]])
    assert {graph.state(k)[0] for k in range(len(graph)) if back[k]} == {0, 1, 2, 3, 4}
    allowed = bytearray(1 if graph.state(k)[0] != 1 else 0 for k in range(len(graph)))
    back = ga.backward_reachable(graph, [u[3]], allowed=allowed)
    assert {graph.state(k)[0] for k in range(len(graph)) if back[k]} == {2, 3, 4}
    path = ga.shortest_path(graph, u[0], lambda k: k == u[4])
    assert [(graph.state(a)[0], graph.state(b)[0]) for a, _, b in path] == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert ga.shortest_path(graph, u[0], lambda k: k == u[0]) == []


# ---------------------------------------------------------------- the search itself

def test_pinned_state_counts_of_the_service_model():
    # The counts the networkx engine gave before the rewrite.
    d = built_in("service-correct")
    for workers, states, diameter in [(2, 94, 18), (4, 334, 22), (8, 5134, 30)]:
        (r,) = explicit.run(d.build({"workers": workers}), [Goal("all", (), TRUE)], keep_graph=False,
                            symmetry=False)
        assert (r.verdict, r.states, r.bound) == (Verdict.PROVED, states, diameter)


def test_edges_are_computed_only_when_asked_for():
    m = built_in("service-correct").build({"workers": 2})
    (r,) = explicit.run(m, [Goal("all", (), TRUE)], symmetry=False)
    graph = r.extra["graph"]
    assert graph._edges is None  # an invariant search records no edges
    same_graph_nodes = list(graph.to_networkx().nodes)
    assert graph._edges is not None and len(same_graph_nodes) == r.states == len(graph)
    assert graph.number_of_nodes() == r.states  # networkx attributes are read through


def test_figures_in_extra_and_json():
    m = built_in("service-correct").build({"workers": 2})
    (r,) = explicit.run(m, [Goal("all", (), TRUE)], keep_graph=False)
    assert r.extra["states_per_s"] > 0 and "graph" not in r.extra
    assert r.extra["peak_mib"] is None or r.extra["peak_mib"] > 0
    j = r.to_json()
    assert j["states_per_s"] == r.extra["states_per_s"] and j.get("memory_mib") == r.extra["peak_mib"]


def test_progress_reports_rate_and_memory():
    m = built_in("service-correct").build({"workers": 6})
    seen = []
    explicit.run(m, [Goal("all", (), TRUE)], progress=seen.append, keep_graph=False)
    # The ticker reports at most every 0.5 s; when it did, the figures are there.
    for f in seen:
        assert {"depth", "states", "rate", "memory_mib"} <= set(f)


@pytest.mark.parametrize("was_on", [True, False])
def test_the_garbage_collector_is_restored(was_on):
    m = built_in("service-correct").build({"workers": 2})
    before = gc.isenabled()
    try:
        (gc.enable if was_on else gc.disable)()
        explicit.run(m, [Goal("all", (), TRUE)])
        assert gc.isenabled() is was_on
        assert gc.get_freeze_count() == 0
    finally:
        (gc.enable if before else gc.disable)()


def test_a_budget_met_at_the_end_of_a_level_stops_there():
    m = System("chain")
    x = m.int("x", 0, 10, 0)
    m.action("inc", "p", x < 10, {x: x + 1})
    (r,) = explicit.run(m, [Goal("small", (), x < 10)], max_states=3)
    assert (r.verdict, r.states) == (Verdict.UNKNOWN, 3) and "state budget of 3 reached" in r.reason


def test_the_graph_knows_its_states():
    m = odd_domains()
    graph = explicit.run(m, [Goal("all", (), TRUE)])[0].extra["graph"]
    init = m.init_state()
    assert init in graph and list(graph)[0] == init
    assert (9,) + init[1:] not in graph  # outside the enum's domain: no node, not a neighbour's bits
    assert "not a state" not in graph


@pytest.mark.parametrize("seed", range(40))
def test_compiled_stutter_states_are_temporal_stutter_ok(seed):
    rs = from_seed(seed, liveness=True, timed=seed % 2 == 1)
    graph = explicit.run(rs.system, [Goal("all", (), TRUE)])[0].extra["graph"]
    every = bytearray([1]) * len(graph)
    want = [stutter_ok(rs.system, graph.state(u)) for u in range(len(graph))]
    assert [bool(x) for x in ga.stutter_states(rs.system, graph, every)] == want
