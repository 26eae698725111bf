"""Transition systems: finite-domain variables and guarded actions.

A :class:`System` is built by declaring variables (``bool``, bounded ``int``,
``enum``) and actions (name, acting process, guard, update).  Process families
are plain Python loops that declare one indexed variable/action per member;
``args`` records the index so engines can treat a family as one rule.

Every engine interprets the same :class:`Action` objects: ``guard``/``update``
are :class:`~scmcheck.model.lang.expr.Expr` trees, compiled once to Python here and
translated to Z3 by BMC.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from .errors import ModelError
from .expr import (BOOL, INT, Expr, VarRef, all_of, compile_python, enum_class, interval, lift, max_magnitude,
                   to_python, variables)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[0-9]+\])*$")

State = tuple


@dataclass(frozen=True)
class Variable:
    """One state variable: its domain, initial value and meaning."""

    name: str
    kind: str  # "bool" | "int" | "enum"
    lo: int
    hi: int
    init: Any
    doc: str
    index: int
    enum: Optional[type] = None
    unit: Optional[float] = None  # seconds per unit, for clock counters (display only)

    def label(self, value: Any) -> Any:
        """JSON/display form of a value: enum names as strings."""
        if self.kind == "enum":
            try:
                return self.enum(value).name  # type: ignore[misc]
            except ValueError:
                return int(value)
        return value

    def parse(self, raw: Any) -> Any:
        """Inverse of :meth:`label`; raises ModelError for a value outside the domain."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
        elif self.kind == "enum":
            if isinstance(raw, str) and raw in self.enum.__members__:  # type: ignore[union-attr]
                return int(self.enum[raw])  # type: ignore[index]
        elif isinstance(raw, int) and not isinstance(raw, bool) and self.lo <= raw <= self.hi:
            return raw
        raise ModelError(f"value {raw!r} is not in the domain of {self.name} ({self.domain_text()})")

    def domain_text(self) -> str:
        if self.kind == "bool":
            return "true/false"
        if self.kind == "enum":
            return "one of " + ", ".join(self.enum.__members__)  # type: ignore[union-attr]
        return f"{self.lo}..{self.hi}"

    def in_domain(self, value: Any) -> bool:
        if self.kind == "bool":
            return isinstance(value, bool)
        return isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi


@dataclass
class Action:
    """A guarded, atomic step of one process.

    ``name`` is the family name shared by every member (``worker_exit``);
    ``args`` tells members apart (``{"i": 2}``).  ``duration`` is the model
    time in seconds that the step lets pass (the clock's tick), used only to
    put timestamps on traces.
    """

    name: str
    process: str
    guard: Expr
    update: dict
    args: dict = field(default_factory=dict)
    doc: str = ""
    duration: float = 0.0
    index: int = -1
    # False for a step that may happen at any moment or never (timing ANY_TIME: an error that may
    # strike): weak fairness never forces it (model/lang/temporal.py).
    fair: bool = True
    # For a time step whose length depends on the state (the clock jumps to the next deadline): the
    # milliseconds it lets pass, as an Expr over the state before the step (model/lang/clock.py).
    elapsed_ms: Optional[Expr] = None
    _elapsed_fn: Optional[Callable[[State], int]] = field(default=None, repr=False)
    enabled: Callable[[State], bool] = field(default=None, repr=False)  # type: ignore[assignment]
    apply: Callable[[State], State] = field(default=None, repr=False)  # type: ignore[assignment]

    @property
    def label(self) -> str:
        """``name(k=v, ...)``: unique within a system."""
        if not self.args:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={v}" for k, v in self.args.items()) + ")"

    def seconds(self, state: State) -> float:
        """Model seconds this step lets pass when taken in ``state`` (0 for a zero-time step)."""
        if self.elapsed_ms is None:
            return self.duration
        if self._elapsed_fn is None:
            self._elapsed_fn = compile_python(self.elapsed_ms)
        return self._elapsed_fn(state) / 1000.0

    def reads(self) -> set[str]:
        return variables(self.guard)

    def writes(self) -> set[str]:
        return set(self.update)


