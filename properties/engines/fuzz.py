"""Random search with a Hypothesis RuleBasedStateMachine generated from the model.

One rule per action family (the guard of any member is the precondition; the
member is drawn from the enabled ones), every goal's invariant as an
``@invariant``.  Hypothesis shrinks a failing run; the rules record the actions
they take so the shrunk run becomes a trace (a local minimum, not necessarily
the shortest).  Random search proves nothing, so finding no violation is
reported as ``unknown`` with how much was run.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from scmcheck.model.expr import compile_python

from ..result import Goal, Result, Verdict
from .common import Progress, Ticker, checked_trace

NAME = "fuzz"
DEFAULT_DEPTH = 50
DEFAULT_RUNS = 300


class _Violation(AssertionError):
    def __init__(self, path: list) -> None:
        super().__init__("invariant violated")
        self.path = path


class _Counter:
    def __init__(self) -> None:
        self.steps = 0
        self.runs = 0


def _machine(system: Any, check: Any, counter: _Counter, tick: Ticker) -> type:
    """Build the state machine class for one system and one invariant."""
    init = system.init_state()
    actions = system.actions

    def __init__(self: Any) -> None:
        RuleBasedStateMachine.__init__(self)
        self.state = init
        self.path = []
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
            tick(steps=counter.steps, runs=counter.runs)

        return precondition(enabled)(rule(data=st.data())(step))

    def deadlocked(self: Any) -> bool:
        # Hypothesis fails with InvalidDefinition when no rule can run; a deadlocked
        # model simply stays where it is.
        return not any(a.enabled(self.state) for a in actions)

    def stay(self: Any) -> None:
        counter.steps += 1

    def holds(self: Any) -> None:
        if not check(self.state):
            raise _Violation(list(self.path))

    ns: dict = {"__init__": __init__, "stay_deadlocked": precondition(deadlocked)(rule()(stay)),
                "invariant_holds": invariant()(holds)}
    for i, (fam, members) in enumerate(system.families().items()):
        ns[f"rule_{i}_{fam}"] = make_rule(members)
    return type(f"Fuzz_{system.name}", (RuleBasedStateMachine,), ns)


def run(system: Any, goals: Sequence[Goal], depth: int = DEFAULT_DEPTH, runs: int = DEFAULT_RUNS,
        progress: Progress = None) -> list[Result]:
    """Run ``runs`` random runs of up to ``depth`` steps per goal.

    Runs are derandomized: the same model and settings give the same runs and
    the same trace, so a fuzz counterexample can be reproduced.
    """
    system.freeze()
    results = []
    for goal in goals:
        tick = Ticker(NAME, progress)
        counter = _Counter()
        cls = _machine(system, compile_python(goal.invariant), counter, tick)
        cfg = settings(max_examples=runs, stateful_step_count=depth, deadline=None, database=None,
                       derandomize=True, suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
                       phases=[Phase.generate, Phase.shrink], report_multiple_bugs=False, print_blob=False)
        path = _search(cls, cfg)
        if path is not None:
            trace = checked_trace(system, goal, NAME, path)
            results.append(Result(goal.id, goal.rules, NAME, Verdict.VIOLATED, trace.length, None,
                                  tick.elapsed(), trace, steps=counter.steps))
        else:
            results.append(Result(goal.id, goal.rules, NAME, Verdict.UNKNOWN, depth, None, tick.elapsed(),
                                  reason=f"no violation in {counter.runs} random runs ({counter.steps:,} steps, "
                                         f"up to {depth} each); random search is not exhaustive",
                                  steps=counter.steps))
    return results


def _search(cls: type, cfg: Any) -> Optional[list]:
    try:
        run_state_machine_as_test(cls, settings=cfg)
    except _Violation as v:
        return v.path
    return None
