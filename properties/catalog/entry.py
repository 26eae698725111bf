"""A catalog entry: a property named for its guarantee, with rules, sources and a witness.

Three shapes (model/lang/temporal.py for the semantics):

* ``invariant``: ``predicate(m)`` holds in every reachable state;
* ``leads_to``: after ``trigger(m)``, eventually ``goal(m)``, in every fair run
  (``hold(m)``: the loop of a counterexample must satisfy it throughout);
* ``time_lock``: the model sanity entry ``time_can_advance``.

An entry *applies* to a model only if the model has every name in ``needs``
(state variables or ``System.define`` definitions; ``name[i]`` stands for a
family indexed from 0, which must have member 0).  Predicates read a model only
through those names, so missing structure is never read as an empty family or
a constant: :meth:`Property.missing` says what is missing, and the CLI refuses
the entry with that list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import Expr, not_
from scmcheck.model.lang.system import System
from scmcheck.model.lang.temporal import LeadsTo

from ..result import Goal

Read = Callable[[System], Expr]


@dataclass(frozen=True)
class Property:
    """A catalog entry (module docstring).

    ``sources``: the Microsoft documentation pages the formalisation follows.
    ``witness`` None: the entry gives no witness ("no witness given").
    """

    id: str
    guarantee: str
    rules: tuple
    predicate: Optional[Read] = None
    witness: Optional[Read] = None
    witness_doc: str = ""
    kind: str = "invariant"
    trigger: Optional[Read] = None
    eventually: Optional[Read] = None
    hold: Optional[Read] = None
    needs: tuple = ()
    sources: tuple = ()
    # A design's own property (System.invariant / System.leads_to): the System that declared it and
    # where; it applies to that System only.  None for the catalog's entries.
    owner: Optional[System] = None
    declared_at: str = ""

    def missing(self, system: System) -> list[str]:
        """The names in ``needs`` that ``system`` lacks (empty: the entry applies)."""
        if self.owner is not None:
            return [] if system is self.owner else [f"the model that declares it ({self.owner.name})"]
        if self.kind == "time_lock":
            return [] if system.timed else ["a clock (the model has no time)"]
        out = []
        for name in self.needs:
            probe = name.replace("[i]", "[0]")
            if not (system.has(probe) or probe in system.definitions):
                out.append(name)
        return out

    def applies(self, system: System) -> bool:
        return not self.missing(system)

    def witness_goal(self, system: System) -> Goal:
        """The witness search for ``system`` (see :func:`witness_goal`)."""
        return witness_goal(self.goal(system))

    def goal(self, system: System) -> Goal:
        """The goal for ``system``; ModelError naming what is missing if the entry does not apply."""
        missing = self.missing(system)
        if missing:
            raise ModelError(f"property {self.id} does not apply to model {system.name}: it needs "
                             f"{', '.join(missing)}")
        try:
            witness = self.witness(system) if self.witness is not None else None
            if self.kind == "time_lock":
                return Goal(self.id, self.rules, time_lock=True, witness=witness)
            if self.kind == "leads_to":
                hold = self.hold(system) if self.hold is not None else None
                lt = LeadsTo(self.trigger(system), self.eventually(system)) if hold is None else \
                    LeadsTo(self.trigger(system), self.eventually(system), hold)
                return Goal(self.id, self.rules, leads_to=lt, witness=witness)
            return Goal(self.id, self.rules, invariant=self.predicate(system), witness=witness)
        except ModelError as exc:
            raise ModelError(f"property {self.id} does not apply to model {system.name}: {exc}") from None


def from_declared(system: System, decl: System.Declared) -> Property:
    """A design's own property (``System.invariant``, ``System.leads_to``) as an entry for ``system``."""
    lt = decl.kind == "leads_to"
    return Property(decl.id, decl.guarantee, decl.rules,
                    predicate=None if lt else (lambda m: decl.predicate),
                    witness=None if decl.witness is None else (lambda m: decl.witness),
                    witness_doc="" if decl.witness is None else f"{decl.witness}",
                    kind=decl.kind,
                    trigger=(lambda m: decl.trigger) if lt else None,
                    eventually=(lambda m: decl.goal) if lt else None,
                    hold=None if decl.hold is None else (lambda m: decl.hold),
                    owner=system, declared_at=decl.where)


def witness_goal(goal: Goal) -> Goal:
    """'The witness is unreachable' as an invariant: a violation of it is the witness trace."""
    return Goal(f"{goal.id}.witness", goal.rules, invariant=not_(goal.witness))


def time_units(m: System, seconds: float) -> int:
    """A documented duration in seconds in ``m``'s time unit (milliseconds for a model with a
    Clock, model/lang/clock.py); a model without a unit counts seconds."""
    return int(round(seconds / (m.time_unit or 1)))


def optional(m: System, name: str) -> Expr:
    """A definition that only some models have, read as false where absent.  Used only for names
    that *excuse* a run (``powered_off``: system shutdown killed the service), never for the subject
    of an entry, so a missing name cannot make an entry hold."""
    from scmcheck.model.lang.expr import lift

    return m.definitions[name] if name in m.definitions else lift(False)


def read(m: System, name: str) -> Expr:
    """A model's definition ``name``, or else its state variable of that name."""
    return m.definitions[name] if name in m.definitions else m[name]


def each(m: System, name: str) -> list[Expr]:
    """Every member ``name[0]``, ``name[1]``, ... of an indexed family of definitions (or variables)."""
    out = []
    i = 0
    while True:
        key = f"{name}[{i}]"
        if key in m.definitions:
            out.append(m.definitions[key])
        elif m.has(key):
            out.append(m[key])
        else:
            break
        i += 1
    if not out:
        raise ModelError(f"{m.name} defines no {name}[0]")
    return out
