"""A catalog entry: a property named for its guarantee, with rules and a witness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from scmcheck.model.lang.errors import ModelError
from scmcheck.model.lang.expr import Expr, not_
from scmcheck.model.lang.system import System

from ..result import Goal

@dataclass(frozen=True)
class Property:
    """A catalog entry."""

    id: str
    guarantee: str
    rules: tuple
    predicate: Callable[[System], Expr]
    witness: Callable[[System], Expr]
    witness_doc: str

    def goal(self, system: System) -> Goal:
        """The invariant for ``system`` (ModelError if it lacks what the predicate reads)."""
        try:
            return Goal(self.id, self.rules, self.predicate(system))
        except ModelError as exc:
            raise ModelError(f"property {self.id} does not apply to {system.name}: {exc}") from None

    def witness_goal(self, system: System) -> Goal:
        """'The witness is unreachable' as an invariant: a violation is the witness trace."""
        return Goal(f"{self.id}.witness", self.rules, not_(self.witness(system)))


