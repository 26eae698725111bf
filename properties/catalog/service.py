"""Catalog entries for the service stop protocol (rules 000.1-000.5, 003.4, 003.6)."""

from __future__ import annotations

from scmcheck.model.lang.expr import Expr, all_of, any_of, not_
from scmcheck.model.windows.scm import HANDLER_LIMIT_S, PENDING, SvcState
from scmcheck.model.lang.system import System

from .entry import Property


def _reported(m: System) -> Expr:
    return m["reported"]


def _units(m: System, seconds: int) -> int:
    return seconds // int(m.time_unit or 1)


PROPERTIES: list[Property] = [
    Property(
        "stopped_only_after_threads_exit",
        "SERVICE_STOPPED is reported only after every thread of the service has exited.",
        ("000.3", "000.5"),
        lambda m: any_of(_reported(m) != SvcState.STOPPED, m.definition("all_threads_exited", "stopped_only_after_threads_exit")),
        lambda m: all_of(_reported(m) == SvcState.STOPPED, m["stop_sent"]),
        "the service reported STOPPED after a STOP",
    ),
    Property(
        "reported_state_matches_actual",
        "The state last reported to the SCM is the state the service is really in.",
        ("000.2",),
        lambda m: _reported(m) == m.definition("actual_state", "reported_state_matches_actual"),
        lambda m: _reported(m) == SvcState.STOP_PENDING,
        "the service is stopping and says so",
    ),
    Property(
        "pending_progress_within_wait_hint",
        "While a state is pending, each status report comes within the previous wait hint "
        "with a larger checkpoint, so the SCM never declares the service hung.",
        ("000.4", "000.5"),
        lambda m: not_(m["scm_hang"]),
        lambda m: all_of(any_of(_reported(m) == s for s in PENDING), m["checkpoint"] >= 2),
        "a pending state reported progress at least once",
    ),
    Property(
        "handler_returns_within_30s",
        f"The control handler returns within {HANDLER_LIMIT_S} seconds of being called.",
        ("003.6", "000.1"),
        lambda m: m["handler_elapsed"] <= _units(m, HANDLER_LIMIT_S),
        lambda m: m.definition("stop_begun", "handler_returns_within_30s"),
        "the handler has taken a STOP control",
    ),
    Property(
        "no_control_after_stop",
        "After the SCM sends SERVICE_CONTROL_STOP it sends no other control code.",
        ("003.4",),
        lambda m: not_(m["control_after_stop"]),
        lambda m: m["stop_sent"],
        "the SCM has sent STOP",
    ),
]

