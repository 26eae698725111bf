"""The service stop family: its knobs and the built-in designs (rules 000.x, 003.4, 003.6)."""

from __future__ import annotations

from typing import Any, Mapping

from . import service
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError


def _check(p: Mapping[str, Any]) -> None:
    # report_every_s > wait_hint_s is allowed: reports too slow for the hint are a design mistake the
    # checker finds (pending_progress_within_wait_hint), not bad input.
    if p["worker_hangs"] and p["progress_reports"]:
        # A stop that never ends would need checkpoints that rise forever; the model's saturate, and a
        # saturated checkpoint shows no progress, so the SCM would be seen declaring a hang that the real
        # service (reporting forever) would not get.  Refuse rather than report that artefact.
        raise InputError("worker_hangs = true needs progress_reports = false: the model's checkpoint "
                         "saturates, so reports that rise forever cannot be modelled")


SERVICE = Family(
    name="service",
    doc="Multithreaded service stop protocol: SCM, handler, ServiceMain, N workers (000.1-000.5, 003.4, 003.6)",
    knobs=(
        Knob("workers", 2, "number of worker threads", 1, 64),
        Knob("handler", "signal", "signal: the handler sets the stop event and returns; "
                                  "inline: the handler does the stop work itself", choices=("signal", "inline")),
        Knob("wait_for_workers", True, "ServiceMain waits for every worker before reporting SERVICE_STOPPED"),
        Knob("progress_reports", True, "STOP_PENDING reports with a rising checkpoint during long stop work"),
        Knob("stop_work_s", 20, "seconds of stop work (cleanup)", 0, 600),
        Knob("wait_hint_s", 20, "dwWaitHint sent with STOP_PENDING, seconds", 0.001, 600),
        Knob("report_every_s", 10, "seconds between progress reports", 0.001, 600),
        Knob("worker_exit_s", 30, "a signalled worker exits within this many seconds", 0, 600),
        Knob("worker_hangs", False, "worker 0 may block in a call that never returns (before the stop), and then "
                                    "never sees the stop event"),
    ),
    build=service.build,
    properties=service.CHECKED_AGAINST,
    check=_check,
)

FAMILIES = [SERVICE]

DESIGNS = [
    Design("service-correct", SERVICE, {}, (),
           "handler signals ServiceMain and returns; ServiceMain reports STOP_PENDING progress every 10 s "
           "and reports STOPPED after every worker exited (000.3, 000.4, 003.6)"),
    Design("service-stopped-before-workers-exit", SERVICE, {"wait_for_workers": False},
           ("stopped_only_after_threads_exit", "reported_state_matches_actual"),
           "ServiceMain reports SERVICE_STOPPED after its own cleanup, while workers may still run (000.3)",
           fixed=("wait_for_workers",)),
    Design("service-no-stop-progress", SERVICE, {"progress_reports": False},
           ("pending_progress_within_wait_hint",),
           "one STOP_PENDING report, then 20 s of stop work and up to 30 s waiting for workers "
           "with no further report (000.4, 000.5)",
           fixed=("progress_reports",)),
    Design("service-worker-never-exits", SERVICE, {"worker_hangs": True, "progress_reports": False},
           ("pending_progress_within_wait_hint", "stop_reaches_stopped"),
           "worker 0 may block in a call that never returns; then it never sees the stop event, ServiceMain "
           "waits for it forever, the service never reports SERVICE_STOPPED and the SCM declares it hung "
           "(000.3-000.5)",
           fixed=("worker_hangs", "progress_reports")),
    Design("service-stop-work-in-handler", SERVICE, {"handler": "inline", "stop_work_s": 60},
           ("handler_returns_within_30s",),
           "the handler does 60 s of stop work on the dispatcher thread before returning (003.6)",
           fixed=("handler", "stop_work_s")),
]
