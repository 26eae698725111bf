"""Stand-in for pywin32's ``win32api``: the calls services make, with virtual time.

``Sleep(ms)`` blocks the calling thread for virtual milliseconds ("Sleep"
page); ``GetTickCount()`` reads the virtual clock in ms.  Process and
computer queries answer from this process; ``SetConsoleCtrlHandler`` does
nothing (a service has no console).
"""

from __future__ import annotations

import os
import platform
from typing import Any

from . import _sync
from .pywintypes import error  # noqa: F401 - win32api.error is pywintypes.error


def Sleep(milliseconds: Any, alertable: Any = False) -> int:  # noqa: N802
    ms = int(milliseconds)
    r = _sync.run()
    r.emit("sleep", _sync.caller(), seconds=ms / 1000)
    r.sched.wait_until(lambda: False, None if ms == 0xFFFFFFFF else ms)
    return 0


def GetTickCount() -> int:  # noqa: N802
    return _sync.run().sched.now_ms & 0xFFFFFFFF


def GetTickCount64() -> int:  # noqa: N802
    return _sync.run().sched.now_ms


def GetCurrentProcessId() -> int:  # noqa: N802
    return os.getpid()


def GetCurrentThreadId() -> int:  # noqa: N802
    from ..scheduler import me

    vt = me()
    return 1000 + (vt.index if vt is not None else 0)


def GetComputerName() -> str:  # noqa: N802
    return platform.node().upper()[:15]


def GetLastError() -> int:  # noqa: N802
    return 0


def SetConsoleCtrlHandler(handler: Any, add: Any = True) -> None:  # noqa: N802
    pass


def CloseHandle(h: Any) -> None:  # noqa: N802
    pass


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32api has no {name} (it provides Sleep, GetTickCount, "
                         "GetCurrentProcessId, GetCurrentThreadId, GetComputerName, GetLastError, "
                         "SetConsoleCtrlHandler, CloseHandle)")