class System:
    """A finite transition system; build it, then :meth:`freeze` (engines do it)."""

    def __init__(self, name: str, doc: str = "", parameters: Optional[Mapping[str, Any]] = None,
                 time_unit: Optional[float] = None) -> None:
        self.name = name
        self.doc = doc
        self.parameters: dict = dict(parameters or {})
        self.time_unit = time_unit
        self.variables: list[Variable] = []
        self.actions: list[Action] = []
        self._refs: dict[str, VarRef] = {}
        self._labels: set[str] = set()
        self._frozen = False
        self.processes: list[str] = []
        self.definitions: dict[str, Expr] = {}
        # Liveness and time (model/lang/temporal.py): processes not subject to fairness, and for
        # models with a clock, where time may pass now and where nothing waits on time.
        self.environment: set[str] = set()
        self.time_passes: Optional[Expr] = None
        self.quiescent: Optional[Expr] = None
        self.time_passes_fn: Optional[Callable[[State], bool]] = None
        self.quiescent_fn: Optional[Callable[[State], bool]] = None
        self.assumptions: list[str] = []
        self._before_freeze: list[Callable[[], None]] = []
        self._defined_by: dict[str, str] = {}
        self.definition_docs: dict[str, str] = {}  # the meaning of a definition, for docs and messages
        self._monitors: list[tuple[VarRef, Callable[["Action"], Any]]] = []
        # Extra fields of the events a step produces that its update does not show, by action name
        # (what a handler returns: model/windows/events.py reads ``result`` here).
        self.step_notes: dict[str, dict] = {}

    # ------------------------------------------------------------ variables
    def bool(self, name: str, init: bool = False, doc: str = "") -> VarRef:
        """Declare a boolean variable."""
        if not isinstance(init, bool):
            raise ModelError(f"bool variable {name}: initial value {init!r} is not true/false")
        return self._declare(name, "bool", 0, 1, init, doc, None)

    def int(self, name: str, lo: int, hi: int, init: int, doc: str = "", unit: Optional[float] = None) -> VarRef:
        """Declare a bounded integer variable ``lo..hi``; ``unit`` (seconds per
        step) marks a clock counter so traces show it in seconds."""
        if not (isinstance(lo, int) and isinstance(hi, int)) or lo > hi:
            raise ModelError(f"int variable {name}: bounds {lo}..{hi} are not a non-empty integer range")
        if not isinstance(init, int) or isinstance(init, bool) or not lo <= init <= hi:
            raise ModelError(f"int variable {name}: initial value {init!r} is outside {lo}..{hi}")
        return self._declare(name, "int", lo, hi, int(init), doc, None, unit)

    def enum(self, name: str, enum_cls: type, init: Any, doc: str = "") -> VarRef:
        """Declare a variable ranging over an ``IntEnum`` (values must be 0..n-1)."""
        if not (isinstance(enum_cls, type) and issubclass(enum_cls, enum.IntEnum)):
            raise ModelError(f"enum variable {name}: {enum_cls!r} is not an IntEnum class")
        values = sorted(int(m) for m in enum_cls)
        if values != list(range(len(values))):
            raise ModelError(f"enum variable {name}: {enum_cls.__name__} values must be 0..{len(values) - 1}")
        if not isinstance(init, enum_cls):
            raise ModelError(f"enum variable {name}: initial value {init!r} is not a {enum_cls.__name__}")
        return self._declare(name, "enum", 0, len(values) - 1, int(init), doc, enum_cls)

    def _declare(self, name: str, kind: str, lo: int, hi: int, init: Any, doc: str, enum_cls: Any,
                 unit: Optional[float] = None) -> VarRef:
        self._mutable()
        if not _NAME.match(name):
            raise ModelError(f"variable name {name!r} is not an identifier (optionally indexed, like w[2])")
        if name in self._refs:
            raise ModelError(f"variable {name} is declared twice in {self.name}; give it another name")
        var = Variable(name, kind, lo, hi, init, doc, len(self.variables), enum_cls, unit)
        self.variables.append(var)
        ref = VarRef(name, var.index, BOOL if kind == "bool" else INT, lo, hi, enum_cls)
        self._refs[name] = ref
        return ref

    def __getitem__(self, name: str) -> VarRef:
        """The expression of variable ``name``."""
        try:
            return self._refs[name]
        except KeyError:
            raise ModelError(f"{self.name} has no variable {name!r}; it has: {', '.join(self._refs)}") from None

    def has(self, name: str) -> bool:
        return name in self._refs

    def variable(self, name: str) -> Variable:
        return self.variables[self[name].index]

    # ------------------------------------------------------------ definitions
    def define(self, name: str, expr: Any, doc: str = "", by: str = "") -> Expr:
        """Name a derived expression (like a TLA+ operator), e.g. ``all_threads_exited``.

        The invariant catalog reads models through these names, so a user's own
        design reuses a catalog entry by defining the names it needs.
        """
        if name in self.definitions:
            first = self._defined_by.get(name)
            raise ModelError(f"definition {name} is given twice in {self.name}" +
                             (f"; it was first defined by {first}" if first else ""))
        if by:
            self._defined_by[name] = by
        if doc:
            self.definition_docs[name] = doc
        e = lift(expr)
        self._check_refs(e, f"definition {name}")
        self.definitions[name] = e
        return e

    def definition(self, name: str, needed_by: str = "") -> Expr:
        """A named definition; the error names who needs it and what exists."""
        try:
            return self.definitions[name]
        except KeyError:
            who = f" (needed by {needed_by})" if needed_by else ""
            have = ", ".join(sorted(self.definitions)) or "none"
            raise ModelError(f"{self.name} does not define {name!r}{who}; it defines: {have}. "
                             f"Add system.define({name!r}, ...) to the design") from None

    # ------------------------------------------------------------ liveness and time
    def environment_process(self, *names: str) -> None:
        """Declare processes of the environment (the SCM, clients): never forced to move by
        fairness (model/lang/temporal.py).  Every other process is scheduled weakly fairly."""
        self._mutable()
        self.environment.update(names)

    def set_time(self, time_passes: Any, quiescent: Any) -> None:
        """Make this a timed model (the clock calls it): ``time_passes`` holds where time may pass
        now, ``quiescent`` where nothing waits on time and no urgent step is enabled."""
        self._mutable()
        self.time_passes, self.quiescent = lift(time_passes), lift(quiescent)
        for e, who in ((self.time_passes, "time_passes"), (self.quiescent, "quiescent")):
            self._check_refs(e, who)

    def symmetric(self, family: str, members: Sequence[Sequence[Any]],
                  processes: Optional[Sequence[str]] = None) -> None:
        """Declare the members of process family ``family`` interchangeable: ``members[i]`` lists member
        i's own variables (refs or names), in the same order for every member; ``processes[i]`` is member
        i's process (default ``family[i]``).  Checked at freeze (scmcheck.model.lang.symmetry): ModelError
        if a swap of two members does not map the actions and the initial state onto themselves."""
        from .symmetry import Symmetry

        if self._frozen:
            raise ValueError(f"{self.name} is frozen; declare symmetry before checking it")
        if len(members) < 2:
            return  # one member: nothing to permute
        idx = tuple(tuple(self.variable(m if isinstance(m, str) else m.name).index for m in mem) for mem in members)
        if len({len(m) for m in idx}) != 1:
            raise ModelError(f"{self.name}: symmetric family {family}: every member must list the same number of "
                             "variables, in the same order")
        flat = [x for m in idx for x in m]
        taken = {x for sym in self.symmetries for m in sym.members for x in m}
        if len(set(flat)) != len(flat) or taken & set(flat):
            raise ModelError(f"{self.name}: symmetric family {family}: a variable belongs to two members")
        procs = tuple(processes) if processes is not None else tuple(f"{family}[{i}]" for i in range(len(idx)))
        if len(procs) != len(idx):
            raise ModelError(f"{self.name}: symmetric family {family}: {len(procs)} processes for {len(idx)} members")
        self.__dict__.setdefault("_symmetries", []).append(Symmetry(family, idx, procs))

    @property
    def symmetries(self) -> tuple:
        """The declared symmetric families (``symmetric``), checked at freeze."""
        return tuple(self.__dict__.get("_symmetries", ()))

    def assume(self, text: str) -> None:
        """Record a simplification every verdict on this model depends on (a cut-off, a
        saturating counter); verdicts print it among their assumptions."""
        if text not in self.assumptions:
            self.assumptions.append(text)

    def monitor(self, var: VarRef, update: Callable[["Action"], Any]) -> None:
        """A monitor variable every action may update: at :meth:`freeze`, ``update(action)``
        gives the monitor's new value for that action (an Expr over the old state), or None to
        leave it unchanged.  This is how an action property ("no SetServiceStatus after
        SERVICE_STOPPED") watches every step of a design, including steps written later."""
        self._mutable()
        self._monitors.append((var, update))

    def before_freeze(self, hook: Callable[[], None]) -> None:
        """Run ``hook()`` at :meth:`freeze`, before anything is compiled, when every action is declared."""
        self._mutable()
        self._before_freeze.append(hook)

    @property
    def timed(self) -> bool:
        return self.time_passes is not None

    # ------------------------------------------------------------ actions
    def action(self, name: str, process: str, guard: Any, update: Mapping[Any, Any],
               args: Optional[Mapping[str, Any]] = None, doc: str = "", duration: float = 0.0,
               fair: bool = True, elapsed_ms: Any = None) -> Action:
        """Declare an action: ``process`` may take it when ``guard`` holds; ``update``
        maps variables (refs or names) to their new values, all computed from the
        old state.  Variables not named keep their values."""
        self._mutable()
        g = all_of(*guard) if isinstance(guard, (list, tuple)) else lift(guard)
        if g.sort != BOOL:
            raise ModelError(f"action {name}: guard {g} is not boolean")
        upd: dict[str, Expr] = {}
        for key, value in update.items():
            vname = key.name if isinstance(key, VarRef) else key
            ref = self[vname]
            if isinstance(key, VarRef) and self._refs.get(vname) is not key:
                raise ModelError(f"action {name}: updates {vname}, a variable of another system")
            have = enum_class(value)
            if ref.enum is not None and have is not None and have is not ref.enum:
                raise ModelError(f"action {name}: {vname} is a {ref.enum.__name__} but is assigned the "
                                 f"{have.__name__} {value!r}")
            e = lift(value)
            if e.sort != ref.sort:
                raise ModelError(f"action {name}: {vname} is {ref.sort} but is assigned the {e.sort} {e}")
            if vname in upd:
                raise ModelError(f"action {name}: assigns {vname} twice")
            upd[vname] = e
        for e in [g, *upd.values()]:
            self._check_refs(e, f"action {name}")
        act = Action(name, process, g, upd, dict(args or {}), doc, float(duration), len(self.actions), fair=fair,
                     elapsed_ms=None if elapsed_ms is None else lift(elapsed_ms))
        if act.label in self._labels:
            raise ModelError(f"action {act.label} is declared twice in {self.name}; give it distinct args or names")
        self._labels.add(act.label)
        self.actions.append(act)
        if process not in self.processes:
            self.processes.append(process)
        return act

    def _check_refs(self, e: Expr, who: str) -> None:
        """Every variable ``e`` reads must be one of ours: a same-named VarRef of
        another system carries that system's index and would read the wrong slot."""
        stack = [e]
        while stack:
            n = stack.pop()
            if isinstance(n, VarRef):
                if n.name not in self._refs:
                    raise ModelError(f"{who}: uses variable {n.name}, which {self.name} does not declare")
                if self._refs[n.name] is not n:
                    raise ModelError(f"{who}: uses variable {n.name} of another system; use {self.name}[{n.name!r}]")
            elif n.op != "const":
                stack.extend(n.args)

    def _mutable(self) -> None:
        if self._frozen:
            raise ModelError(f"{self.name} is frozen (already being checked); declare everything before checking")

    # ------------------------------------------------------------ compiled view
    def freeze(self) -> "System":
        """Compile every action; afterwards the system cannot change."""
        if self._frozen:
            return self
        hooks, self._before_freeze = self._before_freeze, []
        for hook in hooks:
            hook()  # e.g. the clock's steps into an interval, which read every other step's guard
        if not self.actions:
            raise ModelError(f"{self.name} declares no actions; a system needs at least one")
        for var, make in self._monitors:
            for act in self.actions:
                if var.name in act.update:
                    continue
                e = make(act)
                if e is not None:
                    e = lift(e)
                    self._check_refs(e, f"monitor {var.name} on {act.label}")
                    act.update[var.name] = e
        for act in self.actions:
            act.enabled = compile_python(act.guard)
            act.apply = self._compile_update(act)
        if self.time_passes is not None:
            self.time_passes_fn = compile_python(self.time_passes)
            self.quiescent_fn = compile_python(self.quiescent)
        if self.symmetries:
            from .symmetry import check as check_symmetry

            for sym in self.symmetries:
                check_symmetry(self, sym)
        self._frozen = True
        return self

    def _compile_update(self, act: Action) -> Callable[[State], State]:
        parts, checks = [], []
        for var in self.variables:
            e = act.update.get(var.name)
            if e is None:
                parts.append(f"v[{var.index}]")
                continue
            parts.append(to_python(e))
            lo, hi = interval(e)
            if var.kind != "bool" and (lo < var.lo or hi > var.hi):
                checks.append(var.index)
        src = "def step(v):\n    n = (" + ", ".join(parts) + ",)\n"
        for i in checks:
            var = self.variables[i]
            src += (f"    if not {var.lo} <= n[{i}] <= {var.hi}:\n"
                    f"        _oob({act.index}, {i}, v, n[{i}])\n")
        src += "    return n\n"
        scope = {"min": min, "max": max, "_oob": self._out_of_bounds}
        exec(src, scope)  # noqa: S102 - generated from our own AST
        return scope["step"]

    def _out_of_bounds(self, act_index: int, var_index: int, state: State, value: int) -> None:
        act, var = self.actions[act_index], self.variables[var_index]
        raise ModelError(
            f"model {self.name}: action {act.label} sets {var.name} to {value}, outside its range "
            f"{var.lo}..{var.hi}, from state {self.describe(state)}; widen the range or saturate the update (min_/max_)"
        )

    def unchecked_updates(self) -> list[tuple[Action, Variable]]:
        """(action, variable) pairs whose update may leave the variable's range."""
        out = []
        for act in self.actions:
            for vname, e in act.update.items():
                var = self.variable(vname)
                lo, hi = interval(e)
                if var.kind != "bool" and (lo < var.lo or hi > var.hi):
                    out.append((act, var))
        return out

    def init_state(self) -> State:
        return tuple(v.init for v in self.variables)

    def successors(self, state: State) -> Iterable[tuple[Action, State]]:
        for act in self.actions:
            if act.enabled(state):
                yield act, act.apply(state)

    def successors_fn(self) -> Callable[..., list[tuple[int, int]]]:
        """:meth:`successors` as one generated function over packed states (model/lang/packed.py):
        ``packed state -> [(action index, next packed state)]``, in action order (given a set
        ``seen`` as well, only the states not in it, added to it).  Pack and unpack with
        ``packing(system)`` from that module; built once per system, from the actions' Exprs."""
        from .packed import packing

        return packing(self).successors

    def families(self) -> dict[str, list[Action]]:
        """Actions grouped by family name, in declaration order."""
        fam: dict[str, list[Action]] = {}
        for act in self.actions:
            fam.setdefault(act.name, []).append(act)
        return fam

    def find_action(self, name: str, args: Mapping[str, Any]) -> Optional[Action]:
        for act in self.actions:
            if act.name == name and act.args == dict(args):
                return act
        return None

    def max_magnitude(self, extra: Iterable[Expr] = ()) -> int:
        exprs = [e for a in self.actions for e in [a.guard, *a.update.values()]] + list(extra)
        best = max((max(abs(v.lo), abs(v.hi)) for v in self.variables), default=1)
        return max([best, *(max_magnitude(e) for e in exprs)])

    def as_dict(self, state: State) -> dict[str, Any]:
        return {v.name: v.label(x) for v, x in zip(self.variables, state)}

    def describe(self, state: State) -> str:
        return "{" + ", ".join(f"{k}={v}" for k, v in self.as_dict(state).items()) + "}"

    # ------------------------------------------------------------ the design's own properties
    # A design may state properties of its own besides the catalog's (README, "Your own properties").
    # They are recorded here; the catalog (properties/catalog) turns them into entries, checks their
    # ids against its own and their rule numbers against properties/rules.py, and every engine checks
    # them like catalog entries.

    @dataclass(frozen=True)
    class Declared:
        """A property declared by :meth:`System.invariant` or :meth:`System.leads_to`."""

        id: str
        kind: str  # "invariant" | "leads_to"
        guarantee: str
        rules: tuple
        predicate: Optional[Expr] = None  # invariant: holds in every reachable state
        trigger: Optional[Expr] = None  # leads_to: after trigger ...
        goal: Optional[Expr] = None  # ... eventually goal
        hold: Optional[Expr] = None  # leads_to: the loop of a counterexample satisfies it throughout
        witness: Optional[Expr] = None  # a state that must be reachable for a verdict to mean anything
        where: str = ""  # "file.py, line 12": where it was declared, for messages

    _PROPERTY_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")

    @property
    def declared_properties(self) -> tuple:
        """The design's own properties (:class:`System.Declared`), in declaration order."""
        return tuple(self.__dict__.get("_declared_properties", {}).values())

    def invariant(self, id: str, expr: Any, *, guarantee: str, rules: Any = (), witness: Any = None) -> "System.Declared":
        """Declare a property of this design: ``expr`` holds in every reachable state.

        ``id`` names it (``--property ID``, trace file names) and must differ from every catalog
        id; ``guarantee`` says it in one sentence; ``rules`` are rule numbers it comes from
        (``scmcheck list --rules``; none for a design's own requirement); ``witness`` is a state
        that must be reachable for "proved" to mean anything (None: "no witness given").
        """
        return self._declare_property("invariant", id, guarantee, rules, witness, predicate=expr)

    def leads_to(self, id: str, trigger: Any, goal: Any, *, guarantee: str, rules: Any = (), witness: Any = None,
                 hold: Any = None) -> "System.Declared":
        """Declare a property of this design: after ``trigger``, eventually ``goal`` (the same state
        counts), under the fairness and time assumptions of model/lang/temporal.py.

        ``witness`` defaults to ``trigger`` (a leads-to whose trigger never happens is vacuous);
        ``hold``: an assumption on the loop of a counterexample (default: none).  Other arguments as
        for :meth:`invariant`.
        """
        return self._declare_property("leads_to", id, guarantee, rules, witness, trigger=trigger, goal=goal,
                                      hold=hold)

    def _declare_property(self, kind: str, pid: Any, guarantee: Any, rules: Any, witness: Any,
                          **parts: Any) -> "System.Declared":
        import sys

        self._mutable()
        caller = sys._getframe(2)
        where = f"{caller.f_code.co_filename}, line {caller.f_lineno}"
        if caller.f_code.co_name != "<module>":
            where += f", in {caller.f_code.co_name}"
        if not isinstance(pid, str) or not self._PROPERTY_ID.fullmatch(pid):
            raise ModelError(f"{kind} {pid!r}: a property id is 1 to 80 letters, digits and '_', not starting "
                             "with a digit (it names trace files), e.g. 'queue_never_overflows'")
        declared = self.__dict__.setdefault("_declared_properties", {})
        if pid in declared:
            raise ModelError(f"property id {pid} is declared twice in {self.name} (first at {declared[pid].where}); "
                             "give each property its own id")
        if not isinstance(guarantee, str) or not guarantee.strip():
            raise ModelError(f"property {pid}: guarantee = {guarantee!r}; say what it guarantees in one sentence, "
                             "e.g. guarantee=\"The queue never overflows.\"")
        if isinstance(rules, str):
            rules = (rules,)
        if not isinstance(rules, (tuple, list)) or not all(isinstance(r, str) for r in rules):
            raise ModelError(f"property {pid}: rules = {rules!r} is not a tuple of rule numbers; give e.g. "
                             "rules=(\"000.3\",), or rules=() (see 'scmcheck list --rules')")
        exprs = {k: None if v is None else self._condition(v, pid, k) for k, v in parts.items()}
        if kind == "leads_to" and witness is None:
            witness = exprs["trigger"]
        exprs["witness"] = None if witness is None else self._condition(witness, pid, "witness")
        prop = System.Declared(pid, kind, " ".join(guarantee.split()), tuple(r.strip() for r in rules),
                               where=where, **exprs)
        declared[pid] = prop
        return prop

    def _condition(self, value: Any, pid: str, what: str) -> Expr:
        """``value`` as a boolean expression over this system's variables, or a one-line ModelError."""
        fix = "build it from the model's variables and definitions, e.g. m['x'] == 3 or all_of(a, not_(b))"
        what = "the invariant" if what == "predicate" else what
        if isinstance(value, bool):
            raise ModelError(f"property {pid}: {what} is the Python value {value}, not an expression; {fix} "
                             "(a comparison of plain Python values is computed at once)")
        if not isinstance(value, Expr):
            kind = type(value).__name__
            kind = ("an " if kind[:1].lower() in "aeiou" else "a ") + kind
            raise ModelError(f"property {pid}: {what} is {kind}, not an expression; {fix}")
        if value.sort != BOOL:
            raise ModelError(f"property {pid}: {what} {value} is an integer expression, not a condition; "
                             f"compare it, e.g. {value} == 0")
        self._check_refs(value, f"property {pid}: {what}")
        return value
