"""Catalog entries for system shutdown (rules 003.7-003.12).

The entries read the per-service definitions of model/families/shutdown.py
(``exited[i]``, ``dependency_stopped[i]``, ``data_lost[i]``, ``budget_overrun[i]``,
``preshutdown_timed_out[i]``, ``preshutdown_settled[i]``, ``counted_stopped[i]``)
and the variables ``phase`` and ``svc[i]``; the number of services is the
``services`` parameter.  A user's shutdown model reuses an entry by defining
the same names.
"""

from __future__ import annotations

from scmcheck.model.lang.expr import Expr, all_of, any_of, implies, not_
from scmcheck.model.families.shutdown import Phase, Run
from scmcheck.model.lang.system import System

from .entry import Property


def _n(m: System) -> int:
    return int(m.parameters.get("services", 0))


def _each(m: System, name: str, needed_by: str) -> list[Expr]:
    return [m.definition(f"{name}[{i}]", needed_by) for i in range(_n(m))]


def _alive(m: System, i: int) -> Expr:
    return any_of(m[f"svc[{i}]"] == Run.RUNNING, m[f"svc[{i}]"] == Run.CLEANING)


PROPERTIES: list[Property] = [
    Property(
        "preshutdown_ends_by_stop_or_timeout",
        "System shutdown leaves the PRESHUTDOWN phase only when every service that got PRESHUTDOWN "
        "has stopped or its preshutdown timeout has expired.",
        ("003.7",),
        lambda m: implies(m["phase"] != Phase.PRESHUTDOWN,
                          all_of(_each(m, "preshutdown_settled", "preshutdown_ends_by_stop_or_timeout"))),
        lambda m: m["phase"] == Phase.SHUTDOWN,
        "shutdown reached the SHUTDOWN phase",
    ),
    Property(
        "preshutdown_service_stops_before_timeout",
        "A service that accepts PRESHUTDOWN stops before its preshutdown timeout, so it never holds "
        "system shutdown for the whole timeout.",
        ("003.7",),
        lambda m: not_(any_of(_each(m, "preshutdown_timed_out", "preshutdown_service_stops_before_timeout"))),
        lambda m: all_of(m["phase"] == Phase.SHUTDOWN, any_of(m[f"svc[{i}]"] == Run.STOPPED for i in range(_n(m)))),
        "shutdown reached the SHUTDOWN phase with a service already stopped",
    ),
    Property(
        "shutdown_budget_respected",
        "Every service that gets SHUTDOWN stops before the SCM stops waiting: about 20 s, extended by "
        "STOP_PENDING wait hints up to the cap (125 s, or WaitToKillServiceTimeout on restart).",
        ("003.8", "003.9"),
        lambda m: not_(any_of(_each(m, "budget_overrun", "shutdown_budget_respected"))),
        lambda m: all_of(m["phase"] != Phase.PRESHUTDOWN, all_of(_each(m, "exited", "shutdown_budget_respected"))),
        "every service has exited after shutdown began",
    ),
    Property(
        "no_service_outlives_its_dependency",
        "No service is still running while a service it depends on has already stopped.",
        ("003.11", "003.12"),
        lambda m: all_of(implies(_alive(m, i), not_(d))
                         for i, d in enumerate(_each(m, "dependency_stopped", "no_service_outlives_its_dependency"))),
        lambda m: all_of(_each(m, "exited", "no_service_outlives_its_dependency")),
        "every service has exited",
    ),
    Property(
        "no_service_fails_for_lack_of_dependency",
        "No service fails at shutdown because a service it depends on has already stopped.",
        ("003.11", "003.12"),
        lambda m: not_(any_of(_each(m, "failed_for_dependency", "no_service_fails_for_lack_of_dependency"))),
        lambda m: all_of(_each(m, "exited", "no_service_fails_for_lack_of_dependency")),
        "every service has exited",
    ),
    Property(
        "no_data_loss_at_shutdown",
        "No service is killed (power-off, restart, a failing UPS) or fails before it has saved its data.",
        ("003.10", "003.8"),
        lambda m: not_(any_of(_each(m, "data_lost", "no_data_loss_at_shutdown"))),
        lambda m: all_of(m["phase"] != Phase.PRESHUTDOWN, all_of(_each(m, "exited", "no_data_loss_at_shutdown"))),
        "every service has exited after shutdown began",
    ),
    Property(
        "shutdown_does_not_claim_running_services_stopped",
        "When the system is left in its shut-down state, a service still running is not counted as stopped.",
        ("003.8",),
        lambda m: implies(m["phase"] == Phase.HALTED,
                          all_of(implies(c, e) for c, e in
                                 zip(_each(m, "counted_stopped", "shutdown_does_not_claim_running_services_stopped"),
                                     _each(m, "exited", "shutdown_does_not_claim_running_services_stopped")))),
        lambda m: all_of(any_of(m["phase"] == Phase.HALTED, m["phase"] == Phase.OFF),
                         any_of(_each(m, "counted_stopped", "shutdown_does_not_claim_running_services_stopped"))),
        "shutdown completed with a service counted as stopped",
    ),
]
