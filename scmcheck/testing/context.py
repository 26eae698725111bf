"""The run the stand-ins belong to: set by the harness for the length of one run.

Runs are sequential in one process, so one module-level slot is enough.  A
stand-in object (an event, a lock, a thread) takes the run that is active when
it is created and keeps it, so an object left over from an earlier run never
reaches into a later one (the service's module is executed afresh for every
run, scmcheck/testing/loader.py).
"""

from __future__ import annotations

from typing import Any, Optional

from .scheduler import HarnessError

_active: Optional[Any] = None


def active() -> Any:
    """The Run in progress (scmcheck/testing/run.py); HarnessError outside one."""
    if _active is None:
        raise HarnessError("a pywin32 stand-in was called outside a scmcheck run: by a thread still running after "
                           "its run ended (one scmcheck does not schedule), or by code not loaded by "
                           "scmcheck.testing")
    return _active


def set_active(run: Optional[Any]) -> None:
    global _active
    _active = run
