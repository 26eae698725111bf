"""``--engine auto``: the engines in the order that settles most properties soonest.

1. ``explicit`` searches the reachable states.  It settles everything on a
   model whose state space fits its state budget and ``--timeout``.
2. The unbounded provers (``pdr``, then ``kind``, those registered in
   :data:`~scmcheck.properties.engines.ENGINES`) take each property explicit
   left open (its budget or time ran out): they prove invariants of models too
   large to enumerate, and find their violations.
3. ``bmc`` looks for a shorter counterexample where the engine that found a
   violation does not promise a shortest one (``SHORTEST = False``).

Each property keeps one row: the result of the engine that settled it
(proved, violated or vacuous), with what the engines before it answered in its
reason; a property no engine settled keeps every engine's row, so the user sees
each reason.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

from .check import SETTLING, _time_locks, check
from .engines import ENGINES
from .result import Goal, Result, Verdict

PROVERS = ("pdr", "kind")  # tried in this order on what explicit left open


def auto(system: Any, goals: Sequence[Goal], options: Optional[Mapping[str, Mapping[str, Any]]] = None,
         progress: Any = None, on_engine_done: Optional[Callable[[], None]] = None) -> list[Result]:
    """One or more Results per goal (module docstring); ``options`` as for :func:`check.check`."""
    options = options or {}
    rows: list[list[Result]] = [[r] for r in check(system, goals, ["explicit"], options, progress, on_engine_done)]
    for name in (p for p in PROVERS if p in ENGINES):
        open_ = [i for i, rs in enumerate(rows) if rs[-1].verdict not in SETTLING]
        if not open_:
            break
        for i, r in zip(open_, check(system, [goals[i] for i in open_], [name], options, progress, on_engine_done)):
            rows[i].append(r)
    _shorten(system, goals, rows, options, progress, on_engine_done)
    out: list[Result] = []
    for rs in rows:
        settled = [r for r in rs if r.verdict in SETTLING]
        if settled:
            last = settled[-1]
            before = [f"{r.engine}: {r.verdict.value}" + (f" ({r.reason})" if r.reason else "") for r in rs
                      if r is not last]
            if before:
                last.extra["before"] = before
            out.append(last)
        else:
            out += rs
    _time_locks(out)
    return out


def _shorten(system: Any, goals: Sequence[Goal], rows: list[list[Result]], options: Mapping, progress: Any,
             on_engine_done: Optional[Callable[[], None]]) -> None:
    """BMC up to the length of each counterexample that may not be shortest; a shorter one replaces it."""
    long = [i for i, rs in enumerate(rows) if rs[-1].verdict == Verdict.VIOLATED
            and not getattr(ENGINES[rs[-1].engine], "SHORTEST", True)]
    if not long:
        return
    depth = max(rows[i][-1].trace.length for i in long)
    opts = {**options, "bmc": {**dict(options.get("bmc", {})), "depth": depth}}
    for i, r in zip(long, check(system, [goals[i] for i in long], ["bmc"], opts, progress, on_engine_done)):
        if r.verdict == Verdict.VIOLATED and r.trace.length < rows[i][-1].trace.length:
            rows[i].append(r)
