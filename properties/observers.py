"""Catalog entries as observers over events: one judge per entry, fed by a run of real code.

The catalog (properties/catalog/*.py) states each entry over a *model's*
variables and monitors (``status_after_stopped``, ``scm_hang`` ...), which the
model's actions set.  Real code has no such variables.  What both a model step
and a run of real code can produce is a stream of **events**:

============================  ====================================================================
kind                          fields
============================  ====================================================================
``control_sent``              ``control`` (Win32 code), ``name``, ``event`` (the event type's name for
                              POWEREVENT, SESSIONCHANGE, DEVICEEVENT ..., else "") -- the SCM called
                              ControlService (or the system sent the control)
``handler_entered``           ``control``, ``name`` -- the dispatcher called the handler
``handler_returned``          ``control``, ``name``, ``result`` (the DWORD returned), ``duration_ms``
``handler_raised``            ``control``, ``name``, ``error`` -- the handler raised (pywin32 logs it and
                              returns ERROR_CALL_NOT_IMPLEMENTED); ``handler_returned`` follows
``status_reported``           ``state``, ``accepted``, ``checkpoint``, ``wait_hint_ms``,
                              ``win32_exit``, ``svc_exit``, ``in_handler`` (the control being
                              handled by the reporting thread, or 0) -- a SetServiceStatus call
``thread_started``            ``name``, ``host`` (True for the host's own threads)
``thread_exited``             ``name``, ``host``
``svcrun_returned``           ``raised`` -- the host's call of SvcRun (ServiceMain) came back
``shutdown_began``            ``accepts_shutdown`` -- system shutdown started
``time_advanced``             ``to_ms``, ``stuck`` (True: every thread blocked with no timed wait,
                              and time is let run to show what that costs)
``service_created``           ``unsaved_declared`` -- the host constructed the service object; the
                              service declared its unsaved data (:class:`NoDataLossAtShutdown`)
``process_exited``            ``reason`` (``returned`` / ``power_off`` / the call that ended it,
                              e.g. ``os._exit(1)``), ``killed`` (service threads still alive),
                              ``unsaved`` (True/False: the declared unsaved data at that moment;
                              None: nothing declared)
``run_ended``                 ``outcome``
============================  ====================================================================

Every event carries ``time_ms`` (virtual milliseconds since the service was
started) and ``thread`` (the thread that caused it; ``SCM`` and ``clock`` for
the harness's own).  An observer reads only these.  scmcheck.testing produces
them from a run of an unmodified pywin32 service (or an adapter process).

**One definition for models and code.**  A model step produces the same
events (model/windows/events.py, ``step_events``), and the entries that are
statements about a step are written once there as *event rules*:
``no_status_after_stopped``, ``no_control_after_stop``,
``no_exit_before_stopped``, ``only_accepted_controls_delivered``,
``interrogate_always_answered`` and the "never RUNNING or PAUSED again" half
of ``stop_accepted_leads_to_stop_pending``.  A model checks them through the
monitor variables the rules are composed into (every engine reads those);
the observers below apply the same conditions to the events of code
(:class:`_RuleObserver`), over the same :class:`SharedView`, advanced by the
same function.  The entries about how long something lasts
(``handler_returns_within_30s``, ``pending_progress_within_wait_hint`` and
the 30 s of ``stop_accepted_leads_to_stop_pending``) are *timed rules*
there: a model counts them with a clock timer (for the wait hint, the SCM's
own progress timer), code with virtual time (:class:`_Stretch`).  ControlService's table, which the model's SCM sends by, is
that module's ``refused`` too.  tests/test_event_rules.py checks, step by
step on random model runs, that both interpreters agree.  The other entries
read something code does not expose (the threads' real state, the
service's own idea of its state, a model's clock): what the harness observes
for them is defined next.

**What code cannot expose, and what is observed instead.**

* ``actual_state`` (the state the service is really in, 000.2): derived from
  the service's own reports made *outside* INTERROGATE handling (a service
  declares its state changes itself), overridden by what the threads show:
  once SvcRun has returned and no service thread is alive, it is STOPPED.
* A report *false when made* (``reported_state_matches_actual``, 000.2): the
  harness cannot see the service's own idea of its state, only facts that
  rule states out ("Service State Transitions" page: the SCM sets
  START_PENDING when it starts the service, and START_PENDING -> RUNNING is
  the one sign that the start succeeded): START_PENDING after the service has
  reported RUNNING, PAUSED, a pause/continue pending state or STOP_PENDING (it
  has started; pywin32's SvcRun reports RUNNING before it calls SvcDoRun, so a
  START_PENDING from SvcDoRun is always this); SERVICE_STOPPED while another
  service thread still runs; a value that names no state.  And whenever
  virtual time passes, the last report must be ``actual_state`` (a state
  change is reported before time passes, 000.2): under pywin32's host this
  catches an INTERROGATE answer that contradicted the service's own last
  report and was left standing.  (Reports after SERVICE_STOPPED are
  ``no_status_after_stopped``'s.)
* ``all_threads_exited`` (000.3): every thread that started, other than the
  control dispatcher (the process's main thread, which returns only when the
  SCM has seen STOPPED) and the thread making the report, has exited.
* A state change made by handling a control (003.2): pywin32 runs the
  service's SvcPause/SvcContinue as the handler, so a PAUSE taken in RUNNING
  or a CONTINUE taken in PAUSED with NO_ERROR is a state change, and a report
  of a new state (any thread) must come before the handler returns -- or,
  for a handler that hands the work to another thread, before virtual time
  passes after it returns.  A handler that returns an error declined the
  control: no change.  STOP and SHUTDOWN are left to
  ``stop_accepted_leads_to_stop_pending`` (which allows 30 s and a hand-off,
  003.4), not judged here.
* ``data_lost`` (003.10): code's unsaved data is not visible to the harness.
  A service (or the caller: ``scmcheck test --unsaved-data ATTR``,
  ``check_implementation(..., unsaved_data="ATTR")``, or the class attribute
  ``_scmcheck_unsaved_data_ = "ATTR"``) may name an attribute or method of
  the service object whose truth value says "data not yet saved"; the
  harness reads it when the process ends (``process_exited.unsaved``), and
  the entry is judged exactly: data is lost when the process ends during
  system shutdown (power-off, or its own exit) while it is true.  Without a
  declaration only what the SCM side shows is judged: a service that accepted
  SHUTDOWN (so it has shutdown work to do) and was still running when
  WaitToKillServiceTimeout ran out, so power-off cut that work off (003.8).  A
  service that declares nothing and never accepts SHUTDOWN is *not judged*
  (the entry does not apply, as in a model without ``svc.unsaved_data``): a
  service with nothing to save may ignore SHUTDOWN.
* process exit (``no_exit_before_stopped``, 000.3/000.5): pywin32's host
  ends the process only after SERVICE_STOPPED (StartServiceCtrlDispatcher
  returns then), so what the harness observes is the service's own
  ``os._exit()`` or ``os.abort()`` (the stand-in for ``os`` turns the call
  into ``process_exited``).  Power-off at system shutdown is not the
  service's exit and is not judged here.
* ``scm_hang`` (000.4): the SCM declares a hang when its progress timer
  passes the last wait hint; code has no SCM of its own, so the harness
  measures the same timed rule (model/windows/events.py) in virtual time.
* ``delivered_unaccepted`` (003.3): judged when the SCM *sends* a control,
  against the last report (ControlService page), so a control withdrawn
  after it was sent is the SCM's race, not the service's fault.  Under
  scmcheck's own SCM (scmcheck/testing/run.py follows ControlService) a
  service cannot break it: the observer is a check of the SCM side.
* liveness (``stop_reaches_stopped``, ``start_reaches_running``): a response
  within a virtual-time bound (:data:`LIVENESS_S`) under the harness's fair
  scheduler; a run whose threads are all blocked with no timed wait (*stuck*)
  lets time run past the bound, so it is a violation too.

An observer that cannot judge a service at all says so (``applicable``
False, ``not_applicable`` the reason), and the report shows the entry as not
applicable rather than passed.

Observers know events, not engines or models.  Each one's rule numbers are
read from the catalog entry named by ``Observer.id`` when asked for (one
definition; the catalog is imported then, not with this module); its
``sources`` are the pages the observation itself follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from scmcheck.model.windows.events import BY_ID as EVENT_RULES
from scmcheck.model.windows.events import OWN_EXIT, POWER_OFF, SharedView, advance
from scmcheck.model.windows.events import TIMED_BY_ID as TIMED_RULES

# SERVICE_STATUS.dwCurrentState values (winsvc.h; SERVICE_STATUS page on learn.microsoft.com)
STOPPED, START_PENDING, STOP_PENDING, RUNNING, CONTINUE_PENDING, PAUSE_PENDING, PAUSED = 1, 2, 3, 4, 5, 6, 7
STATE_NAMES = {0: "NONE", 1: "STOPPED", 2: "START_PENDING", 3: "STOP_PENDING", 4: "RUNNING",
               5: "CONTINUE_PENDING", 6: "PAUSE_PENDING", 7: "PAUSED"}
PENDING = (START_PENDING, STOP_PENDING, CONTINUE_PENDING, PAUSE_PENDING)
# Control codes (HandlerEx page)
CONTROL_STOP, CONTROL_PAUSE, CONTROL_CONTINUE, CONTROL_INTERROGATE, CONTROL_SHUTDOWN = 1, 2, 3, 4, 5
CONTROL_DEVICEEVENT, CONTROL_PRESHUTDOWN = 11, 15
# dwControlsAccepted bits (SERVICE_STATUS page)
ACCEPT_STOP, ACCEPT_PAUSE_CONTINUE, ACCEPT_SHUTDOWN = 0x1, 0x2, 0x4
# control code -> the accept bit that lets the SCM send it: model/windows/events.py (one table)

LIVENESS_S = 125.0  # 003.9: the longest the services snap-in waits for a stop, the bound of the liveness entries

HANDLER_EX = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex"
SET_SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus"
SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"
MULTITHREADED = "https://learn.microsoft.com/windows/win32/services/multithreaded-services"
CONTROL_HANDLER = "https://learn.microsoft.com/windows/win32/services/service-control-handler-function"
CONTROL_SERVICE = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice"
SERVICE_MAIN = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw"
STATE_TRANSITIONS = "https://learn.microsoft.com/windows/win32/services/service-status-transitions"


@dataclass(frozen=True)
class Event:
    """One thing that happened in a run (module docstring lists the kinds)."""

    seq: int
    kind: str
    time_ms: int
    thread: str
    fields: dict = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]


@dataclass(frozen=True)
class Violation:
    """An observer's verdict: ``property`` is broken at event ``seq`` for ``reason``."""

    property: str
    seq: int
    time_ms: int
    reason: str


