"""The control-handler family: its knobs and the built-in designs (rules 003.1-003.6)."""

from __future__ import annotations

from typing import Any, Mapping

from . import controls
from ..lang.designs import Design, Family, Knob
from ..lang.errors import InputError


def _check(p: Mapping[str, Any]) -> None:
    # report_every_s > wait_hint_s is allowed: reports too slow for the hint are a design mistake the
    # checker finds (pending_progress_within_wait_hint), not bad input.
    if p["handler"] == "inline" and p["stop_reply"] == "ignore":
        raise InputError("handler = inline and stop_reply = ignore contradict each other: "
                         "an ignored STOP runs no stop work; pick one")


CONTROLS = Family(
    name="controls",
    doc="One service and every control code: handler, ServiceMain, SCM (003.1-003.6, 000.2, 000.4)",
    knobs=(
        Knob("windows", "10-1703", "the Windows version (model/windows/profiles.py): xp (before SP2) keeps sending "
                                   "controls after STOP to a service that still reports RUNNING (003.5)",
             choices=("xp", "2003", "vista", "10-1703")),
        Knob("handler", "thread", "thread: the handler signals ServiceMain and returns; "
                                  "inline: the handler does the stop work itself (003.6)",
             choices=("thread", "inline")),
        Knob("stop_reply", "stop_pending", "stop_pending: STOP -> STOP_PENDING; ignore: the handler returns "
                                           "NO_ERROR and the service keeps running (003.4)",
             choices=("stop_pending", "ignore")),
        Knob("interrogate", "report", "report: answer the current status; ignore: INTERROGATE not handled; "
                                      "stale: answer from a status struct the pause path does not update (003.3)",
             choices=("report", "ignore", "stale")),
        Knob("report_changes", True, "the pause/continue path calls SetServiceStatus with each new state (003.2)"),
        Knob("self_stop", False, "ServiceMain may stop on its own, withdrawing the accepted controls "
                                 "from its own thread (003.3)"),
        Knob("progress_reports", True, "START_PENDING/STOP_PENDING progress reports (000.4)"),
        Knob("start_work_s", 20, "seconds of initialisation in START_PENDING", 0, 600),
        Knob("stop_work_s", 20, "seconds of stop work in STOP_PENDING", 0, 600),
        Knob("wait_hint_s", 20, "dwWaitHint of pending reports, seconds", 0.001, 600),
        Knob("report_every_s", 10, "seconds between progress reports", 0.001, 600),
        Knob("device_events", True, "ServiceMain calls RegisterDeviceNotification when it starts running"),
        Knob("user_controls", True, "the SCM may send a user-defined control code (128-255)"),
    ),
    build=controls.build,
    properties=controls.CHECKED_AGAINST,
    check=_check,
)

FAMILIES = [CONTROLS]

DESIGNS = [
    Design("controls-correct", CONTROLS, {}, (),
           "start-up with START_PENDING progress; every control handled on the dispatcher thread, state changes "
           "reported in the same step, INTERROGATE answered with the current status, STOP signals ServiceMain "
           "and returns (003.2-003.6)"),
    Design("controls-correct-xp-scm", CONTROLS, {"windows": "xp"}, (),
           "the correct service under the pre-XP-SP2 SCM: it leaves RUNNING on STOP, so it gets nothing more (003.5)",
           fixed=("windows",)),
    Design("controls-stop-work-in-handler", CONTROLS, {"handler": "inline", "stop_work_s": 60},
           ("handler_returns_within_30s",),
           "the handler does 60 s of stop work on the dispatcher thread before returning (003.6)",
           fixed=("handler", "stop_work_s")),
    # User codes and device events play no part here; without them random search reaches the
    # pause/INTERROGATE interleaving that makes the SCM declare a hang far sooner.
    Design("controls-pause-unreported", CONTROLS, {"report_changes": False, "user_controls": False,
                                                   "device_events": False},
           ("state_change_reported_by_handler", "reported_state_matches_actual", "pending_progress_within_wait_hint"),
           "PAUSE/CONTINUE change the service's state without SetServiceStatus (003.2); an INTERROGATE during "
           "the pause then tells the SCM PAUSE_PENDING, which never progresses (000.4)",
           fixed=("report_changes",)),
    Design("controls-ignores-interrogate", CONTROLS, {"interrogate": "ignore"},
           ("interrogate_always_answered",),
           "the handler does not handle SERVICE_CONTROL_INTERROGATE (003.3)",
           fixed=("interrogate",)),
    Design("controls-stale-interrogate-when-paused", CONTROLS, {"interrogate": "stale"},
           ("interrogate_reports_current_state", "reported_state_matches_actual"),
           "the pause path reports PAUSED from a local struct; INTERROGATE answers from the global one, "
           "still RUNNING (003.3, 000.2)",
           fixed=("interrogate",)),
    # These two may still stop on a fatal error (self_stop), so that SERVICE_STOPPED is reachable and
    # no entry about it is vacuous; the runs without the error show the bug.
    Design("controls-ignores-stop", CONTROLS, {"stop_reply": "ignore", "windows": "2003", "self_stop": True},
           ("stop_accepted_leads_to_stop_pending", "stop_reaches_stopped"),
           "STOP is accepted but the handler returns NO_ERROR and the service keeps running (it stops only "
           "if a fatal error strikes); the post-SP2 SCM sends it nothing more (003.4, 003.5)",
           fixed=("stop_reply", "windows")),
    Design("controls-ignores-stop-xp", CONTROLS, {"stop_reply": "ignore", "windows": "xp", "self_stop": True},
           ("stop_accepted_leads_to_stop_pending", "no_control_after_stop", "stop_reaches_stopped"),
           "the same service under the pre-SP2 SCM: it keeps running, so it keeps receiving controls "
           "after STOP (003.4, 003.5)",
           fixed=("stop_reply", "windows")),
    Design("controls-no-start-progress", CONTROLS, {"progress_reports": False, "start_work_s": 60},
           ("pending_progress_within_wait_hint",),
           "60 s of initialisation with a 20 s wait hint and no further START_PENDING report (000.4)",
           fixed=("progress_reports", "start_work_s")),
    Design("controls-self-stop-races-control", CONTROLS, {"self_stop": True}, (),
           "ServiceMain stops on its own (a fatal error) and withdraws the accepted controls from its own "
           "thread while a control the SCM sent earlier may still be queued for the handler.  Correct: the "
           "SCM sent that control while it was accepted (ControlService), and the late delivery is the SCM's "
           "race, not the service's fault (003.3).  Earlier versions of scmcheck flagged it.",
           fixed=("self_stop",)),
]
