"""What the SCM sees of a service, as events: one definition for model steps and for real code.

A run of a model and a run of real code (scmcheck/testing) both come down to
a stream of **events**: the SCM sent a control, the handler was entered or
returned, SetServiceStatus was called, the process exited, time passed.  This
module is the one place that says

* which events a **model step** produces (:func:`step_events`, read off the
  step by the names the catalog already relies on: ``reported``,
  ``checkpoint``, ``wait_hint``, ``control``, ``handler_busy``,
  ``process_exited``, the accept flags);
* the **event rules**: the catalog entries that are statements about a step
  ("no SetServiceStatus after SERVICE_STOPPED"), each written once as a
  condition over one event and the :class:`SharedView` before it.  A model
  checks a rule through the monitor variable :func:`watch` composes into
  every action (so explicit, BMC, k-induction, PDR and fuzz all judge it);
  scmcheck.testing checks the same rule over the events of real code
  (properties/observers.py).  The conditions are written with :func:`OR`,
  :func:`AND`, :func:`NOT`, :func:`IF` and ``==``, which compute with Python
  values on code events and build expressions on model steps.

Event kinds and fields (units: milliseconds; states and control codes as in
winsvc.h, ``SERVICE_STATUS`` and ``HandlerEx`` pages):

=====================  ==========================================================================
``control_sent``       ``control`` -- the SCM called ControlService (or the system sent the code)
``handler_entered``    ``control`` -- the control dispatcher called the handler with it
``status_reported``    ``state``, ``checkpoint``, ``wait_hint_ms`` -- a SetServiceStatus call
``handler_returned``   ``control`` (0 where a model does not track which), ``result`` (the DWORD
                       returned: 0 NO_ERROR; a model's ``System.step_notes``) -- the handler returned
``process_exited``     ``reason`` (:data:`POWER_OFF` or :data:`OWN_EXIT`) -- the process ended
``scm_set_status``     ``state`` -- the SCM itself recorded a state (a restart, or power-off)
``shutdown_began``     (none) -- system shutdown began (the SCM sends SHUTDOWN next, if accepted)
``time_advanced``      ``elapsed_ms`` -- virtual time passed
=====================  ==========================================================================

Within one model step the events come in that order (a handler step that
reports and returns is entered, reports, returns); a code run gives them in
the order the calls were made.

Which entries are event rules, and which are not: an entry about a *state*
(``stopped_only_after_threads_exit`` reads which threads run,
``reported_state_matches_actual`` the service's real state) reads what a
model has and code does not expose; properties/observers.py documents what
the harness observes for those instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Optional

from ..lang.expr import Expr, VarRef, all_of, any_of, ite, lift, not_

# SERVICE_STATUS.dwCurrentState (winsvc.h); a model's SvcState is this minus one
STOPPED, START_PENDING, STOP_PENDING, RUNNING, CONTINUE_PENDING, PAUSE_PENDING, PAUSED = 1, 2, 3, 4, 5, 6, 7
# Control codes (HandlerEx page)
STOP, PAUSE, CONTINUE, INTERROGATE, SHUTDOWN, DEVICEEVENT, PRESHUTDOWN = 1, 2, 3, 4, 5, 11, 15
USER_CONTROL = 128  # a model's Control.USER: the user-defined codes 128-255, abstracted to one
# A model's Control enum -> winsvc code (model/windows/scm.py numbers them 0..8)
MODEL_CONTROL = {1: STOP, 2: PAUSE, 3: CONTINUE, 4: INTERROGATE, 5: SHUTDOWN, 6: PRESHUTDOWN, 7: DEVICEEVENT,
                 8: USER_CONTROL}
# dwControlsAccepted bit that lets the SCM send a code (SERVICE_STATUS page); None: always sent
ACCEPT_BIT = {STOP: 0x1, PAUSE: 0x2, CONTINUE: 0x2, SHUTDOWN: 0x4, 6: 0x8, 7: 0x10, 8: 0x10, 9: 0x10, 10: 0x10,
              12: 0x20, 13: 0x40, 14: 0x80, PRESHUTDOWN: 0x100, 16: 0x200, 32: 0x400, 64: 0x800}
# A model's accept flags (model/windows/service_api.py) by the bit they stand for
MODEL_ACCEPT_VARS = {0x1: "accepts_stop", 0x2: "accepts_pause_continue", 0x4: "accepts_shutdown",
                     0x100: "accepts_preshutdown"}
POWER_OFF, OWN_EXIT = 1, 2  # process_exited.reason

CONTROL_SERVICE = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice"
SET_SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus"
CONTROL_HANDLER = "https://learn.microsoft.com/windows/win32/services/service-control-handler-function"
SERVICE_MAIN = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw"


# ---------------------------------------------------------------- values or expressions

def _is_expr(*xs: Any) -> bool:
    return any(isinstance(x, Expr) for x in xs)


def OR(*xs: Any) -> Any:
    """Disjunction of Python bools, or an expression if any operand is one."""
    return any_of(*xs) if _is_expr(*xs) else any(bool(x) for x in xs)


def AND(*xs: Any) -> Any:
    """Conjunction of Python bools, or an expression if any operand is one."""
    return all_of(*xs) if _is_expr(*xs) else all(bool(x) for x in xs)


def NOT(x: Any) -> Any:
    return not_(x) if _is_expr(x) else not x


def IF(c: Any, a: Any, b: Any) -> Any:
    """``a`` if ``c`` else ``b``; an expression if any operand is one."""
    if not _is_expr(c, a, b):
        return a if c else b
    if isinstance(a, bool) or isinstance(b, bool) or getattr(lift(a), "sort", "") == "bool":
        return any_of(all_of(c, a), all_of(not_(c), b))
    return ite(c, a, b)


def IN(x: Any, values: Iterable[int]) -> Any:
    return OR(*(x == v for v in values))


# ---------------------------------------------------------------- the view every rule reads

@dataclass(frozen=True)
class SharedView:
    """What an event rule may read besides the event, the same names for models and code.

    ``reported``: dwCurrentState of the last report (0 before any); ``stopped``: SERVICE_STOPPED has
    been reported (and the SCM has not started the service again); ``stop_sent``: the SCM has sent
    STOP; ``stop_taken``: the handler has been called with STOP; ``accepts(code)``: whether the last
    report's dwControlsAccepted lets the SCM send ``code`` (ControlService page); ``handler_busy``: a
    handler call is in progress (entered, not returned, and the process has not exited);
    ``checkpoint``, ``wait_hint``: dwCheckPoint and dwWaitHint (ms) of the last report.
    """

    reported: Any
    stopped: Any
    stop_sent: Any
    stop_taken: Any
    accepts: Callable[[int], Any]
    handler_busy: Any = False
    checkpoint: Any = 0
    wait_hint: Any = 0

    @staticmethod
    def start() -> "SharedView":
        """The view of code at its start: nothing reported, nothing sent, nothing accepted."""
        return SharedView(0, False, False, False, lambda code: False, False, 0, 0)


def advance(v: SharedView, kind: str, f: dict, when: Any = True) -> SharedView:
    """The view after event ``kind`` with fields ``f`` (``when`` false: the event did not happen)."""
    if kind == "status_reported":
        new = replace(v, reported=f["state"], stopped=OR(v.stopped, f["state"] == STOPPED),
                      checkpoint=f["checkpoint"], wait_hint=f["wait_hint_ms"])
        if "accepted" in f:  # code gives the mask; a model's accept flags are read from its state
            mask = f["accepted"]
            new = replace(new, accepts=lambda code: bool(mask & ACCEPT_BIT.get(code, 0)))
    elif kind == "scm_set_status":
        new = replace(v, reported=f["state"], stopped=f["state"] == STOPPED, stop_sent=False, stop_taken=False)
    elif kind == "control_sent":
        new = replace(v, stop_sent=OR(v.stop_sent, f["control"] == STOP))
    elif kind == "handler_entered":
        new = replace(v, stop_taken=OR(v.stop_taken, f["control"] == STOP), handler_busy=True)
    elif kind in ("handler_returned", "process_exited"):
        new = replace(v, handler_busy=False)
    else:
        return v
    if when is True:
        return new
    return SharedView(IF(when, new.reported, v.reported), IF(when, new.stopped, v.stopped),
                      IF(when, new.stop_sent, v.stop_sent), IF(when, new.stop_taken, v.stop_taken), v.accepts,
                      IF(when, new.handler_busy, v.handler_busy), IF(when, new.checkpoint, v.checkpoint),
                      IF(when, new.wait_hint, v.wait_hint))


# ---------------------------------------------------------------- the event rules

@dataclass(frozen=True)
class EventRule:
    """A catalog entry written once over events (module docstring).

    ``id``: the catalog entry; ``flag``: the model's monitor variable that records a violation;
    ``kind``: the event it judges; ``violated(f, v)``: the condition over the event's fields and the
    view before it; ``clears_on``: events after which the flag starts afresh (the SCM started the
    service again); ``sources``: the pages the condition follows.
    """

    id: str
    flag: str
    kind: str
    violated: Callable[[dict, SharedView], Any]
    clears_on: tuple = ()
    sources: tuple = ()


def refused(code: Any, v: SharedView) -> Any:
    """Whether ControlService (or the system, for SHUTDOWN) would refuse to send ``code`` now.

    ControlService page: nothing to a service that reported STOPPED or STOP_PENDING (or nothing
    yet); while START_PENDING only an accepted STOP; INTERROGATE, DEVICEEVENT and user codes
    (128-255) always; any other code only if the last report accepts it.
    """
    idle = IN(v.reported, (0, STOPPED, STOP_PENDING))
    starting = AND(v.reported == START_PENDING, NOT(AND(code == STOP, v.accepts(STOP))))
    if isinstance(code, Expr):  # a model step that sends a code read from its state
        always = OR(IN(code, (INTERROGATE, DEVICEEVENT)), AND(code >= 128, code <= 255))
        accepted = OR(*(AND(code == c, v.accepts(c)) for c in ACCEPT_BIT))
        return OR(idle, starting, AND(NOT(always), NOT(accepted)))
    always = code in (INTERROGATE, DEVICEEVENT) or 128 <= code <= 255
    return OR(idle, starting, False if always else NOT(v.accepts(code)))


RULES: tuple[EventRule, ...] = (
    # 003.4: after STOP the SCM sends no other control
    EventRule("no_control_after_stop", "control_after_stop", "control_sent", lambda f, v: v.stop_sent,
              sources=(CONTROL_HANDLER, CONTROL_SERVICE)),
    # 000.3/000.5: no SetServiceStatus after SERVICE_STOPPED (until the SCM starts the service again)
    EventRule("no_status_after_stopped", "status_after_stopped", "status_reported", lambda f, v: v.stopped,
              clears_on=("scm_set_status",), sources=(SET_SERVICE_STATUS,)),
    # 000.3/000.5: the process ends only after SERVICE_STOPPED (power-off at system shutdown is not the service's)
    EventRule("no_exit_before_stopped", "exited_before_stopped", "process_exited",
              lambda f, v: AND(f["reason"] != POWER_OFF, NOT(v.stopped)), sources=(SERVICE_MAIN, SET_SERVICE_STATUS)),
    # 003.3: each control sent is one ControlService allows for the last report
    EventRule("only_accepted_controls_delivered", "delivered_unaccepted", "control_sent",
              lambda f, v: refused(f["control"], v), sources=(CONTROL_SERVICE,)),
    # 003.3: every service handles INTERROGATE: the handler returns NO_ERROR for it
    EventRule("interrogate_always_answered", "interrogate_unanswered", "handler_returned",
              lambda f, v: AND(f["control"] == INTERROGATE, f["result"] != 0), sources=(CONTROL_HANDLER,)),
    # 003.4: once the handler took STOP, the service never reports RUNNING or PAUSED again
    EventRule("stop_accepted_leads_to_stop_pending", "resumed_after_stop", "status_reported",
              lambda f, v: AND(v.stop_taken, IN(f["state"], (RUNNING, PAUSED))), sources=(CONTROL_HANDLER,)),
)
BY_ID = {r.id: r for r in RULES}


@dataclass(frozen=True)
class TimedRule:
    """A catalog entry about how long something lasts, written once: while ``running(v)`` holds, time
    counts; the entry is broken once one such stretch lasts longer than ``limit(v)``.  An event in
    ``restarts`` (its condition true) starts a new stretch.

    A model counts with a clock timer (``timer``, ms, saturating at limit + 1; :func:`time_it`), which
    its steps reset where a stretch begins; code measures virtual time between events
    (properties/observers.py).  ``sources``: the pages the limit comes from.
    """

    id: str
    timer: str
    running: Callable[[SharedView], Any]
    limit_ms: Any  # ms, or a function of the view (the last report's wait hint)
    sources: tuple = ()
    # events after which a new stretch starts although the condition still holds: kind -> when(f, v)
    restarts: tuple = ()

    def limit(self, v: SharedView) -> Any:
        return self.limit_ms(v) if callable(self.limit_ms) else self.limit_ms


HANDLER_LIMIT_MS = 30_000  # 003.6
STOP_ACK_MS = 30_000  # 003.4 (the handler must report STOP_PENDING; 30 s as for the handler itself)
HANDLER_EX = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex"

PENDING_STATES = (START_PENDING, STOP_PENDING, CONTINUE_PENDING, PAUSE_PENDING)
SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"


def progress(f: dict, v: SharedView) -> Any:
    """000.4: the SCM counts a report as progress when it names a new state or a larger checkpoint."""
    return OR(f["state"] != v.reported, f["checkpoint"] > v.checkpoint)


TIMED_RULES: tuple[TimedRule, ...] = (
    # 000.4/000.5: while a state is pending, a report showing progress comes within the last wait hint
    # (the SCM's timer: past it the SCM takes the service as hung).  A start by the SCM itself into a
    # pending state starts the timer over too; power-off (STOPPED) leaves it, as nothing is pending then.
    TimedRule("pending_progress_within_wait_hint", "since_progress", lambda v: IN(v.reported, PENDING_STATES),
              lambda v: v.wait_hint, sources=(SERVICE_STATUS,),
              restarts=(("status_reported", progress),
                        ("scm_set_status", lambda f, v: IN(f["state"], PENDING_STATES)))),
    # 003.6: the handler returns within 30 s of being called
    TimedRule("handler_returns_within_30s", "handler_elapsed", lambda v: v.handler_busy, HANDLER_LIMIT_MS,
              sources=(HANDLER_EX, CONTROL_HANDLER)),
    # 003.4: once the handler took STOP, STOP_PENDING (or STOPPED) is reported within 30 s
    TimedRule("stop_accepted_leads_to_stop_pending", "stop_unacked",
              lambda v: AND(v.stop_taken, NOT(IN(v.reported, (STOP_PENDING, STOPPED)))), STOP_ACK_MS,
              sources=(CONTROL_HANDLER,)),
)
TIMED_BY_ID = {r.id: r for r in TIMED_RULES}


def time_it(m: Any, clock: Any, rule_id: str, timer: VarRef) -> VarRef:
    """Count the timed rule ``rule_id`` on model ``m`` with ``clock`` in ``timer`` (declared by the
    caller, named ``TIMED_BY_ID[rule_id].timer``): it runs while the rule's condition holds on the
    model's view."""
    rule = TIMED_BY_ID[rule_id]
    if timer.name != rule.timer:
        raise ValueError(f"{rule_id}: the timer is named {rule.timer}, not {timer.name}")
    clock.timer(timer, rule.running(model_view(m)))
    if rule.restarts:
        m.monitor(timer, lambda act: _restart(m, rule, act, timer))
    return timer