def shared_fields(ev: Event) -> dict:
    """The event's fields as the event rules read them (model/windows/events.py): the same, but
    ``process_exited.reason`` as POWER_OFF or OWN_EXIT."""
    if ev.kind == "process_exited":
        return {**ev.fields, "reason": POWER_OFF if ev.fields.get("reason") == "power_off" else OWN_EXIT}
    return ev.fields


class View:
    """What every observer may read, kept up to date from the events (module docstring)."""

    def __init__(self) -> None:
        self.now_ms = 0
        self.reported = 0  # 0: nothing reported yet (the SCM itself holds START_PENDING)
        self.last_report: dict = {}
        self.declared = START_PENDING  # the last state reported outside INTERROGATE handling
        self.alive: dict[str, bool] = {}  # thread name -> is a host thread, for threads alive
        self.svcrun_returned = False
        self.handler: Optional[dict] = None  # the handler call in progress: control, name, since_ms
        self.stop_sent_ms: Optional[int] = None
        self.stopped = False
        self.exited = False
        self.started = False  # the service has declared a state past START_PENDING (it has started)
        self.shutdown = False  # system shutdown has begun
        self.shutdown_sent = False  # SHUTDOWN was sent to the service (it accepted it)
        # what the event rules read (model/windows/events.py), advanced by the same definition as a model's
        self.shared = SharedView.start()

    def service_threads_alive(self, besides: str = "") -> list[str]:
        return sorted(n for n, host in self.alive.items() if not host and n != besides)

    def actual_state(self) -> int:
        """The state the service is really in, as observable (module docstring)."""
        if self.svcrun_returned and not self.service_threads_alive():
            return STOPPED
        return self.declared

    def update(self, ev: Event) -> None:
        self.now_ms = ev.time_ms
        k = ev.kind
        self.shared = advance(self.shared, k, shared_fields(ev))
        if k == "status_reported":
            self.reported = ev["state"]
            self.last_report = dict(ev.fields)
            if ev["in_handler"] != CONTROL_INTERROGATE:
                self.declared = ev["state"]
                self.started = self.started or ev["state"] in (RUNNING, PAUSED, PAUSE_PENDING, CONTINUE_PENDING,
                                                                STOP_PENDING)
            self.stopped = self.stopped or ev["state"] == STOPPED
        elif k == "thread_started":
            self.alive[ev["name"]] = bool(ev["host"])
        elif k == "thread_exited":
            self.alive.pop(ev["name"], None)
        elif k == "svcrun_returned":
            self.svcrun_returned = True
        elif k == "handler_entered":
            event = ev.fields.get("event")
            self.handler = {"control": ev["control"], "name": f"{ev['name']} ({event})" if event else ev["name"],
                            "since_ms": ev.time_ms}
        elif k == "handler_returned":
            self.handler = None
        elif k == "control_sent":
            if ev["control"] == CONTROL_STOP and self.stop_sent_ms is None:
                self.stop_sent_ms = ev.time_ms
            if ev["control"] == CONTROL_SHUTDOWN and self.shutdown:
                self.shutdown_sent = True
        elif k == "shutdown_began":
            self.shutdown = True
        elif k == "process_exited":
            self.exited = True

    @property
    def accepted(self) -> int:
        """dwControlsAccepted of the last report (0 before any)."""
        return int(self.last_report.get("accepted", 0))


