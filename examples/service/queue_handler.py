"""A handler that forwards every control to a queue which ServiceMain drains.

A common framework shape: the handler does no work at all; it puts the control
code on a queue and returns, and ServiceMain's loop takes codes off the queue
and acts on them.  INTERROGATE is the one code the handler answers itself.

This is the hand-off pattern of Go's golang.org/x/sys/windows/svc and of .NET's
ServiceBase, and it is correct (``design``): 003.4 asks that a service that
accepted STOP goes to STOP_PENDING or STOPPED -- HandlerEx may return first and
let another thread report it, as long as the report comes within the handler's
30 s and the service never reports RUNNING again (the catalog entry
``stop_accepted_leads_to_stop_pending``).  Earlier versions of scmcheck
demanded the report inside the handler and flagged this design; that was the
checker's mistake, not the pattern's.  ``design_fixed`` (kept for comparison)
reports STOP_PENDING in the handler before queueing the stop: also correct.

    scmcheck check examples/service/queue_handler.py:design --engine all
    scmcheck check examples/service/queue_handler.py:design_fixed --engine all
"""

from __future__ import annotations

from typing import Any, Mapping

from scmcheck.model.designs import Knob
from scmcheck.model.service_api import AT_ONCE, MS, Control, ServiceModel, SvcState, ms, user_design

STOP_HINT_S = 20


def build(p: Mapping[str, Any]) -> Any:
    svc = ServiceModel("queue-handler", __doc__ or "", p, accepts=(), initial=SvcState.START_PENDING,
                       windows=p["windows"], user_controls=True)
    m, state = svc.m, svc.state
    # ---- the application's own variables
    queued = m.enum("queued", Control, Control.NONE, "the one-slot queue between the handler and ServiceMain")
    work_left = m.int("work_left", 0, ms(20, "stop work"), 0, "ms of stop work left", unit=MS)

    # ---- handler: forward, return; answer INTERROGATE directly
    for code in (Control.STOP, Control.PAUSE, Control.CONTINUE, Control.USER):
        update: dict = {queued: code}
        if code == Control.STOP and p["ack_stop_in_handler"]:
            update.update(svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=STOP_HINT_S, accepts=()))
        # The queue has one slot: the handler waits (zero time: ServiceMain drains at once) while it is full.
        svc.handle(code, f"handler_forward_{code.name.lower()}", update=update, guard=queued == Control.NONE,
                   doc=f"put {code.name} on the queue and return")
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate(),
               doc="answer INTERROGATE with the current status")

    # ---- ServiceMain: start, then drain the queue
    svc.step("main_report_running", "service_main", guard=state == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop", "pause")), doc="report RUNNING", timing=AT_ONCE)
    svc.step("main_drain_stop", "service_main", guard=queued == Control.STOP,
             update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=STOP_HINT_S, accepts=()),
                     queued: Control.NONE, work_left: ms(20, "stop work")},
             doc="take STOP off the queue: report STOP_PENDING and start the stop work", timing=AT_ONCE)
    svc.step("main_drain_pause", "service_main", guard=[queued == Control.PAUSE, state == SvcState.RUNNING],
             update={**svc.set_state(SvcState.PAUSED), queued: Control.NONE}, doc="take PAUSE: report PAUSED", timing=AT_ONCE)
    svc.step("main_drain_continue", "service_main", guard=[queued == Control.CONTINUE, state == SvcState.PAUSED],
             update={**svc.set_state(SvcState.RUNNING), queued: Control.NONE}, doc="take CONTINUE: report RUNNING", timing=AT_ONCE)
    svc.step("main_drain_other", "service_main",
             guard=[queued != Control.NONE, queued != Control.STOP,
                    ~((queued == Control.PAUSE) & (state == SvcState.RUNNING)),
                    ~((queued == Control.CONTINUE) & (state == SvcState.PAUSED))],
             update={queued: Control.NONE}, doc="a code that changes nothing now: drop it", timing=AT_ONCE)
    svc.countdown(work_left, state == SvcState.STOP_PENDING)
    svc.step("main_report_stop_progress", "service_main",
             guard=[state == SvcState.STOP_PENDING, work_left > 0, svc.status.since_progress >= ms(10, "report interval")],
             update=svc.progress(STOP_HINT_S), doc="STOP_PENDING progress every 10 s", timing=AT_ONCE)
    svc.step("main_report_stopped", "service_main", guard=[state == SvcState.STOP_PENDING, queued == Control.NONE, work_left == 0],
             update=svc.set_state(SvcState.STOPPED), doc="stop taken off the queue and its work done: report STOPPED", timing=AT_ONCE)
    return svc.finish()


KNOBS = (
    Knob("windows", "10-1703", "the Windows version: xp (before SP2) keeps sending controls after STOP (003.5)",
         choices=("xp", "2003", "vista", "10-1703")),
    Knob("ack_stop_in_handler", False, "the handler reports STOP_PENDING before queueing STOP"),
)

design = user_design("example-queue-handler", "handler forwards every control to a queue ServiceMain drains",
                     build, knobs=KNOBS)

design_fixed = user_design("example-queue-handler-fixed",
                           "the same, with STOP_PENDING reported by the handler before it queues STOP",
                           lambda p: build({**p, "ack_stop_in_handler": True}), knobs=KNOBS)
