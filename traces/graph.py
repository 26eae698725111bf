"""A trace as a graph: steps as nodes in process lanes, program-order and cause edges.

Nodes are the integers ``0..trace.length``: node 0 is the initial state, node
``k`` the state after step ``k``.  Node attributes:

``index``     the node id again (handy after a node-link round trip)
``lane``      the process that took the step (None for the initial state)
``action``    the step's label (``worker_exit(i=1)``), ``"init"`` for node 0
``time``      model seconds elapsed when the step completes
``changes``   variables the step changed -> display values (the whole initial state for node 0)
``violated``  True on the last node when the trace is a finite counterexample
              (a lasso violates its property as a whole run: no node is marked)
``in_loop``   True on the states a lasso keeps visiting (``trace.loop .. length``)

Edges carry ``kind``:

``program``   consecutive steps of one lane (program order of that thread)
``cause``     across lanes: a variable this step's guard reads was last changed
              by a step of another lane (control sent -> handler runs; event set
              -> wait returns).  ``var`` lists the variables.
``start``     from the initial state to the first step of each lane
``loop``      a lasso only (``trace.loop`` not None): from the last node back to
              node ``trace.loop``, the state the run returns to; a self-loop
              on the last node when the run stutters there forever

The graph attribute ``loop`` is ``trace.loop`` (None for a finite trace).

The clock lane keeps its nodes (ticks are steps) but has no cause edges: time
is drawn as an axis, and a tick "enabling" every timed step says nothing.

Everything is computed from the Trace alone, so a trace loaded from an ITF
file gives the same graph as the engine's own trace.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .trace import Trace

CLOCK = "clock"


def cause_sources(trace: Trace) -> dict[int, dict[int, list[str]]]:
    """For each step ``j`` (1-based node id), the earlier steps of other lanes it depends on.

    ``{j: {i: [vars]}}``: for each variable ``v`` that step ``j``'s guard reads,
    ``i`` is the last earlier step that *changed* ``v`` (listed ``v`` in its
    writes and the value differs afterwards).  A write that leaves the value as
    it was carries no information to the reader, so it does not count: the
    reader saw the value the earlier writer put there.  When the last change
    came from the reader's own lane, or from/to the clock, there is no edge.
    """
    names = [v.name for v in trace.variables]
    last_change: dict[str, int] = {}  # var -> node id of its last change
    out: dict[int, dict[int, list[str]]] = {}
    states = trace.states
    for k, step in enumerate(trace.steps, start=1):
        sources: dict[int, list[str]] = {}
        if step.process != CLOCK:
            for var in step.reads:
                i = last_change.get(var)
                if i is None:
                    continue
                src = trace.steps[i - 1].process
                if src == step.process or src == CLOCK:
                    continue
                sources.setdefault(i, []).append(var)
        if sources:
            out[k] = {i: sorted(vs) for i, vs in sorted(sources.items())}
        before, after = states[k - 1], states[k]
        written = set(step.writes)
        for pos, name in enumerate(names):
            # Older ITF files may lack ``writes``; any change is then a write.
            if before[pos] != after[pos] and (not written or name in written):
                last_change[name] = k
    return out


def held_values(trace: Trace) -> list[tuple[str, int, Any]]:
    """Values the violated property reads that a thread set earlier and still holds.

    ``[(var, step, display value)]`` in ``trace.focus`` order: for each focus
    variable, ``step`` is the last step that changed it (the value after that
    step is the final one).  A variable is listed only when

    * it changed at all, and not by the clock (time passing is drawn as an axis),
      and not by the last step (then there is no "meanwhile");
    * its final value is *set*: different from the initial value and, for a
      boolean, true, for an integer, non-zero (an enum may hold any value other
      than the initial one: any other member is a state somebody reached).

    This is the "window" of a race: one thread acquired something at ``step``
    and kept it while the others ran into the violation.  Model-independent: it
    uses only the trace's variables, states, lanes and focus.
    """
    if not trace.steps or not trace.focus:
        return []
    pos = {v.name: n for n, v in enumerate(trace.variables)}
    states = trace.states
    final = trace.final
    out: list[tuple[str, int, Any]] = []
    for name in trace.focus:
        n = pos.get(name)
        if n is None:
            continue
        info = trace.variables[n]
        value = final[n]
        if value == trace.init[n]:
            continue
        if info.kind != "enum" and not value:  # false, 0
            continue
        last = max((k for k in range(1, trace.length + 1) if states[k - 1][n] != states[k][n]), default=None)
        if last is None or last == trace.length or trace.steps[last - 1].process == CLOCK:
            continue
        out.append((name, last, info.display(value)))
    return out


def trace_to_graph(trace: Trace) -> nx.DiGraph:
    """The networkx DiGraph of a trace (see the module docstring for its schema)."""
    g = nx.DiGraph(
        property=trace.property,
        rules=list(trace.rules),
        lanes=trace.lanes(),
        model=trace.model,
        design=trace.design,
        engine=trace.engine,
        length=trace.length,
        parameters=dict(trace.parameters),
        loop=trace.loop,
    )
    violated_at = trace.length if trace.property and trace.loop is None else None
    loop_from = trace.length + 1 if trace.loop is None else trace.loop
    g.add_node(0, index=0, lane=None, action="init", time=0.0,
               changes=dict(trace.as_dict(trace.init)), violated=violated_at == 0, in_loop=loop_from == 0)
    for k, step in enumerate(trace.steps, start=1):
        g.add_node(k, index=k, lane=step.process, action=step.label, time=float(step.time),
                   changes=dict(trace.changes(k - 1)), violated=violated_at == k, in_loop=k >= loop_from)

    last_in_lane: dict[str, int] = {}
    for k, step in enumerate(trace.steps, start=1):
        prev = last_in_lane.get(step.process)
        if prev is None:
            g.add_edge(0, k, kind="start")
        else:
            g.add_edge(prev, k, kind="program")
        last_in_lane[step.process] = k

    for j, sources in cause_sources(trace).items():
        for i, vars_ in sources.items():
            g.add_edge(i, j, kind="cause", var=list(vars_))
    if trace.loop is not None:  # never collides: every other edge goes forward
        g.add_edge(trace.length, trace.loop, kind="loop")
    return g

