"""A trace as a Mermaid ``sequenceDiagram`` (renders on code hosts).

Participants are the threads (the clock excluded).  Each step is one line: a
message from the thread whose change enabled it (its most recent cause) to the
thread that takes it, or a self-message when no other thread caused it.  Clock
ticks are ``Note`` lines with the model time.  The last line notes the
violated property.  Labels go through :func:`sanitise`, because Mermaid's
lexer ends a message at ``;``, ``#`` or a newline and reads ``%%`` as a comment.
"""

from __future__ import annotations

import re

from .graph import CLOCK, cause_sources
from .trace import Trace, format_value

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
    for k, step in enumerate(trace.steps, start=1):
        changes = _changes(trace.changes(k - 1))
        if step.process == CLOCK:
            text = f"{k} {step.label} (t={step.time:g}s)"
            if changes:
                text += f" - {changes}"
            out.append(f"    Note over {span}: {sanitise(text)}")
            continue
        to = pid.get(step.process, pid[lanes[0]])
        src, via = to, ""
        if k in causes:
            i = max(causes[k])  # the most recent cause
            src = pid[trace.steps[i - 1].process]
            via = f" [{', '.join(causes[k][i])} from step {i}]"
        text = f"{k} {step.label}{via}"
        if changes:
            text += f" - {changes}"
        out.append(f"    {src}->>{to}: {sanitise(text)}")
    if trace.property:
        rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
        why = getattr(trace, "why", lambda: {})()
        reason = (" - " + ", ".join(f"{k}={format_value(v)}" for k, v in why.items())) if why else ""
        last = trace.steps[-1].process if trace.steps else CLOCK
        where_note = pid[last] if last in pid else span
        out.append(f"    Note over {where_note}: {sanitise(f'VIOLATED {trace.property}{rules}{reason}')}")
    return "\n".join(out) + "\n"
