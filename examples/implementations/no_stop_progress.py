"""Mistake: a long stop with no STOP_PENDING progress (rules 000.4, 000.5).

SvcStop reports STOP_PENDING with pywin32's default wait hint (5 s); SvcDoRun
then spends 12 s flushing without another report, so the wait hint passes
with the checkpoint unchanged and the SCM takes the service for hung.  Fix:
report STOP_PENDING (a new checkpoint) within each wait hint while the work
goes on (correct_service.py).
"""

import time

import win32event
import win32service
import win32serviceutil


class NoProgressService(win32serviceutil.ServiceFramework):
    _svc_name_ = "NoProgressService"
    _svc_display_name_ = "Long stop without progress reports"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        for _ in range(4):
            time.sleep(3)  # BUG: 12 s of flushing, no ReportServiceStatus in between


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(NoProgressService)
