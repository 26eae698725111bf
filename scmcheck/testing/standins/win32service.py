"""Stand-in for pywin32's ``win32service``: SERVICE_* constants and ``SetServiceStatus``.

Values are winsvc.h's (SERVICE_STATUS and HandlerEx pages on learn.microsoft.com).
``SetServiceStatus(handle, status)`` takes pywin32's 7-tuple (serviceType,
currentState, controlsAccepted, win32ExitCode, serviceSpecificExitCode,
checkPoint, waitHint) and records it as the SCM would (a scheduling point).
The SCM-side calls (OpenSCManager, StartService, ...) are not for a service's
own lifecycle and are not provided.
"""

from __future__ import annotations

from typing import Any

from .pywintypes import error

SERVICE_STOPPED = 1
SERVICE_START_PENDING = 2
SERVICE_STOP_PENDING = 3
SERVICE_RUNNING = 4
SERVICE_CONTINUE_PENDING = 5
SERVICE_PAUSE_PENDING = 6
SERVICE_PAUSED = 7

SERVICE_ACCEPT_STOP = 0x1
SERVICE_ACCEPT_PAUSE_CONTINUE = 0x2
SERVICE_ACCEPT_SHUTDOWN = 0x4
SERVICE_ACCEPT_PARAMCHANGE = 0x8
SERVICE_ACCEPT_NETBINDCHANGE = 0x10
SERVICE_ACCEPT_HARDWAREPROFILECHANGE = 0x20
SERVICE_ACCEPT_POWEREVENT = 0x40
SERVICE_ACCEPT_SESSIONCHANGE = 0x80
SERVICE_ACCEPT_PRESHUTDOWN = 0x100

SERVICE_CONTROL_STOP = 1
SERVICE_CONTROL_PAUSE = 2
SERVICE_CONTROL_CONTINUE = 3
SERVICE_CONTROL_INTERROGATE = 4
SERVICE_CONTROL_SHUTDOWN = 5
SERVICE_CONTROL_PARAMCHANGE = 6
SERVICE_CONTROL_NETBINDADD = 7
SERVICE_CONTROL_NETBINDREMOVE = 8
SERVICE_CONTROL_NETBINDENABLE = 9
SERVICE_CONTROL_NETBINDDISABLE = 10
SERVICE_CONTROL_DEVICEEVENT = 11
SERVICE_CONTROL_HARDWAREPROFILECHANGE = 12
SERVICE_CONTROL_POWEREVENT = 13
SERVICE_CONTROL_SESSIONCHANGE = 14
SERVICE_CONTROL_PRESHUTDOWN = 15

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_WIN32_SHARE_PROCESS = 0x20
SERVICE_INTERACTIVE_PROCESS = 0x100
SERVICE_AUTO_START, SERVICE_DEMAND_START, SERVICE_DISABLED = 2, 3, 4
SERVICE_ERROR_NORMAL = 1
SC_MANAGER_ALL_ACCESS = 0xF003F
SERVICE_ALL_ACCESS = 0xF01FF


def SetServiceStatus(handle: Any, status: Any) -> None:  # noqa: N802 - pywin32's name
    """Report ``status`` (a 7-tuple, as pywin32 takes it) to the SCM."""
    from .. import context

    try:
        values = tuple(int(x) for x in status)
    except (TypeError, ValueError):
        raise TypeError("SetServiceStatus: the status must be a sequence of 7 integers") from None
    if len(values) != 7:
        raise TypeError(f"SetServiceStatus: the status must have 7 items, not {len(values)}")
    context.active().set_service_status(values)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"scmcheck's stand-in for win32service has no {name}: a service's own lifecycle does "
                         "not use it (only constants and SetServiceStatus are provided)")


__all__ = ["error"]
