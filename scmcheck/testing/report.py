"""What ``check_implementation`` and ``scmcheck test`` return: a verdict per property, traces, figures.

Verdicts (per property, over the runs made):

* ``violated`` -- a run broke it; the shrunk run is its trace.
* ``passed`` -- no run broke it, and its subject happened in ``exercised``
  runs.  A search of N runs, not a proof: shown as "no violation in N runs".
* ``not exercised`` -- no run broke it, but its subject never happened (no
  INTERROGATE sent, no shutdown), so the runs say nothing about it.
* ``not applicable`` -- the entry cannot judge this service at all, ``reason``
  says why (it never accepts PAUSE/CONTINUE; it neither declares unsaved data
  nor accepts SHUTDOWN).  As a model's entry that does not apply, it is not
  checked, and does not make the result incomplete
  (properties/observers.py, ``Observer.not_applicable``).

Exit status (``Report.status``): 1 if a property is violated; else 3
(incomplete) if a property was not exercised or a run was blocked outside the
harness; else 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

EXIT_OK, EXIT_VIOLATION, EXIT_INCOMPLETE = 0, 1, 3


@dataclass
class PropertyResult:
    id: str
    rules: tuple
    verdict: str  # violated | passed | not exercised | not applicable
    exercised: int = 0
    reason: str = ""
    trace: Any = None  # scmcheck.traces.Trace of the shrunk run
    trace_file: Optional[str] = None
    first_after_s: Optional[float] = None
    found_in_run: Optional[int] = None


@dataclass
class Report:
    target: str
    source_sha256: str
    runs: int
    steps: int
    seconds: float
    seed: Optional[int]
    results: list = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)
    blocked: Optional[str] = None  # "thread blocked outside the harness ... at file:line ..."
    errors: list = field(default_factory=list)
    runs_per_search: Optional[int] = None  # --runs; ``runs`` counts every search's runs
    searches: int = 1  # one per violated property found, plus the last
    delivered: dict = field(default_factory=dict)  # "POWEREVENT" / "POWEREVENT/PBT_APMSUSPEND" -> runs
    handler_errors: dict = field(default_factory=dict)  # "SESSIONCHANGE/WTS_SESSION_LOCK: KeyError: 1 at ..." -> runs
    delivered_what: str = "controls"  # what ``delivered`` counts: "controls" (a service), "client calls" (COM)

    @property
    def violated(self) -> list:
        return [r for r in self.results if r.verdict == "violated"]

    @property
    def status(self) -> int:
        if self.violated:
            return EXIT_VIOLATION
        if self.blocked or any(r.verdict == "not exercised" for r in self.results):
            return EXIT_INCOMPLETE
        return EXIT_OK

    def to_json(self) -> dict:
        return {
            "target": self.target, "source_sha256": self.source_sha256, "runs": self.runs, "steps": self.steps,
            "seconds": round(self.seconds, 3), "seed": self.seed, "status": self.status,
            "outcomes": self.outcomes, "blocked": self.blocked, "errors": self.errors,
            "runs_per_search": self.runs_per_search, "searches": self.searches,
            "controls_delivered_runs": self.delivered, "handler_exceptions_runs": self.handler_errors,
            "observers_exercised_runs": {r.id: r.exercised for r in self.results},
            "results": [{"property": r.id, "rules": list(r.rules), "verdict": r.verdict, "exercised_runs": r.exercised,
                         "reason": r.reason or None, "trace_steps": r.trace.length if r.trace is not None else None,
                         "trace_file": r.trace_file, "first_violation_after_s":
                             None if r.first_after_s is None else round(r.first_after_s, 3)}
                        for r in self.results],
        }

    def text(self, rerun: str = "") -> str:
        from scmcheck.traces.render import render_text

        lines = [f"implementation {self.target}: {self._runs_text()}, {self.steps} scheduled steps, "
                 f"{self.seconds:.2f} s" + (f", seed {self.seed}" if self.seed is not None else "")]
        width = max((len(r.id) for r in self.results), default=10)
        for r in self.results:
            if r.verdict == "violated":
                detail = f"trace of {r.trace.length} steps, first found after {r.first_after_s:.2f} s (exercised " \
                         f"in {r.exercised} runs)"
                lines.append(f"  VIOLATED       {r.id:<{width}}  {detail}")
            elif r.verdict == "passed":
                lines.append(f"  no violation   {r.id:<{width}}  in {self.runs} runs (exercised in {r.exercised})")
            elif r.verdict == "not applicable":
                lines.append(f"  n/a            {r.id:<{width}}  {r.reason}")
            else:
                lines.append(f"  NOT EXERCISED  {r.id:<{width}}  its subject never happened in {self.runs} runs")
        if self.blocked:
            lines.append(f"  BLOCKED        {self.blocked}")
        lines.append(f"  delivered      {self._delivered_text()}")
        if self.handler_errors:
            runs = max(self.handler_errors.values())
            lines.append(f"  NOTE           a control handler raised (in up to {runs} runs); pywin32 logs the traceback to "
                         "the event log (PYS_E_SERVICE_CONTROL_FAILED) and returns ERROR_CALL_NOT_IMPLEMENTED to the "
                         "SCM, which for these controls breaks no catalog entry, so the exit status stays as judged:")
            for e, n in list(self.handler_errors.items())[:5]:
                lines.append(f"                   {e} ({n} run{'s' if n != 1 else ''})")
        for e in self.errors[:5]:
            lines.append(f"  raised in the service: {e}")
        for r in self.violated:
            lines.append("")
            lines.append(render_text(r.trace))
            lines.append(f"  why: {r.reason}")
            if r.trace_file:
                lines.append(f"  trace: {r.trace_file}")
                lines.append(f"  draw it: scmcheck show {r.trace_file} --format svg -o {r.id}.svg")
            if rerun:
                lines.append(f"  rerun:   {rerun} --property {r.id}")
        return "\n".join(lines)

    def _runs_text(self) -> str:
        if self.searches > 1 and self.runs_per_search:
            return (f"{self.runs_per_search} runs per search, {self.runs} in all over {self.searches} searches "
                    "(the search goes on after each property it finds)")
        return f"{self.runs} runs"

    def _delivered_text(self) -> str:
        """Controls the handler was called with, and in how many runs; event types in parentheses."""
        tops = [k for k in self.delivered if "/" not in k]
        if not tops:
            return "no control reached the handler in any run" if self.delivered_what == "controls" else \
                f"no {self.delivered_what} in any run"
        order = {n: i for i, n in enumerate(("STOP", "INTERROGATE", "PAUSE", "CONTINUE", "SHUTDOWN"))}
        parts = []
        for k in sorted(tops, key=lambda k: (order.get(k, 99), k)):
            subs = sorted(((s.split("/", 1)[1], n) for s, n in self.delivered.items() if s.startswith(k + "/")),
                          key=lambda x: -x[1])
            sub = f" ({', '.join(f'{e} {n}' for e, n in subs)})" if subs else ""
            parts.append(f"{k} {self.delivered[k]}{sub}")
        return f"{self.delivered_what} in runs: " + ", ".join(parts)


# ------------------------------------------------------------------ from a search's figures
# One place for the three checks (a pywin32 service, an adapter's service, a COM server), so their
# reports read alike; ``stats`` is search.py's Stats, ``found`` one of its Found.


def violated(p: str, rules: tuple, found: Any, stats: Any, trace: Any, trace_file: Optional[str]) -> PropertyResult:
    """The verdict for a property a run broke: the shrunk run ``found`` and its trace."""
    return PropertyResult(p, rules, "violated", stats.exercised.get(p, 0), found.outcome.violation.reason, trace,
                          trace_file, found.first_after_s, found.run_index)


def unviolated(p: str, ob: Any, stats: Any) -> PropertyResult:
    """The verdict for a property no run broke: passed, not applicable (the observer ``ob`` could never
    judge the service) or not exercised."""
    if stats.exercised.get(p):
        return PropertyResult(p, ob.rules, "passed", stats.exercised[p])
    if p not in stats.applicable:
        return PropertyResult(p, ob.rules, "not applicable", reason=ob.not_applicable)
    return PropertyResult(p, ob.rules, "not exercised")


def from_search(target: str, sha256: str, stats: Any, seed: Optional[int], runs: int, results: list,
                delivered_what: str = "controls") -> Report:
    """The Report of a search of ``runs`` runs per property."""
    return Report(target, sha256, stats.runs, stats.steps, stats.seconds, seed, results, dict(stats.outcomes),
                  _blocked_text(stats), list(stats.errors), runs, max(1, stats.searches), dict(stats.delivered),
                  dict(stats.handler_errors), delivered_what=delivered_what)


def _blocked_text(stats: Any) -> Optional[str]:
    out = stats.blocked  # the first run that blocked outside the harness
    if out is None or out.blocked is None:
        return None
    b = out.blocked
    return f"thread {b.thread} blocked outside the harness (no stand-in call for {b.seconds:g} s " \
           f"wall clock) at {b.frame}"
