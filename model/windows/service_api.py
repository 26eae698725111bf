"""Building blocks for your own service design: the SCM side is ours, the steps are yours.

A design of a Windows service is a handler, a ServiceMain and worker threads.
The SCM, control delivery, status reporting, time and the catalog's
definitions are the same for every service, so this module provides them and
a design supplies only its own steps.  The built-in ``controls`` family
(model/families/controls.py) is written with exactly this API.

Quick start (a file ``my_design.py`` checked with
``scmcheck check my_design.py:design --engine all``)::

    from scmcheck.model.service_api import AT_ONCE, MS, ServiceModel, SvcState, Control, ms, user_design

    def build(p):
        svc = ServiceModel("my-service", "what it models", p, accepts=("stop",))
        m = svc.m                                     # the underlying System: declare your own variables on it
        work = m.int("work_left", 0, ms(20, "stop work"), ms(20, "stop work"), "stop work left", unit=MS)
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
    :meth:`timer` tell the clock what runs while time passes (milliseconds);
    :meth:`finish` declares the clock (time jumps from one deadline to the
    next, model/lang/clock.py) and returns the System.
  - :meth:`thread` declares a thread (its steps run only while it runs; the
    catalog's ``all_threads_exited``); :meth:`process_exit` the step that ends
    the process (``no_exit_before_stopped``, 000.3/000.5); ``step(...,
    report_may_fail=True)`` adds the run where SetServiceStatus fails.
  - :meth:`system_shutdown` and :meth:`unsaved_data`: PRESHUTDOWN/SHUTDOWN at
    system shutdown and the data that must be saved (003.7-003.10).

* :func:`user_design` wraps your ``build(parameters) -> System`` into a
  :class:`~scmcheck.model.designs.Design` (with optional knobs and the
  properties it is checked against: :data:`CONTROL_PROPERTIES` by default, and
  ``expect`` for a design you know to be wrong).

* :func:`shutdown_design` does the same for the system-shutdown model
  (model/families/shutdown.py) with your own per-service behaviour (cleanup time,
  progress reports, data saving, PRESHUTDOWN) as knob values; the SCM's
  PRESHUTDOWN/SHUTDOWN phases, budgets, caps and dependency order are ours.

Durations: arguments named ``*_s`` take seconds with millisecond precision
(``wait_hint_s=2.5``); timers are int variables in milliseconds (:func:`ms`
converts, ``unit=MS`` shows them in seconds in traces).  ``windows=`` selects
a Windows version's documented behaviour (model/windows/profiles.py).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from ..families import shutdown as _shutdown
from ..lang.clock import ANY_TIME, AT_ONCE, MS, Clock, Within, ms
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError, ModelError
from ..lang.expr import Expr, VarRef, all_of, any_of, ite, lift, min_, not_
from ..families.shutdown import Phase
from .events import model_view, refused, time_it, watch
from .profiles import DEFAULT_PROFILE, profile
from .scm import HANDLER_LIMIT_MS, Control, ScmStatus, SvcState
from ..lang.system import System

__all__ = [
    "ServiceModel", "user_design", "shutdown_design", "SvcState", "Control", "CONTROL_PROPERTIES",
    "AT_ONCE", "ANY_TIME", "Within", "NO_ERROR", "ERROR_CALL_NOT_IMPLEMENTED", "Thread",
    "SHUTDOWN_PROPERTIES", "ms", "MS",
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

# dwControlsAccepted bits a design may name, and the variable that holds each (003.3, 003.7, 003.8).
_ACCEPT_NAMES = {"stop": "accepts_stop", "pause": "accepts_pause_continue",
                 "shutdown": "accepts_shutdown", "preshutdown": "accepts_preshutdown"}


def _accept_set(accepts: Any, where: str) -> set:
    """The accepted-control names, or a one-line error listing the valid ones."""
    if isinstance(accepts, str):
        accepts = (accepts,)
    acc = set(accepts)
    unknown = sorted(str(a) for a in acc - set(_ACCEPT_NAMES))
    if unknown:
        raise InputError(f"{where}: unknown control name(s) {', '.join(map(repr, unknown))}; the valid names are "
                         f"{', '.join(map(repr, _ACCEPT_NAMES))} (SERVICE_ACCEPT_STOP, SERVICE_ACCEPT_PAUSE_CONTINUE, "
                         "SERVICE_ACCEPT_SHUTDOWN, SERVICE_ACCEPT_PRESHUTDOWN)")
    return acc


class Thread:
    """A thread of the service declared with :meth:`ServiceModel.thread`.

    ``running`` / ``exited``: expressions; ``exit()``: the update fragment for the thread's own last
    step (its handle becomes signalled); ``start()``: the fragment for the step that creates it.
    Its steps (``svc.step(..., process=name)``) can only happen while it runs.
    """

    def __init__(self, var: VarRef, name: str) -> None:
        self.var = var
        self.name = name

    @property
    def running(self) -> Expr:
        return self.var

    @property
    def exited(self) -> Expr:
        return not_(self.var)

    def exit(self) -> dict:
        return {self.var: False}

    def start(self) -> dict:
        return {self.var: True}

# What a HandlerEx returns (winerror.h names): NO_ERROR, or ERROR_CALL_NOT_IMPLEMENTED for a code it
# does not handle.  https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex
NO_ERROR = "NO_ERROR"
ERROR_CALL_NOT_IMPLEMENTED = "ERROR_CALL_NOT_IMPLEMENTED"


class ServiceModel:
    """One service, its control dispatcher and the SCM; you add the handler and thread steps.

    Parameters:
      name, doc, parameters -- as for :class:`~scmcheck.model.lang.system.System`.
      accepts -- the controls accepted in the *initial* report: any of "stop", "pause", "shutdown",
                 "preshutdown" (an unknown name is an InputError listing the valid ones).
      initial -- the initial state (START_PENDING: the SCM has just started the service,
                 with checkpoint 1 and wait hint ``start_hint_s``; RUNNING: already running).
      start_hint_s -- dwWaitHint of the initial START_PENDING report.
      max_wait_hint_s -- the largest wait hint any report uses (sizes the SCM's timer).
      max_checkpoint -- the largest checkpoint any report uses (saturating).
      windows -- the Windows profile (model/windows/profiles.py): "xp", "2003", "vista" or "10-1703"
             (default); it selects the SCM's behaviour after STOP (003.5) and the shutdown defaults.
      scm -- overrides the profile's behaviour after STOP: "post_sp2" (Windows Server 2003 / XP SP2
             and later: nothing after STOP) or "xp" (before: a service that returns and keeps running
             gets further controls), 003.5.
      user_controls -- the SCM may send a user-defined code (128..255, abstracted to one).
      report_delay_s -- how long a change of the real state may stay unreported (000.2): 0, the
             default, means before any time passes; a wrapper that polls its child every 10 s
             declares 10.
    """

    def __init__(self, name: str, doc: str, parameters: Mapping[str, Any], *, accepts: Iterable[str] = (),
                 initial: SvcState = SvcState.START_PENDING, start_hint_s: float = 20, max_wait_hint_s: float = 20,
                 max_checkpoint: int = 8, windows: str = DEFAULT_PROFILE, scm: Optional[str] = None,
                 user_controls: bool = False, report_delay_s: float = 0) -> None:
        self.profile = profile(windows, "ServiceModel(windows=...)")
        if scm is None:
            scm = "post_sp2" if self.profile.post_sp2 else "xp"
        if scm not in ("post_sp2", "xp"):
            raise InputError(f"ServiceModel(scm={scm!r}): use 'post_sp2' or 'xp' (or windows=...)")
        if initial == SvcState.START_PENDING and start_hint_s > max_wait_hint_s:
            raise ValueError(f"start_hint_s = {start_hint_s} exceeds max_wait_hint_s = {max_wait_hint_s}; "
                             "raise max_wait_hint_s")
        # the 30 s handler limit is a constant of Windows, stated by the catalog entry in seconds
        self.m = m = System(name, doc, parameters=dict(parameters), time_unit=MS)
        self.scm_version = scm
        self.user_controls = user_controls
        accepts = _accept_set(accepts, "ServiceModel(accepts=...)")
        self._initial_accepts = accepts
        starting = initial == SvcState.START_PENDING
        self.limit = HANDLER_LIMIT_MS
        # ---- SCM side
        # The SCM's first view of a starting service: START_PENDING, checkpoint 1 and the start hint
        # (StartService's first report).
        self.status = ScmStatus(m, max_checkpoint=max_checkpoint, max_hint=ms(max_wait_hint_s, "max_wait_hint_s"),
                                init=initial, init_checkpoint=1 if starting else 0,
                                init_hint=ms(start_hint_s, "start_hint_s") if starting else 0)
        # stop and pause always exist (the SCM's sends read them); shutdown and preshutdown only in a
        # design that accepts them somewhere (a variable that is always false would say nothing)
        self.accepts = {key: m.bool(_ACCEPT_NAMES[key], key in accepts, f"dwControlsAccepted as last reported: "
                                    f"{_ACCEPT_NAMES[key]}") for key in ("stop", "pause")}
        for key in accepts - {"stop", "pause"}:
            self._accept_var(key)
        self.threads: dict[str, Thread] = {}
        self.process_exited: Optional[VarRef] = None
        self.exited_before_stopped: Optional[VarRef] = None
        self._shutdown: Optional[dict] = None
        self._unsaved: Optional[Expr] = None
        self.control = m.enum("control", Control, Control.NONE, "control queued at the control dispatcher")
        self.stop_sent = m.bool("stop_sent", False, "the SCM has sent SERVICE_CONTROL_STOP")
        # ---- service side
        self.state = m.enum("state", SvcState, initial, "the state the service is really in")
        self.handler_busy = m.bool("handler_busy", False, "the handler is still running (has not returned)")
        self.handler_elapsed = m.int("handler_elapsed", 0, self.limit + 1, 0,
                                     "time the handler has been running (ms, saturates)", unit=MS)
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
                                  "reported (ms, saturates; 003.4)", unit=MS)
        self.resumed_after_stop = m.bool("resumed_after_stop", False,
                                         "monitor: RUNNING or PAUSED was reported after the handler took STOP (003.4)")
        # the monitors of the event rules: one definition with the harness's observers of real code
        # (model/windows/events.py); each action's update of them is composed at freeze
        for rule, var in (("no_control_after_stop", self.control_after_stop),
                          ("only_accepted_controls_delivered", self.delivered_unaccepted),
                          ("stop_accepted_leads_to_stop_pending", self.resumed_after_stop),
                          ("interrogate_always_answered", self.interrogate_unanswered)):
            watch(m, rule, var)
        self.report_delay = ms(report_delay_s, "report_delay_s")
        self.unreported_for = (m.int("unreported_for", 0, self.report_delay + 1, 0,
                                     "monitor: time the real state has differed from the last report (ms, saturates)",
                                     unit=MS) if self.report_delay else None)
        m.environment_process("scm")
        self.clock = Clock(m)
        self._specs: list[dict] = []
        self._interrogate_answers: set = set()
        self._finished = False

    # ------------------------------------------------------------------ status reports
    def report(self, state: Any, checkpoint: Any = 0, wait_hint_s: int = 0,
               accepts: Optional[Iterable[str]] = None) -> dict:
        """The update of one SetServiceStatus call (the service's real state is not changed).

        ``accepts`` None keeps dwControlsAccepted as it was; otherwise the set of
        accepted controls ("stop", "pause") replaces it.
        """
        upd = self.status.report(state, checkpoint, self._hint(wait_hint_s))
        if accepts is not None:
            acc = _accept_set(accepts, "report(accepts=...)")
            for key in acc:
                self._accept_var(key)
            upd.update({var: key in acc for key, var in self.accepts.items()})
        return upd

    def set_state(self, state: Any, checkpoint: Any = 0, wait_hint_s: int = 0,
                  accepts: Optional[Iterable[str]] = None) -> dict:
        """Change the real state and report it in the same atomic step (000.2, 003.2)."""
        return {**self.report(state, checkpoint, wait_hint_s, accepts), self.state: state}

    def progress(self, wait_hint_s: int) -> dict:
        """A progress report in the current pending state: same state, checkpoint + 1 (000.4)."""
        return self.status.report(self.state, self.status.next_checkpoint(), self._hint(wait_hint_s))

    def answer_interrogate(self, answer: Any = None) -> dict:
        """INTERROGATE's answer: report ``answer`` (default: the real state) with the last checkpoint and hint."""
        return self.status.report(self.state if answer is None else answer, self.status.checkpoint,
                                  self.status.wait_hint)

    def _accept_var(self, key: str) -> VarRef:
        if key not in self.accepts:
            if self._finished:
                raise ModelError(f"accepts {key!r} first appears after finish(); declare every step before finish()")
            name = _ACCEPT_NAMES[key]
            self.accepts[key] = self.m.bool(name, key in self._initial_accepts,
                                            f"dwControlsAccepted as last reported: {name}")
        return self.accepts[key]

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
        key = {Control.SHUTDOWN: "shutdown", Control.PRESHUTDOWN: "preshutdown"}.get(code)
        return self.accepts[key] if key in self.accepts else lift(False)

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
        if returns == ERROR_CALL_NOT_IMPLEMENTED:  # what the handler_returned event carries (model/windows/events.py)
            self.m.step_notes[name] = {"result": 120}
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
            wrong = [self.interrogate_wrong, new_state != self.state]
            if answered:
                # the answer is judged against the state the service itself is in (its own view; a
                # wrapper learns of its child's exit a moment later), not by the false_report monitor
                wrong.append(upd[self.status.reported] != self.state)
                self._interrogate_answers.add(name)
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
             args: Optional[Mapping[str, Any]] = None, doc: str = "", urgent: Any = None,
             report_may_fail: bool = False) -> Expr:
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
        g = all_of(*_as_list(guard))
        if report_may_fail:
            self._declare_failed_report(name, process, g, dict(update), args, doc, timing)
        return self._declare(name, process, g, dict(update), args, doc, timing)

    def _declare_failed_report(self, name: str, process: str, guard: Expr, update: dict, args: Any, doc: str,
                               timing: Any) -> None:
        """``report_may_fail``: the same step in which SetServiceStatus returns FALSE (e.g.
        ERROR_INVALID_DATA): the SCM's record is unchanged, the rest of the step happens as written
        (a design that ignores the result goes on as if it had reported).
        https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus"""
        status = {v.name for v in (self.status.reported, self.status.checkpoint, self.status.wait_hint,
                                   self.status.since_progress)} | {v.name for v in self.accepts.values()}
        keyed = {k.name if isinstance(k, VarRef) else k: v for k, v in update.items()}
        if self.status.reported.name not in keyed:
            raise ModelError(f"step {name}: report_may_fail=True, but the step makes no SetServiceStatus call")
        rest = {k: v for k, v in keyed.items() if k not in status}
        self._declare(f"{name}_report_failed", process, guard, rest, args,
                      (doc + "; " if doc else "") + "SetServiceStatus fails: the SCM's record is unchanged",
                      ANY_TIME if timing == AT_ONCE else timing)

    def _declare(self, name: str, process: str, guard: Expr, update: dict, args: Any, doc: str,
                 timing: Any) -> Expr:
        # Declared in finish(), after the clock and the SCM: declaration order is the order of the
        # fuzz engine's rules, whose random choice favours early ones, and runs that let time pass
        # and the SCM act reach the interesting states sooner.  Explicit and BMC ignore the order.
        if self._finished:
            raise ValueError(f"{name}: declare every step before finish()")
        label = name if not args else name + "_" + "_".join(str(v) for v in dict(args).values())
        if timing not in (AT_ONCE, ANY_TIME) and not isinstance(timing, Within):
            self.clock.timing(label, guard, timing)  # the clock's own one-line error
        # the clock learns the timing in finish(), with the final guard (a thread's steps need it to run)
        self._specs.append(dict(name=name, process=process, guard=guard, update=update, args=args, doc=doc,
                                fair=timing != ANY_TIME, timing=timing, label=label))
        return guard

    def countdown(self, var: VarRef, while_: Any) -> VarRef:
        """``var`` (milliseconds of work left, an int variable from 0) runs down to 0 while
        ``while_`` holds: declare it with ``m.int(name, 0, ms(seconds, ...), ...)``."""
        return self.clock.countdown(var, while_)

    def timer(self, var: VarRef, running: Any) -> VarRef:
        """``var`` (an int variable from 0, in ms) counts the time ``running`` has held, saturating at
        its upper bound; your steps reset it by assigning 0.  The clock stops at every value your
        guards compare it with (model/lang/clock.py)."""
        return self.clock.timer(var, running)

    def _hint(self, wait_hint_s: Any) -> Any:
        """dwWaitHint in ms: seconds (ms precision) from the design, or an expression already in ms."""
        if isinstance(wait_hint_s, Expr):
            return wait_hint_s
        value = ms(wait_hint_s, "wait_hint_s")
        if value > self.status.max_hint:
            raise ModelError(f"wait_hint_s = {wait_hint_s:g} exceeds max_wait_hint_s = "
                             f"{self.status.max_hint / 1000:g}; pass ServiceModel(..., max_wait_hint_s="
                             f"{wait_hint_s:g}) (it sizes the SCM's timer)")
        return value

    # ------------------------------------------------------------------ threads and the process
    def thread(self, name: str, running: bool = True, doc: str = "") -> Thread:
        """Declare a thread of the service (a worker, a cleanup thread); returns its :class:`Thread`.

        ``running``: whether it runs from the start (else a step creates it with ``.start()``).  Its
        steps are the ``svc.step(..., process=name)`` calls; they happen only while it runs, and
        its last step includes ``.exit()``.  The catalog's ``all_threads_exited`` (000.3) is every
        declared thread exited, unless the design defines it itself; a process exit ends them all.
        """
        if name in self.threads or name in ("dispatcher", "scm", "clock"):
            raise ModelError(f"thread {name!r} is declared twice, or is a name scmcheck uses")
        var = self.m.bool(f"{name}_running", running, doc or f"thread {name} is running (its handle is not signalled)")
        self.threads[name] = t = Thread(var, name)
        return t

    def process_exit(self, action: str, thread_name: str, guard: Any = (), update: Mapping[Any, Any] = {}, *,
                     timing: Any = AT_ONCE, doc: str = "") -> Expr:
        """Declare a step of ``thread_name`` that ends the service process (ServiceMain returns and
        the runtime calls ExitProcess, or a crash with ``timing=ANY_TIME``): every thread dies with it
        and no step of the service happens after it.  The catalog entry ``no_exit_before_stopped``
        (000.3, 000.5) checks that SERVICE_STOPPED was reported first (``update`` may report it in the
        same step).  Returns the step's guard.
        https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw
        """
        self._ensure_process()
        upd = {**dict(update), **self._kill_everything()}
        keyed = {k.name if isinstance(k, VarRef) else k: v for k, v in upd.items()}
        return self._declare(action, thread_name, all_of(*_as_list(guard)), upd, None,
                             doc or "the service process exits", timing)

    def _ensure_process(self) -> None:
        if self.process_exited is None:
            self.process_exited = self.m.bool("process_exited", False, "the service process has exited")
            self.exited_before_stopped = self.m.bool(
                "exited_before_stopped", False,
                "monitor: the process exited before SERVICE_STOPPED was reported (000.3, 000.5)")
            watch(self.m, "no_exit_before_stopped", self.exited_before_stopped)

    def _kill_everything(self) -> dict:
        """The process is gone: every thread with it, and the handler call it was running."""
        return {self.process_exited: True, self.handler_busy: False,
                **{t.var: False for t in self.threads.values()}}

    # ------------------------------------------------------------------ system shutdown
    def system_shutdown(self, wait_to_kill_ms: Optional[int] = None,
                        preshutdown_timeout_ms: Optional[int] = None) -> None:
        """The system may shut down at any moment: the SCM sends SERVICE_CONTROL_PRESHUTDOWN if the
        service's last report accepts it and waits up to the preshutdown timeout (003.7), then
        SERVICE_CONTROL_SHUTDOWN if accepted and waits up to WaitToKillServiceTimeout (003.8, 003.9),
        then the machine powers off and the process is killed.  Defaults are the Windows profile's
        (model/windows/profiles.py): 20,000 ms; 10,000 ms (180,000 before Windows 10 1703).
        Declaring :meth:`unsaved_data` makes the shutdown catalog entries apply (003.7-003.10).
        https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_preshutdown_info
        """
        for what, v in (("wait_to_kill_ms", wait_to_kill_ms), ("preshutdown_timeout_ms", preshutdown_timeout_ms)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
                raise InputError(f"system_shutdown({what}={v!r}): give a whole number of milliseconds > 0")
        if preshutdown_timeout_ms is not None and not self.profile.has_preshutdown:
            raise InputError(f"system_shutdown(preshutdown_timeout_ms=...): windows = {self.profile.name} has no "
                             "PRESHUTDOWN (it exists from Windows Vista on)")
        self._shutdown = {
            "wait_to_kill": wait_to_kill_ms or self.profile.wait_to_kill_ms,
            "pre_timeout": preshutdown_timeout_ms or self.profile.preshutdown_timeout_ms or 0,
        }

    def unsaved_data(self, expr: Any) -> None:
        """Declare when the service holds data it has not saved (an expression): the service must
        save it before system shutdown kills it (003.10, ``no_data_loss_at_shutdown``)."""
        self._unsaved = lift(expr)

    def _declare_shutdown(self) -> None:
        """The SCM's side of system shutdown for this one service (see :meth:`system_shutdown`)."""
        m, st, sd = self.m, self.status, self._shutdown
        self._ensure_process()
        phase = self.phase = m.enum("phase", Phase, Phase.UP, "where system shutdown is")
        waited = m.int("shutdown_waited", 0, max(sd["wait_to_kill"], sd["pre_timeout"]), 0,
                       "time the SCM has waited for the service in this shutdown phase (ms)", unit=MS)
        sent = m.bool("shutdown_sent", False, "the SCM has sent this phase's control")
        given_up = m.bool("shutdown_given_up", False,
                          "the SCM stopped waiting at SHUTDOWN while the service had not stopped (003.8, 003.9)")
        pre_timed_out = m.bool("preshutdown_timed_out", False,
                               "the preshutdown timeout expired before the service stopped (003.7)")
        pre_received = m.bool("preshutdown_received", False, "the SCM has sent PRESHUTDOWN")
        gone = any_of(st.reported == SvcState.STOPPED, self.process_exited)
        # A service already stopping when shutdown begins gets no (PRE)SHUTDOWN (003.4: nothing after
        # STOP), but the SCM waits for it as if it had sent it, up to the same limit: the seeds do not say
        # what the SCM does there, and cutting a stopping service off at once would flag correct designs.
        stopping_wait = any_of(all_of(phase == ph, self.accepts[key], self.stop_sent)
                               for ph, key in ((Phase.PRESHUTDOWN, "preshutdown"), (Phase.SHUTDOWN, "shutdown"))
                               if key in self.accepts)
        self.clock.timer(waited, all_of(any_of(sent, stopping_wait), ~gone))
        m.assume("a service already stopping when system shutdown begins gets no SHUTDOWN (003.4); the SCM waits "
                 "for it as long as it would after sending SHUTDOWN")
        m.action("scm_begin_system_shutdown", "scm", guard=phase == Phase.UP,
                 update={phase: Phase.PRESHUTDOWN, waited: 0, sent: False}, fair=False,
                 doc="the system begins to shut down (at any moment, or never)")
        # 003.10: data is lost if it is unsaved at the moment the machine powers off.  A monitor, not
        # "powered off and unsaved now": a client (an environment process) may still write after
        # power-off in a model, and that write was never the service's to save.
        lost = m.bool("data_lost_at_power_off", False,
                      "monitor: the service held unsaved data when the machine powered off (003.10)") \
            if self._unsaved is not None else None
        queue_free = all_of(self.control == Control.NONE, ~self.handler_busy)
        steps = ((Phase.PRESHUTDOWN, "preshutdown", Control.PRESHUTDOWN, sd["pre_timeout"], Phase.SHUTDOWN, "003.7"),
                 (Phase.SHUTDOWN, "shutdown", Control.SHUTDOWN, sd["wait_to_kill"], Phase.OFF, "003.8/003.9"))
        for ph, key, code, limit, nxt, rule in steps:
            acc = self.accepts.get(key)
            if acc is not None:
                send_upd = {self.control: code, sent: True, waited: 0}
                if ph == Phase.PRESHUTDOWN:
                    send_upd[pre_received] = True
                a = m.action(f"scm_send_{key}", "scm", guard=[phase == ph, ~sent, ~gone, queue_free, self._table(code)],
                             update=send_upd, doc=f"{rule}: the SCM sends {code.name} to a service that accepts it")
                self.clock.urgent(a.guard)
                waiting_for = all_of(any_of(sent, all_of(acc, self.stop_sent)), ~gone)
                can_send = all_of(self._table(code), ~gone)
            else:
                waiting_for, can_send = lift(False), lift(False)
            over = all_of(waiting_for, waited >= limit)
            upd: dict = {phase: nxt, sent: False, waited: 0}
            if ph == Phase.PRESHUTDOWN:
                upd[pre_timed_out] = any_of(pre_timed_out, over)
            else:
                upd[given_up] = any_of(given_up, over)
                if lost is not None:
                    upd[lost] = any_of(lost, self._unsaved)
                upd.update(self._kill_everything())
                # The machine is off: nothing of the service runs and no state is pending any more, so
                # the SCM's record ends as STOPPED (the SCM is gone with it; nothing is sent again).
                upd[st.reported] = SvcState.STOPPED
            a = m.action(f"scm_end_{key}", "scm",
                         guard=[phase == ph, any_of(all_of(~waiting_for, ~can_send), all_of(sent, gone), over)],
                         update=upd,
                         doc=f"{rule}: the service stopped, or did not get {code.name}, or the wait is over"
                             + ("; the machine powers off" if nxt == Phase.OFF else ""))
            self.clock.urgent(a.guard)
        # The names the shutdown catalog entries read (properties/catalog/shutdown.py), for service 0.
        m.define("exited[0]", gone)
        m.define("powered_off", phase == Phase.OFF)
        if "preshutdown" in self.accepts:
            m.define("preshutdown_received[0]", pre_received)
            m.define("preshutdown_timed_out[0]", pre_timed_out)
            m.define("preshutdown_settled[0]", any_of(gone, pre_timed_out))
        if "shutdown" in self.accepts or "preshutdown" not in self.accepts:
            m.define("budget_overrun[0]", given_up)
        if self._unsaved is not None:
            m.define("data_lost[0]", lost)
        else:
            m.assume("no unsaved data declared (svc.unsaved_data): data loss at shutdown is not judged")

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
        alive = [] if self.process_exited is None else [~self.process_exited]
        if self._shutdown is not None:
            alive.append(self.phase == Phase.UP)  # at shutdown only (PRE)SHUTDOWN is sent
        return all_of(self.control == Control.NONE, ~self.handler_busy, ~st.scm_hang, self._table(code), *alive)

    def _table(self, code: Control) -> Expr:
        """ControlService's table for the last report (the one definition in model/windows/events.py,
        which also judges real code's SCM) and 003.4: nothing after STOP, except from the pre-XP-SP2 SCM
        to a service that keeps reporting RUNNING or PAUSED (003.5)."""
        st = self.status
        running_or_paused = any_of(st.reported == SvcState.RUNNING, st.reported == SvcState.PAUSED)
        after_stop = any_of(~self.stop_sent, running_or_paused) if self.scm_version == "xp" else ~self.stop_sent
        win = {Control.PRESHUTDOWN: 15, Control.DEVICEEVENT: 11, Control.USER: 128}.get(code, int(code))
        allowed = not_(refused(win, model_view(self.m)))
        if code == Control.DEVICEEVENT:  # sent by the system only to a service that registered for it
            allowed = all_of(allowed, self.accepted(code))
        return all_of(after_stop, allowed)

    def finish(self) -> System:
        """Declare the SCM's sends, its hang detection and the clock; define what the catalog reads."""
        if self._finished:
            return self.m
        self._finished = True
        m, st = self.m, self.status
        running_or_paused = any_of(st.reported == SvcState.RUNNING, st.reported == SvcState.PAUSED)
        # The clock: the SCM's progress timer, the handler's 30 s (003.6), the STOP acknowledgement
        # (003.4) and the report delay (000.2).
        st.time(self.clock)
        time_it(m, self.clock, "handler_returns_within_30s", self.handler_elapsed)
        time_it(m, self.clock, "stop_accepted_leads_to_stop_pending", self.stop_unacked)
        if self.unreported_for is not None:
            self.clock.timer(self.unreported_for, st.reported != self.state, reset_when_idle=True)
        if self._shutdown is not None:
            self._declare_shutdown()
        elif self._unsaved is not None:
            raise ModelError("svc.unsaved_data(...) needs svc.system_shutdown(...): data is lost when system "
                             "shutdown kills the process")
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
                     update={self.control: code, self.stop_sent: self.stop_sent | (code == Control.STOP)},
                     doc=f"003.3: the SCM sends {code.name} as ControlService allows for the last report")
        st.declare_hang()
        for spec in self._specs:
            spec = dict(spec)
            timing, label = spec.pop("timing"), spec.pop("label")
            extra = []
            if spec["process"] in self.threads:
                extra.append(self.threads[spec["process"]].running)
            if self.process_exited is not None and spec["process"] not in m.environment:
                extra.append(~self.process_exited)
            spec["guard"] = all_of(spec["guard"], *extra)
            self.clock.timing(label, spec["guard"], timing)
            m.action(**spec)
        if self.threads and "all_threads_exited" not in m.definitions:
            m.define("all_threads_exited", all_of(*[t.exited for t in self.threads.values()]),
                     by="ServiceModel.finish(), from the threads declared with svc.thread()")
        self.clock.tick()
        if "actual_state" not in m.definitions:
            # a process that has exited is not running, whatever its last state variable says
            real = self.state if self.process_exited is None else ite(self.process_exited, SvcState.STOPPED, self.state)
            m.define("actual_state", real, by="ServiceModel.finish(), because the design did not define it "
                                              "before finish()")
        st.watch(m.definitions["actual_state"], exempt=lambda act: act.name in self._interrogate_answers)
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
                properties: Sequence[str] = CONTROL_PROPERTIES, fixed: Mapping[str, Any] = {}) -> Design:
    """Wrap ``build(parameters) -> System`` as a Design the CLI and the tests accept.

    ``expect``: the catalog ids the design is known to violate (empty: it should be correct).
    ``vacuous``: ids whose subject never happens in the design (e.g. ``start_reaches_running`` for a
    design that starts RUNNING and is never restarted); the check then says "as labelled".
    ``properties`` documents what the design was written against; ``check`` selects every entry that
    applies (README).  ``expect``/``vacuous`` may also name the design's own properties
    (``m.invariant``/``m.leads_to``).  ``fixed``: knob values the design fixes; ``--param`` on them is
    refused.
    """
    fam = Family(name=name, doc=doc, knobs=tuple(knobs), build=build, properties=tuple(properties))
    return Design(name, fam, dict(fixed), tuple(expect), doc, vacuous=tuple(vacuous), fixed=tuple(fixed))


def shutdown_design(name: str, doc: str, settings: Mapping[str, Any], *, expect: Sequence[str] = ()) -> Design:
    """A system-shutdown design (model/families/shutdown.py) with your services' behaviour as knob values.

    ``settings`` are knobs of the ``shutdown`` family (``scmcheck list --json`` lists them):
    e.g. ``{"services": 3, "depends": True, "order": "database", "cleanup_s": 20}``.
    """
    from ..families.shutdown_designs import SHUTDOWN

    return Design(name, SHUTDOWN, dict(settings), tuple(expect), doc)
