"""Bounded model checking with Z3, deepening one step at a time.

One incremental solver holds the unrolled transition relation; each depth k
adds the step k-1 -> k and asks, under one assumption literal per open goal,
whether the goal can be violated at step k.  The first depth that answers sat
gives a shortest counterexample; the action taken at each step is read back
from one indicator literal per (step, action).  If no path of length k exists
at all, every reachable state has already been checked and the remaining
properties are proved.  Anything other than sat/unsat is reported as
``unknown`` with the solver's reason -- never as "no counterexample".

The three goal kinds (properties/result.py), with the semantics of
model/lang/temporal.py:

``invariant``
    the invariant is false in state k.
``leads_to`` (``trigger ~> goal`` while ``hold``)
    a fair lasso of k steps: a monitor ``p_m = p_{m-1} or trigger(s_m)``, ``p_k``
    true, the goal false in every state from the trigger on, and either a loop
    back to some ``j < k`` with ``s_j == s_k`` whose states all satisfy ``hold``
    and not the goal, in which every fair process moves, or is unable to move (no
    fair action enabled) in some state, and (timed models) time progresses; or a
    stutter at k (``hold``, no fair process able to move, quiescent if timed).
    No path of length k at all: every run ends in a stutter already examined,
    so the property is proved.
``time_lock``
    a branching property BMC cannot decide alone: state k where time cannot pass
    now is a *candidate*, confirmed or refuted by exploring its zero-time closure
    (:func:`~scmcheck.model.lang.temporal.lets_time_pass`).  A refuted candidate
    (and the states of its explored closure that reach a state where time
    passes) is blocked at every depth; after :data:`MAX_REFUTED` refutations, or
    a closure larger than its budget, the verdict is ``unknown``.  So a
    time-lock verdict is either confirmed explicitly, or unknown/bounded/proved
    with every candidate refuted -- never contradicting the explicit engine.

``timeout`` is one budget for the whole run: every solver call is given what is
left of it, and the checks between calls (the candidate loop, the closures,
the lasso encodings) stop as soon as it is spent; the goals still open are then
``unknown`` ("timeout of T s reached at depth k").

Integers and enums are signed bit-vectors of one width, chosen by interval
analysis so no sub-expression can overflow (the QF_FD solver is 10-100x faster
than the default one here, and it does not take EnumSort).
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any, Optional, Sequence

import z3

from scmcheck.model.lang.expr import compile_python, to_z3
from scmcheck.model.lang.temporal import fair_processes, lets_time_pass

from ..result import Goal, Result, Verdict
from .common import Progress, Ticker, checked_trace

NAME = "bmc"
DEFAULT_DEPTH = 30
MAX_REFUTED = 64  # time-lock candidates refuted before BMC gives up with "unknown"
CLOSURE_BUDGET = 100_000  # states of one candidate's zero-time closure explored to confirm or refute it
_Z3_MAX_TIMEOUT_MS = 2**32 - 2  # z3's timeout is an unsigned int of milliseconds (UINT_MAX: none)


class _Timeout(Exception):
    """The run's time budget is spent (raised from anywhere inside one depth)."""


class _Deadline:
    """One wall-clock deadline for the whole run; ``None`` or an infinite timeout: no limit."""

    def __init__(self, timeout: Optional[float]) -> None:
        self.timeout = timeout
        self.end = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout

    def check(self) -> None:
        """Raise :class:`_Timeout` once the deadline has passed."""
        if self.end is not None and time.monotonic() >= self.end:
            raise _Timeout

    def solve(self, solver: Any, *assumptions: Any) -> Any:
        """``solver.check(*assumptions)`` within the time left; :class:`_Timeout` when none is left or
        the solver ran out of it."""
        if self.end is None:
            return solver.check(*assumptions)
        left = self.end - time.monotonic()
        if left <= 0:
            raise _Timeout
        # z3's timeout is read at each check, so it must be set again before every one.
        solver.set("timeout", min(max(1, math.ceil(left * 1000)), _Z3_MAX_TIMEOUT_MS))
        r = solver.check(*assumptions)
        if r == z3.unknown and (time.monotonic() >= self.end or solver.reason_unknown() in ("timeout", "canceled")):
            raise _Timeout
        return r


