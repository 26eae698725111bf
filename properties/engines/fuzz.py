"""Random search with a Hypothesis RuleBasedStateMachine generated from the model.

One rule per action family (the guard of any member is the precondition; the
member is drawn from the enabled ones), the open goals' invariants checked by
an ``@invariant``.  Hypothesis shrinks a failing run; the rules record the actions
they take so the shrunk run becomes a trace (a local minimum, not necessarily
the shortest).  Random search proves nothing, so finding no violation is
reported as ``unknown`` with how much was run.

``runs`` is the number of random runs of one search (Hypothesis's
``max_examples``).  Hypothesis counts only the runs that end normally; it
abandons a run part-way (and starts another) when its swarm testing has
switched off every rule enabled in the current state -- it switches rules
by function name, so every rule here has the same name and this never happens
(it used to abandon about half the runs at their first step) -- and, rarely,
when an early run exceeds the size cap it sets for early small examples.  Those
few are reported apart ("cut short"), as are the re-runs of shrinking.

Hypothesis keeps a cache under ``.hypothesis/`` in the current directory; fuzz
points it at a temporary directory for the duration of a run, so checking a
model never leaves files behind.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from scmcheck.model.lang.expr import compile_python

from ..result import Goal, Result, Verdict
from .common import Progress, Ticker, checked_trace

NAME = "fuzz"
DEFAULT_DEPTH = 50
DEFAULT_RUNS = 200


class _Violation(AssertionError):
    def __init__(self, goal: int, path: list) -> None:
        super().__init__("invariant violated")
        self.goal = goal
        self.path = path


class _OutOfTime(BaseException):
    """The run's time budget is spent.  A BaseException, so Hypothesis passes it straight out (an
    Exception would be shrunk as a failure)."""


class _Counter:
    def __init__(self) -> None:
        self.steps = 0
        self.runs = 0  # random runs started
        self.complete = 0  # ... and not cut short by Hypothesis (nor ended by a violation)
        self.reruns = 0  # runs after a failure: shrinking and the final replay
        self.failed = False  # a run raised (a violation): the rest is shrinking, never cut off
        self.zeno: tuple[int, int] = (0, 0)  # longest zero-time streak that revisited a state: (steps, states)
        self.end: Optional[float] = None  # time.monotonic() after which no run goes on (None: no limit)


def _machine(system: Any, checks: list, counter: _Counter, tick: Ticker) -> type:
    """Build the state machine class for one system and the invariants ``checks`` ((goal index, fn) pairs)."""
    init = system.init_state()
    actions = system.actions

    def __init__(self: Any) -> None:
        if counter.failed:
            counter.reruns += 1
        else:
            counter.runs += 1
        RuleBasedStateMachine.__init__(self)
        self.state = init
        self.path = []
        self.streak = [init]  # states since time last passed

    def make_rule(members: list) -> Any:
        def enabled(self: Any) -> bool:
            return any(a.enabled(self.state) for a in members)

        def step(self: Any, data: Any) -> None:
            # Also while shrinking: a violation not yet shrunk is dropped (the goal is then unknown).
            if counter.end is not None and time.monotonic() > counter.end:
                raise _OutOfTime
            choices = [a for a in members if a.enabled(self.state)]
            act = choices[0] if len(choices) == 1 else data.draw(st.sampled_from(choices), label="member")
            try:
                self.state = act.apply(self.state)
            except Exception:
                counter.failed = True  # a model error: let Hypothesis shrink and report it
                raise
            self.path.append(act)
            counter.steps += 1
            if act.duration > 0:
                self.streak = [self.state]
            else:
                self.streak.append(self.state)
                n, distinct = len(self.streak) - 1, len(set(self.streak))
                if n >= distinct and n > counter.zeno[0]:
                    counter.zeno = (n, distinct)
            tick(steps=counter.steps, runs=counter.runs)

        return precondition(enabled)(rule(data=st.data())(step))

    def deadlocked(self: Any) -> bool:
        # Hypothesis fails with InvalidDefinition when no rule can run; a deadlocked
        # model simply stays where it is.
        return not any(a.enabled(self.state) for a in actions)

    def stay(self: Any) -> None:
        counter.steps += 1

    # Hypothesis's swarm testing switches rules on and off per run *by function name*, keeping at
    # least one name on.  Every rule here is named "step": a run never finds every enabled rule
    # switched off (Hypothesis would abandon it as invalid, and start another).
    stay.__name__ = stay.__qualname__ = "step"

    def teardown(self: Any) -> None:
        # Called from Hypothesis's ``finally``: an exception on its way out means the run did not end
        # normally (cut short by Hypothesis, or a violation).
        if not counter.failed and sys.exc_info()[0] is None:
            counter.complete += 1

    def holds(self: Any) -> None:
        for index, check in checks:
            try:
                ok = check(self.state)
            except Exception:
                counter.failed = True
                raise
            if not ok:
                counter.failed = True
                raise _Violation(index, list(self.path))

    ns: dict = {"__init__": __init__, "teardown": teardown, "stay_deadlocked": precondition(deadlocked)(rule()(stay)),
                "invariant_holds": invariant()(holds)}
    for i, (fam, members) in enumerate(system.families().items()):
        ns[f"rule_{i}_{fam}"] = make_rule(members)
    return type(f"Fuzz_{system.name}", (RuleBasedStateMachine,), ns)


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, runs: int = DEFAULT_RUNS,
        progress: Progress = None, seed: Optional[int] = None, timeout: Optional[float] = None) -> list[Result]:
    """Random runs of up to ``depth`` steps checking every open goal at once.

    Each search makes ``runs`` random runs (fewer only when Hypothesis has
    tried every distinct run); when it finds (and shrinks) a violation of some
    goal, that goal is settled and a new search starts for the goals still
    open.  Without ``seed`` the runs are derandomized: the same model and
    settings give the same runs and the same traces.  With a ``seed`` they
    are drawn from that seed: the same seed gives the same runs, another seed
    other runs.  Either way a fuzz counterexample can be reproduced.
    """
    if runs < 1:
        raise ValueError(f"runs={runs}: fuzz needs at least one run per search")
    with _private_hypothesis_home():
        return _run(system, goals, depth, runs, progress, seed, timeout)


@contextmanager
def _private_hypothesis_home() -> Iterator[None]:
    """Hypothesis's storage (``.hypothesis/``, by default in the current directory: a cache of the
    constants in local source files) goes to a temporary directory, removed afterwards; the
    previous setting is restored."""
    from hypothesis import configuration

    # The resolved home (None until Hypothesis first needs it; then resolved again from
    # HYPOTHESIS_STORAGE_DIRECTORY or the current directory).
    before = vars(configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(prefix="scmcheck-hypothesis-") as home:
        configuration.set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(before)


def _run(system: Any, goals: Sequence[Goal], depth: int, runs: int, progress: Progress,
         seed: Optional[int], timeout: Optional[float] = None) -> list[Result]:
    system.freeze()
    tick = Ticker(NAME, progress)
    results: dict[int, Result] = {}
    for i, g in enumerate(goals):
        # Random finite runs cannot show that a run goes on forever without its goal, nor that no path
        # ever lets time pass: those shapes are the explicit engine's and BMC's.
        if g.kind == "leads_to":
            results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, depth, None, 0.0, kind=g.kind,
                                reason="random search does not decide eventually properties")
        elif g.kind == "time_lock":
            results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, depth, None, 0.0, kind=g.kind,
                                reason="random search does not decide time-locks")
    compiled = [None if g.invariant is None else compile_python(g.invariant) for g in goals]
    total = _Counter()
    end = None if timeout is None or math.isinf(timeout) else time.monotonic() + timeout
    searches = 0
    while len(results) < len(goals):
        searches += 1
        counter = _Counter()
        counter.end = end
        open_ = [(i, compiled[i]) for i in range(len(goals)) if i not in results]
        cls = _machine(system, open_, counter, tick)
        if seed is not None:
            # The documented way to seed a state machine (run_state_machine_as_test copies it onto the
            # test).  Hypothesis seeds a random.Random with it, which takes an int or a str.
            cls = hypothesis.seed(f"scmcheck-fuzz:{seed}:{searches}")(cls)
        cfg = settings(max_examples=runs, stateful_step_count=depth, deadline=None, database=None,
                       derandomize=seed is None, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                       phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False, print_blob=False)
        found = _search(cls, cfg, end)
        total.steps += counter.steps
        total.runs += counter.runs
        total.complete += counter.complete
        total.zeno = max(total.zeno, counter.zeno)
        seeded = "" if seed is None else f", seed {seed}"
        if found == "timeout":
            for i, _ in open_:
                g = goals[i]
                results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, depth, None, tick.elapsed(), steps=total.steps,
                                    reason=f"timeout of {timeout:g} s reached in search {searches}, after "
                                           f"{total.runs} random runs ({total.steps:,} steps) with no violation")
                results[i].extra.update({**_figures(seed, counter, searches), "timed_out": True})
            break
        if found is None:
            cut = counter.runs - counter.complete
            cut = "" if not cut else f"; {cut} more {'run was' if cut == 1 else 'runs were'} cut short by Hypothesis"
            earlier = "" if searches == 1 else \
                f"; {searches} searches in all (a new one after each violation), {total.complete} random runs"
            for i, _ in open_:
                g = goals[i]
                results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, depth, None, tick.elapsed(),
                                    reason=f"no violation in {counter.complete} random runs ({counter.steps:,} steps, "
                                           f"up to {depth} each{seeded}{cut}){earlier}; random search is not "
                                           "exhaustive",
                                    steps=total.steps)
                results[i].extra.update(_figures(seed, counter, searches))
            break
        index, path = found
        # The shrunk run may break other open goals too: each one's first violation
        # along the same run is a counterexample found by this search as well.
        states = _states(system, path)
        for i, check in open_:
            first = next((k for k, st_ in enumerate(states) if not check(st_)), None)
            if first is None:
                continue
            g = goals[i]
            trace = checked_trace(system, g, NAME, path[:first])
            results[i] = Result(g.id, g.rules, NAME, Verdict.VIOLATED, trace.length, None, tick.elapsed(), trace,
                                steps=total.steps,
                                reason=f"found by random run {counter.runs} of search {searches} (at most {runs} "
                                       f"runs per search{seeded}), then shrunk in {counter.reruns} re-runs")
            results[i].extra.update(_figures(seed, counter, searches))
    if system.timed and total.zeno[0]:
        for i, g in enumerate(goals):
            if g.kind == "time_lock":
                results[i].reason += (f"; warning: a run took {total.zeno[0]} zero-time steps in a row through only "
                                      f"{total.zeno[1]} states (a time-lock or a Zeno cycle?): run --engine explicit")
    return [results[i] for i in range(len(goals))]


def _figures(seed: Optional[int], counter: _Counter, search: int) -> dict:
    """What one search ran: runs started (``complete`` of them ended normally), re-runs of shrinking."""
    return {"seed": seed, "runs": counter.runs, "complete": counter.complete, "reruns": counter.reruns,
            "search": search}


def _states(system: Any, path: list) -> list:
    states = [system.init_state()]
    for act in path:
        states.append(act.apply(states[-1]))
    return states


def _search(cls: type, cfg: Any, end: Optional[float] = None) -> Any:
    """``(goal index, path)`` of the violation found, None if none, "timeout" if the budget ran out."""
    try:
        run_state_machine_as_test(cls, settings=cfg)
    except _Violation as v:
        return v.goal, v.path
    except _OutOfTime:
        return "timeout"
    except Exception:
        # Out of time while shrinking, Hypothesis sees a replay end early and says the test is flaky.
        if end is not None and time.monotonic() > end:
            return "timeout"
        raise
    return None
