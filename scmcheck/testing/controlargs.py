"""What a control brings with it: HandlerEx's ``dwEventType`` and ``lpEventData``, as pywin32 passes them.

The SCM calls the service's HandlerEx with ``(dwControl, dwEventType,
lpEventData, lpContext)`` (HandlerEx page, learn.microsoft.com
nc-winsvc-lphandler_function_ex).  pywin32's host turns the last two into
Python in ``dispatchServiceCtrl`` (win32/src/PythonService.cpp,
mhammond/pywin32), then calls the registered handler with
``(control, event_type, data)`` -- ``ServiceFramework.ServiceCtrlHandlerEx``,
which hands every control but STOP, PAUSE, CONTINUE, INTERROGATE and
SHUTDOWN to ``SvcOtherEx(control, event_type, data)``::

    case SERVICE_CONTROL_DEVICEEVENT:
        sub = PyWinObject_FromPARAM((LPARAM)eventData);          // the address, an int
    case SERVICE_CONTROL_POWEREVENT:
        if (dwEventType == PBT_POWERSETTINGCHANGE)
            sub = Py_BuildValue("NN", PyWinObject_FromIID(pbs->PowerSetting),
                                PyBytes_FromStringAndSize(pbs->Data, pbs->DataLength));
        else sub = Py_None;
    case SERVICE_CONTROL_SESSIONCHANGE:
        sub = Py_BuildValue("(i)", sn->dwSessionId);             // a 1-tuple
    default: sub = Py_None;

So, per control (event types from the HandlerEx page):

==========================  ==========================================  ===============================
control                     event_type                                  data
==========================  ==========================================  ===============================
SESSIONCHANGE (14)          a WTS_* code (WTS_CONSOLE_CONNECT=1 ...     ``(session_id,)``
                            WTS_SESSION_TERMINATE=11)
POWEREVENT (13)             a PBT_* code (PBT_APMSUSPEND=4,             None; ``(guid, bytes)`` for
                            PBT_APMRESUMESUSPEND=7,                     PBT_POWERSETTINGCHANGE
                            PBT_APMPOWERSTATUSCHANGE=0xA,
                            PBT_APMRESUMEAUTOMATIC=0x12,
                            PBT_POWERSETTINGCHANGE=0x8013)
DEVICEEVENT (11)            a DBT_* code (DBT_DEVICEARRIVAL=0x8000,     the address of the
                            DBT_DEVICEREMOVECOMPLETE=0x8004, ...)       DEV_BROADCAST_* structure (an
                                                                        int, for
                                                                        win32gui_struct.UnpackDEV_BROADCAST)
HARDWAREPROFILECHANGE (12)  DBT_QUERYCHANGECONFIG=0x17,                 None
                            DBT_CONFIGCHANGED=0x18,
                            DBT_CONFIGCHANGECANCELED=0x19
PARAMCHANGE, NETBIND*       0                                           None
STOP ... SHUTDOWN           0 (the base class does not pass them on)    None
==========================  ==========================================  ===============================

The harness draws the event type (and a session id of 1 or 2: session 0 is
the services' own) as a choice of the run, so the search covers them and a
failing run shrinks to one.  PBT_POWERSETTINGCHANGE reaches only a service
that called RegisterPowerSettingNotification, which pywin32 does not wrap (a
service would call it through ctypes, which the harness cannot see); it is
drawn, last, with the AC/DC power-source setting (GUID_ACDC_POWER_SOURCE,
data ``b"\\x00\\x00\\x00\\x00"``: on AC).  DEVICEEVENT is sent only to a
service that registered with ``win32gui.RegisterDeviceNotification`` (003.3;
scmcheck/testing/standins/win32gui.py), with the event types that
registration's kind receives, and ``data`` is an address the stand-in
``win32gui_struct.UnpackDEV_BROADCAST`` reads back.
"""

from __future__ import annotations

from typing import Any, Callable

