"""Catalog entries for the service life cycle: stop protocol and status reports (000.1-000.5, 003.4, 003.6).

Microsoft pages the formalisations follow (cited per entry in ``sources``):
SetServiceStatus, SERVICE_STATUS, HandlerEx, "Multithreaded services" (the
seed document 000), "Service control handler function" (seed 003).
"""

from __future__ import annotations

from scmcheck.model.lang.expr import Expr, all_of, any_of, not_
from scmcheck.model.lang.system import System
from scmcheck.model.windows.events import TIMED_BY_ID
from scmcheck.model.windows.scm import HANDLER_LIMIT_S, PENDING, SvcState

from .entry import Property, optional, read, time_units

SET_SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-setservicestatus"
SERVICE_STATUS = "https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_status"
HANDLER_EX = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lphandler_function_ex"
CONTROL_SERVICE = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-controlservice"
MULTITHREADED = "https://learn.microsoft.com/windows/win32/services/multithreaded-services"
CONTROL_HANDLER = "https://learn.microsoft.com/windows/win32/services/service-control-handler-function"
SERVICE_MAIN = "https://learn.microsoft.com/windows/win32/api/winsvc/nc-winsvc-lpservice_main_functionw"


def _reported(m: System) -> Expr:
    return m["reported"]



PROPERTIES: list[Property] = [
    Property(
        "stopped_only_after_threads_exit",
        "SERVICE_STOPPED is reported only after every thread of the service has exited.",
        ("000.3", "000.5"),
        lambda m: any_of(_reported(m) != SvcState.STOPPED, m.definition("all_threads_exited")),
        lambda m: _reported(m) == SvcState.STOPPED,
        "the service reported STOPPED",
        needs=("reported", "all_threads_exited"),
        sources=(MULTITHREADED, SET_SERVICE_STATUS),
    ),
    Property(
        "reported_state_matches_actual",
        "Every status report names the state the service is really in, and a change of state is "
        "reported before time passes (or within the delay the design declares).",
        ("000.2", "003.2"),
        lambda m: all_of(not_(m["false_report"]), m.definition("state_report_fresh")),
        lambda m: _reported(m) != m.variable("reported").init,
        "the service reported a state other than the one it started in",
        needs=("reported", "actual_state", "false_report", "state_report_fresh"),
        sources=(SET_SERVICE_STATUS, SERVICE_STATUS),
    ),
    Property(
        "pending_progress_within_wait_hint",
        "While a state is pending, each status report comes within the previous wait hint "
        "with a larger checkpoint, so the SCM never declares the service hung.",
        ("000.4", "000.5"),
        lambda m: not_(m["scm_hang"]),
        lambda m: any_of(_reported(m) == s for s in PENDING),
        "the service reported a pending state",
        needs=("scm_hang", "reported"),
        sources=(SERVICE_STATUS, MULTITHREADED),
    ),
    Property(
        "handler_returns_within_30s",
        f"The control handler returns within {HANDLER_LIMIT_S} seconds of being called.",
        ("003.6", "000.1"),
        # the limit is the timed rule's (model/windows/events.py), which judges code too
        lambda m: m["handler_elapsed"] <= time_units(m, TIMED_BY_ID["handler_returns_within_30s"].limit_ms / 1000),
        lambda m: read(m, "handler_called"),
        "the handler has been called",
        needs=("handler_elapsed", "handler_called"),
        sources=(HANDLER_EX, CONTROL_HANDLER),
    ),
    Property(
        "no_control_after_stop",
        "After the SCM sends SERVICE_CONTROL_STOP it sends no other control code.",
        ("003.4",),
        lambda m: not_(m["control_after_stop"]),
        lambda m: m["stop_sent"],
        "the SCM has sent STOP",
        needs=("control_after_stop", "stop_sent"),
        sources=(CONTROL_HANDLER, CONTROL_SERVICE),
    ),
    Property(
        "no_status_after_stopped",
        "After the service reports SERVICE_STOPPED it makes no further SetServiceStatus call, "
        "until the SCM starts it again.",
        ("000.3", "000.5"),
        lambda m: not_(m["status_after_stopped"]),
        lambda m: _reported(m) == SvcState.STOPPED,
        "the service reported STOPPED",
        needs=("status_after_stopped", "reported"),
        sources=(SET_SERVICE_STATUS, MULTITHREADED),
    ),
    Property(
        "no_exit_before_stopped",
        "The service process exits (ServiceMain returns and the process ends, or it crashes) only after "
        "the service has reported SERVICE_STOPPED.",
        ("000.3", "000.5"),
        lambda m: not_(m["exited_before_stopped"]),
        lambda m: m["process_exited"],
        "the service process exited",
        needs=("exited_before_stopped", "process_exited"),
        sources=(SERVICE_MAIN, SET_SERVICE_STATUS, MULTITHREADED),
    ),
    Property(
        "stop_reaches_stopped",
        "After the SCM sends an accepted SERVICE_CONTROL_STOP, the service eventually reports "
        "SERVICE_STOPPED (until the SCM starts it again).",
        ("000.3", "000.4", "000.5", "003.4"),
        witness=lambda m: m["stop_sent"],
        witness_doc="the SCM has sent STOP",
        kind="leads_to",
        trigger=lambda m: m["stop_sent"],
        # a machine that powered off under the service (system shutdown) ends its lifecycle too
        eventually=lambda m: any_of(_reported(m) == SvcState.STOPPED, optional(m, "powered_off")),
        needs=("stop_sent", "reported"),
        sources=(CONTROL_HANDLER, MULTITHREADED, CONTROL_SERVICE),
    ),
    Property(
        "start_reaches_running",
        "A service that reports START_PENDING eventually reports SERVICE_RUNNING or SERVICE_STOPPED.",
        ("000.4",),
        witness=lambda m: _reported(m) == SvcState.START_PENDING,
        witness_doc="the service reported START_PENDING",
        kind="leads_to",
        trigger=lambda m: _reported(m) == SvcState.START_PENDING,
        eventually=lambda m: any_of(_reported(m) == SvcState.RUNNING, _reported(m) == SvcState.STOPPED,
                                    optional(m, "powered_off")),
        needs=("reported",),
        sources=(SERVICE_STATUS, SET_SERVICE_STATUS),
    ),
    Property(
        "time_can_advance",
        "Model sanity: from every reachable state time can still pass; no state is a time-lock "
        "(a state where time stands still forever would cut off every later behaviour).",
        ("model sanity",),
        kind="time_lock",
        sources=(),
    ),
]
