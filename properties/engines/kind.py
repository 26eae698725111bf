"""k-induction with simple-path constraints: unbounded proofs of invariants.

For k = 0, 1, 2, ... two unrollings of the transition relation (the one of
:mod:`.bmc`) answer two questions:

*base case*
    Is some invariant false in a state reachable in exactly k steps?  The first
    k that answers yes gives a shortest counterexample (as in BMC).  No path of
    k steps at all: every reachable state was checked, the open invariants are
    proved.
*inductive step*
    Is there a path s_0 .. s_k of pairwise distinct states, each inside the
    variables' ranges, with the invariants of a set P true in s_0 .. s_{k-1}
    and one of them false (or a variable out of range) in s_k?  If not, P is
    k-inductive: with the base cases 0 .. k-1 every state reachable at any depth
    satisfies P (induction on the depth).  P is the largest set of open
    invariants that is k-inductive *together* (mutual induction: an invariant
    whose step fails is dropped and the others asked again), plus the ones
    already proved, which are true in every reachable state and may be assumed.
    Requiring distinct states makes the method complete for finite models:
    at the longest simple path, no path of k distinct states exists.

Before ``proved`` is reported, its certificate -- the k -- is checked again
with two fresh solvers, the base case (no violation in any run of fewer than k
steps) and the inductive step for P; a certificate that does not re-check is
an internal error.

k-induction decides invariants only.  Leads-to and time-lock goals get
``unknown`` with the reason (the explicit engine and BMC decide them).  Runs of
at most ``depth`` steps without a violation and without an inductive k give
``bounded``.  ``timeout`` is one budget for the whole run (``unknown``).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import z3

from ..result import Goal, Result, Verdict
from .bmc import _check_bounds, _Deadline, _Timeout, _Unrolling, _width, in_range_unproved
from .common import Progress, Ticker, checked_trace

NAME = "kind"
DEFAULT_DEPTH = 30
SHORTEST = True  # the base case finds counterexamples shortest first
INVARIANTS_ONLY = ("k-induction proves invariants only; liveness and time-locks are decided by the explicit "
                   "engine and bmc")


class _Step:
    """The inductive-step unrolling: any in-range state 0, distinct states, per-goal assumption literals."""

    def __init__(self, system: Any, width: int, deadline: _Deadline, goals: Sequence[Goal]) -> None:
        self.u = _Unrolling(system, width, deadline, initial=False)
        self.goals = goals
        self.holds: dict[int, list[Any]] = {i: [] for i in range(len(goals))}  # holds[g][j] -> P_g(s_j)
        self._bad: dict[tuple[int, int], Any] = {}

    def extend_to(self, k: int) -> None:
        """States 0..k; every state before k in range and distinct from every other."""
        u = self.u
        while len(u.states) <= k:
            u.extend()
            new = len(u.states) - 1
            u.solver.add(u.domain(new - 1) if new - 1 > 0 else z3.BoolVal(True))
            for j in range(new):
                u.solver.add(z3.Not(u.same(j, new)))
        for i, g in enumerate(self.goals):
            if g.kind != "invariant":
                continue
            lits = self.holds[i]
            while len(lits) < k:
                j = len(lits)
                lit = z3.Bool(f"#holds[{i}:{g.id}]@{j}")
                u.solver.add(z3.Implies(lit, u.pred(g.invariant, j)))
                lits.append(lit)

    def bad(self, i: int, k: int) -> Any:
        """A literal: goal i false, or some variable out of range, in state k."""
        u = self.u
        lit = self._bad.get((i, k))
        if lit is None:
            lit = self._bad[(i, k)] = z3.Bool(f"#stepbad[{i}:{self.goals[i].id}]@{k}")
            u.solver.add(z3.Implies(lit, z3.Or(z3.Not(u.pred(self.goals[i].invariant, k)), z3.Not(u.domain(k)))))
        return lit

    def inductive(self, assumed: Sequence[int], ask: Sequence[int], k: int) -> list[int]:
        """The goals of ``ask`` whose step fails at k, assuming every goal of ``assumed`` in states 0..k-1."""
        self.extend_to(k)
        hyp = [lit for i in assumed for lit in self.holds[i][:k]]
        failed = []
        for i in ask:
            r = self.u.deadline.solve(self.u.solver, *hyp, self.bad(i, k))
            if r == z3.sat:
                failed.append(i)
            elif r != z3.unsat:
                raise _SolverUnknown(self.u.solver.reason_unknown())
        return failed


class _SolverUnknown(Exception):
    pass


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, timeout: Optional[float] = None,
        progress: Progress = None) -> list[Result]:
    """Check every invariant goal by k-induction for k up to ``depth``; see the module docstring.

    ``timeout``: seconds for the whole run (``None`` or ``math.inf``: no limit).  Raises
    ModelError when a step takes a variable out of its range within ``depth`` steps.
    """
    system.freeze()
    tick = Ticker(NAME, progress, every=0.0)
    width = _width(system, goals)
    deadline = _Deadline(timeout)
    results: dict[int, Result] = {}
    inv = [i for i, g in enumerate(goals) if g.kind == "invariant"]
    for i, g in enumerate(goals):
        if g.kind != "invariant":
            results[i] = _result(g, Verdict.UNKNOWN, None, tick, reason=INVARIANTS_ONLY)
    base = _Unrolling(system, width, deadline)
    step = _Step(system, width, deadline, goals)
    open_, proved, k = list(inv), [], 0
    oob = in_range_unproved(system, width, deadline)
    try:
        while open_:
            _base(base, goals, open_, k, results, tick, oob)
            open_ = [i for i in open_ if i not in results]
            if not open_ or k >= depth:
                break
            k += 1
            # The largest set of open goals that is k-inductive together (module docstring).
            cand = list(open_)
            while cand:
                failed = step.inductive(proved + cand, cand, k)
                if not failed:
                    break
                cand = [i for i in cand if i not in failed]
            if cand:
                _recheck(system, width, goals, proved + cand, cand, k)
                for i in cand:
                    results[i] = _result(goals[i], Verdict.PROVED, k, tick, reason=(
                        f"{k}-inductive: no violation in any run of fewer than {k} step{'s' if k > 1 else ''}, and no "
                        f"{k} step{'s' if k > 1 else ''} between distinct states lead from states satisfying it to "
                        "one that does not (base case and "
                        "inductive step re-checked with fresh solvers)"))
                    results[i].extra["k"] = k
                proved += cand
                open_ = [i for i in open_ if i not in cand]
            if progress is not None:
                tick(depth=k, open=len(open_))
    except _Timeout:
        for i in open_:
            results[i] = _result(goals[i], Verdict.UNKNOWN, k - 1 if k else None, tick, reason=(
                f"timeout of {timeout:g} s reached at k = {k}" + (
                    f"; no violation in any run of at most {k - 1} steps" if k else "")))
            results[i].extra["timed_out"] = True
        open_ = []
    except _SolverUnknown as exc:
        for i in open_:
            results[i] = _result(goals[i], Verdict.UNKNOWN, k, tick, reason=f"solver answered unknown at k = {k}: {exc}")
        open_ = []
    for i in open_:
        results[i] = _result(goals[i], Verdict.BOUNDED, k, tick, reason=(
            f"no violation in any run of at most {k} steps; not k-inductive for any k up to {k} "
            "(a larger --depth may prove it)"))
    return [results[i] for i in range(len(goals))]


def _base(u: _Unrolling, goals: Sequence[Goal], open_: list[int], k: int, results: dict, tick: Ticker,
          oob: Any) -> None:
    """The base case at depth k: a shortest violation of each open goal, or all proved when no path
    of k steps exists."""
    solver = u.solver
    if k > 0:
        u.extend()
        if oob:
            _check_bounds(u, k)
        solver.add(u.domain(k))
        r = u.deadline.solve(solver)
        if r == z3.unsat:
            for i in open_:
                results[i] = _result(goals[i], Verdict.PROVED, k - 1, tick, reason=(
                    f"no path longer than {k - 1} steps exists; every reachable state was checked"))
            return
        if r != z3.sat:
            raise _SolverUnknown(solver.reason_unknown())
    for i in open_:
        lit = z3.Bool(f"#basebad[{i}:{goals[i].id}]@{k}")
        solver.add(z3.Implies(lit, z3.Not(u.pred(goals[i].invariant, k))))
        r = u.deadline.solve(solver, lit)
        if r == z3.sat:
            actions, states = u.path(solver.model(), k)
            trace = checked_trace(u.system, goals[i], NAME, actions, states)
            results[i] = _result(goals[i], Verdict.VIOLATED, k, tick, trace)
        elif r != z3.unsat:
            raise _SolverUnknown(solver.reason_unknown())


def _recheck(system: Any, width: int, goals: Sequence[Goal], assumed: list[int], proved: list[int], k: int) -> None:
    """The certificate k of ``proved`` (assuming ``assumed``), checked with fresh solvers; AssertionError
    if either case does not hold."""
    fresh = _Deadline(None)
    base = _Unrolling(system, width, fresh)
    r_base = z3.unsat
    for j in range(k):  # each depth on its own prefix: a run may end (deadlock) before k - 1 steps
        if j:
            base.extend()
            base.solver.add(base.domain(j))
        r_base = base.solver.check(z3.Or([z3.Not(base.pred(goals[i].invariant, j)) for i in proved]))
        if r_base != z3.unsat:
            break
    step = _Step(system, width, fresh, goals)
    step.extend_to(k)
    hyp = [lit for i in assumed for lit in step.holds[i][:k]]
    r_step = step.u.solver.check(*hyp, z3.Or([step.bad(i, k) for i in proved]))
    if r_base != z3.unsat or r_step != z3.unsat:
        raise AssertionError(f"internal error: kind's certificate k = {k} for {', '.join(goals[i].id for i in proved)} "
                             f"does not re-check (base case: {r_base}, inductive step: {r_step})")


def _result(g: Goal, verdict: Verdict, k: Optional[int], tick: Ticker, trace: Any = None, reason: str = "") -> Result:
    return Result(g.id, g.rules, NAME, verdict, k, None, tick.elapsed(), trace, reason=reason, kind=g.kind)


