"""A lifecycle (:class:`~.lifecycle.Lifecycle`) drawn as SVG, by hand: no layout engine, no packages.

The values stand in one row, left to right in breadth-first order from the
initial value (marked by a dot and an arrow, as in a UML state diagram).  A
transition to a value further right is an arc above the row, one back to the
left an arc below it; each arc carries a label with the actions that take it,
placed at the arc's top (bottom) and raised (lowered) until it overlaps no
other label.  A value with no way out has a double border.
"""

from __future__ import annotations

from html import escape

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
CHAR_W = 6.7  # advance of an 11 px monospace character
NODE_CHAR_W = 7.8  # 13 px, bold
NODE_H = 34
NODE_MIN_W = 96
GAP = 70  # between neighbouring boxes
LINE_H = 13
MAX_LABEL_LINES = 4
MARGIN = 20
START_W = 40  # the initial dot and its arrow
TITLE_H = 42
FORWARD, BACKWARD = "#334155", "#c2410c"


def _label_lines(actions: list) -> list:
    if len(actions) <= MAX_LABEL_LINES:
        return list(actions)
    return list(actions[:MAX_LABEL_LINES - 1]) + [f"+{len(actions) - MAX_LABEL_LINES + 1} more"]


def render_lifecycle_svg(lc, title: str = "") -> str:  # noqa: ANN001 - a Lifecycle
    """The SVG document of ``lc``; ``title`` heads it (default: the variable's name and meaning)."""
    head = title or (f"{lc.variable}: {lc.doc}" if lc.doc else lc.variable)
    widths = [max(NODE_MIN_W, len(v) * NODE_CHAR_W + 26) for v in lc.values]
    xs, x = [], MARGIN + START_W
    for w in widths:
        xs.append(x)
        x += w + GAP
    right_edge = x - GAP + MARGIN
    pos = {v: i for i, v in enumerate(lc.values)}
    center = [xs[i] + widths[i] / 2 for i in range(len(xs))]

    # ---- ports: the arcs touching one side of a box share it out, ordered by where they go
    ports: dict = {}
    for a, b, _ in lc.edges:
        i, j = pos[a], pos[b]
        side = "up" if j > i else "down"
        # nested arcs do not cross: at a box, arcs to the left come first, and of the arcs to one
        # side the longer one takes the outer port
        ports.setdefault((i, side), []).append(((center[j] > center[i], -center[j]), (a, b)))
        ports.setdefault((j, side), []).append(((center[i] > center[j], -center[i]), (a, b)))
    port_x: dict = {}
    for (i, side), items in ports.items():
        items.sort()
        for k, (_, ab) in enumerate(items):
            port_x[(ab, i)] = xs[i] + widths[i] * (0.2 + 0.6 * (k + 1) / (len(items) + 1))

    # ---- place labels: forward above, backward below; each at least as far out as its span asks
    placed = {"up": [], "down": []}  # (x0, x1, near, far) distances from the row
    arcs = []
    for a, b, actions in lc.edges:
        i, j = pos[a], pos[b]
        side = "up" if j > i else "down"
        lines = _label_lines(actions)
        w = max(len(t) for t in lines) * CHAR_W + 12
        h = len(lines) * LINE_H + 8
        x1, x2 = port_x[((a, b), i)], port_x[((a, b), j)]
        mid = (x1 + x2) / 2
        d = 24 + 16 * (abs(j - i) - 1) + h / 2
        moved = True
        while moved:
            moved = False
            for (p0, p1, near, far) in placed[side]:
                if mid - w / 2 - 6 < p1 and mid + w / 2 + 6 > p0 and d - h / 2 - 6 < far and d + h / 2 + 6 > near:
                    d = far + h / 2 + 6
                    moved = True
        placed[side].append((mid - w / 2, mid + w / 2, d - h / 2, d + h / 2))
        arcs.append((a, b, actions, lines, side, x1, x2, mid, d, w, h))

    up = max((far for *_, far in placed["up"]), default=0.0)
    down = max((far for *_, far in placed["down"]), default=0.0)
    row_top = TITLE_H + up + 12
    row_bot = row_top + NODE_H
    height = row_bot + down + 12 + (LINE_H + 6 if lc.never or not lc.complete else 0) + MARGIN
    label_right = max((mid + w / 2 for *_, mid, _d, w, _h in arcs), default=0.0)
    width = max(right_edge, label_right + MARGIN, len(head) * 7.0 + 2 * MARGIN)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" role="img">',
           f"<title>{escape(head)}</title>",
           "<defs>"
           + "".join(f'<marker id="arrow-{k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
                     f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
                     for k, c in (("f", FORWARD), ("b", BACKWARD)))
           + "</defs>",
           f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
           f'<text x="{MARGIN}" y="24" font-size="14" font-weight="bold" fill="#111827">{escape(head)}</text>']
    sub = f"{len(lc.values)} values reached · {len(lc.edges)} transitions · projected from {lc.states:,} reachable states"
    out.append(f'<text x="{MARGIN}" y="38" font-size="11" fill="#4b5563">{escape(sub)}</text>')

    # ---- arcs (under the labels and boxes)
    for a, b, actions, lines, side, x1, x2, mid, d, w, h in arcs:
        color, mark = (FORWARD, "f") if side == "up" else (BACKWARD, "b")
        y0 = row_top if side == "up" else row_bot
        k = d / 0.75
        yc = y0 - k if side == "up" else y0 + k
        out.append(f'<path d="M{x1:.1f},{y0:.1f} C{x1:.1f},{yc:.1f} {x2:.1f},{yc:.1f} {x2:.1f},{y0:.1f}" fill="none" '
                   f'stroke="{color}" stroke-width="1.4" marker-end="url(#arrow-{mark})">'
                   f"<title>{escape(f'{a} → {b}: ' + ', '.join(actions))}</title></path>")
    # ---- labels
    for a, b, actions, lines, side, x1, x2, mid, d, w, h in arcs:
        color = FORWARD if side == "up" else BACKWARD
        cy = row_top - d if side == "up" else row_bot + d
        top = cy - h / 2
        out.append(f'<g><title>{escape(f"{a} → {b}: " + ", ".join(actions))}</title>'
                   f'<rect x="{mid - w / 2:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
                   f'fill="#ffffff" stroke="{color}" stroke-width="0.8"/>')
        for n, text in enumerate(lines):
            out.append(f'<text x="{mid:.1f}" y="{top + 4 + LINE_H * (n + 1) - 3:.1f}" font-size="11" '
                       f'text-anchor="middle" fill="{color}">{escape(text)}</text>')
        out.append("</g>")
    # ---- the initial marker and the boxes
    if lc.values:
        i0 = pos[lc.initial] if lc.initial in pos else 0
        cy = row_top + NODE_H / 2
        sx = xs[i0] - START_W + 6
        out.append(f'<circle cx="{sx:.1f}" cy="{cy:.1f}" r="6" fill="#111827"><title>initial value</title></circle>')
        out.append(f'<path d="M{sx + 6:.1f},{cy:.1f} L{xs[i0] - 1:.1f},{cy:.1f}" stroke="#111827" '
                   f'stroke-width="1.4" marker-end="url(#arrow-f)"/>')
    exits = {a for a, _, _ in lc.edges}
    for i, v in enumerate(lc.values):
        x0 = xs[i]
        final = v not in exits
        out.append(f'<g><title>{escape(v + (" (no way out)" if final else ""))}</title>'
                   f'<rect x="{x0:.1f}" y="{row_top:.1f}" width="{widths[i]:.1f}" height="{NODE_H}" rx="8" '
                   f'fill="#eef2ff" stroke="#4338ca" stroke-width="1.6"/>')
        if final:
            out.append(f'<rect x="{x0 + 3:.1f}" y="{row_top + 3:.1f}" width="{widths[i] - 6:.1f}" '
                       f'height="{NODE_H - 6}" rx="6" fill="none" stroke="#4338ca" stroke-width="1"/>')
        out.append(f'<text x="{x0 + widths[i] / 2:.1f}" y="{row_top + NODE_H / 2 + 4.5:.1f}" font-size="13" '
                   f'font-weight="bold" text-anchor="middle" fill="#1e1b4b">{escape(v)}</text></g>')
    notes = []
    if lc.never:
        notes.append("never reached: " + ", ".join(lc.never))
    if not lc.complete:
        notes.append(f"partial: the state budget stopped the search at {lc.states:,} states")
    if notes:
        out.append(f'<text x="{MARGIN}" y="{height - MARGIN + 2:.1f}" font-size="11" fill="#4b5563">'
                   f"{escape(' · '.join(notes))}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
