"""Stand-in for pywin32's ``win32com.server.localserver`` (win32com/server/localserver.py).

Single-threaded, as pywin32's: importing it sets ``sys.coinit_flags = 2``
(apartment-threaded) for the process.  ``serve(clsids)`` registers the class
factories suspended (factory.RegisterClassFactories), names the current
thread for pythoncom's quit message (EnableQuitMessage), calls
CoResumeClassObjects once, pumps messages until WM_QUIT (posted by pythoncom
when its lock count reaches 0), then revokes the class factories and calls
CoUninitialize.  ``main()`` serves the CLSIDs on the command line.
"""

from __future__ import annotations

from typing import Any, Iterable

from . import pythoncom_ as pythoncom
from . import win32api_com as win32api
from . import win32com_server_factory as factory


def _scmcheck_imported_(run: Any) -> None:
    run.proc_here().sys.coinit_flags = 2


def serve(clsids: Iterable[Any]) -> None:
    infos = factory.RegisterClassFactories(clsids)
    pythoncom.EnableQuitMessage(win32api.GetCurrentThreadId())
    pythoncom.CoResumeClassObjects()
    pythoncom.PumpMessages()
    factory.RevokeClassFactories(infos)
    pythoncom.CoUninitialize()


def main() -> None:
    from .. import context

    argv = context.active().proc_here().sys.argv
    if len(argv) == 1:
        raise SystemExit(1)
    serve(argv[1:])
