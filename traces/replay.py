"""``replay(model, trace)``: the one re-validation every trace goes through
before anyone sees it (engines, the CLI, implementation replay)."""

from __future__ import annotations

from typing import Any, Optional

from scmcheck.model.lang.errors import InputError
from scmcheck.model.lang.expr import Expr, compile_python

from .trace import Trace


class TraceMismatch(InputError):
    """The trace does not fit the model: a step is not enabled, a state differs,
    or the final state does not violate the property it claims to."""


def replay(model: Any, trace: Trace, violates: Optional[Expr] = None) -> tuple:
    """Re-run ``trace`` on ``model`` and return its final state.

    Checks that the variables and the initial state match, that every step's
    action exists and is enabled, that it leads to exactly the recorded state,
    and, when ``violates`` (an invariant) is given, that the last state breaks
    it while no earlier state does (so the trace is a genuine first violation).
    Raises :class:`TraceMismatch` naming the step and the differing values.
    """
    model.freeze()
    names = [v.name for v in model.variables]
    theirs = [v.name for v in trace.variables]
    if names != theirs:
        missing = sorted(set(names) - set(theirs))
        extra = sorted(set(theirs) - set(names))
        raise TraceMismatch(
            f"trace variables do not match model {model.name}: missing {missing or 'none'}, "
            f"unknown {extra or 'none'}; rebuild the model with the trace's parameters {trace.parameters}"
        )
    state = model.init_state()
    if tuple(trace.init) != state:
        raise TraceMismatch(f"trace initial state differs from the model's: {_diff(model, state, trace.init)}")
    inv = compile_python(violates) if violates is not None else None
    for k, step in enumerate(trace.steps, start=1):
        if inv is not None and not inv(state):
            raise TraceMismatch(f"property {trace.property} is already violated before step {k}; the trace is not minimal")
        act = model.find_action(step.action, step.args)
        if act is None:
            raise TraceMismatch(f"step {k}: model {model.name} has no action {step.label}")
        if act.process != step.process:
            raise TraceMismatch(f"step {k}: {step.label} is taken by {act.process}, the trace says {step.process}")
        if not act.enabled(state):
            raise TraceMismatch(f"step {k}: {step.label} is not enabled in {model.describe(state)}")
        nxt = act.apply(state)
        if nxt != tuple(step.state):
            raise TraceMismatch(f"step {k}: {step.label} leads elsewhere: {_diff(model, nxt, step.state)}")
        state = nxt
    if inv is not None and inv(state):
        raise TraceMismatch(f"the final state of the trace does not violate {trace.property}")
    return state


def _diff(model: Any, expected: tuple, recorded: tuple) -> str:
    parts = []
    for var, a, b in zip(model.variables, expected, recorded):
        if a != b:
            parts.append(f"{var.name}: model {var.label(a)}, trace {var.label(b)}")
    return "; ".join(parts) or "(equal)"
