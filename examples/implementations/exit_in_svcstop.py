"""Mistake: SvcStop ends the process with os._exit (rules 000.3, 000.5).

To be sure no thread keeps the process alive, SvcStop signals the workers
and calls ``os._exit(0)``.  The process ends at once, before pywin32's host
reports SERVICE_STOPPED: the SCM sees a service that vanished while
STOP_PENDING (it logs "terminated unexpectedly" and may run its recovery
actions), and the workers die in the middle of their item.  Fix: signal,
return, join the workers in SvcDoRun and let the host report STOPPED
(correct_service.py).  Under scmcheck, ``os._exit`` does not end the
harness: the stand-in for ``os`` records it as the process's exit.
"""

import os
import threading
import time

import win32event
import win32service
import win32serviceutil


class HardExitService(win32serviceutil.ServiceFramework):
    _svc_name_ = "HardExitService"
    _svc_display_name_ = "SvcStop calls os._exit"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)
        self.worker = threading.Thread(target=self.work, name="worker")

    def work(self):
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            time.sleep(2)  # one item of work

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)
        os._exit(0)  # BUG: the process ends before SERVICE_STOPPED is reported

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        self.worker.start()
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        self.worker.join()


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(HardExitService)