class _CatalogRules:
    """``Observer.rules``, on the class or an instance: the rule numbers of the catalog entry ``id``."""

    def __get__(self, obj: Any, cls: type) -> tuple:
        from .catalog import CATALOG

        return tuple(CATALOG[cls.id].rules)


class Observer:
    """One catalog entry judged over events.  ``exercised``: its subject happened in the run
    (the entry's witness), so "no violation" says something."""

    id = ""
    rules = _CatalogRules()
    sources: tuple = ()
    observes = ""  # what the observer reads, in words (for reports and docs)

    # Why the entry cannot judge a service for which ``applicable`` stayed False in every run.
    not_applicable = ""

    def __init__(self) -> None:
        self.exercised = False
        self.applicable = True  # False: nothing in this run lets the entry judge the service

    def before(self, ev: Event, view: View) -> Optional[str]:
        """Judge ``ev`` against the view as it was before the event; a reason string if violated."""
        return None


class StoppedOnlyAfterThreadsExit(Observer):
    id = "stopped_only_after_threads_exit"
    sources = (MULTITHREADED, SET_SERVICE_STATUS)
    observes = "at each SERVICE_STOPPED report: service threads alive besides the reporter and the dispatcher"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "status_reported" and ev["state"] == STOPPED:
            self.exercised = True
            alive = view.service_threads_alive(besides=ev.thread)
            if alive:
                return f"SERVICE_STOPPED reported by {ev.thread} while {_still_run(alive)}"
        return None


