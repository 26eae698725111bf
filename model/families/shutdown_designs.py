"""The system-shutdown family: its knobs and the built-in designs (rules 003.7-003.12)."""

from __future__ import annotations

from typing import Any, Mapping

from . import shutdown
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError
from ..windows.profiles import profile


def _check(p: Mapping[str, Any]) -> None:
    # report_every_s > wait_hint_s is allowed: reports too slow for the hint are a design mistake the
    # checker finds (pending_progress_within_wait_hint), not bad input.
    if p["order"] == "preshutdown_order" and p["preshutdown"] != "none":
        raise InputError("order = preshutdown_order already sends PRESHUTDOWN to every service; "
                         "leave preshutdown = none")
    prof = profile(p["windows"])
    uses_pre = p["order"] == "preshutdown_order" or p["preshutdown"] != "none"
    if uses_pre and not prof.has_preshutdown:
        raise InputError(f"windows = {p['windows']}: SERVICE_CONTROL_PRESHUTDOWN exists from Windows Vista on "
                         "(SERVICE_PRESHUTDOWN_INFO); use windows = vista or 10-1703, or preshutdown = none")
    if p["preshutdown_timeout_ms"] is not None and not uses_pre:
        raise InputError("preshutdown_timeout_ms only matters when a service accepts PRESHUTDOWN "
                         "(preshutdown or order = preshutdown_order)")
    if p["shutdown_unaccepted"] > p["services"]:
        raise InputError(f"shutdown_unaccepted = {p['shutdown_unaccepted']} exceeds services = {p['services']}; "
                         "give at most the number of services")
    if p["claims"] != "reported" and p["end"] != "stay":
        raise InputError("claims only matters when end = stay (the machine stays in its shut-down state)")


SHUTDOWN = Family(
    name="shutdown",
    doc="System shutdown with M services: PRESHUTDOWN, SHUTDOWN in database order, budgets, dependency order, "
        "data saving, UPS (003.7-003.12)",
    knobs=(
        Knob("services", 2, "number of services (database order = index order)", 1, 6),
        Knob("depends", False, "service i depends on service i-1 (003.11)"),
        Knob("order", "database", "database: the SCM ignores dependencies (003.11); preshutdown_order: "
                                  "PreshutdownOrder lists every service, dependents first (003.12)",
             choices=("database", "preshutdown_order")),
        Knob("preshutdown", "none", "the last service accepts PRESHUTDOWN: none, stops (cleans up and stops), "
                                    "never_stops (003.7)", choices=("none", "stops", "never_stops")),
        Knob("windows", "10-1703", "the Windows version whose documented defaults apply "
                                   "(model/windows/profiles.py)", choices=("xp", "2003", "vista", "10-1703")),
        Knob("preshutdown_timeout_ms", None, "preshutdown timeout set with ChangeServiceConfig2, ms "
                                             "(default: the profile's, 10,000 from Windows 10 1703, 180,000 before)",
             1, 600_000),
        Knob("save", "periodic", "periodic: save periodically and flush only the remainder at shutdown; "
                                 "at_shutdown: save everything at shutdown (003.10)",
             choices=("periodic", "at_shutdown")),
        Knob("cleanup_s", 10, "seconds to flush the unsaved remainder", 0, 600),
        Knob("backlog_s", 50, "extra seconds to save everything at shutdown (save = at_shutdown)", 0, 180),
        Knob("progress_reports", True, "STOP_PENDING reports with a wait hint during cleanup (003.9)"),
        Knob("wait_hint_s", 20, "dwWaitHint of those reports, seconds", 0.001, 600),
        Knob("report_every_s", 10, "seconds between progress reports", 0.001, 600),
        Knob("wait_to_kill_ms", None, "WaitToKillServiceTimeout, ms: how long the SCM waits at system "
                                      "shutdown, wait hints included (default 20,000, 003.8, 003.9)", 1, 600_000),
        Knob("shutdown_unaccepted", 0, "per service: the last k services never set SERVICE_ACCEPT_SHUTDOWN, get no "
                                       "SHUTDOWN and are killed at power-off (003.8); PRESHUTDOWN is the "
                                       "preshutdown/order knobs' (last service, or every service)", 0, 6),
        Knob("power_deadline_s", 0, "UPS: the machine goes off this many seconds after shutdown began "
                                    "(0: mains power) (003.10)", 0, 180),
        Knob("end", "power_off", "power_off: the machine powers off or restarts; stay: it is left in its "
                                 "shut-down state and services keep running (003.8)",
             choices=("power_off", "stay")),
        Knob("claims", "reported", "what counts as stopped: reported (SERVICE_STOPPED or killed); "
                                   "timeout_is_stopped (a wrong model: past the budget = stopped)",
             choices=("reported", "timeout_is_stopped")),
    ),
    build=shutdown.build,
    properties=shutdown.CHECKED_AGAINST,
    check=_check,
)

