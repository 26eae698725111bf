"""The one result type every engine returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional

from scmcheck.model.lang.expr import Expr
from scmcheck.model.lang.temporal import LeadsTo


class Verdict(str, enum.Enum):
    """What an engine established about one property.

    ``bounded`` means no violation up to ``bound`` steps and is never "holds";
    ``proved`` means the whole reachable state space (for these parameters)
    was searched, or the engine found that no longer path exists; ``vacuous``
    means the property's reachability witness was proved unreachable, so a
    "proved" would say nothing; ``settled`` means another engine had already
    settled the property and this one stopped after its share of the time
    (properties/check.py), so it says nothing of its own.
    """

    VIOLATED = "violated"
    BOUNDED = "bounded"
    PROVED = "proved"
    VACUOUS = "vacuous"
    UNKNOWN = "unknown"
    SETTLED = "settled"


@dataclass(frozen=True)
class Goal:
    """A property to check, in one of three shapes.

    ``invariant``: a state predicate every reachable state satisfies.
    ``leads_to``: an eventually property under fairness (model/lang/temporal.py).
    ``time_lock``: the model sanity property ``time_can_advance``.
    ``witness``: a state predicate that must be reachable for a verdict on the
    property to mean anything (None: the property gives no witness).
    """

    id: str
    rules: tuple
    invariant: Optional[Expr] = None
    leads_to: Optional[LeadsTo] = None
    time_lock: bool = False
    witness: Optional[Expr] = None

    @property
    def kind(self) -> str:
        """"invariant", "leads_to" or "time_lock"."""
        if self.time_lock:
            return "time_lock"
        return "leads_to" if self.leads_to is not None else "invariant"


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
    kind: str = "invariant"
    witness_steps: Optional[int] = None  # the witness was reached in this many steps
    witness_note: str = ""  # "witness reached in 3 steps", "witness not reached within 30 steps", ...
    assumptions: list = field(default_factory=list)  # what the verdict assumed, in words

    def to_json(self) -> dict:
        out = {
            "property": self.property,
            "rules": list(self.rules),
            "engine": self.engine,
            "verdict": self.verdict.value,
            "bound": self.bound,
            "states": self.states,
            "seconds": round(self.seconds, 4),
            "trace": None if self.trace is None else {"length": self.trace.length, "file": self.file,
                                                      "loop": self.trace.loop},
            "reason": self.reason or None,
            "steps": self.steps,
            "kind": self.kind,
            "witness": {"reached": self.witness_steps is not None, "steps": self.witness_steps,
                        "note": self.witness_note or None},
            "assumptions": list(self.assumptions),
            # how a proof was obtained (pdr's invariant, kind's k) and who settled a "settled" row
            **{k: self.extra[k] for k in ("invariant", "invariant_file", "k", "settled_by", "symmetry")
               if k in self.extra},
        }
        # Search figures, for engines that measure them (explicit): states found per second of search,
        # and the process's peak resident memory in MiB.
        if self.extra.get("states_per_s") is not None:
            out["states_per_s"] = self.extra["states_per_s"]
        if self.extra.get("peak_mib") is not None:
            out["memory_mib"] = self.extra["peak_mib"]
        return out
