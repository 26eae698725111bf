"""Catalog entries as observers over events: one judge per entry, fed by a run of real code.

The catalog (properties/catalog/*.py) states each entry over a *model's*
variables and monitors (``status_after_stopped``, ``scm_hang`` ...), which the
model's actions set.  Real code has no such variables.  What both a model step
and a run of real code can produce is a stream of **events**:

============================  ====================================================================
kind                          fields
============================  ====================================================================
``control_sent``              ``control`` (Win32 code), ``name`` -- the SCM called ControlService
``handler_entered``           ``control``, ``name`` -- the dispatcher called the handler
``handler_returned``          ``control``, ``name``, ``result`` (the DWORD returned), ``duration_ms``
``status_reported``           ``state``, ``accepted``, ``checkpoint``, ``wait_hint_ms``,
                              ``win32_exit``, ``svc_exit``, ``in_handler`` (the control being
                              handled by the reporting thread, or 0) -- a SetServiceStatus call
``thread_started``            ``name``, ``host`` (True for the host's own threads)
``thread_exited``             ``name``, ``host``
``svcrun_returned``           ``raised`` -- the host's call of SvcRun (ServiceMain) came back
``shutdown_began``            ``accepts_shutdown`` -- system shutdown started
``process_exited``            ``reason`` (``returned`` / ``power_off``), ``killed`` (service threads
                              still alive, ended by ExitProcess or power-off)
``time_advanced``             ``to_ms``, ``stuck`` (True: every thread blocked with no timed wait,
                              and time is let run to show what that costs)
``run_ended``                 ``outcome``
============================  ====================================================================

Every event carries ``time_ms`` (virtual milliseconds since the service was
started) and ``thread`` (the thread that caused it; ``SCM`` and ``clock`` for
the harness's own).  An observer reads only these.  scmcheck.testing produces
them from a run of an unmodified pywin32 service; a model adapter producing
them from model steps is not written yet (the catalog's predicates remain the
judges of models).

**What code cannot expose, and what is observed instead.**

* ``actual_state`` (the state the service is really in, 000.2): derived from
  the service's own reports made *outside* INTERROGATE handling (a service
  declares its state changes itself), overridden by what the threads show:
  once SvcRun has returned and no service thread is alive, it is STOPPED.
* ``all_threads_exited`` (000.3): every thread that started, other than the
  control dispatcher (the process's main thread, which returns only when the
  SCM has seen STOPPED) and the thread making the report, has exited.
* ``data_lost`` (003.10): code's unsaved data is not visible.  Observed
  instead: power-off (the end of WaitToKillServiceTimeout at system shutdown)
  killed a service thread still running, so that thread's own cleanup (where a
  service saves what it holds) never ran.  A service with nothing to save that
  ignores SHUTDOWN is flagged the same; that is the documented approximation.
* ``scm_hang`` (000.4): a pending state whose wait hint (virtual time) passed
  with no report of a larger checkpoint or another state.
* liveness (``stop_reaches_stopped``, ``start_reaches_running``): a response
  within a virtual-time bound (:data:`LIVENESS_S`) under the harness's fair
  scheduler; a run whose threads are all blocked with no timed wait (*stuck*)
  lets time run past the bound, so it is a violation too.

This module imports nothing of scmcheck: observers know events, not engines
or models.  Rule numbers and sources are those of the catalog entry named by
``Observer.id`` (tests hold them equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# SERVICE_STATUS.dwCurrentState values (winsvc.h; SERVICE_STATUS page on learn.microsoft.com)
STOPPED, START_PENDING, STOP_PENDING, RUNNING, CONTINUE_PENDING, PAUSE_PENDING, PAUSED = 1, 2, 3, 4, 5, 6, 7
STATE_NAMES = {0: "NONE", 1: "STOPPED", 2: "START_PENDING", 3: "STOP_PENDING", 4: "RUNNING",
               5: "CONTINUE_PENDING", 6: "PAUSE_PENDING", 7: "PAUSED"}
PENDING = (START_PENDING, STOP_PENDING, CONTINUE_PENDING, PAUSE_PENDING)
# Control codes (HandlerEx page)
CONTROL_STOP, CONTROL_INTERROGATE = 1, 4

HANDLER_LIMIT_MS = 30_000  # 003.6: the handler must return within 30 seconds
LIVENESS_S = 125.0  # 003.9: the longest the services snap-in waits for a stop, the bound of the liveness entries

HANDLER_EX = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex"
SET_SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus"
SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"
MULTITHREADED = "https://learn.microsoft.com/windows/win32/services/multithreaded-services"
CONTROL_HANDLER = "https://learn.microsoft.com/windows/win32/services/service-control-handler-function"
CONTROL_SERVICE = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice"


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
        if k == "status_reported":
            self.reported = ev["state"]
            self.last_report = dict(ev.fields)
            if ev["in_handler"] != CONTROL_INTERROGATE:
                self.declared = ev["state"]
            self.stopped = self.stopped or ev["state"] == STOPPED
        elif k == "thread_started":
            self.alive[ev["name"]] = bool(ev["host"])
        elif k == "thread_exited":
            self.alive.pop(ev["name"], None)
        elif k == "svcrun_returned":
            self.svcrun_returned = True
        elif k == "handler_entered":
            self.handler = {"control": ev["control"], "name": ev["name"], "since_ms": ev.time_ms}
        elif k == "handler_returned":
            self.handler = None
        elif k == "control_sent" and ev["control"] == CONTROL_STOP and self.stop_sent_ms is None:
            self.stop_sent_ms = ev.time_ms
        elif k == "process_exited":
            self.exited = True


class Observer:
    """One catalog entry judged over events.  ``exercised``: its subject happened in the run
    (the entry's witness), so "no violation" says something."""

    id = ""
    rules: tuple = ()
    sources: tuple = ()
    observes = ""  # what the observer reads, in words (for reports and docs)

    def __init__(self) -> None:
        self.exercised = False

    def before(self, ev: Event, view: View) -> Optional[str]:
        """Judge ``ev`` against the view as it was before the event; a reason string if violated."""
        return None


class StoppedOnlyAfterThreadsExit(Observer):
    id = "stopped_only_after_threads_exit"
    rules = ("000.3", "000.5")
    sources = (MULTITHREADED, SET_SERVICE_STATUS)
    observes = "at each SERVICE_STOPPED report: service threads alive besides the reporter and the dispatcher"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "status_reported" and ev["state"] == STOPPED:
            self.exercised = True
            alive = view.service_threads_alive(besides=ev.thread)
            if alive:
                return f"SERVICE_STOPPED reported by {ev.thread} while {', '.join(alive)} still run"
        return None


class HandlerReturnsWithin30s(Observer):
    id = "handler_returns_within_30s"
    rules = ("003.6", "000.1")
    sources = (HANDLER_EX, CONTROL_HANDLER)
    observes = "virtual time between handler_entered and handler_returned"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "handler_entered":
            self.exercised = True
        h = view.handler
        if h is not None and ev.time_ms - h["since_ms"] > HANDLER_LIMIT_MS:
            return (f"the handler for {h['name']} has run {(ev.time_ms - h['since_ms']) / 1000:g} s "
                    f"(limit {HANDLER_LIMIT_MS // 1000} s)")
        return None


class PendingProgressWithinWaitHint(Observer):
    id = "pending_progress_within_wait_hint"
    rules = ("000.4", "000.5")
    sources = (SERVICE_STATUS, MULTITHREADED)
    observes = "time since the last report that showed progress, against that report's wait hint"

    def __init__(self) -> None:
        super().__init__()
        self.progress_ms = 0
        self.hint_ms = 0
        self.checkpoint = 0
        self.state = 0

    def before(self, ev: Event, view: View) -> Optional[str]:
        pending = self.state in PENDING
        if pending and ev.kind in ("time_advanced", "status_reported", "run_ended") \
                and ev.time_ms - self.progress_ms > self.hint_ms:
            return (f"{STATE_NAMES[self.state]} with wait hint {self.hint_ms / 1000:g} s: no progress for "
                    f"{(ev.time_ms - self.progress_ms) / 1000:g} s (checkpoint stays {self.checkpoint})")
        if ev.kind == "status_reported":
            state, cp = ev["state"], ev["checkpoint"]
            # 000.4: progress is a report within the hint AND a larger checkpoint (or another state)
            if state != self.state or cp > self.checkpoint or state not in PENDING:
                self.progress_ms = ev.time_ms
            self.hint_ms, self.checkpoint, self.state = ev["wait_hint_ms"], cp, state
            if state in PENDING:
                self.exercised = True
        return None


class NoStatusAfterStopped(Observer):
    id = "no_status_after_stopped"
    rules = ("000.3", "000.5")
    sources = (SET_SERVICE_STATUS, MULTITHREADED)
    observes = "SetServiceStatus calls after a SERVICE_STOPPED report"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "status_reported":
            if view.stopped:
                return f"{STATE_NAMES.get(ev['state'], ev['state'])} reported by {ev.thread} after SERVICE_STOPPED"
            if ev["state"] == STOPPED:
                self.exercised = True
        return None


class InterrogateReportsCurrentState(Observer):
    id = "interrogate_reports_current_state"
    rules = ("003.3", "000.2")
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
    id = "no_data_loss_at_shutdown"
    rules = ("003.10", "003.8")
    sources = (CONTROL_HANDLER,)
    observes = "service threads still running when power-off ends the process at system shutdown"

    def before(self, ev: Event, view: View) -> Optional[str]:
        if ev.kind == "shutdown_began":
            self.exercised = True
        if ev.kind == "process_exited" and ev["reason"] == "power_off" and ev["killed"]:
            return (f"power-off at system shutdown killed {ev['killed']} before its cleanup ran "
                    "(data not yet saved is lost)")
        return None


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
    rules = ("000.3", "000.4", "000.5", "003.4")
    sources = (CONTROL_HANDLER, MULTITHREADED, CONTROL_SERVICE)
    observes = f"SERVICE_STOPPED within {LIVENESS_S:g} virtual seconds of an accepted STOP, or stuck"
    what = "STOP was sent but SERVICE_STOPPED was not reported"

    def trigger_ms(self, view: View) -> Optional[int]:
        return view.stop_sent_ms

    def goal(self, view: View) -> bool:
        return view.stopped


class StartReachesRunning(_Liveness):
    id = "start_reaches_running"
    rules = ("000.4",)
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
    StoppedOnlyAfterThreadsExit, HandlerReturnsWithin30s, PendingProgressWithinWaitHint, NoStatusAfterStopped,
    InterrogateReportsCurrentState, NoDataLossAtShutdown, StopReachesStopped, StartReachesRunning,
)
BY_ID: dict[str, type[Observer]] = {o.id: o for o in OBSERVERS}


class Monitor:
    """Feeds events to a set of observers and keeps the first violation of each.

    ``on_violation`` is called once per property, with the Violation, as soon as it happens.
    """

    def __init__(self, ids: list[str], on_violation: Optional[Callable[[Violation], None]] = None) -> None:
        self.observers = [BY_ID[i]() for i in ids]
        self.view = View()
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
