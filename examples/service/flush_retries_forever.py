"""A stop that never ends: the final flush retries forever and the checkpoint never rises (000.4).

``buggy``: on STOP the handler reports STOP_PENDING (wait hint 5 s) and starts a flusher thread.
The disk is gone, so every flush fails; the flusher retries every 1.5 s and re-reports STOP_PENDING
*with the same checkpoint*: no progress (``pending_progress_within_wait_hint``), and STOPPED is
never reached (``stop_reaches_stopped``, a lasso).

``fixed``: each retry raises the checkpoint, and after a 10 s grace period the flusher gives up
(logs the loss) and reports SERVICE_STOPPED.

    scmcheck check examples/service/flush_retries_forever.py:buggy --engine all
    scmcheck check examples/service/flush_retries_forever.py:fixed --engine all
"""

from typing import Any, Mapping

from scmcheck.model.service_api import AT_ONCE, MS, Control, ServiceModel, SvcState, ms, user_design

HINT_S, RETRY_S, GRACE_S = 5, 1.5, 10


def build(p: Mapping[str, Any], bounded: bool) -> Any:
    svc = ServiceModel("flush-retry", __doc__ or "", p, start_hint_s=HINT_S, max_wait_hint_s=HINT_S,
                       max_checkpoint=10)
    m, st = svc.m, svc.state
    flusher = svc.thread("flusher", running=False)
    since_try = svc.timer(m.int("since_try", 0, ms(RETRY_S, "retry"), 0, "time since the last flush attempt",
                                unit=MS), flusher.running)
    grace = svc.countdown(m.int("grace_left", 0, ms(GRACE_S, "grace"), 0, "grace period left", unit=MS),
                          flusher.running)
    svc.step("main_report_running", "service_main", guard=st == SvcState.START_PENDING,
             update=svc.set_state(SvcState.RUNNING, accepts=("stop",)), timing=AT_ONCE)
    svc.handle(Control.INTERROGATE, "handler_answer_interrogate", update=svc.answer_interrogate())
    svc.handle(Control.STOP, "handler_start_flusher",
               update={**svc.set_state(SvcState.STOP_PENDING, checkpoint=1, wait_hint_s=HINT_S, accepts=()),
                       **flusher.start(), since_try: 0, grace: ms(GRACE_S, "grace")})
    # Every attempt fails (the disk is gone); the flusher reports and tries again.
    retry = svc.progress(HINT_S) if bounded else svc.report(SvcState.STOP_PENDING, svc.status.checkpoint, HINT_S)
    svc.step("flusher_retry", "flusher", guard=[since_try >= ms(RETRY_S, "retry"), grace > 0 if bounded else True],
             update={**retry, since_try: 0}, timing=AT_ONCE)
    if bounded:
        svc.step("flusher_give_up", "flusher", guard=grace == 0,
                 update={**svc.set_state(SvcState.STOPPED), **flusher.exit()}, timing=AT_ONCE)
    return svc.finish()


buggy = user_design("flush-retries-forever", "a flush that retries forever without raising the checkpoint",
                    lambda p: build(p, bounded=False),
                    expect=("pending_progress_within_wait_hint", "stop_reaches_stopped"),
                    vacuous=("stopped_only_after_threads_exit", "no_status_after_stopped"))
fixed = user_design("flush-bounded-grace", "retries with rising checkpoints, then gives up after 10 s",
                    lambda p: build(p, bounded=True))
