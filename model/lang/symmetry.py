"""Symmetry: interchangeable members of a process family (workers, clients, services).

A model declares that the members of a family are interchangeable with
``System.symmetric(family, members)``: ``members[i]`` lists member i's own
variables, in the same order for every member (``[[worker_alive[0]],
[worker_alive[1]], ...]``).  The declaration is checked, not trusted: at
freeze, swapping any two neighbouring members (the transpositions generate
every permutation) must map the set of actions onto itself -- guards, updates
and the acting process, compared modulo the order of commutative operands --
and the initial state onto itself.  A model that treats one member apart (a
worker that may hang, a client with its own role) is refused with the action
that differs; declare the others only.

An engine may then explore one representative per orbit: the state with the
members' variable tuples sorted (:func:`canonicalizer`).  That is sound for a
property that is itself symmetric (:func:`is_symmetric`) because the quotient
is a bisimulation of the full graph.  A path of representatives is mapped back
to a concrete, replayable run by :func:`concretize`.  Weak fairness is per
process, and a permutation moves it between members, so liveness is checked
without symmetry (the engines say so).

Reference: Ip and Dill, "Better verification through symmetry", FMSD 9 (1996);
Emerson and Sistla, "Symmetry and model checking", FMSD 9 (1996).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from .errors import ModelError
from .expr import Expr, VarRef, substitute

_COMMUTATIVE = {"and", "or", "add", "eq", "ne", "min", "max"}


@dataclass(frozen=True)
class Symmetry:
    """One family of interchangeable members: ``members[i]`` are member i's variable indices."""

    family: str
    members: tuple[tuple[int, ...], ...]
    processes: tuple[str, ...]  # member i's process name ("worker[i]")


def key(e: Any) -> Any:
    """A hashable form of ``e`` equal for expressions that differ only in the order of the operands of
    commutative and associative operators (``all_of(a, b)`` and ``all_of(b, a)``)."""
    if not isinstance(e, Expr):
        return ("lit", repr(e))
    if isinstance(e, VarRef):
        return ("var", e.name)
    if e.op == "const":
        return ("const", e.sort, repr(e.args[0]))
    if e.op in _COMMUTATIVE:
        flat: list = []
        stack = list(e.args)
        while stack:
            a = stack.pop()
            if isinstance(a, Expr) and a.op == e.op and e.op != "eq" and e.op != "ne":
                stack.extend(a.args)
            else:
                flat.append(key(a))
        return (e.op, tuple(sorted(flat, key=repr)))
    return (e.op, tuple(key(a) for a in e.args))


def swap(system: Any, sym: Symmetry, i: int, j: int) -> dict[str, Expr]:
    """The renaming that exchanges members i and j (variable name -> the other member's variable)."""
    refs = {v.name: system[v.name] for v in system.variables}
    out: dict[str, Expr] = {}
    for a, b in zip(sym.members[i], sym.members[j]):
        na, nb = system.variables[a].name, system.variables[b].name
        out[na], out[nb] = refs[nb], refs[na]
    return out


def _action_key(system: Any, act: Any, ren: dict, procs: dict) -> Any:
    upd = tuple(sorted(((ren[n].name if n in ren else n), repr(key(substitute(_lift(e), ren))))
                       for n, e in act.update.items()))
    return (procs.get(act.process, act.process), act.name, repr(key(substitute(act.guard, ren))), upd, act.fair,
            act.duration)


def _lift(e: Any) -> Expr:
    from .expr import lift

    return lift(e)


def check(system: Any, sym: Symmetry) -> None:
    """ModelError unless every swap of neighbouring members maps the actions and the initial state onto
    themselves (module docstring)."""
    init = system.init_state()
    for i in range(len(sym.members) - 1):
        ren = swap(system, sym, i, i + 1)
        procs = {sym.processes[i]: sym.processes[i + 1], sym.processes[i + 1]: sym.processes[i]}
        if [init[x] for x in sym.members[i]] != [init[x] for x in sym.members[i + 1]]:
            raise ModelError(f"{system.name}: symmetric family {sym.family}: members {i} and {i + 1} start in "
                             "different states; declare only the members that are interchangeable")
        plain = {_action_key(system, a, {}, {}) for a in system.actions}
        for a in system.actions:
            if _action_key(system, a, ren, procs) not in plain:
                raise ModelError(f"{system.name}: symmetric family {sym.family}: action {a.label} has no "
                                 f"counterpart when members {i} and {i + 1} are swapped; it treats a member apart, "
                                 "so declare only the members that are interchangeable")


def is_symmetric(system: Any, e: Optional[Expr]) -> bool:
    """``e`` reads the same after swapping any two members of every declared family."""
    if e is None:
        return True
    k = repr(key(e))
    for sym in system.symmetries:
        for i in range(len(sym.members) - 1):
            if repr(key(substitute(e, swap(system, sym, i, i + 1)))) != k:
                return False
    return True


def canonicalizer(system: Any) -> Optional[Callable[[tuple], tuple]]:
    """A function from a state tuple to its orbit's representative (members' tuples sorted), or None when
    the system declares no symmetry."""
    if not system.symmetries:
        return None
    fams = [sym.members for sym in system.symmetries]

    def canon(state: tuple) -> tuple:
        out = list(state)
        for members in fams:
            locals_ = sorted(tuple(state[x] for x in m) for m in members)
            for m, vals in zip(members, locals_):
                for x, v in zip(m, vals):
                    out[x] = v
        return tuple(out)

    return canon


def concretize(system: Any, canon: Callable[[tuple], tuple], reps: Sequence[tuple]) -> tuple[list, list]:
    """A concrete run through the orbits ``reps`` (``reps[0]`` the initial state's): ``(actions, states)``
    with ``states[0]`` the initial state.  Raises ModelError if some step has no concrete counterpart
    (a symmetry declaration the checks above let through)."""
    state = system.init_state()
    states, actions = [state], []
    for j, nxt in enumerate(reps[1:], 1):
        step = next(((a, t) for a, t in system.successors(state) if canon(t) == nxt), None)
        if step is None:
            raise ModelError(f"{system.name}: symmetry: step {j} of a reduced run has no concrete counterpart")
        actions.append(step[0])
        state = step[1]
        states.append(state)
    return actions, states