FAMILIES = [SHUTDOWN]

_SLOW = {"save": "at_shutdown"}  # 10 s + 50 s backlog = 60 s of cleanup

DESIGNS = [
    Design("shutdown-correct", SHUTDOWN, {}, (),
           "independent services save periodically and flush 10 s at shutdown with STOP_PENDING reports (003.8-003.10)"),
    Design("shutdown-dependency-no-order", SHUTDOWN, {"depends": True, "order": "database"},
           ("no_service_outlives_its_dependency", "no_service_fails_for_lack_of_dependency",
            "no_data_loss_at_shutdown"),
           "service 1 depends on service 0; the default SCM sends SHUTDOWN in database order without waiting, "
           "so service 0 can stop first and service 1 then fails with its data unsaved (003.11)",
           fixed=("depends", "order")),
    Design("shutdown-dependency-preshutdown-order", SHUTDOWN, {"depends": True, "order": "preshutdown_order"}, (),
           "the same dependency with PreshutdownOrder listing dependents first; the SCM waits for each (003.12)",
           fixed=("depends", "order")),
    Design("shutdown-slow-no-progress", SHUTDOWN, {**_SLOW, "progress_reports": False},
           ("shutdown_budget_respected", "no_data_loss_at_shutdown"),
           "60 s of cleanup with no STOP_PENDING reports: the SCM waits 20 s, then the machine goes off "
           "(003.8, 003.9, 003.10)",
           fixed=("save", "progress_reports")),
    Design("shutdown-slow-with-progress", SHUTDOWN, {**_SLOW, "progress_reports": True},
           ("shutdown_budget_respected", "no_data_loss_at_shutdown"),
           "60 s of cleanup with a STOP_PENDING report every 10 s: at system shutdown wait hints do not extend "
           "the wait past WaitToKillServiceTimeout (20 s by default); the 125 s cap is the snap-in's (003.9)",
           fixed=("save", "progress_reports")),
    Design("shutdown-slow-raised-wait-to-kill", SHUTDOWN,
           {**_SLOW, "progress_reports": True, "wait_to_kill_ms": 90_000}, (),
           "the same 60 s of cleanup on a machine whose administrator set WaitToKillServiceTimeout to 90,000 ms: "
           "it fits (003.9; a service must not raise the value itself)",
           fixed=("save", "progress_reports", "wait_to_kill_ms")),
    Design("shutdown-service-ignores-shutdown", SHUTDOWN, {"shutdown_unaccepted": 1}, ("no_data_loss_at_shutdown",),
           "the last service does not accept SHUTDOWN: it gets no chance to flush and is killed at power-off "
           "with its data (003.8, 003.10)", fixed=("shutdown_unaccepted",)),
    Design("shutdown-preshutdown-stops", SHUTDOWN, {"preshutdown": "stops"}, (),
           "the last service accepts PRESHUTDOWN, cleans up and stops within its timeout (003.7)",
           fixed=("preshutdown",)),
    Design("shutdown-preshutdown-never-stops", SHUTDOWN, {"preshutdown": "never_stops"},
           ("preshutdown_service_stops_before_timeout", "no_data_loss_at_shutdown"),
           "the PRESHUTDOWN service never stops: it holds shutdown for the whole timeout and is killed "
           "at power-off (003.7)",
           fixed=("preshutdown",)),
    Design("shutdown-save-all-on-ups", SHUTDOWN, {**_SLOW, "power_deadline_s": 40},
           ("no_data_loss_at_shutdown", "shutdown_budget_respected"),
           "on UPS power with 40 s left, services that save everything at shutdown (60 s) lose data, and "
           "overrun WaitToKillServiceTimeout besides (003.8, 003.10)",
           fixed=("save", "power_deadline_s")),
    Design("shutdown-save-periodic-on-ups", SHUTDOWN, {"save": "periodic", "power_deadline_s": 40}, (),
           "on UPS power with 40 s left, services that saved periodically flush 10 s and finish (003.10)",
           fixed=("save", "power_deadline_s")),
    Design("shutdown-stay-keeps-running", SHUTDOWN, {**_SLOW, "progress_reports": False, "end": "stay"},
           ("shutdown_budget_respected",),
           "left in the shut-down state: services past their 20 s budget keep running and finish later (003.8)",
           fixed=("save", "progress_reports", "end")),
    Design("shutdown-stay-claims-stopped", SHUTDOWN,
           {**_SLOW, "progress_reports": False, "end": "stay", "claims": "timeout_is_stopped"},
           ("shutdown_budget_respected", "shutdown_does_not_claim_running_services_stopped"),
           "a model that counts a service past its budget as stopped, though the system stays up and the "
           "service keeps running (003.8)",
           fixed=("save", "progress_reports", "end", "claims")),
]