def _const(value: Any, var: Any, width: int) -> Any:
    """``value`` of variable ``var`` as a Z3 term (a bit-vector of ``width`` for ints and enums)."""
    return z3.BoolVal(value) if var.kind == "bool" else z3.BitVecVal(int(value), width)


class _Unrolling:
    """The unrolled system: state terms per step, indicator literals per step."""

    def __init__(self, system: Any, width: int, deadline: _Deadline, initial: bool = True) -> None:
        """``initial=False``: state 0 is any state in the variables' ranges (k-induction's step case)."""
        self.system = system
        self.width = width
        self.solver = z3.SolverFor("QF_FD")
        self.deadline = deadline
        self.states: list[list[Any]] = []
        self.chosen: list[list[Any]] = []  # chosen[k][a]: action a taken from step k to k+1
        self.fair = fair_processes(system)
        # A process is able to move when one of its *fair* actions is enabled (temporal.enabled_processes).
        self.fair_actions = {p: [a for a in system.actions if a.process == p and a.fair] for p in system.processes}
        self._preds: dict[tuple, Any] = {}
        self._fair_loop: dict[tuple[int, int], Any] = {}
        self._fair_stop: dict[int, Any] = {}
        self.add_state()
        if not initial:
            self.solver.add(self.domain(0))
            return
        for term, var in zip(self.states[0], system.variables):
            self.solver.add(term == self.const(var.init, var))

    def const(self, value: Any, var: Any) -> Any:
        return _const(value, var, self.width)

    def add_state(self) -> list[Any]:
        k = len(self.states)
        terms = [z3.Bool(f"{v.name}@{k}") if v.kind == "bool" else z3.BitVec(f"{v.name}@{k}", self.width)
                 for v in self.system.variables]
        self.states.append(terms)
        return terms

    def domain(self, k: int) -> Any:
        cons = []
        for term, var in zip(self.states[k], self.system.variables):
            if var.kind != "bool":
                cons += [term >= self.const(var.lo, var), term <= self.const(var.hi, var)]
        return z3.And(cons) if cons else z3.BoolVal(True)

    def extend(self) -> None:
        """Add step k-1 -> k: exactly one action is taken, its guard holds, its update is applied."""
        prev = self.states[-1]
        cur = self.add_state()
        k = len(self.states) - 1
        # Internal literals are named "#...": no variable name can start with "#" (system._NAME),
        # so they can never alias a state variable's term "name@k".
        sel = [z3.Bool(f"#take[{a.label}]@{k - 1}") for a in self.system.actions]
        self.chosen.append(sel)
        cache: dict = {}  # one translation of each shared sub-expression over state k-1
        for lit, act in zip(sel, self.system.actions):
            eqs = [to_z3(act.guard, prev, self.width, cache)]
            for var, old, new in zip(self.system.variables, prev, cur):
                e = act.update.get(var.name)
                eqs.append(new == (old if e is None else to_z3(e, prev, self.width, cache)))
            self.solver.add(z3.Implies(lit, z3.And(eqs)))
        self.solver.add(z3.PbEq([(lit, 1) for lit in sel], 1))

    # ------------------------------------------------------------ terms over the unrolling
    def pred(self, expr: Any, m: int) -> Any:
        """``expr`` in state m (cached: guards and goal predicates are asked for many loops)."""
        key = (id(expr), m)
        term = self._preds.get(key)
        if term is None:
            term = self._preds[key] = to_z3(expr, self.states[m], self.width)
        return term

    def same(self, j: int, k: int) -> Any:
        """States j and k are equal on every variable."""
        return z3.And([a == b for a, b in zip(self.states[j], self.states[k])])

    def is_state(self, m: int, state: tuple) -> Any:
        """State m is the concrete ``state``."""
        return z3.And([t == self.const(x, v) for t, x, v in zip(self.states[m], state, self.system.variables)])

    def unable(self, proc: str, m: int) -> Any:
        """``proc`` is unable to move in state m: none of its fair actions is enabled."""
        return z3.And([z3.Not(self.pred(a.guard, m)) for a in self.fair_actions[proc]])

    def moved(self, proc: str, m: int) -> Any:
        """Step m (state m -> m+1) is an action of ``proc``."""
        return z3.Or([lit for lit, a in zip(self.chosen[m], self.system.actions) if a.process == proc])

    def time_step(self, m: int) -> Any:
        """Step m lets time pass (an action with duration > 0)."""
        return z3.Or([lit for lit, a in zip(self.chosen[m], self.system.actions) if a.duration > 0])

    def fair_loop(self, j: int, k: int) -> Any:
        """A literal implying that the loop s_j -> ... -> s_k == s_j is a fair run (temporal.loop_unfairness):
        every fair process moves on some step of j..k-1 or is unable to move in some state of j..k-1, and in a
        timed model some step lets time pass or some state is quiescent."""
        lit = self._fair_loop.get((j, k))
        if lit is not None:
            return lit
        solver, timed = self.solver, self.system.timed
        # One-directional accumulators acc(i) -> "somewhere in i..k-1", built for every i < k at once
        # (query asks for every loop start).  Used positively only, so implications suffice.
        for i in range(k - 1, -1, -1):
            if (i, k) in self._fair_loop:
                continue
            self.deadline.check()
            conds = [self.same(i, k)]
            for p in self.fair:
                acc = z3.Bool(f"#fair[{p}]@{i}..{k}")
                here = z3.Or(self.moved(p, i), self.unable(p, i))
                later = z3.Bool(f"#fair[{p}]@{i + 1}..{k}") if i + 1 < k else z3.BoolVal(False)
                solver.add(z3.Implies(acc, z3.Or(here, later)))
                conds.append(acc)
            if timed:
                acc = z3.Bool(f"#time@{i}..{k}")
                here = z3.Or(self.time_step(i), self.pred(self.system.quiescent, i))
                later = z3.Bool(f"#time@{i + 1}..{k}") if i + 1 < k else z3.BoolVal(False)
                solver.add(z3.Implies(acc, z3.Or(here, later)))
                conds.append(acc)
            loop = z3.Bool(f"#fairloop@{i}..{k}")
            solver.add(z3.Implies(loop, z3.And(conds)))
            self._fair_loop[(i, k)] = loop
        return self._fair_loop[(j, k)]

    def fair_stop(self, k: int) -> Any:
        """A literal implying that a fair run may stutter in state k forever (temporal.stutter_ok)."""
        lit = self._fair_stop.get(k)
        if lit is None:
            lit = self._fair_stop[k] = z3.Bool(f"#fairstop@{k}")
            conds = [self.unable(p, k) for p in self.fair]
            if self.system.timed:
                conds.append(self.pred(self.system.quiescent, k))
            self.solver.add(z3.Implies(lit, z3.And(conds)))
        return lit

    # ------------------------------------------------------------ reading a model
    def value(self, model: Any, term: Any, var: Any) -> Any:
        v = model.eval(term, model_completion=True)
        return z3.is_true(v) if var.kind == "bool" else v.as_signed_long()

    def path(self, model: Any, k: int) -> tuple[list, list]:
        states = [tuple(self.value(model, t, v) for t, v in zip(self.states[j], self.system.variables))
                  for j in range(k + 1)]
        actions = []
        for j in range(k):
            taken = [a for lit, a in zip(self.chosen[j], self.system.actions) if z3.is_true(model.eval(lit, model_completion=True))]
            actions.append(taken[0])
        return actions, states


