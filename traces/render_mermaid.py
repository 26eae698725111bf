"""A trace as a Mermaid ``sequenceDiagram`` (renders on code hosts).

Participants are the threads (the clock excluded).  Each step is one line: a
message from the thread whose change enabled it (its most recent cause) to the
thread that takes it, or a self-message when no other thread caused it.  Clock
ticks are ``Note`` lines with the model time.  The steps a lasso repeats
(``trace.loop``) sit in a ``loop`` block, followed by a note saying where the
run returns to (or that it stutters).  The last line notes the violated
property.  Labels go through :func:`sanitise`, because Mermaid's
lexer ends a message at ``;``, ``#`` or a newline and reads ``%%`` as a comment.
"""

from __future__ import annotations

import re

from .graph import CLOCK, cause_sources
from .trace import Step, Trace, format_value, loop_note, loop_summary

CHANGES_WIDTH = 70

# Mermaid entity codes (decoded by Mermaid before display)
_ENTITIES = {"#": "#35;", ";": "#59;", "%": "#37;", "<": "#lt;", ">": "#gt;", "\\": "#92;"}
_ENTITY_RE = re.compile("[#;%<>\\\\]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


def sanitise(text: object) -> str:
    """Text safe in a Mermaid message, note or alias: one line, no separators or comments."""
    flat = _CONTROL_RE.sub(" ", str(text)).strip()
    return _ENTITY_RE.sub(lambda m: _ENTITIES[m.group(0)], flat) or " "


def _changes(changes: dict) -> str:
    text = ", ".join(f"{k}={format_value(v)}" for k, v in changes.items())
    if len(text) > CHANGES_WIDTH:
        text = text[: CHANGES_WIDTH - 3] + "..."
    return text


def render_mermaid(trace: Trace) -> str:
    """The trace as Mermaid text starting with ``sequenceDiagram``."""
    lanes = [lane for lane in trace.lanes() if lane != CLOCK] or ["threads"]
    pid = {lane: f"P{k}" for k, lane in enumerate(lanes)}
    span = f"{pid[lanes[0]]},{pid[lanes[-1]]}" if len(lanes) > 1 else pid[lanes[0]]
    where = trace.design or trace.target or trace.model
    head = f"{trace.property} violated" if trace.property else "trace"
    out = [
        "sequenceDiagram",
        f"    %% scmcheck: {sanitise(head)} - {sanitise(where)}, {sanitise(trace.engine or 'replay')}, "
        f"{trace.length} steps",
    ]
    out += [f"    participant {pid[lane]} as {sanitise(lane)}" for lane in lanes]
    causes = cause_sources(trace)
    in_loop = trace.loop is not None and trace.loop < trace.length
    for k, step in enumerate(trace.steps, start=1):
        if in_loop and k == trace.loop + 1:
            out.append(f"    loop {sanitise(loop_summary(trace))}")
        indent = "        " if in_loop and k > trace.loop else "    "
        out.append(indent + _step_line(trace, k, step, pid, span, causes.get(k, {})))
    if in_loop:
        out.append("    end")
    note = loop_note(trace)
    if note:
        last = trace.steps[-1].process if trace.steps else CLOCK
        out.append(f"    Note over {pid[last] if last in pid else span}: {sanitise(note)}")
    if trace.property:
        out.append(_violation_note(trace, pid, span))
    return "\n".join(out) + "\n"


def _step_line(trace: Trace, k: int, step: Step, pid: dict, span: str, causes: dict) -> str:
    """Step ``k`` (1-based) as a message or, for a clock tick, a note; no indentation."""
    changes = _changes(trace.changes(k - 1))
    if step.process == CLOCK:
        text = f"{k} {step.label} (t={step.time:g}s)"
        if changes:
            text += f" - {changes}"
        return f"Note over {span}: {sanitise(text)}"
    to = pid.get(step.process, next(iter(pid.values())))
    src, via = to, ""
    if causes:
        i = max(causes)  # the most recent cause
        src = pid[trace.steps[i - 1].process]
        via = f" [{', '.join(causes[i])} from step {i}]"
    text = f"{k} {step.label}{via}"
    if changes:
        text += f" - {changes}"
    return f"{src}->>{to}: {sanitise(text)}"


def _violation_note(trace: Trace, pid: dict, span: str) -> str:
    """The last line: ``Note over ...: VIOLATED p (rules ...) - why``."""
    rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
    why = getattr(trace, "why", lambda: {})()
    reason = (" - " + ", ".join(f"{k}={format_value(v)}" for k, v in why.items())) if why else ""
    run = " by this infinite run" if trace.loop is not None else ""
    last = trace.steps[-1].process if trace.steps else CLOCK
    where_note = pid[last] if last in pid else span
    return f"    Note over {where_note}: {sanitise(f'VIOLATED {trace.property}{rules}{run}{reason}')}"
