"""A lifecycle (:class:`~.lifecycle.Lifecycle`) as a Mermaid ``stateDiagram-v2`` (renders on code hosts)."""

from __future__ import annotations

from scmcheck.traces.render_mermaid import sanitise


def render_lifecycle_mermaid(lc) -> str:  # noqa: ANN001 - a Lifecycle
    """Mermaid text: one state per value (ids ``s0``, ``s1``...), ``[*]`` into the initial one,
    one transition per edge labelled with its actions."""
    ids = {v: f"s{k}" for k, v in enumerate(lc.values)}
    out = ["stateDiagram-v2"]
    out += [f'    state "{sanitise(v)}" as {ids[v]}' for v in lc.values]
    if lc.initial in ids:
        out.append(f"    [*] --> {ids[lc.initial]}")
    for a, b, actions in lc.edges:
        label = sanitise(", ".join(actions)).replace(":", " ")
        out.append(f"    {ids[a]} --> {ids[b]} : {label}")
    return "\n".join(out) + "\n"
