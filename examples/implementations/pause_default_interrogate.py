"""Mistake: pause and continue, with pywin32's default SvcInterrogate (rules 003.3, 000.2).

The service pauses (SvcPause reports SERVICE_PAUSED), but it does not
override SvcInterrogate, whose pywin32 default reports SERVICE_RUNNING
whatever the state.  An INTERROGATE while paused tells the SCM the service is
running.  Fix: SvcInterrogate reports the state the service is in.
"""

import win32event
import win32service
import win32serviceutil


class PausableService(win32serviceutil.ServiceFramework):
    _svc_name_ = "PausableService"
    _svc_display_name_ = "Pause with the default SvcInterrogate"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)
        self.running = win32event.CreateEvent(None, 1, 1, None)  # manual reset: cleared while paused

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.running)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcPause(self):
        win32event.ResetEvent(self.running)
        self.ReportServiceStatus(win32service.SERVICE_PAUSED)

    def SvcContinue(self):
        win32event.SetEvent(self.running)
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)

    # BUG: no SvcInterrogate; pywin32's default reports SERVICE_RUNNING even while paused

    def SvcDoRun(self):
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            win32event.WaitForSingleObject(self.running, win32event.INFINITE)


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(PausableService)
