"""Stand-in for pywin32's ``servicemanager`` (PythonService.cpp's built-in module).

``RegisterServiceCtrlHandler(name, callback, bUseEx)`` registers the handler
the control dispatcher calls (with ``(control,)`` or, with bUseEx,
``(control, event_type, data)``).  The Log* functions are recorded in the run
(a scheduling point each), not written to an event log.  The hosting calls
(Initialize, PrepareToHostSingle, StartServiceCtrlDispatcher) belong to the
``if __name__ == "__main__":`` boilerplate, which scmcheck does not run;
StartServiceCtrlDispatcher raises if called anyway.
"""

from __future__ import annotations

from typing import Any

from . import _sync

EVENTLOG_ERROR_TYPE = 0x1
EVENTLOG_WARNING_TYPE = 0x2
EVENTLOG_INFORMATION_TYPE = 0x4
EVENTLOG_AUDIT_SUCCESS = 0x8
EVENTLOG_AUDIT_FAILURE = 0x10
# PythonServiceMessages.mc: informational message ids (severity bits 0x40000000)
PYS_SERVICE_STARTING = 0x40000001
PYS_SERVICE_STARTED = 0x40000002
PYS_SERVICE_STOPPING = 0x40000003
PYS_SERVICE_STOPPED = 0x40000004
COINIT_MULTITHREADED, COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, COINIT_SPEED_OVER_MEMORY = 0, 2, 4, 8
_TYPES = {1: "error", 2: "warning", 4: "info", 8: "audit_success", 16: "audit_failure"}


class startup_error(Exception):  # noqa: N801 - pywin32's name
    pass


def RegisterServiceCtrlHandler(serviceName: Any, callback: Any, extra_args: Any = False) -> int:  # noqa: N802,N803
    if not callable(callback):
        raise TypeError("Second argument must be a callable object")
    _sync.run().register_handler(callback, bool(extra_args))
    return 1  # a service status handle


def _log(kind: str, text: str) -> None:
    r = _sync.run()
    r.emit("log", _sync.caller(), level=kind, message=str(text)[:100])
    r.sched.pause()


def LogMsg(errorType: int, eventId: int, inserts: Any = None) -> None:  # noqa: N802,N803
    if inserts is not None and not isinstance(inserts, (list, tuple)):
        raise TypeError("strings must be None or a sequence")
    _log(_TYPES.get(int(errorType), str(errorType)), f"{eventId:#x} " + " ".join(str(s) for s in inserts or ()))


def LogInfoMsg(msg: Any) -> None:  # noqa: N802
    _log("info", msg)


def LogWarningMsg(msg: Any) -> None:  # noqa: N802
    _log("warning", msg)


def LogErrorMsg(msg: Any) -> None:  # noqa: N802
    _log("error", msg)


def SetEventSourceName(name: Any, registerNow: Any = False) -> None:  # noqa: N802,N803
    pass


def RunningAsService() -> bool:  # noqa: N802
    return True


def Debugging(newVal: int = -1) -> bool:  # noqa: N802,N803
    return False


def CoInitializeEx(flags: int) -> int:  # noqa: N802
    return 0


def CoUninitialize() -> None:  # noqa: N802
    pass


def PumpWaitingMessages() -> int:  # noqa: N802
    _sync.run().sched.pause()
    return 0


def Initialize(eventSourceName: Any = None, eventSourceFile: Any = None) -> None:  # noqa: N802,N803
    pass


def Finalize() -> None:  # noqa: N802
    pass


def PrepareToHostSingle(klass: Any = None) -> None:  # noqa: N802
    pass


def PrepareToHostMultiple(service_name: Any, klass: Any) -> None:  # noqa: N802
    pass


def StartServiceCtrlDispatcher() -> None:  # noqa: N802
    raise startup_error("scmcheck hosts the service itself; StartServiceCtrlDispatcher belongs in the "
                        "'if __name__ == \"__main__\":' block, which scmcheck does not run")
