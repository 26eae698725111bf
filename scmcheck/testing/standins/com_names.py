"""The names a Python COM local server imports, and the modules of this package that stand in for them.

Used by scmcheck/testing/loader.py for a COM target (``FILE.py:main``) only,
on top of :data:`scmcheck.testing.standins.STANDINS` (threading, time, queue,
os ...): a service target never sees these.  Dotted names are flat modules
here (``win32com.server.factory`` -> ``win32com_server_factory``); the hook
sets each as an attribute of its parent, so ``import win32com.server.factory``
then ``win32com.server.factory.RegisterClassFactories`` works as in pywin32.

``sys`` is the one name mapped per *process*: a module of its own per server
process (sys_.py), so ``sys.coinit_flags = 0`` set by one server process
does not leak into the next one, nor into the harness.

A stand-in module may define ``_scmcheck_imported_(run)``: what the real
module does when a process first imports it (pythoncom and comtypes call
CoInitializeEx for the importing thread with ``sys.coinit_flags``).
"""

from __future__ import annotations

COM_STANDINS = {
    "pythoncom": "pythoncom_",
    "pywintypes": "pywintypes",
    "win32api": "win32api_com",
    "win32con": "win32con_com",
    "win32gui": "win32gui_com",
    "win32com": "win32com_",
    "win32com.server": "win32com_server",
    "win32com.server.factory": "win32com_server_factory",
    "win32com.server.localserver": "win32com_server_localserver",
    "win32com.server.register": "win32com_server_register",
    "comtypes": "comtypes_",
    "comtypes.server": "comtypes_server",
    "comtypes.server.localserver": "comtypes_server_localserver",
    "comtypes.server.register": "comtypes_server_register",
    "comtypes.messageloop": "comtypes_messageloop",
    "comtypes.hresult": "comtypes_hresult",
    "ctypes": "ctypes_",
}
COM_TOPS = frozenset(n.partition(".")[0] for n in COM_STANDINS)
