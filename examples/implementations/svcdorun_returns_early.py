"""Mistake: SvcDoRun returns before its worker threads have exited (rules 000.3, 000.5).

SvcDoRun waits for the stop event and returns; the workers still finish the
item they are on (3 s).  pywin32's host reports SERVICE_STOPPED as soon as
SvcRun returns, so the SCM sees STOPPED while the workers run, and the
process exits under them.  Fix: join the workers before returning
(correct_service.py).
"""

import threading
import time

import win32event
import win32service
import win32serviceutil


class EarlyReturnService(win32serviceutil.ServiceFramework):
    _svc_name_ = "EarlyReturnService"
    _svc_display_name_ = "SvcDoRun returns before its workers exit"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)
        self.workers = [threading.Thread(target=self.work, name=f"worker{i}") for i in range(2)]

    def work(self):
        while win32event.WaitForSingleObject(self.stop_event, 500) == win32event.WAIT_TIMEOUT:
            pass
        time.sleep(3)  # finish the current item

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        for w in self.workers:
            w.start()
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        # BUG: no join; the host reports SERVICE_STOPPED when this returns


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(EarlyReturnService)