def _restart(m: Any, rule: TimedRule, act: Any, timer: Any) -> Optional[Any]:
    """The timer after step ``act``: 0 if one of its events starts a new stretch; None if the step has
    no such event (the timer keeps its value)."""
    v, value, touched = model_view(m), timer, False
    restarts = dict(rule.restarts)
    for kind, fields, when in step_events(m, act):
        if kind in restarts:
            value, touched = IF(AND(when, restarts[kind](fields, v)), 0, value), True
        v = advance(v, kind, fields, when)
    return value if touched else None


# ---------------------------------------------------------------- model steps as events

def _const(e: Any) -> Optional[Any]:
    e = lift(e)
    return e.args[0] if e.op == "const" else None


def _win_control(e: Any) -> Any:
    """A model Control value (constant or expression) as its winsvc code."""
    c = _const(e)
    if c is not None:
        return MODEL_CONTROL.get(int(c), 0)
    out: Any = 0
    for model, win in MODEL_CONTROL.items():
        out = ite(e == model, win, out)
    return out


def step_events(m: Any, act: Any) -> list[tuple[str, dict, Any]]:
    """The events model step ``act`` of system ``m`` produces: ``(kind, fields, when)``.

    Fields and ``when`` are expressions over the state before the step (or constants).  Read off
    the step by the standard names (module docstring); a model without a name produces no event of
    that kind.  An empty list: the step is internal (nothing the SCM sees).
    """
    upd = act.update
    env = act.process in m.environment
    out: list[tuple[str, dict, Any]] = []
    clock = getattr(act, "elapsed_ms", None)
    if act.name in ("tick", "tick_early", "tick_late") and env:
        out.append(("time_advanced", {"elapsed_ms": clock if clock is not None else 0}, True))
        return out
    if "control" in upd and m.has("control"):
        new = upd["control"]
        if env and _const(new) != 0:
            out.append(("control_sent", {"control": _win_control(new)}, True))
        elif not env and _const(new) == 0:
            out.append(("handler_entered", {"control": _win_control(m["control"])}, True))
    if "reported" in upd and m.has("reported"):
        state = lift(upd["reported"]) + 1
        if env:
            out.append(("scm_set_status", {"state": state}, True))
        else:
            fields = {"state": state,
                      "checkpoint": upd.get("checkpoint", m["checkpoint"] if m.has("checkpoint") else 0),
                      "wait_hint_ms": upd.get("wait_hint", m["wait_hint"] if m.has("wait_hint") else 0)}
            out.append(("status_reported", fields, True))
    if "handler_busy" in upd and m.has("handler_busy") and not env and _const(upd["handler_busy"]) is False:
        entered = any(k == "handler_entered" for k, _, _ in out)
        when = True if entered else m["handler_busy"]
        control = next((f["control"] for k, f, _ in out if k == "handler_entered"), 0)
        result = getattr(m, "step_notes", {}).get(act.name, {}).get("result", 0)
        out.append(("handler_returned", {"control": control, "result": result}, when))
    if env and "phase" in upd and m.has("phase") and getattr(m["phase"], "enum", None) is not None:
        phase = m["phase"].enum  # model/families/shutdown.py's Phase: UP -> PRESHUTDOWN begins system shutdown
        if _const(upd["phase"]) == phase.PRESHUTDOWN and hasattr(phase, "UP"):
            out.append(("shutdown_began", {}, m["phase"] == phase.UP))
    if "process_exited" in upd and m.has("process_exited") and _const(upd["process_exited"]) is True:
        out.append(("process_exited", {"reason": POWER_OFF if env else OWN_EXIT}, not_(m["process_exited"])))
    return out


