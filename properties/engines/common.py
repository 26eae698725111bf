"""What the engines share: the progress callback and trace assembly."""

from __future__ import annotations

import time
from typing import Any, Callable, Optional, Sequence

from scmcheck.model.lang.expr import variables
from scmcheck.model.lang.temporal import TimeLock
from scmcheck.traces.replay import replay
from scmcheck.traces.trace import Trace, trace_from_actions

from ..result import Goal

Progress = Optional[Callable[[dict], None]]


class Ticker:
    """Calls ``progress`` at most every ``every`` seconds with the engine's figures."""

    def __init__(self, engine: str, progress: Progress, every: float = 0.5) -> None:
        self.engine, self.progress, self.every = engine, progress, every
        self.start = time.monotonic()
        self._next = self.start + every

    def __call__(self, **figures: Any) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.every
            self.progress({"engine": self.engine, "elapsed": now - self.start, **figures})

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def violation_of(goal: Goal) -> Any:
    """What a counterexample to ``goal`` must show, in the form ``replay`` takes."""
    if goal.kind == "time_lock":
        return TimeLock()
    return goal.leads_to if goal.kind == "leads_to" else goal.invariant


def goal_reads(goal: Goal) -> set[str]:
    """The variables a goal's predicates read (a trace's focus)."""
    if goal.kind == "leads_to":
        lt = goal.leads_to
        return variables(lt.trigger) | variables(lt.goal) | variables(lt.hold)
    return set() if goal.invariant is None else variables(goal.invariant)


def checked_trace(system: Any, goal: Goal, engine: str, actions: Sequence[Any],
                  states: Optional[Sequence[tuple]] = None, loop: Optional[int] = None) -> Trace:
    """A counterexample trace, re-validated by replay before it leaves the engine.

    ``loop`` makes it a lasso (``Trace.loop``): a liveness counterexample.
    A trace that fails replay is an engine bug, not bad input, so the mismatch
    is raised as an AssertionError with the engine named.
    """
    reads = goal_reads(goal)
    focus = [v.name for v in system.variables if v.name in reads]
    trace = trace_from_actions(system, actions, states, property=goal.id, rules=list(goal.rules), engine=engine,
                               focus=focus, loop=loop)
    try:
        replay(system, trace, violates=violation_of(goal))
    except Exception as exc:  # noqa: BLE001 - re-raised with context
        raise AssertionError(f"internal error: the {engine} engine produced a trace for {goal.id} that does not replay: {exc}") from exc
    return trace
