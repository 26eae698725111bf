"""IC3/PDR through Z3's Spacer: unbounded proofs of invariants, with the inductive invariant.

The system becomes three constrained Horn clauses over one unknown relation
``Inv`` of the state variables (integers are mathematical integers here, with
each variable's range stated; Spacer works best on linear integer arithmetic):

    Inv(init)
    Inv(s) and in_range(s) and T(s, s')  =>  Inv(s')
    Inv(s) and (not P(s) or not in_range(s))  =>  false

``T`` is the disjunction of the actions' guards and updates, translated from the
one model definition (``to_z3``).  If Spacer finds the clauses satisfiable, its
interpretation ``I`` of ``Inv`` is an inductive invariant that implies P.  Before
``proved`` is reported ``I`` is checked again with a plain solver: ``init => I``,
``I and in_range and T => I'`` and ``I => P and in_range`` must each be valid.  The
invariant is printed in the model's own names (enum values by name) and kept in
``Result.extra["invariant"]``.

The goals are asked one at a time; an invariant already proved inductive that
implies the next goal proves it too, without asking Spacer again.  When Spacer finds a property violated, the
counterexample is the shortest one, found by BMC within the time left (a
violation without a replayed trace is never reported: then ``unknown``).
Leads-to and time-lock goals get ``unknown`` with the reason.

Spacer: Komuravelli, Gurfinkel, Chaki, "SMT-based model checking for recursive
programs", CAV 2014; Z3's guide, "Fixedpoints / Spacer" (z3prover.github.io).
"""

from __future__ import annotations

import math
import time
from typing import Any, Optional, Sequence

import z3

from scmcheck.model.lang.expr import to_z3

from ..result import Goal, Result, Verdict
from . import bmc
from .common import Progress, Ticker

NAME = "pdr"
DEFAULT_DEPTH = None  # unbounded; --depth only bounds the BMC search for a counterexample's trace
SHORTEST = True  # counterexamples come from BMC, shortest first
INVARIANTS_ONLY = ("pdr proves invariants only; liveness and time-locks are decided by the explicit engine "
                   "and bmc")


class _Horn:
    """The Horn-clause encoding of one system (module docstring)."""

    def __init__(self, system: Any) -> None:
        self.system = system
        vs = system.variables
        self.cur = [z3.Bool(v.name) if v.kind == "bool" else z3.Int(v.name) for v in vs]
        self.nxt = [z3.Bool(v.name + "'") if v.kind == "bool" else z3.Int(v.name + "'") for v in vs]
        self.inv = z3.Function("Inv", *[t.sort() for t in self.cur], z3.BoolSort())
        self.init = z3.And([t == (z3.BoolVal(bool(v.init)) if v.kind == "bool" else z3.IntVal(int(v.init)))
                            for t, v in zip(self.cur, vs)])
        self.range_ = self.in_range(self.cur)
        cache: dict = {}
        steps = []
        for a in system.actions:
            eqs = [to_z3(a.guard, self.cur, None, cache)]
            for v, old, new in zip(vs, self.cur, self.nxt):
                e = a.update.get(v.name)
                eqs.append(new == (old if e is None else to_z3(e, self.cur, None, cache)))
            steps.append(z3.And(eqs))
        self.trans = z3.Or(steps)

    def in_range(self, terms: Sequence[Any]) -> Any:
        return z3.And([z3.And(t >= v.lo, t <= v.hi) for t, v in zip(terms, self.system.variables)
                       if v.kind != "bool"] or [z3.BoolVal(True)])

    def solve(self, bad: Any, timeout_ms: Optional[int]) -> tuple[Any, Any]:
        """``(answer, I)``: z3.sat with the invariant ``I`` over the current-state terms when no state
        satisfying ``bad`` is reachable, z3.unsat when one is, z3.unknown otherwise (I None)."""
        s = z3.SolverFor("HORN")
        s.set("engine", "spacer")
        if timeout_ms is not None:
            s.set("timeout", timeout_ms)
        inv_cur, inv_nxt = self.inv(*self.cur), self.inv(*self.nxt)
        both = self.cur + self.nxt
        s.add(z3.ForAll(self.cur, z3.Implies(self.init, inv_cur)))
        s.add(z3.ForAll(both, z3.Implies(z3.And(inv_cur, self.range_, self.trans), inv_nxt)))
        s.add(z3.ForAll(self.cur, z3.Implies(z3.And(inv_cur, bad), z3.BoolVal(False))))
        r = s.check()
        if r != z3.sat:
            return r, None
        interp = s.model()[self.inv]
        # The interpretation is a function of de Bruijn variables: give them the variables' names.
        if isinstance(interp, z3.QuantifierRef):  # lambda x0 .. xn: body, where Var(0) is xn
            return r, z3.substitute_vars(interp.body(), *reversed(self.cur))
        if isinstance(interp, z3.FuncInterp):  # the else value, where Var(i) is argument i
            return r, z3.substitute_vars(interp.else_value(), *self.cur)
        return r, interp

    def implies(self, inv: Any, prop: Any) -> bool:
        """``inv => prop and in_range`` is valid (a plain solver)."""
        s = z3.Solver()
        s.add(inv, z3.Not(z3.And(prop, self.range_)))
        return s.check() == z3.unsat

    def recheck(self, inv: Any, prop: Any) -> list[str]:
        """What fails of init => I, I and T => I', I => P and in_range (empty: the certificate holds)."""
        nxt = z3.substitute(inv, *zip(self.cur, self.nxt))
        failed = []
        for what, claim in (("init => I", z3.Implies(self.init, inv)),
                            ("I and T => I'", z3.Implies(z3.And(inv, self.range_, self.trans), nxt)),
                            ("I => P", z3.Implies(inv, z3.And(prop, self.range_)))):
            s = z3.Solver()
            s.add(z3.Not(claim))
            if s.check() != z3.unsat:
                failed.append(what)
        return failed


