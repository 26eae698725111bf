"""Stand-in for pywin32's ``win32serviceutil``: ``ServiceFramework`` with pywin32's own behaviour.

Follows win32/lib/win32serviceutil.py of pywin32 (mhammond/pywin32):

* ``__init__(args)`` registers ``ServiceCtrlHandlerEx`` with
  ``servicemanager.RegisterServiceCtrlHandler(args[0], ..., True)`` and sets
  ``checkPoint = 0``.
* ``ReportServiceStatus(status, waitHint=5000, win32ExitCode=0, svcExitCode=0)``
  sends ``dwControlsAccepted = 0`` with START_PENDING and
  ``GetAcceptedControls()`` otherwise; checkpoint 0 with RUNNING and STOPPED,
  and for every other state the counter ``self.checkPoint`` raised by one
  (never reset).
* ``GetAcceptedControls()``: ACCEPT_STOP if the class has ``SvcStop``,
  ACCEPT_PAUSE_CONTINUE if it has both ``SvcPause`` and ``SvcContinue``,
  ACCEPT_SHUTDOWN if it has ``SvcShutdown``.
* ``ServiceCtrlHandlerEx(control, event_type, data)`` dispatches to SvcStop,
  SvcPause, SvcContinue, SvcInterrogate, SvcShutdown, else
  ``SvcOtherEx(control, event_type, data)`` (default: ``SvcOther(control)``).
* the default ``SvcInterrogate`` reports SERVICE_RUNNING, whatever the state.
* ``SvcRun()`` reports RUNNING, calls ``SvcDoRun()``, then reports
  STOP_PENDING; the host reports SERVICE_STOPPED when it returns
  (scmcheck/testing/run.py).

``HandleCommandLine`` and the installation helpers need a real SCM; they raise
if called (the ``__main__`` block that calls them is not run by scmcheck).
"""

from __future__ import annotations

from typing import Any

from . import servicemanager, win32service


class ServiceFramework:
    _svc_deps_ = None
    _exe_name_ = None
    _exe_args_ = None
    _svc_description_ = None

    def __init__(self, args: Any) -> None:
        self.ssh = servicemanager.RegisterServiceCtrlHandler(args[0], self.ServiceCtrlHandlerEx, True)
        servicemanager.SetEventSourceName(self._svc_name_)
        self.checkPoint = 0

    def GetAcceptedControls(self) -> int:  # noqa: N802
        accepted = 0
        if hasattr(self, "SvcStop"):
            accepted |= win32service.SERVICE_ACCEPT_STOP
        if hasattr(self, "SvcPause") and hasattr(self, "SvcContinue"):
            accepted |= win32service.SERVICE_ACCEPT_PAUSE_CONTINUE
        if hasattr(self, "SvcShutdown"):
            accepted |= win32service.SERVICE_ACCEPT_SHUTDOWN
        return accepted

    def ReportServiceStatus(self, serviceStatus: int, waitHint: int = 5000, win32ExitCode: int = 0,  # noqa: N802,N803
                            svcExitCode: int = 0) -> None:
        if self.ssh is None:  # debugging, as in pywin32
            return
        if serviceStatus == win32service.SERVICE_START_PENDING:
            accepted = 0
        else:
            accepted = self.GetAcceptedControls()
        if serviceStatus in (win32service.SERVICE_RUNNING, win32service.SERVICE_STOPPED):
            checkPoint = 0  # noqa: N806
        else:
            self.checkPoint = self.checkPoint + 1
            checkPoint = self.checkPoint  # noqa: N806
        status = (win32service.SERVICE_WIN32_OWN_PROCESS, serviceStatus, accepted, win32ExitCode, svcExitCode,
                  checkPoint, waitHint)
        win32service.SetServiceStatus(self.ssh, status)

    def SvcInterrogate(self) -> None:  # noqa: N802
        # pywin32: "Assume we are running, and everyone is happy."
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)

    def SvcOther(self, control: int) -> None:  # noqa: N802
        try:
            print("Unknown control status - %d" % control)
        except OSError:
            pass

    def ServiceCtrlHandler(self, control: int) -> Any:  # noqa: N802
        return self.ServiceCtrlHandlerEx(control, 0, None)

    def SvcOtherEx(self, control: int, event_type: int, data: Any) -> Any:  # noqa: N802
        return self.SvcOther(control)

    def ServiceCtrlHandlerEx(self, control: int, event_type: int, data: Any) -> Any:  # noqa: N802
        if control == win32service.SERVICE_CONTROL_STOP:
            return self.SvcStop()
        elif control == win32service.SERVICE_CONTROL_PAUSE:
            return self.SvcPause()
        elif control == win32service.SERVICE_CONTROL_CONTINUE:
            return self.SvcContinue()
        elif control == win32service.SERVICE_CONTROL_INTERROGATE:
            return self.SvcInterrogate()
        elif control == win32service.SERVICE_CONTROL_SHUTDOWN:
            return self.SvcShutdown()
        else:
            return self.SvcOtherEx(control, event_type, data)

    def SvcRun(self) -> None:  # noqa: N802
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
        self.SvcDoRun()
        # pywin32: the C framework reports STOPPED when this returns
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)


def _needs_windows(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"win32serviceutil.{name} needs a real Service Control Manager; scmcheck runs the "
                           "service class itself (keep this call under 'if __name__ == \"__main__\":')")

    call.__name__ = name
    return call


HandleCommandLine = _needs_windows("HandleCommandLine")
InstallService = _needs_windows("InstallService")
RemoveService = _needs_windows("RemoveService")
StartService = _needs_windows("StartService")
StopService = _needs_windows("StopService")
RestartService = _needs_windows("RestartService")
QueryServiceStatus = _needs_windows("QueryServiceStatus")
ControlService = _needs_windows("ControlService")
DebugService = _needs_windows("DebugService")
