"""Explicit-state breadth-first search over the reachable state graph.

States are packed into ints and expanded by one generated successor function
(``scmcheck.model.lang.packed``); the search keeps them in a list (id = BFS
order) with the parent id and action of each in arrays, and every invariant is
checked by one generated function.  The graph itself is a
``graph_analysis.StateGraph`` over those ids: its edges are recorded during the
search when a goal needs them, else computed when someone asks (the networkx form
too, for exports and the docs: ``Result.extra["graph"]``, :func:`reachable_states`).
One BFS serves every goal kind (``Goal.kind``); the semantics of runs, fairness,
time progress and time-locks are those of ``scmcheck.model.lang.temporal``.

``invariant``
    BFS order makes every counterexample a shortest one; exhausting the graph
    proves the invariant for these parameters; stopping at ``depth`` gives
    BOUNDED, at the state budget or the timeout UNKNOWN.
``time_lock``
    After exhausting the graph, the states that reach a state where time may
    pass by zero-time steps are found by backward reachability; any other state
    is a time-lock (exactly ``temporal.lets_time_pass``), and the violation is
    the shortest path to the nearest one.  When the search stopped early, a
    visited state whose zero-time closure has no time-passing state is still a
    confirmed time-lock; otherwise BOUNDED / UNKNOWN as for invariants.
``leads_to``
    Needs the whole graph (UNKNOWN otherwise).  In the states where the goal
    is false, the fair loops are the stutter states and the fair strongly
    connected components of the states where ``hold`` also holds
    (``graph_analysis``); a trigger state that reaches one of them without the
    goal is a counterexample, shown as a lasso (``Trace.loop``).

Every result's ``extra`` has ``states_per_s`` (states found per second of search)
and ``peak_mib`` (the process's peak resident memory, MiB; None where the
platform does not say).
"""

from __future__ import annotations

import gc
import math
import sys
import time
from array import array
from typing import Any, Optional, Sequence

from scmcheck.model.lang.packed import Packing, packing
from scmcheck.model.lang.temporal import lets_time_pass

from ..result import Goal, Result, Verdict
from . import graph_analysis as ga
from .common import Progress, Ticker, checked_trace

NAME = "explicit"

LIVENESS_ASSUMPTIONS = ["weak fairness per thread", "time progress", "no fairness for the environment"]
LIVENESS_NEEDS_GRAPH = "liveness needs the whole reachable graph"
NO_CLOCK = "the model has no clock"

# Zero-time closures checked when the search stopped before exhausting the graph.
PARTIAL_TIMELOCK_BUDGET = 10_000  # states per closure
PARTIAL_TIMELOCK_SECONDS = 10.0  # wall-clock cap for all of them
# States expanded between two looks at the clock (timeout, progress): a look costs about a state.
CLOCK_EVERY = 512


def run(system: Any, goals: Sequence[Goal], depth: Optional[int] = None, max_states: int = 5_000_000,
        timeout: Optional[float] = None, progress: Progress = None, keep_graph: bool = True,
        symmetry: bool = True) -> list[Result]:
    """Check every goal by BFS; see the module docstring for the verdicts.

    ``symmetry``: when the system declares symmetric families (``System.symmetric``), search one
    state per orbit for the goals it is sound for (module docstring, *Symmetry*); the others, and
    every goal with ``symmetry=False``, on the full state space.  ``Result.extra["symmetry"]`` says
    which, in words.  ``timeout`` (seconds) covers both searches together.
    """
    system.freeze()
    canon = packing(system).canonicalizer() if symmetry else None
    if canon is None:
        note = ("off" if symmetry is False and system.symmetries else "not used: the model declares no symmetric "
                "family")
        return _marked(_run(system, goals, depth, max_states, timeout, progress, keep_graph, None), note)
    reduced = [i for i, g in enumerate(goals) if _reducible(system, g)]
    full = [i for i in range(len(goals)) if i not in reduced]
    start = time.monotonic()
    out: dict[int, Result] = {}
    fams = ", ".join(f"{sym.family} ({len(sym.members)} members)" for sym in system.symmetries)
    if reduced:
        rs = _run(system, [goals[i] for i in reduced], depth, max_states, timeout, progress, False, canon)
        out.update(zip(reduced, _marked(rs, f"used: {fams}, one state per orbit")))
    if full:
        left = None if timeout is None or math.isinf(timeout) else max(1e-3, timeout - (time.monotonic() - start))
        rs = _run(system, [goals[i] for i in full], depth, max_states, left, progress, keep_graph, None)
        for i, r in zip(full, rs):
            out[i] = _marked([r], "not used for liveness: weak fairness is per thread, and a permutation of the "
                                  "members moves it between them" if goals[i].kind == "leads_to" else
                             "not used: the property reads the members of a symmetric family apart")[0]
    return [out[i] for i in range(len(goals))]


