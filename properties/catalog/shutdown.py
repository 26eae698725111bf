"""Catalog entries for system shutdown (rules 003.7-003.12).

The entries read families of definitions of model/families/shutdown.py, each
indexed from 0 over the services it concerns and present only where its
subject exists: ``exited[i]`` and ``data_lost[i]`` (every service),
``budget_overrun[k]`` (services that get SHUTDOWN), ``preshutdown_received[k]``,
``preshutdown_timed_out[k]``, ``preshutdown_settled[k]`` (services that get
PRESHUTDOWN), ``outlives_dependency[k]``, ``failed_for_dependency[k]``
(services with a dependency), ``counted_stopped[i]`` (a system left in its
shut-down state), and the variable ``phase``.  A user's shutdown model reuses
an entry by defining the same names.

Microsoft pages: "Service control handler function" (SERVICE_CONTROL_PRESHUTDOWN,
SERVICE_CONTROL_SHUTDOWN), SERVICE_PRESHUTDOWN_INFO, ChangeServiceConfig2.
"""

from __future__ import annotations

from scmcheck.model.families.shutdown import Phase
from scmcheck.model.lang.expr import all_of, any_of, implies, not_

from .entry import Property, each
from .service import CONTROL_HANDLER

PRESHUTDOWN_INFO = "https://learn.microsoft.com/windows/win32/api/winsvc/ns-winsvc-service_preshutdown_info"
CHANGE_CONFIG2 = "https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-changeserviceconfig2w"


def _after_preshutdown(m):  # noqa: ANN001, ANN202
    return any_of(m["phase"] == Phase.SHUTDOWN, m["phase"] == Phase.OFF, m["phase"] == Phase.HALTED)


def _all_exited(m):  # noqa: ANN001, ANN202
    return all_of(each(m, "exited"))


PROPERTIES: list[Property] = [
    Property(
        "preshutdown_ends_by_stop_or_timeout",
        "System shutdown leaves the PRESHUTDOWN phase only when every service that got PRESHUTDOWN "
        "has stopped or its preshutdown timeout has expired.",
        ("003.7",),
        lambda m: implies(_after_preshutdown(m), all_of(each(m, "preshutdown_settled"))),
        lambda m: any_of(each(m, "preshutdown_received")),
        "a service received PRESHUTDOWN",
        needs=("phase", "preshutdown_settled[i]", "preshutdown_received[i]"),
        sources=(CONTROL_HANDLER, PRESHUTDOWN_INFO),
    ),
    Property(
        "preshutdown_service_stops_before_timeout",
        "A service that accepts PRESHUTDOWN stops before its preshutdown timeout, so it never holds "
        "system shutdown for the whole timeout.",
        ("003.7",),
        lambda m: not_(any_of(each(m, "preshutdown_timed_out"))),
        lambda m: any_of(each(m, "preshutdown_received")),
        "a service received PRESHUTDOWN",
        needs=("preshutdown_timed_out[i]", "preshutdown_received[i]"),
        sources=(CONTROL_HANDLER, PRESHUTDOWN_INFO, CHANGE_CONFIG2),
    ),
    Property(
        "shutdown_budget_respected",
        "Every service that gets SHUTDOWN stops before the SCM stops waiting: WaitToKillServiceTimeout "
        "(about 20 s by default); STOP_PENDING wait hints do not extend it at system shutdown.",
        ("003.8", "003.9"),
        lambda m: not_(any_of(each(m, "budget_overrun"))),
        lambda m: all_of(_after_preshutdown(m), _all_exited(m)),
        "every service has exited after shutdown began",
        needs=("phase", "budget_overrun[i]", "exited[i]"),
        sources=(CONTROL_HANDLER,),
    ),
    Property(
        "no_service_outlives_its_dependency",
        "No service is still running while a service it depends on has already stopped.",
        ("003.11", "003.12"),
        lambda m: not_(any_of(each(m, "outlives_dependency"))),
        _all_exited,
        "every service has exited",
        needs=("outlives_dependency[i]", "exited[i]"),
        sources=(CONTROL_HANDLER,),
    ),
    Property(
        "no_service_fails_for_lack_of_dependency",
        "No service fails at shutdown because a service it depends on has already stopped.",
        ("003.11", "003.12"),
        lambda m: not_(any_of(each(m, "failed_for_dependency"))),
        _all_exited,
        "every service has exited",
        needs=("failed_for_dependency[i]", "exited[i]"),
        sources=(CONTROL_HANDLER,),
    ),
    Property(
        "no_data_loss_at_shutdown",
        "No service is killed (power-off, restart, a failing UPS) or fails before it has saved its data.",
        ("003.10", "003.8"),
        lambda m: not_(any_of(each(m, "data_lost"))),
        lambda m: all_of(_after_preshutdown(m), _all_exited(m)),
        "every service has exited after shutdown began",
        needs=("phase", "data_lost[i]", "exited[i]"),
        sources=(CONTROL_HANDLER,),
    ),
    Property(
        "shutdown_does_not_claim_running_services_stopped",
        "When the system is left in its shut-down state, a service still running is not counted as stopped.",
        ("003.8",),
        lambda m: implies(m["phase"] == Phase.HALTED,
                          all_of(implies(c, e) for c, e in zip(each(m, "counted_stopped"), each(m, "exited")))),
        lambda m: m["phase"] == Phase.HALTED,
        "the system was left in its shut-down state",
        needs=("phase", "counted_stopped[i]", "exited[i]"),
        sources=(CONTROL_HANDLER,),
    ),
    Property(
        "shutdown_completes",
        "System shutdown eventually proceeds: the machine powers off, restarts or is left in its "
        "shut-down state, however the services behave.",
        ("003.7", "003.8", "003.9"),
        witness=lambda m: m["phase"] == Phase.SHUTDOWN,
        witness_doc="shutdown reached the SHUTDOWN phase",
        kind="leads_to",
        trigger=lambda m: m["phase"] != Phase.UP,
        eventually=lambda m: any_of(m["phase"] == Phase.OFF, m["phase"] == Phase.HALTED),
        needs=("phase", "exited[i]"),
        sources=(CONTROL_HANDLER, PRESHUTDOWN_INFO),
    ),
]