class _Stretch:
    """A timed rule of model/windows/events.py measured in virtual time: when the current stretch of
    ``running`` began (None: not running), read off the view before each event."""

    def __init__(self, rule_id: str) -> None:
        self.rule = TIMED_RULES[rule_id]
        self.since: Optional[int] = None

    def over(self, ev: Event, view: View) -> Optional[int]:
        """How long the stretch has lasted at ``ev`` if that is beyond the limit, else None."""
        if view.exited or not self.rule.running(view.shared):
            self.since = None
            return None
        if self.since is None:
            self.since = view.now_ms  # the event that made it true (the view is updated at each event)
        lasted = ev.time_ms - self.since
        return lasted if lasted > self.rule.limit(view.shared) else None

    def restart(self, ev: Event, view: View) -> None:
        """After ``ev``: a new stretch begins if ``ev`` is one of the rule's restarts."""
        when = dict(self.rule.restarts).get(ev.kind)
        if when is not None and when(shared_fields(ev), view.shared):
            self.since = ev.time_ms


class HandlerReturnsWithin30s(Observer):
    """003.6, the timed rule of model/windows/events.py (the model's ``handler_elapsed``)."""

    id = "handler_returns_within_30s"
    sources = (HANDLER_EX, CONTROL_HANDLER)
    observes = "virtual time between handler_entered and handler_returned"

    def __init__(self) -> None:
        super().__init__()
        self.stretch = _Stretch(self.id)

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "handler_entered":
            self.exercised = True
        lasted = self.stretch.over(ev, view)
        if lasted is not None:
            name = view.handler["name"] if view.handler else "a control"
            return f"the handler for {name} has run {lasted / 1000:g} s (limit {self.stretch.rule.limit_ms // 1000} s)"
        return None


