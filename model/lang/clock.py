"""Time in whole milliseconds, advanced from one deadline to the next.

Every timed model has one clock.  Durations are integers in milliseconds
(:func:`ms` turns a duration in seconds, with millisecond precision, into
one); ``System.time_unit`` is :data:`MS` so traces show timers in seconds.

Timers
------
A timer is an ordinary bounded integer variable that the clock advances:

``timer(var, running)``
    ``var`` counts the milliseconds ``running`` has held, saturating at
    ``var``'s upper bound (``since_progress``, ``handler_elapsed``).
``countdown(var, while_)``
    ``var`` counts down to 0 while ``while_`` holds (work in progress).
``timing(name, guard, Within(seconds))``
    a timer of its own, counting while ``guard`` holds (see below).

How time passes: to the next deadline, and into each interval
--------------------------------------------------------------
We chose *jumps between deadlines* over a fixed tick.  A fixed tick of g ms
makes every timer take ``duration / g`` values, so a 2.5 s wait hint beside a
30 s handler limit would need 12,000 ticks per stop, and the state count would
grow with the resolution.  Instead the clock only ever stops where some
comparison the model makes can change its outcome:

* A **deadline** is a value at which a comparison of a timer changes outcome:
  for ``x >= e`` or ``x < e`` the value ``e``, for ``x > e`` or ``x <= e`` the
  value ``e + 1`` (the first whole millisecond past ``e``), for ``==``/``!=``
  both, and a count-up timer's saturation bound.  The clock finds them itself
  at :meth:`System.freeze`, by reading every guard, update and definition of
  the model: a deadline cannot be forgotten.  Timers compared with each other
  (``x < y``) are refused (ModelError), since no single deadline exists for
  them.
* ``tick`` lets time pass up to the **nearest deadline** ``d`` (in ms) of any
  running timer: every running timer advances by ``d``.
* A step that may happen at any moment (``ANY_TIME``, ``Within``, the SCM's
  and clients' requests) must be able to happen *inside* each interval between
  deadlines, not only at them.  So when such a step is enabled, time may also
  stop at the **first** millisecond after the last deadline (``tick_early``)
  and at the **last** millisecond before the next one (``tick_late``); the
  variable ``time_point`` remembers which, so that time cannot creep forward
  one millisecond at a time.

Why this is exact enough, and what it costs.  Events at whole milliseconds are
enough when durations are whole milliseconds and guards are closed (the
digitization argument of Henzinger, Manna and Pnueli, ICALP 1992).  Among the
instants strictly inside an interval, the earliest and the latest give the
earliest and latest positions of any deadline a step starts there, relative to
the deadlines already running: the two extreme orderings.  An ordering in
between (a step whose new deadline falls between two *later* deadlines that
are both running) is not represented; models where that matters need clock
regions.  The clock states this as an assumption of every verdict.

The reachable state count depends only on which comparisons the durations
make true, not on their magnitude: multiplying every duration by 1.001, or
adding a millisecond to durations no guard compares with each other, gives the
same count (tests/test_time.py pins such pairs).

When may time pass
------------------
``urgent(cond)``: time may not pass while ``cond`` holds.  Time may pass
wherever no urgent step is enabled (``System.time_passes``); where in addition
no running timer has a deadline ahead, time passing would change nothing (the
state is *quiescent*, ``System.quiescent``): a stopped service is not a
time-lock, and liveness may assume that time progresses there
(model/lang/temporal.py).

When a step happens is the designer's explicit choice (:meth:`Clock.timing`):

``AT_ONCE``
    urgent: a runnable thread that does not wait on time takes it before any
    time passes (a handler returning, ServiceMain reacting to an event).
``ANY_TIME``
    at any moment its guard holds, or never: time keeps passing while it is
    enabled (an error that may strike during STOP_PENDING).
``Within(seconds)``
    at any moment its guard holds, but no later than ``seconds`` after the
    guard became true (a signalled worker exits within 30 s).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any, Optional, Union

from .errors import InputError, ModelError
from .expr import Expr, VarRef, all_of, any_of, ite, lift, min_, not_
from .system import Action, System

AT_ONCE = "at_once"
ANY_TIME = "any_time"

MS = 0.001  # seconds per unit of every timer: System.time_unit of a timed model


class TimePoint(enum.IntEnum):
    """Where time stands relative to the deadlines (module docstring)."""

    DEADLINE = 0  # at a deadline (or where the clock started)
    EARLY = 1  # the first millisecond after it
    LATE = 2  # the last millisecond before the next deadline


@dataclass(frozen=True)
class Within:
    """Timing of a step that happens at the latest ``seconds`` after its guard became true."""

    seconds: float


Timing = Union[str, Within]


def ms(seconds: Any, what: str, where: str = "") -> int:
    """A duration in seconds (int, float or numeric text; millisecond precision) as whole ms.

    Raises InputError naming ``where``/``what`` for a negative, non-finite, non-numeric value or
    one finer than a millisecond (``2.5`` -> 2500; ``0.0005`` is refused).
    """
    value: Any = seconds
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InputError(f"{where}{what} = {seconds!r} is not a duration; give seconds >= 0 with at most "
                         "millisecond precision, e.g. 3, 2.5 or 17.25")
    out = round(value * 1000)
    if abs(out - value * 1000) > 1e-6 * max(1.0, abs(value * 1000)):
        raise InputError(f"{where}{what} = {seconds!r} s is finer than a millisecond; round it to "
                         f"{out / 1000:g} s (durations are whole milliseconds)")
    return int(out)


@dataclass
class _Timer:
    var: VarRef
    running: Expr
    down: bool  # a countdown (runs to 0) rather than a count-up timer (saturates at var.hi)
    reset_idle: bool = False  # a Within timer: back to 0 at a tick where its guard is false


class Clock:
    """The time of one model; call :meth:`tick` once, after registering every timer and timing."""

    def __init__(self, m: System, unit_s: float = MS, process: str = "clock") -> None:
        """``unit_s``: seconds per timer unit; every Windows model uses :data:`MS` (a made-up model
        may count in other units: the semantics do not depend on the unit)."""
        self.m = m
        self.process = process
        self.unit_s = unit_s
        if m.time_unit is None:
            m.time_unit = unit_s
        elif m.time_unit != unit_s:
            raise ModelError(f"{m.name}: time_unit = {m.time_unit!r} but the clock counts units of {unit_s:g} s; "
                             "give System(..., time_unit=...) the clock's unit")
        self._urgent: list[Expr] = []
        self._timers: dict[str, _Timer] = {}
        self._any_time = False
        self.action: Optional[Action] = None
        self.time_point: Optional[VarRef] = None

    # ------------------------------------------------------------ declarations
    def timing(self, name: str, guard: Expr, timing: Any) -> None:
        """Register when the step ``name`` with ``guard`` happens (module docstring: AT_ONCE,
        ANY_TIME or Within(seconds)); ModelError if the choice is missing or unknown."""
        if timing == AT_ONCE:
            self.urgent(guard)
        elif timing == ANY_TIME:
            self._any_time = True
        elif isinstance(timing, Within):
            limit = ms(timing.seconds / (self.unit_s * 1000), f"Within(...) of step {name}")
            waited = self.m.int(f"{name}_waited", 0, limit, 0,
                                f"time {name}'s guard has held (its deadline is {timing.seconds:g} s)",
                                unit=self.unit_s)
            self._add(_Timer(waited, lift(guard), down=False, reset_idle=True))
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

    def timer(self, var: VarRef, running: Any) -> VarRef:
        """``var`` (an int variable in ms) counts up while ``running`` holds, saturating at its
        upper bound; steps reset it by assigning it.  Returns ``var``."""
        self._add(_Timer(var, lift(running), down=False))
        return var

    def countdown(self, var: VarRef, while_: Any) -> VarRef:
        """``var`` (ms of work left) runs down to 0 while ``while_`` holds; a second call for the
        same ``var`` adds another condition (it runs while either holds).  Returns ``var``."""
        old = self._timers.get(var.name)
        if old is not None and old.down:
            self._check_open()
            old.running = any_of(old.running, while_)
            return var
        self._add(_Timer(var, lift(while_), down=True))
        return var

    def _add(self, t: _Timer) -> None:
        self._check_open()
        v = self.m.variable(t.var.name)
        if v.kind != "int" or v.lo != 0:
            raise ModelError(f"timer {v.name}: a timer is an int variable from 0 (milliseconds), "
                             f"not {v.kind} {v.domain_text()}")
        if v.name in self._timers:
            raise ModelError(f"timer {v.name} is registered with the clock twice")
        self._timers[v.name] = t

    def quiet(self) -> Expr:
        """No urgent step is enabled: time (or a timed event) may happen."""
        return not_(any_of(self._urgent))

    # ------------------------------------------------------------ the tick
    def tick(self, guard: Any = (), doc: str = "") -> Action:
        """Declare ``tick`` (time passes to the next deadline); ``tick_early``/``tick_late`` are
        declared at freeze, when every other step is known.  Call once, after every timer."""
        self._check_open()
        m = self.m
        self.time_point = m.enum("time_point", TimePoint, TimePoint.DEADLINE,
                                 "where time stands: at a deadline, the first ms after it, or the last ms "
                                 "before the next one (model/lang/clock.py)")
        extra = list(guard) if isinstance(guard, (list, tuple)) else [guard]
        self._extra = extra
        self._never = max((m.variable(n).hi for n in self._timers), default=0) + 1
        # placeholders until freeze, when the deadlines are read off every comparison in the model
        self.action = m.action("tick", self.process, guard=[lift(False)], update={}, duration=1.0,
                               doc=doc or "time passes to the next deadline")
        m.set_time(self.quiet(), self.quiet())
        m.environment_process(self.process)
        m.before_freeze(self._complete)
        return self.action

    def _complete(self) -> None:
        """At freeze: the deadlines, the tick's guard and update, and the steps into an interval."""
        m = self.m
        steps = [a for a in m.actions if a.process != self.process]
        deadlines = _Deadlines(m, self._timers)
        for a in steps:
            deadlines.scan(a.guard, f"the guard of {a.label}")
            for name, e in a.update.items():
                deadlines.scan(lift(e), f"the update of {name} in {a.label}")
        for name, e in m.definitions.items():
            deadlines.scan(e, f"definition {name}")
        for e in self._urgent:
            deadlines.scan(e, "a timing condition")
        for e in self._extra:
            deadlines.scan(lift(e), "the tick's guard")
        for prop in m.declared_properties:  # the design's own properties (System.invariant/leads_to)
            for part in (prop.predicate, prop.trigger, prop.goal, prop.hold, prop.witness):
                if part is not None:
                    deadlines.scan(part, f"property {prop.id}")
        never = self._never
        dist = deadlines.nearest(never)
        quiet = self.quiet()
        ahead = dist < never
        self._fill(self.action, [quiet, ahead, *self._extra], dist, TimePoint.DEADLINE)
        m.set_time(quiet, all_of(quiet, not_(ahead)))
        # Steps into the interval only where some non-urgent step could use them (module docstring).
        others = any_of(a.guard for a in steps)
        tp = self.time_point
        early = m.action("tick_early", self.process, guard=[], update={}, duration=1.0,
                         doc="time passes to the first millisecond after the last deadline")
        self._fill(early, [quiet, ahead, others, tp == TimePoint.DEADLINE, dist >= 2, *self._extra],
                   lift(1), TimePoint.EARLY)
        late = m.action("tick_late", self.process, guard=[], update={}, duration=1.0,
                        doc="time passes to the last millisecond before the next deadline")
        self._fill(late, [quiet, ahead, others, tp != TimePoint.LATE,
                          dist >= ite(tp == TimePoint.DEADLINE, 3, 2), *self._extra],
                   dist - 1, TimePoint.LATE)
        if self._any_time or any(not a.fair for a in steps) or m.environment - {self.process}:
            m.assume("time: a step that may happen at any moment is explored at each deadline and at the "
                     "first and last millisecond between two deadlines (model/lang/clock.py)")

    def _fill(self, act: Action, guard: list, delta: Expr, point: TimePoint) -> None:
        upd: dict = {}
        for name, t in self._timers.items():
            var, hi = t.var, self.m.variable(name).hi
            if t.down:
                upd[name] = ite(all_of(t.running, var > 0), var - delta, var)
            else:
                other = 0 if t.reset_idle else var
                upd[name] = ite(t.running, min_(var + delta, hi), other)
        upd[self.time_point.name] = lift(point)
        act.guard = all_of(*guard)
        act.update = upd
        act.elapsed_ms = delta

    def _check_open(self) -> None:
        if self.action is not None:
            raise ValueError("the clock's tick is already declared; register every timer and timing before tick()")


