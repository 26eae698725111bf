"""A pywin32 local server that decides to exit from its own count of live objects.

A pattern seen in the wild: the server counts its objects in ``__init__``
and ``__del__`` and posts WM_QUIT to its main thread when the count reaches
zero.  pythoncom's own count (which includes IClassFactory::LockServer,
implemented in C++) is not used, so a client holding only a class factory
(COM's implicit LockServer on marshaling, 004.8) or an explicit LockServer
lock does not keep the server alive.

scmcheck: ``scmcheck test examples/implementations/com_pywin32_own_count.py:main``.
"""

import sys
import threading

import pythoncom
import win32api
import win32con
from win32com.server import factory

_lock = threading.Lock()
_live = 0
_main_thread = 0


class Greeter:
    _reg_clsid_ = "{0E5B7C1D-2E44-4B6A-8C0D-5D1B6C7E9F21}"
    _reg_progid_ = "ScmcheckDemo.Greeter"
    _reg_clsctx_ = pythoncom.CLSCTX_LOCAL_SERVER
    _public_methods_ = ["Hello"]

    def __init__(self):
        global _live
        with _lock:
            _live += 1

    def __del__(self):
        global _live
        with _lock:
            _live -= 1
            last = _live == 0
        if last:
            win32api.PostThreadMessage(_main_thread, win32con.WM_QUIT, 0, 0)

    def Hello(self, name):
        return "Hello, " + name


def main():
    global _main_thread
    _main_thread = win32api.GetCurrentThreadId()
    infos = factory.RegisterClassFactories([Greeter._reg_clsid_])
    pythoncom.CoResumeClassObjects()
    pythoncom.PumpMessages()
    factory.RevokeClassFactories(infos)
    pythoncom.CoUninitialize()


if __name__ == "__main__":
    if "--register" in sys.argv:
        import win32com.server.register

        win32com.server.register.UseCommandLine(Greeter)
    else:
        main()
