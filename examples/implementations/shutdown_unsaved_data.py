"""Mistake: no SvcShutdown while data is unsaved (rules 003.10, 003.8).

The service keeps records in memory and writes them out when SvcDoRun
finishes.  It defines no SvcShutdown, so pywin32 does not accept
SERVICE_CONTROL_SHUTDOWN: at system shutdown nothing tells it to save, and
power-off ends the process with the records unwritten.  Fix: define
SvcShutdown to stop (and save) like SvcStop (correct_service.py).
"""

import os
import tempfile

import win32event
import win32service
import win32serviceutil


class CacheService(win32serviceutil.ServiceFramework):
    _svc_name_ = "CacheService"
    _svc_display_name_ = "Cache saved only on stop"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)
        self.records = []

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    # BUG: no SvcShutdown

    def SvcDoRun(self):
        while win32event.WaitForSingleObject(self.stop_event, 2000) == win32event.WAIT_TIMEOUT:
            self.records.append("record")
        self.save()

    def save(self):
        path = os.path.join(tempfile.gettempdir(), "cache_service.txt")
        with open(path, "w") as fh:
            fh.write("\n".join(self.records))


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(CacheService)
