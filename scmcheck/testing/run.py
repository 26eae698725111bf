"""One run of a service under the controlled scheduler: the host, the SCM, the events.

The host follows pywin32's PythonService.cpp (``service_main`` and
``dispatchServiceCtrl``), with its two threads as service threads of the run:

* ``ServiceMain``: instantiates the class with ``(service_name,)`` (its
  ``__init__`` registers the handler through servicemanager), reports
  START_PENDING (no controls accepted, checkpoint 0, wait hint 5000 ms: the
  host's ``startingStatus``), calls ``SvcRun()``, and when it returns reports
  SERVICE_STOPPED (``stoppedStatus``; ``stoppedErrorStatus``,
  ERROR_SERVICE_SPECIFIC_ERROR with 0x20000001, if SvcRun raised).
* ``dispatcher``: the process's main thread, inside StartServiceCtrlDispatcher.
  It calls the registered handler for each control the SCM sends, one at a
  time (HandlerEx runs on the dispatcher's thread, 003.1), with the event type
  and data pywin32 builds for that control (scmcheck/testing/controlargs.py:
  SESSIONCHANGE a WTS_* code and ``(session_id,)``, POWEREVENT a PBT_* code,
  DEVICEEVENT a DBT_* code and a structure's address ...), drawn as choices
  of the run.  As ``dispatchServiceCtrl`` does: None is NO_ERROR; an exception
  is logged to the event log and ERROR_CALL_NOT_IMPLEMENTED (recorded as
  ``handler_raised`` and shown in the report as a NOTE: the exception is the
  service's, since every argument is one Windows really passes); another
  value is taken as a DWORD, ERROR_SERVICE_SPECIFIC_ERROR if it is not an
  integer.  Once the
  service has reported SERVICE_STOPPED, StartServiceCtrlDispatcher returns and
  the process exits (ExitProcess ends every other thread: ``process_exited``
  with the service threads it killed).

The SCM (the harness, lane ``SCM``) sends controls as ControlService allows
for the last status reported (ControlService page): nothing to a service that
reported STOPPED or STOP_PENDING, or after a STOP; while START_PENDING only an
accepted STOP; otherwise INTERROGATE and the accepted codes (NETBINDCHANGE: one of the four
NETBIND* codes; DEVICEEVENT, sent by the system, only once the service has
registered with ``win32gui.RegisterDeviceNotification``); one at a time
(the dispatcher handles one control at a time, so the SCM waits for the
handler to return).  System shutdown sends SHUTDOWN if accepted, and powers off
WaitToKillServiceTimeout (20 s) later if the process has not exited (003.8).
When the run's control budget is spent and the service idles in RUNNING or
PAUSED with STOP accepted, the SCM sends a final STOP, so every run ends by
testing the stop.

The service may end the process itself with ``os._exit()`` or ``os.abort()``
(scmcheck/testing/standins/os_.py): the run records ``process_exited`` with
that call as its reason and ends there, as the real process would.
``SystemExit`` is handled as PythonService.cpp handles any exception: from
``__init__`` the host reports neverStartedStatus, from SvcRun
stoppedErrorStatus, from the handler ERROR_CALL_NOT_IMPLEMENTED; in a thread
of the service's own it ends that thread quietly, as in Python.

Unsaved data (``unsaved_data``, or the class attribute
``_scmcheck_unsaved_data_``): the name of an attribute or method of the
service object whose truth value says "data not yet saved".  The harness
reads it when the process ends and puts it in ``process_exited.unsaved``
(properties/observers.py, ``no_data_loss_at_shutdown``).

The run ends at process exit, at the first violation of a searched property,
when every thread is blocked with no timed wait (*stuck* if the service owes
the SCM a state change: a pending state or a STOP sent; *idle* otherwise), at
the step budget (``depth``), or when the watchdog fires.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from scmcheck.properties.observers import (CONTROL_INTERROGATE, CONTROL_STOP, LIVENESS_S, PAUSED, RUNNING,
                                           START_PENDING, STATE_NAMES, STOP_PENDING, STOPPED, Event, Monitor,
                                           Violation)

from . import context, controlargs
from .scheduler import BLOCKED, EXITED, BlockedOutside, Chooser, RunOver, Scheduler, VThread, me, service_frame

SERVICE_NAME = "ScmcheckService"
WAIT_TO_KILL_MS = 20_000  # WaitToKillServiceTimeout default (003.8)
DEFAULT_DEPTH = 3000  # scheduling steps per run
DEFAULT_CONTROLS = 4  # controls the SCM may send per run before the final STOP
HORIZON_MS = 300_000  # virtual time after which the SCM sends the final STOP whatever the budget left

# Control codes (HandlerEx page) and the accept bits that enable them (SERVICE_STATUS page)
CONTROLS = {1: "STOP", 2: "PAUSE", 3: "CONTINUE", 4: "INTERROGATE", 5: "SHUTDOWN", 6: "PARAMCHANGE",
            7: "NETBINDADD", 8: "NETBINDREMOVE", 9: "NETBINDENABLE", 10: "NETBINDDISABLE", 11: "DEVICEEVENT",
            12: "HARDWAREPROFILECHANGE", 13: "POWEREVENT", 14: "SESSIONCHANGE", 15: "PRESHUTDOWN"}
ACCEPT_STOP, ACCEPT_PAUSE_CONTINUE, ACCEPT_SHUTDOWN = 0x1, 0x2, 0x4
_OTHER_BY_BIT = ((0x8, 6), (0x10, 7), (0x20, 12), (0x40, 13), (0x80, 14))  # accept bit -> control sent
#                 (NETBINDCHANGE: one of NETBINDADD/REMOVE/ENABLE/DISABLE, drawn when sent)
CONTROL_DEVICEEVENT = 11
ERROR_CALL_NOT_IMPLEMENTED, ERROR_SERVICE_SPECIFIC_ERROR = 120, 1066


@dataclass
class Outcome:
    """How a run ended and what it saw."""

    outcome: str  # exited | violation | stuck | idle | depth | blocked
    events: list
    violation: Optional[Violation] = None
    blocked: Optional[BlockedOutside] = None
    exercised: set = field(default_factory=set)
    choices: list = field(default_factory=list)
    steps: int = 0
    errors: list = field(default_factory=list)  # exceptions raised in service threads, as text
    applicable: set = field(default_factory=set)  # properties that could judge the service in this run
    delivered: set = field(default_factory=set)  # controls the handler was called with ("POWEREVENT", and
    #                                               "POWEREVENT/PBT_APMSUSPEND" for its event type)
    handler_errors: list = field(default_factory=list)  # "SESSIONCHANGE/WTS_SESSION_LOCK: KeyError: 1"


class RunCore:
    """What every kind of run does alike (this Run, the adapter's, the COM server's): a scheduler, events fed
    to a monitor, thread names, the search's choices, and the loop that asks the search what happens next.

    The loop's hooks say what differs: when the run is over (:meth:`_ended`), a move made without a choice
    (:meth:`_forced`), the options and their order (:meth:`_options`), which threads may run and when the
    next timed wait ends (:meth:`_runnable`, :meth:`_deadline`), and how a chosen option is done."""

    def __init__(self, chooser: Chooser, monitor: Callable[..., Any], properties: list[str], depth: int,
                 watchdog_s: float) -> None:
        self.chooser = chooser
        self.sched = Scheduler(watchdog_s)
        self.sched.on_exit = self._thread_exited
        self.events: list[Event] = []
        self.monitor = monitor(properties, self._violated)
        self.violation: Optional[Violation] = None
        self.depth = depth
        self.names: dict[str, int] = {}
        self.thread_counter = 0
        self.errors: list[str] = []
        self.choices: list[int] = []
        self.delivered: set[str] = set()  # what the run delivered (controls, client calls), for the report

    # -------------------------------------------------------------- events and names

    def emit(self, kind: str, thread: Optional[str] = None, **fields: Any) -> None:
        ev = Event(len(self.events), kind, self.sched.now_ms, thread or self.who(), fields)
        self.events.append(ev)
        self.monitor.feed(ev)

    def _violated(self, v: Violation) -> None:
        if self.violation is None:
            self.violation = v

    def who(self) -> str:
        vt = me()
        return vt.name if vt is not None and vt.sched is self.sched else "import"

    def new_name(self, prefix: str) -> str:
        self.names[prefix] = self.names.get(prefix, 0) + 1
        return f"{prefix}{self.names[prefix]}"

    def _thread_exited(self, vt: VThread, exc: Optional[BaseException]) -> None:
        raise NotImplementedError

    def _outcome(self, outcome: str, blocked: Optional[BlockedOutside], handler_errors: list) -> Outcome:
        return Outcome(outcome, self.events, self.violation, blocked, self.monitor.exercised(), self.choices,
                       self.sched.steps, self.errors, self.monitor.applicable(), self.delivered, handler_errors)

    # -------------------------------------------------------------- the loop

    def _choose(self, n: int, what: str) -> int:
        if n < 2:
            return 0
        i = self.chooser.choose(n, what)
        self.choices.append(i)
        return i

    def _loop(self) -> str:
        while True:
            end = self._ended()
            if end is not None:
                return end
            if self._forced():
                continue
            runnable = self._runnable()
            opts = self._options(runnable)
            deadline = self._deadline()
            if not runnable and deadline is not None:  # time runs on only when no thread can
                opts.append(("advance", deadline))
            if not opts:
                return self._quiet()
            kind, x = opts[self._choose(len(opts), "next")]
            if kind == "thread":
                self._step(x)
            elif kind == "advance":
                self._advance(x)
            else:
                self._act(x)

    def _ended(self) -> Optional[str]:
        """Why the run is over now (an outcome), or None."""
        if self.violation is not None:
            return "violation"
        if self.sched.steps >= self.depth:
            return "depth"
        return None

    def _forced(self) -> bool:
        """Make a move no choice is drawn for; True if one was made (the loop then looks again)."""
        return False

    def _runnable(self) -> list:
        return self.sched.runnable()

    def _deadline(self) -> Optional[int]:
        return self.sched.next_deadline()

    def _options(self, runnable: list) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def _step(self, thread: Any) -> None:
        self.sched.step(thread)

    def _advance(self, to_ms: int) -> None:
        before_ms = self.sched.now_ms
        self.sched.advance(to_ms)
        self.emit("time_advanced", "clock", to_ms=to_ms, stuck=False)
        self._clock_moved(before_ms)

    def _clock_moved(self, before_ms: int) -> None:
        """What follows a jump of the clock from ``before_ms`` (nothing here)."""

    def _act(self, option: Any) -> None:
        """Do an option other than a thread's step or the clock's jump (the SCM's, a client's)."""
        raise NotImplementedError

    def _quiet(self) -> str:
        """Nothing can happen any more (no option): the run's outcome."""
        raise NotImplementedError

    def _stuck(self, bound_ms: int) -> str:
        """Let time run past every bound, so the observers judge what waiting forever costs."""
        to = self.sched.now_ms + bound_ms + 1000
        self.sched.advance(to)
        self.emit("time_advanced", "clock", to_ms=to, stuck=True)
        self.emit("run_ended", "clock", outcome="stuck")
        return "stuck"


