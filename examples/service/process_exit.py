"""Process exit: report SERVICE_STOPPED first, then let the process end (000.3, 000.5).

Modelled on Go's golang.org/x/sys/windows/svc: the service's ``Execute`` method runs the loop;
when it returns, ``svc.Run`` reports SERVICE_STOPPED, and then ``main`` returns and the process
exits.  ``svc.process_exit`` declares the step that ends the process: every thread dies with it.

``buggy``: on STOP, ``Execute`` calls ``os.Exit(0)`` right after reporting STOP_PENDING -- a
common shortcut: the process is gone before SERVICE_STOPPED was reported
(``no_exit_before_stopped``); the SCM never sees the stop complete (``stop_reaches_stopped``) and
waits in vain for progress on a STOP_PENDING nobody updates (``pending_progress_within_wait_hint``).

``fixed``: ``Execute`` returns; the framework reports SERVICE_STOPPED, and only then does the
process exit.  No violation.

    scmcheck check examples/service/process_exit.py:buggy --engine all
    scmcheck check examples/service/process_exit.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.service_api import AT_ONCE, Control, ServiceModel, SvcState, user_design


def build(p: Mapping[str, Any], exits_early: bool) -> Any:
    svc = ServiceModel("go-svc", __doc__ or "", p)
    m, st = svc.m, svc.state
    execute = svc.thread("execute")  # the goroutine running Execute's select loop
    stop_seen = m.bool("stop_seen", False, "Execute has read svc.Stop from its ChangeRequest channel")
    svc.step("execute_report_running", "execute", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", guard=st != SvcState.STOPPED,
               update=svc.answer_interrogate())
    svc.handle(Control.INTERROGATE, "handler_interrogate_stopped", guard=st == SvcState.STOPPED, update={})
    svc.handle(Control.STOP, "handler_pass_stop", update={stop_seen: True},
               doc="the dispatcher passes STOP to Execute's channel and returns")
    svc.step("execute_report_stop_pending", "execute", guard=[stop_seen, st == SvcState.RUNNING],
             update=svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=10, accepts=()), timing=AT_ONCE)
    if exits_early:
        svc.process_exit("execute_os_exit", "execute", guard=st == SvcState.STOP_PENDING,
                         doc="os.Exit(0) inside Execute: no SERVICE_STOPPED is ever reported")
    else:
        svc.step("execute_return", "execute", guard=st == SvcState.STOP_PENDING,
                 update={**svc.set_state(SvcState.STOPPED), **execute.exit()}, timing=AT_ONCE,
                 doc="Execute returns; svc.Run reports SERVICE_STOPPED")
        svc.process_exit("main_return", "service_main", guard=st == SvcState.STOPPED,
                         doc="svc.Run returns to main, which returns: the process exits")
    return svc.finish()


buggy = user_design("go-os-exit-in-execute", "os.Exit before SERVICE_STOPPED", lambda p: build(p, exits_early=True),
                    expect=("no_exit_before_stopped", "stop_reaches_stopped", "reported_state_matches_actual",
                            "pending_progress_within_wait_hint"),
                    vacuous=("stopped_only_after_threads_exit", "no_status_after_stopped"))
fixed = user_design("go-return-from-execute", "Execute returns, svc.Run reports STOPPED, then the process exits",
                    lambda p: build(p, exits_early=False))