def run(system: Any, goals: Sequence[Goal], depth: Optional[int] = DEFAULT_DEPTH, timeout: Optional[float] = None,
        progress: Progress = None) -> list[Result]:
    """Prove or refute every invariant goal; see the module docstring.

    ``timeout``: seconds for the whole run (``None`` or ``math.inf``: no limit).  ``depth``
    bounds only the BMC search for the trace of a violation Spacer found (None: up to the time left).
    """
    system.freeze()
    tick = Ticker(NAME, progress, every=0.0)
    end = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout
    results: dict[int, Result] = {}
    for i, g in enumerate(goals):
        if g.kind != "invariant":
            results[i] = _result(g, Verdict.UNKNOWN, tick, reason=INVARIANTS_ONLY)
    horn = _Horn(system)
    open_ = [i for i, g in enumerate(goals) if g.kind == "invariant"]
    known: list[tuple[Any, str]] = []  # invariants proved inductive so far, with their text
    reachable: list[int] = []  # goals Spacer found violated: their traces come from one BMC run
    for i in open_:
        left = None if end is None else end - time.monotonic()
        if left is not None and left <= 0:
            break
        prop = to_z3(goals[i].invariant, horn.cur, None)
        # An invariant already proved inductive that implies this property proves it too (a plain query).
        found = next(((inv, text) for inv, text in known if horn.implies(inv, prop)), None)
        if found is None:
            r, inv = horn.solve(z3.Or(z3.Not(prop), z3.Not(horn.range_)), None if left is None else max(1, int(left * 1000)))
            if r == z3.unsat:
                reachable.append(i)
            if r != z3.sat:
                continue
            failed = horn.recheck(inv, prop)
            if failed:
                raise AssertionError(f"internal error: Spacer's invariant for {goals[i].id} does not re-check "
                                     f"({', '.join(failed)} fails): {inv}")
            found = (inv, invariant_text(system, inv, horn.range_))
            known.append(found)
        results[i] = _result(goals[i], Verdict.PROVED, tick, reason=(
            "an inductive invariant implies it (init => I, I and T => I', I => P re-checked with a plain "
            f"solver): {found[1]}"))
        results[i].extra["invariant"] = found[1]
        if progress is not None:
            tick(open=len([j for j in open_ if j not in results]))
    if reachable:
        results.update(zip(reachable, _traces(system, [goals[i] for i in reachable], depth, end, tick)))
    for i in open_:
        if i not in results:
            timed_out = end is not None and time.monotonic() >= end
            results[i] = _result(goals[i], Verdict.UNKNOWN, tick, reason=(
                f"timeout of {timeout:g} s reached" if timed_out else "Spacer answered unknown"))
            results[i].extra["timed_out"] = timed_out
    return [results[i] for i in range(len(goals))]


