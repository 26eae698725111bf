"""A pywin32 service that listens for the "extra" SCM notifications.

Modelled on the approach of pywin32's win32/Demos/service/serviceEvents.py:
override GetAcceptedControls() to ask the SCM for power, session and
parameter-change notifications, and handle them in SvcOtherEx().  The main
thread does nothing but wait for the stop event.

Usage (from an elevated prompt):
    python docs_events_service.py install
    python docs_events_service.py start
    python docs_events_service.py stop
    python docs_events_service.py remove
"""

import servicemanager
import win32event
import win32service
import win32serviceutil

# Power broadcast event types (see WM_POWERBROADCAST / HandlerEx docs).
PBT_APMSUSPEND = 0x0004
PBT_APMRESUMESUSPEND = 0x0007
PBT_APMRESUMEAUTOMATIC = 0x0012
PBT_APMPOWERSTATUSCHANGE = 0x000A
PBT_POWERSETTINGCHANGE = 0x8013

# Session change event types (WTS_* codes passed with SESSIONCHANGE).
WTS_SESSION_NAMES = {
    0x1: "console connect",
    0x2: "console disconnect",
    0x3: "remote connect",
    0x4: "remote disconnect",
    0x5: "logon",
    0x6: "logoff",
    0x7: "lock",
    0x8: "unlock",
    0x9: "remote control",
}


def _log_info(text):
    servicemanager.LogMsg(
        servicemanager.EVENTLOG_INFORMATION_TYPE,
        0xF000,  # generic "%1" message in the pywin32 message table
        (text, ""),
    )


class SessionWatcherService(win32serviceutil.ServiceFramework):
    _svc_name_ = "PyDocsSessionWatcher"
    _svc_display_name_ = "Python Docs Session Watcher"
    _svc_description_ = (
        "Logs power, session and configuration notifications sent by the SCM"
    )

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        # Auto-reset event, initially non-signalled, as in the pywin32 demos.
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)
        self.suspended = False
        self.active_sessions = set()
        self.config_generation = 0

    # Ask the SCM for the additional notifications on top of the ones the base
    # class derives from our Svc* methods (STOP, and SHUTDOWN because we
    # define SvcShutdown).
    def GetAcceptedControls(self):
        rc = win32serviceutil.ServiceFramework.GetAcceptedControls(self)
        rc |= (
            win32service.SERVICE_ACCEPT_PARAMCHANGE
            | win32service.SERVICE_ACCEPT_POWEREVENT
            | win32service.SERVICE_ACCEPT_SESSIONCHANGE
        )
        return rc

    # Every control that is not STOP/PAUSE/CONTINUE/INTERROGATE/SHUTDOWN ends
    # up here.  Handlers must return quickly: they run on the SCM dispatcher
    # thread.
    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_POWEREVENT:
            if event_type == PBT_APMSUSPEND:
                self.suspended = True
                msg = "System is suspending"
            elif event_type in (PBT_APMRESUMESUSPEND, PBT_APMRESUMEAUTOMATIC):
                self.suspended = False
                msg = "System resumed (type=0x%x)" % event_type
            elif event_type == PBT_APMPOWERSTATUSCHANGE:
                msg = "Power status changed"
            elif event_type == PBT_POWERSETTINGCHANGE:
                msg = "Power setting changed: %s" % (data,)
            else:
                msg = "Power event 0x%x: %s" % (event_type, data)
        elif control == win32service.SERVICE_CONTROL_SESSIONCHANGE:
            # data is a 1-tuple (session id,)
            session_id = data[0] if data else None
            name = WTS_SESSION_NAMES.get(event_type, "event %d" % event_type)
            if event_type == 0x5:  # logon
                self.active_sessions.add(session_id)
            elif event_type == 0x6:  # logoff
                self.active_sessions.discard(session_id)
            msg = "Session %s: %s (%d active)" % (
                session_id,
                name,
                len(self.active_sessions),
            )
        elif control == win32service.SERVICE_CONTROL_PARAMCHANGE:
            self.config_generation += 1
            msg = "Parameters changed, reloaded configuration #%d" % (
                self.config_generation,
            )
        else:
            msg = "Other control: code=%d, type=%s, data=%s" % (
                control,
                event_type,
                data,
            )
        _log_info(msg)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    def SvcShutdown(self):
        # System shutdown: same as a stop, we have nothing extra to persist.
        self.SvcStop()

    def SvcDoRun(self):
        servicemanager.LogMsg(
            servicemanager.EVENTLOG_INFORMATION_TYPE,
            servicemanager.PYS_SERVICE_STARTED,
            (self._svc_name_, ""),
        )
        # Everything interesting happens in SvcOtherEx; just wait to be told
        # to stop.
        win32event.WaitForSingleObject(self.hWaitStop, win32event.INFINITE)
        servicemanager.LogMsg(
            servicemanager.EVENTLOG_INFORMATION_TYPE,
            servicemanager.PYS_SERVICE_STOPPED,
            (self._svc_name_, ""),
        )


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(SessionWatcherService)
