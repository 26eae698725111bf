"""Mistake: SvcStop blocks past 30 s (rules 003.6, 000.1).

SvcStop waits in the control handler for the worker to flush (40 s).  The
handler runs on the control dispatcher's thread and must return within 30 s.
The wait hint (60 s) covers the stop; it does not excuse the handler.  Fix:
signal and return; wait in SvcDoRun (correct_service.py).  At system shutdown
the same 40 s outlast WaitToKillServiceTimeout (20 s), so this service also
loses data at shutdown (no_data_loss_at_shutdown).
"""

import threading
import time

import win32event
import win32service
import win32serviceutil


class BlockingStopService(win32serviceutil.ServiceFramework):
    _svc_name_ = "BlockingStopService"
    _svc_display_name_ = "SvcStop waits for the worker"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.stop_requested = threading.Event()
        self.worker = threading.Thread(target=self.work, name="flusher")

    def work(self):
        self.stop_requested.wait()
        time.sleep(40)  # flush everything

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING, waitHint=60000)
        self.stop_requested.set()
        if self.worker.is_alive():
            self.worker.join()  # BUG: 40 s inside the control handler

    def SvcShutdown(self):
        self.SvcStop()

    def SvcDoRun(self):
        self.worker.start()
        self.stop_requested.wait()
        self.worker.join()


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(BlockingStopService)
