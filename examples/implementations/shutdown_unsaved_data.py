"""Mistake: no SvcShutdown while data is unsaved (rules 003.10, 003.8).

The service keeps records in memory and writes them out when SvcDoRun
finishes.  It defines no SvcShutdown, so pywin32 does not accept
SERVICE_CONTROL_SHUTDOWN: at system shutdown nothing tells it to save, and
power-off ends the process with the records unwritten.  Fix: define
SvcShutdown to stop (and save) like SvcStop (correct_service.py).

``_scmcheck_unsaved_data_`` tells scmcheck (pywin32 ignores it) which
attribute is true while records are only in memory, so the harness can judge
data loss exactly; ``scmcheck test --unsaved-data unsaved`` says the same
without touching the file.
"""

import os
import tempfile

import win32event
import win32service
import win32serviceutil


class CacheService(win32serviceutil.ServiceFramework):
    _svc_name_ = "CacheService"
    _svc_display_name_ = "Cache saved only on stop"
    _scmcheck_unsaved_data_ = "unsaved"  # records not yet written (read by scmcheck only)

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_event = win32event.CreateEvent(None, 0, 0, None)
        self.unsaved = []

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.stop_event)

    # BUG: no SvcShutdown

    def SvcDoRun(self):
        while win32event.WaitForSingleObject(self.stop_event, 2000) == win32event.WAIT_TIMEOUT:
            self.unsaved.append("record")
        self.save()

    def save(self):
        path = os.path.join(tempfile.gettempdir(), "cache_service.txt")
        with open(path, "w") as fh:
            fh.write("".join(r + "\n" for r in self.unsaved))
        self.unsaved.clear()


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(CacheService)