class PendingProgressWithinWaitHint(Observer):
    """000.4/000.5, the timed rule of model/windows/events.py (a model's ``since_progress``, the SCM's
    timer): while a state is pending, a report showing progress (a new state or a larger checkpoint)
    comes within the last report's wait hint."""

    id = "pending_progress_within_wait_hint"
    sources = (SERVICE_STATUS, MULTITHREADED)
    observes = "time since the last report that showed progress, against that report's wait hint"

    def __init__(self) -> None:
        super().__init__()
        self.stretch = _Stretch(self.id)

    def before(self, ev: Event, view: View) -> Optional[str]:
        lasted = self.stretch.over(ev, view)
        if lasted is not None:
            v = view.shared
            return (f"{STATE_NAMES[v.reported]} with wait hint {v.wait_hint / 1000:g} s: no progress for "
                    f"{lasted / 1000:g} s (checkpoint stays {v.checkpoint})")
        if ev.kind == "status_reported" and ev["state"] in PENDING:
            self.exercised = True
        self.stretch.restart(ev, view)
        return None


class _RuleObserver(Observer):
    """An event rule of model/windows/events.py judged over the events of code: the same condition a
    model's monitor variable is composed from.  Subclasses say which event exercises the entry (its
    witness) and word the reason."""

    def before(self, ev: Event, view: View) -> Optional[str]:
        rule = EVENT_RULES[self.id]
        if self.exercised_by(ev, view):
            self.exercised = True
        if ev.kind == rule.kind and rule.violated(shared_fields(ev), view.shared):
            return self.why(ev, view)
        return None

    def exercised_by(self, ev: Event, view: View) -> bool:
        raise NotImplementedError

    def why(self, ev: Event, view: View) -> str:
        raise NotImplementedError


class NoStatusAfterStopped(_RuleObserver):
    id = "no_status_after_stopped"
    sources = (SET_SERVICE_STATUS, MULTITHREADED)
    observes = "SetServiceStatus calls after a SERVICE_STOPPED report"

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "status_reported" and ev["state"] == STOPPED

    def why(self, ev: Event, view: View) -> str:
        return f"{STATE_NAMES.get(ev['state'], ev['state'])} reported by {ev.thread} after SERVICE_STOPPED"


class NoControlAfterStop(_RuleObserver):
    """003.4: after STOP the SCM sends no other control.  Under scmcheck's own SCM (which follows
    ControlService and sends nothing after STOP) this checks the SCM side, as in a model."""

    id = "no_control_after_stop"
    sources = (CONTROL_HANDLER, CONTROL_SERVICE)
    observes = "each control sent after the SCM sent STOP"

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "control_sent" and ev["control"] == CONTROL_STOP

    def why(self, ev: Event, view: View) -> str:
        return f"the SCM sent {ev['name']} after STOP"


class InterrogateReportsCurrentState(Observer):
    id = "interrogate_reports_current_state"
    sources = (HANDLER_EX, SET_SERVICE_STATUS)
    observes = "a status reported while INTERROGATE is handled, against actual_state (module docstring)"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "handler_entered" and ev["control"] == CONTROL_INTERROGATE:
            self.exercised = True
        if ev.kind == "status_reported" and ev["in_handler"] == CONTROL_INTERROGATE:
            actual = view.actual_state()
            if ev["state"] != actual:
                return (f"INTERROGATE answered {STATE_NAMES.get(ev['state'], ev['state'])} while the service is "
                        f"{STATE_NAMES.get(actual, actual)}")
        return None


