"""Unsaved data at system shutdown (003.8, 003.10).

The service keeps a write-back cache: ``dirty`` while it holds data it has not saved.  The system
may shut down at any moment (``svc.system_shutdown()``: the profile's WaitToKillServiceTimeout,
20,000 ms by default).

``buggy``: the service accepts only STOP.  At shutdown the SCM sends it nothing, and the machine
powers off with the cache unsaved (``no_data_loss_at_shutdown``).

``fixed``: it also accepts SHUTDOWN; the handler reports STOP_PENDING and starts a flusher thread,
which saves the cache in 2.5 s -- well within WaitToKillServiceTimeout -- and reports STOPPED.

    scmcheck check examples/service/shutdown_unsaved_data.py:buggy --engine all
    scmcheck check examples/service/shutdown_unsaved_data.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.service_api import ANY_TIME, AT_ONCE, MS, Control, ServiceModel, SvcState, ms, user_design

FLUSH_S, HINT_S = 2.5, 5


def build(p: Mapping[str, Any], accepts_shutdown: bool) -> Any:
    accepts = ("stop", "shutdown") if accepts_shutdown else ("stop",)
    svc = ServiceModel("write-back-cache", __doc__ or "", p, max_wait_hint_s=20)
    m, st = svc.m, svc.state
    dirty = m.bool("dirty", False, "the cache holds data not yet written to disk")
    flush = m.int("flush_left", 0, ms(FLUSH_S, "flush"), 0, "time the flush still needs", unit=MS)
    flusher = svc.thread("flusher", running=False)
    svc.system_shutdown()
    svc.unsaved_data(dirty)
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=accepts), timing=AT_ONCE)
    m.environment_process("client")
    svc.step("client_write", "client", guard=[st == SvcState.RUNNING, ~dirty], update={dirty: True},
             timing=ANY_TIME, doc="a client writes: the data sits in the cache")
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    codes = (Control.STOP, Control.SHUTDOWN) if accepts_shutdown else (Control.STOP,)
    still = ("shutdown",) if accepts_shutdown else ()  # a stopping cache still takes SHUTDOWN
    for code in codes:
        svc.handle(code, f"handler_{code.name.lower()}", guard=st == SvcState.RUNNING,
                   update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=still),
                           **flusher.start(), flush: ms(FLUSH_S, "flush")})
    if accepts_shutdown:
        svc.handle(Control.SHUTDOWN, "handler_shutdown_while_stopping", guard=st != SvcState.RUNNING, update={},
                   doc="already flushing: nothing more to start")
    svc.countdown(flush, flusher.running)
    svc.step("flusher_done", "flusher", guard=flush == 0,
             update={dirty: False, **svc.set_state(SvcState.STOPPED), **flusher.exit()}, timing=AT_ONCE)
    return svc.finish()


buggy = user_design("cache-ignores-shutdown", "does not accept SHUTDOWN; the cache is lost at power-off",
                    lambda p: build(p, accepts_shutdown=False), expect=("no_data_loss_at_shutdown",))
fixed = user_design("cache-flushes-at-shutdown", "accepts SHUTDOWN and flushes within the budget",
                    lambda p: build(p, accepts_shutdown=True))
