"""Catalog entries for the service control handler (rules 003.2-003.6).

The entries read a model through the variables of
:class:`scmcheck.model.service_api.ServiceModel` (``state``, ``reported``,
``stop_delivered``, ``handler_called`` and the monitors), so every design built
on that API -- the built-in ``controls`` family and users' own -- is checked by
the same entries.  The entries of properties/catalog/service.py apply to those
designs as well.

Microsoft pages: HandlerEx (what a handler must do and return), ControlService
(what the SCM sends in each state), SetServiceStatus and SERVICE_STATUS.
"""

from __future__ import annotations

from scmcheck.model.lang.expr import all_of, not_
from scmcheck.model.lang.system import System
from scmcheck.model.windows.events import TIMED_BY_ID
from scmcheck.model.windows.scm import Control

from .entry import Property, time_units
from .service import CONTROL_HANDLER, CONTROL_SERVICE, HANDLER_EX, SERVICE_STATUS, SET_SERVICE_STATUS



PROPERTIES: list[Property] = [
    Property(
        "only_accepted_controls_delivered",
        "The handler is given only control codes that ControlService lets the SCM send for the service's "
        "last status report: nothing to a stopped or stop-pending service, only an accepted STOP while "
        "START_PENDING, otherwise accepted codes and INTERROGATE.  A code sent while accepted and withdrawn "
        "before the handler runs is the SCM's race, not the service's fault.",
        ("003.3",),
        lambda m: not_(m["delivered_unaccepted"]),
        lambda m: m["handler_called"],
        "the handler has been called",
        needs=("delivered_unaccepted", "handler_called"),
        sources=(CONTROL_SERVICE, HANDLER_EX),
    ),
    Property(
        "interrogate_always_answered",
        "Every SERVICE_CONTROL_INTERROGATE is handled: the handler returns NO_ERROR (a status report is "
        "not required, 003.2).",
        ("003.3",),
        lambda m: not_(m["interrogate_unanswered"]),
        lambda m: m["control"] == Control.INTERROGATE,
        "an INTERROGATE is queued for the handler",
        needs=("interrogate_unanswered", "control"),
        sources=(HANDLER_EX, CONTROL_HANDLER),
    ),
    Property(
        "interrogate_reports_current_state",
        "Handling INTERROGATE changes no state, and a status reported while handling it is the state "
        "the service is really in.",
        ("003.3", "000.2"),
        lambda m: not_(m["interrogate_wrong"]),
        lambda m: m["control"] == Control.INTERROGATE,
        "an INTERROGATE is queued for the handler",
        needs=("interrogate_wrong", "control"),
        sources=(HANDLER_EX, SET_SERVICE_STATUS),
    ),
    Property(
        "state_change_reported_by_handler",
        "When handling a control changes the service's state, SetServiceStatus reports the new state "
        "before the handler returns.",
        ("003.2",),
        lambda m: not_(m["change_unreported"]),
        lambda m: m["handler_called"],
        "the handler has been called",
        needs=("change_unreported", "handler_called"),
        sources=(HANDLER_EX, SET_SERVICE_STATUS),
    ),
    Property(
        "stop_accepted_leads_to_stop_pending",
        "After the handler takes an accepted SERVICE_CONTROL_STOP, the service reports STOP_PENDING or "
        "STOPPED within the handler's 30 s, from any thread (the hand-off of Go's x/sys/svc and .NET's "
        "ServiceBase is correct), and never reports RUNNING or PAUSED again.",
        ("003.4", "003.6"),
        # the 30 s and "never RUNNING again" are the rules of model/windows/events.py, which judge code too
        lambda m: all_of(m["stop_unacked"] <= time_units(m, TIMED_BY_ID["stop_accepted_leads_to_stop_pending"].limit_ms
                                                           / 1000),
                         not_(m["resumed_after_stop"])),
        lambda m: m["stop_delivered"],
        "the handler has taken a STOP",
        needs=("stop_unacked", "resumed_after_stop", "stop_delivered"),
        sources=(HANDLER_EX, CONTROL_HANDLER, SERVICE_STATUS),
    ),
]

