"""Leads-to properties: "after this, eventually that", a design's own liveness property.

A worker thread waits for jobs from clients.  On STOP the handler reports
STOP_PENDING and sets a stop event; ServiceMain reports SERVICE_STOPPED once
the worker has exited.  The design states its own leads-to property: after the
stop event is set, the worker eventually exits.

``buggy``: the worker blocks on the job queue alone and sees the stop event
only when a job arrives.  Clients are the environment, never forced to send,
so the check finds a lasso: the stop event is set and no job ever comes.
``fixed`` waits on the queue and the stop event together (WaitForMultipleObjects).

    scmcheck check examples/properties/leads_to.py:buggy --engine all    # violated: a lasso (exit 1)
    scmcheck check examples/properties/leads_to.py:fixed --engine all    # holds
"""

from __future__ import annotations

import enum
from typing import Any, Mapping

from scmcheck.model.service_api import ANY_TIME, AT_ONCE, Control, ServiceModel, SvcState, user_design


class Worker(enum.IntEnum):
    WAITING = 0  # blocked, waiting for a job (and, when fixed, the stop event)
    EXITED = 1


def build(p: Mapping[str, Any], wakes_on_stop: bool) -> Any:
    svc = ServiceModel("job-worker-service", __doc__ or "", p, accepts=(), max_wait_hint_s=20)
    m, state = svc.m, svc.state
    worker = m.enum("worker", Worker, Worker.WAITING, "the worker thread")
    job = m.bool("job_queued", False, "a client's job waits in the queue")
    stop_event = m.bool("stop_event", False, "the stop event, set by the handler")

    svc.step("main_report_running", "service_main", guard=state == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    m.environment_process("client")  # clients send jobs when they like, or never
    svc.step("client_send_job", "client", guard=[(state == SvcState.RUNNING) | (state == SvcState.STOP_PENDING), ~job],
             update={job: True}, timing=ANY_TIME)
    svc.step("worker_take_job", "worker", guard=[worker == Worker.WAITING, job, ~stop_event], update={job: False},
             timing=AT_ONCE, doc="wake for a job, take it off the queue and run it")
    # Either way a worker that wakes sees a set stop event and exits; only the fixed one wakes for it.
    svc.step("worker_exit", "worker", guard=[worker == Worker.WAITING, stop_event] + ([] if wakes_on_stop else [job]),
             update={worker: Worker.EXITED}, timing=AT_ONCE, doc="see the stop event and exit")
    svc.handle(Control.STOP, "handler_accept_stop",
               update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=20, accepts=()),
                       stop_event: True})
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    svc.step("main_report_stopped", "service_main", guard=[state == SvcState.STOP_PENDING, worker == Worker.EXITED],
             update=svc.set_state(SvcState.STOPPED), timing=AT_ONCE)

    m.leads_to("worker_exits_after_stop_event", stop_event, worker == Worker.EXITED,
               guarantee="After the handler sets the stop event, the worker thread eventually exits.",
               rules=("000.3",))  # witness: the trigger (the stop event is set)
    return svc.finish()


buggy = user_design("job-worker-buggy", "the worker notices the stop event only when a job arrives",
                    lambda p: build(p, wakes_on_stop=False),
                    expect=("worker_exits_after_stop_event", "stop_reaches_stopped", "pending_progress_within_wait_hint"))
fixed = user_design("job-worker-fixed", "the worker waits on the queue and the stop event together",
                    lambda p: build(p, wakes_on_stop=True))
