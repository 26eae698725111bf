"""A trace as one self-contained HTML page: the SVG sequence diagram, a table of
steps, and the final state in full.  No scripts, fonts or links to fetch.

A lasso (``trace.loop``) says so under the heading, outlines the repeated
steps in the table (class ``loop``), marks the first of them, and ends the
table with the loop note ("↺ loops back to step K ... forever"); the
embedded SVG draws the loop too."""

from __future__ import annotations

from html import escape

from .render_svg import render_svg
from .trace import Trace, format_value, loop_note, loop_summary

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px; color: #111827; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.meta { color: #4b5563; font-size: 13px; }
.bad { color: #c62828; }
.diagram { overflow-x: auto; border: 1px solid #e5e7eb; padding: 8px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d1d5db; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.num, td.time { text-align: right; white-space: nowrap; }
td.code, td.changes { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; }
tr.clock td { color: #6b7280; }
tr.violated td { background: #fdecea; }
tr.focus td { color: #c62828; font-weight: bold; }
.loop { color: #7c3aed; font-weight: bold; }
tr.loop td:first-child { border-left: 4px solid #7c3aed; }
tr.loop-start td { border-top: 2px dashed #7c3aed; }
tr.loopback td { color: #7c3aed; font-weight: bold; }
"""


def _value(v: object) -> str:
    return escape(format_value(v))


def render_html(trace: Trace) -> str:
    """The trace as a standalone HTML document."""
    where = trace.design or trace.target or trace.model
    if trace.property:
        rules = f" (rules {', '.join(trace.rules)})" if trace.rules else ""
        head = f"Counterexample to {trace.property}{rules}"
    else:
        head = "Trace"
    params = ", ".join(f"{k}={format_value(v)}" for k, v in trace.parameters.items())
    focus = set(getattr(trace, "focus", ())) if trace.property else set()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(head)} - {escape(where)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<h1{" class=" + chr(34) + "bad" + chr(34) if trace.property else ""}>{escape(head)}</h1>',
        f'<p class="meta">design/model <b>{escape(where)}</b> · model {escape(trace.model)} · '
        f"engine {escape(trace.engine or 'replay')} · {trace.length} steps"
        + (f"<br>parameters: {escape(params)}" if params else "") + "</p>",
    ]
    if trace.property:
        parts.append(_violation(trace))
    note = loop_note(trace)
    if note:
        parts.append(f'<p class="loop">{escape(note)}: {escape(loop_summary(trace) or "")}</p>')
    svg = render_svg(trace)
    parts.append(f'<h2>Sequence diagram</h2><div class="diagram">{svg}</div>')

    parts.append("<h2>Steps</h2><table><thead><tr><th>#</th><th>time</th><th>process</th><th>action</th>"
                 "<th>changes</th></tr></thead><tbody>")
    parts.append('<tr><td class="num">0</td><td class="time">t=0s</td><td></td><td class="code">init</td>'
                 f'<td class="changes">{escape(", ".join(f"{k}={format_value(v)}" for k, v in trace.as_dict(trace.init).items()))}</td></tr>')
    for k, step in enumerate(trace.steps, start=1):
        classes = []
        if step.process == "clock":
            classes.append("clock")
        if trace.property and trace.loop is None and k == trace.length:
            classes.append("violated")
        if trace.loop is not None and k > trace.loop:
            classes.append("loop")
            if k == trace.loop + 1:
                classes.append("loop-start")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        changes = ", ".join(f"{n}={format_value(v)}" for n, v in trace.changes(k - 1).items()) or "(no change)"
        parts.append(f'<tr{cls}><td class="num">{k}</td><td class="time">t={step.time:g}s</td>'
                     f"<td>{escape(step.process)}</td><td class=\"code\">{escape(step.label)}</td>"
                     f'<td class="changes">{escape(changes)}</td></tr>')
    if note:
        parts.append(f'<tr class="loopback"><td colspan="5">{escape(note)}</td></tr>')
    parts.append("</tbody></table>")

    final = trace.as_dict(trace.final)
    label = f"after step {trace.length}" if trace.length else "initial"
    parts.append(f"<h2>Final state ({escape(label)})</h2>")
    if focus:
        parts.append('<p class="meta">Red: variables the violated property reads.</p>')
    parts.append("<table><thead><tr><th>variable</th><th>value</th><th>initially</th></tr></thead><tbody>")
    init = trace.as_dict(trace.init)
    for name, value in final.items():
        cls = ' class="focus"' if name in focus else ""
        parts.append(f'<tr{cls}><td class="code">{escape(name)}</td><td class="code">{_value(value)}</td>'
                     f'<td class="code">{_value(init.get(name))}</td></tr>')
    parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _violation(trace: Trace) -> str:
    """The ``<p class="bad">`` line: violated in the last state, or (a lasso) by the infinite run."""
    why = getattr(trace, "why", lambda: {})()
    reads = (": the property reads " + ", ".join(
        f"<code>{escape(k)} = {_value(v)}</code>" for k, v in why.items())) if why else ""
    if trace.loop is not None:
        return (f'<p class="bad"><b>✗ {escape(trace.property or "")}</b> is violated by this infinite run '
                f"(a lasso){reads}</p>")
    return (f'<p class="bad"><b>✗ {escape(trace.property or "")}</b> is violated in the state after step '
            f"{trace.length}{reads}</p>")
