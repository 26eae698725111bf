"""Stand-in for pywin32's ``win32event``: events, mutexes and waits, in virtual time.

Follows the Win32 pages "CreateEventW", "SetEvent", "ResetEvent",
"WaitForSingleObject", "WaitForMultipleObjects", "CreateMutexW",
"ReleaseMutex": a manual-reset event releases every waiter and stays
signalled until reset; an auto-reset event releases exactly one waiter and
resets; ``WaitForMultipleObjects(handles, False, ms)`` returns
``WAIT_OBJECT_0 + i`` for the lowest signalled index and consumes only that
object; with ``bWaitAll`` True it waits until all are signalled at once and
consumes all.  Timeouts are virtual milliseconds (``INFINITE``: none).
PulseEvent is not provided (Microsoft: unreliable, do not use).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from . import _sync
from .pywintypes import error

INFINITE = 0xFFFFFFFF
WAIT_OBJECT_0 = 0
WAIT_ABANDONED = WAIT_ABANDONED_0 = 0x80
WAIT_TIMEOUT = 258
WAIT_FAILED = 0xFFFFFFFF
MAXIMUM_WAIT_OBJECTS = 64
QS_ALLINPUT = 0x04FF
EVENT_ALL_ACCESS = 0x1F0003
EVENT_MODIFY_STATE = 0x0002
SYNCHRONIZE = 0x00100000


class PyHANDLE:
    """A handle the stand-ins return; ``int(h)`` is a made-up number, ``Close()`` does nothing."""

    def __init__(self, obj: _sync.Waitable) -> None:
        self.obj = obj

    def __int__(self) -> int:
        return id(self.obj) & 0xFFFF

    def Close(self) -> None:  # noqa: N802
        pass

    def __repr__(self) -> str:
        return f"<PyHANDLE {self.obj.name}>"


def _obj(h: Any, call: str) -> _sync.Waitable:
    if isinstance(h, PyHANDLE):
        return h.obj
    raise error(6, call, "The handle is invalid.")  # ERROR_INVALID_HANDLE


def _ms(ms: Any) -> Optional[int]:
    ms = int(ms)
    return None if ms == INFINITE or ms < 0 else ms


def CreateEvent(sa: Any, bManualReset: Any, bInitialState: Any, name: Any = None) -> PyHANDLE:  # noqa: N802,N803
    return PyHANDLE(_sync.EventObject(bool(bManualReset), bool(bInitialState)))


def SetEvent(h: Any) -> None:  # noqa: N802
    ev = _obj(h, "SetEvent")
    if not isinstance(ev, _sync.EventObject):
        raise error(6, "SetEvent", "The handle is invalid.")
    ev.set()


def ResetEvent(h: Any) -> None:  # noqa: N802
    ev = _obj(h, "ResetEvent")
    if not isinstance(ev, _sync.EventObject):
        raise error(6, "ResetEvent", "The handle is invalid.")
    ev.reset()


def WaitForSingleObject(h: Any, milliseconds: Any) -> int:  # noqa: N802
    got = _sync.wait_any([_obj(h, "WaitForSingleObject")], False, _ms(milliseconds), "WaitForSingleObject")
    return WAIT_TIMEOUT if got is None else WAIT_OBJECT_0


def WaitForMultipleObjects(handles: Sequence[Any], bWaitAll: Any, milliseconds: Any) -> int:  # noqa: N802,N803
    objs = [_obj(h, "WaitForMultipleObjects") for h in handles]
    if not objs or len(objs) > MAXIMUM_WAIT_OBJECTS:
        raise error(87, "WaitForMultipleObjects", "The parameter is incorrect.")
    got = _sync.wait_any(objs, bool(bWaitAll), _ms(milliseconds), "WaitForMultipleObjects")
    return WAIT_TIMEOUT if got is None else WAIT_OBJECT_0 + got


def CreateMutex(sa: Any, bInitialOwner: Any, name: Any = None) -> PyHANDLE:  # noqa: N802,N803
    m = _sync.LockObject(reentrant=True, kind="mutex")
    if bInitialOwner:
        m.consume()
    return PyHANDLE(m)


def ReleaseMutex(h: Any) -> None:  # noqa: N802
    m = _obj(h, "ReleaseMutex")
    if not isinstance(m, _sync.LockObject):
        raise error(6, "ReleaseMutex", "The handle is invalid.")
    try:
        m.release()
    except RuntimeError:
        raise error(288, "ReleaseMutex", "Attempt to release mutex not owned by caller.") from None


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32event has no {name} (it provides events, mutexes, "
                         "WaitForSingleObject and WaitForMultipleObjects)")