def _traces(system: Any, goals: list[Goal], depth: Optional[int], end: Optional[float], tick: Ticker) -> list[Result]:
    """Violations Spacer found, with BMC's shortest traces (one run for all); unknown where BMC finds
    none in the time left."""
    left = None if end is None else max(0.001, end - time.monotonic())
    out = []
    for goal, r in zip(goals, bmc.run(system, goals, depth=depth if depth is not None else 10_000, timeout=left)):
        if r.verdict == Verdict.VIOLATED:
            out.append(_result(goal, Verdict.VIOLATED, tick, r.trace, bound=r.bound,
                               reason="Spacer found it reachable; the trace is BMC's shortest"))
            continue
        res = _result(goal, Verdict.UNKNOWN, tick, reason=f"Spacer found it reachable, but BMC found no trace ({r.reason})")
        res.extra["timed_out"] = bool(r.extra.get("timed_out"))
        out.append(res)
    return out


def invariant_text(system: Any, inv: Any, range_: Any = None) -> str:
    """``inv`` in the model's names, enum values by name (``reported != STOPPED``).  With ``range_``
    (the variables' ranges), top-level conjuncts that only restate a range (``checkpoint > -1``) are
    left out: every state satisfies them, so the text means the same for the model's states."""
    e = z3.simplify(inv, arith_lhs=True)
    if range_ is not None and z3.is_and(e):
        kept = [c for c in e.children() if not _implied(range_, c)]
        e = z3.And(kept) if len(kept) > 1 else kept[0] if kept else z3.BoolVal(True)
    return _text(system, e)


def _implied(range_: Any, c: Any) -> bool:
    s = z3.Solver()
    s.add(range_, z3.Not(c))
    return s.check() == z3.unsat


_OPS = {z3.Z3_OP_LE: "<=", z3.Z3_OP_GE: ">=", z3.Z3_OP_LT: "<", z3.Z3_OP_GT: ">", z3.Z3_OP_EQ: "==",
        z3.Z3_OP_ADD: "+", z3.Z3_OP_SUB: "-", z3.Z3_OP_MUL: "*"}


def _text(system: Any, e: Any) -> str:
    k = e.decl().kind() if z3.is_app(e) else None
    kids = e.children() if z3.is_app(e) else []
    if z3.is_true(e):
        return "true"
    if z3.is_false(e):
        return "false"
    if k == z3.Z3_OP_AND:
        return " && ".join(_wrap(system, c) for c in kids)
    if k == z3.Z3_OP_OR:
        return " || ".join(_wrap(system, c) for c in kids)
    if k == z3.Z3_OP_NOT:
        inner = kids[0]
        flip = _FLIP.get(inner.decl().kind()) if z3.is_app(inner) and inner.num_args() == 2 else None
        if flip:  # !(a >= b) reads better as a < b
            return _compare(system, inner.children(), flip)
        text = _text(system, inner)
        return "!" + (text if z3.is_const(inner) else f"({text})")
    if k in _OPS and len(kids) == 2:
        return _compare(system, kids, _OPS[k])
    if k == z3.Z3_OP_ITE:
        return f"({_text(system, kids[0])} ? {_text(system, kids[1])} : {_text(system, kids[2])})"
    return str(e)


_FLIP = {z3.Z3_OP_LE: ">", z3.Z3_OP_GE: "<", z3.Z3_OP_LT: ">=", z3.Z3_OP_GT: "<=", z3.Z3_OP_EQ: "!="}


def _compare(system: Any, kids: list, op: str) -> str:
    """``a op b``, a constant compared with an enum variable named by its value (``reported < STOPPED``)."""
    left, right = kids
    return f"{_enum_value(system, right, left) or _text(system, left)} {op} {_enum_value(system, left, right) or _text(system, right)}"


def _wrap(system: Any, e: Any) -> str:
    t = _text(system, e)
    return f"({t})" if z3.is_app(e) and e.decl().kind() in (z3.Z3_OP_AND, z3.Z3_OP_OR) else t


def _enum_value(system: Any, var: Any, val: Any) -> Optional[str]:
    """The name of ``val`` when ``var`` is an enum variable and ``val`` one of its values."""
    if not (z3.is_const(var) and z3.is_int_value(val)):
        return None
    try:
        v = system.variable(str(var))
    except Exception:  # noqa: BLE001 - not a variable name (a sub-term)
        return None
    if v.kind != "enum" or not v.lo <= val.as_long() <= v.hi:
        return None
    return str(v.label(val.as_long()))


def _result(g: Goal, verdict: Verdict, tick: Ticker, trace: Any = None, bound: Optional[int] = None,
            reason: str = "") -> Result:
    return Result(g.id, g.rules, NAME, verdict, bound, None, tick.elapsed(), trace, reason=reason, kind=g.kind)
