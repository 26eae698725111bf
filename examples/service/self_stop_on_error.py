"""A service that stops itself on a fatal error while a STOP may already be on its way (003.3, 003.4).

ServiceMain hits a fatal error at any moment while RUNNING, reports STOP_PENDING accepting nothing,
and a cleanup thread reports SERVICE_STOPPED.  The SCM may have sent STOP just before: the handler
is then called in STOP_PENDING or even after SERVICE_STOPPED.

``buggy``: the handler always answers STOP by reporting STOP_PENDING (checkpoint 1): after the
cleanup reported STOPPED, that report is a status after SERVICE_STOPPED (``no_status_after_stopped``).

``fixed``: a STOP that finds the service already stopping changes nothing, so the handler returns
NO_ERROR without a report (003.2).  No violation.

    scmcheck check examples/service/self_stop_on_error.py:buggy --engine all
    scmcheck check examples/service/self_stop_on_error.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.service_api import ANY_TIME, AT_ONCE, Control, ServiceModel, SvcState, user_design

HINT_S = 10


def build(p: Mapping[str, Any], checks_state: bool) -> Any:
    svc = ServiceModel("self-stop", __doc__ or "", p, start_hint_s=HINT_S, max_wait_hint_s=HINT_S)
    m, st = svc.m, svc.state
    # The cleanup thread closes what is left and reports STOPPED at once: it races with a STOP that
    # the dispatcher has not delivered yet.
    cleaner = svc.thread("cleanup", running=False)
    stopping = {**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=()),
                **cleaner.start()}
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.step("main_fatal_error", "service_main", guard=st == SvcState.RUNNING, update=stopping, timing=ANY_TIME,
             doc="a fatal error: stop on our own, accepting nothing more")
    svc.step("cleanup_report_stopped", "cleanup", guard=st == SvcState.STOP_PENDING,
             update={**svc.set_state(SvcState.STOPPED), **cleaner.exit()}, timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", guard=st != SvcState.STOPPED,
               update=svc.answer_interrogate())
    svc.handle(Control.INTERROGATE, "handler_interrogate_stopped", guard=st == SvcState.STOPPED, update={})
    if checks_state:
        svc.handle(Control.STOP, "handler_stop", guard=st == SvcState.RUNNING, update=stopping)
        svc.handle(Control.STOP, "handler_stop_already_stopping", guard=st != SvcState.RUNNING, update={},
                   doc="the service is already stopping: nothing changes, no report (003.2)")
    else:
        svc.handle(Control.STOP, "handler_stop", update={**svc.report(SvcState.STOP_PENDING, 1, HINT_S, ()),
                                                         st: SvcState.STOP_PENDING},
                   doc="reports STOP_PENDING whatever state the service is in")
        svc.step("main_begin_stop", "service_main", guard=[st == SvcState.STOP_PENDING, ~cleaner.running],
                 update=cleaner.start(), timing=AT_ONCE)
    return svc.finish()


buggy = user_design("self-stop-handler-reports-blindly", "the STOP handler reports STOP_PENDING even after "
                    "a self-stop finished", lambda p: build(p, checks_state=False),
                    expect=("no_status_after_stopped",))
fixed = user_design("self-stop-handler-checks-state", "a STOP that finds the service stopping changes nothing",
                    lambda p: build(p, checks_state=True))
