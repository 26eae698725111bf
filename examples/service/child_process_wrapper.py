"""A service that wraps a child process and kills it if it does not exit in time.

The handler reports STOP_PENDING and asks the child to exit (e.g. a console
Ctrl-Break or a named event), then returns (003.6).  ServiceMain waits for
the child with a timeout (``grace_s``), reporting STOP_PENDING progress every
10 s (000.4); when the grace period is over it calls TerminateProcess.  Only
when the child is gone does it report SERVICE_STOPPED (000.3).

``design`` is that correct pattern.  ``design_no_kill`` reports STOPPED when the
grace period ends whether or not the child is gone, and so violates
``stopped_only_after_threads_exit`` (000.3).

    scmcheck check examples/service/child_process_wrapper.py:design --engine all
"""

from __future__ import annotations

import enum
from typing import Any, Mapping

from scmcheck.model.designs import Knob
from scmcheck.model.lang.expr import all_of
from scmcheck.model.service_api import ANY_TIME, AT_ONCE, CONTROL_PROPERTIES, Control, ServiceModel, SvcState, MS, ms, user_design

HINT_S = 20


class Child(enum.IntEnum):
    RUNNING = 0
    SIGNALLED = 1  # asked to exit
    GONE = 2


def build(p: Mapping[str, Any]) -> Any:
    svc = ServiceModel("child-process-wrapper", __doc__ or "", p, accepts=(), initial=SvcState.START_PENDING,
                       max_wait_hint_s=HINT_S)
    m, state = svc.m, svc.state
    grace = ms(p["grace_s"], "grace_s")
    child = m.enum("child", Child, Child.RUNNING, "the wrapped child process")
    grace_left = m.int("grace_left", 0, grace, grace, "ms of the grace period left", unit=MS)

    svc.step("main_report_running", "service_main", guard=state == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), doc="child started: report RUNNING", timing=AT_ONCE)
    svc.handle(Control.STOP, "handler_accept_stop",
               update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=()),
                       child: Child.SIGNALLED, grace_left: grace},
               doc="report STOP_PENDING, ask the child to exit, return")
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    # The child exits whenever it likes -- or never (it may hang): at any time, and as a process outside
    # the service it is the environment's (no fairness forces it to exit).
    m.environment_process("child")
    svc.step("child_exit", "child", guard=child == Child.SIGNALLED, update={child: Child.GONE}, timing=ANY_TIME,
             doc="the child process exits")
    svc.countdown(grace_left, child == Child.SIGNALLED)
    svc.step("main_report_stop_progress", "service_main",
             guard=[state == SvcState.STOP_PENDING, svc.status.since_progress >= ms(10, "report interval")],
             update=svc.progress(HINT_S), doc="STOP_PENDING progress every 10 s while waiting", timing=AT_ONCE)
    if p["kill_after_grace"]:
        svc.step("main_kill_child", "service_main", guard=[child == Child.SIGNALLED, grace_left == 0],
                 update={child: Child.GONE}, doc="grace period over: TerminateProcess, wait for the handle", timing=AT_ONCE)
        done = child == Child.GONE
    else:
        done = (child == Child.GONE) | (grace_left == 0)
    svc.step("main_report_stopped", "service_main", guard=[state == SvcState.STOP_PENDING, done],
             update=svc.set_state(SvcState.STOPPED), doc="report SERVICE_STOPPED and return", timing=AT_ONCE)
    # What stopped_only_after_threads_exit reads: nothing of the service is left running.
    m.define("all_threads_exited", all_of(child == Child.GONE, state == SvcState.STOPPED))
    return svc.finish()


KNOBS = (
    Knob("grace_s", 30, "seconds the child gets to exit before it is killed", 1, 60),
    Knob("kill_after_grace", True, "kill the child when the grace period is over"),
)
PROPERTIES = CONTROL_PROPERTIES + ("stopped_only_after_threads_exit",)

design = user_design("example-child-process-wrapper", "service wrapping a child process, killed after a grace period",
                     build, knobs=KNOBS, properties=PROPERTIES)

design_no_kill = user_design("example-child-process-wrapper-no-kill",
                             "reports STOPPED when the grace period ends, child or no child",
                             lambda p: build({**p, "kill_after_grace": False}), knobs=KNOBS, properties=PROPERTIES,
                             expect=("stopped_only_after_threads_exit",))