class NoDataLossAtShutdown(Observer):
    """003.10/003.8 as the harness can observe it (module docstring, ``data_lost``).

    Declared unsaved data is judged exactly; without a declaration, only a
    service that accepted SHUTDOWN and was cut off by power-off is flagged,
    and a service that neither declares data nor accepts SHUTDOWN is not
    judged (``applicable`` stays False).
    """

    id = "no_data_loss_at_shutdown"
    sources = (CONTROL_HANDLER,)
    observes = ("the service's declared unsaved data when the process ends at system shutdown; without a "
                "declaration, a service that accepted SHUTDOWN still running at power-off")
    not_applicable = ("no unsaved data declared and SHUTDOWN never accepted, so nothing tells data loss apart "
                      "from a service with nothing to save; declare it with --unsaved-data ATTR (the attribute "
                      "or method of the service object that is true while data is unsaved)")

    def __init__(self) -> None:
        super().__init__()
        self.applicable = False

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "service_created" and ev.fields.get("unsaved_declared"):
            self.applicable = True
        elif ev.kind == "status_reported" and ev["accepted"] & ACCEPT_SHUTDOWN:
            self.applicable = True
        elif ev.kind == "shutdown_began":
            self.exercised = self.applicable or bool(ev.fields.get("accepts_shutdown"))
        elif ev.kind == "process_exited" and view.shutdown:
            unsaved = ev.fields.get("unsaved")
            how = "power-off" if ev["reason"] == "power_off" else f"the process's exit ({ev['reason']})"
            if unsaved:
                return f"{how} at system shutdown ended the service with its declared data still unsaved"
            if unsaved is None and ev["reason"] == "power_off" and ev["killed"] and view.shutdown_sent:
                return (f"the service accepted SHUTDOWN but {ev['killed']} still ran when WaitToKillServiceTimeout "
                        "ran out: power-off cut its shutdown work off (data it was saving is lost)")
        return None


class ReportedStateMatchesActual(Observer):
    """000.2 as the harness can observe it (module docstring, "a report false when made")."""

    id = "reported_state_matches_actual"
    sources = (SET_SERVICE_STATUS, SERVICE_STATUS, STATE_TRANSITIONS)
    observes = ("each status report (outside INTERROGATE) against the states the harness can rule out, and the "
                "last report against actual_state whenever virtual time passes")

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "time_advanced" and not view.exited and view.reported:
            actual = view.actual_state()
            if view.reported != actual:
                return (f"virtual time passed ({view.now_ms / 1000:g} s -> {ev['to_ms'] / 1000:g} s) with "
                        f"{_name(view.reported)} reported while the service is {_name(actual)}")
            return None
        if ev.kind != "status_reported" or ev["in_handler"] == CONTROL_INTERROGATE:
            return None  # INTERROGATE answers: interrogate_reports_current_state (003.3)
        state = ev["state"]
        if state != START_PENDING:
            self.exercised = True
        if state not in STATE_NAMES or state == 0:
            return f"{ev.thread} reported dwCurrentState={state}, which names no service state"
        if state == START_PENDING and view.started:
            return (f"{ev.thread} reported START_PENDING after the service had started (START_PENDING -> RUNNING "
                    "ended its start; it starts again only by a new StartService)")
        if state == STOPPED:
            alive = view.service_threads_alive(besides=ev.thread)
            if alive:
                return f"{ev.thread} reported SERVICE_STOPPED while {_still_run(alive)}"
        return None


class OnlyAcceptedControlsDelivered(_RuleObserver):
    """003.3: each control the SCM sends is one ControlService allows for the last report
    (model/windows/events.py, ``refused``).  Judged at the send (module docstring): under
    scmcheck's SCM this checks the SCM side.
    """

    id = "only_accepted_controls_delivered"
    sources = (CONTROL_SERVICE, HANDLER_EX)
    observes = "each control sent, against ControlService's table for the state and accept mask last reported"

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "handler_entered"

    def why(self, ev: Event, view: View) -> str:
        where = f"the last report was {_name(view.reported)} accepting {view.accepted:#x}"
        if view.reported in (0, STOPPED, STOP_PENDING):
            return f"the SCM sent {ev['name']} while {where} (nothing is sent to a service that is stopped or stopping)"
        if view.reported == START_PENDING:
            return f"the SCM sent {ev['name']} while {where} (only an accepted STOP reaches a starting service)"
        return f"the SCM sent {ev['name']} while {where}, which does not accept it"


