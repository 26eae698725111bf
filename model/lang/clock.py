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

With nothing waiting and no urgent step enabled the state is *quiescent*: time
would pass and change nothing, so the clock declares no action for it, but it
tells the system (``System.set_time``) that time may pass there.  This is what
keeps a stopped service from being taken for a time-lock, and lets liveness
assume that time progresses (model/lang/temporal.py).

When a step happens is the designer's explicit choice (:func:`timing_of`):

``AT_ONCE``
    the step is urgent: a thread that is runnable and does not wait on time
    takes it before any time passes (a handler returning, ServiceMain reacting
    to an event it waited on).
``ANY_TIME``
    the step may happen at any moment its guard holds, or never: time keeps
    passing while it is enabled (an error that may strike during STOP_PENDING,
    "OnStop throws").  Declared urgent, such a step would only ever be explored
    before the first tick of its window, and the runs where it strikes later
    would be lost.
``Within(seconds)``
    the step may happen at any moment its guard holds, but no later than
    ``seconds`` after the guard became true (a signalled worker exits within
    30 s): a timer counts while the guard holds and the step becomes urgent when
    it reaches the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Union

from .errors import ModelError
from .expr import Expr, all_of, any_of, ite, lift, min_, not_
from .system import Action, System

AT_ONCE = "at_once"
ANY_TIME = "any_time"


@dataclass(frozen=True)
class Within:
    """Timing of a step that happens at the latest ``seconds`` after its guard became true."""

    seconds: float


Timing = Union[str, Within]


class Clock:
    """The time of one model; call :meth:`tick` once, after registering every condition."""

    def __init__(self, m: System, unit_s: float, process: str = "clock") -> None:
        self.m = m
        self.unit_s = unit_s
        self.process = process
        self._urgent: list[Expr] = []
        self._waits: list[Expr] = []
        self._countdowns: dict[str, tuple[Any, list[Expr]]] = {}
        self._timers: dict[Any, Expr] = {}
        self.action: Action | None = None

    def timing(self, name: str, guard: Expr, timing: Any) -> None:
        """Register when the step ``name`` with ``guard`` happens (module docstring: AT_ONCE,
        ANY_TIME or Within(seconds)); ModelError if the choice is missing or unknown."""
        if timing == AT_ONCE:
            self.urgent(guard)
        elif timing == ANY_TIME:
            pass
        elif isinstance(timing, Within):
            limit = -(-timing.seconds // self.unit_s) if timing.seconds > 0 else 0
            limit = int(limit)
            waited = self.m.int(f"{name}_waited", 0, max(limit, 0), 0,
                                f"time {name}'s guard has held (its deadline is {timing.seconds:g} s)",
                                unit=self.unit_s)
            self._timers[waited] = ite(guard, min_(waited + 1, limit), 0)
            self.waits(guard)
            self.urgent(all_of(guard, waited >= limit))
        else:
            raise ModelError(f"step {name}: timing = {timing!r}; say when it happens: timing=AT_ONCE "
                             "(before time passes), ANY_TIME (at any moment, or never) or Within(seconds) "
                             "(scmcheck.model.lang.clock)")

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
        upd.update(self._timers)
        upd.update(update)
        extra = list(guard) if isinstance(guard, (list, tuple)) else [guard]
        waiting = any_of(self._waits)
        self.action = self.m.action("tick", self.process, guard=[waiting, self.quiet(), *extra],
                                    update=upd, duration=self.unit_s, doc=doc or f"{self.unit_s:g} s pass")
        quiescent = all_of(not_(waiting), self.quiet())
        self.m.set_time(any_of(self.action.guard, quiescent), quiescent)
        self.m.environment_process(self.process)
        return self.action

    def _check_open(self) -> None:
        if self.action is not None:
            raise ValueError("the clock's tick is already declared; register every timed condition before tick()")
