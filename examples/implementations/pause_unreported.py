"""Mistake: SvcPause and SvcContinue change the state without reporting it (rule 003.2).

The service accepts PAUSE and CONTINUE (pywin32 accepts them because the
class defines both methods).  SvcPause stops the work loop and returns; it
never calls ReportServiceStatus(SERVICE_PAUSED), so the SCM keeps showing
RUNNING for a paused service, and a "net pause" waits for a PAUSED that
never comes.  SvcContinue has the same fault.  Fix: report SERVICE_PAUSED
(or PAUSE_PENDING, then PAUSED) in SvcPause and SERVICE_RUNNING in
SvcContinue, as pause_default_interrogate.py does.
"""

import win32event
import win32service
import win32serviceutil


class SilentPauseService(win32serviceutil.ServiceFramework):
    _svc_name_ = "SilentPauseService"
    _svc_display_name_ = "Pause without a status report"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)
        self.running = win32event.CreateEvent(None, True, True, None)  # manual reset: cleared while paused

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.running)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcPause(self):
        win32event.ResetEvent(self.running)  # BUG: no ReportServiceStatus(SERVICE_PAUSED)

    def SvcContinue(self):
        win32event.SetEvent(self.running)  # BUG: no ReportServiceStatus(SERVICE_RUNNING)

    def SvcDoRun(self):
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            win32event.WaitForSingleObject(self.running, win32event.INFINITE)


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(SilentPauseService)
