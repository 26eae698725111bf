"""Catalog entries for the service control handler (rules 003.2-003.6).

The entries read a model through the variables of
:class:`scmcheck.model.service_api.ServiceModel` (``state``, ``reported``,
``stop_delivered`` and the monitors), so every design built on that API --
the built-in ``controls`` family and users' own -- is checked by the same
entries.  ``no_control_after_stop``, ``handler_returns_within_30s``,
``pending_progress_within_wait_hint`` and ``reported_state_matches_actual``
(properties/catalog/service.py) apply to those designs as well.
"""

from __future__ import annotations

from scmcheck.model.lang.expr import all_of, any_of, not_
from scmcheck.model.windows.scm import Control, SvcState
from scmcheck.model.lang.system import System

from .entry import Property


def _paused(m: System):
    return m["state"] == SvcState.PAUSED


PROPERTIES: list[Property] = [
    Property(
        "only_accepted_controls_delivered",
        "The handler is given only control codes the service's last status report accepts "
        "(INTERROGATE and user codes always; DEVICEEVENT only after RegisterDeviceNotification).",
        ("003.3",),
        lambda m: not_(m["delivered_unaccepted"]),
        lambda m: all_of(m["state"] == SvcState.PAUSE_PENDING),
        "a PAUSE accepted by the last report reached the handler",
    ),
    Property(
        "interrogate_always_answered",
        "Every SERVICE_CONTROL_INTERROGATE is handled: the handler answers with the service's status.",
        ("003.3",),
        lambda m: not_(m["interrogate_unanswered"]),
        lambda m: all_of(m["control"] == Control.INTERROGATE, m["state"] == SvcState.RUNNING),
        "an INTERROGATE is queued for a running service",
    ),
    Property(
        "interrogate_reports_current_state",
        "An INTERROGATE answer is the state the service is really in, and handling it changes no state.",
        ("003.3", "000.2"),
        lambda m: not_(m["interrogate_wrong"]),
        lambda m: all_of(_paused(m), m["control"] == Control.INTERROGATE),
        "an INTERROGATE is queued for a paused service",
    ),
    Property(
        "state_change_reported_by_handler",
        "When handling a control changes the service's state, SetServiceStatus reports the new state "
        "before the handler returns.",
        ("003.2",),
        lambda m: not_(m["change_unreported"]),
        lambda m: any_of(_paused(m), m["state"] == SvcState.PAUSE_PENDING),
        "a PAUSE changed the service's state",
    ),
    Property(
        "stop_accepted_leads_to_stop_pending",
        "Once the handler has taken an accepted SERVICE_CONTROL_STOP, the service is STOP_PENDING or STOPPED.",
        ("003.4",),
        lambda m: any_of(not_(m["stop_delivered"]), m["state"] == SvcState.STOP_PENDING,
                         m["state"] == SvcState.STOPPED),
        lambda m: all_of(m["stop_delivered"], m["state"] == SvcState.STOPPED),
        "the service stopped after a STOP",
    ),
]