class _Lasso:
    """The encoding of one leads-to goal: the trigger monitor and the goal's loop conditions."""

    def __init__(self, unroll: _Unrolling, goal: Goal, tag: str) -> None:
        self.unroll, self.lt, self.tag = unroll, goal.leads_to, tag
        # pending[m]: some trigger state i <= m has had no goal state in i..m since -- "from ANY trigger
        # state" (model/lang/temporal.py), not only the first: a trigger answered earlier and raised
        # again later is a new obligation.
        self.pending: list[Any] = []

    def define(self, k: int) -> None:
        """Define the monitor up to state k (definitional: constrains no path)."""
        u, solver = self.unroll, self.unroll.solver
        for m in range(len(self.pending), k + 1):
            p = z3.Bool(f"#pending[{self.tag}]@{m}")
            prev = self.pending[m - 1] if m else z3.BoolVal(False)
            solver.add(p == z3.And(z3.Not(u.pred(self.lt.goal, m)), z3.Or(prev, u.pred(self.lt.trigger, m))))
            self.pending.append(p)

    def query(self, k: int) -> tuple[Any, list[tuple[int, Any]]]:
        """The assumption literal for "a fair lasso of k steps", and (loop index, literal) per way to close it."""
        u, solver, lt = self.unroll, self.unroll.solver, self.lt
        self.define(k)
        ways: list[tuple[int, Any]] = []
        # The loop's states must all satisfy hold and not the goal: acc(j) -> for every state in j..k.
        stays = z3.Bool(f"#stays[{self.tag}]@{k}..{k}")
        solver.add(z3.Implies(stays, z3.And(u.pred(lt.hold, k), z3.Not(u.pred(lt.goal, k)))))
        stutter = z3.Bool(f"#stutter[{self.tag}]@{k}")
        solver.add(z3.Implies(stutter, z3.And(stays, u.fair_stop(k))))
        for j in range(k - 1, -1, -1):
            u.deadline.check()
            acc = z3.Bool(f"#stays[{self.tag}]@{j}..{k}")
            solver.add(z3.Implies(acc, z3.And(stays, u.pred(lt.hold, j), z3.Not(u.pred(lt.goal, j)))))
            stays = acc
            loop = z3.Bool(f"#loop[{self.tag}]@{j}..{k}")
            solver.add(z3.Implies(loop, z3.And(acc, u.fair_loop(j, k))))
            ways.append((j, loop))
        ways.reverse()
        ways.append((k, stutter))
        lit = z3.Bool(f"#lasso[{self.tag}]@{k}")
        solver.add(z3.Implies(lit, z3.And(self.pending[k], z3.Or([w for _, w in ways]))))
        return lit, ways


