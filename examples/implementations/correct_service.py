"""A correct pywin32 service: a worker thread, a stop event, joins before SvcDoRun returns.

The stop takes a while (the worker finishes the item it is on, up to 12 s),
so SvcDoRun reports STOP_PENDING with a fresh checkpoint every 2 s while it
waits (within the 5 s wait hint), and returns only after the worker has
exited; pywin32's host then reports SERVICE_STOPPED.  SvcShutdown does what
SvcStop does, so data is saved at system shutdown too.
"""

import threading
import time

import servicemanager
import win32event
import win32service
import win32serviceutil


class CorrectService(win32serviceutil.ServiceFramework):
    _svc_name_ = "CorrectService"
    _svc_display_name_ = "Correct pywin32 service"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, True, False, None)  # manual reset: every waiter sees it
        self.worker = threading.Thread(target=self.work, name="worker")
        self.saved = True

    def work(self):
        while win32event.WaitForSingleObject(self.stop_event, 1000) == win32event.WAIT_TIMEOUT:
            self.saved = False
            time.sleep(12)  # one item of work; a stop waits for it
            self.saved = True

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        servicemanager.LogInfoMsg("CorrectService running")
        self.worker.start()
        win32event.WaitForSingleObject(self.stop_event, win32event.INFINITE)
        while self.worker.is_alive():
            self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING, waitHint=5000)
            self.worker.join(2)
        servicemanager.LogInfoMsg("CorrectService stopped")


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(CorrectService)
