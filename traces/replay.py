"""``replay(model, trace)``: the one re-validation every trace goes through
before anyone sees it (engines, the CLI, implementation replay).

What a counterexample must show depends on the property (``violates``):

* an invariant (an :class:`Expr`): a finite trace whose last state breaks it
  and no earlier state does;
* a :class:`~scmcheck.model.lang.temporal.LeadsTo`: a lasso (``Trace.loop``)
  that is a fair run where the trigger holds and the goal never follows;
* :class:`~scmcheck.model.lang.temporal.TimeLock`: a finite trace whose last
  state is a time-lock.

The semantics (fairness, time progress, time-locks) are those of
``model/lang/temporal.py``; this module only calls its functions.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

from scmcheck.model.lang.errors import InputError
from scmcheck.model.lang.expr import Expr, compile_python, to_text
from scmcheck.model.lang.temporal import LeadsTo, TimeLock, lets_time_pass, loop_unfairness

from .trace import Trace

Violation = Union[Expr, LeadsTo, TimeLock, None]


class TraceMismatch(InputError):
    """The trace does not fit the model: a step is not enabled, a state differs,
    or the trace does not show the violation it claims to."""


def replay(model: Any, trace: Trace, violates: Violation = None) -> tuple:
    """Re-run ``trace`` on ``model`` and return its final state.

    Checks that the variables and the initial state match, that every step's
    action exists and is enabled and leads to exactly the recorded state, that
    a loop (``trace.loop``), if any, is a state index whose state equals the
    last state, and then what ``violates`` asks for (module docstring):

    * ``Expr`` (an invariant): the last state breaks it while no earlier state
      does (a genuine first violation); the trace must not loop;
    * ``LeadsTo``: see :func:`check_leads_to`;
    * ``TimeLock``: the trace does not loop and its last state is a time-lock;
    * ``None``: nothing more.

    Raises :class:`TraceMismatch` (one line: the step and what differs) when
    the trace does not fit, and TypeError for any other kind of ``violates``.
    """
    if violates is not None and not isinstance(violates, (Expr, LeadsTo, TimeLock)):
        raise TypeError(f"replay: violates must be an Expr, a LeadsTo or a TimeLock, not {type(violates).__name__}")
    model.freeze()
    _check_start(model, trace)
    inv = compile_python(violates) if isinstance(violates, Expr) else None
    if inv is not None and trace.loop is not None:
        raise TraceMismatch(f"the trace loops back to the {state_name(trace.loop)}, but {_name(trace)} is an "
                            "invariant: its counterexample is a finite trace")
    if isinstance(violates, TimeLock) and trace.loop is not None:
        raise TraceMismatch(f"the trace loops back to the {state_name(trace.loop)}, but a time-lock "
                            "counterexample is a finite trace ending in the time-locked state")
    states, actions = _replay_steps(model, trace, inv)
    if trace.loop is not None:
        check_loop_closes(model, states, trace.loop)
    final = states[-1]
    if inv is not None and inv(final):
        raise TraceMismatch(f"the final state of the trace does not violate {trace.property}")
    if isinstance(violates, LeadsTo):
        check_leads_to(model, trace, violates, states, actions)
    elif isinstance(violates, TimeLock):
        check_time_lock(model, final)
    return final


def state_name(index: int) -> str:
    """``"initial state"`` for 0, else ``"state after step <index>"``."""
    return "initial state" if index == 0 else f"state after step {index}"


def check_loop_closes(model: Any, states: list[tuple], loop: Any) -> None:
    """``loop`` must be an int in ``0..len(states)-1`` and ``states[loop]`` the last state.

    ``states`` are the trace's states, the initial one first.  Raises
    TraceMismatch otherwise.
    """
    last = len(states) - 1
    if not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop <= last:
        raise TraceMismatch(f"loop = {loop!r} is not a state index of this trace (0..{last})")
    if states[loop] != states[-1]:
        raise TraceMismatch(f"the loop does not close: the {state_name(last)} differs from the "
                            f"{state_name(loop)} it loops back to: {_diff(model, states[loop], states[-1], ('loop start', 'end'))}")


def check_leads_to(model: Any, trace: Trace, prop: LeadsTo, states: list[tuple], actions: list[Any]) -> None:
    """Is the lasso ``states``/``actions`` (with ``trace.loop``) a counterexample to ``prop``?

    ``states`` has one more entry than ``actions`` (the initial state first);
    the loop must already be known to close (:func:`check_loop_closes`).
    Requires: some state where the trigger holds with the goal false from it
    (or from the loop start, if later) to the end; ``hold`` true throughout
    the loop; the loop a fair run (``temporal.loop_unfairness``).  Raises
    TraceMismatch saying which requirement fails.
    """
    name = _name(trace)
    loop = trace.loop
    if loop is None:
        raise TraceMismatch(f"a counterexample to {name} (leads-to) must be a lasso, but the trace has no loop")
    trigger, goal, hold = (compile_python(e) for e in (prop.trigger, prop.goal, prop.hold))
    _check_trigger_then_no_goal(name, states, loop, trigger, goal)
    for k in range(loop, len(states)):
        if not hold(states[k]):
            raise TraceMismatch(f"the loop must satisfy {name}'s assumption {to_text(prop.hold)} throughout, "
                                f"but it is false in the {state_name(k)}")
    why = loop_unfairness(model, states[loop:], actions[loop:])
    if why is not None:
        raise TraceMismatch(f"the loop from the {state_name(loop)} is not a fair run: {why}")


def _check_trigger_then_no_goal(name: str, states: list[tuple], loop: int,
                                trigger: Callable[[tuple], Any], goal: Callable[[tuple], Any]) -> None:
    """Some ``i`` with ``trigger(states[i])`` and the goal false in ``states[min(i, loop):]``."""
    free = len(states)  # the goal is false in states[free:]
    while free > 0 and not goal(states[free - 1]):
        free -= 1
    if free > loop:
        raise TraceMismatch(f"the goal of {name} holds in the {state_name(free - 1)}, inside the loop, "
                            "so the run reaches it again and again")
    hits = [i for i, s in enumerate(states) if trigger(s)]
    if not hits:
        raise TraceMismatch(f"the trigger of {name} holds in no state of the trace")
    if hits[-1] < free:
        raise TraceMismatch(f"the goal of {name} holds in the {state_name(free - 1)}, after the last state where "
                            f"the trigger holds (the {state_name(hits[-1])})")


def check_time_lock(model: Any, final: tuple) -> None:
    """``final`` must be a time-lock (``temporal.lets_time_pass`` is False); TraceMismatch otherwise."""
    can = lets_time_pass(model, final)
    if can is None:
        raise TraceMismatch("could not confirm the time-lock within the budget of states reachable "
                            "in zero time from the last state")
    if can:
        raise TraceMismatch(f"time can still pass from the last state {model.describe(final)}, "
                            "after zero-time steps or at once: it is not a time-lock")


def _name(trace: Trace) -> str:
    return trace.property or "the property"


def _check_start(model: Any, trace: Trace) -> None:
    """The trace's variables and initial state are the model's."""
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


def _replay_steps(model: Any, trace: Trace,
                  inv: Optional[Callable[[tuple], Any]] = None) -> tuple[list[tuple], list[Any]]:
    """Replay every step; return ``(states, actions)``: ``length + 1`` states, ``length`` model actions.

    With ``inv`` (an invariant), every state before the last must satisfy it.
    """
    state = model.init_state()
    states, actions = [state], []
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
        states.append(state)
        actions.append(act)
    return states, actions


def _diff(model: Any, expected: tuple, recorded: tuple, names: tuple[str, str] = ("model", "trace")) -> str:
    """``"var: model x, trace y; ..."`` for the variables that differ (``names`` labels the two sides)."""
    parts = []
    for var, a, b in zip(model.variables, expected, recorded):
        if a != b:
            parts.append(f"{var.name}: {names[0]} {var.label(a)}, {names[1]} {var.label(b)}")
    return "; ".join(parts) or "(equal)"