class _Deadlines:
    """The values at which some comparison of a timer changes outcome (module docstring)."""

    def __init__(self, m: System, timers: dict) -> None:
        self.m = m
        self.timers = timers
        self.points: dict[str, list[Expr]] = {n: [] for n in timers}
        self._seen: dict[str, set] = {n: set() for n in timers}

    def scan(self, e: Expr, where: str) -> None:
        stack = [e]
        while stack:
            n = stack.pop()
            if n.op in ("lt", "le", "eq", "ne"):
                self._comparison(n, where)
            if n.op not in ("const", "var"):
                stack.extend(a for a in n.args if isinstance(a, Expr))

    def _timer_in(self, e: Expr) -> list[str]:
        from .expr import variables
        return [v for v in variables(e) if v in self.timers]

    def _comparison(self, n: Expr, where: str) -> None:
        a, b = n.args
        ta, tb = self._timer_in(a), self._timer_in(b)
        if not ta and not tb:
            return
        if isinstance(a, VarRef) and a.name in self.timers and not tb:
            self._add(a.name, n.op, b, timer_left=True)
        elif isinstance(b, VarRef) and b.name in self.timers and not ta:
            self._add(b.name, n.op, a, timer_left=False)
        else:
            raise ModelError(f"{where} compares the timer(s) {', '.join(sorted(set(ta + tb)))} in a form the clock "
                             "cannot find deadlines in; compare a timer directly with a value that does not "
                             "involve another timer (model/lang/clock.py)")

    def _add(self, name: str, op: str, bound: Expr, timer_left: bool) -> None:
        down = self.timers[name].down
        # The value of the timer at which the comparison first changes outcome, moving up (or down).
        if op in ("eq", "ne"):
            pts = [bound, bound - 1 if down else bound + 1]
        elif (op == "lt") == timer_left:  # x < b, or b <= x: changes at b (up) / b - 1 (down)
            pts = [bound - 1 if down else bound]
        else:  # x <= b, or b < x: changes at b + 1 (up) / b (down)
            pts = [bound if down else bound + 1]
        for p in pts:
            key = repr(p)
            if key not in self._seen[name]:
                self._seen[name].add(key)
                self.points[name].append(p)

    def nearest(self, never: int) -> Expr:
        """Milliseconds to the nearest deadline of a running timer (``never`` if none is ahead)."""
        best: Expr = lift(never)
        for name, t in self.timers.items():
            var = t.var
            hi = self.m.variable(name).hi
            if t.down:
                cands = [(lift(0), var)] + [(p, var - p) for p in self.points[name]]
                for p, d in cands:
                    best = min_(best, ite(all_of(t.running, p < var, p >= 0), d, never))
            else:
                cands = [lift(hi)] + self.points[name]
                for p in cands:
                    best = min_(best, ite(all_of(t.running, var < p, p <= hi), p - var, never))
        return best
