"""What a run is, for liveness and time-locks: fairness, time progress, lassos.

This module is the one definition of the semantics every engine and ``replay``
use for *eventually* properties and time-locks; the explicit engine's SCC
analysis and BMC's lasso encoding implement exactly these rules.

Runs
    A run is an infinite sequence of states, each step an enabled action.  A
    state may also *stutter* (repeat forever with no action), which stands for
    "nothing more happens"; see :func:`stutter_ok` for when that is a fair run.

Time (only for models with a clock, ``system.time_passes is not None``)
    ``system.time_passes`` holds in a state where time may pass now: the
    clock's tick is enabled, or the state is *quiescent* (``system.quiescent``:
    nothing waits on time and no urgent step is enabled, so time would pass and
    change nothing).  An action with ``duration > 0`` is a *time step*.
    *Time progresses*: a run in which time passes only finitely often is not a
    run of the system (it is not a counterexample to anything).  A loop
    therefore contains a time step or a quiescent state (where time passes
    idly before the loop goes on), or is a stutter in a quiescent state.

    A *time-lock* is a reachable state from which no path ever reaches a state
    where time may pass (:func:`lets_time_pass`).  A cycle of zero-time steps
    with a way out (INTERROGATE answered again and again) is not one; neither
    is a quiescent state (a stopped service).  A way out through a step that
    may never happen (``fair=False``, timing ANY_TIME: a worker that may never
    exit) does not count: otherwise "time progresses" would force that step,
    and the runs where it does not happen would silently vanish (a zero-time
    loop, e.g. a progress report at a saturated checkpoint, hiding a hang).

Fairness
    Weak fairness per thread: every process that is not an environment process
    (``system.environment``: the SCM, clients, the UPS, the clock) and that
    stays able to move eventually moves.  A process is *able to move* when one
    of its *fair* actions is enabled: an action declared ``fair=False`` (a step
    with timing ANY_TIME, "may happen at any moment, or never", such as an
    error that may strike) never makes its process count as able to move, so
    such optional branches are never forced.  For a loop: each fair process
    either takes a step (any of its actions) in the loop or is unable to move
    in some state of the loop.  The environment is not forced to act, and not
    forbidden from acting.

Leads-to (:class:`LeadsTo`)
    ``trigger ~> goal`` while ``hold``: in every fair run, from every state
    where ``trigger`` holds, a state where ``goal`` holds follows (the same
    state counts).  A counterexample is a lasso: a prefix to a state where the
    trigger holds, then only states where the goal does not hold, ending in a
    fair loop whose every state satisfies ``hold`` (``hold`` states the
    assumption "from some point on, nobody uses the server", default true).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .expr import TRUE, Expr


@dataclass(frozen=True)
class LeadsTo:
    """``trigger ~> goal``: after ``trigger``, eventually ``goal``; the loop of a
    counterexample must satisfy ``hold`` throughout (module docstring)."""

    trigger: Expr
    goal: Expr
    hold: Expr = TRUE


@dataclass(frozen=True)
class TimeLock:
    """The property ``time_can_advance``: no reachable state is a time-lock."""


def fair_processes(system: Any) -> list[str]:
    """Processes subject to weak fairness: every process that is not the environment's."""
    return [p for p in system.processes if p not in system.environment]


def enabled_processes(system: Any, state: tuple) -> set[str]:
    """Processes able to move in ``state``: with at least one enabled *fair* action."""
    return {a.process for a in system.actions if a.fair and a.enabled(state)}


def stutter_ok(system: Any, state: tuple) -> bool:
    """May a fair run stay in ``state`` forever, with no further step?

    Only if no fairly scheduled thread can move there and, in a timed model,
    time passes while it stays (the state is quiescent).
    """
    if enabled_processes(system, state) & set(fair_processes(system)):
        return False
    return system.quiescent_fn is None or bool(system.quiescent_fn(state))


def loop_unfairness(system: Any, states: Sequence[tuple], actions: Sequence[Any]) -> Optional[str]:
    """Why the loop ``states[0] -a0-> states[1] ... -> states[n] == states[0]`` is not a fair run, or None.

    ``states`` lists the loop's states with the first repeated at the end;
    ``actions`` the n actions between them.  An empty loop (one state, no
    action) is a stutter, judged by :func:`stutter_ok`.
    """
    if not actions:
        if stutter_ok(system, states[0]):
            return None
        movers = sorted(enabled_processes(system, states[0]) & set(fair_processes(system)))
        if movers:
            return f"the run stops while {', '.join(movers)} can still move (weak fairness)"
        return "the run stops in a state where time cannot pass (it is not quiescent)"
    body = states[:-1]
    moved = {a.process for a in actions}
    for proc in fair_processes(system):
        if proc in moved:
            continue
        if all(any(a.process == proc and a.fair and a.enabled(s) for a in system.actions) for s in body):
            return f"{proc} is enabled throughout the loop but never moves (weak fairness)"
    if system.time_passes_fn is not None and not any(a.duration > 0 for a in actions) \
            and not any(system.quiescent_fn(s) for s in body):
        return "no time passes in the loop (a Zeno run; time progresses in every run)"
    return None


def lets_time_pass(system: Any, state: tuple, budget: int = 1_000_000) -> Optional[bool]:
    """Can time still pass from ``state``, after some zero-time steps?

    True when a state where time may pass is reachable through zero-time steps
    (``state`` itself included); False when the whole zero-time closure was
    explored without one (``state`` is a time-lock); None when more than
    ``budget`` states would have to be explored.  Untimed models: True.
    """
    if system.time_passes_fn is None:
        return True
    seen = {state}
    queue = deque([state])
    while queue:
        s = queue.popleft()
        if system.time_passes_fn(s):
            return True
        for act in system.actions:
            if act.duration > 0 or not act.fair or not act.enabled(s):
                continue
            t = act.apply(s)
            if t not in seen:
                if len(seen) >= budget:
                    return None
                seen.add(t)
                queue.append(t)
    return False