class _TimeLocks:
    """The candidate search of one time-lock goal: refuted candidates are blocked at every depth."""

    def __init__(self, unroll: _Unrolling, tag: str, budget: int) -> None:
        self.unroll, self.tag, self.budget = unroll, tag, budget
        self.blocked: list[tuple] = []
        self._blocked: set[tuple] = set()
        self.refuted = 0

    def query(self, k: int) -> Any:
        u = self.unroll
        lit = z3.Bool(f"#timelock[{self.tag}]@{k}")
        u.solver.add(z3.Implies(lit, z3.Not(u.pred(u.system.time_passes, k))))
        for s in self.blocked:
            u.solver.add(z3.Implies(lit, z3.Not(u.is_state(k, s))))
        return lit

    def refute(self, state: tuple, lit: Any, k: int) -> None:
        """Block ``state`` (which lets time pass) and the states of its zero-time closure known to
        reach a state where time passes, at depth k (under ``lit``) and every later depth."""
        self.refuted += 1
        u = self.unroll
        for s in [state, *_reach_time(u.system, state, self.budget, u.deadline)]:
            # A state where time passes is never a candidate: no need to block it.
            if s not in self._blocked and not u.system.time_passes_fn(s):
                self._blocked.add(s)
                self.blocked.append(s)
                u.solver.add(z3.Implies(lit, z3.Not(u.is_state(k, s))))


def _reach_time(system: Any, state: tuple, budget: int, deadline: _Deadline) -> list[tuple]:
    """States of ``state``'s zero-time closure (explored breadth-first, at most ``budget`` states, not
    beyond states where time may pass) from which such a state is reached through zero-time steps
    within the explored part: none of them is a time-lock."""
    preds: dict[tuple, list[tuple]] = {state: []}
    queue = deque([state])
    passing = []
    while queue:
        if len(preds) % 256 == 0:
            deadline.check()
        s = queue.popleft()
        if system.time_passes_fn(s):
            passing.append(s)
            continue
        for act in system.actions:
            if act.duration > 0 or not act.fair or not act.enabled(s):  # temporal.lets_time_pass
                continue
            t = act.apply(s)
            if t in preds:
                preds[t].append(s)
            elif len(preds) < budget:
                preds[t] = [s]
                queue.append(t)
    out, todo = set(passing), list(passing)
    while todo:
        for p in preds[todo.pop()]:
            if p not in out:
                out.add(p)
                todo.append(p)
    return list(out)


