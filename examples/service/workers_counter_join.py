"""Workers that say "done" before they have exited, joined by a counter (000.3).

Two worker threads (declared with ``svc.thread``) see the stop event, decrement a shared
"active workers" counter, and then keep cleaning up (close sockets, flush a log) for up to 2 s
before the thread really exits.

``buggy``: ServiceMain waits for the counter to reach 0 and reports SERVICE_STOPPED: the workers may
still be running (``stopped_only_after_threads_exit``).

``fixed``: ServiceMain waits on the thread handles (WaitForMultipleObjects on both), i.e. until both
threads have *exited*, then reports SERVICE_STOPPED.

    scmcheck check examples/service/workers_counter_join.py:buggy --engine all
    scmcheck check examples/service/workers_counter_join.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.lang.expr import all_of
from scmcheck.model.service_api import AT_ONCE, Control, ServiceModel, SvcState, Within, user_design

WORKERS, HINT_S = 2, 10


def build(p: Mapping[str, Any], join_handles: bool) -> Any:
    svc = ServiceModel("counter-join", __doc__ or "", p, start_hint_s=HINT_S, max_wait_hint_s=HINT_S)
    m, st = svc.m, svc.state
    stop_event = m.bool("stop_event", False, "the event the workers wait on")
    active = m.int("active_workers", 0, WORKERS, WORKERS, "the counter the workers decrement when done")
    workers = [svc.thread(f"worker{i}") for i in range(WORKERS)]
    said_done = [m.bool(f"worker{i}_said_done", False, f"worker {i} decremented the counter") for i in range(WORKERS)]
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    svc.handle(Control.STOP, "handler_signal_stop",
               update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=()),
                       stop_event: True})
    for w, done in zip(workers, said_done):
        svc.step(f"{w.name}_say_done", w.name, guard=[stop_event, ~done],
                 update={done: True, active: active - 1}, timing=AT_ONCE,
                 doc="InterlockedDecrement(&active): the worker's loop is over")
        svc.step(f"{w.name}_exit", w.name, guard=done, update=w.exit(), timing=Within(2),
                 doc="closes its sockets, flushes its log, returns from the thread function")
    joined = all_of(*[w.exited for w in workers]) if join_handles else active == 0
    svc.step("main_report_stopped", "service_main", guard=[st == SvcState.STOP_PENDING, joined],
             update=svc.set_state(SvcState.STOPPED), timing=AT_ONCE,
             doc="WaitForMultipleObjects on the thread handles" if join_handles else "the counter reached 0")
    return svc.finish()


buggy = user_design("workers-joined-by-counter", "STOPPED when the counter reaches 0; the threads may still run",
                    lambda p: build(p, join_handles=False), expect=("stopped_only_after_threads_exit",))
fixed = user_design("workers-joined-by-handle", "STOPPED after waiting on every thread handle",
                    lambda p: build(p, join_handles=True))