def _reducible(system: Any, goal: Goal) -> bool:
    """Safety goals that read every member of every symmetric family alike (symmetry.is_symmetric)."""
    from scmcheck.model.lang.symmetry import is_symmetric

    return goal.kind == "time_lock" or (goal.kind == "invariant" and is_symmetric(system, goal.invariant))


def _marked(results: list[Result], note: str) -> list[Result]:
    for r in results:
        r.extra["symmetry"] = note
    return results


def _run(system: Any, goals: Sequence[Goal], depth: Optional[int], max_states: int, timeout: Optional[float],
         progress: Progress, keep_graph: bool, canon: Any) -> list[Result]:
    """One BFS for ``goals``; with ``canon``, over the orbit representatives it gives."""
    tick = Ticker(NAME, progress)
    kinds = [g.kind for g in goals]
    invs = _Invariants(packing(system), {i: g.invariant for i, g in enumerate(goals) if kinds[i] == "invariant"})
    # Goals decided after the search, on the graph; they need all of it.
    whole = [i for i, k in enumerate(kinds) if k == "leads_to" or (k == "time_lock" and system.timed)]
    # None or an infinite timeout: no limit.
    deadline = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout
    bfs = _Bfs(packing(system), invs, record_edges=bool(whole), tick=tick, canon=canon)
    bfs.run(depth, max_states, deadline, timeout, keep_going=bool(whole))
    seconds = tick.elapsed()
    search = _Search(system, bfs, keep_graph or bool(whole), canon)
    figures = {"states_per_s": round(len(bfs.states) / max(seconds, 1e-9)), "peak_mib": peak_mib()}

    results = []
    for i, goal in enumerate(goals):
        if kinds[i] == "invariant":
            r = _invariant_result(goal, invs.found.get(i), search)
        elif kinds[i] == "time_lock":
            r = _time_lock_result(goal, search)
        else:
            r = _leads_to_result(goal, search)
        # Invariants are decided by the search itself; the other kinds include their analysis.
        r.states, r.kind = len(bfs.states), kinds[i]
        r.seconds = seconds if kinds[i] == "invariant" else tick.elapsed()
        r.extra.update(figures)
        results.append(r)
    if search.graph is not None and keep_graph:
        for r in results:
            r.extra["graph"] = search.graph
    return results