class StateChangeReportedByHandler(Observer):
    """003.2 as the harness can observe it (module docstring, "a state change made by handling")."""

    id = "state_change_reported_by_handler"
    sources = (HANDLER_EX, SET_SERVICE_STATUS)
    observes = ("after a PAUSE taken in RUNNING or a CONTINUE taken in PAUSED (handler returned NO_ERROR): a report "
                "of a new state before the handler returns, or before virtual time passes after it")
    not_applicable = "the service never accepted PAUSE/CONTINUE, the controls whose handling changes its state here"

    def __init__(self) -> None:
        super().__init__()
        self.applicable = False
        self.open: Optional[dict] = None  # the control whose state change is awaited

    def before(self, ev: Event, view: View) -> Optional[str]:
        k = ev.kind
        if k == "status_reported":
            if ev["accepted"] & ACCEPT_PAUSE_CONTINUE:
                self.applicable = True
            o = self.open
            if o is not None and ev["in_handler"] != CONTROL_INTERROGATE and ev["state"] != o["from"]:
                # the state change was reported: the entry's subject happened (the usual pattern, a
                # handler that reports PAUSE_PENDING or PAUSED itself, exercises it too)
                self.open, self.exercised = None, True
            return None
        o = self.open
        # time passing (or a run left idle, where it would pass forever) ends the grace of a hand-off
        if o is not None and o["returned"] and k in ("time_advanced", "run_ended"):
            self.open = None
            return (f"the handler took {o['name']} (NO_ERROR) in {_name(o['from'])} and returned at "
                    f"{o['at_ms'] / 1000:g} s without a report of the new state, and time passed")
        if k == "handler_entered":
            want = {CONTROL_PAUSE: RUNNING, CONTROL_CONTINUE: PAUSED}.get(ev["control"])
            if want is not None and view.reported == want:
                self.open = {"name": ev["name"], "from": want, "returned": False, "at_ms": ev.time_ms}
        elif k == "handler_returned" and o is not None and not o["returned"]:
            if ev["result"] != 0:
                self.open = None  # the handler declined the control: no state change
            else:
                self.exercised = True
                o["returned"], o["at_ms"] = True, ev.time_ms
        return None


class NoExitBeforeStopped(_RuleObserver):
    """000.3/000.5: the process ends only after SERVICE_STOPPED (module docstring, "process exit")."""

    id = "no_exit_before_stopped"
    sources = (SERVICE_MAIN, SET_SERVICE_STATUS, MULTITHREADED)
    observes = "process_exited (other than power-off at system shutdown) before a SERVICE_STOPPED report"

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "process_exited"

    def why(self, ev: Event, view: View) -> str:
        return (f"the process exited ({ev['reason']} in {ev.thread}) while the SCM still had "
                f"{_name(view.reported)} for the service, before SERVICE_STOPPED was reported")


class StopAcceptedLeadsToStopPending(_RuleObserver):
    """003.4: once the handler took STOP, STOP_PENDING (or STOPPED) is reported within 30 s, and
    RUNNING or PAUSED never again: the timed rule and the event rule of model/windows/events.py (a
    model's ``stop_unacked`` timer and ``resumed_after_stop`` monitor)."""

    id = "stop_accepted_leads_to_stop_pending"
    sources = (CONTROL_HANDLER, HANDLER_EX)
    observes = ("virtual time from the handler's call with STOP to a STOP_PENDING or STOPPED report (30 s), and "
                "RUNNING or PAUSED reported after it")

    def __init__(self) -> None:
        super().__init__()
        self.stretch = _Stretch(self.id)

    def before(self, ev: Event, view: View) -> Optional[str]:
        lasted = self.stretch.over(ev, view)
        if lasted is not None:
            return (f"the handler took STOP at {self.stretch.since / 1000:g} s and neither STOP_PENDING nor STOPPED "
                    f"was reported within {self.stretch.rule.limit_ms // 1000} s")
        return super().before(ev, view)

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "handler_entered" and ev["control"] == CONTROL_STOP

    def why(self, ev: Event, view: View) -> str:
        return f"{_name(ev['state'])} reported by {ev.thread} after the handler took STOP"


def _name(state: int) -> str:
    return STATE_NAMES.get(state, str(state))


def _still_run(threads: list[str]) -> str:
    """"worker0 still runs" / "worker0, worker1 still run"."""
    return f"{', '.join(threads)} still run{'s' if len(threads) == 1 else ''}"


class InterrogateAlwaysAnswered(_RuleObserver):
    """003.3: every service handles INTERROGATE: the handler returns NO_ERROR for it (the event rule
    of model/windows/events.py; a model's ``interrogate_unanswered``).

    Under pywin32 the handler's result is what ``SvcInterrogate`` gives back: None is NO_ERROR, and an
    exception makes PythonService.cpp log it and return ERROR_CALL_NOT_IMPLEMENTED, which tells the
    SCM the service does not handle INTERROGATE (``handler_raised`` names the exception).
    """

    id = "interrogate_always_answered"
    sources = (HANDLER_EX, CONTROL_HANDLER)
    observes = "the result the handler returns for each INTERROGATE (and the exception, if it raised)"

    def __init__(self) -> None:
        super().__init__()
        self.raised = ""

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "handler_raised" and ev["control"] == CONTROL_INTERROGATE:
            self.raised = ev["error"]
        return super().before(ev, view)

    def exercised_by(self, ev: Event, view: View) -> bool:
        return ev.kind == "handler_returned" and ev["control"] == CONTROL_INTERROGATE

    def why(self, ev: Event, view: View) -> str:
        why = f": it raised {self.raised}" if self.raised else ""
        return f"the handler returned {ev['result']} for INTERROGATE, not NO_ERROR{why}"


