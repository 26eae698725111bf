"""The one trace type shared by every engine, the CLI, renderers and replay."""

from __future__ import annotations

import builtins

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence


@dataclass(frozen=True)
class VarInfo:
    """Enough about a variable to read and render a trace without its model."""

    name: str
    kind: str  # bool | int | enum
    lo: int = 0
    hi: int = 1
    values: tuple = ()  # enum member names, by value
    unit: Optional[float] = None  # seconds per unit for clock counters

    def label(self, value: Any) -> Any:
        """The value as stored in ITF: enum members by name."""
        if self.kind == "enum" and isinstance(value, int) and 0 <= value < len(self.values):
            return self.values[value]
        return value

    def display(self, value: Any) -> Any:
        """The value for people: enum names, clock counters in seconds."""
        if self.unit and self.kind == "int" and isinstance(value, int):
            return f"{value * self.unit:g}s"
        return self.label(value)

    def to_json(self) -> dict:
        d = {"name": self.name, "kind": self.kind, "lo": self.lo, "hi": self.hi}
        if self.values:
            d["values"] = list(self.values)
        if self.unit:
            d["unit"] = self.unit
        return d

    @classmethod
    def from_variable(cls, var: Any) -> "VarInfo":
        values = tuple(var.enum(i).name for i in range(var.lo, var.hi + 1)) if var.kind == "enum" else ()
        return cls(var.name, var.kind, var.lo, var.hi, values, var.unit)


@dataclass(frozen=True)
class Step:
    """One action: who took it, with which arguments, and the state it led to."""

    action: str
    process: str
    args: dict
    state: tuple
    time: float = 0.0  # model seconds elapsed when this step completes
    reads: tuple = ()  # variables the action's guard reads (for cause edges)
    writes: tuple = ()  # variables the action assigns

    @property
    def label(self) -> str:
        if not self.args:
            return self.action
        return f"{self.action}(" + ", ".join(f"{k}={v}" for k, v in self.args.items()) + ")"


@dataclass
class Trace:
    """A run of a model from its initial state.

    ``length`` counts steps (actions), so engines that agree report equal
    lengths.  ``property`` names the invariant the last state violates (None
    for a plain run, e.g. a reachability witness).
    """

    model: str
    variables: list[VarInfo]
    init: tuple
    steps: list[Step]
    property: Optional[str] = None
    rules: list = field(default_factory=list)
    engine: str = ""
    design: str = ""
    target: str = ""
    parameters: dict = field(default_factory=dict)
    time_unit: Optional[float] = None
    processes: list = field(default_factory=list)
    focus: list = field(default_factory=list)  # variables the violated invariant reads
    # A lasso (liveness counterexample): the index of the state the run returns to after the
    # last state; states[loop] == the last state.  loop == length means the run stutters in its
    # last state forever.  None for a finite trace.
    loop: Optional[int] = None

    @builtins.property
    def length(self) -> int:
        return len(self.steps)

    @builtins.property
    def states(self) -> list[tuple]:
        return [self.init] + [s.state for s in self.steps]

    @builtins.property
    def final(self) -> tuple:
        return self.steps[-1].state if self.steps else self.init

    def as_dict(self, state: tuple) -> dict[str, Any]:
        """Every variable's display value in ``state``."""
        return {v.name: v.display(x) for v, x in zip(self.variables, state)}

    def changes(self, index: int) -> dict[str, Any]:
        """Variables step ``index`` changed, with their new display values."""
        states = self.states
        before, after = states[index], states[index + 1]
        return {v.name: v.display(b) for v, a, b in zip(self.variables, before, after) if a != b}

    def why(self) -> dict[str, Any]:
        """Display values, in the last state, of the variables the violated invariant reads."""
        final = self.as_dict(self.final)
        return {name: final[name] for name in self.focus if name in final}

    def lanes(self) -> list[str]:
        """Processes in display order: the model's declaration order, then any other."""
        seen = list(self.processes)
        for s in self.steps:
            if s.process not in seen:
                seen.append(s.process)
        return seen


def trace_from_actions(system: Any, actions: Sequence[Any], states: Optional[Sequence[tuple]] = None,
                       **meta: Any) -> Trace:
    """Build a trace from a path of model actions.

    ``states`` are the states the engine itself computed (BMC reads them off
    the solver's model); when absent they are computed by applying the actions.
    Either way :func:`~scmcheck.traces.replay.replay` re-checks them.
    """
    system.freeze()
    init = system.init_state() if states is None else tuple(states[0])
    cur, now, steps = init, 0.0, []
    for k, act in enumerate(actions):
        nxt = act.apply(cur) if states is None else tuple(states[k + 1])
        now += act.seconds(cur)
        steps.append(Step(act.name, act.process, dict(act.args), nxt, now,
                          tuple(sorted(act.reads())), tuple(sorted(act.writes()))))
        cur = nxt
    return Trace(
        model=system.name,
        variables=[VarInfo.from_variable(v) for v in system.variables],
        init=init,
        steps=steps,
        parameters=dict(system.parameters),
        time_unit=system.time_unit,
        processes=list(system.processes),
        **meta,
    )


def loop_steps(trace: Trace) -> range:
    """The 1-based numbers of the steps a lasso repeats forever: ``loop + 1 .. length``.

    Empty for a finite trace (``loop`` None) and for a stutter (``loop == length``).
    """
    if trace.loop is None:
        return range(0)
    return range(trace.loop + 1, trace.length + 1)


def loop_note(trace: Trace) -> Optional[str]:
    """The line every renderer shows after the last step of a lasso; None for a finite trace.

    ``"↺ loops back to step K (state after step K) forever"`` (``K = 0``: the
    initial state), or ``"↺ stays in this state forever (stutters)"`` when
    ``loop == length``.
    """
    if trace.loop is None:
        return None
    if trace.loop >= trace.length:
        return "↺ stays in this state forever (stutters)"
    target = "the initial state" if trace.loop == 0 else f"state after step {trace.loop}"
    return f"↺ loops back to step {trace.loop} ({target}) forever"


def loop_summary(trace: Trace) -> Optional[str]:
    """What repeats, in words (``"steps 3-5 repeat forever"``); None for a finite trace."""
    if trace.loop is None:
        return None
    steps = loop_steps(trace)
    if not steps:
        return "the run stops in its last state forever (stutters)"
    if len(steps) == 1:
        return f"step {steps[0]} repeats forever"
    return f"steps {steps[0]}-{steps[-1]} repeat forever"


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def join_changes(changes: dict, limit: Optional[int] = None) -> str:
    items: Iterable = list(changes.items())
    text = ", ".join(f"{k}={format_value(v)}" for k, v in items)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
