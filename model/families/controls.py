"""One service and every control code: the service control handler (rules 003.1-003.6).

Rules encoded (numbers from properties/rules.py):
  003.1  the handler runs on the control dispatcher thread, called once per control request
  003.2  SetServiceStatus is required exactly when handling a control changes the state
  003.3  only codes accepted by the last report are sent; INTERROGATE always must be handled;
         DEVICEEVENT only after RegisterDeviceNotification; user-defined codes (128-255)
  003.4  a service that accepts STOP goes to STOP_PENDING or STOPPED; after STOP no other control
  003.5  knob ``scm``: before XP SP2 / Server 2003 a service that returns from STOP and keeps
         running keeps receiving controls; after the change it receives none
  003.6  the handler returns within 30 s; long work belongs on another thread
  000.2, 000.4  reports match the real state; pending states show progress within the wait hint

Actors: the SCM, the control dispatcher (handler), ServiceMain (which also does the
pause/continue work of the worker threads -- one thread suffices for the control
protocol; model/families/service.py covers the worker threads at stop), and the clock.
Durations are whole milliseconds (model/lang/clock.py).

The life cycle: the SCM has started the service (START_PENDING, checkpoint 1);
ServiceMain does ``start_work_s`` of initialisation, reporting START_PENDING
progress, then RUNNING with the accepted controls.  Then the SCM sends any
accepted control, any number of times: PAUSE/CONTINUE (through PAUSE_PENDING /
CONTINUE_PENDING), INTERROGATE, user codes, DEVICEEVENT, and finally STOP
(STOP_PENDING, ``stop_work_s`` of stop work, STOPPED).  SHUTDOWN and PRESHUTDOWN
are delivered by the system-shutdown model (model/families/shutdown.py).

Built with the public building blocks of model/windows/service_api.py, as a user's
design would be.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..lang.expr import all_of
from ..lang.clock import MS
from ..windows.scm import Control, SvcState, units
from ..windows.service_api import ANY_TIME, AT_ONCE, CONTROL_PROPERTIES, ERROR_CALL_NOT_IMPLEMENTED, ServiceModel
from ..lang.system import System

DEFAULTS: dict[str, Any] = {
    "windows": "10-1703",  # the Windows profile (model/windows/profiles.py); "xp": controls after STOP (003.5)
    "handler": "thread",  # thread: the handler signals ServiceMain and returns; inline: it does the stop work
    "stop_reply": "stop_pending",  # stop_pending: STOP -> STOP_PENDING; ignore: returns NO_ERROR, keeps running
    "interrogate": "report",  # report: current status; ignore: not handled; stale: answers from a stale struct
    "report_changes": True,  # the pause/continue path calls SetServiceStatus with each new state
    "self_stop": False,  # ServiceMain may stop on its own, withdrawing the accepted controls off the handler thread
    "progress_reports": True,  # START_PENDING/STOP_PENDING progress reports every report_every_s
    "start_work_s": 20,  # ServiceMain's initialisation
    "stop_work_s": 20,  # the stop work
    "wait_hint_s": 20,  # dwWaitHint of pending reports
    "report_every_s": 10,  # interval of progress reports
    "device_events": True,  # ServiceMain registers for device notifications when it starts running
    "user_controls": True,  # the SCM may send a user-defined control code
}


def build(p: Mapping[str, Any]) -> System:
    """The control-handler model for parameters ``p`` (validated by the design layer)."""
    hint_s = p["wait_hint_s"]
    start_u = units(p["start_work_s"], "start_work_s")
    stop_u = units(p["stop_work_s"], "stop_work_s")
    every = units(p["report_every_s"], "report_every_s")
    inline = p["handler"] == "inline"
    stale = p["interrogate"] == "stale"
    accepts = ("stop", "pause")

    # ---- constants: enough checkpoints for one report per interval over the longest pending state
    max_cp = max(start_u, stop_u) // max(every, 1) + 2
    svc = ServiceModel("controls", __doc__ or "", p, initial=SvcState.START_PENDING, start_hint_s=hint_s,
                       max_wait_hint_s=hint_s, max_checkpoint=max_cp, windows=p["windows"],
                       user_controls=p["user_controls"])
    m, st, state = svc.m, svc.status, svc.state

    # ---- state variables (service side; the SCM side and monitors are ServiceModel's)
    work_left = m.int("work_left", 0, max(start_u, stop_u), start_u,
                      "start-up or stop work left for the current pending state (ms)", unit=MS)
    # The SERVICE_STATUS structure the service keeps globally and answers INTERROGATE from.
    # Only the 'stale' design keeps it separately (its pause path reports from a local copy);
    # in the others the answer is the real state, so the variable would be redundant.
    struct = m.enum("status_struct", SvcState, SvcState.START_PENDING,
                    "the global SERVICE_STATUS the service answers INTERROGATE from") if stale else None

    def change(new: Any, checkpoint: Any = 0, hint: int = 0, acc: Any = None, keep_struct: bool = False) -> dict:
        """Change state and call SetServiceStatus (and keep the global struct in step, unless told not to)."""
        upd = svc.set_state(new, checkpoint, hint, acc)
        if struct is not None and not keep_struct:
            upd[struct] = new
        return upd

    # ---- ServiceMain: start-up (START_PENDING with checkpoints, 000.4)
    svc.countdown(work_left, state == SvcState.START_PENDING)
    svc.step("main_report_running", "service_main",
             guard=[state == SvcState.START_PENDING, work_left == 0],
             update={**change(SvcState.RUNNING, acc=accepts),
                     **(svc.register_device_notification() if p["device_events"] else {})},
             doc="initialisation done: report RUNNING with the accepted controls"
                 + ("; RegisterDeviceNotification" if p["device_events"] else ""), timing=AT_ONCE)
    if p["progress_reports"]:
        svc.step("main_report_start_progress", "service_main",
                 guard=[state == SvcState.START_PENDING, work_left > 0, st.since_progress >= every],
                 update=svc.progress(hint_s),
                 doc="000.4: START_PENDING with a larger checkpoint, within the wait hint", timing=AT_ONCE)

    # ---- handler: STOP (003.4, 003.6)
    if p["stop_reply"] == "ignore":
        # The documented mistake: STOP accepted, the handler returns NO_ERROR and the service keeps running.
        svc.handle(Control.STOP, "handler_ignore_stop", update={},
                   doc="003.4 broken: the handler returns NO_ERROR and the service keeps running")
    elif inline:
        # The documented mistake (003.6): the stop work runs inside the handler.
        svc.handle(Control.STOP, "handler_accept_stop", busy=True,
                   update={**change(SvcState.STOP_PENDING, 1, hint_s, ()), work_left: stop_u},
                   doc="handler reports STOP_PENDING and does the stop work itself")
        svc.countdown(work_left, all_of(svc.handler_busy, state == SvcState.STOP_PENDING))
        svc.handler_step("handler_finish_stop", guard=[state == SvcState.STOP_PENDING, work_left == 0],
                         update=change(SvcState.STOPPED, acc=()), returns=True,
                         doc="stop work done: the handler reports STOPPED and returns")
        if p["progress_reports"]:
            svc.handler_step("handler_report_progress",
                             guard=[state == SvcState.STOP_PENDING, work_left > 0, st.since_progress >= every],
                             update=svc.progress(hint_s),
                             doc="000.4: STOP_PENDING with a larger checkpoint, within the wait hint")
    else:
        svc.handle(Control.STOP, "handler_accept_stop",
                   update={**change(SvcState.STOP_PENDING, 1, hint_s, ()), work_left: stop_u},
                   doc="003.6: report STOP_PENDING (accepting nothing more), signal ServiceMain, return")

    # ---- ServiceMain: stop work (thread handler, or a self-initiated stop)
    if not inline:
        svc.countdown(work_left, state == SvcState.STOP_PENDING)
        svc.step("main_report_stopped", "service_main",
                 guard=[state == SvcState.STOP_PENDING, work_left == 0],
                 update=change(SvcState.STOPPED, acc=()),
                 doc="stop work done: report SERVICE_STOPPED and return", timing=AT_ONCE)
        if p["progress_reports"]:
            svc.step("main_report_stop_progress", "service_main",
                     guard=[state == SvcState.STOP_PENDING, work_left > 0, st.since_progress >= every],
                     update=svc.progress(hint_s),
                     doc="000.4: STOP_PENDING with a larger checkpoint, within the wait hint", timing=AT_ONCE)
    if p["self_stop"]:
        # ServiceMain stops on its own (a fatal error) and withdraws every accepted control from its
        # own thread: a control the SCM sent just before is still queued for the handler (003.3).
        svc.step("main_fail_and_stop", "service_main", guard=state == SvcState.RUNNING,
                 update={**change(SvcState.STOP_PENDING, 1, hint_s, ()), work_left: stop_u},
                 timing=ANY_TIME,
                 doc="a fatal error: ServiceMain reports STOP_PENDING accepting nothing, on its own thread")

    # ---- handler: PAUSE / CONTINUE (003.2: report only when the state changes)
    silent = not p["report_changes"]

    def pause_change(new: Any) -> dict:
        if silent:
            return {state: new}  # 003.2 broken: the state changes, SetServiceStatus is not called
        return change(new, keep_struct=stale)  # stale: the pause path reports from a local struct

    svc.handle(Control.PAUSE, "handler_pause", guard=state == SvcState.RUNNING,
               update=pause_change(SvcState.PAUSE_PENDING),
               doc="a running service goes PAUSE_PENDING and signals ServiceMain")
    svc.handle(Control.CONTINUE, "handler_continue", guard=state == SvcState.PAUSED,
               update=pause_change(SvcState.CONTINUE_PENDING),
               doc="a paused service goes CONTINUE_PENDING and signals ServiceMain")
    # A PAUSE/CONTINUE that finds the service in another state (it was sent on a report that is
    # out of date) changes nothing, so by 003.2 the handler need not call SetServiceStatus.
    svc.handle(Control.PAUSE, "handler_pause_no_change", guard=state != SvcState.RUNNING, update={},
               doc="PAUSE finds the service not running: no state change, no report")
    svc.handle(Control.CONTINUE, "handler_continue_no_change", guard=state != SvcState.PAUSED, update={},
               doc="CONTINUE finds the service not paused: no state change, no report")
    svc.step("main_pause", "service_main", guard=state == SvcState.PAUSE_PENDING,
             update=pause_change(SvcState.PAUSED), doc="ServiceMain suspends the work and reports PAUSED", timing=AT_ONCE)
    svc.step("main_continue", "service_main", guard=state == SvcState.CONTINUE_PENDING,
             update=pause_change(SvcState.RUNNING), doc="ServiceMain resumes the work and reports RUNNING", timing=AT_ONCE)

    # ---- handler: INTERROGATE (003.3: always handled, answers the current status, changes nothing)
    if p["interrogate"] == "ignore":
        svc.handle(Control.INTERROGATE, "handler_ignore_interrogate", update={}, returns=ERROR_CALL_NOT_IMPLEMENTED,
                   doc="003.3 broken: the handler returns ERROR_CALL_NOT_IMPLEMENTED for INTERROGATE")
    elif stale:
        svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate(struct),
                   doc="answers from the global status struct, which the pause path did not update")
    else:
        svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate(),
                   doc="003.3: report the current status; nothing changes")

    # ---- handler: user-defined codes and device events change no state (003.2: no report needed)
    if p["user_controls"]:
        svc.handle(Control.USER, "handler_user_control", update={},
                   doc="a user-defined code (128-255): handled, no state change, no report needed")
    if p["device_events"]:
        svc.handle(Control.DEVICEEVENT, "handler_device_event", update={},
                   doc="DEVICEEVENT after RegisterDeviceNotification: handled, no state change")
    return svc.finish()


# The invariants this model is checked against (catalog ids, properties/catalog/__init__.py).
CHECKED_AGAINST = CONTROL_PROPERTIES
