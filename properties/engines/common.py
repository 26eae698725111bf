"""What the engines share: the progress callback and trace assembly."""

from __future__ import annotations

import time
from typing import Any, Callable, Optional, Sequence

from scmcheck.model.lang.expr import variables
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


def checked_trace(system: Any, goal: Goal, engine: str, actions: Sequence[Any],
                  states: Optional[Sequence[tuple]] = None) -> Trace:
    """A counterexample trace, re-validated by replay before it leaves the engine.

    A trace that fails replay is an engine bug, not bad input, so the mismatch
    is raised as an AssertionError with the engine named.
    """
    focus = [v.name for v in system.variables if v.name in variables(goal.invariant)]
    trace = trace_from_actions(system, actions, states, property=goal.id, rules=list(goal.rules), engine=engine,
                               focus=focus)
    try:
        replay(system, trace, violates=goal.invariant)
    except Exception as exc:  # noqa: BLE001 - re-raised with context
        raise AssertionError(f"internal error: the {engine} engine produced a trace for {goal.id} that does not replay: {exc}") from exc
    return trace