def model_view(m: Any) -> SharedView:
    """The view a model's state gives (expressions over the state before a step)."""

    def var(name: str) -> Any:
        return m[name] if m.has(name) else False

    def accepts(code: int) -> Any:
        bit = ACCEPT_BIT.get(code)
        name = MODEL_ACCEPT_VARS.get(bit or 0)
        return var(name) if name else False

    reported = m["reported"] + 1
    return SharedView(reported, m["reported"] == STOPPED - 1, var("stop_sent"),
                      var("stop_delivered"), accepts, var("handler_busy"), var("checkpoint") if m.has("checkpoint")
                      else 0, var("wait_hint") if m.has("wait_hint") else 0)


def fold(m: Any, rule: EventRule, act: Any, flag: Any) -> Optional[Any]:
    """The rule's flag after step ``act`` (an expression over the state before it), or None if the
    step produces no event the rule reads (the flag keeps its value)."""
    v = model_view(m)
    touched = False
    for kind, fields, when in step_events(m, act):
        if kind == rule.kind:
            flag, touched = OR(flag, AND(when, rule.violated(fields, v))), True
        elif kind in rule.clears_on:
            flag, touched = IF(when, False, flag), True
        v = advance(v, kind, fields, when)
    return flag if touched else None


def watch(m: Any, rule_id: str, flag: VarRef) -> VarRef:
    """Check the event rule ``rule_id`` on model ``m`` through its monitor variable ``flag``
    (declared by the caller, named ``BY_ID[rule_id].flag``): every action, including those declared
    later, updates it by :func:`fold`."""
    rule = BY_ID[rule_id]
    if flag.name != rule.flag:
        raise ValueError(f"{rule_id}: the monitor variable is named {rule.flag}, not {flag.name}")
    m.monitor(flag, lambda act: fold(m, rule, act, flag))
    return flag


def trace_events(system: Any, trace: Any) -> list[tuple[int, str, dict]]:
    """The events of a model trace: ``(step index, kind, fields)`` with Python values, in order.

    ``trace`` is a traces.trace.Trace of ``system``; fields are evaluated in the state before each
    step.  Used to replay a model's counterexample into code (scmcheck replay --impl) and to check
    that the rules judge a model run and its events alike.
    """
    from ..lang.expr import compile_python

    acts = {a.label: a for a in system.actions}
    out: list[tuple[int, str, dict]] = []
    state = trace.init
    for i, step in enumerate(trace.steps):
        act = acts[step.label]
        for kind, fields, when in step_events(system, act):
            if compile_python(lift(when))(state):
                out.append((i, kind, {k: _value(v, state) for k, v in fields.items()}))
        state = step.state
    return out


def _value(v: Any, state: tuple) -> Any:
    from ..lang.expr import compile_python

    return compile_python(lift(v))(state) if isinstance(v, Expr) else v


__all__ = ["RULES", "BY_ID", "EventRule", "TIMED_RULES", "TIMED_BY_ID", "TimedRule", "time_it", "SharedView", "advance", "step_events", "watch", "fold", "trace_events",
           "refused", "model_view"]
