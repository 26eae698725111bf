"""A trace as Graphviz DOT text (no pydot, no binary needed to produce it).

One cluster per lane (thread), one node per step, top to bottom in step order
(invisible edges keep the order across lanes).  Program-order edges are solid,
cause edges dashed and labelled with the variables, the violating node red.
A lasso's states in the loop get a purple outline and a bold purple back edge
"loop" from the last node to the state the run returns to (a self-loop when it
stutters), with the loop note under the title.
Render with ``dot -Tsvg trace.dot -o trace.svg`` where Graphviz is installed.
"""

from __future__ import annotations

import networkx as nx

from .graph import trace_to_graph
from .trace import Trace, format_value, loop_note

LOOP = "#7c3aed"

LABEL_WIDTH = 40
MAX_CHANGE_LINES = 4


def quote(text: object) -> str:
    """A DOT double-quoted string (``\\n`` in the result is a DOT line break)."""
    body = str(text).replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\r", "").replace("\n", "\\n")
    return f'"{body}"'


def _change_lines(changes: dict) -> list[str]:
    lines: list[str] = []
    for k, v in changes.items():
        item = f"{k}={format_value(v)}"
        if lines and len(lines[-1]) + 2 + len(item) <= LABEL_WIDTH:
            lines[-1] += ", " + item
        else:
            lines.append(item)
    if len(lines) > MAX_CHANGE_LINES:
        lines = lines[: MAX_CHANGE_LINES - 1] + [f"... {len(changes)} changes in all"]
    return lines


def _node_label(g: nx.DiGraph, n: int) -> str:
    d = g.nodes[n]
    if n == 0:
        return "init"
    head = f"{n}  {d['action']}  (t={d['time']:g}s)"
    return "\n".join([head] + _change_lines(d["changes"]))


def render_dot(trace: Trace) -> str:
    """The trace as a DOT digraph."""
    g = trace_to_graph(trace)
    title = f"{trace.property} violated" if trace.property else "trace"
    if trace.rules:
        title += f" (rules {', '.join(trace.rules)})"
    where = trace.design or trace.target or trace.model
    title += f"\n{where}, {trace.engine or 'replay'}, {trace.length} steps"
    note = loop_note(trace)
    if note:
        title += f"\n{note}"
    out = [
        "digraph trace {",
        f"  graph [rankdir=TB, labelloc=t, fontname=monospace, fontsize=12, label={quote(title)}, newrank=true];",
        '  node [shape=box, style="rounded,filled", fillcolor="#f8fafc", fontname=monospace, fontsize=10];',
        "  edge [fontname=monospace, fontsize=9];",
        '  s0 [label="init", shape=ellipse];',
    ]
    for k, lane in enumerate(g.graph["lanes"]):
        members = [n for n, d in g.nodes(data=True) if d["lane"] == lane]
        if not members:  # a thread that never moved is often the point (workers still running)
            out.append(f"  subgraph cluster_{k} {{ label={quote(lane)}; style=\"rounded,dashed\"; color=\"#94a3b8\"; "
                       f'idle_{k} [label="takes no step", shape=plaintext, fontcolor="#6b7280"]; }}')
            continue
        out.append(f"  subgraph cluster_{k} {{")
        out.append(f"    label={quote(lane)}; style=rounded; color=\"#94a3b8\";")
        for n in members:
            attrs = [f"label={quote(_node_label(g, n))}"]
            if lane == "clock":
                attrs.append('fillcolor="#f1f5f9", fontcolor="#6b7280"')
            if g.nodes[n]["violated"]:
                attrs.append('color="#c62828", fillcolor="#fdecea", penwidth=2')
            elif g.nodes[n]["in_loop"]:
                attrs.append(f'color="{LOOP}", penwidth=1.5')
            out.append(f"    s{n} [{', '.join(attrs)}];")
        out.append("  }")
    if g.nodes[0]["violated"]:
        out.append('  s0 [color="#c62828", fillcolor="#fdecea", penwidth=2];')
    elif g.nodes[0]["in_loop"]:
        out.append(f'  s0 [color="{LOOP}", penwidth=1.5];')
    for u, v, d in g.edges(data=True):
        if d["kind"] == "program":
            out.append(f"  s{u} -> s{v};")
        elif d["kind"] == "cause":
            out.append(f"  s{u} -> s{v} [style=dashed, color=\"#1f5fbf\", fontcolor=\"#1f5fbf\", "
                       f"label={quote(', '.join(d['var']))}];")
        elif d["kind"] == "loop":
            out.append(f"  s{u} -> s{v} [{_loop_attrs(u, v)}];")
        else:
            out.append(f"  s{u} -> s{v} [style=dotted, color=\"#94a3b8\"];")
    # keep step order top to bottom across lanes
    for n in range(1, trace.length + 1):
        if not g.has_edge(n - 1, n):
            out.append(f"  s{n - 1} -> s{n} [style=invis];")
    out.append("}")
    return "\n".join(out) + "\n"


def _loop_attrs(last: int, back_to: int) -> str:
    """DOT attributes of a lasso's back edge ``s<last> -> s<back_to>``."""
    label = "loop: stutters forever" if last == back_to else f"loop: back to {'init' if back_to == 0 else back_to}"
    return (f'color="{LOOP}", fontcolor="{LOOP}", penwidth=2.5, constraint=false, '
            f"label={quote(label)}")