def _width(system: Any, goals: Sequence[Goal]) -> int:
    exprs = []
    for g in goals:
        if g.kind == "leads_to":
            exprs += [g.leads_to.trigger, g.leads_to.goal, g.leads_to.hold]
        elif g.kind == "invariant":
            exprs.append(g.invariant)
    if system.timed:
        exprs += [system.time_passes, system.quiescent]
    # +2 bits: one for the sign, one spare so that a comparison of two extreme values cannot wrap.
    return max(4, system.max_magnitude(exprs).bit_length() + 2)


def _result(g: Goal, verdict: Verdict, k: int, tick: Ticker, trace: Any = None, reason: str = "") -> Result:
    return Result(g.id, g.rules, NAME, verdict, k, None, tick.elapsed(), trace, reason=reason, kind=g.kind)


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, timeout: Optional[float] = None,
        progress: Progress = None, closure_budget: int = CLOSURE_BUDGET) -> list[Result]:
    """Check every goal up to ``depth`` steps; see the module docstring for the verdicts.

    ``timeout``: seconds for the whole run (``None`` or ``math.inf``: no limit); the goals
    still open when it is spent are ``unknown``.  ``closure_budget`` bounds the zero-time
    closure explored to confirm or refute one time-lock candidate (temporal.lets_time_pass's
    budget).
    """
    system.freeze()
    tick = Ticker(NAME, progress, every=0.0)
    unroll = _Unrolling(system, _width(system, goals), _Deadline(timeout))
    results: dict[int, Result] = {}
    open_ = []
    # The goal index keeps two goals with the same id apart.
    lassos: dict[int, _Lasso] = {}
    locks: dict[int, _TimeLocks] = {}
    for i, g in enumerate(goals):
        if g.kind == "time_lock" and not system.timed:
            results[i] = _result(g, Verdict.UNKNOWN, 0, tick, reason="the model has no clock: time-locks are "
                                 "only defined for timed models")
            continue
        if g.kind == "leads_to":
            lassos[i] = _Lasso(unroll, g, f"{i}:{g.id}")
        elif g.kind == "time_lock":
            locks[i] = _TimeLocks(unroll, f"{i}:{g.id}", closure_budget)
        open_.append(i)
    oob = in_range_unproved(system, unroll.width, unroll.deadline)
    per_depth: list[float] = []
    k = 0
    while True:
        t0 = time.monotonic()
        try:
            open_ = _depth(unroll, goals, open_, k, results, lassos, locks, oob, tick)
        except _Timeout:
            # Goals decided at depth k before the deadline keep their verdict.
            for i in (i for i in open_ if i not in results):
                g = goals[i]
                done = "" if k == 0 else "; " + _bounded(g, k - 1, locks.get(i))
                results[i] = _result(g, Verdict.UNKNOWN, k - 1 if k else None, tick,
                                     reason=f"timeout of {timeout:g} s reached at depth {k}{done}")
                results[i].extra["timed_out"] = True
            open_ = []
            break
        per_depth.append(time.monotonic() - t0)
        if progress is not None:
            tick(depth=k, open=len(open_), depth_seconds=per_depth[-1])
        if not open_ or k >= depth:
            break
        k += 1
    for i in open_:
        g = goals[i]
        results[i] = _result(g, Verdict.BOUNDED, k, tick, reason=_bounded(g, k, locks.get(i)))
    out = [results[i] for i in range(len(goals))]
    for i, r in enumerate(out):
        r.extra["depth_seconds"] = per_depth
        if i in locks:
            r.extra["refuted_candidates"] = locks[i].refuted
    return out


