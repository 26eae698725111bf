"""A trace as an SVG sequence diagram, written by hand (no layout engine, no packages).

Layout, top to bottom: a title; one column per thread (``trace.lanes()`` order,
the clock excluded) with a lifeline; one row per step with a box in the
thread's column; clock ticks as thin dashed rules across the diagram
(consecutive ticks merged, "+20 s"), with the model time on an axis at the
left.  A cause edge (a value one thread changed and another thread's guard
read) is drawn as an L-shaped arrow: down the writer's lifeline from the
writer's box, then across, at the reader's row, into the reader's box; each
row holds exactly one box, so the horizontal part never crosses another box.
The violating state is red, followed by the property, its rules and the full
final state, and a legend.

A "window" is made visible: a value the violated property reads that a thread
set well before the end and still holds (``graph.held_values``: last changed by
a non-clock step, set, not the initial value) gets a translucent red bar along
that thread's lifeline, from the box of the step that set it down to the last
row, labelled under the last row "holds v=x since step k".  Only changes at
least ``HELD_MIN_ROWS`` rows before the last row get one (a change just before
the violation has no "meanwhile" worth drawing).

Nothing a reader needs is cut off:

* a box shows the step number and the whole action label on one line when it
  fits, else the action name with its arguments on the line(s) below it, then
  a rule, then what the step changed (up to ``MAX_CHANGE_LINES`` lines; only a
  longer list ends in "+N more", and the box's tooltip always has all of it);
* each lane is as wide as its widest box needs (between ``BOX_MIN_W`` and
  ``BOX_MAX_W``; it grows to ``BOX_PREF_W`` to keep an action on one line and
  its changes within ``PREF_CHANGE_LINES`` lines); a thread that takes no step
  gets a narrow lane just wide enough for its name;
* the height of a row depends only on how many text lines its box holds (and
  how many cause arrows enter it), so equal steps make equal rows and a long
  trace grows linearly.

A lasso (``trace.loop``, a liveness counterexample) shows its loop: a dashed
violet rule "loop starts" above the first repeated step, a violet bracket in
a gutter left of the time axis from the bottom of the last row back up to that
rule, ending in an arrowhead and labelled "loop", violet outlines on the
repeated steps, and under the diagram the note "↺ loops back to step K (state
after step K) forever".  A run that stutters in its last state forever gets a
small circular arrow labelled "loop" beside the last row and the note "↺ stays
in this state forever (stutters)".  No single step of a lasso is marked red:
the whole run is the violation.

Only the Trace is used, so a trace loaded from ITF renders the same.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from .graph import CLOCK, cause_sources, held_values
from .trace import Step, Trace, format_value, loop_note, loop_summary

# ---- geometry (px); text widths are estimated from monospace advance (0.602 em)
MARGIN = 16
AXIS_W = 74  # time axis column at the left
LANE_PAD = 20  # horizontal space between the boxes of neighbouring lanes
BOX_MIN_W = 130  # narrowest box of a lane that takes steps
BOX_PREF_W = 300  # a box grows up to this for a one-line action and few change lines
BOX_MAX_W = 360  # widest box; only a word wider than this (never seen) is split
IDLE_MIN_W = 64  # a lane that takes no step: its name and "no steps"
TEXT_PAD = 6  # text inset in a box
TITLE_H = 70  # title, subtitle and one line of parameters
HEAD_H = 30  # lane header boxes
LINE_H = 12  # one line of box text below the action line
ROW_GAP = 24  # vertical space between one box and the next row
TICK_H = 24  # one run of clock ticks (one line of text)
TICK_LINE_H = 11  # each further line of tick text
MAX_TICK_LINES = 3
MAX_CHANGE_LINES = 5  # a longer change list ends in "+N more" (the tooltip has it all)
PREF_CHANGE_LINES = 3  # lanes widen (up to BOX_PREF_W) to keep changes within this
MAX_PARAM_LINES = 4
ARROW_GAP = 14  # vertical distance between cause arrows entering one box
ARROW_LINE_H = 10  # each further line of a cause arrow's label
MAX_ARROW_LINES = 3
LABEL_PX, SMALL_PX, TINY_PX, TITLE_PX = 11.5, 10, 9, 15
MONO_ADVANCE = 0.602
FINAL_COL_MIN = 170  # final-state columns: at least this, else as wide as the longest entry
LEGEND_W = 900  # the legend needs about this much

RED, RED_FILL = "#c62828", "#fdecea"
HELD, HELD_LINE = "#ef5350", "#e57373"  # held-value bars: the violation's red, translucent
HELD_W = 8  # width of a held-value bar; bars of one lane sit side by side
HELD_LINE_H = 12  # one line of held-value labels under the last row
HELD_MIN_ROWS = 2  # a held-value bar only when the value was set this many rows before the last
CAUSE = "#1f5fbf"
LOOP = "#7c3aed"  # a lasso's loop: bracket, rule, outlines, note
LOOP_W = 34  # the gutter left of the time axis that holds the loop bracket
LOOP_GAP = 22  # space above the first repeated step for the "loop starts" rule
LOOP_NOTE_H = 22  # the loop note under the diagram
GREY, LIGHT = "#6b7280", "#d1d5db"

STYLE = f"""
svg.scmtrace text {{ font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; fill: #111827; }}
svg.scmtrace .title {{ font-size: {TITLE_PX}px; font-weight: bold; }}
svg.scmtrace .sub {{ font-size: {SMALL_PX}px; fill: {GREY}; }}
svg.scmtrace .lane {{ font-size: {LABEL_PX}px; font-weight: bold; }}
svg.scmtrace .act {{ font-size: {LABEL_PX}px; font-weight: bold; }}
svg.scmtrace .args {{ font-size: {SMALL_PX}px; fill: #1e3a5f; }}
svg.scmtrace .num {{ font-size: {TINY_PX}px; fill: {GREY}; }}
svg.scmtrace .chg {{ font-size: {SMALL_PX}px; fill: #374151; }}
svg.scmtrace .time {{ font-size: {SMALL_PX}px; font-weight: bold; }}
svg.scmtrace .tick {{ font-size: {TINY_PX}px; fill: {GREY}; }}
svg.scmtrace .cause {{ font-size: {TINY_PX}px; fill: {CAUSE}; }}
svg.scmtrace .halo {{ paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }}
svg.scmtrace .bad {{ font-size: {LABEL_PX}px; font-weight: bold; fill: {RED}; }}
svg.scmtrace .var {{ font-size: {SMALL_PX}px; }}
svg.scmtrace .varhot {{ font-size: {SMALL_PX}px; font-weight: bold; fill: {RED}; }}
svg.scmtrace .held {{ font-size: {SMALL_PX}px; fill: {RED}; }}
svg.scmtrace .leg {{ font-size: {SMALL_PX}px; fill: #374151; }}
svg.scmtrace .loop {{ font-size: {SMALL_PX}px; font-weight: bold; fill: {LOOP}; }}
"""

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(value: Any) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    text = _INVALID_XML.sub("?", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def text_w(text: str, px: float) -> float:
    """Estimated width of ``text`` in a monospace font of size ``px``."""
    return len(text) * px * MONO_ADVANCE


def chars(width: float, px: float) -> int:
    """How many monospace characters of size ``px`` fit in ``width``."""
    return max(1, int(width / (px * MONO_ADVANCE) + 1e-6))


def clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: max(n - 1, 0)] + "…"


def _break_at(word: str, width: int) -> int:
    """Where to split a word longer than ``width``: after the last "_", "=", "." or "]"
    in the second half of the line, else at ``width``."""
    best = max(word.rfind(c, width // 2, width) for c in "_=.]")
    return best + 1 if best >= 0 else width


def wrap_items(items: Sequence[str], width: int, max_lines: Optional[int] = None) -> list[str]:
    """Pack ``items`` into lines of at most ``width`` characters, joined by ", ".

    An item longer than a line is split over lines rather than clipped.  With
    ``max_lines``, a list needing more lines keeps as many items as fit and ends
    in "+N more" (the full list is in the box's tooltip and the HTML table).
    """
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += ", " + item
            continue
        while len(item) > width:
            cut = _break_at(item, width)
            lines.append(item[:cut])
            item = item[cut:]
        lines.append(item)
    if max_lines is None or len(lines) <= max_lines:
        return lines
    for keep in range(len(items) - 1, -1, -1):
        packed = wrap_items(list(items[:keep]) + [f"+{len(items) - keep} more"], width)
        if len(packed) <= max_lines:
            return packed
    return [f"+{len(items)} more"]  # unreachable: the bare "+N more" always fits in one line


@dataclass
class Row:
    """One row of the diagram: a step in a lane, or a run of clock ticks."""

    kind: str  # "step" | "tick"
    first: int  # 1-based step number (node id)
    last: int
    y: float = 0.0
    h: float = 0.0  # the row's height, gap below included
    time: float = 0.0
    lane: Optional[str] = None
    step: Optional[Step] = None
    label: str = ""
    changes: dict = field(default_factory=dict)
    items: list = field(default_factory=list)  # "var=value", most relevant first
    box_h: float = 0.0
    title: list = field(default_factory=list)  # the action line(s)
    args: list = field(default_factory=list)  # argument lines under the action (may be empty)
    lines: list = field(default_factory=list)  # change lines
    arrows: list = field(default_factory=list)  # (writer step, vars, label lines, y offset)
    head_h: float = 0.0  # action block height (the rule under it)


def _rows(trace: Trace) -> list[Row]:
    """One row per step, consecutive clock ticks merged (never across a lasso's loop start)."""
    rows: list[Row] = []
    loop_first = None if trace.loop is None else trace.loop + 1
    for k, step in enumerate(trace.steps, start=1):
        if step.process == CLOCK:
            if rows and rows[-1].kind == "tick" and k != loop_first:
                rows[-1].last = k
                rows[-1].time = step.time
                continue
            rows.append(Row("tick", k, k, time=step.time, lane=CLOCK, label=step.label, step=step))
        else:
            rows.append(Row("step", k, k, time=step.time, lane=step.process, label=step.label, step=step))
    states = trace.states
    for row in rows:
        before, after = states[row.first - 1], states[row.last]
        row.changes = {v.name: v.display(b) for v, a, b in zip(trace.variables, before, after) if a != b}
    return rows


def _title_lines(trace: Trace) -> tuple[str, str, list[str]]:
    """The heading, the subtitle, and the parameters as ``k=v`` items."""
    if trace.property:
        rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
        head = f"Counterexample to {trace.property}{rules}"
    else:
        head = "Trace"
    where = trace.design or trace.target or trace.model
    params = [f"{k}={format_value(v)}" for k, v in trace.parameters.items()]
    bits = [f"design {where}" if trace.design else f"model {where}"]
    if trace.design and trace.model:
        bits.append(f"model {trace.model}")
    if trace.engine:
        bits.append(f"engine {trace.engine}")
    bits.append(f"{trace.length} steps")
    return head, " · ".join(bits), params


# ---- box contents


def _num_w(row: Row) -> float:
    """Where the action text starts, from the box's left edge (after the step number)."""
    return 9 + text_w(str(row.first), TINY_PX)


def _arg_items(step: Step) -> list[str]:
    items = [f"{k}={v}" for k, v in step.args.items()]
    if items:
        items[0] = "(" + items[0]
        items[-1] += ")"
    return items


def _fill_box(row: Row, box_w: float) -> None:
    """Lay out a step box of width ``box_w``: action line(s), argument lines, change lines."""
    step = row.step
    assert step is not None
    room = box_w - _num_w(row) - TEXT_PAD
    inner = box_w - 2 * TEXT_PAD
    if text_w(row.label, LABEL_PX) <= room + 1e-6:
        row.title, row.args = [row.label], []
    else:  # the name alone, its arguments under it
        row.title = wrap_items([step.action], chars(room, LABEL_PX))
        row.args = wrap_items(_arg_items(step), chars(inner, SMALL_PX))
    row.lines = wrap_items(row.items, chars(inner, SMALL_PX), MAX_CHANGE_LINES) if row.items else ["(no change)"]
    extra = len(row.title) - 1 + len(row.args)
    row.head_h = 19 + LINE_H * extra
    row.box_h = row.head_h + LINE_H * len(row.lines) + 5


def _box_width(rows: list[Row], lane: str, arrow_need: float) -> float:
    """Width of the boxes of one lane that takes steps (see the module docstring)."""
    need = max(BOX_MIN_W, text_w(lane, LABEL_PX) + 16, arrow_need)
    pref = 0.0
    for row in rows:
        step = row.step
        assert step is not None
        words = [text_w(w, SMALL_PX) + 2 * TEXT_PAD for w in _arg_items(step) + row.items]
        need = max(need, _num_w(row) + text_w(step.action, LABEL_PX) + TEXT_PAD, *words)
        pref = max(pref, _num_w(row) + text_w(row.label, LABEL_PX) + TEXT_PAD)
    need = min(math.ceil(need), BOX_MAX_W)
    width = max(need, min(math.ceil(pref), BOX_PREF_W))
    for row in rows:  # widen (within BOX_PREF_W) until the changes take few lines
        while (width < BOX_PREF_W
               and len(wrap_items(row.items, chars(width - 2 * TEXT_PAD, SMALL_PX))) > PREF_CHANGE_LINES):
            width = min(width + 6, BOX_PREF_W)
    return float(width)


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
    lasso = trace.loop is not None
    bad_end = violated and not lasso  # a finite counterexample: its last step is the bad one
    causes = cause_sources(trace)
    # writers whose changes someone else reads: list those variables first in the box
    feeds: dict[int, set] = {}
    for j, srcs in causes.items():
        for i, vs in srcs.items():
            feeds.setdefault(i, set()).update(vs)
    lane_of = {k: step.process for k, step in enumerate(trace.steps, start=1)}

    for row in rows:
        if row.kind == "step":
            # what matters most first: what the property reads, then what other threads read
            fed = feeds.get(row.first, set())
            order = sorted(row.changes, key=lambda k: (k not in focus_set, k not in fed))
            row.items = [f"{k}={format_value(row.changes[k])}" for k in order]

    # ---- lane widths: each lane as wide as its boxes need; a writer's box is wide
    # enough for the label of an arrow into the next lane (the label sits beside it)
    arrow_need: dict[str, float] = {}
    for j, srcs in causes.items():
        for i, vs in srcs.items():
            w, r = lane_of[i], lane_of[j]
            if abs(col[w] - col[r]) == 1:
                longest = max(text_w(v, TINY_PX) for v in vs)
                arrow_need[w] = max(arrow_need.get(w, 0.0), 2 * (longest + 14 + 2 - LANE_PAD))
    box_w: dict[str, float] = {}
    lane_w: dict[str, float] = {}
    for lane in lanes:
        if lane in busy:
            mine = [row for row in rows if row.kind == "step" and row.lane == lane]
            box_w[lane] = _box_width(mine, lane, arrow_need.get(lane, 0.0))
            lane_w[lane] = box_w[lane] + LANE_PAD
        else:
            box_w[lane] = 0.0
            lane_w[lane] = float(max(IDLE_MIN_W, math.ceil(text_w(lane, LABEL_PX) + 24)))
    x0 = MARGIN  # left edge of the axis column (of the loop gutter, for a lasso)
    gutter = LOOP_W if lasso else 0
    lane_left: dict[str, float] = {}
    x = x0 + gutter + AXIS_W
    for lane in lanes:
        lane_left[lane] = x
        x += lane_w[lane]
    diagram_w = x - x0

    def lane_x(lane: str) -> float:
        return lane_left[lane] + lane_w[lane] / 2

    head, sub, param_items = _title_lines(trace)
    rules_txt = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
    where_txt = f"after step {trace.length}" if trace.length else "in the initial state"
    msg = f"✗ {trace.property} is violated {where_txt}{rules_txt}"
    if lasso:
        msg = f"✗ {trace.property} is violated by this infinite run{rules_txt}: {loop_summary(trace)}"
    note = loop_note(trace) or ""
    tick_msg = f"✗ {trace.property} is violated once this time has passed"
    width = math.ceil(max(MARGIN * 2 + diagram_w, LEGEND_W,
                          2 * MARGIN + text_w(head, TITLE_PX) + 4,
                          2 * MARGIN + text_w(sub, SMALL_PX) + 4,
                          2 * MARGIN + 16 + text_w(msg, LABEL_PX) + 4 if violated else 0,
                          2 * MARGIN + AXIS_W + text_w(tick_msg, LABEL_PX) + 4 if violated else 0,
                          2 * MARGIN + gutter + text_w(note, SMALL_PX) + 4))
    right = x0 + diagram_w  # right edge of the lanes
    axis_x = x0 + gutter + AXIS_W - 12
    param_lines: list[str] = []
    if param_items:
        param_items = ["parameters: " + param_items[0]] + param_items[1:]
        param_lines = wrap_items(param_items, chars(width - 2 * MARGIN, SMALL_PX), MAX_PARAM_LINES)
    title_h = TITLE_H + 14 * max(0, len(param_lines) - 1)

    # ---- rows: box contents, cause arrows, heights, positions
    y = MARGIN + title_h + HEAD_H + 14
    if rows and (rows[0].kind == "tick" or trace.loop == 0) and len(busy) < len(lanes):
        y += 12  # a tick's text or the loop's rule spans every lane: keep it below the idle lanes' "no steps"
    row_of: dict[int, Row] = {}
    tick_chars = chars(max(right, width - MARGIN) - axis_x - 10, TINY_PX)
    for row in rows:
        for k in range(row.first, row.last + 1):
            row_of[k] = row
    for row in rows:
        if lasso and row.first == trace.loop + 1:
            y += LOOP_GAP  # room for the "loop starts" rule
        row.y = y
        if row.kind == "step":
            _fill_box(row, box_w[row.lane])
            rx = lane_x(row.lane)
            off = 11.0
            for n, (i, vs) in enumerate(sorted(causes.get(row.first, {}).items(), key=lambda kv: -kv[0])):
                wx = lane_x(lane_of[i])
                ex = rx + box_w[row.lane] / 2 if wx > rx else rx - box_w[row.lane] / 2
                label = wrap_items(vs, chars(abs(ex - wx) - 14, TINY_PX), MAX_ARROW_LINES)
                off += (ARROW_GAP if n else 0) + ARROW_LINE_H * (len(label) - 1)
                row.arrows.append((i, vs, label, off))
            if row.arrows:
                row.box_h = max(row.box_h, row.arrows[-1][3] + 7)
            row.h = row.box_h + ROW_GAP
        else:
            detail = [f"{k}={format_value(v)}" for k, v in row.changes.items()] or ["no change"]
            n = row.last - row.first + 1
            prefix = (f"{row.first}" if n == 1 else f"{row.first}-{row.last}") + (" tick: " if n == 1 else f" {n} ticks: ")
            row.lines = wrap_items([prefix + detail[0]] + detail[1:], tick_chars, MAX_TICK_LINES)
            row.h = TICK_H + TICK_LINE_H * (len(row.lines) - 1)
        y += row.h
    rows_end = y + (12 if rows and rows[-1].kind == "tick" else 0)

    # ---- held values: bars along lifelines, labels on free lines under the last row
    spans = _held_spans(trace, rows, row_of, lane_x) if violated else []
    if spans:
        last = rows[-1]
        label_top = last.y + last.box_h if last.kind == "step" else last.y + last.h + 6
        placed: list[list[tuple[float, float]]] = []  # per label line: occupied x intervals
        for sp in spans:
            w = text_w(sp.label, SMALL_PX)
            left = min(max(sp.x - w / 2, x0 + gutter), width - MARGIN - w)
            line = 0
            while line < len(placed) and any(left < b + 8 and a < left + w + 8 for a, b in placed[line]):
                line += 1
            if line == len(placed):
                placed.append([])
            placed[line].append((left, left + w))
            sp.label_x, sp.label_y = left, label_top + 12 + HELD_LINE_H * line
        rows_end = max(rows_end, label_top + 12 + HELD_LINE_H * (len(placed) - 1) + 8)
    repeat_heads = len(rows) > 12  # long traces: lane names again at the bottom
    lanes_end = rows_end + (HEAD_H if repeat_heads else 0)
    note_y = lanes_end + 14
    if lasso:
        lanes_end += LOOP_NOTE_H
    top_lanes = MARGIN + title_h

    # ---- final section sizes
    final_state = trace.as_dict(trace.final)
    focus = [name for name in getattr(trace, "focus", []) if name in final_state] if violated else []
    hot = set(focus) if focus else set(trace.changes(trace.length - 1) if trace.length else {})
    inner_chars = chars(width - 2 * MARGIN - 16, SMALL_PX)
    why_lines: list[str] = []
    if focus:
        why_items = [f"{k} = {format_value(final_state[k])}" for k in focus]
        why_lines = wrap_items(["the property reads: " + why_items[0]] + why_items[1:], inner_chars)
    entries = [f"{name} = {format_value(value)}" for name, value in final_state.items()]
    col_w = min(max([FINAL_COL_MIN] + [math.ceil(text_w(e, SMALL_PX)) + 24 for e in entries]),
                width - 2 * MARGIN - 16)
    ncols = max(1, int((width - 2 * MARGIN - 12) // col_w))
    nlines = -(-len(entries) // ncols)
    final_top = lanes_end + 10
    final_h = 50 + 14 * nlines + 16 * len(why_lines)
    legend_top = final_top + final_h + 12
    height = math.ceil(legend_top + 64 + (24 if spans else 0) + (24 if lasso else 0) + MARGIN)

    out: list[str] = []
    add = out.append
    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-size="{SMALL_PX}" class="scmtrace">')
    add(f"<title>{esc(head)}</title>")
    add(f"<style>{STYLE}</style>")
    add("<defs>"
        f'<marker id="scmtrace-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{CAUSE}"/></marker>'
        f'<marker id="scmtrace-loop-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{LOOP}"/></marker>'
        "</defs>")
    add(f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>')

    # ---- title
    add(f'<text class="title" x="{x0}" y="{MARGIN + 16}"'
        f'{" fill=" + chr(34) + RED + chr(34) if violated else ""}>{esc(head)}</text>')
    add(f'<text class="sub" x="{x0}" y="{MARGIN + 34}">{esc(sub)}</text>')
    for n, line in enumerate(param_lines):
        add(f'<text class="sub params" x="{x0}" y="{MARGIN + 48 + 14 * n}">{esc(line)}'
            f"<title>{esc(', '.join(param_items))}</title></text>")

    # ---- time axis and lifelines
    add(f'<line x1="{axis_x}" y1="{top_lanes + HEAD_H}" x2="{axis_x}" y2="{rows_end}" stroke="{LIGHT}" stroke-width="2"/>')
    add(f'<text class="sub" x="{axis_x - 4}" y="{top_lanes + 19}" text-anchor="end">time</text>')
    for lane in lanes:
        cx = lane_x(lane)
        idle = lane not in busy
        head_w = lane_w[lane] - 8 if idle else max(box_w[lane] - 30, text_w(lane, LABEL_PX) + 16)
        start = top_lanes + HEAD_H + (18 if idle else 0)  # leave room for "no steps"
        add(f'<line class="lifeline" data-lane="{esc(lane)}" data-left="{lane_left[lane]:g}" '
            f'data-width="{lane_w[lane]:g}" x1="{cx}" y1="{start}" x2="{cx}" y2="{rows_end}" stroke="{LIGHT}" '
            f'stroke-width="1.2" stroke-dasharray="5 4"/>')
        _lane_header(add, lane, cx, top_lanes, head_w)
        if repeat_heads:
            _lane_header(add, lane, cx, rows_end, head_w)
        if idle:
            add(f'<text class="sub halo" x="{cx}" y="{top_lanes + HEAD_H + 12}" text-anchor="middle">'
                f"no steps<title>{esc(lane)} takes no step in this trace</title></text>")

    # ---- clock: dashed rules, and the time at rows where it changed
    shown_time: Optional[float] = None
    tick_right = max(right, width - MARGIN)
    for row in rows:
        if row.kind == "tick":
            extra = TICK_LINE_H * (len(row.lines) - 1)
            mid = row.y + TICK_H / 2 - 2 + extra
            last_row = row.last == trace.length
            colour = RED if (bad_end and last_row) else GREY
            dt = row.time - (trace.steps[row.first - 2].time if row.first > 1 else 0.0)
            add(f'<line class="tick-rule" data-steps="{row.first}-{row.last}" x1="{axis_x}" y1="{mid}" '
                f'x2="{tick_right}" y2="{mid}" stroke="{colour}" '
                f'stroke-width="{2 if colour == RED else 1}" stroke-dasharray="3 3"/>')
            add(f'<text class="tick halo" x="{axis_x - 4}" y="{mid + 3}" text-anchor="end"'
                f'{" fill=" + chr(34) + colour + chr(34)}>+{dt:g} s</text>')
            full = ", ".join(row.lines)
            for n, line in enumerate(row.lines):
                add(f'<text class="tick halo" x="{axis_x + 10}" y="{mid - 3 - extra + TICK_LINE_H * n}"'
                    f'{" fill=" + chr(34) + colour + chr(34)}>{esc(line)}<title>{esc(full)}</title></text>')
            if row is rows[-1]:  # no step row follows to show the time reached
                add(f'<text class="time" x="{axis_x - 4}" y="{mid + 16}" text-anchor="end">t={row.time:g}s</text>')
            if bad_end and last_row:
                add(f'<text class="bad halo" x="{axis_x + 10}" y="{mid + 15}">{esc(tick_msg)}</text>')
        else:
            if shown_time is None or row.time != shown_time:
                add(f'<text class="time" x="{axis_x - 4}" y="{row.y + 15}" text-anchor="end">t={row.time:g}s</text>')
                add(f'<circle cx="{axis_x}" cy="{row.y + 11}" r="3" fill="{GREY}"/>')
                shown_time = row.time

    # ---- held values (under arrows and boxes: a later box of the lane covers its bar)
    for sp in spans:
        until = "through the loop" if lasso else f"when {trace.property} is violated after step {trace.length}"
        tip = (f"{sp.var} = {format_value(sp.value)}: set by step {sp.step} ({sp.lane}) and still held "
               f"{until}; the property reads it")
        add(f'<g class="held-span" data-lane="{esc(sp.lane)}" data-var="{esc(sp.var)}" '
            f'data-value="{esc(format_value(sp.value))}" data-since="{sp.step}" data-until="{trace.length}">'
            f"<title>{esc(tip)}</title>")
        add(f'<rect x="{sp.x - HELD_W / 2:g}" y="{sp.y1:g}" width="{HELD_W}" height="{max(sp.y2 - sp.y1, 0):g}" '
            f'fill="{HELD}" fill-opacity="0.3" stroke="{HELD_LINE}" stroke-width="1"/>')
        add(f'<line x1="{sp.x - HELD_W:g}" y1="{sp.y2:g}" x2="{sp.x + HELD_W:g}" y2="{sp.y2:g}" '
            f'stroke="{HELD_LINE}" stroke-width="2"/>')
        add(f'<text class="held halo" x="{sp.label_x:g}" y="{sp.label_y:g}">{esc(sp.label)}</text>')
        add("</g>")

    # ---- cause arrows (under the boxes)
    for reader in rows:
        if reader.kind != "step":
            continue
        j = reader.first
        rx = lane_x(reader.lane)
        for i, vs, label, off in reader.arrows:
            writer = row_of[i]
            wx = lane_x(writer.lane)
            ay = reader.y + off
            from_right = wx > rx
            ex = rx + box_w[reader.lane] / 2 if from_right else rx - box_w[reader.lane] / 2
            path = f"M{wx},{writer.y + writer.box_h} V{ay} H{ex}"
            add(f'<path class="cause-edge" data-from="{i}" data-to="{j}" d="{path}" fill="none" stroke="{CAUSE}" '
                f'stroke-width="1.4" marker-end="url(#scmtrace-arrow)"/>')
            add(f'<circle cx="{wx}" cy="{writer.y + writer.box_h}" r="2.6" fill="{CAUSE}"/>')
            lx = wx - 6 if from_right else wx + 6
            anchor = "end" if from_right else "start"
            tip = f"{', '.join(vs)}: changed by step {i}, read by step {j}"
            for n, line in enumerate(label):
                add(f'<text class="cause halo" x="{lx}" y="{ay - 3 - ARROW_LINE_H * (len(label) - 1 - n)}" '
                    f'text-anchor="{anchor}">{esc(line)}<title>{esc(tip)}</title></text>')

    # ---- step boxes
    for row in rows:
        if row.kind != "step":
            continue
        cx = lane_x(row.lane)
        bw = box_w[row.lane]
        bx = cx - bw / 2
        bad = bad_end and row.last == trace.length
        looping = lasso and row.first > trace.loop
        fill, stroke, sw = (RED_FILL, RED, 2) if bad else ("#f8fafc", LOOP, 1.6) if looping else ("#f8fafc", "#475569", 1)
        tip = f"step {row.first}: {row.lane} {row.label} at t={row.time:g}s\n" + (
            "\n".join(f"{k} = {format_value(v)}" for k, v in row.changes.items()) or "no change")
        add(f'<g class="step{" violated" if bad else ""}{" in-loop" if looping else ""}" data-step="{row.first}" data-lane="{esc(row.lane)}">'
            f"<title>{esc(tip)}</title>")
        add(f'<rect x="{bx}" y="{row.y}" width="{bw}" height="{row.box_h}" rx="4" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="{sw}"/>')
        add(f'<text class="num" x="{bx + 5}" y="{row.y + 14}">{row.first}</text>')
        red = " fill=" + chr(34) + RED + chr(34) if bad else ""
        for n, line in enumerate(row.title):
            tx = bx + _num_w(row) if n == 0 else bx + TEXT_PAD
            add(f'<text class="act" x="{tx:g}" y="{row.y + 14 + LINE_H * n}"{red}>{esc(line)}</text>')
        for n, line in enumerate(row.args):
            add(f'<text class="args" x="{bx + TEXT_PAD + 3}" y="{row.y + 14 + LINE_H * (len(row.title) + n)}">'
                f"{esc(line)}</text>")
        rule_y = row.y + row.head_h
        add(f'<line x1="{bx + 4}" y1="{rule_y}" x2="{bx + bw - 4}" y2="{rule_y}" '
            f'stroke="{"#f3b4b4" if bad else "#e2e8f0"}"/>')
        for n, line in enumerate(row.lines):
            add(f'<text class="chg" x="{bx + TEXT_PAD}" y="{rule_y + 11 + LINE_H * n}">{esc(line)}</text>')
        add("</g>")

    # ---- the loop: bracket in the gutter, "loop starts" rule, note under the diagram
    if lasso:
        _draw_loop(add, trace, rows, x0, axis_x, tick_right, note_y, note)

    # ---- the violation and the final state
    fx = x0
    if violated:
        add(f'<rect x="{fx}" y="{final_top}" width="{width - 2 * MARGIN}" height="{final_h}" rx="4" '
            f'fill="{RED_FILL}" stroke="{RED}" stroke-width="1.5"/>')
        add(f'<text class="bad violation" x="{fx + 8}" y="{final_top + 18}">{esc(msg)}</text>')
    else:
        add(f'<rect x="{fx}" y="{final_top}" width="{width - 2 * MARGIN}" height="{final_h}" rx="4" '
            f'fill="#f8fafc" stroke="#475569"/>')
        add(f'<text class="act" x="{fx + 8}" y="{final_top + 18}">Final state</text>')
    ty = final_top + 36
    for line in why_lines:
        add(f'<text class="varhot" x="{fx + 8}" y="{ty}">{esc(line)}</text>')
        ty += 16
    state_name = f"state after step {trace.length}" if trace.length else "initial state"
    hot_doc = "variables the property reads" if focus else "changed by the last step"
    add(f'<text class="sub" x="{fx + 8}" y="{ty}">{esc(f"full {state_name} (red: {hot_doc})")}</text>')
    for n, (name, entry) in enumerate(zip(final_state, entries)):
        c, r = divmod(n, nlines)
        cls = "varhot" if name in hot else "var"
        text = clip(entry, chars(col_w - 10, SMALL_PX))  # only a value wider than the whole box is clipped
        add(f'<text class="{cls}" x="{fx + 8 + c * col_w}" y="{ty + 16 + 14 * r}">{esc(text)}'
            + (f"<title>{esc(entry)}</title>" if text != entry else "") + "</text>")

    # ---- legend
    stutter = lasso and trace.loop >= trace.length
    _legend(add, x0, legend_top, held=bool(spans), loop="stutter" if stutter else "loop" if lasso else "")
    add("</svg>")
    return "\n".join(out) + "\n"


def _lane_header(add: Any, lane: str, cx: float, top: float, w: float) -> None:
    add(f'<rect class="lane-head" x="{cx - w / 2:g}" y="{top}" width="{w:g}" height="{HEAD_H - 6}" rx="4" '
        f'fill="#e5e7eb" stroke="#475569"/>')
    shown = clip(lane, chars(w - 8, LABEL_PX))  # never clipped: lanes are as wide as their names
    add(f'<text class="lane" x="{cx}" y="{top + 16}" text-anchor="middle">{esc(shown)}'
        + (f"<title>{esc(lane)}</title>" if shown != lane else "") + "</text>")


def _row_bottom(row: Row) -> float:
    """The y of the bottom of a row's content (a step's box, a tick's rule)."""
    if row.kind == "step":
        return row.y + row.box_h
    return row.y + TICK_H / 2 - 2 + TICK_LINE_H * (len(row.lines) - 1)


def _draw_loop(add: Any, trace: Trace, rows: list[Row], x0: float, axis_x: float, right: float,
               note_y: float, note: str) -> None:
    """A lasso's loop (module docstring): bracket and arrow in the gutter ``x0 .. x0 + LOOP_W``,
    the "loop starts" rule across the diagram, and ``note`` at ``note_y``."""
    loop = trace.loop
    assert loop is not None
    bx = x0 + 12  # the bracket's vertical line
    stub = x0 + LOOP_W + 6  # where its arms end, just inside the time axis column
    add(f'<g class="loop-mark" data-loop="{loop}" data-length="{trace.length}">'
        f"<title>{esc(note)}</title>")
    if rows and loop < trace.length:
        first = next(r for r in rows if r.first == loop + 1)
        top = first.y - LOOP_GAP / 2 - 2
        bottom = _row_bottom(rows[-1]) + 4
        add(f'<line class="loop-start" x1="{x0 + 4}" y1="{top:g}" x2="{right:g}" y2="{top:g}" stroke="{LOOP}" '
            f'stroke-width="1" stroke-dasharray="6 3" stroke-opacity="0.7"/>')
        start = "the initial state" if loop == 0 else f"the state after step {loop}"
        add(f'<text class="loop halo" x="{axis_x + 10}" y="{top - 3:g}">loop starts: from {esc(start)}, '
            f"{esc(loop_summary(trace))}</text>")
        add(f'<path class="loop-edge" data-from="{trace.length}" data-to="{loop}" '
            f'd="M{stub:g},{bottom:g} H{bx:g} V{top:g} H{stub:g}" fill="none" stroke="{LOOP}" stroke-width="2.2" '
            f'marker-end="url(#scmtrace-loop-arrow)"/>')
        mid = (top + bottom) / 2
        add(f'<text class="loop halo" x="{bx - 3:g}" y="{mid:g}" text-anchor="middle" '
            f'transform="rotate(-90 {bx - 3:g} {mid:g})">loop</text>')
    elif rows:  # a stutter: a small circular arrow beside the last row
        cy = _row_bottom(rows[-1]) - 6
        r = 7
        add(f'<path class="loop-edge" data-from="{trace.length}" data-to="{loop}" '
            f'd="M{bx + r:g},{cy:g} A{r},{r} 0 1 1 {bx:g},{cy - r:g}" fill="none" stroke="{LOOP}" '
            f'stroke-width="2" marker-end="url(#scmtrace-loop-arrow)"/>')
        add(f'<text class="loop halo" x="{bx - 4:g}" y="{cy + r + 12:g}">loop</text>')
    add(f'<text class="loop halo loop-note" x="{x0 + LOOP_W:g}" y="{note_y:g}">{esc(note)}</text>')
    add("</g>")


def _legend(add: Any, x: float, y: float, held: bool = False, loop: str = "") -> None:
    """The legend at ``(x, y)``; ``held`` adds the held-value bar, ``loop`` ("loop" or
    "stutter") the lasso's mark."""
    add(f'<text class="act" x="{x}" y="{y + 4}">Legend</text>')
    r1, r2 = y + 20, y + 44
    add(f'<rect x="{x}" y="{r1 - 10}" width="34" height="16" rx="3" fill="#f8fafc" stroke="#475569"/>')
    add(f'<text class="leg" x="{x + 42}" y="{r1 + 2}">step: number, action (arguments), variables it changed</text>')
    lx = x + 400
    add(f'<path d="M{lx},{r1 - 8} V{r1} H{lx + 34}" fill="none" stroke="{CAUSE}" stroke-width="1.4" marker-end="url(#scmtrace-arrow)"/>')
    add(f'<circle cx="{lx}" cy="{r1 - 8}" r="2.6" fill="{CAUSE}"/>')
    add(f'<text class="leg" x="{lx + 42}" y="{r1 + 2}">cause: a variable changed by one thread and read by another\'s guard</text>')
    add(f'<line x1="{x}" y1="{r2 - 3}" x2="{x + 34}" y2="{r2 - 3}" stroke="{GREY}" stroke-dasharray="3 3"/>')
    add(f'<text class="leg" x="{x + 42}" y="{r2 + 2}">clock tick: model time passes; the axis shows the time</text>')
    if not loop:  # a lasso has no single bad step
        add(f'<rect x="{lx}" y="{r2 - 10}" width="34" height="16" rx="3" fill="{RED_FILL}" stroke="{RED}" '
            'stroke-width="2"/>')
        add(f'<text class="leg" x="{lx + 42}" y="{r2 + 2}">the step after which the property is violated</text>')
    if held:
        r3 = y + 68
        add(f'<rect x="{x}" y="{r3 - 7}" width="34" height="{HELD_W}" fill="{HELD}" fill-opacity="0.3" '
            f'stroke="{HELD_LINE}"/>')
        add(f'<text class="leg" x="{x + 42}" y="{r3 + 2}">a value the property reads, held since that step '
            "(the bar runs along that thread's lifeline to the violation)</text>")
    r4 = y + (92 if held else 68)
    if loop == "loop":
        add(f'<path d="M{x + 34},{r4 + 4} H{x + 6} V{r4 - 8} H{x + 34}" fill="none" stroke="{LOOP}" '
            f'stroke-width="2" marker-end="url(#scmtrace-loop-arrow)"/>')
        add(f'<text class="leg" x="{x + 42}" y="{r4 + 2}">loop: after the last step the run returns to the '
            "rule \"loop starts\" and repeats the outlined steps forever</text>")
    elif loop == "stutter":
        add(f'<path d="M{x + 24},{r4 - 2} A7,7 0 1 1 {x + 17},{r4 - 9}" fill="none" stroke="{LOOP}" '
            f'stroke-width="2" marker-end="url(#scmtrace-loop-arrow)"/>')
        add(f'<text class="leg" x="{x + 42}" y="{r4 + 2}">loop (a stutter): after the last step nothing more '
            "happens; the run stays in its last state forever</text>")


@dataclass
class HeldSpan:
    """A held-value bar (see ``graph.held_values``): where it runs and its label."""

    var: str
    step: int
    value: Any
    lane: str
    x: float  # centre of the bar
    y1: float  # bottom of the box of the step that set the value
    y2: float  # the last row
    label: str
    label_x: float = 0.0
    label_y: float = 0.0


def _held_spans(trace: Trace, rows: list[Row], row_of: dict[int, Row], lane_x: Any) -> list[HeldSpan]:
    """Bars for the values the property reads that were set at least HELD_MIN_ROWS rows before the end.

    Bars of one lane are offset side by side around its lifeline (in order of
    the step that set them), so they never cover each other.
    """
    if not rows:
        return []
    index = {id(row): n for n, row in enumerate(rows)}
    last = rows[-1]
    if last.kind == "step":
        end = last.y + last.box_h
    else:
        end = last.y + TICK_H / 2 - 2 + TICK_LINE_H * (len(last.lines) - 1)
    found = []
    for var, k, value in held_values(trace):
        start = row_of[k]
        if len(rows) - 1 - index[id(start)] < HELD_MIN_ROWS:
            continue
        found.append((var, k, value, start))
    per_lane: dict[str, int] = {}
    for _, _, _, start in found:
        per_lane[start.lane] = per_lane.get(start.lane, 0) + 1
    seen: dict[str, int] = {}
    spans = []
    for var, k, value, start in sorted(found, key=lambda f: (f[3].lane, f[1])):
        n, m = seen.get(start.lane, 0), per_lane[start.lane]
        seen[start.lane] = n + 1
        x = lane_x(start.lane) + (n - (m - 1) / 2) * (HELD_W + 4)
        spans.append(HeldSpan(var, k, value, start.lane, x, start.y + start.box_h, end,
                              f"holds {var}={format_value(value)} since step {k}"))
    return spans
