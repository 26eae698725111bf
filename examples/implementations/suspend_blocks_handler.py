"""SvcOtherEx flushes to disk on PBT_APMSUSPEND inside the handler: 60 s on the dispatcher (003.6).

Mistake: the handler does slow work for one power event only.  Every other
control returns at once, so the service looks fine until the machine goes to
sleep; then the handler runs 60 s, past the 30 s HandlerEx allows.  Found as
``handler_returns_within_30s`` only because the harness passes POWEREVENT with
the real PBT_* event types (scmcheck/testing/controlargs.py).  Fix: hand the
flush to a worker thread and return.
"""

import time

import win32event
import win32service
import win32serviceutil

PBT_APMSUSPEND = 0x4


class SuspendFlushService(win32serviceutil.ServiceFramework):
    _svc_name_ = "ScmcheckSuspendFlush"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)

    def GetAcceptedControls(self):
        return win32serviceutil.ServiceFramework.GetAcceptedControls(self) | win32service.SERVICE_ACCEPT_POWEREVENT

    def SvcOtherEx(self, control, event_type, data):
        if control == win32service.SERVICE_CONTROL_POWEREVENT and event_type == PBT_APMSUSPEND:
            time.sleep(60)  # write the cache out before the machine sleeps

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.hWaitStop, win32event.INFINITE)
