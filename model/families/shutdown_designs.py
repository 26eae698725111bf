"""The system-shutdown family: its knobs and the built-in designs (rules 003.7-003.12)."""

from __future__ import annotations

from typing import Any, Mapping

from . import shutdown
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError


def _check(p: Mapping[str, Any]) -> None:
    if p["report_every_s"] > p["wait_hint_s"]:
        raise InputError(f"report_every_s = {p['report_every_s']} exceeds wait_hint_s = {p['wait_hint_s']}: "
                         "progress reports could never arrive within the hint; make report_every_s <= wait_hint_s")
    if p["order"] == "preshutdown_order" and p["preshutdown"] != "none":
        raise InputError("order = preshutdown_order already sends PRESHUTDOWN to every service; "
                         "leave preshutdown = none")
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
        Knob("preshutdown_timeout_s", 30, "preshutdown timeout set with ChangeServiceConfig2, seconds", 10, 180,
             multiple_of=10),
        Knob("save", "periodic", "periodic: save periodically and flush only the remainder at shutdown; "
                                 "at_shutdown: save everything at shutdown (003.10)",
             choices=("periodic", "at_shutdown")),
        Knob("cleanup_s", 10, "seconds to flush the unsaved remainder", 0, 60, multiple_of=10),
        Knob("backlog_s", 50, "extra seconds to save everything at shutdown (save = at_shutdown)", 0, 180,
             multiple_of=10),
        Knob("progress_reports", True, "STOP_PENDING reports with a wait hint during cleanup (003.9)"),
        Knob("wait_hint_s", 20, "dwWaitHint of those reports, seconds", 10, 120, multiple_of=10),
        Knob("report_every_s", 10, "seconds between progress reports", 10, 120, multiple_of=10),
        Knob("budget_s", 20, "default time the SCM waits for a service at shutdown, seconds (about 20, 003.8)",
             10, 60, multiple_of=10),
        Knob("cap_s", shutdown.CAP_SNAPIN_S, "the cap on the wait, seconds: 125 through the services snap-in, "
                                             "the WaitToKillServiceTimeout value when the OS restarts (003.9)",
             10, 600, multiple_of=5),
        Knob("power_deadline_s", 0, "UPS: the machine goes off this many seconds after shutdown began "
                                    "(0: mains power) (003.10)", 0, 180, multiple_of=10),
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
    Design("shutdown-slow-with-progress", SHUTDOWN, {**_SLOW, "progress_reports": True}, (),
           "60 s of cleanup with a STOP_PENDING report every 10 s (wait hint 20 s): within the 125 s cap (003.9)",
           fixed=("save", "progress_reports")),
    Design("shutdown-beyond-cap", SHUTDOWN, {"save": "at_shutdown", "backlog_s": 130, "cap_s": 125},
           ("shutdown_budget_respected", "no_data_loss_at_shutdown"),
           "140 s of cleanup with progress reports: the 125 s cap cuts it off (003.9)",
           fixed=("save", "backlog_s", "cap_s")),
    Design("shutdown-restart-short-wait-to-kill", SHUTDOWN, {**_SLOW, "cap_s": 20},
           ("shutdown_budget_respected", "no_data_loss_at_shutdown"),
           "the OS restarts with WaitToKillServiceTimeout = 20 s: 60 s of cleanup is cut off despite "
           "progress reports (003.9)",
           fixed=("save", "cap_s")),
    Design("shutdown-preshutdown-stops", SHUTDOWN, {"preshutdown": "stops"}, (),
           "the last service accepts PRESHUTDOWN, cleans up and stops within its timeout (003.7)",
           fixed=("preshutdown",)),
    Design("shutdown-preshutdown-never-stops", SHUTDOWN, {"preshutdown": "never_stops"},
           ("preshutdown_service_stops_before_timeout", "no_data_loss_at_shutdown"),
           "the PRESHUTDOWN service never stops: it holds shutdown for the whole timeout and is killed "
           "at power-off (003.7)",
           fixed=("preshutdown",)),
    Design("shutdown-save-all-on-ups", SHUTDOWN, {**_SLOW, "power_deadline_s": 40},
           ("no_data_loss_at_shutdown",),
           "on UPS power with 40 s left, services that save everything at shutdown (60 s) lose data (003.10)",
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
