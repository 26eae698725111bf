"""Bounded model checking with Z3, deepening one step at a time.

One incremental solver holds the unrolled transition relation; each depth k
adds the step k-1 -> k and asks, under an assumption literal, whether an open
property can be false at step k.  The first depth that answers sat gives a
shortest counterexample; the action taken at each step is read back from one
indicator literal per (step, action).  If no path of length k exists at all,
every reachable state has already been checked and the remaining properties
are proved.  Anything other than sat/unsat is reported as ``unknown`` with the
solver's reason -- never as "no counterexample".

Integers and enums are signed bit-vectors of one width, chosen by interval
analysis so no sub-expression can overflow (the QF_FD solver is 10-100x faster
than the default one here, and it does not take EnumSort).
"""

from __future__ import annotations

import time
from typing import Any, Optional, Sequence

import z3

from scmcheck.model.lang.expr import to_z3

from ..result import Goal, Result, Verdict
from .common import Progress, Ticker, checked_trace

NAME = "bmc"
DEFAULT_DEPTH = 30


class _Unrolling:
    """The unrolled system: state terms per step, indicator literals per step."""

    def __init__(self, system: Any, width: int, timeout_ms: Optional[int]) -> None:
        self.system = system
        self.width = width
        self.solver = z3.SolverFor("QF_FD")
        if timeout_ms is not None:
            self.solver.set("timeout", max(1, timeout_ms))
        self.states: list[list[Any]] = []
        self.chosen: list[list[Any]] = []  # chosen[k][a]: action a taken from step k to k+1
        self.add_state()
        for term, var in zip(self.states[0], system.variables):
            self.solver.add(term == self.const(var.init, var))

    def const(self, value: Any, var: Any) -> Any:
        return z3.BoolVal(value) if var.kind == "bool" else z3.BitVecVal(int(value), self.width)

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
        for lit, act in zip(sel, self.system.actions):
            eqs = [to_z3(act.guard, prev, self.width)]
            for var, old, new in zip(self.system.variables, prev, cur):
                e = act.update.get(var.name)
                eqs.append(new == (old if e is None else to_z3(e, prev, self.width)))
            self.solver.add(z3.Implies(lit, z3.And(eqs)))
        self.solver.add(z3.PbEq([(lit, 1) for lit in sel], 1))

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


def _width(system: Any, goals: Sequence[Goal]) -> int:
    # +2 bits: one for the sign, one spare so that a comparison of two extreme values cannot wrap.
    return max(4, system.max_magnitude(g.invariant for g in goals).bit_length() + 2)


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, timeout: Optional[float] = None,
        progress: Progress = None) -> list[Result]:
    """Check every goal up to ``depth`` steps; see the module docstring for the verdicts."""
    system.freeze()
    tick = Ticker(NAME, progress, every=0.0)
    deadline = None if timeout is None else time.monotonic() + timeout
    unroll = _Unrolling(system, _width(system, goals), None if timeout is None else int(timeout * 1000))
    solver = unroll.solver
    results: dict[int, Result] = {}
    open_ = list(range(len(goals)))
    oob = system.unchecked_updates()
    per_depth: list[float] = []
    k = 0
    while True:
        t0 = time.monotonic()
        if k > 0:
            unroll.extend()
            if oob:
                _check_bounds(unroll, k)
            solver.add(unroll.domain(k))
            # Completeness: if no path of length k exists, every reachable state was seen at depth < k.
            r = solver.check()
            if r == z3.unsat:
                for i in open_:
                    g = goals[i]
                    results[i] = Result(g.id, g.rules, NAME, Verdict.PROVED, k - 1, None, tick.elapsed(),
                                        reason=f"no path longer than {k - 1} steps exists; every reachable state was checked")
                open_ = []
            elif r != z3.sat:
                _unknown(goals, open_, results, k, tick, solver.reason_unknown())
                open_ = []
        for i in list(open_):
            g = goals[i]
            # The goal index keeps two goals with the same id apart.
            lit = z3.Bool(f"#bad[{i}:{g.id}]@{k}")
            solver.add(z3.Implies(lit, z3.Not(to_z3(g.invariant, unroll.states[k], unroll.width))))
            r = solver.check(lit)
            if r == z3.sat:
                actions, states = unroll.path(solver.model(), k)
                trace = checked_trace(system, g, NAME, actions, states)
                results[i] = Result(g.id, g.rules, NAME, Verdict.VIOLATED, k, None, tick.elapsed(), trace)
                open_.remove(i)
            elif r != z3.unsat:
                _unknown(goals, [i], results, k, tick, solver.reason_unknown())
                open_.remove(i)
        per_depth.append(time.monotonic() - t0)
        if progress is not None:
            tick(depth=k, open=len(open_), depth_seconds=per_depth[-1])
        if not open_ or k >= depth:
            break
        if deadline is not None and time.monotonic() > deadline:
            _unknown(goals, open_, results, k, tick, f"timeout of {timeout:g} s reached after depth {k}")
            open_ = []
            break
        k += 1
    for i in open_:
        g = goals[i]
        results[i] = Result(g.id, g.rules, NAME, Verdict.BOUNDED, k, None, tick.elapsed(),
                            reason=f"no violation in any run of at most {k} steps")
    out = [results[i] for i in range(len(goals))]
    for r in out:
        r.extra["depth_seconds"] = per_depth
    return out


def _unknown(goals: Sequence[Goal], which: Sequence[int], results: dict, k: int, tick: Ticker, why: str) -> None:
    for i in which:
        g = goals[i]
        results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, k, None, tick.elapsed(),
                            reason=f"solver answered unknown at depth {k}: {why}")


def _check_bounds(unroll: _Unrolling, k: int) -> None:
    """A step that takes a variable out of its range is a model bug, reported as such."""
    from scmcheck.model.lang.errors import ModelError

    solver = unroll.solver
    lit = z3.Bool(f"#oob@{k}")
    solver.add(z3.Implies(lit, z3.Not(unroll.domain(k))))
    if solver.check(lit) == z3.sat:
        m = solver.model()
        actions, states = unroll.path(m, k)
        system = unroll.system
        bad = [f"{v.name}={x}" for v, x in zip(system.variables, states[-1]) if v.kind != "bool" and not v.lo <= x <= v.hi]
        raise ModelError(f"model {system.name}: action {actions[-1].label} sets {', '.join(bad)}, outside its range, "
                         f"after {k} steps; widen the range or saturate the update (min_/max_)")
