"""A service that registers for USB device notifications and handles the extra controls (correct).

The pattern of pywin32's demo win32/Demos/service/serviceEvents.py: in
``__init__`` it registers for device-interface notifications with its service
status handle (``win32gui_struct.PackDEV_BROADCAST_DEVICEINTERFACE`` and
``win32gui.RegisterDeviceNotification(self.ssh, filter,
DEVICE_NOTIFY_SERVICE_HANDLE)``), accepts power, session and hardware-profile
events, and handles them all in ``SvcOtherEx`` without blocking:
DEVICEEVENT's data is the address of a DEV_BROADCAST structure
(``win32gui_struct.UnpackDEV_BROADCAST``), SESSIONCHANGE's a 1-tuple
``(session_id,)``, POWEREVENT's None (or ``(guid, bytes)`` for
PBT_POWERSETTINGCHANGE).

Unlike the demo, it does not put ``win32service.SERVICE_CONTROL_DEVICEEVENT``
(11 = 0xB) into the accept mask: that is a control code, not an accept bit,
and 0xB sets SERVICE_ACCEPT_PAUSE_CONTINUE and SERVICE_ACCEPT_NETBINDCHANGE,
so the SCM would send PAUSE to a service without SvcPause (the base class's
handler then raises AttributeError, which pywin32 logs and answers with
ERROR_CALL_NOT_IMPLEMENTED).  DEVICEEVENT needs no accept bit: registering
is what asks for it.

    scmcheck test examples/implementations/device_events_service.py:DeviceEventsService
"""

import servicemanager
import win32con
import win32event
import win32gui
import win32gui_struct
import win32service
import win32serviceutil

GUID_DEVINTERFACE_USB_DEVICE = "{A5DCBF10-6530-11D2-901F-00C04FB951ED}"
PBT_APMSUSPEND, PBT_APMRESUMEAUTOMATIC = 0x4, 0x12


class DeviceEventsService(win32serviceutil.ServiceFramework):
    _svc_name_ = "ScmcheckDeviceEvents"
    _svc_display_name_ = "scmcheck device events example"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)
        self.devices = {}
        self.sessions = set()
        self.suspended = False
        usb = win32gui_struct.PackDEV_BROADCAST_DEVICEINTERFACE(GUID_DEVINTERFACE_USB_DEVICE)
        self.hdn = win32gui.RegisterDeviceNotification(self.ssh, usb, win32con.DEVICE_NOTIFY_SERVICE_HANDLE)

    def GetAcceptedControls(self):
        return (win32serviceutil.ServiceFramework.GetAcceptedControls(self)
                | win32service.SERVICE_ACCEPT_HARDWAREPROFILECHANGE
                | win32service.SERVICE_ACCEPT_POWEREVENT
                | win32service.SERVICE_ACCEPT_SESSIONCHANGE)

    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_DEVICEEVENT:
            info = win32gui_struct.UnpackDEV_BROADCAST(data)
            if event_type == win32con.DBT_DEVICEARRIVAL:
                self.devices[info.name] = info.classguid
            elif event_type == win32con.DBT_DEVICEREMOVECOMPLETE:
                self.devices.pop(info.name, None)
            msg = "device event %#x: %s" % (event_type, info)
        elif control == win32service.SERVICE_CONTROL_SESSIONCHANGE:
            (session_id,) = data
            if event_type == win32con.WTS_SESSION_LOGON:
                self.sessions.add(session_id)
            elif event_type == win32con.WTS_SESSION_LOGOFF:
                self.sessions.discard(session_id)
            msg = "session %d: event %d" % (session_id, event_type)
        elif control == win32service.SERVICE_CONTROL_POWEREVENT:
            self.suspended = event_type == PBT_APMSUSPEND or (self.suspended and event_type != PBT_APMRESUMEAUTOMATIC)
            msg = "power event %#x: %s" % (event_type, data)
        else:
            msg = "control %d: type %s, data %s" % (control, event_type, data)
        servicemanager.LogInfoMsg(msg)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.hWaitStop, win32event.INFINITE)
        win32gui.UnregisterDeviceNotification(self.hdn)


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(DeviceEventsService)
