"""Render a trace: text for the terminal, DOT, SVG sequence diagram, Mermaid, HTML."""

from __future__ import annotations

import textwrap
from typing import Any, Callable

from scmcheck.model.lang.errors import InputError

from .trace import Trace, join_changes, loop_note, loop_summary

FORMATS = ("text", "dot", "svg", "mermaid", "html")


def render_text(trace: Trace, width: int = 100) -> str:
    """A numbered list of steps: time, process, action, what changed; the violation last.

    A lasso (``trace.loop``) gets a bracket: "┌─ loop starts here" before the
    first repeated step, "│" before each repeated step, and "└─ " followed by
    :func:`~.trace.loop_note` after the last step (a stutter: the note alone).
    """
    lines = []
    title = f"counterexample to {trace.property}" if trace.property else "trace"
    rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
    summary = loop_summary(trace)
    lasso = f"; a lasso: {summary}" if summary else ""
    lines.append(f"{title}{rules}: {trace.length} steps, found by {trace.engine or 'replay'}{lasso}")
    init = textwrap.wrap(join_changes(trace.as_dict(trace.init)), width - 8)
    lines += [f"  {'init' if i == 0 else '':<4}  {chunk}" for i, chunk in enumerate(init)]
    for k, step in enumerate(trace.steps):
        if trace.loop is not None and k == trace.loop:
            lines.append(f"┌─ loop starts here: from the {_state_name(k)}, {summary}")
        bar = "│" if trace.loop is not None and k >= trace.loop else " "
        when = f"t={step.time:g}s"
        lines.append(f"{bar} {k + 1:>4}  {when:<8} {step.process:<14} {step.label:<28} {join_changes(trace.changes(k))}")
    note = loop_note(trace)
    if note:
        lines.append(("└─ " if trace.loop < trace.length else "  ") + note)
    if trace.property:
        lines.append(_verdict_line(trace))
    return "\n".join(lines)


def _state_name(index: int) -> str:
    return "initial state" if index == 0 else f"state after step {index}"


def _verdict_line(trace: Trace) -> str:
    """``✗ p is violated ...``: in the last state, or (a lasso) by the infinite run."""
    why = join_changes(trace.why())
    if trace.loop is not None:
        return f"  ✗ {trace.property} is violated by this infinite run" + (f"; in the loop: {why}" if why else "")
    return f"  ✗ {trace.property} is violated in the last state" + (f": {why}" if why else "")


def _lazy(module: str, func: str) -> Callable[[Trace], str]:
    def call(trace: Trace) -> str:
        import importlib

        return getattr(importlib.import_module(f"{__package__}.{module}"), func)(trace)

    return call


RENDERERS: dict[str, Callable[[Trace], Any]] = {
    "text": render_text,
    "dot": _lazy("render_dot", "render_dot"),
    "svg": _lazy("render_svg", "render_svg"),
    "mermaid": _lazy("render_mermaid", "render_mermaid"),
    "html": _lazy("render_html", "render_html"),
}


def render(trace: Trace, fmt: str) -> str:
    """The trace in format ``fmt`` (one of FORMATS)."""
    if fmt not in RENDERERS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return RENDERERS[fmt](trace)
