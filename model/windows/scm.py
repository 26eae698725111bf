"""The SCM side of a service model: states, controls, status reports, time.

Shared by the built-in service models and by users' own designs, so that a
design supplies only its own handler/ServiceMain/worker steps.  Rule numbers
refer to ``properties/rules.py``.
"""

from __future__ import annotations

import enum
from typing import Any

from ..lang.clock import MS, Clock, ms
from ..lang.expr import Expr, all_of, any_of, implies, ite, min_, substitute
from ..lang.system import System
from .events import TIMED_BY_ID, model_view, time_it, watch

# Durations are whole milliseconds (model/lang/clock.py); the documented numbers are given in
# seconds here and converted with clock.ms.
HANDLER_LIMIT_S = 30  # 003.6: the handler must return within 30 seconds
HANDLER_LIMIT_MS = 30_000


class SvcState(enum.IntEnum):
    """SERVICE_STATUS.dwCurrentState (numbered from 0 here, not as in winsvc.h)."""

    STOPPED = 0
    START_PENDING = 1
    STOP_PENDING = 2
    RUNNING = 3
    CONTINUE_PENDING = 4
    PAUSE_PENDING = 5
    PAUSED = 6


PENDING = (SvcState.START_PENDING, SvcState.STOP_PENDING, SvcState.CONTINUE_PENDING, SvcState.PAUSE_PENDING)


class Control(enum.IntEnum):
    """A control code waiting at the control dispatcher (NONE: nothing queued)."""

    NONE = 0
    STOP = 1
    PAUSE = 2
    CONTINUE = 3
    INTERROGATE = 4
    SHUTDOWN = 5
    PRESHUTDOWN = 6
    DEVICEEVENT = 7
    USER = 8  # user-defined codes 128..255, abstracted to one


def units(seconds: Any, what: str, where: str = "") -> int:
    """Seconds (millisecond precision) -> the model's unit, whole milliseconds (clock.ms)."""
    return ms(seconds, what, where)


class ScmStatus:
    """The status the SCM holds for one service, and the SCM's progress timer.

    Variables (prefix ``p``, empty for a single service):
      reported        -- last state reported with SetServiceStatus (000.2)
      checkpoint      -- dwCheckPoint of that report (000.4)
      wait_hint       -- dwWaitHint of that report, in ms (000.4)
      since_progress  -- time since the last report that showed progress (000.4)
      scm_hang        -- the SCM declared the service hung: a pending state showed
                         no progress within the wait hint (000.5)
    """

    def __init__(self, m: System, max_checkpoint: int, max_hint: int, init: SvcState = SvcState.RUNNING,
                 prefix: str = "", init_checkpoint: int = 0, init_hint: int = 0) -> None:
        self.m = m
        self.prefix = prefix
        self.max_checkpoint = max_checkpoint
        self.max_hint = max_hint
        self.reported = m.enum(f"{prefix}reported", SvcState, init, "state last reported to the SCM")
        self.checkpoint = m.int(f"{prefix}checkpoint", 0, max_checkpoint, init_checkpoint,
                                "checkpoint of the last report")
        self.wait_hint = m.int(f"{prefix}wait_hint", 0, max_hint, init_hint, "wait hint of the last report (ms)",
                               unit=MS)
        self.since_progress = m.int(f"{prefix}since_progress", 0, max_hint + 1, 0,
                                    "time since the last report showing progress (ms, saturates)", unit=MS)
        self.scm_hang = m.bool(f"{prefix}scm_hang", False, "the SCM has declared the service hung")

    def watch(self, actual: Expr, exempt: Any = None) -> None:
        """Monitors on every SetServiceStatus the service makes (SCM steps excluded), and the
        definitions the catalog reads about reports (000.2, 003.2):

        * ``false_report`` -- a report named a state the service was not in after the step
          (``actual`` is the service's real state, evaluated in the state the step leads to);
        * ``status_after_stopped`` -- the service called SetServiceStatus after it had reported
          SERVICE_STOPPED (and before the SCM started it again);
        * ``state_report_fresh`` (a definition, declared by :meth:`define_freshness` once the
          clock exists).
        Declare the service's real state first; call once.  ``exempt(action)`` True: the step's
        report is not judged by ``false_report`` (INTERROGATE answers, which repeat the service's
        own view of its state and are judged by interrogate_reports_current_state, 003.3)."""
        m = self.m
        self.actual = actual
        self.false_report = m.bool(f"{self.prefix}false_report", False,
                                   "monitor: a status report named a state the service was not in (000.2)")
        self.status_after_stopped = m.bool(f"{self.prefix}status_after_stopped", False,
                                           "monitor: SetServiceStatus was called after SERVICE_STOPPED")
        rep = self.reported.name

        def reports(act: Any) -> bool:
            return rep in act.update and act.process not in m.environment

        m.monitor(self.false_report, lambda act: any_of(self.false_report,
                                                        act.update[rep] != substitute(actual, act.update))
                  if reports(act) and not (exempt and exempt(act)) else None)
        # one definition with the harness's observer of real code (model/windows/events.py)
        watch(m, "no_status_after_stopped", self.status_after_stopped)

    def define_freshness(self, time_passes: Expr, prefix: str = "") -> Expr:
        """``state_report_fresh``: whenever time may pass, the last report is the real state (a change
        is reported before time passes: the bound is zero, 000.2)."""
        return self.m.define(f"{prefix}state_report_fresh", implies(time_passes, self.reported == self.actual))

    def pending(self) -> Expr:
        return any_of(self.reported == s for s in PENDING)

    def report(self, state: Any, checkpoint: Any = 0, wait_hint: Any = 0) -> dict:
        """The update of one SetServiceStatus call (000.4).

        The SCM counts a report as progress when it names a new state or a larger
        checkpoint than the previous one; only then does its timer restart (the timed rule
        ``pending_progress_within_wait_hint`` of model/windows/events.py, composed at freeze).
        """
        return {
            self.reported: state,
            self.checkpoint: checkpoint,
            self.wait_hint: wait_hint,
        }

    def next_checkpoint(self) -> Expr:
        """checkpoint + 1, saturating: a saturated checkpoint shows no progress."""
        return min_(self.checkpoint + 1, self.max_checkpoint)

    def time(self, clock: Clock) -> None:
        """The SCM's progress timer runs while a state is pending and restarts at progress (000.4): the
        timed rule of model/windows/events.py, which the harness measures on real code too."""
        time_it(self.m, clock, "pending_progress_within_wait_hint", self.since_progress)

    def declare_hang(self, process: str = "scm", **args: Any) -> None:
        """The SCM gives up on a pending state that showed no progress in time (000.4, 000.5)."""
        rule = TIMED_BY_ID["pending_progress_within_wait_hint"]
        self.m.action("scm_declare_hang", process,
                      guard=[self.pending(), self.since_progress > rule.limit(model_view(self.m)), ~self.scm_hang],
                      update={self.scm_hang: True}, args=args,
                      doc="000.5: no progress within the wait hint; the SCM takes the service as hung")
