"""A trace as an SVG sequence diagram, written by hand (no layout engine, no packages).

Layout, top to bottom: a title; one column per thread (``trace.lanes()`` order,
the clock excluded) with a lifeline; one fixed-height row per step with a box
in the thread's column (step number, action, what changed); clock ticks as thin
dashed rules across the diagram (consecutive ticks merged, "+20 s"), with the
model time on an axis at the left.  A cause edge (a value one thread changed
and another thread's guard read) is drawn as an L-shaped arrow: down the
writer's lifeline from the writer's box, then across, at the reader's row, into
the reader's box; each row holds exactly one box, so the horizontal part never
crosses another box.  The violating state is red, followed by the property, its
rules and the full final state, and a legend.

Only the Trace is used, so a trace loaded from ITF renders the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from .graph import CLOCK, cause_sources
from .trace import Trace, format_value

# ---- geometry (px); text widths are estimated from monospace advance (0.602 em)
MARGIN = 16
AXIS_W = 74  # time axis column at the left
LANE_W = 214  # one column per thread
BOX_W = 194
TITLE_H = 70
HEAD_H = 30  # lane header boxes
ROW_H = 84  # one step
TICK_H = 24  # one run of clock ticks
MAX_CHANGE_LINES = 4
ARROW_GAP = 14  # vertical distance between cause arrows entering one box
LABEL_PX, SMALL_PX, TINY_PX = 11.5, 10, 9
MONO_ADVANCE = 0.602
FINAL_COL_W = 250

RED, RED_FILL = "#c62828", "#fdecea"
CAUSE = "#1f5fbf"
GREY, LIGHT = "#6b7280", "#d1d5db"

STYLE = f"""
svg.scmtrace text {{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; fill: #111827; }}
svg.scmtrace .title {{ font-size: 15px; font-weight: bold; }}
svg.scmtrace .sub {{ font-size: {SMALL_PX}px; fill: {GREY}; }}
svg.scmtrace .lane {{ font-size: {LABEL_PX}px; font-weight: bold; }}
svg.scmtrace .act {{ font-size: {LABEL_PX}px; font-weight: bold; }}
svg.scmtrace .num {{ font-size: {TINY_PX}px; fill: {GREY}; }}
svg.scmtrace .chg {{ font-size: {SMALL_PX}px; fill: #374151; }}
svg.scmtrace .time {{ font-size: {SMALL_PX}px; font-weight: bold; }}
svg.scmtrace .tick {{ font-size: {TINY_PX}px; fill: {GREY}; }}
svg.scmtrace .cause {{ font-size: {TINY_PX}px; fill: {CAUSE}; }}
svg.scmtrace .halo {{ paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }}
svg.scmtrace .bad {{ font-size: {LABEL_PX}px; font-weight: bold; fill: {RED}; }}
svg.scmtrace .var {{ font-size: {SMALL_PX}px; }}
svg.scmtrace .varhot {{ font-size: {SMALL_PX}px; font-weight: bold; fill: {RED}; }}
svg.scmtrace .leg {{ font-size: {SMALL_PX}px; fill: #374151; }}
"""

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(value: Any) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    text = _INVALID_XML.sub("?", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def chars(width: float, px: float) -> int:
    """How many monospace characters of size ``px`` fit in ``width``."""
    return max(1, int(width / (px * MONO_ADVANCE)))


def clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(n - 1, 0)] + "…"


def wrap_items(items: list[str], width: int, max_lines: int) -> list[str]:
    """Pack ``items`` into at most ``max_lines`` lines of ``width`` characters, joined by ", ".

    What does not fit is counted as "+N more" at the end (the full list is in
    the box's tooltip and in the HTML table).
    """
    lines: list[list[str]] = []
    for item in items:
        item = clip(item, width)
        if lines and len(", ".join(lines[-1] + [item])) <= width:
            lines[-1].append(item)
        else:
            lines.append([item])
    if len(lines) > max_lines:
        rest = sum(len(line) for line in lines[max_lines:])
        lines = lines[:max_lines]
        last = lines[-1]
        while last and len(", ".join(last + [f"+{rest} more"])) > width:
            last.pop()
            rest += 1
        last.append(f"+{rest} more")
    return [", ".join(line) for line in lines]


@dataclass
class Row:
    """One row of the diagram: a step in a lane, or a run of clock ticks."""

    kind: str  # "step" | "tick"
    first: int  # 1-based step number (node id)
    last: int
    y: float = 0.0
    time: float = 0.0
    lane: Optional[str] = None
    label: str = ""
    changes: dict = field(default_factory=dict)
    box_h: float = 0.0
    lines: list = field(default_factory=list)


def _rows(trace: Trace) -> list[Row]:
    rows: list[Row] = []
    for k, step in enumerate(trace.steps, start=1):
        if step.process == CLOCK:
            if rows and rows[-1].kind == "tick":
                rows[-1].last = k
                rows[-1].time = step.time
                continue
            rows.append(Row("tick", k, k, time=step.time, lane=CLOCK, label=step.label))
        else:
            rows.append(Row("step", k, k, time=step.time, lane=step.process, label=step.label))
    states = trace.states
    for row in rows:
        before, after = states[row.first - 1], states[row.last]
        row.changes = {v.name: v.display(b) for v, a, b in zip(trace.variables, before, after) if a != b}
    return rows


def _title_lines(trace: Trace) -> tuple[str, str, str]:
    if trace.property:
        rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
        head = f"Counterexample to {trace.property}{rules}"
    else:
        head = "Trace"
    where = trace.design or trace.target or trace.model
    params = ", ".join(f"{k}={format_value(v)}" for k, v in trace.parameters.items())
    bits = [f"design {where}" if trace.design else f"model {where}"]
    if trace.design and trace.model:
        bits.append(f"model {trace.model}")
    if trace.engine:
        bits.append(f"engine {trace.engine}")
    bits.append(f"{trace.length} steps")
    return head, " · ".join(bits), f"parameters: {params}" if params else ""


def render_svg(trace: Trace) -> str:
    """The trace as a standalone SVG document (a sequence diagram)."""
    lanes = [lane for lane in trace.lanes() if lane != CLOCK]
    if not lanes:
        lanes = ["(no threads)"]
    col = {lane: k for k, lane in enumerate(lanes)}
    busy = {step.process for step in trace.steps}
    focus_set = set(getattr(trace, "focus", ())) if trace.property else set()
    rows = _rows(trace)
    violated = bool(trace.property)
    causes = cause_sources(trace)
    # writers whose changes someone else reads: list those variables first in the box
    feeds: dict[int, set] = {}
    for j, srcs in causes.items():
        for i, vs in srcs.items():
            feeds.setdefault(i, set()).update(vs)

    diagram_w = AXIS_W + LANE_W * len(lanes)
    width = max(MARGIN * 2 + diagram_w, 900)  # the legend needs about 900 px
    x0 = MARGIN  # left edge of the axis column

    def lane_x(lane: str) -> float:
        return x0 + AXIS_W + LANE_W * col[lane] + LANE_W / 2

    out: list[str] = []
    add = out.append

    # ---- rows: positions and box contents
    y = MARGIN + TITLE_H + HEAD_H + 14
    row_of: dict[int, Row] = {}
    change_w = chars(BOX_W - 10, SMALL_PX)
    for row in rows:
        row.y = y
        if row.kind == "step":
            # what matters most first: what the property reads, then what other threads read
            fed = feeds.get(row.first, set())
            order = sorted(row.changes, key=lambda k: (k not in focus_set, k not in fed))
            items = [f"{k}={format_value(row.changes[k])}" for k in order]
            row.lines = wrap_items(items, change_w, MAX_CHANGE_LINES) if items else ["(no change)"]
            # tall enough for every incoming cause arrow to end on the box
            row.box_h = min(max(20 + 12 * len(row.lines), 6 + ARROW_GAP * len(causes.get(row.first, ()))),
                            ROW_H - 12)
            y += ROW_H
        else:
            y += TICK_H
        for k in range(row.first, row.last + 1):
            row_of[k] = row
    rows_end = y + (12 if rows and rows[-1].kind == "tick" else 0)
    repeat_heads = len(rows) > 12  # long traces: lane names again at the bottom
    lanes_end = rows_end + (HEAD_H if repeat_heads else 0)
    top_lanes = MARGIN + TITLE_H

    # ---- final section sizes
    final_state = trace.as_dict(trace.final)
    focus = [name for name in getattr(trace, "focus", []) if name in final_state] if violated else []
    hot = set(focus) if focus else set(trace.changes(trace.length - 1) if trace.length else {})
    ncols = max(1, int((width - 2 * MARGIN - 12) // FINAL_COL_W))
    nlines = -(-len(final_state) // ncols)
    final_top = lanes_end + 10
    final_h = 50 + 14 * nlines + (16 if focus else 0)
    legend_top = final_top + final_h + 12
    height = legend_top + 64 + MARGIN

    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-size="{SMALL_PX}" class="scmtrace">')
    head, sub, params = _title_lines(trace)
    add(f"<title>{esc(head)}</title>")
    add(f"<style>{STYLE}</style>")
    add("<defs>"
        f'<marker id="scmtrace-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{CAUSE}"/></marker>'
        "</defs>")
    add(f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>')

    # ---- title
    add(f'<text class="title" x="{x0}" y="{MARGIN + 16}"'
        f'{" fill=" + chr(34) + RED + chr(34) if violated else ""}>{esc(clip(head, chars(width - 2 * MARGIN, 15)))}</text>')
    add(f'<text class="sub" x="{x0}" y="{MARGIN + 34}">{esc(clip(sub, chars(width - 2 * MARGIN, SMALL_PX)))}</text>')
    if params:
        add(f'<text class="sub" x="{x0}" y="{MARGIN + 48}">{esc(clip(params, chars(width - 2 * MARGIN, SMALL_PX)))}'
            f"<title>{esc(params)}</title></text>")

    # ---- time axis and lifelines
    axis_x = x0 + AXIS_W - 12
    add(f'<line x1="{axis_x}" y1="{top_lanes + HEAD_H}" x2="{axis_x}" y2="{rows_end}" stroke="{LIGHT}" stroke-width="2"/>')
    add(f'<text class="sub" x="{axis_x - 4}" y="{top_lanes + 19}" text-anchor="end">time</text>')
    for lane in lanes:
        cx = lane_x(lane)
        start = top_lanes + HEAD_H + (18 if lane not in busy else 0)  # leave room for "takes no step"
        add(f'<line x1="{cx}" y1="{start}" x2="{cx}" y2="{rows_end}" stroke="{LIGHT}" '
            f'stroke-width="1.2" stroke-dasharray="5 4"/>')
        _lane_header(add, lane, cx, top_lanes)
        if repeat_heads:
            _lane_header(add, lane, cx, rows_end)
        if lane not in busy:
            add(f'<text class="sub halo" x="{cx}" y="{top_lanes + HEAD_H + 12}" text-anchor="middle">'
                "takes no step in this trace</text>")

    # ---- clock: dashed rules, and the time at rows where it changed
    shown_time: Optional[float] = None
    for row in rows:
        if row.kind == "tick":
            mid = row.y + TICK_H / 2 - 2
            last_row = row.last == trace.length
            colour = RED if (violated and last_row) else GREY
            dt = row.time - (trace.steps[row.first - 2].time if row.first > 1 else 0.0)
            n = row.last - row.first + 1
            add(f'<line class="tick-rule" data-steps="{row.first}-{row.last}" x1="{axis_x}" y1="{mid}" '
                f'x2="{x0 + diagram_w}" y2="{mid}" stroke="{colour}" '
                f'stroke-width="{2 if colour == RED else 1}" stroke-dasharray="3 3"/>')
            add(f'<text class="tick halo" x="{axis_x - 4}" y="{mid + 3}" text-anchor="end"'
                f'{" fill=" + chr(34) + colour + chr(34)}>+{dt:g} s</text>')
            nums = f"{row.first}" if n == 1 else f"{row.first}-{row.last}"
            what = "tick" if n == 1 else f"{n} ticks"
            detail = ", ".join(f"{k}={format_value(v)}" for k, v in row.changes.items()) or "no change"
            text = f"{nums} {what}: {detail}"
            add(f'<text class="tick halo" x="{axis_x + 10}" y="{mid - 3}"'
                f'{" fill=" + chr(34) + colour + chr(34)}>{esc(clip(text, chars(diagram_w - AXIS_W - 10, TINY_PX)))}'
                f"<title>{esc(text)}</title></text>")
            if row is rows[-1]:  # no step row follows to show the time reached
                add(f'<text class="time" x="{axis_x - 4}" y="{mid + 16}" text-anchor="end">t={row.time:g}s</text>')
            if violated and last_row:
                add(f'<text class="bad halo" x="{x0 + diagram_w}" y="{mid + 15}" text-anchor="end">'
                    f"✗ {esc(trace.property)} is violated once this time has passed</text>")
        else:
            if shown_time is None or row.time != shown_time:
                add(f'<text class="time" x="{axis_x - 4}" y="{row.y + 15}" text-anchor="end">t={row.time:g}s</text>')
                add(f'<circle cx="{axis_x}" cy="{row.y + 11}" r="3" fill="{GREY}"/>')
                shown_time = row.time

    # ---- cause arrows (under the boxes)
    for j, srcs in sorted(causes.items()):
        reader = row_of[j]
        rx = lane_x(reader.lane)
        for n, (i, vs) in enumerate(sorted(srcs.items(), key=lambda kv: -kv[0])):
            writer = row_of[i]
            wx = lane_x(writer.lane)
            ay = reader.y + min(11 + ARROW_GAP * n, reader.box_h - 4)
            right = wx > rx  # arrow comes from the right
            ex = rx + BOX_W / 2 if right else rx - BOX_W / 2
            path = f"M{wx},{writer.y + writer.box_h} V{ay} H{ex}"
            add(f'<path class="cause-edge" data-from="{i}" data-to="{j}" d="{path}" fill="none" stroke="{CAUSE}" '
                f'stroke-width="1.4" marker-end="url(#scmtrace-arrow)"/>')
            add(f'<circle cx="{wx}" cy="{writer.y + writer.box_h}" r="2.6" fill="{CAUSE}"/>')
            label = ", ".join(vs)
            room = abs(ex - wx) - 14
            lx = wx - 6 if right else wx + 6
            anchor = "end" if right else "start"
            add(f'<text class="cause halo" x="{lx}" y="{ay - 3}" text-anchor="{anchor}">'
                f"{esc(clip(label, chars(room, TINY_PX)))}<title>{esc(f'{label}: changed by step {i}, read by step {j}')}</title></text>")

    # ---- step boxes
    for row in rows:
        if row.kind != "step":
            continue
        cx = lane_x(row.lane)
        bx = cx - BOX_W / 2
        bad = violated and row.last == trace.length
        fill, stroke, sw = (RED_FILL, RED, 2) if bad else ("#f8fafc", "#475569", 1)
        tip = f"step {row.first}: {row.lane} {row.label} at t={row.time:g}s\n" + (
            "\n".join(f"{k} = {format_value(v)}" for k, v in row.changes.items()) or "no change")
        add(f'<g class="step{" violated" if bad else ""}" data-step="{row.first}" data-lane="{esc(row.lane)}">'
            f"<title>{esc(tip)}</title>")
        add(f'<rect x="{bx}" y="{row.y}" width="{BOX_W}" height="{row.box_h}" rx="4" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{sw}"/>')
        num = f"{row.first}"
        room = chars(BOX_W - 12, LABEL_PX) - len(num) - 1
        add(f'<text class="num" x="{bx + 5}" y="{row.y + 14}">{esc(num)}</text>')
        add(f'<text class="act" x="{bx + 9 + len(num) * TINY_PX * MONO_ADVANCE}" y="{row.y + 14}"'
            f'{" fill=" + chr(34) + RED + chr(34) if bad else ""}>{esc(clip(row.label, room))}</text>')
        for n, line in enumerate(row.lines):
            add(f'<text class="chg" x="{bx + 6}" y="{row.y + 28 + 12 * n}">{esc(line)}</text>')
        add("</g>")

    # ---- the violation and the final state
    fx = x0
    if violated:
        rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
        where = f"after step {trace.length}" if trace.length else "in the initial state"
        add(f'<rect x="{fx}" y="{final_top}" width="{width - 2 * MARGIN}" height="{final_h}" rx="4" '
            f'fill="{RED_FILL}" stroke="{RED}" stroke-width="1.5"/>')
        msg = f"✗ {trace.property} is violated {where}{rules}"
        add(f'<text class="bad violation" x="{fx + 8}" y="{final_top + 18}">{esc(clip(msg, chars(width - 2 * MARGIN - 16, LABEL_PX)))}</text>')
    else:
        add(f'<rect x="{fx}" y="{final_top}" width="{width - 2 * MARGIN}" height="{final_h}" rx="4" '
            f'fill="#f8fafc" stroke="#475569"/>')
        add(f'<text class="act" x="{fx + 8}" y="{final_top + 18}">Final state</text>')
    ty = final_top + 36
    if focus:
        why = "the property reads: " + ", ".join(f"{k} = {format_value(final_state[k])}" for k in focus)
        add(f'<text class="varhot" x="{fx + 8}" y="{ty}">{esc(clip(why, chars(width - 2 * MARGIN - 16, SMALL_PX)))}'
            f"<title>{esc(why)}</title></text>")
        ty += 16
    state_name = f"state after step {trace.length}" if trace.length else "initial state"
    hot_doc = "variables the property reads" if focus else "changed by the last step"
    add(f'<text class="sub" x="{fx + 8}" y="{ty}">{esc(f"full {state_name} (red: {hot_doc})")}</text>')
    names = list(final_state)
    for n, name in enumerate(names):
        c, r = divmod(n, nlines)
        cls = "varhot" if name in hot else "var"
        text = clip(f"{name} = {format_value(final_state[name])}", chars(FINAL_COL_W - 10, SMALL_PX))
        add(f'<text class="{cls}" x="{fx + 8 + c * FINAL_COL_W}" y="{ty + 16 + 14 * r}">{esc(text)}</text>')

    # ---- legend
    _legend(add, x0, legend_top)
    add("</svg>")
    return "\n".join(out) + "\n"


def _lane_header(add: Any, lane: str, cx: float, top: float) -> None:
    w = BOX_W - 30
    add(f'<rect x="{cx - w / 2}" y="{top}" width="{w}" height="{HEAD_H - 6}" rx="4" fill="#e5e7eb" stroke="#475569"/>')
    add(f'<text class="lane" x="{cx}" y="{top + 16}" text-anchor="middle">{esc(clip(lane, chars(w - 8, LABEL_PX)))}</text>')


def _legend(add: Any, x: float, y: float) -> None:
    add(f'<text class="act" x="{x}" y="{y + 4}">Legend</text>')
    r1, r2 = y + 20, y + 44
    add(f'<rect x="{x}" y="{r1 - 10}" width="34" height="16" rx="3" fill="#f8fafc" stroke="#475569"/>')
    add(f'<text class="leg" x="{x + 42}" y="{r1 + 2}">step: number, action, variables it changed</text>')
    lx = x + 400
    add(f'<path d="M{lx},{r1 - 8} V{r1} H{lx + 34}" fill="none" stroke="{CAUSE}" stroke-width="1.4" marker-end="url(#scmtrace-arrow)"/>')
    add(f'<circle cx="{lx}" cy="{r1 - 8}" r="2.6" fill="{CAUSE}"/>')
    add(f'<text class="leg" x="{lx + 42}" y="{r1 + 2}">cause: a variable changed by one thread and read by another\'s guard</text>')
    add(f'<line x1="{x}" y1="{r2 - 3}" x2="{x + 34}" y2="{r2 - 3}" stroke="{GREY}" stroke-dasharray="3 3"/>')
    add(f'<text class="leg" x="{x + 42}" y="{r2 + 2}">clock tick: model time passes; the axis shows the time</text>')
    add(f'<rect x="{lx}" y="{r2 - 10}" width="34" height="16" rx="3" fill="{RED_FILL}" stroke="{RED}" stroke-width="2"/>')
    add(f'<text class="leg" x="{lx + 42}" y="{r2 + 2}">the step after which the property is violated</text>')