def peak_mib() -> Optional[float]:
    """The process's peak resident memory so far, in MiB (None if the platform does not say)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (2 ** 20 if sys.platform == "darwin" else 2 ** 10), 1)


class _Invariants:
    """The open invariant goals, checked on a packed state by one generated function (``check``)."""

    def __init__(self, pk: Packing, exprs: dict) -> None:
        self.pk, self.exprs = pk, exprs
        self.open = set(exprs)
        self.found: dict[int, tuple] = {}  # goal index -> (state id, depth)
        self._one: dict = {}  # goal index -> its own predicate, to tell which failed
        self.check = pk.predicate([exprs[i] for i in sorted(self.open)])

    def failed(self, state: int, u: int, d: int) -> Any:
        """``check`` said no for the state with id ``u`` at depth ``d``: record every open goal it
        violates and return the ``check`` for the rest."""
        for i in sorted(self.open):
            one = self._one.get(i)
            if one is None:
                one = self._one[i] = self.pk.predicate([self.exprs[i]])
            if not one(state):
                self.found[i] = (u, d)
                self.open.discard(i)
        self.check = self.pk.predicate([self.exprs[i] for i in sorted(self.open)])
        return self.check


class _Bfs:
    """The search: ``states[u]`` the packed state with id ``u`` (BFS order), ``parent[u]`` the id
    it was first reached from (-1 for the initial state) by action ``via[u]``."""

    def __init__(self, pk: Packing, invs: _Invariants, record_edges: bool, tick: Ticker, canon: Any = None) -> None:
        self.pk, self.invs, self.tick, self.canon = pk, invs, tick, canon
        init = pk.pack(pk.system.init_state())
        if canon is not None:
            init = canon(init)
        self.states: list[int] = [init]
        self.parent, self.via = array("i", [-1]), array("i", [-1])  # ids and action indices: 4 bytes
        # With edges: packed state -> id, and out-edges (graph_analysis.StateGraph's layout).
        self.index: Optional[dict] = {init: 0} if record_edges else None
        self.edges = (array("q", [0]), array("i"), array("i")) if record_edges else None
        self.seen: set = set() if record_edges else {init}  # without edges: the states found
        self.stop_reason = ""
        self.depth = 0  # one past the last BFS level expanded (the level at which the search stopped)
        self.exhausted = False
        self.expanded = 0  # states 0 .. expanded - 1 were expanded

    def run(self, depth: Optional[int], max_states: int, deadline: Optional[float], timeout: Optional[float],
            keep_going: bool) -> None:
        """Level by level until the graph is exhausted, a bound or budget stops it, or no goal is open
        (``keep_going``: a goal needs the whole graph)."""
        invs = self.invs
        if not invs.check(self.states[0]):
            invs.failed(self.states[0], 0, 0)
        lo, hi, d = 0, 1, 0
        # Millions of new objects, none of them garbage: collections would only cost.  Freezing
        # keeps what exists now out of the first collection after (unless a caller froze first).
        gc_was_on, freeze = gc.isenabled(), gc.get_freeze_count() == 0
        gc.disable()
        if freeze:
            gc.freeze()
        try:
            while lo < hi and (invs.open or keep_going):
                if depth is not None and d >= depth:
                    self.stop_reason = "depth"
                    break
                done, why = self._level(lo, hi, d, max_states, deadline)
                if why:
                    self.expanded = done
                    self.stop_reason = (f"state budget of {max_states:,} reached" if why == "budget"
                                        else f"timeout of {timeout:g} s reached")
                    break
                lo, hi, d = hi, len(self.states), d + 1
        finally:
            if freeze:
                gc.unfreeze()
            if gc_was_on:
                gc.enable()
        if not self.stop_reason:
            self.expanded = lo
        self.exhausted = lo >= hi
        self.depth = d
        if self.edges is not None:
            start, dst, _ = self.edges
            start.extend([len(dst)] * (len(self.states) - self.expanded))

    def _level(self, lo: int, hi: int, d: int, max_states: int, deadline: Optional[float]) -> tuple[int, str]:
        """Expand states ``lo .. hi - 1`` (BFS level ``d``); returns one past the last state expanded
        and why it stopped early ("budget", "timeout", or "" when it did not)."""
        states, parent, via, invs = self.states, self.parent.append, self.via.append, self.invs
        succ, check, push, d1 = self.pk.successors, invs.check, states.append, d + 1
        if self.canon is not None:
            succ = _canonical(succ, self.canon)
        record = self.index is not None
        if record:
            index = self.index
            start, dst, act = (a.append for a in self.edges)  # type: ignore[union-attr]
            n_edges = self.edges[1].__len__  # type: ignore[index]
        else:
            seen = self.seen
        for u in range(lo, hi):
            if record:
                for a, t in succ(states[u]):
                    v = index.get(t)
                    if v is None:
                        v = index[t] = len(states)
                        push(t)
                        parent(u)
                        via(a)
                        if not check(t):
                            check = invs.failed(t, v, d1)
                    dst(v)
                    act(a)
                start(n_edges())
            else:
                for a, t in succ(states[u], seen):  # the new states only, added to seen
                    push(t)
                    parent(u)
                    via(a)
                    if not check(t):
                        check = invs.failed(t, len(states) - 1, d1)
            if len(states) >= max_states:
                return u + 1, "budget"
            if not u % CLOCK_EVERY:  # u counts across levels: small levels are timed too
                if deadline is not None and time.monotonic() > deadline:
                    return u + 1, "timeout"
                if self.tick.progress is not None:
                    rate = len(states) / max(self.tick.elapsed(), 1e-9)
                    self.tick(depth=d, states=len(states), rate=rate, memory_mib=peak_mib())
        return hi, ""


def _canonical(succ: Any, canon: Any) -> Any:
    """``succ`` with every next state replaced by its orbit's representative; with ``seen``, only
    the representatives not in it (added), as the plain successor function does."""
    def reduced(s: int, seen: Any = None) -> list:
        pairs = [(a, canon(t)) for a, t in succ(s)]
        if seen is None:
            return pairs
        out = []
        for a, c in pairs:
            if c not in seen:
                seen.add(c)
                out.append((a, c))
        return out

    return reduced


class _Search:
    """What the BFS left for the per-goal analyses."""

    def __init__(self, system: Any, bfs: _Bfs, graph: bool, canon: Any = None) -> None:
        self.system, self.pk, self.canon = system, bfs.pk, canon
        self.states, self.parent, self.via = bfs.states, bfs.parent, bfs.via
        self.exhausted, self.stop_reason, self.depth = bfs.exhausted, bfs.stop_reason, bfs.depth
        self.diameter = max(bfs.depth - 1, 0)  # depth is one past the last non-empty BFS level
        self.graph = ga.StateGraph(bfs.pk, bfs.states, bfs.expanded, bfs.edges, bfs.index) if graph else None
        self._time_ok: Optional[ga.Mask] = None

    def incomplete(self, goal: Goal, clean: str) -> Result:
        """BOUNDED (stopped at depth) or UNKNOWN (budget, timeout), no violation found; ``clean``
        says what was checked."""
        if self.stop_reason == "depth":
            return Result(goal.id, goal.rules, NAME, Verdict.BOUNDED, self.depth,
                          reason=f"{clean} within {self.depth} steps")
        why = f"{self.stop_reason} at depth {self.depth}" if self.stop_reason else "search stopped"
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, self.depth, reason=why)

    def time_ok(self) -> ga.Mask:
        """The states (mask over ids) that reach a state where time may pass by zero-time steps."""
        if self._time_ok is None:
            system, graph = self.system, self.graph
            passes = self.pk.predicate([system.time_passes])
            zero_time = [a.duration == 0 and a.fair for a in system.actions]
            self._time_ok = ga.backward_reachable(graph, (u for u, s in enumerate(self.states) if passes(s)),
                                                  action_ok=zero_time)
        return self._time_ok

    def path(self, u: int) -> list:
        """The actions from the initial state to state ``u`` along the BFS parents (a shortest path);
        over orbit representatives, the concrete run through the same orbits (symmetry.concretize)."""
        acts, ids = [], [u]
        while self.parent[u] >= 0:
            acts.append(self.system.actions[self.via[u]])
            u = self.parent[u]
            ids.append(u)
        if self.canon is None:
            return acts[::-1]
        from scmcheck.model.lang.symmetry import concretize

        pk, canon = self.pk, self.canon
        return concretize(self.system, lambda t: canon(pk.pack(t)), [self.states[i] for i in reversed(ids)])[0]


# ---------------------------------------------------------------- invariants

def _invariant_result(goal: Goal, found: Optional[tuple], search: _Search) -> Result:
    if found is not None:
        u, k = found
        trace = checked_trace(search.system, goal, NAME, search.path(u))
        return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, k, trace=trace)
    if search.exhausted:
        return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter,
                      reason=f"all {len(search.states):,} reachable states checked (diameter {search.diameter})")
    if search.stop_reason == "depth":
        return Result(goal.id, goal.rules, NAME, Verdict.BOUNDED, search.depth,
                      reason=f"no violation in states reachable within {search.depth} steps")
    return search.incomplete(goal, "")


# ---------------------------------------------------------------- time-locks

def _time_lock_result(goal: Goal, search: _Search) -> Result:
    system = search.system
    if not system.timed:
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, None, reason=NO_CLOCK)
    n = len(search.states)
    if search.exhausted:
        ok = search.time_ok()
        locked = next((u for u in range(n) if not ok[u]), None)  # BFS order: the nearest
        if locked is None:
            return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter,
                          reason=f"time can advance from all {n:,} reachable states "
                                 f"(diameter {search.diameter})")
        return _time_lock_violation(goal, search, locked)
    # Stopped early: states whose zero-time closure lies in the explored graph are decided there;
    # the others (mostly the unexpanded frontier) by exploring their closure, within a budget.
    ok = search.time_ok()
    undecided, cap = 0, time.monotonic() + PARTIAL_TIMELOCK_SECONDS
    for u in range(n):
        if ok[u]:
            continue
        if time.monotonic() > cap:
            undecided += 1
            continue
        verdict = lets_time_pass(system, search.pk.unpack(search.states[u]), PARTIAL_TIMELOCK_BUDGET)
        if verdict is False:
            return _time_lock_violation(goal, search, u)
        if verdict is None:
            undecided += 1
    if undecided:
        why = "stopped at the depth bound" if search.stop_reason == "depth" else (search.stop_reason or "search stopped")
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, search.depth,
                      reason=f"{why} at depth {search.depth}; {undecided:,} visited states could not be "
                             f"checked for a time-lock")
    return search.incomplete(goal, "no time-lock in states reachable")


def _time_lock_violation(goal: Goal, search: _Search, locked: int) -> Result:
    acts = search.path(locked)
    trace = checked_trace(search.system, goal, NAME, acts)
    return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, len(acts), trace=trace,
                  reason=f"time-lock after {len(acts)} steps: no path from this state lets time pass")


# ---------------------------------------------------------------- leads-to

def _leads_to_result(goal: Goal, search: _Search) -> Result:
    if not search.exhausted:
        why = "stopped at the depth bound" if search.stop_reason == "depth" else (search.stop_reason or "search stopped")
        return Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, search.depth,
                      reason=f"{LIVENESS_NEEDS_GRAPH} ({why} at depth {search.depth})")
    system, graph, pk, states = search.system, search.graph, search.pk, search.states
    lt = goal.leads_to
    trigger, target, hold = pk.predicate([lt.trigger]), pk.predicate([lt.goal]), pk.predicate([lt.hold])
    waiting = bytearray(not target(s) for s in states)  # G': the goal is false
    held = bytearray(w and hold(s) for w, s in zip(waiting, states))
    stutter, sccs, comp_of = ga.fair_loop_states(system, graph, held)
    loop_states = bytearray(stutter)
    for comp in sccs:
        for u in comp:
            loop_states[u] = 1
    targets = [u for u, x in enumerate(loop_states) if x]
    bad = ga.backward_reachable(graph, targets, allowed=waiting) if targets else bytearray(len(states))
    start = next((u for u, s in enumerate(states) if bad[u] and trigger(s)), None)  # BFS order: the nearest
    assumptions = [a for a in LIVENESS_ASSUMPTIONS if system.timed or a != "time progress"]
    if start is None:
        return Result(goal.id, goal.rules, NAME, Verdict.PROVED, search.diameter, assumptions=assumptions,
                      reason=f"no fair lasso: in all {len(states):,} reachable states (diameter "
                             f"{search.diameter}), every run from a trigger state reaches the goal, assuming "
                             f"{', '.join(assumptions)}")
    prefix = search.path(start)
    to_loop = ga.shortest_path(graph, start, loop_states.__getitem__, waiting)
    assert to_loop is not None, "explicit: a bad trigger state does not reach its loop"
    entry = to_loop[-1][2] if to_loop else start
    acts = prefix + [system.actions[i] for _, i, _ in to_loop]
    loop_at = len(acts)
    if stutter[entry]:
        shape = "then stays in that state forever"
    else:
        inside = ga.mask_of(len(states), sccs[comp_of[entry]])
        cycle = ga.fair_cycle(system, graph, inside, entry)
        acts += [system.actions[i] for _, i, _ in cycle]
        shape = f"then repeats a loop of {len(cycle)} steps forever"
    trace = checked_trace(system, goal, NAME, acts, loop=loop_at)
    return Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, len(acts), trace=trace, assumptions=assumptions,
                  reason=f"the trigger holds after {len(prefix)} steps; the run never reaches the goal: it goes "
                         f"on {len(to_loop)} steps, {shape}")


def reachable_states(system: Any) -> Any:
    """The whole reachable state graph as a networkx DiGraph (for tests, exports and the docs):
    node = state tuple, edge ``s -> t`` with ``actions``, the indices of the actions from s to t."""
    from scmcheck.model.lang.expr import TRUE

    res = run(system, [Goal("_all", (), TRUE)], symmetry=False)  # every state, not one per orbit
    return res[0].extra["graph"].to_networkx()
