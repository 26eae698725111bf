"""A COM local server written the way pywin32's documentation shows: win32com.server.localserver.serve.

Register it with ``python com_pywin32_localserver.py --register`` (as an
administrator); COM then starts ``python com_pywin32_localserver.py
-Embedding`` for a client's ``win32com.client.Dispatch("ScmcheckDemo.Counter")``.

It relies entirely on pywin32's stock lifetime: pythoncom counts live objects
and LockServer calls, posts WM_QUIT when the count reaches 0, and serve()
revokes the class factories once PumpMessages returns.

scmcheck: ``scmcheck test examples/implementations/com_pywin32_localserver.py:main``.
"""

import sys

import pythoncom
from win32com.server import localserver


class Counter:
    _reg_clsid_ = "{6B3B8D52-6A1F-4F3E-9C1B-6A6A0F7C2A11}"
    _reg_progid_ = "ScmcheckDemo.Counter"
    _reg_desc_ = "scmcheck demo counter (pywin32 local server)"
    _reg_clsctx_ = pythoncom.CLSCTX_LOCAL_SERVER
    _public_methods_ = ["Next"]

    def __init__(self):
        self.value = 0

    def Next(self):
        self.value += 1
        return self.value


def main():
    localserver.serve([Counter._reg_clsid_])


if __name__ == "__main__":
    if "--register" in sys.argv or "--unregister" in sys.argv:
        import win32com.server.register

        win32com.server.register.UseCommandLine(Counter)
    else:
        main()