def _depth(unroll: _Unrolling, goals: Sequence[Goal], open_: list[int], k: int, results: dict,
           lassos: dict, locks: dict, oob: Any, tick: Ticker) -> list[int]:
    """Depth k: extend the unrolling to k steps and ask every open goal; returns the goals still open.
    Raises :class:`_Timeout` when the deadline passes (the goals decided so far are in ``results``)."""
    system, solver, deadline = unroll.system, unroll.solver, unroll.deadline
    open_ = list(open_)
    deadline.check()
    if k > 0:
        unroll.extend()
        if oob:
            _check_bounds(unroll, k)
        solver.add(unroll.domain(k))
        # Completeness: if no path of length k exists, every reachable state was seen at depth < k
        # (so every run ends in a stutter already examined, and every time-lock candidate was refuted).
        r = deadline.solve(solver)
        if r == z3.unsat:
            for i in open_:
                results[i] = _result(goals[i], Verdict.PROVED, k - 1, tick, reason=_proved(goals[i], k - 1, locks.get(i)))
            return []
        if r != z3.sat:
            _unknown(goals, open_, results, k, tick, solver.reason_unknown())
            return []
    # Invariants: their "bad at step k" literals, and one query for all of them first -- at most depths
    # none is violated, and one unsat answer then replaces a solver call per goal.
    bad = {}
    for i in open_:
        if goals[i].kind == "invariant":
            bad[i] = z3.Bool(f"#bad[{i}:{goals[i].id}]@{k}")
            solver.add(z3.Implies(bad[i], z3.Not(unroll.pred(goals[i].invariant, k))))
    if len(bad) > 1:
        any_bad = z3.Bool(f"#anybad@{k}")
        solver.add(z3.Implies(any_bad, z3.Or(list(bad.values()))))
        if deadline.solve(solver, any_bad) == z3.unsat:
            bad_free = set(bad)
        else:
            bad_free = set()
    else:
        bad_free = set()
    for i in list(open_):
        g = goals[i]
        if i in bad_free:
            continue  # no invariant is violated at depth k (the batched query above)
        if g.kind == "time_lock":
            r = _time_lock_step(system, g, locks[i], k, results, i, tick)
        else:
            if g.kind == "leads_to":
                lit, ways = lassos[i].query(k)
            else:
                lit, ways = bad[i], None
            r = deadline.solve(solver, lit)
            if r == z3.sat:
                model = solver.model()
                actions, states = unroll.path(model, k)
                # A lasso: the state the run returns to (k: it stutters in its last state).
                loop = None if ways is None else \
                    next(j for j, w in ways if z3.is_true(model.eval(w, model_completion=True)))
                trace = checked_trace(system, g, NAME, actions, states, loop=loop)
                results[i] = _result(g, Verdict.VIOLATED, k, tick, trace,
                                     reason="" if loop is None else _lasso_reason(g, states, loop))
        if i in results:
            open_.remove(i)
        elif r != z3.unsat:
            _unknown(goals, [i], results, k, tick, solver.reason_unknown())
            open_.remove(i)
    return open_


def _time_lock_step(system: Any, g: Goal, tl: _TimeLocks, k: int, results: dict, i: int, tick: Ticker) -> Any:
    """Look for time-lock candidates at depth k until one is confirmed, none is left (unsat), or BMC
    gives up; the verdict, if any, goes to ``results[i]``.  Returns the solver's last answer."""
    unroll = tl.unroll
    solver = unroll.solver
    lit = tl.query(k)
    while True:
        r = unroll.deadline.solve(solver, lit)
        if r != z3.sat:
            return r
        actions, states = unroll.path(solver.model(), k)
        cand = states[-1]
        if tl.refuted >= MAX_REFUTED:
            results[i] = _result(g, Verdict.UNKNOWN, k, tick, reason=(
                f"BMC can only propose time-lock candidates; {tl.refuted} were refuted (time passes after some "
                f"zero-time steps from each), the limit of {MAX_REFUTED} is reached and another candidate was "
                f"found at depth {k}; the explicit engine decides this property"))
            return r
        lets = lets_time_pass(system, cand, tl.budget)
        if lets is False:
            trace = checked_trace(system, g, NAME, actions, states)
            results[i] = _result(g, Verdict.VIOLATED, k, tick, trace, reason=(
                f"time-lock confirmed: from the last state no sequence of zero-time steps reaches a state "
                f"where time may pass ({tl.refuted} candidates refuted before)"))
            return r
        if lets is None:
            results[i] = _result(g, Verdict.UNKNOWN, k, tick, reason=(
                f"BMC can only propose time-lock candidates; {tl.refuted} were refuted, and the zero-time "
                f"closure of the one at depth {k} has more than {tl.budget:,} states, so it was neither "
                f"confirmed nor refuted; the explicit engine decides this property"))
            return r
        tl.refute(cand, lit, k)


