"""User invariants: a property of your own design, checked like a catalog entry.

A service buffers log records in memory; a writer thread flushes them to disk
within 10 s.  On STOP the handler reports STOP_PENDING; ServiceMain then reports
SERVICE_STOPPED.  The catalog knows nothing of the buffer, so the design states
its own invariant: SERVICE_STOPPED is reported only with the buffer on disk.

``buggy`` reports STOPPED at once and can lose the buffer; ``fixed`` waits for
the writer's flush first.

    scmcheck list examples/properties/user_invariants.py:buggy
    scmcheck check examples/properties/user_invariants.py:buggy --engine all     # violated (exit 1)
    scmcheck check examples/properties/user_invariants.py:fixed --engine all     # holds
"""

from __future__ import annotations

from typing import Any, Mapping

from scmcheck.model import implies
from scmcheck.model.service_api import ANY_TIME, AT_ONCE, Control, ServiceModel, SvcState, Within, user_design

HINT_S = 20  # dwWaitHint of the STOP_PENDING report (a whole multiple of 10 s)


def build(p: Mapping[str, Any], wait_for_flush: bool) -> Any:
    svc = ServiceModel("log-buffer-service", __doc__ or "", p, accepts=(), max_wait_hint_s=HINT_S)
    m, state = svc.m, svc.state
    buffered = m.bool("buffered", False, "log records held in memory, not yet on disk")

    svc.step("main_report_running", "service_main", guard=state == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.step("app_log_record", "app", guard=[state == SvcState.RUNNING, ~buffered], update={buffered: True},
             timing=ANY_TIME, doc="the application logs a record (whenever it likes)")
    svc.step("writer_flush", "writer", guard=buffered, update={buffered: False}, timing=Within(10),
             doc="the writer thread flushes the buffer within 10 s")
    svc.handle(Control.STOP, "handler_accept_stop",
               update=svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=()))
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    done = [state == SvcState.STOP_PENDING] + ([~buffered] if wait_for_flush else [])
    svc.step("main_report_stopped", "service_main", guard=done, update=svc.set_state(SvcState.STOPPED),
             timing=AT_ONCE, doc="report SERVICE_STOPPED" + (" once the buffer is flushed" if wait_for_flush else ""))

    stopped = svc.status.reported == SvcState.STOPPED
    m.invariant("log_flushed_before_stopped", implies(stopped, ~buffered),
                guarantee="SERVICE_STOPPED is reported only when every log record is on disk.",
                rules=("000.3",), witness=stopped)
    return svc.finish()


buggy = user_design("log-buffer-buggy", "reports STOPPED without waiting for the flush",
                    lambda p: build(p, wait_for_flush=False), expect=("log_flushed_before_stopped",))
fixed = user_design("log-buffer-fixed", "reports STOPPED once the writer has flushed",
                    lambda p: build(p, wait_for_flush=True))
