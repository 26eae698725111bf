"""A pywin32 service with a worker thread fed by a queue and a periodic timer.

The main (SvcDoRun) thread waits on the stop event with a timeout; each time
the timeout expires it enqueues a periodic "housekeeping" job.  A single
worker thread takes jobs off a queue.Queue and processes them.  On stop, the
main thread tells the worker to finish (sentinel on the queue), then joins it
while reporting SERVICE_STOP_PENDING progress, the way pywin32's
pipeTestService demo waits for its client threads before returning.

Usage (from an elevated prompt):
    python docs_worker_service.py install
    python docs_worker_service.py start
    python docs_worker_service.py stop
    python docs_worker_service.py remove
"""

import queue
import threading
import time
import zlib

import servicemanager
import win32event
import win32service
import win32serviceutil

TICK_MS = 10000  # housekeeping period
STOP_WAIT_HINT_MS = 5000  # wait hint reported while draining on stop
JOIN_STEP_S = 2.0  # must be comfortably below STOP_WAIT_HINT_MS

_SENTINEL = object()


class QueueWorkerService(win32serviceutil.ServiceFramework):
    _svc_name_ = "PyDocsQueueWorker"
    _svc_display_name_ = "Python Docs Queue Worker"
    _svc_description_ = (
        "Processes queued jobs on a worker thread and runs periodic housekeeping"
    )

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)
        self.jobs = queue.Queue()
        self.worker = None
        self.processed = 0
        self.ticks = 0

    # ---- control handlers (run on the SCM dispatcher thread) ----

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    # ---- worker thread ----

    def _process(self, job):
        kind, payload = job
        # Stand-in for real work (e.g. checksumming a spooled file).
        time.sleep(0.05)
        crc = zlib.crc32(repr(payload).encode("utf-8"))
        self.processed += 1
        if kind == "housekeeping":
            servicemanager.LogInfoMsg(
                "%s: housekeeping #%d done (crc=%08x, %d jobs so far)"
                % (self._svc_name_, payload, crc, self.processed)
            )

    def _worker_main(self):
        while True:
            job = self.jobs.get()
            try:
                if job is _SENTINEL:
                    return
                self._process(job)
            except Exception as exc:  # keep the worker alive on bad jobs
                servicemanager.LogErrorMsg(
                    "%s: job %r failed: %s" % (self._svc_name_, job, exc)
                )
            finally:
                self.jobs.task_done()

    # ---- main service thread ----

    def SvcDoRun(self):
        servicemanager.LogMsg(
            servicemanager.EVENTLOG_INFORMATION_TYPE,
            servicemanager.PYS_SERVICE_STARTED,
            (self._svc_name_, ""),
        )
        self.worker = threading.Thread(
            target=self._worker_main, name="queue-worker", daemon=False
        )
        self.worker.start()

        # Seed some initial work, as a real service might pick up a backlog.
        for i in range(3):
            self.jobs.put(("backlog", i))

        while True:
            rc = win32event.WaitForSingleObject(self.hWaitStop, TICK_MS)
            if rc == win32event.WAIT_OBJECT_0:
                break
            # WAIT_TIMEOUT: periodic timer fired.
            self.ticks += 1
            self.jobs.put(("housekeeping", self.ticks))

        # Stop requested: let the worker drain and exit, reporting progress
        # to the SCM so it does not give up on us.
        self.jobs.put(_SENTINEL)
        while self.worker.is_alive():
            self.ReportServiceStatus(
                win32service.SERVICE_STOP_PENDING, waitHint=STOP_WAIT_HINT_MS
            )
            self.worker.join(JOIN_STEP_S)

        servicemanager.LogMsg(
            servicemanager.EVENTLOG_INFORMATION_TYPE,
            servicemanager.PYS_SERVICE_STOPPED,
            (self._svc_name_, " after %d jobs" % (self.processed,)),
        )


if __name__ == "__main__":
    win32serviceutil.HandleCommandLine(QueueWorkerService)
