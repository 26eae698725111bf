"""A service wrapper whose real state is its child process's (000.2).

``buggy``: the wrapper starts the child, reports RUNNING, and waits only for STOP; when the child
exits on its own (a crash, at any moment) the wrapper keeps reporting RUNNING, though nothing of
the service runs (``reported_state_matches_actual``).

``fixed``: the wrapper also waits on the child's process handle and reports SERVICE_STOPPED as
soon as the child is gone.

The design defines ``actual_state`` itself: the service is really STOPPED once its child is gone.

    scmcheck check examples/service/wrapper_child_exit.py:buggy --engine all
    scmcheck check examples/service/wrapper_child_exit.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.lang.expr import ite
from scmcheck.model.service_api import ANY_TIME, AT_ONCE, Control, ServiceModel, SvcState, user_design


def build(p: Mapping[str, Any], watches_child: bool) -> Any:
    svc = ServiceModel("wrapper", __doc__ or "", p)
    m, st = svc.m, svc.state
    child = m.bool("child_running", False, "the wrapped child process is running")
    m.define("actual_state", ite((st == SvcState.RUNNING) & ~child, SvcState.STOPPED, st))
    m.define("all_threads_exited", ~child)
    m.environment_process("child")  # another process: nothing forces it to crash, or not to
    svc.step("main_start_child", "service_main", guard=st == SvcState.START_PENDING,
             update={**svc.set_state(SvcState.RUNNING, accepts=("stop",)), child: True}, timing=AT_ONCE)
    svc.step("child_crash", "child", guard=child, update={child: False}, timing=ANY_TIME)
    # INTERROGATE after SERVICE_STOPPED (one in flight when the service stopped): return NO_ERROR
    # without calling SetServiceStatus again (003.2: nothing changed).
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", guard=st != SvcState.STOPPED,
               update=svc.answer_interrogate())
    svc.handle(Control.INTERROGATE, "handler_interrogate_stopped", guard=st == SvcState.STOPPED, update={})
    svc.handle(Control.STOP, "handler_stop_child", guard=st == SvcState.RUNNING,
               update={**svc.set_state(SvcState.STOPPED, accepts=()), child: False},
               doc="TerminateProcess on the child, wait for its handle, report STOPPED")
    svc.handle(Control.STOP, "handler_stop_already_stopped", guard=st != SvcState.RUNNING, update={})
    if watches_child:
        svc.step("main_report_child_exit", "service_main", guard=[st == SvcState.RUNNING, ~child],
                 update=svc.set_state(SvcState.STOPPED, accepts=()), timing=AT_ONCE,
                 doc="the child's process handle is signalled: report SERVICE_STOPPED")
    return svc.finish()


buggy = user_design("wrapper-ignores-child-exit", "keeps reporting RUNNING after its child exited",
                    lambda p: build(p, watches_child=False), expect=("reported_state_matches_actual",))
fixed = user_design("wrapper-watches-child", "reports STOPPED when its child exits",
                    lambda p: build(p, watches_child=True))
