"""A client thread started with ``_thread.start_new_thread`` outlives SvcDoRun (000.3).

Mistake, in the style of pywin32's pipeTestService demo (which starts its
client threads with ``_thread.start_new_thread``): a client that connected
as the stop arrived is served on a new thread, and SvcDoRun returns without
waiting for it, so the host reports SERVICE_STOPPED while ``_thread-1
(serve)`` still runs (``stopped_only_after_threads_exit``).  Fix: keep the
threads' handles and wait for them, reporting STOP_PENDING, before returning.
"""

import _thread

import win32api
import win32event
import win32service
import win32serviceutil


class LateClientService(win32serviceutil.ServiceFramework):
    _svc_name_ = "ScmcheckLateClient"

    def __init__(self, args):
        win32serviceutil.ServiceFramework.__init__(self, args)
        self.hWaitStop = win32event.CreateEvent(None, 0, 0, None)

    def serve(self, client):
        win32api.Sleep(2000)  # answer the client

    def SvcStop(self):
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        win32event.SetEvent(self.hWaitStop)

    def SvcDoRun(self):
        win32event.WaitForSingleObject(self.hWaitStop, win32event.INFINITE)
        _thread.start_new_thread(self.serve, ("last client",))
