"""Explicit discrete time, shared by every timed model.

One action, the clock's ``tick``, lets ``unit_s`` seconds pass; timers are
ordinary bounded integers that the tick advances (declared with
``unit=unit_s`` so traces show them in seconds).  A model states *when* time
may pass with three declarations:

``urgent(cond)``
    time may not pass while ``cond`` holds.  Register the guard of every step
    a runnable thread takes without waiting on time (it reacts in zero time,
    before the next tick), and every deadline ("a signalled worker exits
    within 30 s": time may not pass once the timer reached it).
``waits(cond)``
    time may pass while ``cond`` holds: something waits on a timeout or on
    work in progress.  With nothing waiting the clock stands still, which
    keeps steady states from growing timers and the state space finite.
``countdown(var, while_)``
    ``var`` decreases by one per tick while ``while_`` holds and ``var > 0``
    (work in progress); it also counts as waiting.

The tick's guard is ``any waits and no urgent``: every engine reads it from the
one action, like any other guard.
"""

from __future__ import annotations

from typing import Any, Mapping

from .expr import Expr, all_of, any_of, ite, lift, not_
from .system import Action, System


class Clock:
    """The time of one model; call :meth:`tick` once, after registering every condition."""

    def __init__(self, m: System, unit_s: float, process: str = "clock") -> None:
        self.m = m
        self.unit_s = unit_s
        self.process = process
        self._urgent: list[Expr] = []
        self._waits: list[Expr] = []
        self._countdowns: dict[str, tuple[Any, list[Expr]]] = {}
        self.action: Action | None = None

    def urgent(self, cond: Any) -> Expr:
        """Time may not pass while ``cond`` (an Expr, a guard list, or an Action's guard) holds."""
        e = cond.guard if isinstance(cond, Action) else all_of(*cond) if isinstance(cond, (list, tuple)) else lift(cond)
        self._check_open()
        self._urgent.append(e)
        return e

    def waits(self, *conds: Any) -> None:
        """Time may pass while any of ``conds`` holds."""
        self._check_open()
        self._waits.extend(lift(c) for c in conds)

    def countdown(self, var: Any, while_: Any) -> None:
        """``var`` runs down by one per tick while ``while_`` holds (and it is positive)."""
        self._check_open()
        cond = lift(while_)
        self._countdowns.setdefault(var.name, (var, []))[1].append(cond)
        self._waits.append(all_of(cond, var > 0))

    def quiet(self) -> Expr:
        """No urgent step is enabled: the condition under which time (or a timed event) may happen."""
        return not_(any_of(self._urgent))

    def tick(self, update: Mapping[Any, Any] = {}, guard: Any = (), doc: str = "") -> Action:
        """Declare the tick: ``unit_s`` seconds pass, countdowns run, ``update`` advances the timers."""
        self._check_open()
        upd: dict = {var: ite(all_of(any_of(conds), var > 0), var - 1, var)
                     for var, conds in self._countdowns.values()}
        upd.update(update)
        extra = list(guard) if isinstance(guard, (list, tuple)) else [guard]
        self.action = self.m.action("tick", self.process, guard=[any_of(self._waits), self.quiet(), *extra],
                                    update=upd, duration=self.unit_s, doc=doc or f"{self.unit_s:g} s pass")
        return self.action

    def _check_open(self) -> None:
        if self.action is not None:
            raise ValueError("the clock's tick is already declared; register every timed condition before tick()")
