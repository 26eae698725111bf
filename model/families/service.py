"""The multithreaded service stop protocol.

Rules encoded (numbers from properties/rules.py):
  000.1  the SCM controls the service through its control handler, which must answer promptly
  000.2  the reported state matches the state the service is really in
  000.3  SERVICE_STOPPED only after every service thread has exited
  000.4  while stopping, each report comes within the previous wait hint with a larger checkpoint
  000.5  otherwise the SCM may take the service as hung
  003.4  a service that accepts STOP goes to STOP_PENDING/STOPPED; after STOP the SCM sends nothing else
  003.6  the handler returns within 30 s; long stop work belongs on another thread

Actors: the SCM, the control dispatcher thread running the handler, ServiceMain,
N worker threads, and the clock.  One clock unit is ``scm.TIME_UNIT_S`` seconds.

Time semantics: the clock ticks only while something waits on time (a pending
state, stop work, workers finishing), and never while an *urgent* step is
enabled: a thread that is runnable and not waiting on time reacts before time
passes.  Worker exits are not urgent but have a deadline (``worker_exit_s``
after the stop event), so every interleaving of exits with the other threads'
steps is explored.
"""

from __future__ import annotations

import enum
from typing import Any, Mapping

from ..lang.clock import Clock
from ..lang.expr import all_of, any_of, ite, min_, not_
from ..lang.clock import MS
from ..windows.events import time_it, watch
from ..windows.scm import HANDLER_LIMIT_MS, Control, ScmStatus, SvcState, units
from ..lang.system import System


class Main(enum.IntEnum):
    """Where ServiceMain is."""

    STARTING = 0  # started by the SCM, not yet RUNNING
    RUNNING = 1  # waiting on the stop event
    STOP_WORK = 2  # doing its share of the stop work
    WAIT_WORKERS = 3  # waiting for the worker threads to exit
    EXITED = 4  # returned (after reporting SERVICE_STOPPED)


DEFAULTS: dict[str, Any] = {
    "workers": 2,  # worker threads
    "handler": "signal",  # signal: handler sets an event and returns; inline: handler does the stop work
    "wait_for_workers": True,  # ServiceMain waits for every worker before reporting STOPPED
    "progress_reports": True,  # STOP_PENDING reports with a rising checkpoint during long stop work
    "stop_work_s": 20,  # duration of the stop work (cleanup)
    "wait_hint_s": 20,  # dwWaitHint sent with STOP_PENDING
    "report_every_s": 10,  # interval between progress reports
    "worker_exit_s": 30,  # a signalled worker exits within this time
    "worker_hangs": False,  # worker 0 may block in a call that never returns, and then never sees the stop event
}


