"""Small random transition systems, written in the modelling language, for differential tests.

Every random decision goes through a *chooser* ``choose(lo, hi) -> int`` (both
ends inclusive), so the same generator is driven by Hypothesis
(``lambda lo, hi: data.draw(st.integers(lo, hi))``, which shrinks a failing
system towards a smaller one) and by ``random.Random(seed).randint``.

A system has 1-4 variables (bool; int ``lo..hi`` with at most 4 values; enum of
2-4 values), 1-5 actions (plain, or a family of 2-3 members told apart by
``args={"i": i}``) with random guards (comparisons, all_of/any_of/not_/implies,
``&``/``|``/``~``, ite, min_/max_, count_true) and random updates, and 1-2
invariants.  Updates of int variables are saturated (min_/max_ or ite) so they
stay in range, unless ``allow_oob`` asks for some unsaturated ones.  The product
of the variables' domains is kept <= MAX_STATES, so explicit search of the whole
space takes milliseconds.

Alongside the system the generator writes Python source that rebuilds it
exactly (:attr:`RandomSystem.source`): a failing example prints it, which makes
the failure a standalone reproducer.

Liveness and time (``liveness=True``, ``timed=True``; model/lang/temporal.py)
    ``liveness``: 2-6 actions, some ``fair=False`` (never forced by fairness),
    some processes declared ``environment_process``, sometimes a ``stopped``
    flag set by a ``stop`` action that disables everything (a terminal state:
    a stutter; timed, a quiescent one), and 1-2 random :class:`LeadsTo` goals
    (trigger, goal, optional hold) instead of invariants.
    ``timed`` adds a :class:`~scmcheck.model.lang.clock.Clock` (unit 1 s): 0-2
    countdown timers ``t0``/``t1`` (int variables the clock runs down while a
    condition free of timers holds, often with a ``start_t*`` step that restarts
    one and a ``timeout_t*`` step that reacts to it; elsewhere a timer is only
    compared directly with a constant, or given a new value, as the clock's
    deadlines require), a timing per step (AT_ONCE: its guard is urgent;
    ANY_TIME; at most one Within(1-2 s) deadline timer), sometimes an urgent
    condition no step is tied to, and a tick that may be blocked by a guard; and
    the ``time_can_advance`` goal.  Time passes, to the next deadline or into an
    interval (``tick_early``/``tick_late``), wherever nothing urgent is enabled.  This gives zero-time cycles with and without a
    way out, quiescent terminal states and real time-locks (a steady mix, see
    tests/test_differential_liveness.py).  The variables other than timers are
    capped at LIVE_STATES / TIMED_STATES combinations.
    With both False the chooser is called exactly as before these options
    existed, so every seed still draws the same system.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

from scmcheck.model.lang.clock import Clock, Within
from scmcheck.model.lang.expr import Expr, all_of, any_of, count_true, implies, interval, ite, lift, max_, min_, not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo
from scmcheck.properties.result import Goal

Chooser = Callable[[int, int], int]

MAX_STATES = 200
LIVE_STATES = 64  # liveness: the product of the variables' domains
TIMED_STATES = 24  # timed: the same for the variables other than the clock's (its timers: at most 3 x 3 x 3 more; time_point: 3)


class E2(enum.IntEnum):
    A = 0
    B = 1


class E3(enum.IntEnum):
    A = 0
    B = 1
    C = 2


class E4(enum.IntEnum):
    A = 0
    B = 1
    C = 2
    D = 3


ENUMS = {2: E2, 3: E3, 4: E4}
PROCESSES = ("p", "q", "r")


class P(NamedTuple):
    """An expression and the Python source that builds it."""

    e: Expr
    s: str


@dataclass
class _Var:
    name: str
    kind: str  # bool | int | enum
    ref: Expr
    lo: int
    hi: int
    enum: Optional[type] = None
    ref_init: int = 0  # the initial value (as an int)

    @property
    def p(self) -> P:
        return P(self.ref, self.name)


@dataclass
class RandomSystem:
    """A generated system, its goals and the source that rebuilds both."""

    system: System
    goals: list
    source: str
    oob_possible: bool = False  # some int update is not saturated
    lines: list = field(default_factory=list, repr=False)

    def __str__(self) -> str:
        return self.source


def _const(value: int | bool, enum_cls: Optional[type] = None) -> P:
    if enum_cls is not None:
        member = enum_cls(value)
        return P(lift(member), f"{enum_cls.__name__}.{member.name}")
    if isinstance(value, bool):
        return P(lift(value), repr(value))
    return P(lift(value), f"({value})" if value < 0 else str(value))


def _is_const(x: P) -> bool:
    return x.e.op == "const"


class _Gen:
    def __init__(self, choose: Chooser, allow_oob: bool) -> None:
        self.c = choose
        self.allow_oob = allow_oob
        self.oob = False
        self.vars: list[_Var] = []
        # Timed: the clock's timers, and whether bool atoms may compare one with a constant.  The clock
        # finds its deadlines in comparisons of a timer *directly* with a value free of timers
        # (model/lang/clock.py), so a timer appears only in such atoms (and as a countdown's own
        # value): never inside an integer expression, and never in a timer's running condition.
        self.timers: set[str] = set()
        self.timer_atoms = False

    # ------------------------------------------------------------ helpers
    def pick(self, items: list):
        return items[self.c(0, len(items) - 1)]

    def of(self, kind: str) -> list[_Var]:
        return [v for v in self.vars if v.kind == kind]

    # ------------------------------------------------------------ expressions
    def int_atom(self) -> P:
        ints = [v for v in self.of("int") if v.name not in self.timers]
        if ints and self.c(0, 2) > 0:
            return self.pick(ints).p
        lo = min((v.lo for v in ints), default=0)
        hi = max((v.hi for v in ints), default=2)
        return _const(self.c(lo - 1, hi + 1))

    def int_expr(self, depth: int) -> P:
        """An integer expression free of timers (its ite and count_true conditions included)."""
        saved, self.timer_atoms = self.timer_atoms, False
        try:
            return self._int_expr(depth)
        finally:
            self.timer_atoms = saved

    def _int_expr(self, depth: int) -> P:
        kind = self.c(0, 7) if depth > 0 else 0
        if kind <= 2:
            return self.int_atom()
        a, b = self.int_atom(), self.int_atom()
        if kind in (3, 4) and _is_const(a) and _is_const(b):
            # Two Python ints in the source would be added by Python, not by the Expr.
            return _const(a.e.args[0] + b.e.args[0] if kind == 3 else a.e.args[0] - b.e.args[0])
        if kind == 3:
            return P(a.e + b.e, f"({a.s} + {b.s})")
        if kind == 4:
            return P(a.e - b.e, f"({a.s} - {b.s})")
        if kind == 5:
            c = self.bool_expr(depth - 1)
            return P(ite(c.e, a.e, b.e), f"ite({c.s}, {a.s}, {b.s})")
        if kind == 6:
            fn = self.pick(["min_", "max_"])
            return P((min_ if fn == "min_" else max_)(a.e, b.e), f"{fn}({a.s}, {b.s})")
        bools = [self.bool_expr(0) for _ in range(self.c(1, 3))]
        return P(count_true([x.e for x in bools]), "count_true([" + ", ".join(x.s for x in bools) + "])")

    def enum_literal(self) -> P:
        v = self.pick(self.of("enum"))
        m = _const(self.c(v.lo, v.hi), v.enum)
        if self.c(0, 1):
            return P(v.ref == m.e, f"({v.name} == {m.s})")
        return P(v.ref != m.e, f"({v.name} != {m.s})")

    def compare(self, depth: int) -> P:
        a, b = self.int_expr(depth), self.int_expr(depth)
        op = self.pick(["==", "!=", "<", "<=", ">", ">="])
        if _is_const(a) and _is_const(b):
            x, y = a.e.args[0], b.e.args[0]
            return _const({"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])
        e = {"==": lambda: a.e == b.e, "!=": lambda: a.e != b.e, "<": lambda: a.e < b.e,
             "<=": lambda: a.e <= b.e, ">": lambda: a.e > b.e, ">=": lambda: a.e >= b.e}[op]()
        return P(e, f"({a.s} {op} {b.s})")

    def bool_atom(self) -> P:
        timers = [v for v in self.vars if v.name in self.timers] if self.timer_atoms else []
        options = ["cmp"] + ["bool"] * bool(self.of("bool")) + ["enum"] * bool(self.of("enum")) + \
            ["timer"] * bool(timers)
        kind = self.pick(options)
        if kind == "bool":
            return self.pick(self.of("bool")).p
        if kind == "enum":
            return self.enum_literal()
        if kind == "timer":
            # a timer compared directly with a constant: the clock stops where the outcome changes
            v = self.pick(timers)
            c = self.c(v.lo, v.hi)
            op = self.pick(["==", "!=", "<", "<=", ">", ">="])
            e = {"==": v.ref == c, "!=": v.ref != c, "<": v.ref < c, "<=": v.ref <= c, ">": v.ref > c,
                 ">=": v.ref >= c}[op]
            return P(e, f"({v.name} {op} {c})")
        return self.compare(0)

    def bool_expr(self, depth: int) -> P:
        kind = self.c(0, 9) if depth > 0 else self.c(0, 3)
        if kind <= 2:
            return self.bool_atom()
        if kind == 3:
            return _const(bool(self.c(0, 1)))
        if kind == 4:
            a = self.bool_expr(depth - 1)
            if self.c(0, 1):
                return P(not_(a.e), f"not_({a.s})")
            # ~ on a Python bool in the source would be integer negation, so constants use not_.
            return P(not_(a.e), f"not_({a.s})") if _is_const(a) else P(~a.e, f"~{a.s}")
        if kind in (5, 6):
            items = [self.bool_expr(depth - 1) for _ in range(self.c(2, 3))]
            fn = "all_of" if kind == 5 else "any_of"
            if self.c(0, 2) == 0 and all(x.e.op != "const" for x in items[:2]):
                a, b = items[0], items[1]  # the overloaded operators
                return P(a.e & b.e, f"({a.s} & {b.s})") if kind == 5 else P(a.e | b.e, f"({a.s} | {b.s})")
            call = all_of if kind == 5 else any_of
            return P(call(*[x.e for x in items]), f"{fn}(" + ", ".join(x.s for x in items) + ")")
        if kind == 7:
            a, b = self.bool_expr(depth - 1), self.bool_expr(depth - 1)
            return P(implies(a.e, b.e), f"implies({a.s}, {b.s})")
        if kind == 8:
            c, a, b = self.bool_expr(depth - 1), self.bool_expr(depth - 1), self.bool_expr(depth - 1)
            return P(ite(c.e, a.e, b.e), f"ite({c.s}, {a.s}, {b.s})")
        return self.compare(1)

    # ------------------------------------------------------------ updates
    def saturate(self, v: _Var, x: P) -> P:
        if _is_const(x) and not self.allow_oob:
            return _const(min(max(x.e.args[0], v.lo), v.hi))
        lo, hi = interval(x.e)
        if lo >= v.lo and hi <= v.hi and self.c(0, 1):
            return x
        if self.allow_oob and self.c(0, 1) == 0:
            if lo < v.lo or hi > v.hi:
                self.oob = True
            return x
        # a timer's own new value (t + 1) is saturated without comparing it (the clock refuses that)
        if self.c(0, 1) or v.name in self.timers:
            return P(min_(max_(x.e, v.lo), v.hi), f"min_(max_({x.s}, {_const(v.lo).s}), {_const(v.hi).s})")
        e = ite(x.e > v.hi, v.hi, ite(x.e < v.lo, v.lo, x.e))
        return P(e, f"ite({x.s} > {_const(v.hi).s}, {_const(v.hi).s}, ite({x.s} < {_const(v.lo).s}, "
                    f"{_const(v.lo).s}, {x.s}))")

    def value_for(self, v: _Var, shift: int = 0) -> P:
        """A random new value for ``v`` that stays in its domain (unless allow_oob)."""
        if v.kind == "bool":
            kind = self.c(0, 3)
            if kind <= 1 and self.c(0, 1):
                return P(not_(v.ref), f"not_({v.name})")
            if kind == 0:
                return P(not_(v.ref), f"not_({v.name})")
            if kind == 1:
                return _const(bool(self.c(0, 1)))
            return self.bool_expr(1)
        if v.kind == "enum":
            kind = self.c(0, 3)
            same = [w for w in self.of("enum") if w.enum is v.enum]
            if kind == 0:
                return _const((self.c(v.lo, v.hi) + shift) % (v.hi + 1), v.enum)
            if kind == 1 and len(same) > 1:
                return self.pick(same).p
            c = self.bool_expr(1)
            a, b = _const(self.c(v.lo, v.hi), v.enum), _const((self.c(v.lo, v.hi) + shift) % (v.hi + 1), v.enum)
            return P(ite(c.e, a.e, b.e), f"ite({c.s}, {a.s}, {b.s})")
        kind = self.c(0, 3)
        if kind <= 1:
            step = self.c(0, 2) // 2 + 1 + shift  # 1 twice as often as 2
            x = P(v.ref + step, f"({v.name} + {step})") if self.c(0, 1) else P(v.ref - step, f"({v.name} - {step})")
        elif kind == 2:
            x = _const(self.c(v.lo, v.hi) + shift)
        else:
            x = self.int_expr(2)
            if shift:
                x = _const(x.e.args[0] + shift) if _is_const(x) else P(x.e + shift, f"({x.s} + {shift})")
        return self.saturate(v, x)

    def literal(self, away: bool = False) -> P:
        """``v == c`` for a random variable and value (``away``: a value other than the initial one,
        so that it takes some steps to hold)."""
        v = self.pick(self.vars)
        if away:
            init = int(v.ref_init)
            value = v.lo + (init - v.lo + self.c(1, v.hi - v.lo)) % (v.hi - v.lo + 1)
        else:
            value = self.c(v.lo, v.hi)
        val = _const(bool(value) if v.kind == "bool" else value, v.enum)
        return P(v.ref == val.e, f"({v.name} == {val.s})")

    def leads_to(self) -> tuple[P, P, P]:
        """Trigger, goal and hold of a random leads-to goal (hold usually true)."""
        kind = self.c(0, 5)
        trigger = _const(True) if kind == 0 else self.literal(away=kind <= 2) if kind <= 3 else \
            self.bool_atom() if kind == 4 else self.bool_expr(1)
        kind = self.c(0, 3)
        if kind <= 1:
            goal = self.literal(away=kind == 0)
        elif kind == 2:
            goal = self.bool_atom()
        else:
            a, b = self.literal(), self.literal()
            goal = P(any_of(a.e, b.e), f"any_of({a.s}, {b.s})")
        kind = self.c(0, 3)
        if kind <= 1:
            hold = _const(True)
        elif kind == 2:
            a = self.literal()
            hold = P(not_(a.e), f"not_({a.s})")
        else:
            hold = self.bool_atom()
        return trigger, goal, hold

    def step_action(self) -> tuple[P, dict]:
        """A structured action (one variable moves one step, guarded so it can), which
        gives the state graph some depth; random guards and jumps alone give shallow ones."""
        v = self.pick(self.vars)
        if v.kind == "bool":
            guard = P(v.ref == False, f"({v.name} == False)") if self.c(0, 1) else P(~v.ref, f"~{v.name}")  # noqa: E712
            new = _const(True)
        elif v.kind == "enum":
            # v moves to the next member; from the last it stops or wraps around.
            wrap = self.c(0, 1)
            last = _const(v.hi, v.enum)
            new = _const(0, v.enum) if wrap else last
            for k in range(v.hi - 1, -1, -1):
                c, n = _const(k, v.enum), _const(k + 1, v.enum)
                new = P(ite(v.ref == c.e, n.e, new.e), f"ite({v.name} == {c.s}, {n.s}, {new.s})")
            guard = _const(True) if wrap else P(v.ref != last.e, f"({v.name} != {last.s})")
        elif self.c(0, 1):
            guard = P(v.ref < v.hi, f"({v.name} < {_const(v.hi).s})")
            new = self.saturate(v, P(v.ref + 1, f"({v.name} + 1)"))
        else:
            guard = P(v.ref > v.lo, f"({v.name} > {_const(v.lo).s})")
            new = self.saturate(v, P(v.ref - 1, f"({v.name} - 1)"))
        if self.c(0, 2) == 0:
            extra = self.bool_atom()
            guard = P(all_of(guard.e, extra.e), f"all_of({guard.s}, {extra.s})")
        update = {v.name: new}
        others = [w for w in self.vars if w is not v]
        if others and self.c(0, 3) == 0:
            w = self.pick(others)
            update[w.name] = self.value_for(w)
        return guard, update

    def update(self, shift: int = 0) -> dict:
        # Mostly one variable per step, which gives deeper state graphs than random jumps.
        if self.c(0, 2) > 0:
            chosen = [self.pick(self.vars)]
        else:
            chosen = [v for v in self.vars if self.c(0, 1)] or [self.pick(self.vars)]
        return {v.name: self.value_for(v, shift) for v in chosen}


def random_system(choose: Chooser, allow_oob: bool = False, name: str = "rand", liveness: bool = False,
                  timed: bool = False) -> RandomSystem:
    """Draw one small system and its goals through ``choose``.

    ``liveness``: some processes are the environment's, some actions ``fair=False``,
    and the goals are leads-to goals (module docstring).  ``timed``: the system also
    gets a :class:`~scmcheck.model.lang.clock.Clock` and the ``time_can_advance`` goal.
    With both False, ``choose`` is called exactly as before they existed, so a seed
    still draws the same system.
    """
    g = _Gen(choose, allow_oob)
    temporal = liveness or timed
    m = System(name, "a random system for differential tests")
    lines = ["from scmcheck.model.lang.expr import all_of, any_of, count_true, implies, ite, lift, max_, min_, not_",
             "from scmcheck.model.lang.system import System",
             "from scmcheck.properties.result import Goal",
             "from randsys import E2, E3, E4  # run from tests/",
             "",
             f"m = System({name!r})"]
    if temporal:
        lines[3:3] = ["from scmcheck.model.lang.clock import Clock, Within",
                      "from scmcheck.model.lang.temporal import LeadsTo"]
    cap = TIMED_STATES if timed else LIVE_STATES if liveness else MAX_STATES
    size = 1
    for i in range(choose(1, 3) if timed else choose(2, 4) if liveness else choose(1, 4)):
        vname = f"v{i}"
        kind = ("bool", "int", "enum")[choose(0, 2)]
        if kind == "int":
            lo = choose(-2, 1)
            hi = lo + choose(1, 3)
            if size * (hi - lo + 1) > cap:
                kind = "bool"
        elif kind == "enum":
            n = choose(2, 4)
            if size * n > cap:
                kind = "bool"
        if kind == "bool":
            init = bool(choose(0, 1))
            ref = m.bool(vname, init)
            g.vars.append(_Var(vname, "bool", ref, 0, 1, None, int(init)))
            lines.append(f"{vname} = m.bool({vname!r}, {init!r})")
            size *= 2
        elif kind == "int":
            init = choose(lo, hi)
            ref = m.int(vname, lo, hi, init)
            g.vars.append(_Var(vname, "int", ref, lo, hi, None, init))
            lines.append(f"{vname} = m.int({vname!r}, {lo}, {hi}, {init})")
            size *= hi - lo + 1
        else:
            cls = ENUMS[n]
            init = cls(choose(0, n - 1))
            ref = m.enum(vname, cls, init)
            g.vars.append(_Var(vname, "enum", ref, 0, n - 1, cls, int(init)))
            lines.append(f"{vname} = m.enum({vname!r}, {cls.__name__}, {cls.__name__}.{init.name})")
            size *= n
    base_vars = list(g.vars)

    # A system that may stop: ``stopped`` (set by the action ``stop``) disables every step, every
    # wait and every urgent condition, so a stopped state is terminal and (timed) quiescent: time
    # passes idly there, as for a stopped service.  It is not in g.vars: nothing un-stops.
    stop: Optional[P] = None
    if liveness and choose(0, 2) == 0:
        m.bool("stopped", False)
        lines.append("stopped = m.bool('stopped', False)")
        stop = P(~m["stopped"], "~stopped")

    def running(cond: P) -> P:
        """``cond``, and not stopped (when the system may stop)."""
        if stop is None:
            return cond
        return P(all_of(stop.e, cond.e), f"all_of({stop.s}, {cond.s})")

    clock: Optional[Clock] = None
    timers: list[_Var] = []
    if timed:
        # Countdown timers (work in progress): 0..hi, run down by the tick while a condition holds;
        # ordinary int variables otherwise, so guards, updates and goals may read and restart them.
        clock = Clock(m, 1)
        lines.append("clock = Clock(m, 1)")
        for i in range(choose(0, 2)):
            tname = f"t{i}"
            hi = choose(1, 2)
            init = choose(0, hi)
            ref = m.int(tname, 0, hi, init, unit=1)
            lines.append(f"{tname} = m.int({tname!r}, 0, {hi}, {init}, unit=1)")
            t = _Var(tname, "int", ref, 0, hi, None, init)
            g.vars.append(t)
            g.timers.add(tname)
            timers.append(t)
            cond = running(_const(True) if choose(0, 2) == 0 else g.bool_atom())  # timer-free
            clock.countdown(ref, cond.e)
            lines.append(f"clock.countdown({tname}, {cond.s})")
        g.timer_atoms = True

    def declare(aname: str, guard: P, update: dict, args: dict, process: str, duration: int,
                fair: bool = True) -> None:
        guard = running(guard)
        m.action(aname, process, guard.e, {k: x.e for k, x in update.items()}, args=args, duration=duration,
                 fair=fair)
        upd = "{" + ", ".join(f"{k}: {x.s}" for k, x in update.items()) + "}"
        extra = (f", args={args!r}" if args else "") + (f", duration={duration}" if duration else "")
        extra += "" if fair else ", fair=False"
        lines.append(f"m.action({aname!r}, {process!r}, {guard.s}, {upd}{extra})")

    within = 0  # Within(...) timings drawn (each adds a timer variable)

    def time_it(aname: str, timing: int, reactive: bool) -> None:
        """Register the last declared action's timing with the clock (``timing`` is 0..5).

        A *reactive* step (it moves one variable one step, or restarts a timer) is AT_ONCE
        (its guard is urgent) for 0-1, ANY_TIME for 2-3 and 5, Within(1..2 s) for 4 (a
        deadline timer; one per system).  Any other step is AT_ONCE only for 0: urgent
        random guards that stay true lock time far too often to be interesting.
        """
        nonlocal within
        if timing == 4 and within == 0 and not aname.startswith("f"):
            within += 1
            secs = choose(1, 2)
            clock.timing(aname, m.actions[-1].guard, Within(secs))
            lines.append(f"clock.timing({aname!r}, m.actions[-1].guard, Within({secs}))")
        elif timing == 0 or (reactive and timing == 1):
            clock.urgent(m.actions[-1])
            lines.append("clock.urgent(m.actions[-1])")

    for a in range(choose(2, 6) if temporal else choose(1, 5) if choose(0, 3) == 0 else choose(2, 5)):
        process = PROCESSES[choose(0, len(PROCESSES) - 1)]
        # Timed: mostly zero-time steps; the tick is the clock's time step.
        duration = int(choose(0, 5) == 0) if timed else choose(0, 1)
        fair = not (liveness and choose(0, 3) == 0)
        timing = choose(0, 5) if timed else None
        if choose(0, 3) == 0:
            # A family: one guard/update shape, members differ by the constant i.
            base = g.bool_expr(1)
            ints = g.of("int")
            sel_var = g.pick(ints) if ints else None
            op = choose(0, 2)
            for i in range(choose(2, 3)):
                if sel_var is None:
                    guard = base
                elif op == 0:
                    guard = P(all_of(base.e, sel_var.ref != i), f"all_of({base.s}, {sel_var.name} != {i})")
                elif op == 1:
                    guard = P(all_of(base.e, sel_var.ref >= i), f"all_of({base.s}, {sel_var.name} >= {i})")
                else:
                    guard = P(any_of(base.e, sel_var.ref == i), f"any_of({base.s}, {sel_var.name} == {i})")
                declare(f"f{a}", guard, g.update(shift=i), {"i": i}, process, duration, fair)
                if timed:
                    time_it(f"f{a}", timing, False)
        elif choose(0, 3):
            guard, update = g.step_action()
            declare(f"a{a}", guard, update, {}, process, duration, fair)
            if timed:
                time_it(f"a{a}", timing, not _is_const(guard))  # an urgent wrap-around never stops
        else:
            shape = choose(0, 3)
            guard = _const(True) if shape == 0 else g.bool_atom() if shape == 1 else g.bool_expr(2)
            declare(f"a{a}", guard, g.update(), {}, process, duration, fair)
            if timed:
                time_it(f"a{a}", timing, False)

    for t in timers:
        # Usually some step restarts the timer when it ran out, and often another reacts to the timeout.
        if choose(0, 3):
            atom = g.bool_atom() if choose(0, 1) else None
            guard = P(t.ref == 0, f"({t.name} == 0)") if atom is None else \
                P(all_of(t.ref == 0, atom.e), f"all_of({t.name} == 0, {atom.s})")
            update = {t.name: _const(t.hi)}
            others = [v for v in base_vars if choose(0, 2) == 0]
            update.update({v.name: g.value_for(v) for v in others})
            declare(f"start_{t.name}", guard, update, {}, PROCESSES[choose(0, len(PROCESSES) - 1)], 0,
                    not (liveness and choose(0, 3) == 0))
            time_it(f"start_{t.name}", choose(0, 5), True)
        if choose(0, 1):
            atom = g.bool_atom() if choose(0, 1) else None
            guard = P(t.ref == 0, f"({t.name} == 0)") if atom is None else \
                P(all_of(t.ref == 0, atom.e), f"all_of({t.name} == 0, {atom.s})")
            v = g.pick(base_vars)
            if choose(0, 3):
                # The reaction disables itself: it moves v away from the value its guard asks for.
                value = choose(v.lo, v.hi)
                val = _const(bool(value) if v.kind == "bool" else value, v.enum)
                new = v.lo + (value - v.lo + choose(1, v.hi - v.lo)) % (v.hi - v.lo + 1)
                nval = _const(bool(new) if v.kind == "bool" else new, v.enum)
                guard = P(all_of(guard.e, v.ref == val.e), f"all_of({guard.s}, {v.name} == {val.s})")
                update = {v.name: nval}
            else:
                update = {v.name: g.value_for(v)}
            declare(f"timeout_{t.name}", guard, update, {}, PROCESSES[choose(0, len(PROCESSES) - 1)], 0,
                    not (liveness and choose(0, 3) == 0))
            time_it(f"timeout_{t.name}", choose(0, 5), True)

    if stop is not None:
        atom = g.bool_atom() if choose(0, 1) else _const(True)
        declare("stop", atom, {"stopped": _const(True)}, {}, PROCESSES[choose(0, len(PROCESSES) - 1)], 0,
                not (liveness and choose(0, 3) == 0))
        if timed:
            time_it("stop", choose(0, 5), True)

    if liveness:
        for proc in list(m.processes):
            if choose(0, 3) == 0:
                m.environment_process(proc)
                lines.append(f"m.environment_process({proc!r})")

    if timed:
        for _ in range(choose(0, 2)):
            # (was: clock.waits(cond); time now passes wherever nothing urgent is enabled, but the
            # draw is kept so that every seed still builds the system it built before)
            running(g.literal() if choose(0, 1) else g.bool_atom())
        if choose(0, 3) == 0:
            # An urgent condition no step is tied to: where it holds and no step makes it false
            # in zero time, time is locked.
            cond = g.literal()
            if choose(0, 1):
                other = g.literal()
                cond = P(all_of(cond.e, other.e), f"all_of({cond.s}, {other.s})")
            cond = running(cond)
            clock.urgent(cond.e)
            lines.append(f"clock.urgent({cond.s})")
        if choose(0, 3) == 0:
            # (was: an extra update on the tick; the tick only moves timers now, the draw is kept)
            g.value_for(g.pick(base_vars))
        # A guard on the tick: where something waits but the tick is blocked, time cannot pass.
        tick_guard = None
        if choose(0, 4) == 0:
            lit = g.literal()
            tick_guard = P(not_(lit.e), f"not_({lit.s})")
        clock.tick(guard=() if tick_guard is None else tick_guard.e)
        lines.append("clock.tick(" + ("" if tick_guard is None else f"guard={tick_guard.s}") + ")")

    goals, glines = [], []
    if liveness:
        for k in range(choose(1, 2)):
            trigger, goal, hold = g.leads_to()
            goals.append(Goal(f"lt{k}", (), leads_to=LeadsTo(lift(trigger.e), lift(goal.e), lift(hold.e))))
            glines.append(f"    Goal('lt{k}', (), leads_to=LeadsTo(lift({trigger.s}), lift({goal.s}), "
                          f"lift({hold.s}))),")
    if timed:
        goals.append(Goal("time_can_advance", (), time_lock=True))
        glines.append("    Goal('time_can_advance', (), time_lock=True),")
    if not temporal:
        for k in range(choose(1, 2)):
            if choose(0, 3) == 0:
                inv = g.bool_expr(2)
            else:
                # "this combination of values is never reached": tends to give deeper violations.
                # Usually at least one literal is false initially, so the violation needs some steps.
                lits = []
                chosen = [v for v in g.vars if choose(0, 1)] or [g.pick(g.vars)]
                away = g.pick(chosen) if choose(0, 7) else None
                for v in chosen:
                    if v is away:
                        init = int(m.variable(v.name).init)
                        value = v.lo + (init - v.lo + choose(1, v.hi - v.lo)) % (v.hi - v.lo + 1)
                    else:
                        value = choose(v.lo, v.hi)
                    val = _const(bool(value) if v.kind == "bool" else value, v.enum)
                    lits.append(P(v.ref == val.e, f"({v.name} == {val.s})"))
                inv = P(not_(all_of(*[x.e for x in lits])), "not_(all_of(" + ", ".join(x.s for x in lits) + "))")
            goals.append(Goal(f"inv{k}", (), inv.e))
            glines.append(f"    Goal('inv{k}', (), lift({inv.s})),")
    lines += ["goals = ["] + glines + ["]"]
    return RandomSystem(m, goals, "\n".join(lines) + "\n", g.oob, lines)


def from_seed(seed: int, allow_oob: bool = False, liveness: bool = False, timed: bool = False) -> RandomSystem:
    """The system drawn by ``random.Random(seed)``."""
    return random_system(random.Random(seed).randint, allow_oob=allow_oob, name=f"rand{seed}", liveness=liveness,
                         timed=timed)


__all__ = ["Chooser", "E2", "E3", "E4", "LIVE_STATES", "MAX_STATES", "RandomSystem", "TIMED_STATES", "from_seed",
           "random_system"]