class Run(RunCore):
    """One run (module docstring).  ``make_class`` executes the service's module afresh and returns
    its class; it is called inside the run so stand-ins made at import belong to it."""

    def __init__(self, make_class: Callable[[], type], chooser: Chooser, properties: list[str],
                 depth: int = DEFAULT_DEPTH, controls: int = DEFAULT_CONTROLS, watchdog_s: float = 3.0,
                 unsaved_data: Optional[str] = None) -> None:
        super().__init__(chooser, Monitor, properties, depth, watchdog_s)
        self.make_class = make_class
        self.unsaved_data = unsaved_data
        self.controls_left = controls
        self.handler: Optional[Callable] = None
        self.handler_ex = False
        self.queue: list[tuple[int, int, Any, str]] = []  # controls sent (code, event type, data, its name),
        #                                                     not yet taken by the dispatcher
        self.devices: list[dict] = []  # win32gui.RegisterDeviceNotification calls (standins/win32gui.py)
        self.device_structs: dict[int, dict] = {}  # address -> the DEV_BROADCAST fields a device event points at
        self.handler_errors: list[str] = []
        self.handler_busy = False
        self.reported = 0
        self.accepted = 0
        self.stop_sent = False
        self.shutdown_at: Optional[int] = None
        self.exited = False
        self.service: Any = None
        self.unsaved_attr: Optional[str] = None  # set when the service is created

    # -------------------------------------------------------------- threads

    def _thread_exited(self, vt: VThread, exc: Optional[BaseException]) -> None:
        if self.exited:
            return
        if exc is not None and not vt.host and not isinstance(exc, SystemExit):  # Python ends a thread quietly
            self.errors.append(f"{vt.name}: {type(exc).__name__}: {exc}")
            self.emit("thread_raised", vt.name, error=f"{type(exc).__name__}: {exc}"[:120])
        self.emit("thread_exited", vt.name, name=vt.name, host=vt.host, _vars={"threads_alive": self._alive(-1)})

    def _alive(self, delta: int = 0) -> int:
        return sum(1 for t in self.sched.threads if not t.host and t.state != EXITED) + delta

    def thread_started(self, vt: VThread, by: Optional[str] = None) -> None:
        self.emit("thread_started", by, name=vt.name, host=vt.host,
                  _vars={} if vt.host else {"threads_alive": self._alive()})

    # -------------------------------------------------------------- called by the stand-ins

    def register_handler(self, handler: Callable, ex: bool) -> None:
        self.handler, self.handler_ex = handler, ex

    def set_service_status(self, status: tuple) -> None:
        """SetServiceStatus (SetServiceStatus page): the SCM records the report."""
        _type, state, accepted, win32_exit, svc_exit, checkpoint, hint = (int(x) for x in status)
        vt = me()
        in_handler = vt.in_handler if vt is not None else 0
        self.reported, self.accepted = state, accepted
        self.emit("status_reported", state=state, accepted=accepted, checkpoint=checkpoint, wait_hint_ms=hint,
                  win32_exit=win32_exit, svc_exit=svc_exit, in_handler=in_handler,
                  _vars={"reported": STATE_NAMES.get(state, "NONE"), "checkpoint": checkpoint,
                         "wait_hint": hint, "accepted": accepted})
        self.sched.pause()

    # -------------------------------------------------------------- the host's threads

    def _service_main(self) -> None:
        cls = self.service_class
        raised = False
        try:
            self.service = cls((SERVICE_NAME,))
        except RunOver:
            raise
        except BaseException as exc:  # noqa: BLE001 - __init__ failing is the host's neverStartedStatus
            self.errors.append(f"ServiceMain: {cls.__name__}.__init__ raised {type(exc).__name__}: {exc}")
            self.emit("service_init_failed", error=f"{type(exc).__name__}: {exc}"[:120])
            self.set_service_status((0x10, STOPPED, 0, ERROR_SERVICE_SPECIFIC_ERROR, 1, 0, 0))
            return
        self.unsaved_attr = self.unsaved_data or getattr(cls, "_scmcheck_unsaved_data_", None)
        self.emit("service_created", unsaved_declared=bool(self.unsaved_attr))
        self.set_service_status((0x10, START_PENDING, 0, 0, 0, 0, 5000))
        try:
            self.service.SvcRun()
        except RunOver:
            raise
        except BaseException as exc:  # noqa: BLE001 - PythonService.cpp: stoppedErrorStatus, SystemExit too
            raised = True
            self.errors.append(f"ServiceMain: SvcRun raised {type(exc).__name__}: {exc}")
        self.emit("svcrun_returned", raised=raised)
        self.set_service_status((0x10, STOPPED, 0, ERROR_SERVICE_SPECIFIC_ERROR if raised else 0,
                                 0x20000001 if raised else 0, 0, 0))

    def _dispatcher(self) -> None:
        while True:
            self.sched.wait_until(lambda: bool(self.queue) or self.reported == STOPPED)
            if not self.queue:  # STOPPED: StartServiceCtrlDispatcher returns, the process exits
                self._process_exit("returned")
                return
            control, event_type, data, event = self.queue.pop(0)
            name = CONTROLS.get(control, str(control))
            label = f"{name}/{event}" if event else name
            me = self.dispatcher
            self.handler_busy = True
            self.delivered.add(name)
            if event:
                self.delivered.add(label)
            self.emit("handler_entered", control=control, name=name, event=event, _reads=("control",),
                      _vars={"handler": name, "control": "NONE"})
            start = self.sched.now_ms
            me.in_handler = control
            result = self._call_handler(control, event_type, data, label)
            me.in_handler = 0
            self.handler_busy = False
            self.emit("handler_returned", control=control, name=name, result=result,
                      duration_ms=self.sched.now_ms - start, _vars={"handler": "idle"})

    def _call_handler(self, control: int, event_type: int, data: Any, label: str) -> int:
        """dispatchServiceCtrl (PythonService.cpp): None is NO_ERROR; an exception is logged to the event log
        (ReportPythonError(PYS_E_SERVICE_CONTROL_FAILED)) and the SCM gets ERROR_CALL_NOT_IMPLEMENTED; another
        value is taken as a DWORD (PyLong_AsUnsignedLongMask), ERROR_SERVICE_SPECIFIC_ERROR if it is none."""
        if self.handler is None:
            return ERROR_CALL_NOT_IMPLEMENTED
        args = (control, event_type, data) if self.handler_ex else (control,)
        try:
            got = self.handler(*args)
        except RunOver:
            raise
        except BaseException as exc:  # noqa: BLE001 - dispatchServiceCtrl: any exception, SystemExit too
            text = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:160]
            where = service_frame(exc)
            self.handler_errors.append(f"{label}: {text}{where}")  # the report's NOTE (report.py)
            self.emit("handler_raised", control=control, name=label, error=text[:120])
            return ERROR_CALL_NOT_IMPLEMENTED
        if got is None:
            return 0
        try:
            return operator.index(got) & 0xFFFFFFFF
        except TypeError:
            self.errors.append(f"dispatcher: handler for {label} returned {type(got).__name__} {got!r:.60}, not "
                               "an int or None (pywin32 returns ERROR_SERVICE_SPECIFIC_ERROR to the SCM)")
            return ERROR_SERVICE_SPECIFIC_ERROR

    def _process_exit(self, reason: str, by: Optional[str] = None) -> None:
        me = self.who()
        killed = [t.name for t in self.sched.threads if not t.host and t.state != EXITED and t.name != me]
        if reason == "power_off":
            killed = [t.name for t in self.sched.threads if t.state != EXITED and t is not self.dispatcher]
        self.exited = True
        self.emit("process_exited", by or ("process" if reason == "returned" else "SCM"), reason=reason,
                  killed=", ".join(killed), unsaved=self._unsaved(), _vars={"threads_alive": 0})

    def service_exit(self, call: str) -> None:
        """The service ended the process itself (``os._exit``, ``os.abort``): record it; the run is over."""
        if not self.exited:
            self._process_exit(call, self.who())

    def _unsaved(self) -> Optional[bool]:
        """The declared unsaved data's truth value now (module docstring); None if nothing is declared."""
        name = self.unsaved_attr
        if not name or self.service is None:
            return None
        try:
            value = getattr(self.service, name)
            if callable(value):
                value = value()
            return bool(value)
        except RunOver:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's attribute: report it, do not crash the harness
            msg = (f"unsaved data {name!r}: reading it raised {type(exc).__name__}: {exc}" if not
                   isinstance(exc, AttributeError) else f"unsaved data {name!r}: the service object has no "
                   f"attribute {name!r}")
            if msg not in self.errors:
                self.errors.append(msg)
            return None

    # -------------------------------------------------------------- the SCM

    def scm_options(self) -> list[tuple[str, int]]:
        """What the SCM may do now (module docstring): ``(kind, control)`` pairs."""
        if self.stop_sent or self.exited or self.handler_busy or self.queue or self.controls_left <= 0:
            return []
        state, acc = self.reported, self.accepted
        if state in (0, STOPPED, STOP_PENDING):
            return []
        if state == START_PENDING:
            return [("control", CONTROL_STOP)] if acc & ACCEPT_STOP else []
        out = [("control", CONTROL_STOP)] if acc & ACCEPT_STOP else []
        out.append(("control", CONTROL_INTERROGATE))
        if acc & ACCEPT_PAUSE_CONTINUE:
            out += [("control", 2), ("control", 3)]
        out += [("control", code) for bit, code in _OTHER_BY_BIT if acc & bit]
        if self.devices:  # sent by the system to a service that registered for device events (003.3)
            out.append(("control", CONTROL_DEVICEEVENT))
        if self.shutdown_at is None and state in (RUNNING, PAUSED):
            out.append(("shutdown", 5))
        return out

    def scm_act(self, kind: str, control: int) -> None:
        if kind == "shutdown":
            self.shutdown_at = self.sched.now_ms + WAIT_TO_KILL_MS
            accepts = bool(self.accepted & ACCEPT_SHUTDOWN)
            self.emit("shutdown_began", "SCM", accepts_shutdown=accepts, _vars={"shutdown": True})
            self.controls_left = 0  # the system is going down: no more ControlService calls
            if accepts:
                self._send(control)
            return
        self.controls_left -= 1
        self._send(control)

    def _send(self, control: int) -> None:
        """ControlService (or the system): the control with the event type and data HandlerEx gets for it
        (scmcheck/testing/controlargs.py), drawn as choices of the run."""
        if control == 7:
            control = controlargs.netbind(self._choose)
        event_type, data, event = controlargs.draw(control, self._choose, self.devices)
        self.queue.append((control, event_type, data, event))
        if control == CONTROL_STOP:
            self.stop_sent = True
        self.emit("control_sent", "SCM", control=control, name=CONTROLS.get(control, str(control)), event=event,
                  event_type=event_type,
                  _vars={"control": CONTROLS.get(control, "OTHER"), **({"stop_sent": True} if control == 1 else {})})

    # -------------------------------------------------------------- the loop

    def execute(self) -> Outcome:
        context.set_active(self)
        blocked = None
        outcome = "exited"
        try:
            self.service_class = self.make_class()
            self.dispatcher = self.sched.spawn("dispatcher", self._dispatcher, daemon=False, host=True)
            self.thread_started(self.dispatcher, "process")
            main = self.sched.spawn("ServiceMain", self._service_main, daemon=True, host=False)
            self.thread_started(main, "process")
            outcome = self._loop()
        except BlockedOutside as exc:
            blocked, outcome = exc, "blocked"
        finally:
            self.sched.teardown()
            context.set_active(None)
        if self.violation is not None and outcome != "blocked":
            outcome = "violation"
        return self._outcome(outcome, blocked, self.handler_errors)

    # RunCore's loop, with this SCM: its closing STOP, its options before the threads', its shutdown.

    def _ended(self) -> Optional[str]:
        if self.exited and self.violation is None:
            return "exited"
        return super()._ended()

    def _forced(self) -> bool:
        return (self.controls_left <= 0 or self.sched.now_ms >= HORIZON_MS) and self._final_stop()

    def _options(self, runnable: list) -> list[tuple[str, Any]]:
        # The SCM's options come first: a choice shrinks towards 0, and "the SCM acts now" makes
        # short runs (a STOP as soon as it may be sent), where "keep running" would let time run on.
        opts: list[tuple[str, Any]] = [("scm", o) for o in self.scm_options()]
        return opts + [("thread", t) for t in runnable]

    def _deadline(self) -> Optional[int]:
        """The next timed wait's end, or the power-off of a shutdown if that comes first."""
        deadline = self._wakeup()
        if self.shutdown_at is not None and not self.exited:
            deadline = self.shutdown_at if deadline is None else min(deadline, self.shutdown_at)
        return deadline

    def _wakeup(self) -> Optional[int]:
        """When the first timed wait of the service's threads ends (None: no timed wait)."""
        return self.sched.next_deadline()

    def _clock_moved(self, before_ms: int) -> None:
        """The system powers off once WaitToKillServiceTimeout has run out after a shutdown (003.8)."""
        if self.shutdown_at is not None and self.sched.now_ms >= self.shutdown_at and not self.exited:
            self._process_exit("power_off")

    def _act(self, option: Any) -> None:
        self.scm_act(*option)

    def _final_stop(self) -> bool:
        """The SCM's closing STOP when the control budget is spent (module docstring)."""
        if self.stop_sent or self.exited or self.handler_busy or self.queue or self.shutdown_at is not None:
            return False
        if self.reported in (RUNNING, PAUSED) and self.accepted & ACCEPT_STOP:
            self._send(CONTROL_STOP)
            return True
        return False

    def _quiet(self) -> str:
        """Every thread blocked with no timed wait and the SCM done: stuck or idle."""
        owes = self.stop_sent or self.reported in (0, START_PENDING, STOP_PENDING, 5, 6)
        if not owes:
            self.emit("run_ended", "clock", outcome="idle")
            return "idle"
        return self._stuck(int(LIVENESS_S * 1000))


def waiting_on(vt: VThread) -> bool:
    return vt.state == BLOCKED

