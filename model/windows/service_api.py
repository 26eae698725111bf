"""Building blocks for your own service design: the SCM side is ours, the steps are yours.

A design of a Windows service is a handler, a ServiceMain and worker threads.
The SCM, control delivery, status reporting, time and the catalog's
definitions are the same for every service, so this module provides them and
a design supplies only its own steps.  The built-in ``controls`` family
(model/families/controls.py) is written with exactly this API.

Quick start (a file ``my_design.py`` checked with
``scmcheck check my_design.py:design --engine all``)::

    from scmcheck.model.service_api import AT_ONCE, ServiceModel, SvcState, Control, user_design

    def build(p):
        svc = ServiceModel("my-service", "what it models", p, accepts=("stop",))
        m = svc.m                                     # the underlying System: declare your own variables on it
        work = m.int("work_left", 0, 2, 2, "units of stop work left")
        # handler: called by the control dispatcher with the queued control
        svc.handle(Control.STOP, "handler_accept_stop",
                   update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=20, accepts=())})
        svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
        # ServiceMain: start-up and the stop work
        svc.step("main_report_running", "service_main", guard=svc.state == SvcState.START_PENDING,
                 update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
        svc.countdown(work, while_=svc.state == SvcState.STOP_PENDING)   # the clock does the work
        svc.step("main_report_stopped", "service_main",
                 guard=[svc.state == SvcState.STOP_PENDING, work == 0],
                 update=svc.set_state(SvcState.STOPPED), timing=AT_ONCE)
        return svc.finish()

    design = user_design("my-service", "a handler that signals ServiceMain", build)

What you get (all of it built from the same model definition every engine runs):

* :class:`ServiceModel` -- one service and its SCM:

  - variables the catalog reads: ``state`` (the service's real state),
    ``reported``/``checkpoint``/``wait_hint``/``since_progress``/``scm_hang``
    (:class:`~scmcheck.model.windows.scm.ScmStatus`), ``accepts_stop``,
    ``accepts_pause_continue`` (dwControlsAccepted as last reported, 003.3),
    ``control`` (the control queued at the dispatcher), ``handler_busy`` and
    ``handler_elapsed`` (003.6), and the monitors ``stop_sent``,
    ``control_after_stop``, ``stop_delivered``, ``delivered_unaccepted``,
    ``change_unreported``, ``interrogate_unanswered``, ``interrogate_wrong``.
  - the SCM's sends (:meth:`ServiceModel.finish` declares them): only codes the
    last report accepts, INTERROGATE always, user codes and DEVICEEVENT (after
    :meth:`register_device_notification`), nothing after STOP -- or, with
    ``scm="xp"``, further controls while the service keeps reporting RUNNING
    or PAUSED after STOP (003.4, 003.5).  The SCM declares a hang when a pending
    state shows no progress within its wait hint (000.4).
  - :meth:`handle` declares a handler step for one control code; the monitors
    for 003.2 (a state change left unreported), 003.3 (an unaccepted code
    delivered; INTERROGATE unanswered or answered wrongly) and 003.4 are
    added to your update automatically, so you cannot forget them.
  - :meth:`set_state` is one atomic "change state and SetServiceStatus";
    :meth:`report` is SetServiceStatus alone; :meth:`answer_interrogate`
    answers INTERROGATE with the current status.
  - :meth:`step` declares a ServiceMain/worker step; ``timing=`` is required:
    ``AT_ONCE`` (before time may pass), ``ANY_TIME`` (at any moment, or never;
    never forced) or ``Within(seconds)``.  :meth:`countdown` and
    :meth:`waits_on_time` tell the clock what runs down while time passes;
    :meth:`finish` declares the clock's ``tick`` (one ``TIME_UNIT_S`` = 10 s)
    and returns the System.

* :func:`user_design` wraps your ``build(parameters) -> System`` into a
  :class:`~scmcheck.model.designs.Design` (with optional knobs and the
  properties it is checked against: :data:`CONTROL_PROPERTIES` by default, and
  ``expect`` for a design you know to be wrong).

* :func:`shutdown_design` does the same for the system-shutdown model
  (model/families/shutdown.py) with your own per-service behaviour (cleanup time,
  progress reports, data saving, PRESHUTDOWN) as knob values; the SCM's
  PRESHUTDOWN/SHUTDOWN phases, budgets, caps and dependency order are ours.

Times are given in seconds and must be multiples of the model's 10 s unit
(:func:`~scmcheck.model.windows.scm.units` says so if they are not).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from ..families import shutdown as _shutdown
from ..lang.clock import ANY_TIME, AT_ONCE, Clock, Within
from ..lang.designs import Design, Family, Knob
from ..lang.errors import ModelError
from ..lang.expr import Expr, VarRef, all_of, any_of, ite, lift, min_, not_, substitute
from .scm import HANDLER_LIMIT_S, TIME_UNIT_S, Control, ScmStatus, SvcState, units
from ..lang.system import System

__all__ = [
    "ServiceModel", "user_design", "shutdown_design", "SvcState", "Control", "CONTROL_PROPERTIES",
    "AT_ONCE", "ANY_TIME", "Within", "NO_ERROR", "ERROR_CALL_NOT_IMPLEMENTED",
    "SHUTDOWN_PROPERTIES", "TIME_UNIT_S", "units",
]

# The catalog entries a single-service design is checked against (properties/catalog/controls.py
# and properties/catalog/service.py).
CONTROL_PROPERTIES = (
    "only_accepted_controls_delivered",
    "interrogate_always_answered",
    "interrogate_reports_current_state",
    "state_change_reported_by_handler",
    "stop_accepted_leads_to_stop_pending",
    "no_control_after_stop",
    "handler_returns_within_30s",
    "pending_progress_within_wait_hint",
    "reported_state_matches_actual",
)

# The shutdown phases' invariants: the shutdown model's own list, not a copy.
SHUTDOWN_PROPERTIES = _shutdown.CHECKED_AGAINST

_ACCEPT_NAMES = {"stop": "accepts_stop", "pause": "accepts_pause_continue"}

# What a HandlerEx returns (winerror.h names): NO_ERROR, or ERROR_CALL_NOT_IMPLEMENTED for a code it
# does not handle.  https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex
NO_ERROR = "NO_ERROR"
ERROR_CALL_NOT_IMPLEMENTED = "ERROR_CALL_NOT_IMPLEMENTED"


class ServiceModel:
    """One service, its control dispatcher and the SCM; you add the handler and thread steps.

    Parameters:
      name, doc, parameters -- as for :class:`~scmcheck.model.lang.system.System`.
      accepts -- the controls accepted in the *initial* report: any of "stop", "pause".
      initial -- the initial state (START_PENDING: the SCM has just started the service,
                 with checkpoint 1 and wait hint ``start_hint_s``; RUNNING: already running).
      start_hint_s -- dwWaitHint of the initial START_PENDING report.
      max_wait_hint_s -- the largest wait hint any report uses (sizes the SCM's timer).
      max_checkpoint -- the largest checkpoint any report uses (saturating).
      scm -- "post_sp2" (Windows Server 2003 / XP SP2 and later: nothing after STOP) or
             "xp" (before: a service that returns and keeps running gets further controls), 003.5.
      user_controls -- the SCM may send a user-defined code (128..255, abstracted to one).
      report_delay_s -- how long a change of the real state may stay unreported (000.2): 0, the
             default, means before any time passes; a wrapper that polls its child every 10 s
             declares 10.
    """

    def __init__(self, name: str, doc: str, parameters: Mapping[str, Any], *, accepts: Iterable[str] = (),
                 initial: SvcState = SvcState.START_PENDING, start_hint_s: int = 20, max_wait_hint_s: int = 20,
                 max_checkpoint: int = 8, scm: str = "post_sp2", user_controls: bool = False,
                 report_delay_s: int = 0) -> None:
        if scm not in ("post_sp2", "xp"):
            raise ValueError(f"scm = {scm!r}: use 'post_sp2' or 'xp'")
        if initial == SvcState.START_PENDING and start_hint_s > max_wait_hint_s:
            raise ValueError(f"start_hint_s = {start_hint_s} exceeds max_wait_hint_s = {max_wait_hint_s}; "
                             "raise max_wait_hint_s")
        # parameters are the design's knobs only (the CLI's rerun line repeats them); the 30 s
        # handler limit is a constant of Windows, stated by the catalog entry in seconds.
        self.m = m = System(name, doc, parameters=dict(parameters), time_unit=TIME_UNIT_S)
        self.scm_version = scm
        self.user_controls = user_controls
        accepts = set(accepts)
        starting = initial == SvcState.START_PENDING
        self.limit = units(HANDLER_LIMIT_S, "handler limit")
        # ---- SCM side
        # The SCM's first view of a starting service: START_PENDING, checkpoint 1 and the start hint
        # (StartService's first report).
        self.status = ScmStatus(m, max_checkpoint=max_checkpoint, max_hint=units(max_wait_hint_s, "max_wait_hint_s"),
                                init=initial, init_checkpoint=1 if starting else 0,
                                init_hint=units(start_hint_s, "start_hint_s") if starting else 0)
        self.accepts = {key: m.bool(var, key in accepts, f"dwControlsAccepted as last reported: {var}")
                        for key, var in _ACCEPT_NAMES.items()}
        self.control = m.enum("control", Control, Control.NONE, "control queued at the control dispatcher")
        self.stop_sent = m.bool("stop_sent", False, "the SCM has sent SERVICE_CONTROL_STOP")
        # ---- service side
        self.state = m.enum("state", SvcState, initial, "the state the service is really in")
        self.handler_busy = m.bool("handler_busy", False, "the handler is still running (has not returned)")
        self.handler_elapsed = m.int("handler_elapsed", 0, self.limit + 1, 0,
                                     "time the handler has been running (saturates)", unit=TIME_UNIT_S)
        self.device_registered: Optional[VarRef] = None
        # ---- monitors (action properties as state)
        self.control_after_stop = m.bool("control_after_stop", False,
                                         "monitor: the SCM sent a control after STOP (003.4)")
        self.stop_delivered = m.bool("stop_delivered", False, "monitor: the handler has taken a STOP control")
        self.delivered_unaccepted = m.bool("delivered_unaccepted", False,
                                           "monitor: the handler was given a code the last report did not accept (003.3)")
        self.change_unreported = m.bool("change_unreported", False,
                                        "monitor: a handler step changed the state without SetServiceStatus (003.2)")
        self.interrogate_unanswered = m.bool("interrogate_unanswered", False,
                                             "monitor: the handler returned from INTERROGATE without reporting (003.3)")
        self.interrogate_wrong = m.bool("interrogate_wrong", False,
                                        "monitor: an INTERROGATE answer differed from the real state, or changed it")
        self.handler_called = m.bool("handler_called", False, "the handler has been called at least once")
        self.stop_unacked = m.int("stop_unacked", 0, self.limit + 1, 0,
                                  "monitor: time since the handler took STOP without STOP_PENDING or STOPPED "
                                  "reported (saturates; 003.4)", unit=TIME_UNIT_S)
        self.resumed_after_stop = m.bool("resumed_after_stop", False,
                                         "monitor: RUNNING or PAUSED was reported after the handler took STOP (003.4)")
        self.report_delay = units(report_delay_s, "report_delay_s")
        self.unreported_for = (m.int("unreported_for", 0, self.report_delay + 1, 0,
                                     "monitor: time the real state has differed from the last report (saturates)",
                                     unit=TIME_UNIT_S) if self.report_delay else None)
        m.environment_process("scm")
        self.clock = Clock(m, TIME_UNIT_S)
        self._specs: list[dict] = []
        self._finished = False

    # ------------------------------------------------------------------ status reports
    def report(self, state: Any, checkpoint: Any = 0, wait_hint_s: int = 0,
               accepts: Optional[Iterable[str]] = None) -> dict:
        """The update of one SetServiceStatus call (the service's real state is not changed).

        ``accepts`` None keeps dwControlsAccepted as it was; otherwise the set of
        accepted controls ("stop", "pause") replaces it.
        """
        upd = self.status.report(state, checkpoint, units(wait_hint_s, "wait_hint_s"))
        if accepts is not None:
            acc = set(accepts)
            unknown = acc - set(_ACCEPT_NAMES)
            if unknown:
                raise ValueError(f"accepts: unknown control(s) {sorted(unknown)}; use 'stop' and/or 'pause'")
            upd.update({var: key in acc for key, var in self.accepts.items()})
        return upd

    def set_state(self, state: Any, checkpoint: Any = 0, wait_hint_s: int = 0,
                  accepts: Optional[Iterable[str]] = None) -> dict:
        """Change the real state and report it in the same atomic step (000.2, 003.2)."""
        return {**self.report(state, checkpoint, wait_hint_s, accepts), self.state: state}

    def progress(self, wait_hint_s: int) -> dict:
        """A progress report in the current pending state: same state, checkpoint + 1 (000.4)."""
        return self.status.report(self.state, self.status.next_checkpoint(), units(wait_hint_s, "wait_hint_s"))

    def answer_interrogate(self, answer: Any = None) -> dict:
        """INTERROGATE's answer: report ``answer`` (default: the real state) with the last checkpoint and hint."""
        return self.status.report(self.state if answer is None else answer, self.status.checkpoint,
                                  self.status.wait_hint)

    def accepted(self, code: Control) -> Expr:
        """Whether the SCM may deliver ``code`` now, by the last report (003.3)."""
        if code == Control.STOP:
            return self.accepts["stop"]
        if code in (Control.PAUSE, Control.CONTINUE):
            return self.accepts["pause"]
        if code == Control.DEVICEEVENT:
            return lift(False) if self.device_registered is None else self.device_registered
        if code in (Control.INTERROGATE, Control.USER):
            return lift(True)
        return lift(False)  # SHUTDOWN/PRESHUTDOWN belong to the shutdown model

    def register_device_notification(self) -> dict:
        """The update of RegisterDeviceNotification: DEVICEEVENT may be delivered from now on (003.3)."""
        if self.device_registered is None:
            self.device_registered = self.m.bool("device_registered", False,
                                                 "the service has called RegisterDeviceNotification")
        return {self.device_registered: True}

    # ------------------------------------------------------------------ steps
    def handle(self, code: Control, name: str, update: Mapping[Any, Any] = {}, guard: Any = (),
               busy: bool = False, returns: str = NO_ERROR, doc: str = "") -> Expr:
        """A handler step that takes the queued ``code`` (process "dispatcher"); it happens at once.

        ``busy=True``: the handler does not return in this step (it keeps the
        dispatcher thread); a later :meth:`handler_step` with ``returns=True``
        ends it.  ``returns``: what HandlerEx returns, NO_ERROR (default) or
        ERROR_CALL_NOT_IMPLEMENTED (the code is not handled; for INTERROGATE that
        breaks 003.3).  The 003.2/003.3/003.4 monitors are added to ``update``.
        Returns the step's full guard (the action is declared by :meth:`finish`).
        """
        if returns not in (NO_ERROR, ERROR_CALL_NOT_IMPLEMENTED):
            raise ModelError(f"{name}: returns = {returns!r}; use NO_ERROR or ERROR_CALL_NOT_IMPLEMENTED")
        upd = dict(update)
        upd[self.control] = Control.NONE
        upd[self.handler_busy] = busy
        upd[self.handler_elapsed] = 0
        upd[self.handler_called] = True
        upd.update(self._monitors(upd, check_change=not busy))
        if code == Control.STOP:
            upd[self.stop_delivered] = True
        if code == Control.INTERROGATE:
            # 003.3: INTERROGATE must be handled (NO_ERROR); a status report is not required (003.2).
            # If the handler does report, the report must be the real state and nothing may change.
            answered = self.status.reported.name in {k.name if isinstance(k, VarRef) else k for k in upd}
            new_state = upd.get(self.state, self.state)
            if returns != NO_ERROR:
                upd[self.interrogate_unanswered] = True
            wrong = [self.interrogate_wrong, new_state != self.state]
            if answered:
                wrong.append(upd[self.status.reported] != self.state)
            upd[self.interrogate_wrong] = any_of(wrong)
        g = all_of(self.control == code, ~self.handler_busy, *_as_list(guard))
        return self._declare(name, "dispatcher", g, upd, None, doc or f"the handler takes {code.name}", AT_ONCE)

    def handler_step(self, name: str, guard: Any, update: Mapping[Any, Any], returns: bool = False,
                     timing: Any = AT_ONCE, doc: str = "") -> Expr:
        """A further step of a handler that is still running (``busy``); ``returns`` ends the call.
        ``timing`` as for :meth:`step` (default AT_ONCE: the handler's own code runs without waiting)."""
        upd = dict(update)
        if returns:
            upd[self.handler_busy] = False
            upd.update(self._monitors(upd, check_change=True))
        return self._declare(name, "dispatcher", all_of(self.handler_busy, *_as_list(guard)), upd, None, doc, timing)

    def step(self, name: str, process: str, guard: Any, update: Mapping[Any, Any], *, timing: Any = None,
             args: Optional[Mapping[str, Any]] = None, doc: str = "", urgent: Any = None) -> Expr:
        """A ServiceMain or worker step.

        ``timing`` is required and says when the step happens (model/lang/clock.py):
        ``AT_ONCE`` -- before any time passes (a thread reacting to an event it waited on);
        ``ANY_TIME`` -- at any moment while the guard holds, or never (an error that may strike
        during STOP_PENDING); ``Within(seconds)`` -- at any moment, but at the latest that long
        after the guard became true.  Like :meth:`handle`, it returns the step's full guard;
        the action itself is declared by :meth:`finish`.  ModelError if ``timing`` is missing.
        """
        if urgent is not None:
            raise ModelError(f"step {name}: 'urgent' is gone; say timing=AT_ONCE (urgent=True) or "
                             "timing=ANY_TIME (urgent=False), or Within(seconds)")
        if timing is None:
            raise ModelError(f"step {name}: say when it happens: timing=AT_ONCE (before time passes), "
                             "ANY_TIME (at any moment while enabled, or never) or Within(seconds); "
                             "see the README, 'When a step happens'")
        return self._declare(name, process, all_of(*_as_list(guard)), dict(update), args, doc, timing)

    def _declare(self, name: str, process: str, guard: Expr, update: dict, args: Any, doc: str,
                 timing: Any) -> Expr:
        # Declared in finish(), after the clock and the SCM: declaration order is the order of the
        # fuzz engine's rules, whose random choice favours early ones, and runs that let time pass
        # and the SCM act reach the interesting states sooner.  Explicit and BMC ignore the order.
        if self._finished:
            raise ValueError(f"{name}: declare every step before finish()")
        label = name if not args else name + "_" + "_".join(str(v) for v in dict(args).values())
        self.clock.timing(label, guard, timing)
        self._specs.append(dict(name=name, process=process, guard=guard, update=update, args=args, doc=doc,
                                fair=timing != ANY_TIME))
        return guard

    def countdown(self, var: VarRef, while_: Any) -> None:
        """``var`` decreases by one per clock unit while ``while_`` holds and it is positive."""
        self.clock.countdown(var, while_)

    def waits_on_time(self, cond: Any) -> None:
        """Time may pass while ``cond`` holds (something waits on a timeout)."""
        self.clock.waits(cond)

    def _monitors(self, upd: Mapping[Any, Any], check_change: bool) -> dict:
        """003.2: when the handler returns, a changed state must have been reported."""
        if not check_change:
            return {}
        keyed = {k.name if isinstance(k, VarRef) else k: v for k, v in upd.items()}
        new_state = keyed.get("state", self.state)
        new_rep = keyed.get(self.status.reported.name, self.status.reported)
        return {self.change_unreported: any_of(self.change_unreported,
                                               all_of(new_state != self.state, new_rep != new_state))}

    # ------------------------------------------------------------------ the SCM and the clock
    def scm_may_send(self, code: Control) -> Expr:
        """Whether the SCM sends ``code`` now: ControlService's rules for the last report.

        https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice --
        SERVICE_STOPPED: nothing (ERROR_SERVICE_NOT_ACTIVE); STOP_PENDING: nothing, and
        START_PENDING: nothing but an accepted STOP (ERROR_SERVICE_CANNOT_ACCEPT_CTRL); otherwise a
        code the last report does not accept is refused (ERROR_INVALID_SERVICE_CONTROL), and
        INTERROGATE is always accepted.  After STOP the SCM sends nothing more (003.4), except the
        pre-XP-SP2 SCM to a service that keeps reporting RUNNING or PAUSED (003.5).
        """
        st = self.status
        running_or_paused = any_of(st.reported == SvcState.RUNNING, st.reported == SvcState.PAUSED)
        if self.scm_version == "xp":
            after_stop = any_of(~self.stop_sent, running_or_paused)
        else:
            after_stop = ~self.stop_sent
        active = all_of(st.reported != SvcState.STOPPED, st.reported != SvcState.STOP_PENDING)
        starting = st.reported == SvcState.START_PENDING
        table = all_of(active, self.accepted(code))
        if code != Control.STOP:
            table = all_of(table, ~starting)
        return all_of(self.control == Control.NONE, ~self.handler_busy, ~st.scm_hang, after_stop, table)

    def finish(self) -> System:
        """Declare the SCM's sends, its hang detection and the clock; define what the catalog reads."""
        if self._finished:
            return self.m
        self._finished = True
        m, st = self.m, self.status
        running_or_paused = any_of(st.reported == SvcState.RUNNING, st.reported == SvcState.PAUSED)
        acked = any_of(st.reported == SvcState.STOP_PENDING, st.reported == SvcState.STOPPED)
        unacked = all_of(self.stop_delivered, not_(acked))
        # time passes while a STOP waits to be acknowledged, so that a handler that ignores it is caught
        self.clock.waits(st.pending(), self.handler_busy, unacked)
        tick = {**st.tick(),
                self.handler_elapsed: ite(self.handler_busy, min_(self.handler_elapsed + 1, self.limit + 1),
                                          self.handler_elapsed),
                self.stop_unacked: ite(unacked, min_(self.stop_unacked + 1, self.limit + 1), self.stop_unacked)}
        if self.unreported_for is not None:
            mismatch = st.reported != self.state
            self.clock.waits(mismatch)
            tick[self.unreported_for] = ite(mismatch, min_(self.unreported_for + 1, self.report_delay + 1), 0)
        self.clock.tick(tick)
        sends = [
            (Control.STOP, []),
            (Control.PAUSE, [st.reported == SvcState.RUNNING]),
            (Control.CONTINUE, [st.reported == SvcState.PAUSED]),
            (Control.INTERROGATE, []),
        ]
        if self.user_controls:
            sends.append((Control.USER, [running_or_paused]))
        if self.device_registered is not None:
            sends.append((Control.DEVICEEVENT, [running_or_paused]))
        for code, extra in sends:
            allowed = self.scm_may_send(code)
            m.action(f"scm_send_{code.name.lower()}", "scm", guard=[allowed, *extra],
                     update={self.control: code, self.stop_sent: self.stop_sent | (code == Control.STOP),
                             self.control_after_stop: self.control_after_stop | self.stop_sent,
                             # only_accepted_controls_delivered: the code was allowed when it was sent
                             self.delivered_unaccepted: self.delivered_unaccepted | not_(allowed)},
                     doc=f"003.3: the SCM sends {code.name} as ControlService allows for the last report")
        st.declare_hang()
        for spec in self._specs:
            m.action(**spec)
        if "actual_state" not in m.definitions:
            m.define("actual_state", self.state)
        st.watch(m.definitions["actual_state"])
        m.monitor(self.resumed_after_stop, lambda act: any_of(
            self.resumed_after_stop,
            all_of(substitute(self.stop_delivered, act.update),
                   any_of(act.update[st.reported.name] == SvcState.RUNNING,
                          act.update[st.reported.name] == SvcState.PAUSED)))
            if st.reported.name in act.update and act.process not in m.environment else None)
        if self.unreported_for is None:
            st.define_freshness(m.time_passes)
        else:
            m.define("state_report_fresh", self.unreported_for <= self.report_delay)
        m.define("stop_begun", self.stop_delivered)
        m.assume(f"the checkpoint saturates at {st.max_checkpoint}; a report at the saturated checkpoint "
                 "shows no progress")
        m.assume("the SCM sends nothing after STOP" if self.scm_version != "xp" else
                 "the pre-XP-SP2 SCM: controls after STOP to a service that keeps reporting RUNNING or PAUSED")
        return m


def _as_list(guard: Any) -> list:
    if isinstance(guard, (list, tuple)):
        return list(guard)
    return [guard]


def user_design(name: str, doc: str, build: Callable[[Mapping[str, Any]], System], *,
                knobs: Sequence[Knob] = (), expect: Sequence[str] = (), vacuous: Sequence[str] = (),
                properties: Sequence[str] = CONTROL_PROPERTIES) -> Design:
    """Wrap ``build(parameters) -> System`` as a Design the CLI and the tests accept.

    ``expect``: the catalog ids the design is known to violate (empty: it should be correct).
    ``vacuous``: ids whose subject never happens in the design (e.g. ``start_reaches_running`` for a
    design that starts RUNNING and is never restarted); the check then says "as labelled".
    ``properties`` documents what the design was written against; ``check`` selects every entry that
    applies (README).
    """
    fam = Family(name=name, doc=doc, knobs=tuple(knobs), build=build, properties=tuple(properties))
    return Design(name, fam, {}, tuple(expect), doc, vacuous=tuple(vacuous))


def shutdown_design(name: str, doc: str, settings: Mapping[str, Any], *, expect: Sequence[str] = ()) -> Design:
    """A system-shutdown design (model/families/shutdown.py) with your services' behaviour as knob values.

    ``settings`` are knobs of the ``shutdown`` family (``scmcheck list --json`` lists them):
    e.g. ``{"services": 3, "depends": True, "order": "database", "cleanup_s": 20}``.
    """
    from ..families.shutdown_designs import SHUTDOWN

    return Design(name, SHUTDOWN, dict(settings), tuple(expect), doc)
