"""Random search with a Hypothesis RuleBasedStateMachine generated from the model.

One rule per action family (the guard of any member is the precondition; the
member is drawn from the enabled ones), the open goals' invariants checked by
an ``@invariant``.  Hypothesis shrinks a failing run; the rules record the actions
they take so the shrunk run becomes a trace (a local minimum, not necessarily
the shortest).  Random search proves nothing, so finding no violation is
reported as ``unknown`` with how much was run.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

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


class _Counter:
    def __init__(self) -> None:
        self.steps = 0
        self.runs = 0
        self.zeno: tuple[int, int] = (0, 0)  # longest zero-time streak that revisited a state: (steps, states)


def _machine(system: Any, checks: list, counter: _Counter, tick: Ticker) -> type:
    """Build the state machine class for one system and the invariants ``checks`` ((goal index, fn) pairs)."""
    init = system.init_state()
    actions = system.actions

    def __init__(self: Any) -> None:
        RuleBasedStateMachine.__init__(self)
        self.state = init
        self.path = []
        self.streak = [init]  # states since time last passed
        counter.runs += 1

    def make_rule(members: list) -> Any:
        def enabled(self: Any) -> bool:
            return any(a.enabled(self.state) for a in members)

        def step(self: Any, data: Any) -> None:
            choices = [a for a in members if a.enabled(self.state)]
            act = choices[0] if len(choices) == 1 else data.draw(st.sampled_from(choices), label="member")
            self.state = act.apply(self.state)
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

    def holds(self: Any) -> None:
        for index, check in checks:
            if not check(self.state):
                raise _Violation(index, list(self.path))

    ns: dict = {"__init__": __init__, "stay_deadlocked": precondition(deadlocked)(rule()(stay)),
                "invariant_holds": invariant()(holds)}
    for i, (fam, members) in enumerate(system.families().items()):
        ns[f"rule_{i}_{fam}"] = make_rule(members)
    return type(f"Fuzz_{system.name}", (RuleBasedStateMachine,), ns)


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, runs: int = DEFAULT_RUNS,
        progress: Progress = None) -> list[Result]:
    """Random runs of up to ``depth`` steps checking every open goal at once.

    Each search runs at most ``runs`` examples; when it finds (and shrinks) a
    violation of some goal, that goal is settled and a new search starts for
    the goals still open.  Runs are derandomized: the same model and settings
    give the same runs and the same traces, so a fuzz counterexample can be
    reproduced.
    """
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
    while len(results) < len(goals):
        counter = _Counter()
        open_ = [(i, compiled[i]) for i in range(len(goals)) if i not in results]
        cls = _machine(system, open_, counter, tick)
        cfg = settings(max_examples=runs, stateful_step_count=depth, deadline=None, database=None,
                       derandomize=True, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                       phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False, print_blob=False)
        found = _search(cls, cfg)
        total.steps += counter.steps
        total.runs += counter.runs
        total.zeno = max(total.zeno, counter.zeno)
        if found is None:
            for i, _ in open_:
                g = goals[i]
                results[i] = Result(g.id, g.rules, NAME, Verdict.UNKNOWN, depth, None, tick.elapsed(),
                                    reason=f"no violation in {counter.runs} random runs ({counter.steps:,} steps, "
                                           f"up to {depth} each); random search is not exhaustive",
                                    steps=total.steps)
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
                                steps=total.steps)
    if system.timed and total.zeno[0]:
        for i, g in enumerate(goals):
            if g.kind == "time_lock":
                results[i].reason += (f"; warning: a run took {total.zeno[0]} zero-time steps in a row through only "
                                      f"{total.zeno[1]} states (a time-lock or a Zeno cycle?): run --engine explicit")
    return [results[i] for i in range(len(goals))]


def _states(system: Any, path: list) -> list:
    states = [system.init_state()]
    for act in path:
        states.append(act.apply(states[-1]))
    return states


def _search(cls: type, cfg: Any) -> Optional[tuple[int, list]]:
    try:
        run_state_machine_as_test(cls, settings=cfg)
    except _Violation as v:
        return v.goal, v.path
    return None
