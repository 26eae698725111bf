"""A model's lifecycle: its reachable state graph projected onto the state the outside sees.

For a service that is the state it last reported to the SCM (``reported``: the
SERVICE_STATUS values); for the shutdown model each service's state
(``svc[i]``); for a COM server each server process's phase (``phase[i]``).
Every reachable transition that changes the projected variable becomes an edge
between its old and new value, labelled with the actions that take it; steps
that leave it unchanged are not drawn.

Pure: it reads a System and a networkx graph of its reachable states (node =
state tuple, edge attribute ``actions`` = indices into ``system.actions``), as
the explicit engine keeps it; the docs command obtains the graph.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Optional

# Preferred projections, in order: a name, or a name whose indexed members (name[i]) are projected one by one.
PREFERRED = ("reported", "svc", "phase", "state")


@dataclass
class Lifecycle:
    """One projection: the values reached, the initial one, and labelled edges."""

    variable: str
    doc: str
    values: list  # display names, in layout order (BFS from the initial value)
    initial: str
    edges: list  # (from, to, [action names]) in layout order
    never: list = field(default_factory=list)  # values of the domain never reached
    states: int = 0  # reachable states projected
    complete: bool = True  # False: the graph was cut off by a budget


def variables_to_project(system: Any) -> list[str]:
    """The variables a lifecycle picture projects onto (see :data:`PREFERRED`); a System may name its
    own with an attribute ``lifecycle`` (a name or a list of names)."""
    own = getattr(system, "lifecycle", None)
    if own:
        names = [own] if isinstance(own, str) else list(own)
        return [n for n in names if system.has(n)]
    for stem in PREFERRED:
        if system.has(stem):
            return [stem]
        members = [v.name for v in system.variables if re.fullmatch(re.escape(stem) + r"\[\d+\]", v.name)
                   and v.kind in ("enum", "bool")]
        if members:
            return members
    first = next((v.name for v in system.variables if v.kind == "enum"), None)
    return [first] if first else []


def project(system: Any, graph: Any, name: str, complete: bool = True) -> Lifecycle:
    """The lifecycle of variable ``name`` in the reachable ``graph`` of ``system``."""
    var = system.variable(name)
    idx = var.index

    def show(value: Any) -> str:
        if var.kind == "bool":
            return "true" if value else "false"
        if var.kind == "enum":
            return str(var.label(value))
        if var.unit:
            return f"{value * var.unit:g} s"
        return str(value)

    init = system.init_state()[idx]
    reached: set = set()
    moves: dict[tuple, dict[str, int]] = {}  # (a, b) -> action name -> first action index
    for node in graph.nodes:
        reached.add(node[idx])
    for s, t, data in graph.edges(data=True):
        a, b = s[idx], t[idx]
        if a == b:
            continue
        names = moves.setdefault((a, b), {})
        for i in data.get("actions", ()):
            act = system.actions[i]
            names[act.name] = min(names.get(act.name, i), i)
    order = _bfs_order(init, reached, moves)
    edges = sorted(moves, key=lambda ab: (order.index(ab[0]), order.index(ab[1])))
    domain = list(range(var.lo, var.hi + 1)) if var.kind in ("enum", "bool") else []
    return Lifecycle(
        variable=name, doc=var.doc,
        values=[show(v) for v in order], initial=show(init),
        edges=[(show(a), show(b), [n for n, _ in sorted(moves[(a, b)].items(), key=lambda kv: kv[1])])
               for a, b in edges],
        never=[show(v if var.kind != "bool" else bool(v)) for v in domain if v not in reached],
        states=graph.number_of_nodes(), complete=complete)


def _bfs_order(init: Any, reached: set, moves: dict) -> list:
    """Values in breadth-first order from ``init`` over the projected edges (ties by value)."""
    succ: dict[Any, list] = {}
    for a, b in moves:
        succ.setdefault(a, []).append(b)
    order, seen, queue = [], {init}, deque([init])
    while queue:
        v = queue.popleft()
        order.append(v)
        for w in sorted(succ.get(v, ()), key=_key):
            if w not in seen:
                seen.add(w)
                queue.append(w)
    order += sorted((v for v in reached if v not in seen), key=_key)
    return order


def _key(value: Any) -> tuple:
    return (0, int(value)) if isinstance(value, (int, bool)) else (1, str(value))


def lifecycles(system: Any, graph: Any, complete: bool = True, names: Optional[list] = None) -> list[Lifecycle]:
    """Every lifecycle picture of ``system`` (one per projected variable)."""
    return [project(system, graph, n, complete) for n in (names or variables_to_project(system))]