def build(p: Mapping[str, Any]) -> System:
    """The service stop model for parameters ``p`` (validated by the design layer)."""
    n = p["workers"]
    work = units(p["stop_work_s"], "stop_work_s")
    hint = units(p["wait_hint_s"], "wait_hint_s")
    every = units(p["report_every_s"], "report_every_s")
    exit_u = units(p["worker_exit_s"], "worker_exit_s")
    limit = HANDLER_LIMIT_MS
    inline = p["handler"] == "inline"
    m = System("service", __doc__ or "", parameters=p, time_unit=MS)

    # ---- constants derived from the knobs
    # Enough checkpoints for one report per interval over the whole stop, plus the first.
    max_cp = (work + exit_u) // max(every, 1) + 3

    # ---- state variables: SCM side
    scm = ScmStatus(m, max_checkpoint=max_cp, max_hint=hint)
    stop_sent = m.bool("stop_sent", False, "the SCM has sent SERVICE_CONTROL_STOP")
    control = m.enum("control", Control, Control.NONE, "control queued at the control dispatcher")
    control_after_stop = m.bool("control_after_stop", False, "monitor: the SCM sent a control after STOP (003.4)")
    # one definition with the harness's observer of real code (model/windows/events.py)
    watch(m, "no_control_after_stop", control_after_stop)
    # ---- state variables: service side
    handler_busy = m.bool("handler_busy", False, "the handler is running stop work on the dispatcher thread")
    handler_elapsed = m.int("handler_elapsed", 0, limit + 1, 0, "time the handler has been running (ms, saturates)",
                            unit=MS)
    stop_event = m.bool("stop_event", False, "the stop event ServiceMain and the workers wait on")
    since_signal = m.int("since_signal", 0, exit_u, 0, "time since the stop event was set (ms, saturates)",
                         unit=MS)
    main = m.enum("main", Main, Main.RUNNING, "where ServiceMain is")
    work_left = m.int("work_left", 0, work, work, "stop work still to do (ms)", unit=MS)
    alive = [m.bool(f"worker_alive[{i}]", True, f"worker thread {i} is running") for i in range(n)]
    blocked = m.bool("worker_blocked[0]", False, "worker 0 is blocked in a call that never returns") \
        if p["worker_hangs"] else None

    # ---- definitions the invariant catalog reads
    all_exited = m.define("all_threads_exited", all_of(main == Main.EXITED, *[not_(a) for a in alive]))
    stop_begun = any_of(stop_event, handler_busy)
    m.define("actual_state", ite(all_exited, SvcState.STOPPED,
                                 ite(main == Main.STARTING, SvcState.START_PENDING,
                                     ite(stop_begun, SvcState.STOP_PENDING, SvcState.RUNNING))))
    m.define("stop_begun", stop_begun)
    m.define("handler_called", stop_begun)  # the handler's only control here is STOP
    m.environment_process("scm")
    scm.watch(m.definitions["actual_state"])
    m.assume(f"the checkpoint saturates at {max_cp}; a report at the saturated checkpoint shows no progress")

    clock = Clock(m)

    # ---- SCM
    m.action("scm_send_stop", "scm",
             guard=[scm.reported == SvcState.RUNNING, ~stop_sent, control == Control.NONE, ~scm.scm_hang],
             update={control: Control.STOP, stop_sent: True},
             doc="000.1/003.4: the SCM sends STOP to a running service that accepts it, once")
    scm.declare_hang()
    m.action("scm_start_service", "scm",
             guard=[scm.reported == SvcState.STOPPED, ~scm.scm_hang],
             update={**scm.report(SvcState.START_PENDING, 1, 0), main: Main.STARTING, stop_sent: False},
             doc="the SCM starts the stopped service again (so runs are unbounded, 000.5)")

    # ---- control dispatcher (handler)
    if inline:
        # The documented mistake (003.6): the whole stop runs inside the handler.
        accept = m.action("handler_accept_stop", "dispatcher",
                          guard=[control == Control.STOP, ~handler_busy],
                          update={**scm.report(SvcState.STOP_PENDING, 1, hint), control: Control.NONE,
                                  handler_busy: True, handler_elapsed: 0},
                          doc="handler reports STOP_PENDING and starts the stop work itself")
        finish = m.action("handler_finish_stop", "dispatcher",
                          guard=[handler_busy, work_left == 0],
                          update={handler_busy: False, stop_event: True, since_signal: 0},
                          doc="stop work done: the handler signals the threads and returns")
        clock.urgent(accept)
        clock.urgent(finish)
        if p["progress_reports"]:
            prog = m.action("handler_report_progress", "dispatcher",
                            guard=[handler_busy, work_left > 0, scm.since_progress >= every],
                            update=scm.report(SvcState.STOP_PENDING, scm.next_checkpoint(), hint),
                            doc="000.4: STOP_PENDING with a larger checkpoint, within the wait hint")
            clock.urgent(prog)
    else:
        accept = m.action("handler_accept_stop", "dispatcher",
                          guard=[control == Control.STOP, ~handler_busy],
                          update={**scm.report(SvcState.STOP_PENDING, 1, hint), control: Control.NONE,
                                  stop_event: True, since_signal: 0},
                          doc="003.6: report STOP_PENDING, signal the stop event, return at once")
        clock.urgent(accept)

    # ---- ServiceMain
    start = m.action("main_report_running", "service_main",
                     guard=main == Main.STARTING,
                     update={**scm.report(SvcState.RUNNING), main: Main.RUNNING, stop_event: False,
                             since_signal: 0, work_left: work, **{a: True for a in alive}},
                     doc="ServiceMain starts the workers and reports RUNNING")
    wake = m.action("main_begin_stop", "service_main",
                    guard=[main == Main.RUNNING, stop_event],
                    update={main: Main.STOP_WORK},
                    doc="ServiceMain wakes on the stop event and starts its stop work")
    done_next = Main.WAIT_WORKERS if p["wait_for_workers"] else Main.EXITED
    done_update = {main: done_next}
    if not p["wait_for_workers"]:
        # The documented mistake (000.3): SERVICE_STOPPED right after the stop work.
        done_update.update(scm.report(SvcState.STOPPED))
    done = m.action("main_finish_work", "service_main",
                    guard=[main == Main.STOP_WORK, work_left == 0],
                    update=done_update,
                    doc="stop work done" + ("" if p["wait_for_workers"] else "; reports STOPPED without waiting"))
    for step in (start, wake, done):
        clock.urgent(step)
    if p["wait_for_workers"]:
        stopped = m.action("main_report_stopped", "service_main",
                           guard=[main == Main.WAIT_WORKERS, *[not_(a) for a in alive]],
                           update={**scm.report(SvcState.STOPPED), main: Main.EXITED},
                           doc="000.3: every worker has exited; report SERVICE_STOPPED and return")
        clock.urgent(stopped)
    if p["progress_reports"]:
        prog = m.action("main_report_progress", "service_main",
                        guard=[any_of(main == Main.STOP_WORK, main == Main.WAIT_WORKERS),
                               scm.reported == SvcState.STOP_PENDING, scm.since_progress >= every],
                        update=scm.report(SvcState.STOP_PENDING, scm.next_checkpoint(), hint),
                        doc="000.4: STOP_PENDING with a larger checkpoint, within the wait hint")
        clock.urgent(prog)

    # ---- workers
    for i, a in enumerate(alive):
        free = [] if blocked is None or i else [~blocked]
        m.action("worker_exit", f"worker[{i}]", guard=[stop_event, a, *free], update={a: False}, args={"i": i},
                 doc="the worker sees the stop event, finishes its item and exits")
    if blocked is not None:
        # May happen at any moment before the stop, or never (fair=False: no fairness forces it).
        m.action("worker_block", "worker[0]", guard=[alive[0], ~stop_event, ~blocked], update={blocked: True},
                 args={"i": 0}, fair=False, doc="worker 0 enters a call that never returns (a hung RPC, a lost lock)")

    # ---- clock
    working = any_of(all_of(main == Main.STOP_WORK, work_left > 0), handler_busy)
    finishing = all_of(stop_event, any_of(alive))
    clock.countdown(work_left, working)
    scm.time(clock)
    time_it(m, clock, "handler_returns_within_30s", handler_elapsed)  # model/windows/events.py
    clock.timer(since_signal, stop_event)
    # a signalled worker exits within worker_exit_s (a blocked one never does)
    able = [a if blocked is None or i else all_of(a, ~blocked) for i, a in enumerate(alive)]
    clock.urgent(all_of(stop_event, any_of(able), since_signal >= exit_u))
    clock.tick()
    scm.define_freshness(m.time_passes)
    # The workers are interchangeable (a hung worker 0 is not: it has actions of its own).
    first = 0 if blocked is None else 1
    m.symmetric("worker", [[alive[i]] for i in range(first, n)], processes=[f"worker[{i}]" for i in range(first, n)])
    return m


# The invariants this model is checked against (catalog ids, properties/catalog/__init__.py).
CHECKED_AGAINST = (
    "stopped_only_after_threads_exit",
    "reported_state_matches_actual",
    "pending_progress_within_wait_hint",
    "handler_returns_within_30s",
    "no_control_after_stop",
)
