"""A 120 s stop done inside the handler after one STOP_PENDING with a 3 s wait hint (003.6, 000.4).

``buggy``: the handler reports STOP_PENDING (checkpoint 1, wait hint 3 s) and then runs the whole
120 s stop itself: the SCM sees no progress within 3 s (``pending_progress_within_wait_hint``) and
the handler keeps the dispatcher for more than 30 s (``handler_returns_within_30s``).

``fixed``: the documented pattern (003.6): the handler reports STOP_PENDING, signals a stopper
thread and returns; the thread reports progress every 2 s with a 3 s hint and reports STOPPED.

    scmcheck check examples/service/inline_stop_short_hint.py:buggy --engine all
    scmcheck check examples/service/inline_stop_short_hint.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.service_api import AT_ONCE, MS, Control, ServiceModel, SvcState, ms, user_design

HINT_S, STOP_WORK_S, EVERY_S = 3, 120, 2


def build(p: Mapping[str, Any], inline: bool) -> Any:
    svc = ServiceModel("inline-stop", __doc__ or "", p, start_hint_s=HINT_S, max_wait_hint_s=HINT_S,
                       max_checkpoint=STOP_WORK_S // EVERY_S + 2)
    m, st = svc.m, svc.state
    work = m.int("stop_work_left", 0, ms(STOP_WORK_S, "stop work"), 0, "stop work still to do", unit=MS)
    stopping = svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=())
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    if inline:
        svc.handle(Control.STOP, "handler_stop_inline", busy=True, update={**stopping, work: ms(STOP_WORK_S, "")})
        svc.countdown(work, svc.handler_busy)
        svc.handler_step("handler_report_stopped", guard=work == 0, update=svc.set_state(SvcState.STOPPED),
                         returns=True)
        return svc.finish()
    stopper = svc.thread("stopper", running=False)
    svc.handle(Control.STOP, "handler_signal_stop", update={**stopping, work: ms(STOP_WORK_S, ""), **stopper.start()})
    svc.countdown(work, stopper.running)
    svc.step("stopper_report_progress", "stopper",
             guard=[work > 0, svc.status.since_progress >= ms(EVERY_S, "")],
             update=svc.progress(HINT_S), timing=AT_ONCE)
    svc.step("stopper_report_stopped", "stopper", guard=work == 0,
             update={**svc.set_state(SvcState.STOPPED), **stopper.exit()}, timing=AT_ONCE)
    return svc.finish()


buggy = user_design("inline-stop-short-hint", "120 s of stop work in the handler, 3 s wait hint",
                    lambda p: build(p, inline=True),
                    expect=("pending_progress_within_wait_hint", "handler_returns_within_30s"))
fixed = user_design("stop-thread-with-progress", "the stop on a thread, progress every 2 s with a 3 s hint",
                    lambda p: build(p, inline=False))