WTS = {1: "WTS_CONSOLE_CONNECT", 2: "WTS_CONSOLE_DISCONNECT", 3: "WTS_REMOTE_CONNECT", 4: "WTS_REMOTE_DISCONNECT",
       5: "WTS_SESSION_LOGON", 6: "WTS_SESSION_LOGOFF", 7: "WTS_SESSION_LOCK", 8: "WTS_SESSION_UNLOCK",
       9: "WTS_SESSION_REMOTE_CONTROL", 10: "WTS_SESSION_CREATE", 11: "WTS_SESSION_TERMINATE"}
PBT = {0x4: "PBT_APMSUSPEND", 0x7: "PBT_APMRESUMESUSPEND", 0xA: "PBT_APMPOWERSTATUSCHANGE",
       0x12: "PBT_APMRESUMEAUTOMATIC", 0x8013: "PBT_POWERSETTINGCHANGE"}
PBT_POWERSETTINGCHANGE = 0x8013
GUID_ACDC_POWER_SOURCE = "{5D3E9A59-E9D5-4B00-A6BD-FF34FF516548}"
HWPROFILE = {0x17: "DBT_QUERYCHANGECONFIG", 0x18: "DBT_CONFIGCHANGED", 0x19: "DBT_CONFIGCHANGECANCELED"}
DBT = {0x8000: "DBT_DEVICEARRIVAL", 0x8001: "DBT_DEVICEQUERYREMOVE", 0x8002: "DBT_DEVICEQUERYREMOVEFAILED",
       0x8003: "DBT_DEVICEREMOVEPENDING", 0x8004: "DBT_DEVICEREMOVECOMPLETE", 0x8006: "DBT_CUSTOMEVENT"}
# the device event types a registration of each DBT_DEVTYP_* kind receives (RegisterDeviceNotification page;
# DBT_DEVICEQUERYREMOVE and the rest of the removal protocol are sent for handles only)
DBT_DEVTYP_DEVICEINTERFACE, DBT_DEVTYP_HANDLE = 5, 6
DBT_BY_KIND = {DBT_DEVTYP_DEVICEINTERFACE: (0x8000, 0x8004),
               DBT_DEVTYP_HANDLE: (0x8001, 0x8002, 0x8003, 0x8004, 0x8006)}
SESSION_IDS = (1, 2)
NETBIND = {7: "NETBINDADD", 8: "NETBINDREMOVE", 9: "NETBINDENABLE", 10: "NETBINDDISABLE"}
CONTROL_POWEREVENT, CONTROL_SESSIONCHANGE, CONTROL_DEVICEEVENT, CONTROL_HWPROFILE = 13, 14, 11, 12


def draw(control: int, choose: Callable[[int, str], int], devices: list) -> tuple[int, Any, str]:
    """``(event_type, data, label)`` for ``control`` (module docstring); ``label`` names the event type
    ("" if there is none).  ``devices``: the run's device registrations (win32gui stand-in), each a dict
    with ``kind`` and ``address`` of a DEV_BROADCAST structure the stand-in can unpack."""
    if control == CONTROL_SESSIONCHANGE:
        codes = list(WTS)
        et = codes[choose(len(codes), "session event")]
        sid = SESSION_IDS[choose(len(SESSION_IDS), "session id")]
        return et, (sid,), WTS[et]
    if control == CONTROL_POWEREVENT:
        codes = list(PBT)
        et = codes[choose(len(codes), "power event")]
        if et == PBT_POWERSETTINGCHANGE:
            return et, (GUID_ACDC_POWER_SOURCE, b"\x00\x00\x00\x00"), PBT[et]
        return et, None, PBT[et]
    if control == CONTROL_HWPROFILE:
        codes = list(HWPROFILE)
        et = codes[choose(len(codes), "hardware profile event")]
        return et, None, HWPROFILE[et]
    if control == CONTROL_DEVICEEVENT and devices:
        reg = devices[choose(len(devices), "device registration")]
        codes = DBT_BY_KIND.get(reg["kind"], (0x8000, 0x8004))
        et = codes[choose(len(codes), "device event")]
        return et, reg["address"], DBT[et]
    return 0, None, ""


def netbind(choose: Callable[[int, str], int]) -> int:
    """Which of the four NETBIND* controls SERVICE_ACCEPT_NETBINDCHANGE lets the SCM send."""
    codes = list(NETBIND)
    return codes[choose(len(codes), "netbind control")]
