"""The search: Hypothesis draws every choice of a run, shrinks a failing run, and a seed repeats it.

Each Hypothesis example is one run (scmcheck/testing/run.py).  Every choice
the run needs (which runnable thread goes next, whether the SCM sends a
control and which, when time jumps to the next deadline) is an integer drawn
from ``st.data()``, and recorded; Hypothesis shrinks the integers towards 0,
which the run reads as "the first option", so a shrunk run has few controls
and little interleaving.  Each integer is drawn with the ConjectureData's own
``draw_integer`` when this Hypothesis has it (the public ``data.draw`` records
and prints every draw, which took more time than the run itself: 1,500
against 3,600 scheduled steps per second), else with ``data.draw``; both
are one choice the shrinker sees.  A violation raises an exception whose
type names the property, so shrinking keeps to that property.  Once a
property is found, the search goes on for the others that remain, with the
same budget.

``seed`` None: derandomized (the same runs every time); an integer: those runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .run import DEFAULT_CONTROLS, DEFAULT_DEPTH, Outcome, Run
from .scheduler import foreign_errors


class _Draw:
    """Choices from Hypothesis (module docstring)."""

    _cache: dict = {}

    def __init__(self, data: Any) -> None:
        self.data = data
        # Hypothesis's own primitive: a choice for the shrinker like any other, without the bookkeeping
        # of DataObject.draw (recording and printing every draw), which costs more than a scheduled step.
        self.fast = getattr(getattr(data, "conjecture_data", None), "draw_integer", None)

    def choose(self, n: int, what: str) -> int:
        if self.fast is not None:
            try:
                return int(self.fast(0, n - 1))
            except TypeError:  # another Hypothesis's internals: take the public road from now on
                self.fast = None
        s = self._cache.get(n)
        if s is None:
            import hypothesis.strategies as st

            s = self._cache[n] = st.integers(0, n - 1)
        return self.data.draw(s)


class Replay:
    """Choices from a list (a saved trace's); past its end, 0."""

    def __init__(self, choices: list[int]) -> None:
        self.choices, self.at = list(choices), 0

    def choose(self, n: int, what: str) -> int:
        c = self.choices[self.at] if self.at < len(self.choices) else 0
        self.at += 1
        return min(max(0, int(c)), n - 1)


@dataclass
class Stats:
    runs: int = 0
    steps: int = 0
    exercised: dict = field(default_factory=dict)  # property -> runs in which its subject happened
    applicable: set = field(default_factory=set)  # properties that could judge the service in some run
    outcomes: dict = field(default_factory=dict)  # outcome -> runs
    blocked: Optional[Outcome] = None
    errors: list = field(default_factory=list)
    seconds: float = 0.0
    searches: int = 0  # one per property found, plus the last (module docstring)
    delivered: dict = field(default_factory=dict)  # control (or control/event type) -> runs it was delivered in
    handler_errors: dict = field(default_factory=dict)  # "CONTROL/EVENT: Error: text" -> runs it happened in


@dataclass
class Found:
    property: str
    outcome: Outcome  # the shrunk run
    first_after_s: float  # wall seconds from the start of the search to the first failing run
    run_index: int


_TYPES: dict[str, type] = {}


def _violation_type(pid: str) -> type:
    if pid not in _TYPES:
        _TYPES[pid] = type(f"Violated_{pid}", (AssertionError,), {})
    return _TYPES[pid]


def search(make_run: Callable[[Any, list], Run], properties: list[str], runs: int, seed: Optional[int],
           stats: Stats) -> list[Found]:
    """Search for violations of ``properties`` (module docstring); ``stats`` is filled in as it goes."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    found: list[Found] = []
    remaining = list(properties)
    start = time.monotonic()
    while remaining:
        last: dict = {}
        first: dict = {}

        stats.searches += 1

        def one(data: Any) -> None:
            out = make_run(_Draw(data), remaining).execute()
            if foreign_errors:
                out.errors.extend(e for e in foreign_errors if e not in out.errors)
                foreign_errors.clear()
            stats.runs += 1
            for name in out.delivered:
                stats.delivered[name] = stats.delivered.get(name, 0) + 1
            for e in dict.fromkeys(out.handler_errors):
                if e in stats.handler_errors or len(stats.handler_errors) < 20:
                    stats.handler_errors[e] = stats.handler_errors.get(e, 0) + 1
            stats.steps += out.steps
            stats.outcomes[out.outcome] = stats.outcomes.get(out.outcome, 0) + 1
            for pid in out.exercised:
                stats.exercised[pid] = stats.exercised.get(pid, 0) + 1
            stats.applicable |= out.applicable
            if out.blocked is not None and stats.blocked is None:
                stats.blocked = out
            for e in out.errors:
                if e not in stats.errors and len(stats.errors) < 20:
                    stats.errors.append(e)
            if out.violation is not None and out.violation.property in remaining:
                pid = out.violation.property
                first.setdefault(pid, (time.monotonic() - start, stats.runs))
                last[pid] = out
                raise _violation_type(pid)(out.violation.reason)

        test = given(st.data())(one)
        test = settings(max_examples=runs, database=None, deadline=None, derandomize=seed is None,
                        suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                        verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.shrink))(test)
        if seed is not None:
            test = hseed(seed)(test)
        try:
            test()
        except AssertionError as exc:
            pid = next((p for p, t in _TYPES.items() if isinstance(exc, t)), None)
            if pid is None or pid not in last:
                raise
            after, index = first[pid]
            found.append(Found(pid, last[pid], after, index))
            remaining.remove(pid)
            continue
        break
    stats.seconds = time.monotonic() - start
    return found


def make_runner(make_class: Callable[[], type], depth: int = DEFAULT_DEPTH, controls: int = DEFAULT_CONTROLS,
                watchdog_s: float = 3.0, unsaved_data: Optional[str] = None) -> Callable[[Any, list], Run]:
    def make(chooser: Any, props: list) -> Run:
        return Run(make_class, chooser, list(props), depth=depth, controls=controls, watchdog_s=watchdog_s,
                   unsaved_data=unsaved_data)

    return make