def _lasso_reason(g: Goal, states: list, loop: int) -> str:
    trig, goal = compile_python(g.leads_to.trigger), compile_python(g.leads_to.goal)
    # the trigger state the goal never answers: the first trigger after the last goal state
    last_goal = max((m for m, s in enumerate(states) if goal(s)), default=-1)
    first = next(m for m, s in enumerate(states) if m > last_goal and trig(s))
    k = len(states) - 1
    end = "then stays there forever (no fair thread can move)" if loop == k else \
        f"then repeats the last {k - loop} steps forever (a fair loop)"
    return f"the trigger holds after {first} steps; the goal never follows: the run goes on to step {k}, {end}"


def _proved(g: Goal, k: int, tl: Optional[_TimeLocks]) -> str:
    if g.kind == "leads_to":
        return f"no path longer than {k} steps exists; every run ends in a stutter, and none is a fair counterexample"
    if g.kind == "time_lock":
        return (f"no path longer than {k} steps exists; every reachable state where time cannot pass now was "
                f"refuted as a time-lock (time passes after some zero-time steps; {tl.refuted} candidates, "
                "each with the states of its zero-time closure)")
    return f"no path longer than {k} steps exists; every reachable state was checked"


def _bounded(g: Goal, k: int, tl: Optional[_TimeLocks]) -> str:
    if g.kind == "leads_to":
        return f"no fair lasso of at most {k} steps"
    if g.kind == "time_lock":
        return (f"no time-lock within {k} steps: every state found where time cannot pass now was refuted "
                f"(time passes after some zero-time steps; {tl.refuted} candidates, each with the states of its "
                "zero-time closure)")
    return f"no violation in any run of at most {k} steps"


def _unknown(goals: Sequence[Goal], which: Sequence[int], results: dict, k: int, tick: Ticker, why: str) -> None:
    for i in which:
        g = goals[i]
        results[i] = _result(g, Verdict.UNKNOWN, k, tick, reason=f"solver answered unknown at depth {k}: {why}")


IN_RANGE_QUERY_S = 1.0  # at most this long for in_range_unproved's one query


def in_range_unproved(system: Any, width: int, deadline: Optional[_Deadline] = None) -> list:
    """The (action, variable) updates that may leave the variable's range, unless one query shows that
    none can from any state inside the ranges (then []: the per-depth check is not needed).  Interval
    analysis alone cannot see, e.g., that a countdown never passes 0 because time stops there.  The
    query gets at most :data:`IN_RANGE_QUERY_S` seconds (and never beyond ``deadline``); if it does not
    answer, every risky update is kept."""
    risky = system.unchecked_updates()
    if not risky:
        return []
    s = z3.SolverFor("QF_FD")
    cur = [z3.Bool(f"{v.name}") if v.kind == "bool" else z3.BitVec(f"{v.name}", width) for v in system.variables]
    for t, v in zip(cur, system.variables):
        if v.kind != "bool":
            s.add(t >= _const(v.lo, v, width), t <= _const(v.hi, v, width))
    leaves = []
    for act, var in risky:
        new = to_z3(act.update[var.name], cur, width)
        leaves.append(z3.And(to_z3(act.guard, cur, width),
                             z3.Or(new < _const(var.lo, var, width), new > _const(var.hi, var, width))))
    s.add(z3.Or(leaves))
    budget = IN_RANGE_QUERY_S
    if deadline is not None and deadline.end is not None:
        budget = min(budget, deadline.end - time.monotonic())
    if budget <= 0:
        return risky
    s.set("timeout", max(1, int(budget * 1000)))
    return [] if s.check() == z3.unsat else risky


def _check_bounds(unroll: _Unrolling, k: int) -> None:
    """A step that takes a variable out of its range is a model bug, reported as such."""
    from scmcheck.model.lang.errors import ModelError

    solver = unroll.solver
    lit = z3.Bool(f"#oob@{k}")
    solver.add(z3.Implies(lit, z3.Not(unroll.domain(k))))
    if unroll.deadline.solve(solver, lit) == z3.sat:
        m = solver.model()
        actions, states = unroll.path(m, k)
        system = unroll.system
        bad = [f"{v.name}={x}" for v, x in zip(system.variables, states[-1]) if v.kind != "bool" and not v.lo <= x <= v.hi]
        raise ModelError(f"model {system.name}: action {actions[-1].label} sets {', '.join(bad)}, outside its range, "
                         f"after {k} steps; widen the range or saturate the update (min_/max_)")
