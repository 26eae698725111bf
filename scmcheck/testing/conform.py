"""``scmcheck replay TRACE --impl FILE.py:Class``: drive real code through a model's trace.

Answers "does my implementation really have this design bug?".  The model
trace's events (model/windows/events.py, ``trace_events``: the one
definition of what a model step shows the SCM) give the **script**: each
control the model's SCM sent and the model time it was sent at.  The
implementation runs under the controlled scheduler (scmcheck/testing/run.py,
pywin32's host and ControlService's SCM), with these choices:

* **alignment**: a model usually starts with the service already RUNNING,
  real code from nothing.  The script's clock starts when the implementation
  first reports the model's initial state (outside INTERROGATE handling), and
  the comparison starts there too;
* **threads**: every runnable thread runs before the SCM acts or time
  passes (the implementation reacts fully to each input).  Where a model
  process maps onto a real thread by name (case, ``_`` and brackets aside:
  ``service_main`` is pywin32's ``ServiceMain``, ``worker[0]`` a thread named
  ``worker0``, ``dispatcher`` the control dispatcher), the threads run in the
  order of the model's steps between two controls: the thread of the next
  model step runs while it can, then the one after.  Threads that map onto
  no model step, and all threads once the model's steps are used up, run
  round-robin;
* **controls**: each scripted control is sent at its time (ms after the
  alignment), as soon as ControlService lets the SCM send it; where the
  model's system shutdown begins, the harness's begins (and its SCM sends
  SHUTDOWN if accepted, then powers off after WaitToKillServiceTimeout);
* **time**: jumps to the next timed wait or the next scripted control; after
  the script, the run goes on until every thread is blocked, the process
  exits, or 125 s more of virtual time have passed (the liveness bound of
  properties/observers.py), so what the trace's last steps set off is seen.

Every observer judges the run.  The **projection** compared is what the SCM
sees (issue 11): controls delivered, status reports (state, wait hint, and
whether the checkpoint grew: the SCM compares checkpoints, it does not read
their values, 000.4), the process exiting.  Internal steps are not compared,
and neither is the exact time of a report (a model step that may happen
"within" a bound is taken at the bound's ends; code takes it when it does),
nor a status report that only repeats the state its side last reported
(:func:`_match`).

Verdicts (:class:`Conformance`):

* ``reproduced``: the implementation violates the trace's property;
* ``diverges``: the first position where the implementation's projection
  differs from the model's (the model step is shown, with what the
  implementation did instead);
* ``conforms``: it reached the end with every observation matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from scmcheck.model.lang.errors import InputError
from scmcheck.model.windows.events import POWER_OFF, STOPPED, trace_events
from scmcheck.properties.observers import BY_ID, CONTROL_INTERROGATE, LIVENESS_S, STATE_NAMES, Event

from .run import CONTROLS, Outcome, Run

_SEEN = ("control_sent", "status_reported", "process_exited")  # the projection: what the SCM sees
SYSTEM_SHUTDOWN = -1  # a scripted "system shutdown begins" (the SCM then sends SHUTDOWN if accepted)


@dataclass(frozen=True)
class Observation:
    """One entry of a projection: ``kind`` and what the SCM sees of it; ``where`` names the model step
    (``step 3 handler_stop``) or the implementation event (``t=2.5s ServiceMain``)."""

    kind: str
    what: tuple
    where: str

    def text(self) -> str:
        if self.kind == "control_sent":
            return f"{CONTROLS.get(self.what[0], self.what[0])} sent"
        if self.kind == "process_exited":
            return "process exited"
        state, hint, grew = self.what
        return (f"{STATE_NAMES.get(state, state)} reported (wait hint {hint / 1000:g} s"
                f"{', checkpoint up' if grew else ''})")


@dataclass
class Conformance:
    """The result of a replay: ``verdict`` is ``reproduced``, ``diverges`` or ``conforms``."""

    verdict: str
    property: Optional[str]
    text: str
    outcome: Outcome
    compared: int = 0  # observations that matched before the end or the divergence
    violations: dict = field(default_factory=dict)  # property -> reason, every one the run showed

    @property
    def status(self) -> int:
        """Exit status: 1 if the run violated any property (the trace's or another), else 0 conforms and
        3 diverges (the model does not describe the code there, so nothing is settled)."""
        if self.violations:
            return 1
        return 0 if self.verdict == "conforms" else 3


@dataclass(frozen=True)
class _Send:
    at_ms: int  # after the alignment
    control: int
    step: int
    label: str
    then: tuple = ()  # the processes of the model's service steps after this send, up to the next one


def thread_key(name: str) -> str:
    """A process or thread name as the mapping compares it (module docstring)."""
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _service_steps(system: Any, trace: Any) -> list[tuple[int, str]]:
    """``(step index, process)`` of the trace's steps taken by the service (not the SCM or clock)."""
    return [(i, st.process) for i, st in enumerate(trace.steps) if st.process not in system.environment]


def script_of(system: Any, trace: Any) -> tuple[list[_Send], list[Observation], int, tuple]:
    """The controls to send (each with the service steps after it), the model's projection, the
    model's initial state (winsvc number), and the service steps before the first control."""
    events = trace_events(system, trace)
    sends, seen = [], []
    steps = _service_steps(system, trace)
    shutting_down = False
    last_cp = _initial(system, trace, "checkpoint")
    for i, kind, f in events:
        label = trace.steps[i].label
        at = int(round(trace.steps[i - 1].time * 1000)) if i > 0 else 0
        where = f"step {i + 1} {label}"
        if kind == "shutdown_began":  # the harness's SCM begins system shutdown and sends SHUTDOWN itself
            sends.append(_Send(at, SYSTEM_SHUTDOWN, i + 1, label))
            shutting_down = True
        elif kind == "control_sent" and shutting_down and int(f["control"]) in (5, 15):
            seen.append(Observation(kind, (int(f["control"]),), where))
        elif kind == "control_sent":
            sends.append(_Send(at, int(f["control"]), i + 1, label))
            seen.append(Observation(kind, (int(f["control"]),), where))
        elif kind == "status_reported":
            seen.append(Observation(kind, (int(f["state"]), int(f["wait_hint_ms"]), f["checkpoint"] > last_cp), where))
            last_cp = f["checkpoint"]
        elif kind == "process_exited" and f["reason"] != POWER_OFF:
            seen.append(Observation(kind, (), where))
    ends = [s.step - 1 for s in sends[1:]] + [len(trace.steps)]
    sends = [_Send(s.at_ms, s.control, s.step, s.label, tuple(p for j, p in steps if s.step - 1 < j < end))
             for s, end in zip(sends, ends)]
    first = sends[0].step - 1 if sends else len(trace.steps)
    return sends, seen, int(_initial(system, trace, "reported")) + 1, tuple(p for j, p in steps if j < first)


def _initial(system: Any, trace: Any, name: str) -> int:
    names = [v.name for v in trace.variables]
    return int(trace.init[names.index(name)]) if name in names else 0


class ScriptedRun(Run):
    """A run whose SCM follows a script and whose threads run round-robin (module docstring)."""

    def __init__(self, make_class: Any, sends: list[_Send], align_state: int, depth: int,
                 first: tuple = ()) -> None:
        super().__init__(make_class, _NoChoice(), list(BY_ID), depth=depth, controls=10**6)
        self.sends, self.align_state = list(sends), align_state
        self.aligned_at: Optional[int] = None
        self.align_seq: Optional[int] = None
        self.rr = 0
        self.order = [thread_key(p) for p in first]  # the model's service steps still to follow

    def _next_thread(self, runnable: list) -> Any:
        """The thread of the next model step that maps onto a runnable thread, else round-robin."""
        while self.order:
            mine = [t for t in runnable if thread_key(t.name) == self.order[0]]
            if mine:
                return mine[0]
            self.order.pop(0)  # that model step's thread is blocked, done, or maps onto no thread
        self.rr += 1
        return runnable[(self.rr - 1) % len(runnable)]

    def set_service_status(self, status: tuple) -> None:
        super().set_service_status(status)
        ev = self.events[-1]
        if self.aligned_at is None and ev["state"] == self.align_state and ev["in_handler"] != CONTROL_INTERROGATE:
            self.aligned_at, self.align_seq = ev.time_ms, ev.seq

    def _loop(self) -> str:
        s = self.sched
        end_ms: Optional[int] = None
        while True:
            if self.exited:
                return "exited"
            if s.steps >= self.depth:
                return "depth"
            runnable = s.runnable()
            if runnable:
                s.step(self._next_thread(runnable))
                continue
            due = self._due()
            if due is not None and due <= s.now_ms and self._allowed(self.sends[0].control):
                sent = self.sends.pop(0)
                if sent.control == SYSTEM_SHUTDOWN:
                    self.scm_act("shutdown", 5)
                else:
                    self._send(sent.control)
                self.order = [thread_key(p) for p in sent.then]
                continue
            if not self.sends and self.aligned_at is not None and end_ms is None:
                end_ms = s.now_ms + int(LIVENESS_S * 1000) + 1000
            nxt = [t for t in (s.next_deadline(), due if due is not None and due > s.now_ms else None, end_ms)
                   if t is not None]
            if self.shutdown_at is not None:
                nxt.append(self.shutdown_at)
            if not nxt or (end_ms is not None and s.now_ms >= end_ms):
                return self._quiet()
            to = min(nxt)
            if to <= s.now_ms:  # a scripted control ControlService refuses now, and nothing else to wait for
                return self._quiet()
            s.advance(to)
            self.emit("time_advanced", "clock", to_ms=to, stuck=False)

    def _allowed(self, control: int) -> bool:
        """Whether the harness's SCM (ControlService's table, run.py) may do this now."""
        want = ("shutdown", 5) if control == SYSTEM_SHUTDOWN else ("control", control)
        return want in self.scm_options()

    def _due(self) -> Optional[int]:
        if not self.sends or self.aligned_at is None:
            return None
        return self.aligned_at + self.sends[0].at_ms


class _NoChoice:
    """The stand-ins' own choices (event data of a control ...): the first option."""

    def choose(self, n: int, what: str) -> int:
        return 0


def _projection(events: list[Event], start_seq: Optional[int]) -> list[Observation]:
    out, last_cp = [], None
    for e in events:
        if start_seq is None or e.seq <= start_seq or e.kind not in _SEEN:
            if e.kind == "status_reported":
                last_cp = e["checkpoint"]
            continue
        where = f"t={e.time_ms / 1000:g}s {e.thread}"
        if e.kind == "control_sent":
            out.append(Observation(e.kind, (int(e["control"]),), where))
        elif e.kind == "status_reported":
            grew = last_cp is not None and e["checkpoint"] > last_cp
            out.append(Observation(e.kind, (int(e["state"]), int(e["wait_hint_ms"]), grew), where))
            last_cp = e["checkpoint"]
        elif e.kind == "process_exited" and e["reason"] != "power_off":
            out.append(Observation(e.kind, (), where))
    return out


def _same(model: Observation, code: Observation) -> bool:
    if model.kind != code.kind:
        return False
    if model.kind != "status_reported":
        return model.what == code.what
    # the state and the checkpoint's progress always; the wait hint only where the state is pending
    # (a wait hint on RUNNING, PAUSED or STOPPED means nothing to the SCM: SERVICE_STATUS page)
    state, hint, grew = model.what
    pending = state not in (STOPPED, 4, 7)
    return code.what[0] == state and (not pending or (code.what[1] == hint and code.what[2] == grew))


def _match(model: list[Observation], code: list[Observation]) -> tuple[int, int]:
    """How many of the model's observations the code's match, in order, and where in the code's the
    first mismatch is.  A status report that repeats the state its side last reported, with no
    counterpart on the other side, is passed over: a model's progress reports come from its clock
    (every report_every_s), code's from its own loop, and the SCM learns only "still pending" from
    either (000.4); whether the reports came in time is the observers' to judge, not the projection's."""
    i = j = 0
    last_m = last_c = None
    while i < len(model) and j < len(code):
        if _same(model[i], code[j]):
            last_m, last_c = _state(model[i], last_m), _state(code[j], last_c)
            i, j = i + 1, j + 1
        elif _repeat(code[j], last_c):
            j += 1
        elif _repeat(model[i], last_m):
            i += 1
        else:
            break
    while j < len(code) and i < len(model) and _repeat(code[j], last_c):
        j += 1
    return i, j


def _state(o: Observation, last: Any) -> Any:
    return o.what[0] if o.kind == "status_reported" else last


def _repeat(o: Observation, last: Any) -> bool:
    return o.kind == "status_reported" and last is not None and o.what[0] == last


def conform(system: Any, trace: Any, impl: str, depth: int = 3000) -> Conformance:
    """Drive implementation ``impl`` (``FILE.py:Class``) through model trace ``trace`` of ``system``.

    InputError (one line) for an implementation that cannot be loaded.  See the module docstring.
    """
    from . import loader

    target = loader.load(impl)
    if loader.is_function_target(target):
        raise InputError(f"--impl {impl}: {target.cls_name} is a function (a COM server's entry); replay drives "
                         "pywin32 service classes through a service design's trace; give FILE.py:Class")
    if not system.has("reported"):
        raise InputError(f"design {trace.design or system.name} has no status reports (variable 'reported'), so its "
                         "trace cannot drive a service; give a trace of a service design (service, controls, or "
                         "your own ServiceModel)")
    sends, model_seen, align, first = script_of(system, trace)
    run = ScriptedRun(target.make_class, sends, align, depth, first)
    out = run.execute()
    violations = {p: v.reason for p, v in run.monitor.violations.items()}
    if out.blocked is not None:
        raise InputError(f"--impl {impl}: the service blocked outside the harness ({out.blocked}); the replay "
                         "cannot go on")
    if run.aligned_at is None:
        return Conformance("diverges", trace.property,
                           f"diverges before the trace starts: the model starts with the service "
                           f"{STATE_NAMES.get(align, align)}, and the implementation never reported that state",
                           out, 0, violations)
    code_seen = _projection(out.events, run.align_seq)
    matched, at = _match(model_seen, code_seen)
    prop = trace.property
    if prop and prop in violations:
        return Conformance("reproduced", prop, f"reproduced: the implementation violates {prop}: {violations[prop]}"
                           + (f" (the first {matched} observation(s) the SCM saw matched the model's)" if matched else ""),
                           out, matched, violations)
    if matched < len(model_seen):
        mine = model_seen[matched]
        theirs = code_seen[at].text() + f" at {code_seen[at].where}" if at < len(code_seen) \
            else "nothing more (the run ended)"
        return Conformance("diverges", prop, f"diverges at {mine.where}: the model's {mine.text()}, the "
                           f"implementation's {theirs}", out, matched, violations)
    extra = "" if not prop else f"; it does not violate {prop}"
    return Conformance("conforms", prop, f"conforms: all {matched} observations the SCM sees match the model's"
                       f"{extra}", out, matched, violations)
