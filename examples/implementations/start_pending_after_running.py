"""Mistake: START_PENDING reported from SvcDoRun, after pywin32 has reported RUNNING (rule 000.2).

pywin32's ``ServiceFramework.SvcRun`` reports SERVICE_RUNNING *before* it
calls SvcDoRun.  This service then reports START_PENDING to cover its
initialisation, as many tutorials do.  The report is false when made: the
service has already told the SCM that it started (START_PENDING -> RUNNING is
the start's end, "Service State Transitions"), and pywin32 sends no accepted
controls with START_PENDING, so for those seconds the SCM refuses a STOP.
An INTERROGATE sent just before it is then answered RUNNING by pywin32's
default SvcInterrogate, contradicting the START_PENDING the service declared
(interrogate_reports_current_state).
Fix: do the initialisation before SvcRun reports RUNNING (override SvcRun and
report START_PENDING there, then RUNNING), or report nothing but RUNNING
from SvcDoRun.
"""

import time

import win32event
import win32service
import win32serviceutil


class LateStartService(win32serviceutil.ServiceFramework):
    _svc_name_ = "LateStartService"
    _svc_display_name_ = "START_PENDING after RUNNING"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        # BUG: SvcRun has reported RUNNING already
        self.ReportServiceStatus(win32service.SERVICE_START_PENDING, waitHint=10000)
        time.sleep(3)  # load the configuration
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(LateStartService)
