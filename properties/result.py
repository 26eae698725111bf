"""The one result type every engine returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional

from scmcheck.model.lang.expr import Expr


class Verdict(str, enum.Enum):
    """What an engine established about one property.

    ``bounded`` means no violation up to ``bound`` steps and is never "holds";
    ``proved`` means the whole reachable state space (for these parameters)
    was searched, or the engine found that no longer path exists.
    """

    VIOLATED = "violated"
    BOUNDED = "bounded"
    PROVED = "proved"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Goal:
    """A property to check: its id, rule numbers and invariant expression."""

    id: str
    rules: tuple
    invariant: Expr


@dataclass
class Result:
    """One engine's verdict on one property."""

    property: str
    rules: tuple
    engine: str
    verdict: Verdict
    bound: Optional[int] = None
    states: Optional[int] = None
    seconds: float = 0.0
    trace: Any = None  # traces.Trace or None
    reason: str = ""
    steps: Optional[int] = None  # fuzz: steps executed
    file: Optional[str] = None  # where the trace was saved
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "property": self.property,
            "rules": list(self.rules),
            "engine": self.engine,
            "verdict": self.verdict.value,
            "bound": self.bound,
            "states": self.states,
            "seconds": round(self.seconds, 4),
            "trace": None if self.trace is None else {"length": self.trace.length, "file": self.file},
            "reason": self.reason or None,
            "steps": self.steps,
        }