class _Liveness(Observer):
    """After ``trigger`` (a time), ``goal`` within LIVENESS_S virtual seconds."""

    def trigger_ms(self, view: View) -> Optional[int]:
        raise NotImplementedError

    def goal(self, view: View) -> bool:
        raise NotImplementedError

    def before(self, ev: Event, view: View) -> Optional[str]:
        since = self.trigger_ms(view)
        if since is None or self.goal(view) or view.exited:
            return None
        self.exercised = True
        late = ev.time_ms - since > LIVENESS_S * 1000
        if (ev.kind == "time_advanced" and late) or ev.kind == "run_ended" and ev["outcome"] == "stuck":
            stuck = " (stuck: every thread blocked with no timed wait)" if ev.fields.get("stuck") or \
                ev.fields.get("outcome") == "stuck" else ""
            return f"{self.what} after {(ev.time_ms - since) / 1000:g} s{stuck}"
        return None

    what = ""


class StopReachesStopped(_Liveness):
    id = "stop_reaches_stopped"
    sources = (CONTROL_HANDLER, MULTITHREADED, CONTROL_SERVICE)
    observes = f"SERVICE_STOPPED within {LIVENESS_S:g} virtual seconds of an accepted STOP, or stuck"
    what = "STOP was sent but SERVICE_STOPPED was not reported"

    def trigger_ms(self, view: View) -> Optional[int]:
        return view.stop_sent_ms

    def goal(self, view: View) -> bool:
        return view.stopped


class StartReachesRunning(_Liveness):
    id = "start_reaches_running"
    sources = (SERVICE_STATUS, SET_SERVICE_STATUS)
    observes = f"RUNNING or STOPPED within {LIVENESS_S:g} virtual seconds of the start, or stuck"
    what = "the service was started but reported neither RUNNING nor STOPPED"

    def __init__(self) -> None:
        super().__init__()
        self.done = False

    def trigger_ms(self, view: View) -> Optional[int]:
        self.done = self.done or view.reported in (RUNNING, STOPPED, PAUSED)
        return 0

    def goal(self, view: View) -> bool:
        return self.done


OBSERVERS: tuple[type[Observer], ...] = (
    StoppedOnlyAfterThreadsExit, ReportedStateMatchesActual, HandlerReturnsWithin30s, PendingProgressWithinWaitHint,
    NoStatusAfterStopped, NoExitBeforeStopped, OnlyAcceptedControlsDelivered, NoControlAfterStop,
    StopAcceptedLeadsToStopPending, StateChangeReportedByHandler,
    InterrogateReportsCurrentState, InterrogateAlwaysAnswered, NoDataLossAtShutdown, StopReachesStopped,
    StartReachesRunning,
)
BY_ID: dict[str, type[Observer]] = {o.id: o for o in OBSERVERS}


class Monitor:
    """Feeds events to a set of observers and keeps the first violation of each.

    ``on_violation`` is called once per property, with the Violation, as soon as it happens.
    """

    registry: dict = BY_ID  # id -> Observer class (the COM observers' registry in observers_com)
    view_type: type = View

    def __init__(self, ids: list[str], on_violation: Optional[Callable[[Violation], None]] = None) -> None:
        self.observers = [self.registry[i]() for i in ids if i in self.registry]
        self.view = self.view_type()
        self.violations: dict[str, Violation] = {}
        self.on_violation = on_violation

    def feed(self, ev: Event) -> None:
        for ob in self.observers:
            if ob.id in self.violations:
                continue
            reason = ob.before(ev, self.view)
            if reason:
                v = Violation(ob.id, ev.seq, ev.time_ms, reason)
                self.violations[ob.id] = v
                if self.on_violation is not None:
                    self.on_violation(v)
        self.view.update(ev)

    def exercised(self) -> set[str]:
        return {ob.id for ob in self.observers if ob.exercised}

    def applicable(self) -> set[str]:
        return {ob.id for ob in self.observers if ob.applicable}
